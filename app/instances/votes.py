"""Motions and votes: one service per verb, and the read helpers the vote pages need.

Services flush; the route commits. Every refusal raises `VoteError` with a French message meant
for the person. The rules come from the pure engine (`app.instances.rules`).

The verbs (the demo data uses them too):
- `create_motion(instance, fields, by, meeting=None)` — a draft motion; `fields`: title, text,
  kind, voting_mode, is_consultation, agenda_item_id, opens_at, closes_at (naive UTC),
  initiative_id, initiative_decision. Without `meeting` it is an online vote with a deadline.
- `update_motion(motion, fields, *, by)` — while it is a draft.
- `open_vote(motion, by)` — the eligibility snapshot (one `Voter` row per person who may vote).
- `cast_vote(motion, person, choice, by, for_person=None)` — one ballot; `person` casts it, for
  `for_person` when they hold that member's proxy in the meeting.
- `record_hand_count(motion, for_, against, abstain, by, chair_vote=None)` — show of hands typed by
  the secretary (then `close_motion(motion, by, chair_vote=…)`).
- `close_motion(motion, by=None, chair_vote=None)` — the result, by the engine; idempotent.
- `cancel_motion(motion, *, by)` — withdraw a draft or an open motion.
- `settle_due_motions(now=None, instance_id=None, motion_id=None)` — open scheduled online votes
  and close the ones past their deadline (cron and lazily when a page shows them); returns
  (opened, closed, notices).

Read side: `summarise(motions)` (turnout P9, quorum, result, the French explanation) and
`motion_views(motions, person, insider_of=…)` (plus the ballots `person` may cast now, and the
first names of who voted what), each in a fixed number of queries whatever the number of motions
or ballots; `who_voted(motion, page)`, the full list of who voted what, a page at a time.

Secret ballots: the choice only ever moves the motion's counters, in one statement whose text is
the same whatever the choice; the `Voter` row says who voted, never what. No row, log line or
notification puts a choice next to a person.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date, format_datetime, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload

from app.accounts.models import User
from app.centres.models import Membership
from app.extensions import db
from app.instances.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Choice,
    Instance,
    Majority,
    Meeting,
    MeetingStatus,
    Motion,
    MotionKind,
    MotionStatus,
    Office,
    OpenVote,
    Outcome,
    QuorumBase,
    Seat,
    SeatStatus,
    Voter,
    VotingMode,
)
from app.instances.rules import Quorum, Result, Rules, quorum_status, valid_proxies, vote_result
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.notifications.services import notify, register_kind
from app.timeutil import utcnow

register_kind("instance.vote", _l("Mes instances : votes en ligne ouverts et leurs résultats"))

#: What an adopted motion about an initiative may lead to (a rejected one leads to "declined").
INITIATIVE_DECISIONS = ("accepted", "accepted_conditions", "postponed")
#: Attendance statuses that keep a member from voting in the meeting themselves.
NOT_IN_THE_ROOM = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED, AttendanceStatus.REPRESENTED)


class VoteError(Exception):
    """A rule refused the action; the message is shown to the person (`field`: the form field at fault)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def motion_path(motion: Motion) -> str:
    """The motion's page (services build paths by hand: they never call url_for)."""
    return f"/instances/votes/{motion.id}"


def rules_of(motion: Motion) -> Rules:
    """The engine's rules for this motion (a consultation has no quorum: it is open to everyone)."""
    rules = Rules.of(motion.rules)
    return replace(rules, quorum_base=QuorumBase.NONE) if motion.is_consultation else rules


def vote_level(motion: Motion) -> Level:
    """Ledger level of a vote: L2 in a consultation, else L5 decision/grant bodies, L4 the others."""
    return Level.L2_CONSULTATION if motion.is_consultation else motion.instance.nature.level


# --- writing: creating and editing -------------------------------------------------------------


def _apply(motion: Motion, instance: Instance, meeting: Meeting | None, fields: dict) -> None:
    title = (fields.get("title") or "").strip()
    if not title:
        raise VoteError(_("Donnez un titre à la motion."), "title")
    motion.title = title[:200]
    motion.text = (fields.get("text") or "").strip()
    motion.kind = MotionKind(fields.get("kind") or MotionKind.DECISION)
    rules = meeting.rules if meeting is not None else instance.rules
    if rules.voting_mode == VotingMode.SECRET:
        motion.voting_mode = VotingMode.SECRET  # the rules impose it
    else:
        motion.voting_mode = VotingMode(fields.get("voting_mode") or VotingMode.OPEN)
    if meeting is None:
        _apply_online(motion, fields)
    else:
        fields = _apply_in_meeting(motion, meeting, fields)
    _apply_initiative(motion, instance, fields)


def _apply_online(motion: Motion, fields: dict) -> None:
    opens_at, closes_at = fields.get("opens_at"), fields.get("closes_at")
    if closes_at is None:
        raise VoteError(_("Indiquez jusqu'à quand on peut voter."), "closes_at")
    if closes_at <= (opens_at or utcnow()):
        raise VoteError(_("La fin du vote doit venir après son ouverture (et après maintenant)."), "closes_at")
    motion.is_online, motion.meeting_id, motion.agenda_item_id = True, None, None
    motion.opens_at, motion.closes_at = opens_at, closes_at
    motion.is_consultation = bool(fields.get("is_consultation"))


