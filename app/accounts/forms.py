from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from app.accounts.models import AGE_BRACKET_LABELS
from app.accounts.services import looks_like_phone
from app.forms import BaseForm, email_address, single_line


def _min_password_length(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Au moins %(n)s caractères (une phrase facile à retenir suffit).", n=minimum))


def phone_number(form, field):
    """A phone number as people write it (French or international)."""
    if field.data and not looks_like_phone(field.data):
        raise ValidationError(_l("Ce numéro ne semble pas valide (exemple : 06 12 34 56 78)."))


def age_bracket_choices():
    return [("", _l("Je préfère ne pas dire"))] + [(b.value, label) for b, label in AGE_BRACKET_LABELS.items()]


def language_choices():
    return [("fr", "Français"), ("en", "English")]


class PersonFieldsMixin:
    """Fields shared by registration, assisted accounts and the profile."""

    display_name = StringField(
        _l("Votre nom ou prénom"),
        validators=[DataRequired(_l("Indiquez un nom.")), Length(max=80), single_line],
        description=_l("C'est le nom que les autres verront."),
    )
    quartier_id = SelectField(_l("Votre quartier"), coerce=int, validators=[Optional()])
    birth_year = IntegerField(
        _l("Année de naissance (facultatif)"),
        validators=[Optional(), NumberRange(min=1900, max=date.today().year, message=_l("Année invalide."))],
    )
    age_bracket = SelectField(_l("Ou votre tranche d'âge (facultatif)"), validators=[Optional()])
    guardian_name = StringField(
        _l("Nom du parent qui donne son accord (moins de 15 ans)"),
        validators=[Optional(), Length(max=80), single_line],
    )
    locale = SelectField(_l("Langue"), default="fr")

    def setup_choices(self, structure):
        quartiers = [q for q in (structure.quartiers if structure else []) if q.is_active]
        self.quartier_id.choices = [(0, _l("— Choisir —"))] + [
            (q.id, f"{q.name} (QPV)" if q.is_qpv else q.name) for q in quartiers
        ]
        self.age_bracket.choices = age_bracket_choices()
        self.locale.choices = language_choices()

    def cleaned_person(self) -> dict:
        return {
            "display_name": self.display_name.data,
            "quartier_id": self.quartier_id.data or None,
            "birth_year": self.birth_year.data,
            "age_bracket": self.age_bracket.data or None,
            "guardian_name": self.guardian_name.data or None,
            "locale": self.locale.data,
        }


class RegisterForm(PersonFieldsMixin, BaseForm):
    email = EmailField(
        _l("Adresse e-mail (facultatif)"),
        validators=[Optional(), Length(max=254), email_address],
    )
    phone = StringField(_l("Numéro de téléphone (facultatif)"), validators=[Optional(), phone_number])
    password = PasswordField(
        _l("Mot de passe"), validators=[DataRequired(_l("Choisissez un mot de passe.")), _min_password_length]
    )
    accept = BooleanField(
        _l("J'ai lu comment mes données sont utilisées"),
        validators=[DataRequired(_l("Cochez cette case pour continuer."))],
    )
    submit = SubmitField(_l("Créer mon compte"))


class LoginForm(BaseForm):
    identifier = StringField(
        _l("E-mail, téléphone ou identifiant"),
        validators=[DataRequired(_l("Indiquez votre identifiant.")), Length(max=254), single_line],
    )
    password = PasswordField(
        _l("Mot de passe ou code remis à l'accueil"), validators=[DataRequired(_l("Indiquez votre mot de passe."))]
    )
    remember = BooleanField(_l("Rester connecté·e sur cet appareil (30 jours)"))
    submit = SubmitField(_l("Se connecter"))


class ForgotForm(BaseForm):
    identifier = StringField(
        _l("Votre adresse e-mail ou identifiant"),
        validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254), single_line],
    )
    submit = SubmitField(_l("Recevoir un lien"))


class NewPasswordForm(BaseForm):
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(), _min_password_length])
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(), EqualTo("password", _l("Les deux mots de passe sont différents."))],
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])


class ProfileForm(PersonFieldsMixin, BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[Optional(), Length(max=254), email_address],
    )
    phone = StringField(_l("Numéro de téléphone"), validators=[Optional(), phone_number])
    gender = StringField(
        _l("Genre (facultatif, comme vous le souhaitez)"), validators=[Optional(), Length(max=40), single_line]
    )
    submit = SubmitField(_l("Enregistrer"))


class DeleteAccountForm(BaseForm):
    confirm = StringField(
        _l("Pour confirmer, tapez SUPPRIMER"), validators=[DataRequired(_l("Tapez SUPPRIMER pour confirmer."))]
    )
    submit = SubmitField(_l("Supprimer définitivement mon compte"))

    def validate_confirm(self, field):
        if field.data.strip().upper() not in {"SUPPRIMER", "DELETE"}:
            raise ValidationError(_l("Tapez SUPPRIMER pour confirmer."))


class AssistedAccountForm(PersonFieldsMixin, BaseForm):
    display_name = StringField(
        _l("Nom ou prénom de la personne"),
        validators=[DataRequired(_l("Indiquez un nom.")), Length(max=80), single_line],
    )
    quartier_id = SelectField(_l("Quartier"), coerce=int, validators=[Optional()])
    phone = StringField(_l("Téléphone (facultatif)"), validators=[Optional(), phone_number])
    birth_year = IntegerField(
        _l("Année de naissance (facultatif)"),
        validators=[Optional(), NumberRange(min=1900, max=date.today().year, message=_l("Année invalide."))],
    )
    age_bracket = SelectField(_l("Ou tranche d'âge (facultatif)"), validators=[Optional()])
    consent = BooleanField(
        _l("La personne est présente et accepte la création de son compte"),
        validators=[DataRequired(_l("La personne doit être présente et d'accord."))],
    )
    submit = SubmitField(_l("Créer le compte et imprimer la fiche"))
