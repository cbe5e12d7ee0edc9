"""Volunteering metrics B1–B3, B6–B10 and B13 (domain.md §9.1): one SQL aggregation each.

Every metric takes `(structure_ids, start, end)`: the structures (one id or several, for
federations) and a period of days, both ends included. Evaluation (issue 6) reuses them.

Who counts is the app's one definition (app/ledger/queries.counted_entries): validated hours
count through their ledger row (written in the same transaction as the validation), so hours of
a person acting as staff, and of test or blocked accounts, are left out. Validated entries must
therefore be validated with `hours.validate_entry`, never written directly. Seats count for
persons who are neither staff of the structure, nor test or blocked accounts, nor ex officio.
"""

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.centres.models import Membership, Role
from app.extensions import db
from app.instances.models import Instance, InstanceType, Seat, SeatStatus
from app.ledger.models import LedgerEntry
from app.ledger.queries import uncounted_persons
from app.volunteering.hours import DEFAULT_FULL_TIME_HOURS, LEDGER_KIND
from app.volunteering.models import Category, EntryStatus, HourEntry, ValuationPolicy

#: Mandates that make a person a governance volunteer (B1): conseil d'administration and bureau.
#: The general assembly is left out: sitting in it is being a member, not holding a mandate.
GOVERNANCE_MANDATES = (InstanceType.BOARD, InstanceType.EXECUTIVE_COMMITTEE)
#: B3: governance or pilotage bodies (CA, bureau, comité de pilotage du projet social).
STEERING_BODIES = (*GOVERNANCE_MANDATES, InstanceType.STEERING_COMMITTEE)
#: B2: categories of "bénévoles d'activité".
ACTIVITY_CATEGORIES = (Category.ACTIVITY, Category.EVENT, Category.SUPERVISION)
#: Compte d'engagement citoyen (domain.md §6.3): hours per calendar year, and in one association.
CEC_TOTAL_HOURS = Decimal(200)
CEC_SAME_ASSOCIATION_HOURS = Decimal(100)
CEC_CATEGORIES = tuple(c for c in Category if c.counts_for_cec)

ZERO = Decimal(0)
CENT = Decimal("0.01")

#: Definitions shown next to each figure (domain.md §9.1), in French (msgids).
DEFINITIONS = {
    "B1": _l(
        "Personnes ayant au moins une heure de bénévolat validée ou un mandat de gouvernance actif "
        "(conseil d'administration, bureau) pendant la période."
    ),
    "B2": _l("Personnes ayant au moins une heure validée en activité, ponctuel-événement ou encadrement de bénévoles."),
    "B3": _l(
        "Personnes ayant un siège (mandat en cours pendant la période) dans une instance de gouvernance ou de "
        "pilotage (CA, bureau, comité de pilotage du projet social), ou au moins une heure validée en gouvernance."
    ),
    "B6": _l("Somme des heures validées, par catégorie."),
    "B7": _l(
        "Heures de bénévolat (B6) divisées par la référence annuelle temps plein de la politique de "
        "valorisation en vigueur à la fin de la période (1 607 h par défaut)."
    ),
    "B8": _l(
        "Somme, pour chaque saisie validée, des heures multipliées par le taux retenu à sa validation "
        "(par défaut le SMIC horaire brut en vigueur à sa date)."
    ),
    "B9": _l(
        "Personnes comptées en B1 sans aucune heure validée ni mandat de gouvernance avant le début de la période."
    ),
    "B10": _l(
        "Personnes comptées en B1 sur la même période un an plus tôt et encore comptées en B1 sur la période, "
        "divisées par le nombre de bénévoles (B1) de la période un an plus tôt."
    ),
    "B13": _l(
        "Personnes ayant au moins 200 heures validées de gouvernance ou d'encadrement de bénévoles dans l'année "
        "civile, dont au moins 100 heures dans une même association. Les heures faites dans une autre "
        "association sont déclarées par la personne elle-même."
    ),
}


def _ids(structure_ids: int | Iterable[int]) -> list[int]:
    return [structure_ids] if isinstance(structure_ids, int) else list(structure_ids)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


