"""Volunteering rules: missions, shifts (one-off or weekly), sign-ups with a waitlist, attendance
and volunteer profiles. One function per verb; services flush, the caller commits.

Nothing is lost when many people tap "Je m'inscris" at once:
- every change to a shift's places first locks the shift row (`SELECT … FOR UPDATE` on
  PostgreSQL; on SQLite, write requests hold the database write lock from `BEGIN IMMEDIATE`), so
  sign-ups, cancellations and promotions of one shift happen one after the other, and
  `queued_at` (the waitlist order) is the order in which the server handled them;
- a place is taken with one guarded statement (`UPDATE shift SET confirmed_count =
  confirmed_count + 1 WHERE id = … AND confirmed_count < capacity AND cancelled_at IS NULL`), and
  the database refuses a count above the capacity (CHECK constraint);
- one row per (shift, person) (unique constraint): signing up again after a cancellation
  re-queues the same row at the back.

Times: forms give Europe/Paris wall-clock times (`BABEL_DEFAULT_TIMEZONE`); the database keeps
naive UTC. A weekly series converts each date on its own, so an 18:00 shift stays at 18:00 local
time across the change to winter or summer time.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_date, format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.centres.models import Membership, Role, Structure
from app.extensions import db
from app.initiatives.text import search_key
from app.ledger.models import LedgerEntry, Level
from app.ledger.services import delete_entries, record_participation
from app.notifications.services import notify, register_kind
from app.timeutil import from_local, to_local, utcnow
from app.volunteering.hours import propose_shift_hours, withdraw_shift_proposal
from app.volunteering.models import (
    Category,
    ContactSharing,
    EntryStatus,
    HourEntry,
    Mission,
    MissionCoordinator,
    MissionStatus,
    Presence,
    Shift,
    ShiftSeries,
    Signup,
    SignupStatus,
    VolunteerProfile,
)

register_kind("volunteering.shift", _l("Mes créneaux de bénévolat : place libérée, changement, annulation"))
register_kind("volunteering.reminder", _l("Rappel de mes créneaux de bénévolat (la veille)"))
register_kind("volunteering.coordination", _l("Les missions de bénévolat que je coordonne"))

#: A weekly series holds at most this many shifts (a little more than a year).
MAX_OCCURRENCES = 60
MAX_CAPACITY = 500
#: Ledger kind of an attended shift.
ATTEND_KIND = "shift.attend"

#: Days and parts of the day of the availability grid: "mon_am" … "sun_ev".
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("am", "pm", "ev")
SLOTS = tuple(f"{day}_{part}" for day in DAYS for part in PARTS)
#: Local hour at which each part of the day starts (matin, après-midi, soir).
PART_STARTS = {"am": 0, "pm": 12, "ev": 18}


class VolunteeringError(Exception):
    """A rule refused the action; the message is shown to the person."""


# --- time -------------------------------------------------------------------------------------------


def to_utc(day: date, at: time) -> datetime:
    """A local date and time as the naive UTC datetime the database stores."""
    return from_local(datetime.combine(day, at))


def describe_when(shift: Shift) -> str:
    """ "mercredi 14 janvier 2026, 14:00–16:00" in the current locale and the centre's time zone."""
    return _(
        "%(day)s, %(start)s–%(end)s",
        day=format_date(shift.starts_at, "EEEE d MMMM y"),
        start=format_time(shift.starts_at, "short"),
        end=format_time(shift.ends_at, "short"),
    )


def shift_url(shift: Shift) -> str:
    return f"/benevolat/creneaux/{shift.id}"


# --- people -----------------------------------------------------------------------------------------


def is_staff(user, structure_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(structure_id, Role.STAFF))


def is_coordinator_of(user, mission: Mission) -> bool:
    """Whether the person is one of the mission's coordinators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(c.person_id == user.id for c in mission.coordinators)


def eligible_coordinators(structure_id: int) -> list[User]:
    """Members who may coordinate a mission: bénévoles coordinateurs, staff and direction."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.structure_id == structure_id,
                Membership.role >= Role.COORDINATOR,
                User.anonymised_at.is_(None),
                User.is_blocked.is_(False),
            )
            .order_by(User.display_name, User.id)
        )
    )


