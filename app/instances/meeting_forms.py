"""Forms of meetings: schedule, agenda, convocation, RSVP, closing, minutes and the decisions log.

The attendance sheet has one radio group per member (`status-<id>`, `proxy-<id>`): it is read by
`read_attendance` rather than by a WTForms class with a variable number of fields.
"""

from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import BaseForm, GetForm, plain_text, single_line
from app.instances.models import LABELS, AttendanceStatus, FollowUpStatus, RsvpAnswer

DURATIONS = [
    (30, _l("30 minutes")),
    (45, _l("45 minutes")),
    (60, _l("1 heure")),
    (90, _l("1 h 30")),
    (120, _l("2 heures")),
    (150, _l("2 h 30")),
    (180, _l("3 heures")),
    (240, _l("4 heures")),
    (300, _l("5 heures")),
    (360, _l("6 heures")),
    (480, _l("8 heures")),
]


def _id_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def http_url(form, field):
    """An http:// or https:// link with a host and no spaces (no javascript:, no ftp:)."""
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(_l("Indiquez un lien complet qui commence par https:// (ou http://)."))


class FrenchDateField(DateField):
    """A date from the date picker (2026-03-12) or typed the French way (12/03/2026)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not self.data_is_valid(valuelist):
            self.data = None
            self.process_errors.append(_l("Indiquez une date valide, par exemple 12/03/2026."))
            return
        super().process_formdata(valuelist)

    def data_is_valid(self, valuelist) -> bool:
        text = " ".join(valuelist).strip()
        if not text:
            return True
        for fmt in self.strptime_format:
            try:
                datetime.strptime(text, fmt)
            except ValueError:
                continue
            return True
        return False


class FrenchTimeField(TimeField):
    """A time from the time picker (18:30) or typed as people write it (18h30, 18h, 18.30)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%H:%M", "%Hh%M", "%Hh", "%H.%M", "%H"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = ["".join(valuelist[0].lower().split())]
            for fmt in self.strptime_format:
                try:
                    self.data = datetime.strptime(valuelist[0], fmt).time()
                except ValueError:
                    continue
                return
            self.data = None
            if valuelist[0]:
                self.process_errors.append(_l("Indiquez une heure valide, par exemple 18:30."))


class MeetingForm(BaseForm):
    """Schedule or edit a meeting; the date and time are typed in the centre's time zone."""

    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Donnez un titre à la réunion.")), Length(max=120), single_line],
        description=_l("Par exemple : « Comité d'usagers de mars »."),
    )
    day = FrenchDateField(_l("Date"), validators=[InputRequired(_l("Indiquez la date de la réunion."))])
    start = FrenchTimeField(
        _l("Heure de début"),
        validators=[InputRequired(_l("Indiquez l'heure de début."))],
        description=_l("Heure de Paris, par exemple 18:30."),
    )
    duration = SelectField(_l("Durée prévue"), choices=DURATIONS, coerce=int, default=120)
    place = StringField(
        _l("Lieu"),
        validators=[Optional(), Length(max=200), single_line],
        description=_l("La salle et l'adresse, par exemple « Salle polyvalente, 12 rue des Tilleuls »."),
    )
    online_url = URLField(
        _l("Lien de visioconférence"),
        validators=[Optional(), Length(max=300), http_url],
        description=_l("Facultatif : pour suivre la réunion à distance (https://…)."),
    )
    is_second_call = BooleanField(_l("Seconde convocation (après une réunion où le quorum n'était pas atteint)"))
    notify_members = BooleanField(_l("Envoyer la convocation modifiée aux membres"), default=True)
    copy_agenda_from = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.place.data or "").strip() and not (self.online_url.data or "").strip():
            self.place.errors = [*self.place.errors, _("Indiquez un lieu ou un lien de visioconférence.")]
            valid = False
        return valid

    def local_start(self) -> datetime:
        return datetime.combine(self.day.data, self.start.data)

    def data_for_service(self, starts_at: datetime) -> dict:
        """The service's fields, with `starts_at` already converted to UTC by the route."""
        return {
            "title": self.title.data,
            "starts_at": starts_at,
            "duration_minutes": self.duration.data,
            "place": self.place.data or "",
            "online_url": (self.online_url.data or "").strip(),
            "is_second_call": bool(self.is_second_call.data),
        }