def year_before(day: date) -> date:
    """The same day one year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


# --- building blocks ----------------------------------------------------------------------------


def counted_hours(structure_ids, start: date | None, end: date | None, *columns) -> sa.Select:
    """Validated hour entries that count, with their day in [start, end] (either end may be None).

    `columns` are what to select (default: the HourEntry rows); the accounts are not joined (join
    `User` for their names).
    """
    ids = _ids(structure_ids)
    # A semi-join on the ledger rows of validated hours (not a correlated EXISTS per entry), read
    # through ix_ledger_entry_kind_structure_occurred for the period only: an entry's ledger row is in
    # its structure, at noon on its day (`hours._ledger_time`, kept when the day is corrected).
    acts = sa.select(LedgerEntry.object_id).where(
        LedgerEntry.kind == LEDGER_KIND,
        LedgerEntry.structure_id.in_(ids),
        LedgerEntry.as_staff.is_(False),
    )
    if start is not None:
        acts = acts.where(LedgerEntry.occurred_at >= _start_of(start))
    if end is not None:
        acts = acts.where(LedgerEntry.occurred_at < _start_of(end + timedelta(days=1)))
    query = (
        sa.select(*(columns or (HourEntry,)))
        .select_from(HourEntry)
        .where(
            HourEntry.status == EntryStatus.VALIDATED,
            HourEntry.structure_id.in_(ids),
            HourEntry.person_id.not_in(uncounted_persons()),
            HourEntry.id.in_(acts),
        )
    )
    if start is not None:
        query = query.where(HourEntry.day >= start)
    if end is not None:
        query = query.where(HourEntry.day <= end)
    return query


def seat_holders(structure_ids, start: date | None, end: date | None, types=GOVERNANCE_MANDATES) -> sa.Select:
    """Persons holding a seat in an instance of `types` at some point of [start, end]: the seat
    began by `end` and had not ended before `start`. Ex officio seats, staff of the structure and
    test or blocked accounts are left out."""
    staff = (
        sa.select(Membership.id)
        .where(
            Membership.user_id == Seat.person_id,
            Membership.structure_id == Instance.structure_id,
            Membership.role >= Role.STAFF,
        )
        .exists()
    )
    query = (
        sa.select(Seat.person_id.label("person_id"))
        .join(Instance, Instance.id == Seat.instance_id)
        .join(User, User.id == Seat.person_id)
        .where(
            Instance.structure_id.in_(_ids(structure_ids)),
            Instance.instance_type.in_(list(types)),
            Seat.status.in_([SeatStatus.ACTIVE, SeatStatus.ENDED]),
            Seat.ex_officio.is_(False),
            User.is_test.is_(False),
            User.is_blocked.is_(False),
            ~staff,
        )
    )
    if end is not None:
        query = query.where(
            sa.or_(
                Seat.start_date <= end,
                sa.and_(Seat.start_date.is_(None), Seat.requested_at < _start_of(end + timedelta(days=1))),
            )
        )
    if start is not None:
        query = query.where(
            sa.or_(
                Seat.status == SeatStatus.ACTIVE,
                Seat.ended_at >= _start_of(start),
                sa.and_(Seat.ended_at.is_(None), sa.or_(Seat.end_date.is_(None), Seat.end_date >= start)),
            )
        )
    return query


@functools.lru_cache(maxsize=256)
def _hour_people(structure_ids: tuple[int, ...], start: date | None, end: date | None) -> sa.CTE:
    """(person_id, category, hours) of the counted validated hours of a period, as a named CTE, the
    same object for the same period: a statement that reads it several times (B1, B3 and B6 side by
    side on the dashboard) has it once in its WITH clause, and the database reads the hours once."""
    key = hashlib.blake2b(repr((structure_ids, start, end)).encode(), digest_size=6).hexdigest()
    person, category = HourEntry.person_id.label("person_id"), HourEntry.category.label("category")
    hours = sa.func.sum(HourEntry.hours).label("hours")
    return (
        counted_hours(list(structure_ids), start, end, person, category, hours)
        .group_by(HourEntry.person_id, HourEntry.category)
        .cte(f"hour_people_{key}")
    )


def _hour_persons(structure_ids, start, end, categories=None) -> sa.Select:
    people = _hour_people(tuple(_ids(structure_ids)), start, end)
    query = sa.select(people.c.person_id)
    if categories is not None:
        query = query.where(people.c.category.in_(list(categories)))
    return query


def b1_persons(structure_ids, start: date, end: date):
    """B1 as a set of person ids (a UNION: each person once)."""
    return sa.union(_hour_persons(structure_ids, start, end), seat_holders(structure_ids, start, end))


def b2_persons(structure_ids, start: date, end: date):
    return _hour_persons(structure_ids, start, end, ACTIVITY_CATEGORIES).distinct()


def b3_persons(structure_ids, start: date, end: date):
    return sa.union(
        _hour_persons(structure_ids, start, end, [Category.GOVERNANCE]),
        seat_holders(structure_ids, start, end, STEERING_BODIES),
    )


def b9_persons(structure_ids, start: date, end: date):
    """B1 persons with no validated hours and no governance mandate before `start`."""
    current = b1_persons(structure_ids, start, end).subquery()
    before = start - timedelta(days=1)
    earlier = sa.union(_hour_persons(structure_ids, None, before), seat_holders(structure_ids, None, before))
    return sa.select(current.c.person_id).where(current.c.person_id.not_in(sa.select(earlier.subquery().c.person_id)))


def _retained_persons(structure_ids, start: date, end: date):
    current = b1_persons(structure_ids, start, end).subquery()
    previous = b1_persons(structure_ids, year_before(start), year_before(end)).subquery()
    return sa.select(current.c.person_id).where(current.c.person_id.in_(sa.select(previous.c.person_id)))


def _count(persons) -> sa.ScalarSelect:
    return sa.select(sa.func.count()).select_from(persons.subquery()).scalar_subquery()


# --- the metrics --------------------------------------------------------------------------------


def b1_volunteers(structure_ids, start: date, end: date) -> int:
    """B1 — Bénévoles (total)."""
    return db.session.scalar(sa.select(_count(b1_persons(structure_ids, start, end)))) or 0


def b2_activity_volunteers(structure_ids, start: date, end: date) -> int:
    """B2 — Bénévoles d'activité."""
    return db.session.scalar(sa.select(_count(b2_persons(structure_ids, start, end)))) or 0