def coordinators_of(mission: Mission) -> list[User]:
    return [c.person for c in mission.coordinators]


def split_skills(text: str | None) -> list[str]:
    """ "Cuisine, bricolage ; accueil" -> ["Cuisine", "bricolage", "accueil"] (no duplicates)."""
    seen: dict[str, str] = {}
    for raw in (text or "").replace(";", ",").split(","):
        skill = " ".join(raw.split())
        if skill and search_key(skill) not in seen:
            seen[search_key(skill)] = skill
    return list(seen.values())


# --- missions ---------------------------------------------------------------------------------------

_MISSION_TEXT = {"title": 120, "description": 10000, "activity": 120}


def _apply_mission(mission: Mission, fields: dict) -> None:
    for name, size in _MISSION_TEXT.items():
        if name in fields:
            setattr(mission, name, (fields[name] or "").strip()[:size])
    if not mission.title:
        raise VolunteeringError(_("Donnez un titre à la mission."))
    if "category" in fields:
        try:
            mission.category = Category(fields["category"] or Category.ACTIVITY)
        except ValueError as error:
            raise VolunteeringError(_("Cette catégorie n'existe pas.")) from error
    if "skills" in fields:
        mission.skills = ", ".join(split_skills(fields["skills"]))[:300]
    if "is_skill_based" in fields:
        mission.is_skill_based = bool(fields["is_skill_based"])
    if "initiative_id" in fields or "instance_id" in fields:
        _link(mission, fields.get("initiative_id"), fields.get("instance_id"))


def _link(mission: Mission, initiative_id: int | None, instance_id: int | None) -> None:
    """Link the mission to an initiative or an instance of the same structure (or to nothing)."""
    from app.initiatives.models import Initiative
    from app.instances.models import Instance

    if initiative_id and instance_id:
        raise VolunteeringError(_("Reliez la mission à une initiative ou à une instance, pas aux deux."))
    for model, value in ((Initiative, initiative_id), (Instance, instance_id)):
        if value and db.session.scalar(sa.select(model.structure_id).where(model.id == value)) != mission.structure_id:
            raise VolunteeringError(_("Ce lien ne correspond à rien dans ce centre."))
    mission.initiative_id, mission.instance_id = initiative_id or None, instance_id or None


def create_mission(structure: Structure, fields: dict, *, by: User) -> Mission:
    """A new mission of `structure`.

    :param fields: title, description, category (a `Category`), skills ("cuisine, accueil"),
        is_skill_based, activity, initiative_id or instance_id, coordinator_ids (person ids),
        status (default draft; `MissionStatus.PUBLISHED` publishes at once).
        A coordinator who is not staff always coordinates the missions they create.
    """
    status = MissionStatus(fields.get("status") or MissionStatus.DRAFT)
    mission = Mission(structure_id=structure.id, created_by_id=by.id, status=status, title="")
    _apply_mission(mission, {"category": Category.ACTIVITY, **fields})
    db.session.add(mission)
    db.session.flush()
    ids = list(fields.get("coordinator_ids") or [])
    if not is_staff(by, structure.id) and by.id not in ids:
        ids.append(by.id)
    set_coordinators(mission, ids, by=by)
    return mission


def update_mission(mission: Mission, fields: dict, *, by: User) -> Mission:
    """Change the mission's description, category, skills, link and (if given) its coordinators."""
    _apply_mission(mission, fields)
    if "coordinator_ids" in fields:
        ids = list(fields["coordinator_ids"] or [])
        # A coordinator who is not staff cannot lock themselves out of their own mission.
        if not is_staff(by, mission.structure_id) and is_coordinator_of(by, mission) and by.id not in ids:
            ids.append(by.id)
        set_coordinators(mission, ids, by=by)
    db.session.flush()
    return mission


