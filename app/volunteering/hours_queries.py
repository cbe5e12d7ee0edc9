"""Read side of the hours pages: the validation queue, a bénévole's year, the attestation.

Each function runs a fixed number of queries, whatever the number of entries.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.instances.models import Instance
from app.pagination import Page, page_count
from app.volunteering.models import (
    Category,
    EntryStatus,
    HourEntry,
    HourRevision,
    Mission,
    MissionStatus,
    Presence,
    Shift,
    Signup,
    ValuationMethod,
)
from app.volunteering.reports import CEC_CATEGORIES, ZERO

QUEUE_PER_PAGE = 50


@dataclass
class EntryRow:
    """An entry with the names of what it comes from (mission, instance)."""

    entry: HourEntry
    mission_title: str | None
    instance_name: str | None

    @property
    def origin(self) -> str | None:
        return self.mission_title or self.instance_name


def _with_origin(query: sa.Select) -> sa.Select:
    return query.outerjoin(Mission, Mission.id == HourEntry.mission_id).outerjoin(
        Instance, Instance.id == HourEntry.instance_id
    )


def queue(user, structure_id: int, *, staff: bool, missions: set[int], page: int = 1) -> Page:
    """Proposed entries `user` may validate, oldest first: every entry of the structure for staff,
    the entries of their missions for coordinators; never their own."""
    where = [
        HourEntry.structure_id == structure_id,
        HourEntry.status == EntryStatus.PROPOSED,
        HourEntry.person_id != user.id,
    ]
    if not staff:
        where.append(HourEntry.mission_id.in_(missions or {0}))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(HourEntry).where(*where)) or 0
    page = max(1, min(page, page_count(total, QUEUE_PER_PAGE)))
    query = (
        _with_origin(sa.select(HourEntry, Mission.title, Instance.name))
        .options(joinedload(HourEntry.person))
        .where(*where)
        .order_by(HourEntry.day, HourEntry.id)
        .limit(QUEUE_PER_PAGE)
        .offset((page - 1) * QUEUE_PER_PAGE)
    )
    rows = [EntryRow(entry, title, name) for entry, title, name in db.session.execute(query)]
    return Page(rows, page, QUEUE_PER_PAGE, total)


def entry_detail(entry_id: int, structure_id: int) -> tuple[EntryRow, list[HourRevision], dict[int, str]] | None:
    """One entry of the structure with its origin, its revisions and the names of the people
    involved (declared, validated, corrected by)."""
    row = db.session.execute(
        _with_origin(sa.select(HourEntry, Mission.title, Instance.name))
        .options(joinedload(HourEntry.person))
        .where(HourEntry.id == entry_id, HourEntry.structure_id == structure_id)
    ).first()
    if row is None:
        return None
    entry = row[0]
    revisions = list(
        db.session.scalars(sa.select(HourRevision).where(HourRevision.entry_id == entry.id).order_by(HourRevision.id))
    )
    ids = {entry.declared_by_id, entry.validated_by_id, *(r.changed_by_id for r in revisions)} - {None}
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).tuples().all())
    return EntryRow(entry, row[1], row[2]), revisions, names


def missions_for_declaring(structure_id: int) -> list[tuple[int, str]]:
    """Published missions of the structure (id, title) a declaration may refer to."""
    return list(
        db.session.execute(
            sa.select(Mission.id, Mission.title)
            .where(Mission.structure_id == structure_id, Mission.status == MissionStatus.PUBLISHED)
            .order_by(Mission.title)
        )
    )


def find_person(user_id: int, structure_id: int) -> User | None:
    """A person known to the structure (member, or with hours there)."""
    from app.centres.models import Membership

    member = sa.select(Membership.id).where(Membership.user_id == User.id, Membership.structure_id == structure_id)
    hours = sa.select(HourEntry.id).where(HourEntry.person_id == User.id, HourEntry.structure_id == structure_id)
    return db.session.scalar(sa.select(User).where(User.id == user_id, sa.or_(member.exists(), hours.exists())))


@dataclass
class YearSummary:
    """A bénévole's validated hours in one year, by category, and their value."""

    year: int
    hours: dict[Category, Decimal] = field(default_factory=lambda: dict.fromkeys(Category, ZERO))
    value: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.hours.values(), ZERO)

    @property
    def cec_hours(self) -> Decimal:
        return sum((self.hours[c] for c in CEC_CATEGORIES), ZERO)


