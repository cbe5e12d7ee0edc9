"""Forms of centre administration and of the platform's structures page."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.accounts.forms import phone_number
from app.centres.models import ROLE_LABELS, Role, StructureType
from app.forms import BaseForm, GetForm, email_address, plain_text, single_line

QPV_CODE = re.compile(r"Q[A-Z][0-9A-Z]{5,8}")


def structure_type_choices():
    return [(t.value, t.label) for t in StructureType]


def role_choices():
    return [(int(role), label) for role, label in ROLE_LABELS.items()]


_NAME_REQUIRED = _l("Indiquez un nom.")


class StructureIdentityMixin:
    """Name, type and city: shared by the settings form and the platform's creation form."""

    name = StringField(
        _l("Nom de la structure"),
        validators=[DataRequired(_NAME_REQUIRED), Length(max=120), single_line],
    )
    structure_type = SelectField(_l("Type de structure"), choices=structure_type_choices, default="cs")
    city = StringField(_l("Commune"), validators=[Optional(), Length(max=120), single_line])


class StructureSettingsForm(StructureIdentityMixin, BaseForm):
    welcome = TextAreaField(
        _l("Texte d'accueil"),
        validators=[Optional(), Length(max=2000), plain_text],
        description=_l("Affiché sur la page d'accueil. Texte simple, sans mise en forme."),
    )
    contact_email = EmailField(
        _l("E-mail de contact"),
        validators=[Optional(), email_address, Length(max=254)],
    )
    contact_phone = StringField(_l("Téléphone de contact"), validators=[Optional(), Length(max=32), phone_number])
    support_threshold = IntegerField(
        _l("Soutiens nécessaires pour qu'une initiative soit étudiée en comité"),
        validators=[Optional(), NumberRange(min=1, max=10_000)],
        default=10,
    )
    premoderation = BooleanField(
        _l("Relire chaque initiative avant qu'elle soit publique"),
        description=_l("Sinon, les initiatives sont publiées tout de suite et l'équipe les relit après."),
    )
    submit = SubmitField(_l("Enregistrer les réglages"))

    def service_data(self) -> dict:
        return {
            "support_threshold": self.support_threshold.data,
            "premoderation": bool(self.premoderation.data),
            "name": self.name.data,
            "structure_type": self.structure_type.data,
            "city": self.city.data or "",
            "welcome": self.welcome.data or "",
            "contact_email": self.contact_email.data,
            "contact_phone": self.contact_phone.data,
        }


class QuartierForm(BaseForm):
    name = StringField(_l("Nom du quartier"), validators=[DataRequired(_NAME_REQUIRED), Length(max=120), single_line])
    is_qpv = BooleanField(_l("Quartier prioritaire de la politique de la ville (QPV)"))
    qpv_code = StringField(
        _l("Code QPV (facultatif)"),
        validators=[Optional(), Length(max=16)],
        description=_l("Par exemple QN06902M, tel qu'il figure dans la liste officielle."),
    )
    qpv_list_version = SelectField(
        _l("Liste des QPV"),
        choices=[("", _l("— Non précisée —")), ("2024", _l("Liste 2024")), ("2015", _l("Liste 2015"))],
        default="2024",
        validators=[Optional()],
    )
    submit = SubmitField(_l("Enregistrer le quartier"))

    def validate_qpv_code(self, field):
        if not field.data:
            return
        code = field.data.strip().upper()
        if not self.is_qpv.data:
            raise ValidationError(_l("Cochez « QPV » pour indiquer un code, ou laissez le code vide."))
        if not QPV_CODE.fullmatch(code):
            raise ValidationError(_l("Ce code ne ressemble pas à un code QPV (exemple : QN06902M)."))
        field.data = code

    def validate_qpv_list_version(self, field):
        if self.is_qpv.data and self.qpv_code.data and not field.data:
            raise ValidationError(_l("Précisez la liste à laquelle appartient ce code."))

    def service_data(self) -> dict:
        return {
            "name": self.name.data,
            "is_qpv": self.is_qpv.data,
            "qpv_code": self.qpv_code.data,
            "qpv_list_version": self.qpv_list_version.data,
        }


class ThemeForm(BaseForm):
    name = StringField(_l("Nom du thème"), validators=[DataRequired(_NAME_REQUIRED), Length(max=80), single_line])
    submit = SubmitField(_l("Enregistrer le thème"))


class PeopleSearchForm(GetForm):
    q = StringField(_l("Rechercher une personne (nom, identifiant, e-mail, fonction)"), validators=[Length(max=80)])


class MemberForm(BaseForm):
    role = SelectField(_l("Rôle dans la structure"), coerce=int, choices=role_choices)
    job_title = StringField(
        _l("Fonction (facultatif)"),
        validators=[Optional(), Length(max=80), single_line],
        description=_l("Par exemple : animatrice, référent famille, accueil, directeur."),
    )
    submit = SubmitField(_l("Enregistrer"))

    def validate_role(self, field):
        if field.data not in {int(r) for r in Role}:
            raise ValidationError(_l("Choisissez un rôle de la liste."))


class NewStructureForm(StructureIdentityMixin, BaseForm):
    admin_email = EmailField(
        _l("E-mail de la première personne à la direction (facultatif)"),
        validators=[Optional(), email_address, Length(max=254)],
        description=_l("Elle doit déjà avoir un compte sur Ensemble."),
    )
    submit = SubmitField(_l("Créer la structure"))

    def service_data(self) -> dict:
        return {
            "name": self.name.data,
            "structure_type": self.structure_type.data,
            "city": self.city.data or "",
            "admin_email": self.admin_email.data,
        }
