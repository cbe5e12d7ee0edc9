"""Forms of volunteering: missions, shifts (one-off or weekly), cancellation, presence, the
volunteer profile and the list filter."""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.extensions import db
from app.forms import BaseForm, GetForm, plain_text, single_line
from app.volunteering.models import LABELS, Category, ContactSharing, Mission, Presence
from app.volunteering.services import MAX_CAPACITY, SLOTS, closes_hours_of, eligible_coordinators, to_local

#: When sign-ups close, in hours before the start.
CLOSES_CHOICES = [
    (0, _l("Au début du créneau")),
    (2, _l("2 heures avant")),
    (12, _l("12 heures avant")),
    (24, _l("La veille (24 heures avant)")),
    (48, _l("2 jours avant")),
    (72, _l("3 jours avant")),
    (168, _l("Une semaine avant")),
]
#: Browsers send "14:30"; typed by hand (no time picker), "14h30" and "14h" work too.
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh", "%H.%M"]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (rendered by hand in the templates, inside a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) > 0 else None


class MissionForm(BaseForm):
    """Create or edit a mission; "Publier" shows it to everyone."""

    title = StringField(
        _l("Titre de la mission"),
        validators=[DataRequired(_l("Donnez un titre à la mission.")), Length(max=120), single_line],
        description=_l("Par exemple : « Accueillir les familles à l'aide aux devoirs »."),
    )
    description = TextAreaField(
        _l("Ce que font les bénévoles"),
        validators=[Optional(), Length(max=10000), plain_text],
        description=_l("Le rôle, l'ambiance, ce qu'il faut savoir avant de venir."),
    )
    category = SelectField(_l("Catégorie"), validators=[InputRequired()])
    activity = StringField(
        _l("Activité du centre"),
        validators=[Optional(), Length(max=120), single_line],
        description=_l("Par exemple : « Aide aux devoirs », « Fête de quartier »."),
    )
    skills = StringField(
        _l("Compétences utiles"),
        validators=[Optional(), Length(max=300), single_line],
        description=_l("Séparées par des virgules : cuisine, accueil, bricolage…"),
    )
    is_skill_based = BooleanField(
        _l("Bénévolat de compétences (un savoir-faire professionnel est demandé)"),
    )
    link = SelectField(_l("Reliée à"), validate_choice=True)
    coordinators = MultiCheckboxField(_l("Coordination"), coerce=int, validate_choice=True)
    save = SubmitField(_l("Enregistrer"))
    publish = SubmitField(_l("Enregistrer et publier"))

    def setup(self, structure_id: int, mission: Mission | None = None) -> None:
        """Choices: categories, the structure's initiatives and instances, possible coordinators."""
        from app.initiatives.models import PRIVATE_STATUSES, Initiative
        from app.instances.models import Instance

        self.category.choices = [(c.value, c.label) for c in Category]
        initiatives = db.session.execute(
            sa.select(Initiative.id, Initiative.title)
            .where(Initiative.structure_id == structure_id, Initiative.status.not_in(PRIVATE_STATUSES))
            .order_by(Initiative.title)
            .limit(200)
        ).all()
        instances = db.session.execute(
            sa.select(Instance.id, Instance.name)
            .where(Instance.structure_id == structure_id, Instance.archived_at.is_(None))
            .order_by(Instance.name)
        ).all()
        self.link.choices = (
            [("", _l("Rien de particulier"))]
            + [(f"initiative-{i}", _("Initiative : %(title)s", title=t)) for i, t in initiatives]
            + [(f"instance-{i}", _("Instance : %(name)s", name=n)) for i, n in instances]
        )
        if mission is not None:
            for prefix, value in (("initiative", mission.initiative_id), ("instance", mission.instance_id)):
                key = f"{prefix}-{value}"
                if value and key not in [c[0] for c in self.link.choices]:
                    self.link.choices.append((key, _l("Lien actuel")))
        self.people = eligible_coordinators(structure_id)
        self.coordinators.choices = [(p.id, p.display_name) for p in self.people]

    def fill_from(self, mission: Mission) -> None:
        """Current values of a mission (GET of the edit page)."""
        self.category.data = mission.category.value
        self.link.data = (
            f"initiative-{mission.initiative_id}"
            if mission.initiative_id
            else (f"instance-{mission.instance_id}" if mission.instance_id else "")
        )
        self.coordinators.data = [c.person_id for c in mission.coordinators]

    def data_for_service(self) -> dict:
        kind, _sep, number = (self.link.data or "").partition("-")
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "category": Category(self.category.data),
            "activity": self.activity.data or "",
            "skills": self.skills.data or "",
            "is_skill_based": bool(self.is_skill_based.data),
            "initiative_id": _int_or_none(number) if kind == "initiative" else None,
            "instance_id": _int_or_none(number) if kind == "instance" else None,
            "coordinator_ids": list(self.coordinators.data or []),
        }