def set_coordinators(mission: Mission, person_ids, *, by: User) -> list[User]:
    """Make exactly these people the mission's coordinators; returns the newly added ones (told so)."""
    wanted = {int(i) for i in person_ids}
    eligible = {u.id: u for u in eligible_coordinators(mission.structure_id)} if wanted else {}
    unknown = wanted - set(eligible)
    if unknown:
        raise VolunteeringError(_("Seuls les bénévoles coordinateurs et l'équipe du centre peuvent coordonner."))
    current = {c.person_id: c for c in mission.coordinators}
    for person_id, row in current.items():
        if person_id not in wanted:
            mission.coordinators.remove(row)
    added = [eligible[i] for i in sorted(wanted - set(current))]
    for person in added:
        mission.coordinators.append(MissionCoordinator(person_id=person.id, person=person))
    db.session.flush()
    others = [p for p in added if p.id != by.id]
    if others:
        notify(
            others,
            "volunteering.coordination",
            lambda: _("Vous coordonnez désormais la mission « %(title)s ».", title=mission.title),
            url=f"/benevolat/missions/{mission.id}",
            structure_id=mission.structure_id,
        )
    return added


def publish_mission(mission: Mission, *, by: User) -> Mission:
    """Show the mission to everyone: its shifts open for sign-up."""
    mission.status = MissionStatus.PUBLISHED
    db.session.flush()
    return mission


def archive_mission(mission: Mission, *, by: User) -> Mission:
    """Take the mission out of the list (refused while upcoming shifts have people signed up)."""
    busy = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Shift.mission_id == mission.id,
            Shift.starts_at > utcnow(),
            Shift.cancelled_at.is_(None),
            Signup.status != SignupStatus.CANCELLED,
        )
    )
    if busy:
        raise VolunteeringError(
            _("Des personnes sont inscrites aux prochains créneaux : annulez ces créneaux avant d'archiver la mission.")
        )
    mission.status = MissionStatus.ARCHIVED
    db.session.flush()
    return mission


# --- shifts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    starts_at: datetime
    ends_at: datetime
    closes_at: datetime | None


def _slot(day: date, start: time, end: time, closes_hours: int) -> _Slot:
    if end <= start:
        raise VolunteeringError(_("L'heure de fin doit être après l'heure de début."))
    starts_at, ends_at = to_utc(day, start), to_utc(day, end)
    closes_at = starts_at - timedelta(hours=closes_hours) if closes_hours else None
    return _Slot(starts_at, ends_at, closes_at)


def _capacity(fields: dict) -> int:
    capacity = fields.get("capacity")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise VolunteeringError(_("Indiquez un nombre de places entre 1 et %(max)s.", max=MAX_CAPACITY))
    return capacity


def _closes_hours(fields: dict) -> int:
    hours = int(fields.get("closes_hours") or 0)
    if not 0 <= hours <= 24 * 30:
        raise VolunteeringError(_("La clôture des inscriptions doit être comprise entre 0 et 30 jours avant."))
    return hours


