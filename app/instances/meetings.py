"""Meetings of an instance: schedule, agenda, convocation, RSVP, attendance and quorum, closing
(participation ledger + proposed volunteer hours), minutes and the decisions log (follow-up).

Services flush; the route commits. Datetimes in and out are naive UTC like the database;
`local_to_utc` / `utc_to_local` convert what people type in the centre's time zone (Europe/Paris
by default, `BABEL_DEFAULT_TIMEZONE`). The quorum is computed by the pure engine
(`app.instances.rules`), fed by `attendance_sheet`.

The verbs (each raises `MeetingError` with a message for the person when a rule refuses):
- `schedule_meeting(instance, fields, *, by, agenda_from=None)`, `update_meeting(meeting, fields, *, by)`,
  `cancel_meeting(meeting, reason, *, by)`;
- `add_agenda_item(meeting, fields, *, by)`, `update_agenda_item(item, fields, *, by)`,
  `remove_agenda_item(item, *, by)`, `move_agenda_item(item, step, *, by)`;
- `convene(meeting, *, by, force=False)` (`ShortNoticeError` when the notice is short and not forced);
- `answer_rsvp(meeting, person, answer, proxy_holder=None, *, by)`;
- `record_attendance(meeting, person, status, proxy_holder=None, *, by)`;
- `close_meeting(meeting, *, by, override=None, override_reason="")`, `reopen_meeting(meeting, *, by)`;
- `save_minutes(meeting, body, *, by)`, `approve_minutes(minutes, *, at_meeting, by)`,
  `publish_minutes(minutes, *, by)`;
- `add_follow_up(instance, fields, *, by, meeting=None)`, `update_follow_up(follow_up, fields, *, by)`,
  `set_follow_up_status(follow_up, status, *, by, note=None)`.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.extensions import db
from app.initiatives.models import PRIVATE_STATUSES, Initiative
from app.instances.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    FollowUp,
    FollowUpStatus,
    Instance,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Office,
    Rsvp,
    RsvpAnswer,
    Seat,
    SeatStatus,
)
from app.instances.permissions import BUREAU_OFFICES, active_seat, is_staff, remember_active_seats
from app.instances.queries import ranked, several_lists
from app.instances.rules import Quorum, Rules, quorum_status, valid_proxies
from app.ledger.models import LedgerEntry
from app.ledger.services import delete_entries, record_participation
from app.notifications.services import notify, register_kind
from app.timeutil import from_local, local_today, to_local, utcnow
from app.volunteering.hours import propose_meeting_hours
from app.volunteering.models import EntryStatus, HourEntry

register_kind("meeting.convocation", _l("Mes instances : convocations, changements et annulations de réunion"))
register_kind("meeting.minutes", _l("Mes instances : comptes rendus publiés"))

#: Ledger kinds written when a meeting is closed (and removed when it is re-opened).
LEDGER_KINDS = {AttendanceStatus.PRESENT: "meeting.attend", AttendanceStatus.REPRESENTED: "meeting.represented"}

#: What an RSVP pre-fills on the attendance sheet.
FROM_RSVP = {
    RsvpAnswer.COMING: AttendanceStatus.PRESENT,
    RsvpAnswer.EXCUSED: AttendanceStatus.EXCUSED,
    RsvpAnswer.PROXY: AttendanceStatus.REPRESENTED,
}

#: Meetings closed (attendance list done): the minutes belong to them.
CLOSED = (MeetingStatus.HELD, MeetingStatus.ADJOURNED)


class MeetingError(Exception):
    """A rule refused the action; the message is shown to the person."""


class ShortNoticeError(MeetingError):
    """The convocation would leave less than the rules' notice: ask for confirmation."""


# --- time ---------------------------------------------------------------------------------------


#: A wall-clock time typed in the centre's time zone, as naive UTC.
local_to_utc = from_local


def utc_to_local(moment: datetime) -> datetime:
    """Naive UTC as the centre's naive wall-clock time (to prefill forms)."""
    return to_local(moment).replace(tzinfo=None)


def when_text(moment: datetime) -> str:
    """ "vendredi 12 décembre 2025 à 18:30", in the person's language and the centre's time zone."""
    return _("%(date)s à %(time)s", date=format_date(moment, "full"), time=format_time(moment, "short"))


def ends_at(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


# --- who ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the current person is to an instance, looked up once per page."""

    seat: Seat | None
    is_staff: bool

    @property
    def is_member(self) -> bool:
        return self.seat is not None

    @property
    def can_run(self) -> bool:
        """Staff, chair, vice-chair or secretary (same rule as `can_run_meetings`)."""
        return self.is_staff or (self.seat is not None and self.seat.office in BUREAU_OFFICES)

    @property
    def sees_names(self) -> bool:
        """Members and staff see who comes; others see counts."""
        return self.is_staff or self.seat is not None


def viewer_for(user, instance: Instance) -> Viewer:
    """The person's active seat (at most one query, none when the page knows it already) and staff
    role in the instance's structure."""
    return Viewer(seat=active_seat(user, instance), is_staff=is_staff(user, instance))


def active_seat_of(instance: Instance, person) -> Seat | None:
    """The person's current seat in the instance, if any."""
    if person is None or not getattr(person, "is_authenticated", True) or person.id is None:
        return None
    return db.session.scalar(
        sa.select(Seat).where(
            Seat.instance_id == instance.id, Seat.person_id == person.id, Seat.status == SeatStatus.ACTIVE
        )
    )


def active_members(instance: Instance) -> list[User]:
    """People holding an active seat, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Seat, Seat.person_id == User.id)
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ACTIVE)
            .order_by(User.display_name, User.id)
        )
    )


def voting_members(instance: Instance) -> list[User]:
    """People holding an active seat with a vote, by name (proxy holders are chosen among them)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Seat, Seat.person_id == User.id)
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ACTIVE, Seat.has_vote.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def _seat_active_at(seat: Seat, meeting: Meeting) -> bool:
    day = utc_to_local(meeting.starts_at).date()
    if seat.start_date is not None and seat.start_date > day:
        return False
    if seat.status == SeatStatus.ACTIVE:
        return True
    return seat.status == SeatStatus.ENDED and seat.ended_at is not None and seat.ended_at > meeting.starts_at


