"""Forms of motions, ballots, show-of-hands counts, advisory opinions and their responses."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.extensions import db
from app.forms import BaseForm, plain_text, single_line
from app.instances.models import (
    LABELS,
    AgendaItem,
    Choice,
    Instance,
    Meeting,
    MeetingStatus,
    Motion,
    MotionKind,
    ResponseKind,
    VotingMode,
)
from app.timeutil import utcnow

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _id_or_none(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def local_input(value):
    """A naive UTC datetime as the Europe/Paris wall-clock time a datetime-local input shows."""
    return to_user_timezone(value).replace(tzinfo=None) if value else None


class MotionForm(BaseForm):
    """A motion: in a meeting (on an agenda item) or an online vote with its dates."""

    title = StringField(
        _l("Intitulé de la motion"),
        validators=[DataRequired(_l("Donnez un titre à la motion.")), Length(max=200), single_line],
        description=_l("Par exemple : « Ouvrir l'accueil le samedi matin à partir de janvier »."),
    )
    kind = SelectField(
        _l("Nature du vote"), choices=[(k.value, LABELS[MotionKind][k]) for k in MotionKind], default="decision"
    )
    text = TextAreaField(
        _l("Texte soumis au vote"),
        validators=[Optional(), Length(max=5000), plain_text],
        description=_l("Ce que la motion décide ou propose, tel qu'il sera voté."),
    )
    voting_mode = RadioField(
        _l("Mode de vote"),
        choices=[(m.value, LABELS[VotingMode][m]) for m in VotingMode],
        default=VotingMode.OPEN.value,
        validators=[InputRequired()],
    )
    agenda_item = SelectField(_l("Point de l'ordre du jour"), validate_choice=True, default="")
    opens_at = DateTimeLocalField(
        _l("Ouverture du vote (facultatif)"),
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description=_l("Laissez vide pour ouvrir le vote vous-même ; sinon il s'ouvrira tout seul à cette heure."),
    )
    closes_at = DateTimeLocalField(
        _l("Fin du vote"),
        format=DATETIME_FORMAT,
        validators=[InputRequired(_l("Indiquez jusqu'à quand on peut voter."))],
        description=_l("Heure de Paris. Le résultat est calculé à ce moment-là."),
    )
    is_consultation = BooleanField(
        _l("Consultation ouverte à tous les habitants du centre (pas seulement aux membres de l'instance)")
    )
    initiative = SelectField(_l("Initiative concernée (facultatif)"), validate_choice=True, default="")
    initiative_decision = SelectField(
        _l("Si la motion est adoptée, l'initiative est"),
        choices=[
            ("accepted", _l("acceptée")),
            ("accepted_conditions", _l("acceptée sous conditions")),
            ("postponed", _l("reportée")),
        ],
        default="accepted",
        description=_l("Si elle est rejetée, l'initiative est refusée."),
    )
    submit = SubmitField(_l("Enregistrer la motion"))

    def setup(self, instance: Instance, meeting: Meeting | None, motion: Motion | None = None) -> None:
        """Keep the fields that make sense here: the meeting's agenda, or the online dates; the
        voting mode only when the rules leave the choice; the initiatives of the centre."""
        rules = meeting.rules if meeting is not None else instance.rules
        if rules.voting_mode == VotingMode.SECRET:
            del self.voting_mode
        if meeting is None:
            del self.agenda_item
        else:
            del self.opens_at, self.closes_at, self.is_consultation
            items = db.session.scalars(
                sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
            )
            self.agenda_item.choices = [("", _l("Aucun point en particulier"))] + [
                (str(item.id), item.title) for item in items
            ]
        self.initiative.choices = [("", _l("Aucune"))] + [
            (str(i.id), i.title) for i in _decidable_initiatives(instance, motion)
        ]

    def fill(self, motion: Motion) -> None:
        """Show a saved motion (dates back in Paris time)."""
        self.title.data, self.kind.data, self.text.data = motion.title, motion.kind.value, motion.text
        if "voting_mode" in self:
            self.voting_mode.data = motion.voting_mode.value
        if "agenda_item" in self:
            self.agenda_item.data = str(motion.agenda_item_id or "")
        if "closes_at" in self:
            self.opens_at.data = local_input(motion.opens_at)
            self.closes_at.data = local_input(motion.closes_at)
            self.is_consultation.data = motion.is_consultation
        self.initiative.data = str(motion.initiative_id or "")
        self.initiative_decision.data = motion.initiative_decision or "accepted"

    def data_for_service(self) -> dict:
        """The fields as `create_motion` takes them (dates in naive UTC)."""
        data = {
            "title": self.title.data,
            "kind": self.kind.data,
            "text": self.text.data or "",
            "initiative_id": _id_or_none(self.initiative.data),
            "initiative_decision": self.initiative_decision.data,
        }
        if "voting_mode" in self:
            data["voting_mode"] = self.voting_mode.data
        if "agenda_item" in self:
            data["agenda_item_id"] = _id_or_none(self.agenda_item.data)
        if "closes_at" in self:
            data["opens_at"] = to_utc(self.opens_at.data) if self.opens_at.data else None
            data["closes_at"] = to_utc(self.closes_at.data) if self.closes_at.data else None
            data["is_consultation"] = bool(self.is_consultation.data)
        return data


def _decidable_initiatives(instance: Instance, motion: Motion | None) -> list:
    """Initiatives of the centre a vote may decide on (open to support or postponed), plus the
    motion's own one."""
    from app.initiatives.models import Initiative, Status

    condition = Initiative.status.in_([Status.OPEN, Status.POSTPONED])
    if motion is not None and motion.initiative_id:
        condition = sa.or_(condition, Initiative.id == motion.initiative_id)
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.structure_id == instance.structure_id, Initiative.hidden_at.is_(None), condition)
            .order_by(Initiative.title)
            .limit(200)
        )
    )