def add_shift(mission: Mission, fields: dict, *, by: User) -> Shift:
    """One shift of the mission.

    :param fields: day (date), start and end (local `time`s), place, capacity (int),
        closes_hours (sign-ups close this many hours before the start; 0 = at the start).
    """
    slot = _slot(fields["day"], fields["start"], fields["end"], _closes_hours(fields))
    if slot.starts_at <= utcnow():
        raise VolunteeringError(_("Ce créneau commencerait dans le passé : choisissez une date à venir."))
    shift = Shift(
        mission_id=mission.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        signup_closes_at=slot.closes_at,
        place=(fields.get("place") or "").strip()[:200],
        capacity=_capacity(fields),
        confirmed_count=0,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def weekly_dates(first: date, last: date, weekday: int | None = None) -> list[date]:
    """Every `weekday` (0 = Monday; default: the first date's) from `first` to `last` included."""
    weekday = first.weekday() if weekday is None else weekday
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    dates = []
    while day <= last:
        dates.append(day)
        day += timedelta(days=7)
    return dates


def add_weekly_shifts(mission: Mission, fields: dict, *, by: User) -> ShiftSeries:
    """The same slot every week over a period: a `ShiftSeries` and one shift per week.

    :param fields: first_date, last_date, optional weekday (0 = Monday; default: the first
        date's), start, end, place, capacity, closes_hours (as for `add_shift`).
    """
    first, last = fields["first_date"], fields["last_date"]
    if last < first:
        raise VolunteeringError(_("La date de fin de la série doit être après sa date de début."))
    dates = weekly_dates(first, last, fields.get("weekday"))
    if not dates:
        raise VolunteeringError(_("Aucun créneau dans cette période : allongez-la."))
    if len(dates) > MAX_OCCURRENCES:
        raise VolunteeringError(
            _(
                "Une série compte au plus %(max)s créneaux (un peu plus d'un an) ; celle-ci en aurait %(n)s. "
                "Raccourcissez la période.",
                max=MAX_OCCURRENCES,
                n=len(dates),
            )
        )
    capacity, hours = _capacity(fields), _closes_hours(fields)
    slots = [_slot(day, fields["start"], fields["end"], hours) for day in dates]
    if slots[0].starts_at <= utcnow():
        raise VolunteeringError(_("Le premier créneau commencerait dans le passé : choisissez une date à venir."))
    place = (fields.get("place") or "").strip()[:200]
    series = ShiftSeries(
        mission_id=mission.id,
        weekday=dates[0].weekday(),
        start_time=fields["start"],
        end_time=fields["end"],
        first_date=dates[0],
        last_date=dates[-1],
        capacity=capacity,
        place=place,
        signup_closes_hours=hours,
    )
    db.session.add(series)
    db.session.flush()
    for slot in slots:
        db.session.add(
            Shift(
                mission_id=mission.id,
                series_id=series.id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                signup_closes_at=slot.closes_at,
                place=place,
                capacity=capacity,
                confirmed_count=0,
            )
        )
    db.session.flush()
    return series


def closes_hours_of(shift: Shift) -> int:
    """How many hours before the start sign-ups close (0: at the start)."""
    if shift.signup_closes_at is None:
        return 0
    return max(round((shift.starts_at - shift.signup_closes_at).total_seconds() / 3600), 0)


def _series_from(shift: Shift) -> list[Shift]:
    """This shift and the later ones of its series that have not started nor been cancelled."""
    if shift.series_id is None:
        return [shift]
    return list(
        db.session.scalars(
            sa.select(Shift)
            .where(
                Shift.series_id == shift.series_id,
                Shift.starts_at >= shift.starts_at,
                Shift.cancelled_at.is_(None),
            )
            .order_by(Shift.starts_at)
        )
    )


def _people_on(shift_ids: list[int]) -> list[User]:
    """Everyone confirmed or waiting on these shifts (once each)."""
    if not shift_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.id.in_(
                    sa.select(Signup.person_id).where(
                        Signup.shift_id.in_(shift_ids), Signup.status != SignupStatus.CANCELLED
                    )
                )
            )
            .order_by(User.id)
        )
    )