class _ShiftFields(BaseForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date du créneau."))])
    start = TimeField(_l("Début"), format=TIME_FORMATS, validators=[InputRequired(_l("Indiquez l'heure de début."))])
    end = TimeField(_l("Fin"), format=TIME_FORMATS, validators=[InputRequired(_l("Indiquez l'heure de fin."))])
    place = StringField(
        _l("Lieu"),
        validators=[Optional(), Length(max=200), single_line],
        description=_l("Par exemple : « Salle des familles, rez-de-chaussée »."),
    )
    capacity = IntegerField(
        _l("Nombre de places"),
        validators=[
            InputRequired(_l("Indiquez le nombre de places.")),
            NumberRange(min=1, max=MAX_CAPACITY, message=_l("Indiquez un nombre de places entre 1 et 500.")),
        ],
        default=4,
    )
    closes_hours = SelectField(_l("Fin des inscriptions"), coerce=int, choices=CLOSES_CHOICES, default=0)

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("L'heure de fin doit être après l'heure de début."))

    def shift_fields(self) -> dict:
        return {
            "day": self.day.data,
            "start": self.start.data,
            "end": self.end.data,
            "place": self.place.data or "",
            "capacity": self.capacity.data,
            "closes_hours": self.closes_hours.data or 0,
        }