class VoteForm(BaseForm):
    """One ballot: Pour, Contre ou Abstention."""

    choice = RadioField(
        _l("Votre vote"),
        choices=[(c.value, LABELS[Choice][c]) for c in Choice],
        validators=[InputRequired(_l("Choisissez Pour, Contre ou Abstention."))],
    )
    submit = SubmitField(_l("Voter"))


def ballot_prefix(motion_id: int, person_id: int) -> str:
    """Each ballot form of a page has its own prefix, so that field ids stay unique."""
    return f"vote-{motion_id}-{person_id}"


class HandCountForm(BaseForm):
    """Show of hands: the counts the secretary reads out."""

    for_count = IntegerField(
        _l("Pour"), validators=[InputRequired(_l("Indiquez un nombre (0 s'il n'y en a pas).")), NumberRange(0, 100000)]
    )
    against_count = IntegerField(
        _l("Contre"),
        validators=[InputRequired(_l("Indiquez un nombre (0 s'il n'y en a pas).")), NumberRange(0, 100000)],
    )
    abstain_count = IntegerField(
        _l("Abstentions"),
        validators=[InputRequired(_l("Indiquez un nombre (0 s'il n'y en a pas).")), NumberRange(0, 100000)],
    )
    chair_vote = SelectField(
        _l("En cas d'égalité, vote de la présidence"),
        choices=[("", _l("Pas d'égalité")), ("for", _l("Pour")), ("against", _l("Contre"))],
        default="",
    )
    submit = SubmitField(_l("Enregistrer le décompte et clore le vote"))

    def chair_choice(self) -> Choice | None:
        return Choice(self.chair_vote.data) if self.chair_vote.data in ("for", "against") else None


class OpinionForm(BaseForm):
    """An advisory opinion written by the consultative instance's officers or staff."""

    to_instance = SelectField(_l("Envoyé à"), validate_choice=True)
    title = StringField(
        _l("Titre de l'avis"), validators=[DataRequired(_l("Donnez un titre à l'avis.")), Length(max=200), single_line]
    )
    text = TextAreaField(
        _l("Avis"),
        validators=[DataRequired(_l("Écrivez l'avis.")), Length(max=10000), plain_text],
        description=_l("Ce que l'instance constate, propose ou demande, et pourquoi."),
    )
    submit = SubmitField(_l("Envoyer l'avis"))

    def setup(self, bodies: list[Instance]) -> None:
        self.to_instance.choices = [(str(b.id), b.name) for b in bodies]


class ForwardOpinionForm(BaseForm):
    """Send an adopted "avis" motion to a decision body, in one click."""

    to_instance = SelectField(_l("Transmettre à"), validate_choice=True)
    submit = SubmitField(_l("Transmettre l'avis"))

    def setup(self, bodies: list[Instance]) -> None:
        self.to_instance.choices = [(str(b.id), b.name) for b in bodies]


class ResponseForm(BaseForm):
    """The decision body's response to an opinion."""

    response = RadioField(
        _l("Réponse"),
        choices=[(k.value, LABELS[ResponseKind][k]) for k in ResponseKind],
        validators=[InputRequired(_l("Choisissez la réponse."))],
    )
    text = TextAreaField(
        _l("Explication"),
        validators=[DataRequired(_l("Expliquez la réponse.")), Length(max=10000), plain_text],
        description=_l("Ce qui est retenu, ce qui ne l'est pas, et pourquoi : l'instance consultative le lira."),
    )
    answered_on = DateField(_l("Date de la réponse"), validators=[Optional()])
    meeting = SelectField(_l("Réunion où la réponse a été décidée (facultatif)"), validate_choice=True, default="")
    submit = SubmitField(_l("Enregistrer la réponse"))

    def setup(self, to_instance: Instance) -> None:
        since = utcnow() - timedelta(days=400)
        meetings = db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.instance_id == to_instance.id,
                Meeting.starts_at >= since,
                Meeting.starts_at <= utcnow() + timedelta(days=1),
                Meeting.status != MeetingStatus.CANCELLED,
            )
            .order_by(Meeting.starts_at.desc())
            .limit(30)
        )
        self.meeting.choices = [("", _l("Aucune"))] + [(str(m.id), m.title) for m in meetings]

    def meeting_id(self) -> int | None:
        return _id_or_none(self.meeting.data)