def update_shift(shift: Shift, fields: dict, *, by: User, whole_series: bool = False) -> list[Shift]:
    """Change a shift, or this one and every later one of its series (each keeps its own date).

    :param fields: day, start, end, place, capacity, closes_hours (as for `add_shift`).
    :raise VolunteeringError: a capacity below the people already confirmed on one of the shifts
        (nothing is changed then), a shift already started or cancelled.
    """
    now = utcnow()
    if shift.cancelled_at is not None:
        raise VolunteeringError(_("Ce créneau est annulé : il ne peut plus être modifié."))
    if shift.starts_at <= now:
        raise VolunteeringError(_("Ce créneau a commencé : il ne peut plus être modifié."))
    whole_series = whole_series and shift.series_id is not None
    own_day = to_local(shift.starts_at).date()
    if whole_series and fields["day"] != own_day:
        raise VolunteeringError(
            _("Pour changer la date, modifiez ce créneau seul : la série garde le même jour de la semaine.")
        )
    capacity, hours = _capacity(fields), _closes_hours(fields)
    place = (fields.get("place") or "").strip()[:200]
    targets = _series_from(shift) if whole_series else [shift]
    changed: list[Shift] = []
    for target in targets:
        day = to_local(target.starts_at).date() if whole_series else fields["day"]
        slot = _slot(day, fields["start"], fields["end"], hours)
        if slot.starts_at <= now:
            raise VolunteeringError(_("Ce créneau commencerait dans le passé : choisissez une date à venir."))
        moved = (slot.starts_at, slot.ends_at, place) != (target.starts_at, target.ends_at, target.place)
        grew = capacity > target.capacity
        # Guarded: the capacity never drops below the people already confirmed, even if one more
        # signs up while the form is being sent.
        result = db.session.execute(
            sa.update(Shift)
            .where(Shift.id == target.id, Shift.confirmed_count <= capacity)
            .values(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                signup_closes_at=slot.closes_at,
                place=place,
                capacity=capacity,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(target)
        if result.rowcount != 1:
            raise VolunteeringError(
                _(
                    "Le créneau du %(date)s compte déjà %(n)s personnes inscrites : "
                    "la capacité ne peut pas descendre en dessous.",
                    date=format_date(target.starts_at, "d MMMM"),
                    n=target.confirmed_count,
                )
            )
        if grew:
            fill_from_waitlist(target)
        if moved:
            changed.append(target)
    if whole_series:
        series = db.session.get(ShiftSeries, shift.series_id)
        series.start_time, series.end_time = fields["start"], fields["end"]
        series.capacity, series.place, series.signup_closes_hours = capacity, place, hours
    db.session.flush()
    _tell_change(shift, changed, whole_series)
    return targets


def _tell_change(shift: Shift, changed: list[Shift], whole_series: bool) -> None:
    if not changed:
        return
    mission = shift.mission
    people = _people_on([s.id for s in changed])
    first = changed[0]
    if whole_series and len(changed) > 1:

        def message():
            return _(
                "Les créneaux « %(title)s » changent à partir du %(date)s : désormais %(start)s–%(end)s%(place)s.",
                title=mission.title,
                date=format_date(first.starts_at, "EEEE d MMMM"),
                start=format_time(first.starts_at, "short"),
                end=format_time(first.ends_at, "short"),
                place=f", {first.place}" if first.place else "",
            )
    else:

        def message():
            return _(
                "Le créneau « %(title)s » change : désormais le %(when)s%(place)s.",
                title=mission.title,
                when=describe_when(first),
                place=f", {first.place}" if first.place else "",
            )

    notify(people, "volunteering.shift", message, url=shift_url(first), structure_id=mission.structure_id)


def cancel_shift(shift: Shift, *, by: User, reason: str = "", whole_series: bool = False) -> list[Shift]:
    """Cancel a shift (or it and the later ones of its series); the people signed up are told."""
    if shift.cancelled_at is not None:
        raise VolunteeringError(_("Ce créneau est déjà annulé."))
    now = utcnow()
    if shift.starts_at <= now:
        raise VolunteeringError(_("Ce créneau a commencé : il ne peut plus être annulé."))
    targets = [t for t in (_series_from(shift) if whole_series else [shift]) if t.starts_at > now]
    for target in targets:
        target.cancelled_at = now
    db.session.flush()
    mission = shift.mission
    people = _people_on([t.id for t in targets])
    reason = (reason or "").strip()[:300]
    if len(targets) > 1:

        def message():
            text = _(
                "Les créneaux « %(title)s » sont annulés à partir du %(date)s.",
                title=mission.title,
                date=format_date(shift.starts_at, "EEEE d MMMM"),
            )
            return f"{text} {reason}" if reason else text
    else:

        def message():
            text = _("Le créneau « %(title)s » du %(when)s est annulé.", title=mission.title, when=describe_when(shift))
            return f"{text} {reason}" if reason else text

    notify(people, "volunteering.shift", message, url=shift_url(shift), structure_id=mission.structure_id)
    return targets


# --- sign-ups ---------------------------------------------------------------------------------------


def signups_open(shift: Shift, now: datetime | None = None) -> bool:
    """Sign-ups are open: not cancelled, not started, before the sign-up deadline."""
    now = now or utcnow()
    closes = shift.signup_closes_at or shift.starts_at
    return shift.cancelled_at is None and now < min(closes, shift.starts_at)


def cancel_deadline_passed(shift: Shift, now: datetime | None = None) -> bool:
    """After the sign-up deadline a confirmed person no longer cancels alone."""
    now = now or utcnow()
    return now >= (shift.signup_closes_at or shift.starts_at)


def _lock(shift: Shift) -> None:
    """Take the shift's row lock (PostgreSQL) and reload it: its sign-ups now change one at a time.
    On SQLite the write transaction already holds the database lock (BEGIN IMMEDIATE)."""
    db.session.flush()
    db.session.execute(sa.select(Shift.id).where(Shift.id == shift.id).with_for_update())
    db.session.refresh(shift)


def _take_place(shift_id: int) -> bool:
    """One more confirmed person, if a place is free and the shift is not cancelled."""
    result = db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.confirmed_count < Shift.capacity, Shift.cancelled_at.is_(None))
        .values(confirmed_count=Shift.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _give_back_place(shift_id: int) -> None:
    db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.confirmed_count > 0)
        .values(confirmed_count=Shift.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def _queue_time(shift_id: int) -> datetime:
    """Now, but strictly after everyone already queued on the shift (the waitlist is ordered by it)."""
    now = utcnow()
    last = db.session.scalar(sa.select(sa.func.max(Signup.queued_at)).where(Signup.shift_id == shift_id))
    return max(now, last + timedelta(microseconds=1)) if last is not None else now


def _current_signup(shift_id: int, person_id: int) -> Signup | None:
    return db.session.scalar(sa.select(Signup).where(Signup.shift_id == shift_id, Signup.person_id == person_id))


def sign_up(shift: Shift, person: User, *, by: User) -> Signup:
    """Sign `person` up: confirmed if a place is free, else on the waitlist (first come, first served).

    Signing up twice returns the existing sign-up; after a cancellation the same row is queued
    again at the back. `by` is the staff member doing it at the accueil, if not the person.
    """
    if shift.mission.status != MissionStatus.PUBLISHED:
        raise VolunteeringError(_("Cette mission n'est pas ouverte aux inscriptions."))
    _lock(shift)
    existing = _current_signup(shift.id, person.id)
    if existing is not None and existing.status != SignupStatus.CANCELLED:
        return existing  # a second tap: nothing changes
    if shift.cancelled_at is not None:
        raise VolunteeringError(_("Ce créneau est annulé."))
    if not signups_open(shift):
        raise VolunteeringError(_("Les inscriptions à ce créneau sont closes."))
    queued_at = _queue_time(shift.id)
    status = SignupStatus.CONFIRMED if _take_place(shift.id) else SignupStatus.WAITLIST
    recorded_by_id = by.id if by.id != person.id else None
    if existing is None:
        signup = Signup(
            shift_id=shift.id, person_id=person.id, status=status, queued_at=queued_at, recorded_by_id=recorded_by_id
        )
        try:
            with db.session.begin_nested():
                db.session.add(signup)
        except IntegrityError:
            # The same person twice at the same instant: the other request's row stands.
            if status == SignupStatus.CONFIRMED:
                _give_back_place(shift.id)
            found = _current_signup(shift.id, person.id)
            if found is None:
                raise
            return found
    else:
        signup = existing
        signup.status, signup.queued_at, signup.recorded_by_id = status, queued_at, recorded_by_id
        signup.cancelled_at = signup.promoted_at = signup.presence = signup.reminded_at = None
    db.session.flush()
    db.session.refresh(shift)
    return signup


def cancel_signup(signup: Signup, *, by: User, as_manager: bool = False) -> Signup | None:
    """Cancel a sign-up. A confirmed place goes, in the same transaction, to the first person on
    the waitlist, who is told. Returns that promoted sign-up, if any.

    The person alone may cancel a confirmed place until the sign-up deadline (a waitlist place
    until the start); `as_manager` (coordinator or staff) lifts the deadline.
    """
    shift = signup.shift
    _lock(shift)
    db.session.refresh(signup)
    if signup.status == SignupStatus.CANCELLED:
        return None
    now = utcnow()
    if now >= shift.starts_at:
        raise VolunteeringError(_("Ce créneau a commencé : la désinscription n'est plus possible."))
    if signup.status == SignupStatus.CONFIRMED and not as_manager and cancel_deadline_passed(shift, now):
        names = ", ".join(p.display_name for p in coordinators_of(shift.mission))
        if names:
            raise VolunteeringError(
                _("Les inscriptions sont closes : pour vous désinscrire, prévenez %(names)s.", names=names)
            )
        raise VolunteeringError(
            _("Les inscriptions sont closes : pour vous désinscrire, prévenez l'accueil du centre.")
        )
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    db.session.flush()
    promoted = None
    if was_confirmed:
        _give_back_place(shift.id)
        promoted = promote_first(shift)
    if as_manager and by.id != signup.person_id:
        mission = shift.mission
        notify(
            [signup.person],
            "volunteering.shift",
            lambda: _(
                "Vous n'êtes plus inscrit·e au créneau « %(title)s » du %(when)s (désinscription par %(name)s).",
                title=mission.title,
                when=describe_when(shift),
                name=by.display_name,
            ),
            url=shift_url(shift),
            structure_id=mission.structure_id,
        )
    db.session.refresh(shift)
    return promoted


def promote_first(shift: Shift) -> Signup | None:
    """Give a free place to the first person on the waitlist (call with the shift locked)."""
    first = db.session.scalar(
        sa.select(Signup)
        .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITLIST)
        .order_by(Signup.queued_at, Signup.id)
        .limit(1)
    )
    if first is None or not _take_place(shift.id):
        return None
    first.status, first.promoted_at = SignupStatus.CONFIRMED, utcnow()
    db.session.flush()
    mission = shift.mission
    notify(
        [first.person],
        "volunteering.shift",
        lambda: _(
            "Une place s'est libérée : vous êtes inscrit·e au créneau « %(title)s » du %(when)s.",
            title=mission.title,
            when=describe_when(shift),
        ),
        url=shift_url(shift),
        structure_id=mission.structure_id,
    )
    return first


def fill_from_waitlist(shift: Shift) -> list[Signup]:
    """After the capacity grew: promote waiting people while places are free."""
    _lock(shift)
    promoted = []
    while (signup := promote_first(shift)) is not None:
        promoted.append(signup)
    db.session.refresh(shift)
    return promoted


def waitlist_position(signup: Signup) -> int | None:
    """1 for the first person waiting, None when not on the waitlist."""
    if signup.status != SignupStatus.WAITLIST:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .where(
            Signup.shift_id == signup.shift_id,
            Signup.status == SignupStatus.WAITLIST,
            sa.or_(
                Signup.queued_at < signup.queued_at,
                sa.and_(Signup.queued_at == signup.queued_at, Signup.id < signup.id),
            ),
        )
    )
    return (ahead or 0) + 1