def b3_governance_volunteers(structure_ids, start: date, end: date) -> int:
    """B3 — Bénévoles de gouvernance / pilotage."""
    return db.session.scalar(sa.select(_count(b3_persons(structure_ids, start, end)))) or 0


def b9_new_volunteers(structure_ids, start: date, end: date) -> int:
    """B9 — New volunteers."""
    return db.session.scalar(sa.select(_count(b9_persons(structure_ids, start, end)))) or 0


@dataclass
class Retention:
    """B10: persons in B1 a year earlier still in B1 now, out of B1 a year earlier."""

    kept: int
    previous: int

    @property
    def rate(self) -> Decimal | None:
        """A share between 0 and 1 (None when nobody volunteered a year earlier)."""
        if not self.previous:
            return None
        return (Decimal(self.kept) / Decimal(self.previous)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def b10_retention(structure_ids, start: date, end: date) -> Retention:
    """B10 — Volunteer retention: B1(N-1) ∩ B1(N) ÷ B1(N-1), N-1 being the same period a year earlier."""
    kept, previous = db.session.execute(
        sa.select(
            _count(_retained_persons(structure_ids, start, end)),
            _count(b1_persons(structure_ids, year_before(start), year_before(end))),
        )
    ).one()
    return Retention(kept or 0, previous or 0)


@dataclass
class VolunteerCounts:
    b1: int
    b2: int
    b3: int
    b9: int
    retention: Retention


def volunteer_counts(structure_ids, start: date, end: date) -> VolunteerCounts:
    """B1, B2, B3, B9 and B10 in one round trip (the same definitions as the functions above)."""
    previous = (year_before(start), year_before(end))
    row = db.session.execute(
        sa.select(
            _count(b1_persons(structure_ids, start, end)),
            _count(b2_persons(structure_ids, start, end)),
            _count(b3_persons(structure_ids, start, end)),
            _count(b9_persons(structure_ids, start, end)),
            _count(_retained_persons(structure_ids, start, end)),
            _count(b1_persons(structure_ids, *previous)),
        )
    ).one()
    b1, b2, b3, b9, kept, before = (value or 0 for value in row)
    return VolunteerCounts(b1, b2, b3, b9, Retention(kept, before))


@dataclass
class HoursByCategory:
    """B6 (hours) and B8 (valued €) by category, with totals."""

    hours: dict[Category, Decimal] = field(default_factory=lambda: dict.fromkeys(Category, ZERO))
    value: dict[Category, Decimal] = field(default_factory=lambda: dict.fromkeys(Category, ZERO))
    entries: int = 0

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours.values(), ZERO)

    @property
    def total_value(self) -> Decimal:
        return sum(self.value.values(), ZERO)