def _apply_in_meeting(motion: Motion, meeting: Meeting, fields: dict) -> dict:
    """Fields of a vote in a meeting; the agenda item's initiative is the default one."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise VoteError(_("Cette réunion est annulée."))
    motion.is_online, motion.is_consultation = False, False
    motion.meeting_id, motion.opens_at, motion.closes_at = meeting.id, None, None
    motion.meeting = meeting
    motion.agenda_item_id = None
    item_id = fields.get("agenda_item_id")
    if item_id:
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting.id:
            raise VoteError(_("Ce point n'est pas à l'ordre du jour de la réunion."), "agenda_item")
        motion.agenda_item_id = item.id
        if not fields.get("initiative_id") and item.initiative_id:
            fields = {**fields, "initiative_id": item.initiative_id}
    return fields


def _apply_initiative(motion: Motion, instance: Instance, fields: dict) -> None:
    from app.initiatives.models import Initiative

    if "initiative_id" not in fields:
        return
    initiative_id = fields.get("initiative_id")
    if not initiative_id:
        motion.initiative_id, motion.initiative_decision = None, None
        return
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None or initiative.structure_id != instance.structure_id:
        raise VoteError(_("Cette initiative n'existe pas dans votre centre."), "initiative")
    decision = fields.get("initiative_decision") or "accepted"
    if decision not in INITIATIVE_DECISIONS:
        raise VoteError(_("Choisissez ce que l'adoption décide pour l'initiative."), "initiative_decision")
    motion.initiative_id, motion.initiative_decision = initiative.id, decision


def create_motion(instance: Instance, fields: dict, by: User, meeting: Meeting | None = None) -> Motion:
    """A draft motion, in a meeting (optionally on an agenda item) or online with a deadline."""
    if meeting is not None and meeting.instance_id != instance.id:
        raise VoteError(_("Cette réunion n'est pas celle de l'instance."))
    if instance.archived_at is not None:
        raise VoteError(_("Cette instance est archivée."))
    rules = meeting.rules if meeting is not None else instance.rules
    motion = Motion(instance_id=instance.id, rules_id=rules.id, status=MotionStatus.DRAFT, created_by_id=by.id)
    motion.instance = instance
    _apply(motion, instance, meeting, dict(fields))
    db.session.add(motion)
    db.session.flush()
    return motion


def update_motion(motion: Motion, fields: dict, *, by: User) -> Motion:
    """Change a motion while it is in preparation."""
    if motion.status != MotionStatus.DRAFT:
        raise VoteError(_("Le vote est ouvert : la motion ne peut plus être modifiée."))
    _apply(motion, motion.instance, motion.meeting, dict(fields))
    db.session.flush()
    return motion


# --- writing: opening, voting, closing ---------------------------------------------------------


def _eligible_people(motion: Motion):
    """SELECT (motion id, person id) of everyone who may vote right now."""
    instance = motion.instance
    live = sa.and_(User.is_blocked.is_(False), User.anonymised_at.is_(None))
    if motion.is_consultation:
        return (
            sa.select(sa.literal(motion.id, sa.Integer), Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.structure_id == instance.structure_id, live)
        )
    today = to_user_timezone(utcnow()).date()  # seats' dates are Paris calendar dates
    return (
        sa.select(sa.literal(motion.id, sa.Integer), Seat.person_id)
        .join(User, User.id == Seat.person_id)
        .where(
            Seat.instance_id == instance.id,
            Seat.status == SeatStatus.ACTIVE,
            Seat.has_vote.is_(True),
            sa.or_(Seat.start_date.is_(None), Seat.start_date <= today),
            sa.or_(Seat.end_date.is_(None), Seat.end_date >= today),
            live,
        )
        .distinct()
    )


def _members(instance: Instance) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Seat, Seat.person_id == User.id)
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ACTIVE)
            .distinct()
        )
    )


def _voters(motion: Motion) -> list[User]:
    return list(
        db.session.scalars(sa.select(User).join(Voter, Voter.person_id == User.id).where(Voter.motion_id == motion.id))
    )


def _to_be_told(motion: Motion) -> list[User]:
    """Who hears about an online vote: its voters; for a consultation, the instance's members."""
    return _members(motion.instance) if motion.is_consultation else _voters(motion)