# --- attendance -------------------------------------------------------------------------------------


def attendance_open(shift: Shift, now: datetime | None = None) -> bool:
    """Presence is marked once the shift has started (and never for a cancelled one)."""
    return shift.cancelled_at is None and (now or utcnow()) >= shift.starts_at


def mark_presence(signup: Signup, presence: Presence, *, by: User) -> bool:
    """Mark a confirmed person as attended or no-show; returns whether anything changed.

    Attended: a ledger row (L3, at the shift's start) and an hour proposal, in this transaction.
    Back to no-show: both go again, so nothing is counted twice.
    """
    presence = Presence(presence)
    shift = signup.shift
    if not attendance_open(shift):
        raise VolunteeringError(_("Les présences se notent une fois le créneau commencé."))
    db.session.flush()
    db.session.execute(sa.select(Signup.id).where(Signup.id == signup.id).with_for_update())
    db.session.refresh(signup)
    if signup.status != SignupStatus.CONFIRMED:
        raise VolunteeringError(_("Cette personne n'est pas inscrite à ce créneau."))
    previous = signup.presence
    if previous == presence:
        return False
    if previous == Presence.ATTENDED:
        validated = db.session.scalar(
            sa.select(HourEntry.id).where(HourEntry.signup_id == signup.id, HourEntry.status == EntryStatus.VALIDATED)
        )
        if validated is not None:
            raise VolunteeringError(
                _("Les heures de cette personne sont déjà validées : demandez à l'équipe de les corriger.")
            )
    signup.presence = presence
    db.session.flush()
    mission = shift.mission
    if presence == Presence.ATTENDED:
        record_participation(
            signup.person,
            structure_id=mission.structure_id,
            kind=ATTEND_KIND,
            level=Level.L3_CONTRIBUTION,
            obj=shift,
            occurred_at=shift.starts_at,
            recorded_by=by,
        )
        propose_shift_hours(signup)
    elif previous == Presence.ATTENDED:
        delete_entries(
            LedgerEntry.person_id == signup.person_id,
            LedgerEntry.kind == ATTEND_KIND,
            LedgerEntry.object_type == "shift",
            LedgerEntry.object_id == shift.id,
        )
        withdraw_shift_proposal(signup)
    db.session.flush()
    return True