def _hours_rows(structure_ids, start: date, end: date):
    """Validated hours and values that count, by structure and category (the rows behind B6–B8)."""
    return db.session.execute(
        counted_hours(
            structure_ids,
            start,
            end,
            HourEntry.structure_id,
            HourEntry.category,
            sa.func.sum(HourEntry.hours),
            sa.func.sum(sa.func.coalesce(HourEntry.value, 0)),
            sa.func.count(),
        ).group_by(HourEntry.structure_id, HourEntry.category)
    ).all()


def _by_category(rows) -> HoursByCategory:
    result = HoursByCategory()
    for _structure_id, category, hours, value, count in rows:
        result.hours[Category(category)] += Decimal(hours or 0)
        result.value[Category(category)] += Decimal(value or 0).quantize(CENT)
        result.entries += count
    return result


def _fte(rows, references: dict[int, int]) -> Decimal:
    total = sum((Decimal(hours or 0) / Decimal(references[sid]) for sid, _c, hours, _v, _n in rows), ZERO)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def b6_total(structure_ids, start: date, end: date) -> sa.ScalarSelect:
    """B6's total as a scalar subquery, from the period's CTE of counted hours (shared with B1–B3)."""
    people = _hour_people(tuple(_ids(structure_ids)), start, end)
    return sa.select(sa.func.coalesce(sa.func.sum(people.c.hours), 0)).scalar_subquery()


def b6_hours(structure_ids, start: date, end: date) -> HoursByCategory:
    """B6 — Heures de bénévolat by category (and B8 — the valued total — from the same rows)."""
    return _by_category(_hours_rows(structure_ids, start, end))


def b8_valuation(structure_ids, start: date, end: date) -> Decimal:
    """B8 — Valorisation du bénévolat: Σ of each validated entry's value snapshot (€)."""
    total = db.session.scalar(counted_hours(structure_ids, start, end, sa.func.sum(HourEntry.value)))
    return Decimal(total or 0).quantize(CENT)


def full_time_references(structure_ids, day: date) -> dict[int, int]:
    """Each structure's annual full-time reference in force on `day` (policy, else 1,607 h)."""
    ids = _ids(structure_ids)
    rows = db.session.execute(
        sa.select(ValuationPolicy.structure_id, ValuationPolicy.full_time_hours)
        .where(ValuationPolicy.structure_id.in_(ids), ValuationPolicy.effective_from <= day)
        .order_by(ValuationPolicy.effective_from)
    )
    references = dict.fromkeys(ids, DEFAULT_FULL_TIME_HOURS)
    for structure_id, hours in rows:  # the latest in force wins
        references[structure_id] = hours
    return references


def b7_fte(structure_ids, start: date, end: date) -> Decimal:
    """B7 — ETP bénévoles: B6 ÷ the full-time reference in force at the period's end (per structure,
    then added up), to the hundredth."""
    return _fte(_hours_rows(structure_ids, start, end), full_time_references(structure_ids, end))


@dataclass
class HoursSummary:
    by_category: HoursByCategory
    fte: Decimal
    full_time_references: dict[int, int]


def hours_summary(structure_ids, start: date, end: date) -> HoursSummary:
    """B6, B7 and B8 from one aggregation (the same definitions as the functions above)."""
    rows = _hours_rows(structure_ids, start, end)
    references = full_time_references(structure_ids, end)
    return HoursSummary(_by_category(rows), _fte(rows, references), references)


