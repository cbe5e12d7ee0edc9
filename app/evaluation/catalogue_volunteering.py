"""Volunteering metrics B1–B14 (domain.md §9.1).

B1–B3, B6–B10 and B13 are the volunteering feature's own SQL (app/volunteering/reports.py),
registered here as they are: the dashboard, the SENACS sheet and the volunteering reports give the
same figures. B4, B5, B12 and B14 are written here.

Ages of volunteers (B12, B14) come from the ledger, as they were at the time of the acts: the birth
year is the act's year minus the age written with it (an anonymised account keeps its acts, not its
birth year); without any act carrying an age, the person's profile is used.
"""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import AgeBracket, User
from app.centres.models import Membership, Role
from app.evaluation.metrics import REGISTRY, Figure, Scope, Unit, register
from app.extensions import db
from app.instances.models import Instance, InstanceType, Seat, SeatStatus
from app.ledger.models import LedgerEntry
from app.timeutil import from_local
from app.volunteering import reports as volunteering
from app.volunteering.hours import DEFAULT_FULL_TIME_HOURS
from app.volunteering.models import Category, HourEntry, ValuationPolicy

DEFINITIONS = volunteering.DEFINITIONS

#: Collège of a seat held by right (élu·e, partenaire…): its own line in B4, whatever its code.
EX_OFFICIO = "ex_officio"
#: Labels of the usual collège codes of the rules (others are shown as typed).
COLLEGE_LABELS = {
    "habitants": _l("Habitants"),
    "usagers": _l("Usagers"),
    "associations": _l("Associations"),
    "partenaires": _l("Partenaires"),
    "salaries": _l("Salariés"),
    EX_OFFICIO: _l("Membres de droit"),
}
#: B5: the collège of habitant administrators.
HABITANTS_COLLEGE = "habitants"
#: B12: young volunteers, by age (from the birth year) or, without one, by the declared bracket.
YOUNG_AGES = (12, 25)
YOUNG_BRACKETS = (AgeBracket.TEEN, AgeBracket.YOUNG)
UNKNOWN_AGE = _l("Âge non renseigné")


def _ids(scope: Scope) -> list[int]:
    return list(scope.structure_ids)


# --- B1–B3: who volunteers ----------------------------------------------------------------------


@register("B1", _l("Bénévoles"), DEFINITIONS["B1"], Unit.PERSONS, maps_to="SEN; PS", senacs=True)
def b1(scope: Scope) -> sa.ScalarSelect:
    return volunteering._count(volunteering.b1_persons(_ids(scope), scope.start, scope.end))


@register("B2", _l("Bénévoles d'activité"), DEFINITIONS["B2"], Unit.PERSONS, maps_to="SEN", senacs=True)
def b2(scope: Scope) -> sa.ScalarSelect:
    return volunteering._count(volunteering.b2_persons(_ids(scope), scope.start, scope.end))


@register(
    "B3",
    _l("Bénévoles de gouvernance et de pilotage"),
    DEFINITIONS["B3"],
    Unit.PERSONS,
    maps_to="SEN; AGR-2",
    senacs=True,
)
def b3(scope: Scope) -> sa.ScalarSelect:
    return volunteering._count(volunteering.b3_persons(_ids(scope), scope.start, scope.end))


# --- B4, B5: the board on the last day ----------------------------------------------------------


def _board_seats(scope: Scope) -> sa.Select:
    """Seats of the conseil d'administration held on the period's last day: (person_id, college,
    has_vote, ex_officio). Seats by right count (own collège); staff of the structure, test and
    blocked accounts do not. Same mandate rule as `reports.seat_holders`, for one day."""
    day = scope.end
    day_starts = from_local(datetime.combine(day, time.min))
    next_day = from_local(datetime.combine(day + timedelta(days=1), time.min))
    staff = (
        sa.select(Membership.id)
        .where(
            Membership.user_id == Seat.person_id,
            Membership.structure_id == Instance.structure_id,
            Membership.role >= Role.STAFF,
        )
        .exists()
    )
    college = sa.case((Seat.ex_officio.is_(True), EX_OFFICIO), else_=Seat.college)
    return (
        sa.select(
            Seat.person_id.label("person_id"),
            college.label("college"),
            Seat.has_vote.label("has_vote"),
            Seat.ex_officio.label("ex_officio"),
        )
        .join(Instance, Instance.id == Seat.instance_id)
        .join(User, User.id == Seat.person_id)
        .where(
            Instance.structure_id.in_(scope.structure_ids),
            Instance.instance_type == InstanceType.BOARD,
            Seat.status.in_([SeatStatus.ACTIVE, SeatStatus.ENDED]),
            sa.or_(Seat.start_date <= day, sa.and_(Seat.start_date.is_(None), Seat.requested_at < next_day)),
            sa.or_(
                Seat.status == SeatStatus.ACTIVE,
                Seat.ended_at >= day_starts,
                sa.and_(Seat.ended_at.is_(None), sa.or_(Seat.end_date.is_(None), Seat.end_date >= day)),
            ),
            User.is_test.is_(False),
            User.is_blocked.is_(False),
            ~staff,
        )
    )


