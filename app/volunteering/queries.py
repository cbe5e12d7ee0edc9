"""Read side of volunteering: the missions list, a mission's shifts, my shifts, the roster and
who could come. Each page runs a fixed number of queries, whatever the number of missions."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.timeutil import utcnow
from app.volunteering.models import (
    Category,
    Mission,
    MissionCoordinator,
    MissionStatus,
    Shift,
    Signup,
    SignupStatus,
    VolunteerProfile,
)
from app.volunteering.services import contact_details, matching_skills, shift_slots, waitlist_position

PER_PAGE = 20
#: Shifts shown under each mission of the list.
SHIFTS_PER_MISSION = 3


@dataclass
class MySignup:
    """A person's sign-up on a shift, with their place on the waitlist (1 = next in line)."""

    signup: Signup
    position: int | None = None

    @property
    def status(self):
        return self.signup.status


def _next_start(now: datetime):
    return (
        sa.select(sa.func.min(Shift.starts_at))
        .where(Shift.mission_id == Mission.id, Shift.starts_at > now, Shift.cancelled_at.is_(None))
        .correlate(Mission)
        .scalar_subquery()
    )


def mission_page(
    structure_id: int, *, category: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Pagination:
    """Published missions of a structure, the ones with the soonest shift first; one query + count."""
    now = utcnow()
    next_start = _next_start(now)
    query = sa.select(Mission).where(Mission.structure_id == structure_id, Mission.status == MissionStatus.PUBLISHED)
    if category and category in {c.value for c in Category}:
        query = query.where(Mission.category == Category(category))
    query = query.order_by(sa.case((next_start.is_(None), 1), else_=0), next_start, Mission.title, Mission.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def next_shifts(mission_ids: list[int], per_mission: int = SHIFTS_PER_MISSION) -> dict[int, list[Shift]]:
    """The next few open shifts of each mission, in one query (a window function per mission)."""
    if not mission_ids:
        return {}
    ranked = (
        sa.select(
            Shift.id,
            sa.func.row_number().over(partition_by=Shift.mission_id, order_by=(Shift.starts_at, Shift.id)).label("n"),
        )
        .where(Shift.mission_id.in_(mission_ids), Shift.starts_at > utcnow(), Shift.cancelled_at.is_(None))
        .subquery()
    )
    shifts = db.session.scalars(
        sa.select(Shift)
        .join(ranked, ranked.c.id == Shift.id)
        .where(ranked.c.n <= per_mission)
        .order_by(Shift.starts_at)
    )
    found: dict[int, list[Shift]] = {mission_id: [] for mission_id in mission_ids}
    for shift in shifts:
        found[shift.mission_id].append(shift)
    return found


def upcoming_shifts(mission_id: int, *, limit: int = 40, include_cancelled: bool = False) -> list[Shift]:
    """The mission's shifts still to come (cancelled ones too for its coordinators)."""
    query = sa.select(Shift).where(Shift.mission_id == mission_id, Shift.ends_at > utcnow())
    if not include_cancelled:
        query = query.where(Shift.cancelled_at.is_(None))
    return list(db.session.scalars(query.order_by(Shift.starts_at, Shift.id).limit(limit)))


def past_shifts(mission_id: int, *, limit: int = 12) -> list[Shift]:
    """The mission's last shifts (for its coordinators: rosters and attendance), latest first."""
    return list(
        db.session.scalars(
            sa.select(Shift)
            .where(Shift.mission_id == mission_id, Shift.ends_at <= utcnow())
            .order_by(Shift.starts_at.desc(), Shift.id.desc())
            .limit(limit)
        )
    )


def _position_column():
    """The waitlist position of the `Signup` row being selected (None unless waiting)."""
    ahead = aliased(Signup)
    count = (
        sa.select(sa.func.count())
        .select_from(ahead)
        .where(
            ahead.shift_id == Signup.shift_id,
            ahead.status == SignupStatus.WAITLIST,
            sa.or_(
                ahead.queued_at < Signup.queued_at,
                sa.and_(ahead.queued_at == Signup.queued_at, ahead.id <= Signup.id),
            ),
        )
        .correlate(Signup)
        .scalar_subquery()
    )
    return sa.case((Signup.status == SignupStatus.WAITLIST, count), else_=None)


def my_signups(person, shift_ids: list[int]) -> dict[int, MySignup]:
    """The person's live sign-ups (not cancelled) on these shifts, by shift id; one query."""
    if not getattr(person, "is_authenticated", False) or not shift_ids:
        return {}
    rows = db.session.execute(
        sa.select(Signup, _position_column()).where(
            Signup.person_id == person.id,
            Signup.shift_id.in_(shift_ids),
            Signup.status != SignupStatus.CANCELLED,
        )
    )
    return {signup.shift_id: MySignup(signup, position) for signup, position in rows}


def waitlist_counts(shift_ids: list[int]) -> dict[int, int]:
    """How many people wait on each shift."""
    if not shift_ids:
        return {}
    rows = db.session.execute(
        sa.select(Signup.shift_id, sa.func.count())
        .where(Signup.shift_id.in_(shift_ids), Signup.status == SignupStatus.WAITLIST)
        .group_by(Signup.shift_id)
    )
    return dict(rows.all())


@dataclass
class MyShifts:
    upcoming: list[MySignup] = field(default_factory=list)
    past: list[MySignup] = field(default_factory=list)


def my_shifts(person_id: int, structure_id: int, *, past_limit: int = 20) -> MyShifts:
    """The person's shifts in the structure: upcoming ones (confirmed or waiting, with the waitlist
    position; cancelled shifts shown as such) and the last past ones where they were confirmed."""
    now = utcnow()
    base = (
        sa.select(Signup, _position_column())
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Mission, Mission.id == Shift.mission_id)
        .options(joinedload(Signup.shift).joinedload(Shift.mission))
        .where(
            Signup.person_id == person_id,
            Mission.structure_id == structure_id,
            Signup.status != SignupStatus.CANCELLED,
        )
    )
    upcoming = db.session.execute(base.where(Shift.ends_at > now).order_by(Shift.starts_at).limit(100))
    past = db.session.execute(
        base.where(Shift.ends_at <= now, Signup.status == SignupStatus.CONFIRMED)
        .order_by(Shift.starts_at.desc())
        .limit(past_limit)
    )
    return MyShifts(
        upcoming=[MySignup(s, p) for s, p in upcoming],
        past=[MySignup(s, p) for s, p in past],
    )


def next_signup(person_id: int, structure_id: int) -> MySignup | None:
    """The person's next shift in the structure (confirmed or waiting), for the home page."""
    row = db.session.execute(
        sa.select(Signup, _position_column())
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Mission, Mission.id == Shift.mission_id)
        .options(joinedload(Signup.shift).joinedload(Shift.mission))
        .where(
            Signup.person_id == person_id,
            Mission.structure_id == structure_id,
            Signup.status != SignupStatus.CANCELLED,
            Shift.cancelled_at.is_(None),
            Shift.starts_at > utcnow(),
        )
        .order_by(Shift.starts_at)
        .limit(1)
    ).first()
    return MySignup(*row) if row else None