class AgendaItemForm(BaseForm):
    """A point of the agenda, possibly about a published initiative of the centre."""

    title = StringField(
        _l("Point à l'ordre du jour"),
        validators=[DataRequired(_l("Donnez un titre au point.")), Length(max=200), single_line],
    )
    description = TextAreaField(
        _l("Précisions"),
        validators=[Optional(), Length(max=2000), plain_text],
        description=_l("Facultatif : ce qu'il faut préparer, qui présente…"),
    )
    initiative = SelectField(_l("À propos d'une initiative"), validate_choice=True, default="")

    def setup(self, initiatives) -> None:
        self.initiative.choices = [("", _l("Aucune"))] + [(str(i.id), i.title) for i in initiatives]

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "initiative_id": _id_or_none(self.initiative.data),
        }


class ConveneForm(BaseForm):
    """Send the convocation; a short notice must be confirmed with the checkbox."""

    confirm_short = BooleanField(_l("Je confirme convoquer avec un délai plus court que prévu"))

    def setup(self, days: int) -> None:
        self.confirm_short.label.text = ngettext(
            "Je confirme convoquer avec un délai plus court que le %(num)d jour prévu",
            "Je confirme convoquer avec un délai plus court que les %(num)d jours prévus",
            days,
        )


class CancelForm(BaseForm):
    """Cancel a meeting with a reason (sent to the members)."""

    reason = StringField(
        _l("Motif de l'annulation"),
        validators=[DataRequired(_l("Indiquez le motif de l'annulation.")), Length(max=300), single_line],
        description=_l("Il est envoyé aux membres, par exemple « Salle indisponible, la réunion est reportée »."),
    )


class RsvpForm(BaseForm):
    """A member's answer to the convocation."""

    answer = RadioField(
        _l("Votre réponse"),
        choices=[(a.value, LABELS[RsvpAnswer][a]) for a in RsvpAnswer],
        validators=[InputRequired(_l("Choisissez une réponse."))],
    )
    proxy_holder = SelectField(_l("Je donne pouvoir à"), validate_choice=True, default="")

    def setup(self, holders, *, proxies_allowed: bool) -> None:
        answers = [a for a in RsvpAnswer if proxies_allowed or a != RsvpAnswer.PROXY]
        self.answer.choices = [(a.value, a.label) for a in answers]
        self.proxy_holder.choices = [("", _l("Choisir un membre"))] + [(str(u.id), u.display_name) for u in holders]

    def validate_proxy_holder(self, field):
        if self.answer.data == RsvpAnswer.PROXY.value and not _id_or_none(field.data):
            raise ValidationError(_l("Choisissez la personne à qui vous donnez votre pouvoir."))

    @property
    def holder_id(self) -> int | None:
        return _id_or_none(self.proxy_holder.data) if self.answer.data == RsvpAnswer.PROXY.value else None


class CloseForm(BaseForm):
    """Close the meeting; staff may correct the computed quorum, with a reason."""

    quorum = SelectField(
        _l("Quorum"),
        choices=[
            ("", _l("Garder le calcul")),
            ("reached", _l("Quorum atteint")),
            ("not_reached", _l("Quorum non atteint")),
        ],
        default="",
    )
    reason = StringField(
        _l("Raison de la correction"),
        validators=[Length(max=300), single_line],
        description=_l("Obligatoire si vous corrigez le quorum."),
    )

    def validate_reason(self, field):
        if self.quorum.data and not (field.data or "").strip():
            raise ValidationError(_l("Indiquez pourquoi vous corrigez le quorum."))

    @property
    def override(self) -> bool | None:
        return {"reached": True, "not_reached": False}.get(self.quorum.data or "")