def seat_for_meeting(meeting: Meeting, person_id: int) -> Seat | None:
    """The person's seat active at the meeting's date, else their current seat (added on the spot)."""
    seats = db.session.scalars(
        sa.select(Seat).where(
            Seat.instance_id == meeting.instance_id,
            Seat.person_id == person_id,
            Seat.status.in_((SeatStatus.ACTIVE, SeatStatus.ENDED)),
        )
    ).all()
    at_date = [s for s in seats if _seat_active_at(s, meeting)]
    if at_date:
        return at_date[0]
    return next((s for s in seats if s.status == SeatStatus.ACTIVE), None)


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def _insert(model):
    """INSERT … ON CONFLICT for SQLite and PostgreSQL alike."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def _url(meeting: Meeting, anchor: str = "") -> str:
    return f"/instances/reunions/{meeting.id}" + (f"#{anchor}" if anchor else "")


# --- scheduling ---------------------------------------------------------------------------------

_MEETING_FIELDS = ("title", "starts_at", "duration_minutes", "place", "online_url", "is_second_call")


def _apply(meeting: Meeting, fields: dict) -> None:
    for name in _MEETING_FIELDS:
        if name in fields and fields[name] is not None:
            value = fields[name]
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    if not meeting.title:
        raise MeetingError(_("Donnez un titre à la réunion."))
    if not meeting.place and not meeting.online_url:
        raise MeetingError(_("Indiquez un lieu ou un lien de visioconférence."))
    if not meeting.duration_minutes or meeting.duration_minutes <= 0:
        raise MeetingError(_("La durée doit être positive."))


def schedule_meeting(instance: Instance, fields: dict, *, by: User, agenda_from: Meeting | None = None) -> Meeting:
    """Plan a meeting under the instance's rules in force (`rules_id` is kept with the meeting).

    :param fields: title, starts_at (naive UTC), duration_minutes, place, online_url, is_second_call.
    :param agenda_from: a meeting whose agenda is copied (a second call after a meeting without quorum).
    """
    if instance.archived_at is not None:
        raise MeetingError(_("Cette instance est archivée : elle ne se réunit plus."))
    if instance.rules is None:
        raise MeetingError(_("Cette instance n'a pas encore de règles de fonctionnement."))
    meeting = Meeting(instance_id=instance.id, rules_id=instance.rules.id, status=MeetingStatus.PLANNED)
    meeting.duration_minutes = 120
    _apply(meeting, fields)
    db.session.add(meeting)
    db.session.flush()
    if agenda_from is not None and agenda_from.instance_id == instance.id:
        for position, item in enumerate(agenda_from.agenda_items):
            db.session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    position=position,
                    title=item.title,
                    description=item.description,
                    initiative_id=item.initiative_id,
                )
            )
        db.session.flush()
    return meeting


def _require_planned(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Cette réunion est annulée."))
    if meeting.status != MeetingStatus.PLANNED or meeting.closed_at is not None:
        raise MeetingError(_("Cette réunion est close : elle ne peut plus être modifiée."))


def update_meeting(meeting: Meeting, fields: dict, *, by: User) -> bool:
    """Change a planned meeting. Returns True when its date, duration, place or link changed
    (members already convened should then get an update: `convene` again)."""
    _require_planned(meeting)
    before = (meeting.starts_at, meeting.duration_minutes, meeting.place, meeting.online_url)
    _apply(meeting, fields)
    db.session.flush()
    return before != (meeting.starts_at, meeting.duration_minutes, meeting.place, meeting.online_url)


def cancel_meeting(meeting: Meeting, reason: str, *, by: User) -> None:
    """Cancel a planned meeting with a reason; the members are told."""
    _require_planned(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError(_("Indiquez le motif de l'annulation."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason[:300]
    db.session.flush()
    instance = meeting.instance
    notify(
        active_members(instance),
        "meeting.convocation",
        lambda: _(
            "La réunion « %(title)s » (%(instance)s) du %(when)s est annulée. Motif : %(reason)s",
            title=meeting.title,
            instance=instance.name,
            when=when_text(meeting.starts_at),
            reason=meeting.cancel_reason,
        ),
        url=_url(meeting),
        structure_id=instance.structure_id,
        subject=lambda: _("Réunion annulée : %(instance)s", instance=instance.name),
    )


# --- agenda -------------------------------------------------------------------------------------


def _publishable(structure_id: int) -> list:
    return [
        Initiative.structure_id == structure_id,
        Initiative.status.not_in(PRIVATE_STATUSES),
        Initiative.hidden_at.is_(None),
    ]


def publishable_initiatives(structure_id: int) -> list[Initiative]:
    """Published, visible initiatives of the structure an agenda item may be about."""
    return list(
        db.session.scalars(
            sa.select(Initiative).where(*_publishable(structure_id)).order_by(Initiative.title).limit(200)
        )
    )


def agenda_initiatives(meeting: Meeting, *, choices: bool) -> tuple[dict[int, Initiative], list[Initiative]]:
    """The initiatives the agenda items are about (id -> initiative) and, with `choices`, those a
    new item may be about (`publishable_initiatives`), in one query (none when nothing is asked)."""
    linked = [item.initiative_id for item in meeting.agenda_items if item.initiative_id]
    parts = []
    if linked:
        parts.append(ranked(Initiative, 0, [Initiative.id.in_(linked)], (Initiative.id,)))
    if choices:
        structure_id = meeting.instance.structure_id
        parts.append(ranked(Initiative, 1, _publishable(structure_id), (Initiative.title,), limit=200))
    found: tuple[dict[int, Initiative], list[Initiative]] = ({}, [])
    if parts:
        for initiative, part in db.session.execute(several_lists(Initiative, *parts)):
            if part == 0:
                found[0][initiative.id] = initiative
            else:
                found[1].append(initiative)
    return found


def _check_initiative(meeting: Meeting, initiative_id: int | None) -> int | None:
    if not initiative_id:
        return None
    initiative = db.session.get(Initiative, initiative_id)
    if (
        initiative is None
        or initiative.structure_id != meeting.instance.structure_id
        or initiative.status in PRIVATE_STATUSES
        or initiative.hidden_at is not None
    ):
        raise MeetingError(_("Choisissez une initiative publiée de ce centre."))
    return initiative.id


def add_agenda_item(meeting: Meeting, fields: dict, *, by: User) -> AgendaItem:
    """Add a point at the end of the agenda. `fields`: title, description, initiative_id."""
    _require_planned(meeting)
    title = (fields.get("title") or "").strip()
    if not title:
        raise MeetingError(_("Donnez un titre au point de l'ordre du jour."))
    last = db.session.scalar(sa.select(sa.func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(
        meeting_id=meeting.id,
        position=(last + 1) if last is not None else 0,
        title=title[:200],
        description=(fields.get("description") or "").strip(),
        initiative_id=_check_initiative(meeting, fields.get("initiative_id")),
    )
    db.session.add(item)
    db.session.flush()
    db.session.expire(meeting, ["agenda_items"])
    return item


def update_agenda_item(item: AgendaItem, fields: dict, *, by: User) -> AgendaItem:
    """Edit a point of the agenda."""
    meeting = item.meeting
    _require_planned(meeting)
    if "title" in fields:
        title = (fields.get("title") or "").strip()
        if not title:
            raise MeetingError(_("Donnez un titre au point de l'ordre du jour."))
        item.title = title[:200]
    if "description" in fields:
        item.description = (fields.get("description") or "").strip()
    if "initiative_id" in fields:
        item.initiative_id = _check_initiative(meeting, fields.get("initiative_id"))
    db.session.flush()
    return item


def remove_agenda_item(item: AgendaItem, *, by: User) -> None:
    """Take a point off the agenda (the others keep their order)."""
    meeting = item.meeting
    _require_planned(meeting)
    db.session.delete(item)
    db.session.flush()
    db.session.expire(meeting, ["agenda_items"])


def move_agenda_item(item: AgendaItem, step: int, *, by: User) -> None:
    """Move a point up (step -1) or down (step +1) the agenda."""
    meeting = item.meeting
    _require_planned(meeting)
    items = list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items):
        other.position = position
    db.session.flush()
    db.session.expire(meeting, ["agenda_items"])


# --- convocation --------------------------------------------------------------------------------


def notice_days(meeting: Meeting) -> int:
    return meeting.rules.notice_days if meeting.rules is not None else 0


def is_short_notice(meeting: Meeting, now: datetime | None = None) -> bool:
    """Less time before the meeting than the rules' convocation notice."""
    now = now or utcnow()
    return meeting.starts_at - now < timedelta(days=notice_days(meeting))