def hours_by_month(structure_ids, start: date, end: date) -> list[tuple[date, dict[Category, Decimal], Decimal]]:
    """Validated hours by month and category over the period: [(first day of month, {category:
    hours}, total)], every month of the period listed, empty ones included."""
    year = sa.extract("year", HourEntry.day)
    month = sa.extract("month", HourEntry.day)
    query = counted_hours(structure_ids, start, end, year, month, HourEntry.category, sa.func.sum(HourEntry.hours))
    found: dict[tuple[int, int], dict[Category, Decimal]] = {}
    for y, m, category, hours in db.session.execute(query.group_by(year, month, HourEntry.category)):
        found.setdefault((int(y), int(m)), {})[Category(category)] = Decimal(hours or 0)
    rows = []
    current = start.replace(day=1)
    while current <= end:
        by_category = {c: found.get((current.year, current.month), {}).get(c, ZERO) for c in Category}
        rows.append((current, by_category, sum(by_category.values(), ZERO)))
        current = (current + timedelta(days=32)).replace(day=1)
    return rows


@dataclass
class Statement:
    """One volunteer's validated hours over a period (a per-volunteer statement)."""

    person_id: int
    name: str
    hours: dict[Category, Decimal] = field(default_factory=lambda: dict.fromkeys(Category, ZERO))
    value: Decimal = ZERO
    entries: int = 0

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours.values(), ZERO)

    @property
    def cec_hours(self) -> Decimal:
        return sum((self.hours[c] for c in CEC_CATEGORIES), ZERO)


def statements(structure_ids, start: date, end: date) -> list[Statement]:
    """Per-volunteer statements (validated hours by category, valued total), by name."""
    query = counted_hours(
        structure_ids,
        start,
        end,
        HourEntry.person_id,
        User.display_name,
        HourEntry.category,
        sa.func.sum(HourEntry.hours),
        sa.func.sum(sa.func.coalesce(HourEntry.value, 0)),
        sa.func.count(),
    )
    query = query.join(User, User.id == HourEntry.person_id).group_by(
        HourEntry.person_id, User.display_name, HourEntry.category
    )
    people: dict[int, Statement] = {}
    for person_id, name, category, hours, value, count in db.session.execute(query):
        row = people.setdefault(person_id, Statement(person_id, name))
        row.hours[Category(category)] = Decimal(hours or 0)
        row.value += Decimal(value or 0).quantize(CENT)
        row.entries += count
    return sorted(people.values(), key=lambda s: (s.name.casefold(), s.person_id))


@dataclass
class CecStatement:
    """B13 per person: eligible hours (governance, supervision) in the year, best association."""

    person_id: int
    name: str
    hours: Decimal
    best_association_hours: Decimal

    @property
    def eligible(self) -> bool:
        return self.hours >= CEC_TOTAL_HOURS and self.best_association_hours >= CEC_SAME_ASSOCIATION_HOURS

    @property
    def needs_other_association(self) -> bool:
        """≥ 100 h here but < 200 h in all: eligible only with hours declared elsewhere."""
        return not self.eligible and self.best_association_hours >= CEC_SAME_ASSOCIATION_HOURS


def cec_statements(structure_ids, start: date, end: date) -> list[CecStatement]:
    """Persons with ≥ 100 eligible validated hours in one of the structures (the CEC candidates),
    most hours first. B13 counts those who are `eligible`."""
    by_structure = (
        counted_hours(
            structure_ids,
            start,
            end,
            HourEntry.person_id.label("person_id"),
            HourEntry.structure_id.label("structure_id"),
            sa.func.sum(HourEntry.hours).label("hours"),
        )
        .where(HourEntry.category.in_(list(CEC_CATEGORIES)))
        .group_by(HourEntry.person_id, HourEntry.structure_id)
        .subquery()
    )
    query = (
        sa.select(
            by_structure.c.person_id,
            User.display_name,
            sa.func.sum(by_structure.c.hours),
            sa.func.max(by_structure.c.hours),
        )
        .join(User, User.id == by_structure.c.person_id)
        .group_by(by_structure.c.person_id, User.display_name)
        .having(sa.func.max(by_structure.c.hours) >= CEC_SAME_ASSOCIATION_HOURS)
    )
    rows = [
        CecStatement(person_id, name, Decimal(total or 0), Decimal(best or 0))
        for person_id, name, total, best in db.session.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r.hours, r.name.casefold()))


def b13_cec_eligible(structure_ids, start: date, end: date) -> int:
    """B13 — CEC-eligible volunteers: ≥ 200 eligible hours in the year, ≥ 100 h in one association."""
    return sum(1 for row in cec_statements(structure_ids, start, end) if row.eligible)