@dataclass
class NeedingPeople:
    mission: Mission
    next_start: datetime
    free_places: int


def missions_needing_people(structure_id: int, *, limit: int = 3) -> list[NeedingPeople]:
    """Published missions whose open shifts still have free places, soonest first; one query."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(Mission, sa.func.min(Shift.starts_at), sa.func.sum(Shift.capacity - Shift.confirmed_count))
        .join(Shift, Shift.mission_id == Mission.id)
        .where(
            Mission.structure_id == structure_id,
            Mission.status == MissionStatus.PUBLISHED,
            Shift.cancelled_at.is_(None),
            Shift.starts_at > now,
            sa.or_(Shift.signup_closes_at.is_(None), Shift.signup_closes_at > now),
            Shift.confirmed_count < Shift.capacity,
        )
        .group_by(Mission.id)
        .order_by(sa.func.min(Shift.starts_at), Mission.id)
        .limit(limit)
    )
    return [NeedingPeople(mission, start, int(free or 0)) for mission, start, free in rows]


def manageable_missions(user, structure_id: int) -> list[Mission]:
    """Missions the person runs (staff: all of the structure's), drafts and archived ones included."""
    query = sa.select(Mission).where(Mission.structure_id == structure_id)
    if not user.has_role(structure_id, Role.STAFF):
        query = query.where(
            Mission.id.in_(sa.select(MissionCoordinator.mission_id).where(MissionCoordinator.person_id == user.id))
        )
    order = sa.case((Mission.status == MissionStatus.PUBLISHED, 0), (Mission.status == MissionStatus.DRAFT, 1), else_=2)
    return list(db.session.scalars(query.order_by(order, Mission.title, Mission.id).limit(200)))


def load_mission(mission_id: int, structure_id: int) -> Mission | None:
    """A mission of the structure with its coordinators (and their accounts) loaded."""
    return db.session.scalar(
        sa.select(Mission)
        .options(selectinload(Mission.coordinators).joinedload(MissionCoordinator.person))
        .where(Mission.id == mission_id, Mission.structure_id == structure_id)
    )


def load_shift(shift_id: int, structure_id: int) -> Shift | None:
    """A shift of the structure with its mission and the mission's coordinators loaded."""
    return db.session.scalar(
        sa.select(Shift)
        .join(Mission, Mission.id == Shift.mission_id)
        .options(
            joinedload(Shift.mission).selectinload(Mission.coordinators).joinedload(MissionCoordinator.person),
        )
        .where(Shift.id == shift_id, Mission.structure_id == structure_id)
    )


def load_signup(signup_id: int, structure_id: int) -> Signup | None:
    """A sign-up on a shift of the structure, with its person, shift and mission."""
    return db.session.scalar(
        sa.select(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Mission, Mission.id == Shift.mission_id)
        .options(
            joinedload(Signup.person),
            joinedload(Signup.shift)
            .joinedload(Shift.mission)
            .selectinload(Mission.coordinators)
            .joinedload(MissionCoordinator.person),
        )
        .where(Signup.id == signup_id, Mission.structure_id == structure_id)
    )


@dataclass
class RosterLine:
    """One person on the roster: their sign-up, waitlist position and the contact details they share."""

    signup: Signup
    position: int | None
    contact: dict[str, str]


@dataclass
class Roster:
    confirmed: list[RosterLine]
    waitlist: list[RosterLine]


def roster_line(signup: Signup, structure_id: int) -> RosterLine:
    """One line of the roster (after a change to it)."""
    profile = db.session.scalar(
        sa.select(VolunteerProfile).where(
            VolunteerProfile.person_id == signup.person_id, VolunteerProfile.structure_id == structure_id
        )
    )
    return RosterLine(signup, waitlist_position(signup), contact_details(signup.person, profile))


def roster(shift: Shift) -> Roster:
    """Who is coming (arrival order) and who waits (queue order), with shared contact details."""
    signups = list(
        db.session.scalars(
            sa.select(Signup)
            .options(joinedload(Signup.person))
            .where(Signup.shift_id == shift.id, Signup.status != SignupStatus.CANCELLED)
            .order_by(Signup.queued_at, Signup.id)
        )
    )
    structure_id = shift.mission.structure_id
    person_ids = [s.person_id for s in signups]
    profiles = (
        {
            p.person_id: p
            for p in db.session.scalars(
                sa.select(VolunteerProfile).where(
                    VolunteerProfile.structure_id == structure_id, VolunteerProfile.person_id.in_(person_ids)
                )
            )
        }
        if person_ids
        else {}
    )
    confirmed, waitlist = [], []
    for signup in signups:
        contact = contact_details(signup.person, profiles.get(signup.person_id))
        if signup.status == SignupStatus.CONFIRMED:
            confirmed.append(RosterLine(signup, None, contact))
        else:
            waitlist.append(RosterLine(signup, len(waitlist) + 1, contact))
    return Roster(confirmed, waitlist)


@dataclass
class Candidate:
    """Someone who shared a profile and could come: free at that time, with the skills that match."""

    person: User
    profile: VolunteerProfile
    skills: list[str]
    contact: dict[str, str]


def candidates(shift: Shift, *, limit: int = 50) -> list[Candidate]:
    """People of the structure who agreed to share their profile with coordinators, free during
    the shift's slot(s) and, when the mission asks for skills, with at least one of them. People
    already signed up are left out. Two queries."""
    mission = shift.mission
    wanted = shift_slots(shift)
    taken = sa.select(Signup.person_id).where(Signup.shift_id == shift.id, Signup.status != SignupStatus.CANCELLED)
    profiles = db.session.scalars(
        sa.select(VolunteerProfile)
        .join(User, User.id == VolunteerProfile.person_id)
        .options(joinedload(VolunteerProfile.person))
        .where(
            VolunteerProfile.structure_id == mission.structure_id,
            VolunteerProfile.share_with_coordinators.is_(True),
            VolunteerProfile.person_id.not_in(taken),
            User.anonymised_at.is_(None),
            User.is_blocked.is_(False),
        )
        .order_by(User.display_name, User.id)
    )
    found = []
    for profile in profiles:
        if not wanted <= set(profile.availability or []):
            continue
        skills = matching_skills(mission.skills, profile.skills)
        if mission.skills and not skills:
            continue
        found.append(Candidate(profile.person, profile, skills, contact_details(profile.person, profile)))
    found.sort(key=lambda c: -len(c.skills))
    return found[:limit]