class ShiftForm(_ShiftFields):
    """A new shift: once, or every week until a date."""

    repeat = RadioField(
        _l("Répétition"),
        choices=[("once", _l("Une seule fois")), ("weekly", _l("Chaque semaine, le même jour"))],
        default="once",
        validators=[InputRequired()],
    )
    until = DateField(
        _l("Jusqu'au (pour une répétition chaque semaine)"),
        validators=[Optional()],
        description=_l("60 créneaux au plus, soit un peu plus d'un an."),
    )
    submit = SubmitField(_l("Ajouter"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.repeat.data != "weekly" or self.until.errors:
            return valid
        # Checked here: the field's Optional() validator ends its own checks when it is empty.
        if not self.until.data:
            self.until.errors = [_l("Indiquez jusqu'à quand le créneau se répète.")]
        elif self.day.data and self.until.data < self.day.data:
            self.until.errors = [_l("La fin de la répétition doit être après la première date.")]
        else:
            return valid
        return False

    def weekly_fields(self) -> dict:
        fields = self.shift_fields()
        fields["first_date"], fields["last_date"] = fields.pop("day"), self.until.data
        return fields


SCOPES = [("one", _l("Ce créneau seulement")), ("following", _l("Ce créneau et les suivants de la série"))]


class ShiftEditForm(_ShiftFields):
    """Change a shift, or it and the later ones of its series."""

    scope = RadioField(_l("Modifier"), choices=SCOPES, default="one", validators=[InputRequired()])
    submit = SubmitField(_l("Enregistrer"))

    def fill_from(self, shift) -> None:
        start, end = to_local(shift.starts_at), to_local(shift.ends_at)
        self.day.data, self.start.data, self.end.data = start.date(), start.time(), end.time()
        self.place.data, self.capacity.data = shift.place, shift.capacity
        self.allow_custom_closing(shift)
        self.closes_hours.data = closes_hours_of(shift)

    def allow_custom_closing(self, shift) -> None:
        """Keep a deadline that is not in the list selectable (set by the demo or an older version)."""
        hours = closes_hours_of(shift)
        if hours not in [c[0] for c in self.closes_hours.choices]:
            self.closes_hours.choices = [*self.closes_hours.choices, (hours, _("%(n)s heures avant", n=hours))]


class CancelShiftForm(BaseForm):
    """Cancel a shift (everyone signed up is told), or it and the later ones of its series."""

    reason = TextAreaField(
        _l("Un mot pour les personnes inscrites (facultatif)"),
        validators=[Optional(), Length(max=300), plain_text],
        description=_l("Par exemple : « La salle n'est pas disponible ce jour-là »."),
    )
    scope = RadioField(_l("Annuler"), choices=SCOPES, default="one", validators=[InputRequired()])
    submit = SubmitField(_l("Annuler le créneau"))


class PresenceForm(BaseForm):
    """Came or did not come (the buttons carry the value)."""

    presence = RadioField(
        _l("Présence"),
        choices=[(p.value, LABELS[Presence][p]) for p in Presence],
        validators=[InputRequired(_l("Choisissez venu·e ou pas venu·e."))],
    )


DAY_LABELS = {
    "mon": _l("Lundi"),
    "tue": _l("Mardi"),
    "wed": _l("Mercredi"),
    "thu": _l("Jeudi"),
    "fri": _l("Vendredi"),
    "sat": _l("Samedi"),
    "sun": _l("Dimanche"),
}
PART_LABELS = {"am": _l("Matin"), "pm": _l("Après-midi"), "ev": _l("Soir")}


def slot_label(slot: str) -> str:
    day, part = slot.split("_")
    return f"{DAY_LABELS[day]} {str(PART_LABELS[part]).lower()}"


class ProfileForm(BaseForm):
    """My skills and availability, and what coordinators may see."""

    skills = StringField(
        _l("Ce que je sais faire"),
        validators=[Optional(), Length(max=300), single_line],
        description=_l("Séparé par des virgules : cuisine, accueil, bricolage, informatique…"),
    )
    availability = MultiCheckboxField(_l("Quand je suis disponible"), validate_choice=True)
    note = TextAreaField(
        _l("Un mot pour les coordinateurs (facultatif)"),
        validators=[Optional(), Length(max=300), plain_text],
        description=_l("Par exemple : « Pas pendant les vacances scolaires »."),
    )
    share_with_coordinators = BooleanField(
        _l("Les coordinateurs de missions peuvent voir mes compétences et mes disponibilités"),
    )
    contact_sharing = RadioField(
        _l("Coordonnées que les coordinateurs peuvent voir"),
        choices=[(c.value, LABELS[ContactSharing][c]) for c in ContactSharing],
        default=ContactSharing.NONE.value,
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.availability.choices = [(slot, slot_label(slot)) for slot in SLOTS]
        self.contact_sharing.choices = [(c.value, c.label) for c in ContactSharing]

    def profile_fields(self) -> dict:
        return {
            "skills": self.skills.data or "",
            "availability": list(self.availability.data or []),
            "note": self.note.data or "",
            "share_with_coordinators": bool(self.share_with_coordinators.data),
            "contact_sharing": ContactSharing(self.contact_sharing.data),
        }


class MissionFilterForm(GetForm):
    """The list's category filter (GET, no CSRF)."""

    categorie = SelectField(_l("Catégorie"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categorie.choices = [("", _l("Toutes"))] + [(c.value, c.label) for c in Category]

    def category(self) -> str | None:
        """The chosen category, or None (an unknown value is ignored, never an error)."""
        return self.categorie.data if self.categorie.data in {c.value for c in Category} else None
