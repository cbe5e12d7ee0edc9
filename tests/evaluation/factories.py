"""Build what the metrics read, through the features' services where cheap, so the ledger is what
the app really writes: ledger acts, anonymous headcounts, held meetings, motions, opinions and
initiatives moved along their timeline at chosen (local) times.

Times: `local(2025, 12, 31, 23, 30)` is a wall-clock time in the centre's zone (Europe/Paris),
returned as the naive UTC the database stores. `clock(when)` makes the services' "now" be `when`.
"""

from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from unittest import mock

from app.accounts.models import User
from app.evaluation.models import HeadCount
from app.extensions import db
from app.initiatives import services as initiatives
from app.initiatives.models import Initiative, Status
from app.instances import meetings, opinions, votes
from app.instances.models import Meeting, Motion, Opinion, ResponseKind
from app.ledger.models import LedgerEntry, Level
from app.ledger.services import record_participation
from app.timeutil import from_local
from tests.instances.factories import make_meeting

#: Modules whose `utcnow` `clock` replaces (each imported it by name).
CLOCKED = (
    "app.ledger.services",
    "app.initiatives.services",
    "app.instances.votes",
    "app.instances.opinions",
    "app.instances.meetings",
    "app.volunteering.hours",
)


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A local wall-clock time as stored (naive UTC)."""
    return from_local(datetime(year, month, day, hour, minute))


@contextmanager
def clock(when: datetime):
    """The services' `utcnow()` returns `when` (naive UTC) inside the block."""
    with ExitStack() as stack:
        for module in CLOCKED:
            stack.enter_context(mock.patch(f"{module}.utcnow", lambda: when))
        yield


def act(
    person: User,
    structure,
    at: datetime,
    *,
    kind: str = "activity.attend",
    level: Level = Level.L0_PRESENCE,
    obj=None,
    as_staff: bool | None = None,
) -> LedgerEntry:
    """One ledger act of `person` at `at` (naive UTC), with their demographics as of now."""
    entry = record_participation(
        person, structure_id=structure.id, kind=kind, level=level, obj=obj, occurred_at=at, as_staff=as_staff
    )
    db.session.commit()
    return entry


def headcount(structure, day: date, total: int, *, label: str = "Accueil", is_event: bool = False, **brackets):
    """An anonymous tally; `brackets`: under_11, age_11_25, age_26_59, age_60_plus."""
    row = HeadCount(structure_id=structure.id, occurred_on=day, label=label, total=total, is_event=is_event, **brackets)
    db.session.add(row)
    db.session.commit()
    return row


def block(user: User) -> User:
    user.is_blocked = True
    db.session.commit()
    return user


def anonymise(user: User) -> User:
    """Delete the account the app's way: personal data go, counted acts stay."""
    from app.accounts.services import delete_account

    delete_account(user)
    db.session.commit()
    return user


# --- meetings, votes, opinions ------------------------------------------------------------------


def held_meeting(instance, starts_at: datetime, marks: dict, *, by: User, title: str = "Réunion") -> Meeting:
    """A meeting at `starts_at` (naive UTC), its attendance ticked and closed through the services
    (ledger rows included). `marks`: {person: status} or {person: (REPRESENTED, proxy holder)};
    members not marked are stored absent. Held or adjourned as the quorum says."""
    meeting = make_meeting(instance, starts_at=starts_at, title=title)
    for person, mark in marks.items():
        status, holder = mark if isinstance(mark, tuple) else (mark, None)
        meetings.record_attendance(meeting, person, status, holder, by=by)
    meetings.close_meeting(meeting, by=by)
    db.session.commit()
    return meeting


def publish_minutes(meeting: Meeting, at: datetime, *, by: User) -> None:
    """Write and publish the meeting's minutes at `at` (naive UTC)."""
    minutes = meetings.save_minutes(meeting, "Présents, ordre du jour, décisions.", by=by)
    with clock(at):
        meetings.publish_minutes(minutes, by=by)
    db.session.commit()


def voted_motion(meeting: Meeting, counts: tuple[int, int, int], closed_at: datetime, *, by: User) -> Motion:
    """A motion of the meeting, counted by show of hands (for, against, abstain), closed at `closed_at`."""
    motion = votes.create_motion(meeting.instance, {"title": "Motion", "text": "Texte."}, by, meeting=meeting)
    votes.open_vote(motion, by)
    votes.record_hand_count(motion, *counts, by)
    with clock(closed_at):
        votes.close_motion(motion, by)
    db.session.commit()
    return motion


def opinion(from_instance, to_instance, sent_at: datetime, *, by: User, answered_on: date | None = None) -> Opinion:
    """An opinion sent at `sent_at` (naive UTC), answered on `answered_on` if given."""
    with clock(sent_at):
        sent = opinions.send_opinion(from_instance, to_instance, "Avis", "Le comité propose…", by=by)
    if answered_on is not None:
        opinions.respond_to_opinion(sent, ResponseKind.ACCEPTED, "Retenu.", by=by, answered_on=answered_on)
    db.session.commit()
    return sent


# --- initiatives --------------------------------------------------------------------------------


def _stamp(initiative: Initiative, at: datetime) -> None:
    """Date the timeline's last step (its `at` is the database default, not the services' clock)."""
    initiative.events[-1].at = at


def propose(structure, author: User, at: datetime, *, title: str = "Initiative", coleads=(), by=None) -> Initiative:
    """A draft with confirmed co-leads, sent at `at` (ledger rows of the leads included)."""
    by = by or author
    initiative = initiatives.create_initiative(
        structure, author, {"title": title, "summary": "Un projet d'habitants."}, by=by
    )
    for colead in coleads:
        initiatives.invite_colead(initiative, colead, by=author)
        with clock(at):
            initiatives.confirm_colead(initiative, colead, by=colead)
    with clock(at):
        initiatives.submit_initiative(initiative, by=by)
    _stamp(initiative, at)
    db.session.commit()
    return initiative


def advance(initiative: Initiative, at: datetime, verb: str, *args, by: User) -> Initiative:
    """One step of the lifecycle at `at`: publish, decide (Status), start, complete (participants,
    bilan), abandon (message), reject (reason, message)."""
    with clock(at):
        if verb == "publish":
            initiatives.publish_initiative(initiative, by=by)
        elif verb == "decide":
            decision = Status(args[0])
            initiatives.decide_initiative(initiative, decision, "Décision motivée du comité.", by=by)
        elif verb == "start":
            initiatives.start_initiative(initiative, by=by)
        elif verb == "complete":
            initiatives.complete_initiative(initiative, *args, by=by)
        elif verb == "abandon":
            initiatives.abandon_initiative(initiative, "Plus de porteurs.", by=by)
        elif verb == "reject":
            initiatives.reject_initiative(initiative, *args, by=by)
        else:
            raise ValueError(verb)
    _stamp(initiative, at)
    db.session.commit()
    return initiative


def accepted(structure, author: User, submitted: datetime, decided: datetime, *, by: User, **kwargs) -> Initiative:
    """Sent, published and accepted (the usual path to "supported")."""
    initiative = propose(structure, author, submitted, **kwargs)
    advance(initiative, submitted, "publish", by=by)
    return advance(initiative, decided, "decide", Status.ACCEPTED, by=by)