def _convocation_text(meeting: Meeting, *, update: bool) -> str:
    instance = meeting.instance
    names = {"title": meeting.title, "instance": instance.name}
    if update:
        lines = [_("La convocation à la réunion « %(title)s » (%(instance)s) a changé.", **names)]
    else:
        lines = [_("Vous êtes convoqué·e à la réunion « %(title)s » (%(instance)s).", **names)]
    lines.append(_("Quand : %(when)s", when=when_text(meeting.starts_at)))
    if meeting.place:
        lines.append(_("Où : %(place)s", place=meeting.place))
    if meeting.online_url:
        lines.append(_("En ligne : %(url)s", url=meeting.online_url))
    if meeting.is_second_call:
        lines.append(_("Il s'agit d'une seconde convocation, après une réunion où le quorum n'était pas atteint."))
    if meeting.agenda_items:
        lines.append(_("Ordre du jour :"))
        lines += [f"{n}. {item.title}" for n, item in enumerate(meeting.agenda_items, start=1)]
    lines.append(_("Merci de dire si vous venez, si vous êtes excusé·e ou si vous donnez pouvoir :"))
    return "\n".join(lines)


def convene(meeting: Meeting, *, by: User, force: bool = False) -> int:
    """Send the convocation (notification + e-mail) to every active member; returns how many.

    A second call after a change sends an update. Raises `ShortNoticeError` when the meeting is
    closer than the rules' notice, unless `force` (the person confirmed).
    """
    _require_planned(meeting)
    if meeting.starts_at <= utcnow():
        raise MeetingError(_("La réunion a déjà commencé : il est trop tard pour convoquer."))
    if is_short_notice(meeting) and not force:
        days = notice_days(meeting)
        raise ShortNoticeError(
            ngettext(
                "Le délai de convocation prévu est de %(num)d jour : confirmez pour convoquer quand même.",
                "Le délai de convocation prévu est de %(num)d jours : confirmez pour convoquer quand même.",
                days,
            )
        )
    update = meeting.convened_at is not None
    instance = meeting.instance
    members = active_members(instance)
    notify(
        members,
        "meeting.convocation",
        lambda: _convocation_text(meeting, update=update),
        url=_url(meeting, f"meeting-{meeting.id}-rsvp"),
        structure_id=instance.structure_id,
        subject=lambda: (
            _(
                "Convocation modifiée : %(instance)s, %(when)s",
                instance=instance.name,
                when=when_text(meeting.starts_at),
            )
            if update
            else _("Convocation : %(instance)s, %(when)s", instance=instance.name, when=when_text(meeting.starts_at))
        ),
    )
    meeting.convened_at = utcnow()
    meeting.convened_by_id = by.id
    db.session.flush()
    return len(members)


# --- RSVP ---------------------------------------------------------------------------------------


def rsvps_of(meeting: Meeting) -> dict[int, Rsvp]:
    """person id -> answer."""
    rows = db.session.scalars(sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id))
    return {row.person_id: row for row in rows}


def rsvp_of(meeting: Meeting, person) -> Rsvp | None:
    if person is None or not getattr(person, "is_authenticated", True):
        return None
    return db.session.scalar(sa.select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == person.id))