class MinutesForm(BaseForm):
    """The minutes (compte rendu), in simple markdown."""

    body = TextAreaField(
        _l("Compte rendu"),
        validators=[Optional(), Length(max=50000), plain_text],
        description=_l(
            "Qui était là, ce qui a été dit et décidé. Vous pouvez écrire en **gras**, "
            "faire des listes avec des tirets et des titres avec ###."
        ),
    )


class FollowUpForm(BaseForm):
    """An entry of the decisions log."""

    text = TextAreaField(
        _l("Décision ou action"),
        validators=[
            DataRequired(_l("Décrivez ce qui a été décidé ou ce qu'il faut faire.")),
            Length(max=500),
            plain_text,
        ],
        description=_l("Par exemple : « Demander à la mairie un second banc devant l'entrée »."),
    )
    owner = SelectField(_l("Qui s'en charge ?"), validate_choice=True, default="")
    owner_text = StringField(
        _l("Ou bien, en toutes lettres"),
        validators=[Optional(), Length(max=120), single_line],
        description=_l("Si ce n'est pas un membre : « l'équipe jeunesse », « la mairie »…"),
    )
    due_date = FrenchDateField(_l("Pour quand ?"), validators=[Optional()])
    status = SelectField(
        _l("Où en est-on ?"), choices=[(s.value, LABELS[FollowUpStatus][s]) for s in FollowUpStatus], default="todo"
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500), single_line])

    def setup(self, members) -> None:
        self.owner.choices = [("", _l("Personne en particulier"))] + [(str(u.id), u.display_name) for u in members]

    def data_for_service(self) -> dict:
        return {
            "text": self.text.data,
            "owner_id": _id_or_none(self.owner.data),
            "owner_text": self.owner_text.data or "",
            "due_date": self.due_date.data,
            "status": self.status.data,
            "note": self.note.data or "",
        }


class FollowUpStatusForm(BaseForm):
    """The status of an entry, changed inline on the decisions log."""

    status = SelectField(_l("Où en est-on ?"), choices=[(s.value, LABELS[FollowUpStatus][s]) for s in FollowUpStatus])


class FollowUpFilterForm(GetForm):
    """Filter the decisions log by status (a GET form)."""

    statut = SelectField(
        _l("Afficher"),
        choices=[("", _l("Tout"))] + [(s.value, LABELS[FollowUpStatus][s]) for s in FollowUpStatus],
        validate_choice=False,
    )

    def status(self) -> FollowUpStatus | None:
        return FollowUpStatus(self.statut.data) if self.statut.data in {s.value for s in FollowUpStatus} else None


def read_attendance(formdata, person_ids, *, proxies_allowed: bool) -> tuple[dict, dict]:
    """Read the sheet's radio groups (`status-<id>`, `proxy-<id>`) for the given people.

    Returns ({person_id: (status, holder_id)} for the ticked rows, {person_id: error message}).
    A row left blank is not in the result.
    """
    choices, errors = {}, {}
    allowed = {s.value for s in AttendanceStatus if proxies_allowed or s != AttendanceStatus.REPRESENTED}
    for person_id in person_ids:
        value = formdata.get(f"status-{person_id}", "")
        if not value:
            continue
        if value not in allowed:
            errors[person_id] = _("Choisissez Présent·e, Excusé·e, Absent·e ou Représenté·e.")
            continue
        status = AttendanceStatus(value)
        holder = _id_or_none(formdata.get(f"proxy-{person_id}")) if status == AttendanceStatus.REPRESENTED else None
        if status == AttendanceStatus.REPRESENTED and holder is None:
            errors[person_id] = _("Choisissez qui porte le pouvoir.")
            continue
        choices[person_id] = (status, holder)
    return choices, errors