def finish_attendance(shift: Shift, *, by: User) -> Shift:
    """The coordinator has marked who came: the shift's attendance is done."""
    if not attendance_open(shift):
        raise VolunteeringError(_("Les présences se notent une fois le créneau commencé."))
    if shift.attendance_done_at is None:
        shift.attendance_done_at = utcnow()
    db.session.flush()
    return shift


# --- volunteer profiles -----------------------------------------------------------------------------


def profile_of(person_id: int, structure_id: int) -> VolunteerProfile | None:
    """The person's skills and availability for this centre, if they gave any."""
    return db.session.scalar(
        sa.select(VolunteerProfile).where(
            VolunteerProfile.person_id == person_id, VolunteerProfile.structure_id == structure_id
        )
    )


def save_profile(person: User, structure: Structure, fields: dict) -> VolunteerProfile:
    """Save what the person can do and when they are free, and what coordinators may see.

    :param fields: skills, availability (slot codes from `SLOTS`), note, share_with_coordinators,
        contact_sharing (a `ContactSharing`).
    """
    profile = profile_of(person.id, structure.id)
    if profile is None:
        profile = VolunteerProfile(person_id=person.id, structure_id=structure.id)
        try:
            with db.session.begin_nested():
                db.session.add(profile)
        except IntegrityError:
            profile = profile_of(person.id, structure.id)
    if "skills" in fields:
        profile.skills = ", ".join(split_skills(fields["skills"]))[:300]
    if "availability" in fields:
        chosen = set(fields["availability"] or [])
        profile.availability = [slot for slot in SLOTS if slot in chosen]
    if "note" in fields:
        profile.note = (fields["note"] or "").strip()[:300]
    if "share_with_coordinators" in fields:
        profile.share_with_coordinators = bool(fields["share_with_coordinators"])
    if "contact_sharing" in fields:
        profile.contact_sharing = ContactSharing(fields["contact_sharing"] or ContactSharing.NONE)
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def shift_slots(shift: Shift) -> set[str]:
    """The parts of the day the shift covers, in local time ({"wed_pm"}, {"sat_am", "sat_pm"}…)."""
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    day = DAYS[start.weekday()]
    first = start.hour * 60 + start.minute
    last = (end.hour * 60 + end.minute) if end.date() == start.date() else 24 * 60
    bounds = [PART_STARTS[p] * 60 for p in PARTS] + [24 * 60]
    return {f"{day}_{part}" for i, part in enumerate(PARTS) if first < bounds[i + 1] and last > bounds[i]}


def matching_skills(mission_skills: str, person_skills: str) -> list[str]:
    """The person's skills the mission asks for (accents and case ignored)."""
    wanted = {search_key(s) for s in split_skills(mission_skills)}
    return [s for s in split_skills(person_skills) if search_key(s) in wanted]


def contact_details(person: User, profile: VolunteerProfile | None) -> dict[str, str]:
    """The contact details the person agreed to show coordinators: {"phone": …, "email": …}."""
    sharing = profile.contact_sharing if profile is not None else ContactSharing.NONE
    shown = {}
    if sharing in (ContactSharing.PHONE, ContactSharing.BOTH) and person.phone:
        shown["phone"] = person.phone
    if sharing in (ContactSharing.EMAIL, ContactSharing.BOTH) and person.email:
        shown["email"] = person.email
    return shown


def shift_label(shift: Shift) -> str:
    """ "Aide aux devoirs — mercredi 14 janvier 2026, 14:00–16:00"."""
    return f"{shift.mission.title} — {describe_when(shift)}"


def format_moment(moment: datetime) -> str:
    return format_datetime(moment, "short")