def _lock_seats(instance_id: int, person_ids: list[int]) -> None:
    """Lock the seats of these people until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite
    write transactions are serialised by `BEGIN IMMEDIATE`). Always in id order: no deadlock."""
    db.session.execute(
        sa.select(Seat.id)
        .where(Seat.instance_id == instance_id, Seat.person_id.in_(person_ids), Seat.status == SeatStatus.ACTIVE)
        .order_by(Seat.id)
        .with_for_update()
    ).all()


def _proxies_held(meeting: Meeting, holder_id: int, *, besides: int | None = None) -> int:
    query = sa.select(sa.func.count()).where(
        Rsvp.meeting_id == meeting.id, Rsvp.answer == RsvpAnswer.PROXY, Rsvp.proxy_holder_id == holder_id
    )
    if besides is not None:
        query = query.where(Rsvp.person_id != besides)
    return db.session.scalar(query) or 0


def answer_rsvp(
    meeting: Meeting, person: User, answer: RsvpAnswer | str, proxy_holder: User | None = None, *, by: User
) -> Rsvp:
    """A member answers the convocation: coming, excused, or giving their proxy to another voting
    member (when the rules allow proxies, within `proxies_max` per holder, checked under a lock so
    that two people giving a proxy to the same holder at once cannot exceed it)."""
    answer = RsvpAnswer(answer)
    _require_planned(meeting)
    if meeting.starts_at <= utcnow():
        raise MeetingError(_("La réunion a commencé : les réponses sont closes."))
    instance = meeting.instance
    seat = active_seat_of(instance, person)
    if seat is None:
        raise MeetingError(_("Seuls les membres de l'instance répondent à la convocation."))
    holder_id = None
    if answer == RsvpAnswer.PROXY:
        rules = meeting.rules
        if not rules.proxies_allowed:
            raise MeetingError(_("Les règles de cette instance ne prévoient pas de pouvoirs."))
        if not seat.has_vote:
            raise MeetingError(_("Vous n'avez pas de voix délibérative : vous n'avez pas de pouvoir à donner."))
        if proxy_holder is None:
            raise MeetingError(_("Choisissez la personne à qui vous donnez votre pouvoir."))
        if proxy_holder.id == person.id:
            raise MeetingError(_("Choisissez une autre personne que vous-même."))
        # The holder's count is read and written by one transaction at a time.
        _lock_seats(instance.id, sorted({person.id, proxy_holder.id}))
        holder_seat = active_seat_of(instance, proxy_holder)
        name = proxy_holder.display_name
        if holder_seat is None or not holder_seat.has_vote:
            raise MeetingError(_("%(name)s n'est pas membre de l'instance avec voix délibérative.", name=name))
        holder_answer = rsvp_of(meeting, proxy_holder)
        if holder_answer is not None and holder_answer.answer != RsvpAnswer.COMING:
            raise MeetingError(
                _("%(name)s a prévenu qu'il ou elle ne viendra pas : choisissez quelqu'un d'autre.", name=name)
            )
        if _proxies_held(meeting, person.id) > 0:
            raise MeetingError(
                _("D'autres membres vous ont confié leur pouvoir : vous ne pouvez pas donner le vôtre à votre tour.")
            )
        held = _proxies_held(meeting, proxy_holder.id, besides=person.id)
        if held >= rules.proxies_max:
            raise MeetingError(
                ngettext(
                    "%(name)s porte déjà %(num)d pouvoir, le maximum prévu : choisissez quelqu'un d'autre.",
                    "%(name)s porte déjà %(num)d pouvoirs, le maximum prévu : choisissez quelqu'un d'autre.",
                    held,
                    name=name,
                )
            )
        holder_id = proxy_holder.id
    now = utcnow()
    values = {"answer": answer, "proxy_holder_id": holder_id, "updated_at": now, "recorded_by_id": by.id}
    statement = _insert(Rsvp).values(meeting_id=meeting.id, person_id=person.id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["meeting_id", "person_id"], set_=values))
    rsvp = db.session.scalar(
        sa.select(Rsvp)
        .where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == person.id)
        .execution_options(populate_existing=True)
    )
    return rsvp


@dataclass(frozen=True)
class RosterEntry:
    seat: Seat
    person: User
    rsvp: Rsvp | None


@dataclass(frozen=True)
class Roster:
    """The instance's current members and their answers to one meeting's convocation."""

    entries: list[RosterEntry]

    def entry(self, person_id: int | None) -> RosterEntry | None:
        return next((e for e in self.entries if e.person.id == person_id), None)

    def seat_of(self, person) -> Seat | None:
        entry = self.entry(getattr(person, "id", None)) if getattr(person, "is_authenticated", True) else None
        return entry.seat if entry else None

    def rsvp_of(self, person) -> Rsvp | None:
        entry = self.entry(getattr(person, "id", None)) if getattr(person, "is_authenticated", True) else None
        return entry.rsvp if entry else None

    @property
    def members(self) -> list[User]:
        return [e.person for e in self.entries]

    def _answered(self, answer: RsvpAnswer) -> list[User]:
        return [e.person for e in self.entries if e.rsvp is not None and e.rsvp.answer == answer]

    @property
    def coming(self) -> list[User]:
        return self._answered(RsvpAnswer.COMING)

    @property
    def excused(self) -> list[User]:
        return self._answered(RsvpAnswer.EXCUSED)

    @property
    def proxies(self) -> list[tuple[User, User | None]]:
        """(giver, holder) pairs."""
        by_id = {e.person.id: e.person for e in self.entries}
        return [
            (e.person, by_id.get(e.rsvp.proxy_holder_id))
            for e in self.entries
            if e.rsvp is not None and e.rsvp.answer == RsvpAnswer.PROXY
        ]

    @property
    def answered(self) -> int:
        return sum(1 for e in self.entries if e.rsvp is not None)

    def proxies_given_to(self, person) -> list[User]:
        person_id = getattr(person, "id", None)
        return [giver for giver, holder in self.proxies if holder is not None and holder.id == person_id]

    def holders_for(self, person) -> list[User]:
        """Voting members who may carry `person`'s proxy (everyone with a vote but them)."""
        person_id = getattr(person, "id", None)
        return [e.person for e in self.entries if e.seat.has_vote and e.person.id != person_id]


