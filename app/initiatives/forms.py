"""Forms of initiatives: the proposal, the list filters, and the staff and lead actions."""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.accounts.models import User
from app.centres.models import Membership, Structure
from app.extensions import db
from app.forms import BaseForm, GetForm, plain_text, single_line
from app.initiatives.models import DECISIONS, PRIVATE_STATUSES, RejectReason, Status

SORT_LABELS = {
    "recent": _l("Les plus récentes"),
    "supports": _l("Les plus soutenues"),
    "help": _l("Cherchent de l'aide"),
}


def _id_or_none(value) -> int | None:
    """A select's value as an id: "" or anything not a positive number means none."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) > 0 else None


class EuroField(DecimalField):
    """A decimal amount that also accepts the French comma ("150,50") and spaces ("1 200")."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class InitiativeFilterForm(GetForm):
    """The list's filters, read from the query string (no CSRF: a GET form)."""

    q = SearchField(_l("Rechercher"), id="initiative-q", validators=[Optional(), Length(max=100)])
    statut = SelectField(_l("Où en est-elle ?"), validate_choice=False)
    theme = SelectField(_l("Thème"), validate_choice=False)
    quartier = SelectField(_l("Quartier"), validate_choice=False)
    tri = SelectField(_l("Trier"), choices=list(SORT_LABELS.items()), validate_choice=False)

    def setup(self, themes, quartiers) -> None:
        everything = ("", _l("Tous"))
        self.statut.choices = [("", _l("Toutes"))] + [(s.value, s.label) for s in Status if s not in PRIVATE_STATUSES]
        self.theme.choices = [everything] + [(str(t.id), t.name) for t in themes]
        self.quartier.choices = [everything] + [(str(q.id), q.name) for q in quartiers]

    def filters(self) -> dict:
        """The filters as the query wants them (unknown values are ignored, never an error)."""
        statut = self.statut.data if self.statut.data in {s.value for s in Status} else None
        return {
            "q": (self.q.data or "")[:100],
            "status": statut,
            "theme_id": _id_or_none(self.theme.data),
            "quartier_id": _id_or_none(self.quartier.data),
            "sort": self.tri.data if self.tri.data in SORT_LABELS else "recent",
        }

    def url_args(self) -> dict:
        """The non-empty filters, for pagination links."""
        args = {
            "q": self.q.data,
            "statut": self.statut.data,
            "theme": self.theme.data,
            "quartier": self.quartier.data,
            "tri": self.tri.data if self.tri.data != "recent" else "",
        }
        return {key: value for key, value in args.items() if value}