def college_label(code: str) -> str:
    return str(COLLEGE_LABELS.get(code, code))


@register(
    "B4",
    _l("Administrateurs"),
    _l(
        "Personnes ayant un siège au conseil d'administration le dernier jour de la période, par collège "
        "(les membres de droit à part). Les salariés du centre, les comptes de test et les comptes bloqués "
        "ne sont pas comptés."
    ),
    Unit.PERSONS,
    maps_to="SEN; AGR-2",
    senacs=True,
    kind="query",
)
def b4(scope: Scope) -> Figure:
    seats = _board_seats(scope).subquery()
    everyone = _board_seats(scope).subquery()
    total = sa.select(sa.func.count(sa.distinct(everyone.c.person_id))).correlate(None).scalar_subquery()
    rows = db.session.execute(
        sa.select(seats.c.college, sa.func.count(sa.distinct(seats.c.person_id)), total).group_by(seats.c.college)
    ).all()
    order = list(COLLEGE_LABELS)
    rows = sorted(rows, key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[0]))
    return Figure(
        REGISTRY["B4"],
        rows[0][2] if rows else 0,
        breakdown=[(college_label(code), count) for code, count, _total in rows],
    )


@register(
    "B5",
    _l("Part d'administrateurs habitants"),
    _l(
        "Sièges avec voix délibérative du collège des habitants au conseil d'administration le dernier jour "
        "de la période, divisés par l'ensemble des sièges avec voix délibérative (membres de droit compris)."
    ),
    Unit.PERCENT,
    maps_to="AGR-2; PS",
    senacs=True,
    kind="ratio",
)
def b5(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    habitants = _board_seats(scope).subquery()
    voting = _board_seats(scope).subquery()
    return (
        sa.select(sa.func.count())
        .select_from(habitants)
        .where(
            habitants.c.has_vote.is_(True),
            habitants.c.ex_officio.is_(False),
            habitants.c.college == HABITANTS_COLLEGE,
        )
        .scalar_subquery(),
        sa.select(sa.func.count()).select_from(voting).where(voting.c.has_vote.is_(True)).scalar_subquery(),
    )


# --- B6–B8: hours ---------------------------------------------------------------------------------


@register(
    "B6",
    _l("Heures de bénévolat"),
    DEFINITIONS["B6"],
    Unit.HOURS,
    maps_to="SEN; ANC; PS",
    senacs=True,
    kind="query",
    # The total alone (key figures), in the page's one SELECT beside B1 and B3.
    scalar=lambda scope: volunteering.b6_total(_ids(scope), scope.start, scope.end),
)
def b6(scope: Scope) -> Figure:
    hours = volunteering.b6_hours(_ids(scope), scope.start, scope.end)
    return Figure(
        REGISTRY["B6"], hours.total_hours, breakdown=[(category.label, hours.hours[category]) for category in Category]
    )


@register("B7", _l("ETP bénévoles"), DEFINITIONS["B7"], Unit.FTE, maps_to="SEN", senacs=True, kind="query")
def b7(scope: Scope) -> Figure:
    """`reports.b7_fte` in one query: B6's rows by structure and category, each with its
    structure's full-time reference in force at the period's end (as `reports.full_time_references`),
    divided and rounded by `reports._fte`."""
    reference = (
        sa.select(ValuationPolicy.full_time_hours)
        .where(ValuationPolicy.structure_id == HourEntry.structure_id, ValuationPolicy.effective_from <= scope.end)
        .order_by(ValuationPolicy.effective_from.desc())
        .limit(1)
        .correlate(HourEntry)
        .scalar_subquery()
    )
    rows = db.session.execute(
        volunteering.counted_hours(
            _ids(scope),
            scope.start,
            scope.end,
            HourEntry.structure_id,
            HourEntry.category,
            sa.func.sum(HourEntry.hours),
            sa.func.sum(sa.func.coalesce(HourEntry.value, 0)),
            sa.func.count(),
            sa.func.coalesce(reference, DEFAULT_FULL_TIME_HOURS),
        ).group_by(HourEntry.structure_id, HourEntry.category)
    ).all()
    references = {row[0]: int(row[5]) for row in rows}
    return Figure(REGISTRY["B7"], volunteering._fte([row[:5] for row in rows], references))


@register("B8", _l("Valorisation du bénévolat"), DEFINITIONS["B8"], Unit.EUROS, maps_to="ANC; Cerfa budget")
def b8(scope: Scope) -> sa.ScalarSelect:
    return volunteering.counted_hours(
        _ids(scope), scope.start, scope.end, sa.func.coalesce(sa.func.sum(HourEntry.value), 0)
    ).scalar_subquery()


# --- B9, B10: renewal -----------------------------------------------------------------------------


@register("B9", _l("Nouveaux bénévoles"), DEFINITIONS["B9"], Unit.PERSONS, maps_to="PS")
def b9(scope: Scope) -> sa.ScalarSelect:
    return volunteering._count(volunteering.b9_persons(_ids(scope), scope.start, scope.end))


@register("B10", _l("Fidélisation des bénévoles"), DEFINITIONS["B10"], Unit.PERCENT, maps_to="PS", kind="ratio")
def b10(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    ids = _ids(scope)
    before = (volunteering.year_before(scope.start), volunteering.year_before(scope.end))
    return (
        volunteering._count(volunteering._retained_persons(ids, scope.start, scope.end)),
        volunteering._count(volunteering.b1_persons(ids, *before)),
    )


# --- B12, B14: ages of the volunteers -----------------------------------------------------------


def _b1_ages(scope: Scope) -> sa.Select:
    """B1 persons with their birth year (from their acts up to the period's end, else their
    profile) and, for those without one, their declared age bracket: (person_id, birth_year, bracket)."""
    ids = _ids(scope)
    persons = volunteering.b1_persons(ids, scope.start, scope.end).subquery()
    act_year = sa.cast(sa.extract("year", LedgerEntry.occurred_at), sa.Integer)
    acts = (
        sa.select(
            LedgerEntry.person_id.label("person_id"),
            sa.func.max(act_year - LedgerEntry.age_at_act).label("birth_year"),
            sa.func.max(LedgerEntry.age_bracket).label("bracket"),
        )
        .where(
            LedgerEntry.occurred_at < scope.end_before,
            LedgerEntry.person_id.in_(volunteering.b1_persons(ids, scope.start, scope.end)),
        )
        .group_by(LedgerEntry.person_id)
        .subquery()
    )
    return (
        sa.select(
            persons.c.person_id,
            sa.func.coalesce(acts.c.birth_year, User.birth_year).label("birth_year"),
            sa.func.coalesce(acts.c.bracket, User.age_bracket).label("bracket"),
        )
        .select_from(persons)
        .join(User, User.id == persons.c.person_id)
        .outerjoin(acts, acts.c.person_id == persons.c.person_id)
    )


@register(
    "B12",
    _l("Jeunes bénévoles"),
    _l(
        "Bénévoles (B1) âgés de 12 à 25 ans dans l'année (d'après l'année de naissance connue au moment de "
        "leurs actes). Sans année de naissance, la tranche d'âge déclarée 11-17 ou 18-25 ans compte."
    ),
    Unit.PERSONS,
    maps_to="SEN",
)
def b12(scope: Scope) -> sa.ScalarSelect:
    ages = _b1_ages(scope).subquery()
    low, high = YOUNG_AGES
    young = sa.or_(
        sa.and_(
            ages.c.birth_year.is_not(None),
            ages.c.birth_year >= scope.start.year - high,
            ages.c.birth_year <= scope.end.year - low,
        ),
        sa.and_(ages.c.birth_year.is_(None), ages.c.bracket.in_(list(YOUNG_BRACKETS))),
    )
    return sa.select(sa.func.count()).select_from(ages).where(young).scalar_subquery()


@register("B13", _l("Bénévoles éligibles au CEC"), DEFINITIONS["B13"], Unit.PERSONS, maps_to="CEC", kind="query")
def b13(scope: Scope) -> Figure:
    return Figure(REGISTRY["B13"], volunteering.b13_cec_eligible(_ids(scope), scope.start, scope.end))


@register(
    "B14",
    _l("Bénévoles par âge"),
    _l(
        "Bénévoles (B1) par tranche d'âge atteinte la dernière année de la période (d'après l'année de "
        "naissance connue au moment de leurs actes, sinon la tranche déclarée)."
    ),
    Unit.PERSONS,
    maps_to="PS; SEN",
    kind="query",
)
def b14(scope: Scope) -> Figure:
    ages = _b1_ages(scope).subquery()
    age = scope.end.year - ages.c.birth_year
    bracket = sa.case(
        (ages.c.birth_year.is_(None), sa.type_coerce(ages.c.bracket, sa.String)),
        (age <= 10, AgeBracket.CHILD.value),
        (age <= 17, AgeBracket.TEEN.value),
        (age <= 25, AgeBracket.YOUNG.value),
        (age <= 59, AgeBracket.ADULT.value),
        else_=AgeBracket.SENIOR.value,
    )
    brackets = sa.select(sa.type_coerce(bracket, sa.String).label("bracket")).select_from(ages).subquery()
    found = dict(
        db.session.execute(sa.select(brackets.c.bracket, sa.func.count()).group_by(brackets.c.bracket)).tuples().all()
    )
    breakdown = [(b.label, found.get(b.value, 0)) for b in AgeBracket]
    breakdown.append((str(UNKNOWN_AGE), found.get(None, 0)))
    return Figure(REGISTRY["B14"], sum(found.values()), breakdown=breakdown)