def years_of(person_id: int, structure_id: int) -> dict[int, YearSummary]:
    """Validated hours per year and category (newest year first)."""
    year = sa.extract("year", HourEntry.day)
    rows = db.session.execute(
        sa.select(
            year, HourEntry.category, sa.func.sum(HourEntry.hours), sa.func.sum(sa.func.coalesce(HourEntry.value, 0))
        )
        .where(
            HourEntry.person_id == person_id,
            HourEntry.structure_id == structure_id,
            HourEntry.status == EntryStatus.VALIDATED,
        )
        .group_by(year, HourEntry.category)
    )
    years: dict[int, YearSummary] = {}
    for y, category, hours, value in rows:
        summary = years.setdefault(int(y), YearSummary(int(y)))
        summary.hours[Category(category)] = Decimal(hours or 0)
        summary.value += Decimal(value or 0)
    return dict(sorted(years.items(), reverse=True))


def entries_of(person_id: int, structure_id: int, year: int) -> list[EntryRow]:
    """All the person's entries of a year in the structure (every status), newest first."""
    rows = db.session.execute(
        _with_origin(sa.select(HourEntry, Mission.title, Instance.name))
        .where(
            HourEntry.person_id == person_id,
            HourEntry.structure_id == structure_id,
            HourEntry.day >= date(year, 1, 1),
            HourEntry.day <= date(year, 12, 31),
        )
        .order_by(HourEntry.day.desc(), HourEntry.id.desc())
    )
    return [EntryRow(entry, title, name) for entry, title, name in rows]


@dataclass
class ShiftDone:
    starts_at: datetime
    ends_at: datetime
    mission_title: str
    place: str


def shifts_done(person_id: int, structure_id: int, year: int) -> list[ShiftDone]:
    """Shifts the person was marked present at, in the year (newest first)."""
    rows = db.session.execute(
        sa.select(Shift.starts_at, Shift.ends_at, Mission.title, Shift.place)
        .join(Signup, Signup.shift_id == Shift.id)
        .join(Mission, Mission.id == Shift.mission_id)
        .where(
            Signup.person_id == person_id,
            Signup.presence == Presence.ATTENDED,
            Mission.structure_id == structure_id,
            Shift.starts_at >= datetime(year, 1, 1),
            Shift.starts_at < datetime(year + 1, 1, 1),
        )
        .order_by(Shift.starts_at.desc())
    )
    return [ShiftDone(*row) for row in rows]


@dataclass
class RateUsed:
    rate: Decimal
    method: ValuationMethod | None
    coefficient: Decimal
    hours: Decimal
    value: Decimal


def attestation_data(person_id: int, structure_id: int, year: int) -> tuple[list[EntryRow], list[RateUsed]]:
    """Validated entries of the year (oldest first) and the rates they were valued at."""
    rows = db.session.execute(
        _with_origin(sa.select(HourEntry, Mission.title, Instance.name))
        .where(
            HourEntry.person_id == person_id,
            HourEntry.structure_id == structure_id,
            HourEntry.status == EntryStatus.VALIDATED,
            HourEntry.day >= date(year, 1, 1),
            HourEntry.day <= date(year, 12, 31),
        )
        .order_by(HourEntry.day, HourEntry.id)
    )
    entries = [EntryRow(entry, title, name) for entry, title, name in rows]
    rates: dict[tuple, RateUsed] = {}
    for row in entries:
        e = row.entry
        key = (e.rate, e.rate_method, e.rate_coefficient)
        used = rates.setdefault(
            key, RateUsed(e.rate or ZERO, e.rate_method, e.rate_coefficient or Decimal(1), ZERO, ZERO)
        )
        used.hours += e.hours
        used.value += e.value or ZERO
    return entries, sorted(rates.values(), key=lambda r: (r.rate, r.coefficient))


def director_name(structure_id: int) -> str | None:
    """The structure's direction (its first admin), for the signature block."""
    from app.centres.models import Membership

    return db.session.scalar(
        sa.select(User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.structure_id == structure_id, Membership.role == Role.ADMIN, User.is_test.is_(False))
        .order_by(Membership.joined_at)
        .limit(1)
    )