def meeting_roster(meeting: Meeting) -> Roster:
    """Active members with their answer to this meeting, by name (one query).

    On a GET request, `permissions.active_seat` then answers from these seats for the instance."""
    rows = db.session.execute(
        sa.select(Seat, User, Rsvp)
        .join(User, User.id == Seat.person_id)
        .outerjoin(Rsvp, sa.and_(Rsvp.person_id == Seat.person_id, Rsvp.meeting_id == meeting.id))
        .where(Seat.instance_id == meeting.instance_id, Seat.status == SeatStatus.ACTIVE)
        .order_by(User.display_name, User.id)
    ).all()
    remember_active_seats(meeting.instance_id, [seat for seat, _user, _rsvp in rows])
    return Roster(entries=[RosterEntry(seat=seat, person=user, rsvp=rsvp) for seat, user, rsvp in rows])


# --- attendance and quorum ----------------------------------------------------------------------


@dataclass
class SheetRow:
    """One line of the attendance sheet: a member, and where they stand."""

    person: User
    has_vote: bool
    ex_officio: bool
    office: Office | None
    #: Recorded status, else the one pre-filled from the RSVP, else None (not ticked yet).
    status: AttendanceStatus | None
    proxy_holder_id: int | None
    #: True when an Attendance row exists (False: pre-filled from the RSVP or empty).
    recorded: bool
    rsvp: Rsvp | None = None


def attendance_sheet(meeting: Meeting) -> list[SheetRow]:
    """The members expected at the meeting (seat active at its date, plus anyone recorded on the
    spot), with their recorded or RSVP-prefilled status, by name. A closed meeting's sheet is its
    recorded rows. Three queries."""
    recorded = {
        a.person_id: a
        for a in db.session.scalars(
            sa.select(Attendance).options(joinedload(Attendance.person)).where(Attendance.meeting_id == meeting.id)
        )
    }
    rows: dict[int, SheetRow] = {}
    if meeting.closed_at is None:
        answers = rsvps_of(meeting)
        seats = db.session.scalars(
            sa.select(Seat)
            .options(joinedload(Seat.person))
            .where(Seat.instance_id == meeting.instance_id, Seat.status.in_((SeatStatus.ACTIVE, SeatStatus.ENDED)))
            .order_by(Seat.status, Seat.id)  # "active" sorts before "ended": the current seat wins
        ).all()
        for seat in seats:
            if seat.person_id in rows or not _seat_active_at(seat, meeting):
                continue
            rsvp = answers.get(seat.person_id)
            status = FROM_RSVP.get(rsvp.answer) if rsvp else None
            holder = rsvp.proxy_holder_id if rsvp and rsvp.answer == RsvpAnswer.PROXY else None
            rows[seat.person_id] = SheetRow(
                person=seat.person,
                has_vote=seat.has_vote,
                ex_officio=seat.ex_officio,
                office=seat.office,
                status=status,
                proxy_holder_id=holder,
                recorded=False,
                rsvp=rsvp,
            )
    else:
        answers = {}
    for person_id, attendance in recorded.items():
        row = rows.get(person_id)
        if row is None:
            row = rows[person_id] = SheetRow(
                person=attendance.person,
                has_vote=attendance.has_vote,
                ex_officio=attendance.ex_officio,
                office=None,
                status=None,
                proxy_holder_id=None,
                recorded=True,
                rsvp=answers.get(person_id),
            )
        row.status, row.proxy_holder_id, row.recorded = attendance.status, attendance.proxy_holder_id, True
        row.has_vote, row.ex_officio = attendance.has_vote, attendance.ex_officio
    return sorted(rows.values(), key=lambda r: (r.person.display_name.casefold(), r.person.id))


def members_to_add(meeting: Meeting, sheet: list[SheetRow]) -> list[User]:
    """Active members not on the sheet (a seat that started after the meeting's date)."""
    listed = {row.person.id for row in sheet}
    return [u for u in active_members(meeting.instance) if u.id not in listed]


@dataclass(frozen=True)
class QuorumView:
    """The quorum as the engine computes it, with the numbers behind it."""

    result: Quorum
    rules: Rules
    voting: int
    present: int
    #: Valid proxies (holder present, within the per-holder limit): the represented members counted.
    represented: int
    #: Proxies ignored because their holder carries more than the limit.
    over_limit: int
    #: Proxies whose holder is not marked present (they do not count).
    orphaned: int
    present_total: int

    @property
    def has_rule(self) -> bool:
        return self.result.required is not None


def quorum_of(meeting: Meeting, sheet: list[SheetRow] | None = None) -> QuorumView:
    """Voting members, present voting members and valid proxies, through the quorum engine."""
    rows = sheet if sheet is not None else attendance_sheet(meeting)
    rules = Rules.of(meeting.rules)
    voting = [r for r in rows if r.has_vote]
    present_voters = {r.person.id for r in voting if r.status == AttendanceStatus.PRESENT}
    represented = [r for r in voting if r.status == AttendanceStatus.REPRESENTED]
    per_holder = Counter(r.proxy_holder_id for r in represented if r.proxy_holder_id in present_voters)
    counted_proxies = sum(per_holder.values())
    valid = valid_proxies(rules, per_holder.values())
    result = quorum_status(
        rules,
        voting_members=len(voting),
        present=len(present_voters),
        represented=valid,
        is_second_call=meeting.is_second_call,
    )
    return QuorumView(
        result=result,
        rules=rules,
        voting=len(voting),
        present=len(present_voters),
        represented=valid,
        over_limit=counted_proxies - valid if rules.proxies_allowed else 0,
        orphaned=len(represented) - counted_proxies,
        present_total=sum(1 for r in rows if r.status == AttendanceStatus.PRESENT),
    )