class InitiativeForm(BaseForm):
    """Propose or edit an initiative; "Envoyer" also submits it to the centre."""

    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Donnez un titre à votre initiative.")), Length(max=120), single_line],
        description=_l("En quelques mots : « Fête des voisins rue Lafontaine »."),
    )
    summary = TextAreaField(
        _l("Résumé"),
        validators=[DataRequired(_l("Résumez votre idée en une ou deux phrases.")), Length(max=280), plain_text],
        description=_l("Une ou deux phrases, 280 caractères au plus."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=10000), plain_text],
        description=_l(
            "Racontez votre projet. Vous pouvez écrire en **gras**, "
            "faire des listes avec des tirets et mettre des liens."
        ),
    )
    theme = SelectField(_l("Thème"), validate_choice=True)
    quartier = SelectField(_l("Quartier"), validate_choice=True)
    target_public = StringField(
        _l("Pour qui ?"),
        validators=[Optional(), Length(max=120), single_line],
        description=_l("Par exemple : les familles, les jeunes, les voisins de la rue…"),
    )
    when_text = StringField(
        _l("Quand ?"),
        validators=[Optional(), Length(max=120), single_line],
        description=_l("Par exemple : un samedi de juin, tous les mercredis…"),
    )
    helpers_needed = IntegerField(
        _l("Nombre de bénévoles recherchés"),
        validators=[Optional(), NumberRange(min=0, max=999, message=_l("Indiquez un nombre entre 0 et 999."))],
        default=0,
    )
    budget_requested = EuroField(
        _l("Budget demandé (en euros)"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=9999999, message=_l("Indiquez un montant positif en euros.")),
        ],
        description=_l("Laissez vide si vous n'avez pas besoin d'argent."),
    )
    materials = TextAreaField(
        _l("Matériel nécessaire"),
        validators=[Optional(), Length(max=500), plain_text],
        description=_l("Tables, barnum, outils, salle…"),
    )
    coleads = StringField(
        _l("Co-porteurs ou co-porteuses"),
        validators=[Optional(), Length(max=500), single_line],
        description=_l(
            "Les identifiants d'autres habitants du centre, séparés par des virgules. Chaque personne devra confirmer."
        ),
    )
    photo = FileField(
        _l("Photo (facultative)"),
        description=_l("JPEG, PNG ou WebP, 5 Mo au plus."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    photo_alt = StringField(
        _l("Description de la photo"),
        validators=[Optional(), Length(max=200), single_line],
        description=_l("Ce que montre la photo, pour les personnes qui ne la voient pas."),
    )
    save = SubmitField(_l("Enregistrer le brouillon"))
    send = SubmitField(_l("Envoyer"))

    def setup(self, structure: Structure, author_id: int | None) -> None:
        """Choices from the structure's active themes and quartiers; co-leads are checked against it."""
        self.structure = structure
        self.author_id = author_id
        none = ("", _l("Aucun"))
        self.theme.choices = [none] + [(str(t.id), t.name) for t in structure.themes if t.is_active]
        self.quartier.choices = [none] + [(str(q.id), q.name) for q in structure.quartiers if q.is_active]
        self.colead_users: list[User] = []

    def colead_names(self) -> list[str]:
        names = [n.strip().lstrip("@") for n in (self.coleads.data or "").split(",")]
        seen: list[str] = []
        for name in names:
            if name and name.lower() not in [s.lower() for s in seen]:
                seen.append(name)
        return seen

    def validate_coleads(self, field) -> None:
        names = self.colead_names()
        if not names:
            return
        if len(names) > 10:
            raise ValidationError(_l("Dix co-porteurs au plus."))
        found = list(
            db.session.scalars(
                sa.select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    sa.func.lower(User.username).in_([n.lower() for n in names]),
                    Membership.structure_id == self.structure.id,
                    User.anonymised_at.is_(None),
                )
            )
        )
        known = {u.username.lower() for u in found}
        unknown = [n for n in names if n.lower() not in known]
        if unknown:
            # gettext, not lazy_gettext: a LazyString is treated as safe HTML by Jinja, and this
            # message holds what the person typed.
            raise ValidationError(
                _("Personne n'est inscrit au centre avec cet identifiant : %(names)s.", names=", ".join(unknown))
            )
        self.colead_users = [u for u in found if u.id != self.author_id]

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "description": self.description.data or "",
            "theme_id": _id_or_none(self.theme.data),
            "quartier_id": _id_or_none(self.quartier.data),
            "target_public": self.target_public.data or "",
            "when_text": self.when_text.data or "",
            "helpers_needed": self.helpers_needed.data or 0,
            "budget_requested": self.budget_requested.data,
            "materials": self.materials.data or "",
        }

    def has_photo(self) -> bool:
        return bool(self.photo.data and getattr(self.photo.data, "filename", ""))


class HelpForm(BaseForm):
    """ "Je veux aider", with an optional word for the leads."""

    message = TextAreaField(
        _l("Un mot pour les porteurs (facultatif)"),
        validators=[Optional(), Length(max=300), plain_text],
        description=_l("Ce que vous savez faire, quand vous êtes disponible…"),
    )
    submit = SubmitField(_l("Je veux aider"))


class MessageForm(BaseForm):
    """Ask the author to complete the proposal."""

    message = TextAreaField(
        _l("Ce qu'il faut compléter"),
        validators=[DataRequired(_l("Dites à la personne ce qu'il faut compléter.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Demander des compléments"))


class RejectForm(BaseForm):
    """Do not publish, with a reason from the list and a message."""

    reason = SelectField(_l("Raison"), choices=[(r.value, r.label) for r in RejectReason], validators=[InputRequired()])
    message = TextAreaField(_l("Message à la personne"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Ne pas publier"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [(r.value, r.label) for r in RejectReason]


class DecideForm(BaseForm):
    """The centre's decision after the support phase."""

    decision = SelectField(_l("Décision"), validators=[InputRequired()])
    message = TextAreaField(
        _l("Raison ou conditions"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Obligatoire pour un refus, un report ou des conditions."),
    )
    submit = SubmitField(_l("Enregistrer la décision"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [(s.value, s.label) for s in DECISIONS]


class CompleteForm(BaseForm):
    """The bilan: how many took part, what went well."""

    participants = IntegerField(
        _l("Nombre de participants"),
        validators=[
            InputRequired(_l("Indiquez combien de personnes ont participé.")),
            NumberRange(min=0, max=100000),
        ],
    )
    bilan = TextAreaField(_l("Bilan : ce qui s'est bien passé"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Terminer avec ce bilan"))


class AbandonForm(BaseForm):
    """Give up the initiative, saying why."""

    message = TextAreaField(_l("Pourquoi ?"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Abandonner l'initiative"))


class DeadlineForm(BaseForm):
    """The date by which the centre answers."""

    deadline = DateField(_l("Réponse promise avant le"), validators=[Optional()])
    submit = SubmitField(_l("Enregistrer l'échéance"))


class HideForm(BaseForm):
    """Moderation: hide the initiative, saying why."""

    reason = StringField(
        _l("Raison du masquage"),
        validators=[DataRequired(_l("Indiquez la raison du masquage.")), Length(max=300), single_line],
    )
    submit = SubmitField(_l("Masquer"))