def open_vote(motion: Motion, by: User | None) -> int:
    """Open the vote: snapshot who may vote (active voting seats, or the centre's habitants for a
    consultation). Returns how many may vote."""
    if motion.status != MotionStatus.DRAFT:
        raise VoteError(_("Ce vote n'est plus en préparation."))
    now = utcnow()
    if motion.is_online and (motion.closes_at is None or motion.closes_at <= now):
        raise VoteError(_("La date de fin du vote est passée : modifiez-la avant d'ouvrir le vote."))
    # Every refusal comes before the first write: callers never need a savepoint.
    eligible_query = _eligible_people(motion)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(eligible_query.subquery())):
        raise VoteError(_("Personne n'a le droit de vote dans cette instance pour l'instant."))
    opened = db.session.execute(
        sa.update(Motion)
        .where(Motion.id == motion.id, Motion.status == MotionStatus.DRAFT)
        .values(status=MotionStatus.OPEN, opens_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if opened != 1:
        raise VoteError(_("Ce vote est déjà ouvert."))
    db.session.execute(sa.insert(Voter).from_select(["motion_id", "person_id"], eligible_query))
    db.session.refresh(motion)
    eligible = db.session.scalar(sa.select(sa.func.count(Voter.id)).where(Voter.motion_id == motion.id)) or 0
    if motion.is_online:
        instance, title, closes_at = motion.instance, motion.title, motion.closes_at
        notify(
            _to_be_told(motion),
            "instance.vote",
            lambda: _(
                "Vote en ligne ouvert (%(instance)s) : « %(title)s ». Vous pouvez voter jusqu'au %(date)s.",
                instance=instance.name,
                title=title,
                date=format_datetime(closes_at, _("d MMMM 'à' HH:mm")),
            ),
            url=motion_path(motion),
            structure_id=instance.structure_id,
        )
    db.session.flush()
    return eligible


def _attendance_status(meeting_id: int, person_id: int) -> AttendanceStatus | None:
    return db.session.scalar(
        sa.select(Attendance.status).where(Attendance.meeting_id == meeting_id, Attendance.person_id == person_id)
    )


def _check_in_the_room(motion: Motion, person: User) -> None:
    """In a meeting, a member marked absent, excused or represented does not vote themselves."""
    status = _attendance_status(motion.meeting_id, person.id)
    if status == AttendanceStatus.REPRESENTED:
        raise VoteError(
            _("Vous avez donné pouvoir pour cette réunion : la personne qui vous représente vote pour vous.")
        )
    if status in NOT_IN_THE_ROOM:
        raise VoteError(
            _("La feuille de présence vous indique absent·e ou excusé·e : demandez au secrétariat de la corriger.")
        )


def represented_by(meeting_id: int, holder_id: int, rules: Rules) -> list[int]:
    """The members whose proxy `holder_id` validly holds in the meeting (the first `proxies_max`)."""
    if not rules.proxies_allowed or rules.proxies_max <= 0:
        return []
    return list(
        db.session.scalars(
            sa.select(Attendance.person_id)
            .where(
                Attendance.meeting_id == meeting_id,
                Attendance.status == AttendanceStatus.REPRESENTED,
                Attendance.proxy_holder_id == holder_id,
                Attendance.has_vote.is_(True),
            )
            .order_by(Attendance.id)
            .limit(rules.proxies_max)
        )
    )


def cast_vote(motion: Motion, person: User, choice: Choice | str, by: User, for_person: User | None = None) -> None:
    """One ballot, counted once however many clicks arrive at once.

    The `Voter` row is flagged by one conditional UPDATE (a second ballot finds it flagged); the
    counters move in the same transaction. An open vote also keeps who chose what (`OpenVote`); a
    secret vote keeps nothing but the counters.
    """
    choice = Choice(choice)
    owner = for_person or person
    if motion.status != MotionStatus.OPEN or motion.counted_by_hand:
        raise VoteError(_("Ce vote n'est pas ouvert."))
    now = utcnow()
    if motion.closes_at is not None and now >= motion.closes_at:
        raise VoteError(_("Le vote est terminé."))
    if motion.meeting_id is not None:
        _check_in_the_room(motion, person)
    if owner.id != person.id:
        if motion.meeting_id is None or owner.id not in represented_by(motion.meeting_id, person.id, rules_of(motion)):
            raise VoteError(
                _("Vous ne détenez pas de pouvoir valable de %(name)s pour ce vote.", name=owner.display_name)
            )
        cast_by = person
    else:
        cast_by = by if by.id != person.id else None
    flagged = db.session.execute(
        sa.update(Voter)
        .where(Voter.motion_id == motion.id, Voter.person_id == owner.id, Voter.cast_at.is_(None))
        .values(cast_at=now, cast_by_id=cast_by.id if cast_by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if flagged != 1:
        listed = db.session.scalar(sa.select(Voter.id).where(Voter.motion_id == motion.id, Voter.person_id == owner.id))
        if listed is None:
            raise VoteError(_("Vous n'êtes pas sur la liste des votants de ce vote."))
        if owner.id != person.id:
            raise VoteError(_("Le vote de %(name)s est déjà enregistré.", name=owner.display_name))
        raise VoteError(_("Vous avez déjà voté."))
    # One statement whatever the choice: the SQL text itself never tells which counter moved.
    counted = db.session.execute(
        sa.update(Motion)
        .where(Motion.id == motion.id, Motion.status == MotionStatus.OPEN, Motion.counted_by_hand.is_(False))
        .values(
            for_count=Motion.for_count + int(choice == Choice.FOR),
            against_count=Motion.against_count + int(choice == Choice.AGAINST),
            abstain_count=Motion.abstain_count + int(choice == Choice.ABSTAIN),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if counted != 1:
        raise VoteError(_("Le vote vient d'être clos."))
    if motion.voting_mode == VotingMode.OPEN:
        db.session.add(OpenVote(motion_id=motion.id, person_id=owner.id, choice=choice, cast_at=now))
    record_participation(
        owner,
        structure_id=motion.instance.structure_id,
        kind="motion.vote",
        level=vote_level(motion),
        obj=motion,
        occurred_at=now,
        recorded_by=cast_by,
    )
    db.session.flush()


def record_hand_count(
    motion: Motion, for_: int, against: int, abstain: int, by: User, chair_vote: Choice | None = None
) -> Motion:
    """The secretary types the show-of-hands counts of an open vote in a meeting (instead of ballots)."""
    if motion.status != MotionStatus.OPEN:
        raise VoteError(_("Ce vote n'est pas ouvert."))
    if motion.meeting_id is None or motion.voting_mode != VotingMode.OPEN:
        raise VoteError(_("Le décompte à main levée n'existe que pour un vote à main levée en réunion."))
    if min(for_, against, abstain) < 0:
        raise VoteError(_("Les nombres de voix ne peuvent pas être négatifs."))
    eligible, cast = db.session.execute(
        sa.select(sa.func.count(Voter.id), sa.func.count(Voter.cast_at)).where(Voter.motion_id == motion.id)
    ).one()
    if cast:
        raise VoteError(
            _("Des votes ont déjà été enregistrés un par un : le décompte à main levée n'est plus possible.")
        )
    total = for_ + against + abstain
    if total > eligible:
        raise VoteError(
            _(
                "Il y a plus de voix (%(total)s) que de personnes ayant le droit de vote (%(eligible)s).",
                total=total,
                eligible=eligible,
            )
        )
    updated = db.session.execute(
        sa.update(Motion)
        .where(Motion.id == motion.id, Motion.status == MotionStatus.OPEN)
        .values(for_count=for_, against_count=against, abstain_count=abstain, counted_by_hand=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        raise VoteError(_("Le vote vient d'être clos."))
    db.session.refresh(motion)
    return motion


@dataclass
class Closing:
    """What `close_motion` did: `closed` is False when someone else closed it first."""

    closed: bool
    result: Result | None = None
    #: A message for the person (e.g. the initiative's decision could not be recorded).
    notice: str | None = None


def _chair_choice(motion: Motion) -> Choice | None:
    """The chair's own ballot in an open vote cast one by one (for the casting vote)."""
    if motion.voting_mode != VotingMode.OPEN or motion.counted_by_hand:
        return None
    return db.session.scalar(
        sa.select(OpenVote.choice)
        .join(Seat, Seat.person_id == OpenVote.person_id)
        .where(
            OpenVote.motion_id == motion.id,
            Seat.instance_id == motion.instance_id,
            Seat.status == SeatStatus.ACTIVE,
            Seat.office == Office.CHAIR,
        )
        .limit(1)
    )


def close_motion(motion: Motion, by: User | None = None, chair_vote: Choice | None = None) -> Closing:
    """Close the vote and record its outcome by the rules. Safe to call twice (or at once)."""
    now = utcnow()
    closed = db.session.execute(
        sa.update(Motion)
        .where(Motion.id == motion.id, Motion.status == MotionStatus.OPEN)
        .values(status=MotionStatus.CLOSED, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        db.session.refresh(motion)
        return Closing(closed=False)
    db.session.refresh(motion)
    summary = summarise([motion])[motion.id]
    chair = chair_vote if motion.counted_by_hand else _chair_choice(motion)
    result = vote_result(
        rules_of(motion),
        for_count=motion.for_count,
        against_count=motion.against_count,
        abstain_count=motion.abstain_count,
        quorum_reached=summary.quorum.reached if summary.quorum is not None else True,
        chair_vote=chair,
    )
    motion.outcome = result.outcome
    db.session.flush()
    notice = _record_initiative_decision(motion, result, by)
    if motion.is_online:
        instance, title, outcome = motion.instance, motion.title, result.outcome
        notify(
            _to_be_told(motion),
            "instance.vote",
            lambda: _(
                "Résultat du vote « %(title)s » (%(instance)s) : %(outcome)s.",
                title=title,
                instance=instance.name,
                outcome=outcome.label,
            ),
            url=motion_path(motion),
            structure_id=instance.structure_id,
        )
    db.session.flush()
    return Closing(closed=True, result=result, notice=notice)


def _where(motion: Motion) -> str:
    if motion.meeting is not None:
        return _("réunion du %(date)s", date=format_date(motion.meeting.starts_at, "long"))
    return _("vote en ligne clos le %(date)s", date=format_date(motion.closed_at or utcnow(), "long"))


def _record_initiative_decision(motion: Motion, result: Result, by: User | None) -> str | None:
    """Adopted: the decision the motion names; rejected: declined. Nothing without quorum.
    Returns a notice when the initiative's status does not allow it (no error: the vote stands)."""
    if motion.initiative_id is None or result.outcome == Outcome.NO_QUORUM:
        return None
    from app.initiatives.models import Initiative, Status
    from app.initiatives.services import TRANSITIONS, InitiativeError, decide_initiative

    initiative = db.session.get(Initiative, motion.initiative_id)
    if initiative is None:
        return None
    target = Status(motion.initiative_decision or "accepted") if result.outcome == Outcome.ADOPTED else Status.DECLINED
    actor = by or (db.session.get(User, motion.created_by_id) if motion.created_by_id else None)
    if actor is None or target not in TRANSITIONS[initiative.status]:
        return _(
            "La décision n'a pas été reportée sur l'initiative « %(title)s » : elle est « %(status)s » "
            "et ne peut pas passer à « %(decision)s ». Enregistrez-la depuis la page de l'initiative si besoin.",
            title=initiative.title,
            status=initiative.status.label,
            decision=target.label,
        )
    base = current_app.config.get("SERVER_BASE_URL", "").rstrip("/")
    message = _(
        "Décision de l'instance « %(instance)s » (%(where)s) : motion « %(title)s » %(outcome)s, %(counts)s. "
        "Voir le vote : %(url)s",
        instance=motion.instance.name,
        where=_where(motion),
        title=motion.title,
        outcome=result.outcome.label.lower(),
        counts=counts_text(motion),
        url=base + motion_path(motion),
    )
    # No savepoint: the transition was checked above, and decide_initiative refuses before any
    # change (a savepoint would also release the queued e-mails before the real commit).
    try:
        decide_initiative(initiative, target, message, by=actor)
    except InitiativeError as error:
        return str(error)
    return None


def cancel_motion(motion: Motion, *, by: User) -> Motion:
    """Withdraw a motion in preparation or being voted on (no result is ever shown)."""
    cancelled = db.session.execute(
        sa.update(Motion)
        .where(Motion.id == motion.id, Motion.status.in_([MotionStatus.DRAFT, MotionStatus.OPEN]))
        .values(status=MotionStatus.CANCELLED, closed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(motion)
    if cancelled != 1:
        raise VoteError(_("Cette motion est déjà close ou retirée."))
    return motion


def due_motion_ids(*, now: datetime | None = None, instance_id: int | None = None, motion_id: int | None = None):
    """Ids of online votes to open (scheduled, time reached) and to close (deadline passed)."""
    now = now or utcnow()
    query = sa.select(Motion.id, Motion.status).where(
        Motion.is_online.is_(True),
        Motion.closes_at.is_not(None),
        sa.or_(
            sa.and_(
                Motion.status == MotionStatus.DRAFT,
                Motion.opens_at.is_not(None),
                Motion.opens_at <= now,
                Motion.closes_at > now,
            ),
            sa.and_(Motion.status == MotionStatus.OPEN, Motion.closes_at <= now),
        ),
    )
    if instance_id is not None:
        query = query.where(Motion.instance_id == instance_id)
    if motion_id is not None:
        query = query.where(Motion.id == motion_id)
    rows = db.session.execute(query.order_by(Motion.id)).all()
    return [i for i, s in rows if s == MotionStatus.DRAFT], [i for i, s in rows if s == MotionStatus.OPEN]


def settle_due_motions(
    *, now: datetime | None = None, instance_id: int | None = None, motion_id: int | None = None
) -> tuple[int, int, list[str]]:
    """Open the scheduled online votes whose time has come and close those past their deadline.
    Returns (opened, closed, notices). Idempotent: a motion settled by someone else is skipped."""
    to_open, to_close = due_motion_ids(now=now, instance_id=instance_id, motion_id=motion_id)
    opened = closed = 0
    notices: list[str] = []
    for motion in db.session.scalars(sa.select(Motion).where(Motion.id.in_(to_open))) if to_open else []:
        try:
            open_vote(motion, by=None)  # refuses before writing anything
            opened += 1
        except VoteError as error:
            notices.append(f"{motion.title}: {error}")
    for motion in db.session.scalars(sa.select(Motion).where(Motion.id.in_(to_close))) if to_close else []:
        closing = close_motion(motion, by=None)
        closed += int(closing.closed)
        if closing.notice:
            notices.append(closing.notice)
    db.session.flush()
    return opened, closed, notices


# --- reading: turnout, quorum, result and its explanation ---------------------------------------


@dataclass
class Summary:
    """A motion as the pages show it: turnout, quorum, result (closed) and its explanation."""

    motion: Motion
    #: People on the list of voters (the snapshot at opening).
    eligible: int = 0
    #: Ballots counted: for + against + abstentions (cast one by one or by hand).
    cast: int = 0
    quorum: Quorum | None = None
    result: Result | None = None
    explanation: list[str] = field(default_factory=list)

    @property
    def turnout(self) -> float | None:
        """Metric P9: ballots ÷ eligible voters."""
        return self.cast / self.eligible if self.eligible else None


def _attendance_rows(meeting_ids: set[int]) -> dict[int, list[Attendance]]:
    """The attendance sheets of these meetings (with the people), in one query."""
    found: dict[int, list[Attendance]] = {i: [] for i in meeting_ids}
    if meeting_ids:
        for row in db.session.scalars(
            sa.select(Attendance)
            .options(joinedload(Attendance.person))
            .where(Attendance.meeting_id.in_(meeting_ids))
            .order_by(Attendance.id)
        ):
            found[row.meeting_id].append(row)
    return found


def meeting_quorum(motion: Motion, eligible: int, attendance: list[Attendance]) -> Quorum:
    """The quorum of an in-meeting vote: present voting members, plus valid proxies when the rules
    count them. Without any attendance recorded, the ballots stand for the members present."""
    rules = rules_of(motion)
    meeting = motion.meeting
    voting = [a for a in attendance if a.has_vote]
    if voting:
        present_ids = {a.person_id for a in voting if a.status == AttendanceStatus.PRESENT}
        held: dict[int, int] = {}
        for a in voting:
            if a.status == AttendanceStatus.REPRESENTED and a.proxy_holder_id in present_ids:
                held[a.proxy_holder_id] = held.get(a.proxy_holder_id, 0) + 1
        present, represented = len(present_ids), valid_proxies(rules, held.values())
    else:
        present, represented = motion.for_count + motion.against_count + motion.abstain_count, 0
    quorum = quorum_status(
        rules,
        voting_members=eligible,
        present=present,
        represented=represented,
        is_second_call=bool(meeting and meeting.is_second_call),
    )
    # The meeting's own quorum, once its attendance is closed, is the reference (staff may override it).
    stored = meeting.quorum_reached if meeting is not None and meeting.closed_at is not None else None
    if stored is not None and quorum.required is not None and stored != quorum.reached:
        quorum = replace(quorum, reached=stored, waived=False)
    return quorum


def summarise(
    motions: list[Motion],
    attendance: dict[int, list[Attendance]] | None = None,
    eligible: dict[int, int] | None = None,
) -> dict[int, Summary]:
    """Turnout, quorum and result of each motion, in a fixed number of queries (two at most; none
    when the caller already has `attendance`, the sheets of the meetings, and `eligible`, the size
    of each motion's list of voters, read with the motions by `eligible_count()`)."""
    summaries = {m.id: Summary(motion=m) for m in motions}
    ids = [m.id for m in motions if m.status != MotionStatus.DRAFT]
    if eligible is not None:
        for motion_id in ids:
            summaries[motion_id].eligible = eligible.get(motion_id, 0)
    elif ids:
        rows = db.session.execute(
            sa.select(Voter.motion_id, sa.func.count(Voter.id))
            .where(Voter.motion_id.in_(ids))
            .group_by(Voter.motion_id)
        )
        for motion_id, eligible in rows:
            summaries[motion_id].eligible = eligible
    if attendance is None:
        meetings = {m.meeting_id for m in motions if m.meeting_id is not None and m.status == MotionStatus.CLOSED}
        attendance = _attendance_rows(meetings)
    for summary in summaries.values():
        motion = summary.motion
        summary.cast = motion.for_count + motion.against_count + motion.abstain_count
        if motion.status != MotionStatus.CLOSED:
            continue
        rules = rules_of(motion)
        if motion.meeting_id is not None:
            summary.quorum = meeting_quorum(motion, summary.eligible, attendance.get(motion.meeting_id, []))
        else:
            summary.quorum = quorum_status(rules, voting_members=summary.eligible, present=summary.cast)
        result = vote_result(
            rules,
            for_count=motion.for_count,
            against_count=motion.against_count,
            abstain_count=motion.abstain_count,
            quorum_reached=summary.quorum.reached,
        )
        if motion.outcome is not None and result.outcome != motion.outcome and result.tie:
            # The chair's casting vote decided the tie at closing.
            result = replace(result, outcome=motion.outcome, decided_by_chair=True)
        elif motion.outcome is not None and result.outcome != motion.outcome:
            result = replace(result, outcome=motion.outcome)
        summary.result = result
        summary.explanation = explain(motion, result, summary.quorum, rules, summary.eligible)
    return summaries


def counts_text(motion: Motion) -> str:
    """ "7 pour, 2 contre, 1 abstention"."""
    return _(
        "%(yes)s pour, %(no)s contre, %(abstentions)s",
        yes=motion.for_count,
        no=motion.against_count,
        abstentions=ngettext("%(num)d abstention", "%(num)d abstentions", motion.abstain_count),
    )


def majority_text(rules: Rules) -> str:
    """ "Majorité simple, abstentions non comptées"."""
    if rules.majority == Majority.SIMPLE:
        name = _("Majorité simple")
    elif rules.majority == Majority.ABSOLUTE:
        name = _("Majorité absolue")
    else:
        name = _("Majorité qualifiée des %(num)s/%(den)s", num=rules.qualified_num, den=rules.qualified_den)
    abstentions = _("abstentions comptées") if rules.abstentions_counted else _("abstentions non comptées")
    return _("%(majority)s, %(abstentions)s", majority=name, abstentions=abstentions)


def explain(motion: Motion, result: Result, quorum: Quorum | None, rules: Rules, eligible: int) -> list[str]:
    """The result in plain French, sentence by sentence, e.g. "Adoptée : 7 pour, 2 contre,
    1 abstention." "Majorité simple, abstentions non comptées : 3 voix pour suffisaient." """
    counts = counts_text(motion)
    if result.outcome == Outcome.NO_QUORUM:
        sentences = [_("Pas de décision : le quorum n'est pas atteint (%(counts)s).", counts=counts)]
    elif result.outcome == Outcome.ADOPTED:
        sentences = [_("Adoptée : %(counts)s.", counts=counts)]
    else:
        sentences = [_("Rejetée : %(counts)s.", counts=counts)]
    majority = majority_text(rules)
    if result.outcome != Outcome.NO_QUORUM:
        if result.cast == 0:
            sentences.append(_("Aucun suffrage exprimé : la motion n'est pas adoptée."))
        elif result.decided_by_chair:
            sentences.append(
                _(
                    "%(majority)s : égalité des voix, la voix prépondérante de la présidence l'emporte (%(side)s).",
                    majority=majority,
                    side=(Choice.FOR if result.outcome == Outcome.ADOPTED else Choice.AGAINST).label.lower(),
                )
            )
        elif result.tie:
            sentences.append(_("%(majority)s : égalité des voix, la motion n'est pas adoptée.", majority=majority))
        elif result.outcome == Outcome.ADOPTED:
            sentences.append(
                ngettext(
                    "%(majority)s : %(num)d voix pour suffisait.",
                    "%(majority)s : %(num)d voix pour suffisaient.",
                    result.needed,
                    majority=majority,
                )
            )
        else:
            sentences.append(
                _("%(majority)s : il fallait au moins %(num)s voix pour.", majority=majority, num=result.needed)
            )
        if rules.majority != Majority.SIMPLE and result.cast:
            sentences.append(ngettext("%(num)d suffrage exprimé.", "%(num)d suffrages exprimés.", result.cast))
    sentences.extend(_quorum_sentences(motion, quorum, eligible))
    if motion.counted_by_hand:
        sentences.append(_("Décompte à main levée saisi par le secrétariat de séance."))
    return sentences


def _quorum_sentences(motion: Motion, quorum: Quorum | None, eligible: int) -> list[str]:
    if quorum is None or quorum.required is None:
        return [_("Pas de quorum pour ce vote.")] if motion.is_consultation else []
    if quorum.waived:
        return [_("Quorum non exigé : la réunion se tient sur deuxième convocation.")]
    if quorum.reached and quorum.counted < quorum.required:
        reason = motion.meeting.quorum_override_reason if motion.meeting else ""
        return [_("Quorum retenu par la réunion : %(reason)s", reason=reason or _("décision de séance."))]
    if motion.meeting_id is None:
        values = {"counted": quorum.counted, "eligible": eligible, "required": quorum.required}
        if quorum.reached:
            return [_("Quorum atteint : %(counted)s votants sur %(eligible)s, il en fallait %(required)s.", **values)]
        return [_("Quorum non atteint : %(counted)s votants sur %(eligible)s, il en fallait %(required)s.", **values)]
    values = {"counted": quorum.counted, "required": quorum.required}
    if quorum.reached:
        return [
            _("Quorum atteint : %(counted)s membres présents ou représentés, il en fallait %(required)s.", **values)
        ]
    return [
        _("Quorum non atteint : %(counted)s membres présents ou représentés, il en fallait %(required)s.", **values)
    ]


# --- reading: what the viewer may do ------------------------------------------------------------


@dataclass
class Ballot:
    """A ballot the viewer may cast now: their own, or a represented member's."""

    owner: User
    is_proxy: bool


@dataclass
class MotionView:
    """Everything the vote block shows for one motion and one viewer."""

    summary: Summary
    #: Ballots the viewer can cast now.
    ballots: list[Ballot] = field(default_factory=list)
    #: On the list of voters?
    is_voter: bool = False
    #: When the viewer's own ballot was cast, if it was.
    my_cast_at: datetime | None = None
    #: Represented members whose ballot the viewer already cast: (name, when).
    proxies_done: list[tuple[str, datetime]] = field(default_factory=list)
    #: Why the viewer cannot vote themselves in this meeting (absent, represented…), if so.
    blocked_reason: str | None = None
    #: Who voted what (open votes, members and staff only), else None: the first names only
    #: (`motion_views`' `names`), the full list is `who_voted`'s, a page at a time.
    open_votes: list[OpenVote] | None = None
    #: How many recorded open ballots the motion has (all of them, not only the names above).
    open_votes_total: int = 0

    @property
    def open_votes_more(self) -> int:
        """Recorded open ballots not among `open_votes` (on the full list)."""
        return self.open_votes_total - len(self.open_votes or [])

    @property
    def motion(self) -> Motion:
        return self.summary.motion

    @property
    def due(self) -> bool:
        """Open, but past its deadline: it closes at the next look."""
        m = self.motion
        return m.status == MotionStatus.OPEN and m.closes_at is not None and m.closes_at <= utcnow()


def eligible_count():
    """A motion's list of voters, counted: a column to read with the motions (`summarise`'s `eligible`)."""
    return sa.select(sa.func.count(Voter.id)).where(Voter.motion_id == Motion.id).correlate(Motion).scalar_subquery()


def with_ballots(query: sa.Select, person) -> sa.Select:
    """Add to a motions query the lines of each motion's list of voters that `person` may use:
    their own and, in a meeting, those of the members they represent there. Columns: (person id,
    cast at), None when there is no such line; a motion comes once per line (`motion_views`' `ballots`)."""
    person_id = person.id if person is not None and getattr(person, "is_authenticated", False) else -1
    line = aliased(Voter)
    proxy = aliased(Attendance)
    holds = (
        proxy.proxy_holder_id == person_id,
        proxy.status == AttendanceStatus.REPRESENTED,
        proxy.has_vote.is_(True),
    )
    # The people whose lines may come, whatever the meeting: the person and anyone they represent
    # somewhere (uncorrelated, a handful of ids), so that the database reads only those lines of
    # the motions shown (index on (motion_id, person_id)) instead of every line of every motion.
    owners = sa.union_all(sa.select(sa.literal(person_id, sa.Integer)), sa.select(proxy.person_id).where(*holds))
    # Then, for a represented member's line, only in the meeting where the person holds their proxy.
    here = (
        sa.select(proxy.id)
        .where(proxy.meeting_id == Motion.meeting_id, proxy.person_id == line.person_id, *holds)
        .correlate(Motion, line)
    )
    return query.add_columns(line.person_id, line.cast_at).outerjoin(
        line,
        sa.and_(
            line.motion_id == Motion.id,
            line.person_id.in_(owners),
            sa.or_(line.person_id == person_id, here.exists()),
        ),
    )


#: Names of who voted what shown in a vote block; the others are on the full list, by pages.
WHO_VOTED_SHOWN = 50
WHO_VOTED_PER_PAGE = 100


def shows_who_voted(motion: Motion, insider: bool) -> bool:
    """Does the viewer see who voted what? Open votes (not secret), opened, to members and staff."""
    return (
        insider and motion.voting_mode == VotingMode.OPEN and motion.status in (MotionStatus.OPEN, MotionStatus.CLOSED)
    )


def motion_views(
    motions: list[Motion],
    person,
    *,
    insider_of: dict[int, bool],
    attendance: dict[int, list[Attendance]] | None = None,
    eligible: dict[int, int] | None = None,
    ballots: dict[tuple[int, int], datetime | None] | None = None,
    names: int | None = None,
) -> dict[int, MotionView]:
    """The vote blocks of `motions` for `person` (the one voting: the acting person), in a fixed
    number of queries. `insider_of[instance_id]`: may the viewer see who voted what; `names`: how
    many of those ballots to read per motion (default `WHO_VOTED_SHOWN`; 0: only how many there are).

    What the caller read already saves queries: `attendance`, the sheets of all the motions'
    meetings; `eligible` (see `summarise`); `ballots`, (motion id, person id) -> when that ballot
    was cast (None: not yet), for the person and the members they represent (`with_ballots`).
    """
    now = utcnow()
    live = [
        m
        for m in motions
        if m.status == MotionStatus.OPEN and not m.counted_by_hand and (m.closes_at is None or m.closes_at > now)
    ]
    if person is None or not getattr(person, "is_authenticated", False):
        live = []
    closed = [m for m in motions if m.status == MotionStatus.CLOSED]
    if attendance is None:
        attendance = _attendance_rows({m.meeting_id for m in closed + live if m.meeting_id is not None})
    summaries = summarise(motions, attendance, eligible)
    views = {m.id: MotionView(summary=summaries[m.id]) for m in motions}
    if live:
        _fill_ballots(views, live, person, attendance, ballots)
    shown = [m.id for m in motions if shows_who_voted(m, bool(insider_of.get(m.instance_id)))]
    for i in shown:
        views[i].open_votes = []
    if shown:
        _fill_open_votes(views, shown, WHO_VOTED_SHOWN if names is None else names)
    return views


def _fill_open_votes(views: dict[int, MotionView], motion_ids: list[int], names: int) -> None:
    """Each motion's count of open ballots and its first `names` ones (with the people), in one
    query, however many ballots there are."""
    if names <= 0:
        for motion_id, total in db.session.execute(
            sa.select(OpenVote.motion_id, sa.func.count(OpenVote.id))
            .where(OpenVote.motion_id.in_(motion_ids))
            .group_by(OpenVote.motion_id)
        ):
            views[motion_id].open_votes_total = total
        return
    ranked = (
        sa.select(
            OpenVote.id,
            sa.func.row_number()
            .over(partition_by=OpenVote.motion_id, order_by=(OpenVote.cast_at, OpenVote.id))
            .label("n"),
            sa.func.count().over(partition_by=OpenVote.motion_id).label("total"),
        )
        .where(OpenVote.motion_id.in_(motion_ids))
        .subquery()
    )
    for row, total in db.session.execute(
        sa.select(OpenVote, ranked.c.total)
        .join(ranked, ranked.c.id == OpenVote.id)
        .where(ranked.c.n <= names)
        .options(joinedload(OpenVote.person))
        .order_by(OpenVote.motion_id, ranked.c.n)
    ):
        view = views[row.motion_id]
        view.open_votes.append(row)
        view.open_votes_total = total


def who_voted(motion: Motion, page: int) -> tuple[list[OpenVote], int]:
    """One page (`WHO_VOTED_PER_PAGE`) of who voted what in an open vote, in the order of the
    ballots (one query): the ballots, and how many there are in all."""
    per_page = WHO_VOTED_PER_PAGE
    rows = db.session.execute(
        sa.select(OpenVote, sa.func.count().over().label("total"))
        .options(joinedload(OpenVote.person))
        .where(OpenVote.motion_id == motion.id)
        .order_by(OpenVote.cast_at, OpenVote.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [row for row, _total in rows], rows[0][1] if rows else 0


def _fill_ballots(
    views: dict[int, MotionView],
    live: list[Motion],
    person,
    attendance: dict[int, list[Attendance]],
    ballots: dict[tuple[int, int], datetime | None] | None = None,
) -> None:
    mine: dict[int, Attendance] = {}
    held: dict[int, list[Attendance]] = {}
    for meeting_id, rows in attendance.items():
        for row in rows:
            if row.person_id == person.id:
                mine[meeting_id] = row
            elif row.proxy_holder_id == person.id and row.status == AttendanceStatus.REPRESENTED and row.has_vote:
                held.setdefault(meeting_id, []).append(row)
    proxies: dict[int, list[User]] = {}
    for motion in live:
        rules = rules_of(motion)
        if motion.meeting_id is not None and rules.proxies_allowed:
            proxies[motion.id] = [a.person for a in held.get(motion.meeting_id, [])][: rules.proxies_max]
    cast: dict[tuple[int, int], datetime | None] = dict(ballots or {})
    if ballots is None:
        owners = {person.id} | {u.id for people in proxies.values() for u in people}
        for motion_id, person_id, cast_at in db.session.execute(
            sa.select(Voter.motion_id, Voter.person_id, Voter.cast_at).where(
                Voter.motion_id.in_([m.id for m in live]), Voter.person_id.in_(owners)
            )
        ):
            cast[(motion_id, person_id)] = cast_at
    for motion in live:
        view = views[motion.id]
        key = (motion.id, person.id)
        view.is_voter = key in cast
        view.my_cast_at = cast.get(key)
        attendance = mine.get(motion.meeting_id) if motion.meeting_id is not None else None
        if attendance is not None and attendance.status == AttendanceStatus.REPRESENTED:
            view.blocked_reason = _(
                "Vous avez donné pouvoir pour cette réunion : la personne qui vous représente vote pour vous."
            )
            continue
        if attendance is not None and attendance.status in NOT_IN_THE_ROOM:
            view.blocked_reason = _(
                "La feuille de présence vous indique absent·e ou excusé·e : demandez au secrétariat de la corriger."
            )
            continue
        if view.is_voter and view.my_cast_at is None:
            view.ballots.append(Ballot(owner=person, is_proxy=False))
        for member in proxies.get(motion.id, []):
            if (motion.id, member.id) not in cast:
                continue
            when = cast[(motion.id, member.id)]
            if when is None:
                view.ballots.append(Ballot(owner=member, is_proxy=True))
            else:
                view.proxies_done.append((member.display_name, when))