def _require_recording(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("Cette réunion est annulée."))
    if meeting.closed_at is not None or meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("La séance est close : un membre de l'équipe peut la rouvrir pour corriger."))


def record_attendance(
    meeting: Meeting,
    person: User,
    status: AttendanceStatus | str,
    proxy_holder: User | None = None,
    *,
    by: User,
) -> Attendance:
    """Tick one member present, excused, absent or represented (by another voting member). The
    seat's voting right and ex officio flag are copied into the row (metrics need them as they
    were). Proxies over the per-holder limit are kept but not counted by the quorum."""
    status = AttendanceStatus(status)
    _require_recording(meeting)
    seat = seat_for_meeting(meeting, person.id)
    if seat is None:
        raise MeetingError(_("%(name)s n'est pas membre de l'instance.", name=person.display_name))
    holder_id = None
    if status == AttendanceStatus.REPRESENTED:
        if not meeting.rules.proxies_allowed:
            raise MeetingError(_("Les règles de cette instance ne prévoient pas de pouvoirs."))
        if proxy_holder is None:
            raise MeetingError(_("Choisissez qui porte le pouvoir de %(name)s.", name=person.display_name))
        if proxy_holder.id == person.id:
            raise MeetingError(_("Une personne ne peut pas porter son propre pouvoir."))
        holder_seat = seat_for_meeting(meeting, proxy_holder.id)
        if holder_seat is None or not holder_seat.has_vote:
            raise MeetingError(
                _("%(name)s n'est pas membre de l'instance avec voix délibérative.", name=proxy_holder.display_name)
            )
        holder_id = proxy_holder.id
    values = {
        "status": status,
        "proxy_holder_id": holder_id,
        "has_vote": seat.has_vote,
        "ex_officio": seat.ex_officio,
        "recorded_by_id": by.id,
        "recorded_at": utcnow(),
    }
    statement = _insert(Attendance).values(meeting_id=meeting.id, person_id=person.id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["meeting_id", "person_id"], set_=values))
    return db.session.scalar(
        sa.select(Attendance)
        .where(Attendance.meeting_id == meeting.id, Attendance.person_id == person.id)
        .execution_options(populate_existing=True)
    )


def can_close_now(meeting: Meeting) -> bool:
    """A meeting is closed from its day on (not before it happened)."""
    return utc_to_local(meeting.starts_at).date() <= local_today()


def close_meeting(meeting: Meeting, *, by: User, override: bool | None = None, override_reason: str = "") -> Meeting:
    """Close the attendance list ("Clore la séance").

    Members not ticked are stored as their RSVP pre-fills them, else absent. The quorum is
    computed (staff may override it with a reason); the meeting becomes `held`, or
    `adjourned_no_quorum`. In the same transaction: one ledger row per present or represented
    member (at the meeting's time) and proposed volunteer hours (`propose_meeting_hours`).
    """
    _require_recording(meeting)
    if not can_close_now(meeting):
        raise MeetingError(_("La réunion n'a pas encore eu lieu : la séance se clôt le jour même ou après."))
    instance = meeting.instance
    reason = (override_reason or "").strip()
    if override is not None:
        if not is_staff(by, instance):
            raise MeetingError(_("Seule l'équipe du centre peut corriger le quorum."))
        if not reason:
            raise MeetingError(_("Indiquez pourquoi vous corrigez le quorum."))
    sheet = attendance_sheet(meeting)
    computed = quorum_of(meeting, sheet).result.reached
    # Claim the close atomically: two clicks on "Clore" cannot write the ledger twice.
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.closed_at.is_(None), Meeting.status == MeetingStatus.PLANNED)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise MeetingError(_("Cette séance est déjà close."))
    for row in sheet:
        if row.recorded:
            continue
        row.status = row.status or AttendanceStatus.ABSENT
        if row.status == AttendanceStatus.REPRESENTED and not (meeting.rules.proxies_allowed and row.proxy_holder_id):
            row.status = AttendanceStatus.EXCUSED
        values = {
            "meeting_id": meeting.id,
            "person_id": row.person.id,
            "status": row.status,
            "proxy_holder_id": row.proxy_holder_id if row.status == AttendanceStatus.REPRESENTED else None,
            "has_vote": row.has_vote,
            "ex_officio": row.ex_officio,
            "recorded_by_id": by.id,
            "recorded_at": now,
        }
        db.session.execute(_insert(Attendance).values(**values).on_conflict_do_nothing())
    reached = computed if override is None else override
    meeting.closed_at = now
    meeting.quorum_reached = reached
    meeting.quorum_override_reason = reason[:300] if override is not None else ""
    meeting.status = MeetingStatus.HELD if reached else MeetingStatus.ADJOURNED
    db.session.flush()
    level = instance.nature.level
    for row in sheet:
        kind = LEDGER_KINDS.get(row.status)
        if kind:
            record_participation(
                row.person,
                structure_id=instance.structure_id,
                kind=kind,
                level=level,
                obj=meeting,
                occurred_at=meeting.starts_at,
                recorded_by=by,
            )
    propose_meeting_hours(meeting)
    return meeting


def reopen_meeting(meeting: Meeting, *, by: User) -> None:
    """Staff re-open a closed meeting to correct the attendance, until its minutes are approved.
    Its ledger rows and still-unvalidated hour proposals go; the next close writes them again."""
    instance = meeting.instance
    if not is_staff(by, instance):
        raise MeetingError(_("Seule l'équipe du centre peut rouvrir une séance."))
    if meeting.minutes is not None and meeting.minutes.approved_at is not None:
        raise MeetingError(_("Le compte rendu est approuvé : la séance ne peut plus être rouverte."))
    reopened = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.closed_at.is_not(None), Meeting.status.in_(CLOSED))
        .values(closed_at=None, status=MeetingStatus.PLANNED, quorum_reached=None, quorum_override_reason="")
        .execution_options(synchronize_session=False)
    ).rowcount
    if reopened != 1:
        raise MeetingError(_("Cette séance n'est pas close."))
    delete_entries(
        LedgerEntry.object_type == "meeting",
        LedgerEntry.object_id == meeting.id,
        LedgerEntry.kind.in_(LEDGER_KINDS.values()),
    )
    db.session.execute(
        sa.delete(HourEntry)
        .where(HourEntry.meeting_id == meeting.id, HourEntry.status == EntryStatus.PROPOSED)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(meeting)


@dataclass(frozen=True)
class AttendanceSummary:
    """Who was there, for a closed meeting's page."""

    by_status: dict[AttendanceStatus, list[User]]

    def count(self, status: AttendanceStatus) -> int:
        return len(self.by_status.get(status, []))


def recorded_attendance(meeting: Meeting) -> list[Attendance]:
    """The meeting's attendance rows with their person, by name (one query)."""
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(User, User.id == Attendance.person_id)
            .options(contains_eager(Attendance.person))
            .where(Attendance.meeting_id == meeting.id)
            .order_by(User.display_name, Attendance.id)
        )
    )


def attendance_summary(meeting: Meeting, rows: list[Attendance] | None = None) -> AttendanceSummary:
    """The recorded attendance grouped by status (one query; none given `recorded_attendance` rows)."""
    groups: dict[AttendanceStatus, list[User]] = {status: [] for status in AttendanceStatus}
    for row in rows if rows is not None else recorded_attendance(meeting):
        groups[row.status].append(row.person)
    return AttendanceSummary(by_status=groups)


# --- minutes ------------------------------------------------------------------------------------


def minutes_due(meeting: Meeting) -> date:
    """The date by which the minutes should be published (rules' deadline after the meeting)."""
    days = meeting.rules.minutes_deadline_days if meeting.rules is not None else 30
    return utc_to_local(meeting.starts_at).date() + timedelta(days=days)


def minutes_late(meeting: Meeting) -> bool:
    minutes = meeting.minutes
    published = minutes is not None and minutes.status == MinutesStatus.PUBLISHED
    return meeting.status in CLOSED and not published and local_today() > minutes_due(meeting)


def save_minutes(meeting: Meeting, body: str, *, by: User) -> Minutes:
    """Write or edit the draft minutes (markdown) of a closed meeting, until they are approved."""
    if meeting.closed_at is None or meeting.status not in CLOSED:
        raise MeetingError(_("Le compte rendu s'écrit une fois la séance close."))
    minutes = meeting.minutes
    if minutes is not None and minutes.approved_at is not None:
        raise MeetingError(_("Le compte rendu est approuvé : il ne peut plus être modifié."))
    if minutes is None:
        try:
            with db.session.begin_nested():
                minutes = Minutes(meeting_id=meeting.id, author_id=by.id, status=MinutesStatus.DRAFT)
                db.session.add(minutes)
        except IntegrityError:  # written at the same moment by someone else: edit theirs
            minutes = db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))
    minutes.body = (body or "").strip()
    minutes.updated_at = utcnow()
    db.session.flush()
    db.session.expire(meeting, ["minutes"])
    return minutes


def minutes_to_approve(meeting: Meeting) -> list[Minutes]:
    """Unapproved minutes of earlier meetings of the same instance, that this meeting may approve."""
    if meeting.status not in (MeetingStatus.HELD, MeetingStatus.PLANNED) or meeting.starts_at > utcnow():
        return []
    return list(
        db.session.scalars(
            sa.select(Minutes)
            .join(Meeting, Meeting.id == Minutes.meeting_id)
            .options(joinedload(Minutes.meeting))
            .where(
                Meeting.instance_id == meeting.instance_id,
                Meeting.starts_at < meeting.starts_at,
                Minutes.approved_at.is_(None),
                Minutes.body != "",
            )
            .order_by(Meeting.starts_at)
        )
    )


def approve_minutes(minutes: Minutes, *, at_meeting: Meeting, by: User) -> Minutes:
    """Record that a later meeting of the same instance approved the minutes."""
    earlier = minutes.meeting
    if minutes.approved_at is not None:
        raise MeetingError(_("Ce compte rendu est déjà approuvé."))
    if not minutes.body.strip():
        raise MeetingError(_("Ce compte rendu est vide."))
    if at_meeting.instance_id != earlier.instance_id or at_meeting.starts_at <= earlier.starts_at:
        raise MeetingError(_("Un compte rendu s'approuve lors d'une réunion suivante de la même instance."))
    # The later meeting approves while it sits (planned, started) or once held with its quorum.
    if at_meeting.status not in (MeetingStatus.HELD, MeetingStatus.PLANNED) or at_meeting.starts_at > utcnow():
        raise MeetingError(_("Cette réunion n'a pas délibéré : elle ne peut pas approuver de compte rendu."))
    minutes.approved_at = utcnow()
    minutes.approved_at_meeting_id = at_meeting.id
    if minutes.status == MinutesStatus.DRAFT:
        minutes.status = MinutesStatus.APPROVED
    db.session.flush()
    return minutes


def publish_minutes(minutes: Minutes, *, by: User) -> Minutes:
    """Publish the minutes: members (members-only instance) or everyone (public instance) can read
    them; the members are told."""
    if minutes.status == MinutesStatus.PUBLISHED:
        raise MeetingError(_("Ce compte rendu est déjà publié."))
    if not minutes.body.strip():
        raise MeetingError(_("Écrivez le compte rendu avant de le publier."))
    minutes.status = MinutesStatus.PUBLISHED
    minutes.published_at = utcnow()
    db.session.flush()
    meeting = minutes.meeting
    instance = meeting.instance
    notify(
        active_members(instance),
        "meeting.minutes",
        lambda: _(
            "Le compte rendu de la réunion « %(title)s » (%(instance)s) du %(date)s est publié.",
            title=meeting.title,
            instance=instance.name,
            date=format_date(meeting.starts_at, "long"),
        ),
        url=_url(meeting, f"meeting-{meeting.id}-minutes"),
        structure_id=instance.structure_id,
    )
    return minutes


# --- decisions log ------------------------------------------------------------------------------


def _follow_up_values(instance: Instance, fields: dict) -> dict:
    values = {}
    if "text" in fields:
        text = (fields.get("text") or "").strip()
        if not text:
            raise MeetingError(_("Décrivez ce qui a été décidé ou ce qu'il faut faire."))
        values["text"] = text[:500]
    if "owner_id" in fields:
        owner_id = fields.get("owner_id") or None
        if owner_id is not None:
            seat = db.session.scalar(
                sa.select(Seat.id).where(
                    Seat.instance_id == instance.id, Seat.person_id == owner_id, Seat.status == SeatStatus.ACTIVE
                )
            )
            if seat is None:
                raise MeetingError(_("La personne responsable doit être membre de l'instance."))
        values["owner_id"] = owner_id
    if "owner_text" in fields:
        values["owner_text"] = (fields.get("owner_text") or "").strip()[:120]
    if "due_date" in fields:
        values["due_date"] = fields.get("due_date")
    if "status" in fields and fields.get("status"):
        values["status"] = FollowUpStatus(fields["status"])
    if "note" in fields:
        values["note"] = (fields.get("note") or "").strip()[:500]
    return values


def add_follow_up(instance: Instance, fields: dict, *, by: User, meeting: Meeting | None = None) -> FollowUp:
    """Add an entry to the decisions log. `fields`: text, owner_id (a member) or owner_text,
    due_date, status, note."""
    if meeting is not None and meeting.instance_id != instance.id:
        raise MeetingError(_("Cette réunion n'est pas une réunion de l'instance."))
    follow_up = FollowUp(instance_id=instance.id, meeting_id=meeting.id if meeting else None)
    for name, value in _follow_up_values(instance, {"status": FollowUpStatus.TODO, **fields}).items():
        setattr(follow_up, name, value)
    if not follow_up.text:
        raise MeetingError(_("Décrivez ce qui a été décidé ou ce qu'il faut faire."))
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def update_follow_up(follow_up: FollowUp, fields: dict, *, by: User) -> FollowUp:
    """Edit an entry of the decisions log (any of the fields of `add_follow_up`)."""
    instance = db.session.get(Instance, follow_up.instance_id)
    for name, value in _follow_up_values(instance, fields).items():
        setattr(follow_up, name, value)
    follow_up.updated_at = utcnow()
    db.session.flush()
    return follow_up


def set_follow_up_status(
    follow_up: FollowUp, status: FollowUpStatus | str, *, by: User, note: str | None = None
) -> FollowUp:
    """Move an entry to à faire / en cours / fait / abandonné (and optionally change its note)."""
    fields: dict = {"status": FollowUpStatus(status)}
    if note is not None:
        fields["note"] = note
    return update_follow_up(follow_up, fields, by=by)


def follow_ups_of(instance: Instance, *, status: FollowUpStatus | None = None, meeting: Meeting | None = None):
    """The decisions log: open entries first, then by due date (one query)."""
    order = sa.case(
        (FollowUp.status == FollowUpStatus.IN_PROGRESS, 0),
        (FollowUp.status == FollowUpStatus.TODO, 1),
        (FollowUp.status == FollowUpStatus.DONE, 2),
        else_=3,
    )
    query = (
        sa.select(FollowUp)
        .options(joinedload(FollowUp.owner))
        .where(FollowUp.instance_id == instance.id)
        .order_by(order, FollowUp.due_date.is_(None), FollowUp.due_date, FollowUp.id)
    )
    if status is not None:
        query = query.where(FollowUp.status == status)
    if meeting is not None:
        query = query.where(FollowUp.meeting_id == meeting.id)
    return list(db.session.scalars(query.limit(300)))


# --- lists --------------------------------------------------------------------------------------


def _upcoming_filter(instance: Instance) -> list:
    yesterday = utcnow() - timedelta(days=1)
    return [
        Meeting.instance_id == instance.id,
        sa.or_(
            sa.and_(Meeting.status == MeetingStatus.PLANNED, Meeting.closed_at.is_(None)),
            sa.and_(Meeting.status == MeetingStatus.CANCELLED, Meeting.starts_at >= yesterday),
        ),
    ]


def _past_filter(instance: Instance) -> list:
    return [Meeting.instance_id == instance.id, Meeting.status.in_(CLOSED)]


UPCOMING_ORDER = (Meeting.starts_at, Meeting.id)
PAST_ORDER = (Meeting.starts_at.desc(), Meeting.id.desc())


def upcoming_meetings(instance: Instance, *, limit: int = 5) -> list[Meeting]:
    """Planned meetings not yet closed (past ones still to close included) and recently cancelled ones."""
    return list(
        db.session.scalars(sa.select(Meeting).where(*_upcoming_filter(instance)).order_by(*UPCOMING_ORDER).limit(limit))
    )


def past_meetings(instance: Instance, *, limit: int = 5) -> list[Meeting]:
    """Held (or adjourned) meetings, newest first, with their minutes."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .options(joinedload(Meeting.minutes))
            .where(*_past_filter(instance))
            .order_by(*PAST_ORDER)
            .limit(limit)
        )
    )


def recent_meetings(instance: Instance, *, limit: int = 5) -> tuple[list[Meeting], list[Meeting]]:
    """`(upcoming_meetings, past_meetings)` in one query (the instance page's section)."""
    query = several_lists(
        Meeting,
        ranked(Meeting, 0, _upcoming_filter(instance), UPCOMING_ORDER, limit=limit),
        ranked(Meeting, 1, _past_filter(instance), PAST_ORDER, limit=limit),
    ).options(joinedload(Meeting.minutes))
    lists: tuple[list[Meeting], list[Meeting]] = ([], [])
    for meeting, part in db.session.execute(query):
        lists[part].append(meeting)
    return lists


def my_rsvps(meetings: list[Meeting], person) -> dict[int, Rsvp]:
    """meeting id -> the person's answer, for a list of meetings (one query)."""
    if not meetings or person is None or not getattr(person, "is_authenticated", True):
        return {}
    rows = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.person_id == person.id, Rsvp.meeting_id.in_([m.id for m in meetings]))
    )
    return {row.meeting_id: row for row in rows}
