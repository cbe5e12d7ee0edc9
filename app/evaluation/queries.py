"""The dashboard's read side: key figures against the previous period, the monthly trend, the profile
of the persons reached (age, quartier, QPV), the parcours d'engagement funnel and the retention.

Each function is a fixed number of SQL queries whatever the data: the key figures are
`metrics.compute` of a few codes (one SELECT for every scalar metric) for the period and the previous
one, then one GROUP BY for the months and one for the whole profile, folded in Python over a few
dozen grouped rows (never over persons). For a period of whole months (a year, a projet social), the
months and the profile read the monthly summary of the ledger (`LedgerMonth`: ~26,000 rows for a
year of the large centre instead of ~70,000 acts), which gives the same figures (tested).

The whole catalogue (`catalogue_figures`) is its own page, loaded into the dashboard by htmx when
scrolled to: each "query" metric of the catalogue runs its own queries, which the dashboard's budget
(12 queries a page) cannot hold.

**Who is counted** is the ledger's one definition (`Scope.ledger()`, i.e.
`app.ledger.queries.counted_entries`): registered persons with at least one counted act in the
period; staff acting as staff, test and blocked accounts left out; anonymised accounts kept.

**A person with acts in two age brackets, quartiers or QPV states** (a birthday, a move) is counted
once, by their **latest act in the period** (demographics as they were then). So each breakdown adds
up to the persons reached (U1, named part).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import AgeBracket
from app.centres.models import Quartier
from app.evaluation import catalogue_publics, metrics
from app.evaluation.catalogue_publics import SENACS_BRACKETS
from app.evaluation.metrics import Family, Figure, Metric, Number, Scope
from app.extensions import db
from app.ledger import months as ledger_months
from app.ledger.models import LedgerEntry, LedgerMonth, Level
from app.ledger.queries import uncounted_persons
from app.timeutil import from_local

#: Key figures of the dashboard, in this order; codes not (yet) in the catalogue are skipped.
KEY_CODES = ("U1", "B1", "B3", "B6", "P3", "P9", "I1", "I2", "I10")

NOT_GIVEN = _l("Non renseigné")


# --- key figures ---------------------------------------------------------------------------------


@dataclass
class KeyFigure:
    """A figure of the period with the same figure over the previous period."""

    metric: Metric
    figure: Figure
    previous: Number | None

    @property
    def value(self) -> Number | None:
        return self.figure.value

    @property
    def change(self) -> Number | None:
        """Difference with the previous period (points for a percentage); None when not comparable."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> str | None:
        """ "up", "down", "same" or None (not comparable)."""
        change = self.change
        if change is None:
            return None
        return "up" if change > 0 else "down" if change < 0 else "same"


@dataclass
class Catalogue:
    """Every figure of the catalogue for the period, by family (manual ones may be not entered)."""

    families: list[tuple[Family, list[tuple[Metric, Figure | None]]]]


def key_figures(scope: Scope, profile: "ReachProfile") -> list[KeyFigure]:
    """The key figures of `scope` against the previous period (codes missing from the catalogue skipped).

    Queries: `compute` of the key codes (one SELECT for the scalars, one per query metric), then the
    same for the previous period, except the persons reached (U1): `profile` counted them already
    with the same definition (`Scope.ledger()`) for both periods, which spares a scan of a year of
    acts each time (only the anonymous headcounts are read beside)."""
    others = [code for code in KEY_CODES if code != "U1"]
    current = metrics.compute(others, scope, breakdowns=False)
    current["U1"] = catalogue_publics.u1_of(profile.persons, scope)
    before = metrics.compute(others, scope.previous(), breakdowns=False)
    previous = {code: figure.value for code, figure in before.items()} | {"U1": profile.previous_persons}
    keys = [code for code in KEY_CODES if code in current and not current[code].metric.manual]
    return [KeyFigure(current[code].metric, current[code], previous.get(code)) for code in keys]


def catalogue_figures(scope: Scope, family: Family | None = None) -> Catalogue:
    """The metrics of the catalogue for `scope` (of one family, or all), by family: one `compute`
    (one SELECT for the scalar and ratio metrics, one per query metric, one for the manual figures).
    One family at a time keeps a page within the query budget."""
    everything = metrics.catalogue(family)
    figures = metrics.compute([m.code for m in everything], scope)
    families: dict[Family, list] = {}
    for metric in everything:
        families.setdefault(metric.family, []).append((metric, figures.get(metric.code)))
    return Catalogue(list(families.items()))


# --- the monthly trend ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthPersons:
    #: First day of the month (the first bucket may start later, on the period's first day).
    month: date
    persons: int


def month_starts(start: date, end: date) -> list[date]:
    """The first day of each month that the period touches."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def persons_by_month(scope: Scope) -> list[MonthPersons]:
    """Distinct persons with a counted act in each month of the period (local months), one query.

    A period of whole months reads the monthly summary (`LedgerMonth`). Otherwise months are cut at
    local midnight on the 1st (as the period is), by a CASE over the boundaries, which reads the
    same on SQLite and PostgreSQL."""
    months = month_starts(scope.start, scope.end)
    if _whole_months(scope):
        summary = _summary(scope).subquery()
        counts = dict(
            db.session.execute(
                sa.select(summary.c.month, sa.func.count(sa.distinct(summary.c.person_id))).group_by(summary.c.month)
            ).all()
        )
        return [MonthPersons(month, int(counts.get(month, 0))) for month in months]
    rows = scope.ledger().with_only_columns(LedgerEntry.person_id, LedgerEntry.occurred_at).subquery()
    bounds = [from_local(datetime.combine(m, time.min)) for m in months[1:]]
    if bounds:
        bucket = sa.case(*((rows.c.occurred_at < b, i) for i, b in enumerate(bounds)), else_=len(bounds))
    else:
        bucket = sa.literal(0)
    # GROUP BY a column of a subquery (not the CASE itself): PostgreSQL would see the CASE's bound
    # parameters in GROUP BY as a different expression from the SELECT list's.
    bucketed = sa.select(rows.c.person_id, bucket.label("month")).subquery()
    counts = dict(
        db.session.execute(
            sa.select(bucketed.c.month, sa.func.count(sa.distinct(bucketed.c.person_id))).group_by(bucketed.c.month)
        ).all()
    )
    return [MonthPersons(month, int(counts.get(i, 0))) for i, month in enumerate(months)]


# --- the persons reached: profile, funnel, retention ---------------------------------------------


@dataclass
class ReachProfile:
    """Persons reached in the period, their profile and engagement, and who came back."""

    #: Distinct persons with a counted act in the period (U1 without the anonymous headcounts).
    persons: int = 0
    #: The same over the previous period (`Scope.previous()`), and how many of them came back.
    previous_persons: int = 0
    kept: int = 0
    #: Persons by the highest participation level they reached in the period.
    levels: dict[Level, int] = field(default_factory=lambda: dict.fromkeys(Level, 0))
    by_age: list[tuple[str, int]] = field(default_factory=list)
    by_quartier: list[tuple[str, int]] = field(default_factory=list)
    by_qpv: list[tuple[str, int]] = field(default_factory=list)

    @property
    def retention(self) -> Decimal | None:
        """Persons of the previous period also active in this one ÷ persons of the previous period."""
        return metrics.percent(self.kept, self.previous_persons)

    @property
    def funnel(self) -> list[tuple[Level, int]]:
        """Persons whose highest level in the period is at least Lk, for each k (L0 = everybody)."""
        steps, at_least = [], 0
        for level in sorted(Level, reverse=True):
            at_least += self.levels.get(level, 0)
            steps.append((level, at_least))
        return steps[::-1]


def reach_profile(scope: Scope, quartier_label=None) -> ReachProfile:
    """Profile of the persons reached in `scope`, the funnel and the retention, in ONE query.

    One row per person of this period (a GROUP BY, no sort): their highest level and the age
    bracket, quartier and QPV flag of their latest act. Most persons have the same ones on all their
    acts of the period, read from the aggregate; for the few who changed (a birthday, a move), the
    latest act is looked up by person. The previous period's persons are added (UNION ALL) with a
    mark, then everything is counted GROUP BY (present before, present now, level, bracket,
    quartier, QPV): a few dozen rows to fold, whatever the data. A period of whole months reads the
    monthly summary (`LedgerMonth`, a person's acts of a month already summed up), others the acts.

    `quartier_label(name, structure_id)` names a quartier (e.g. with its centre, for several centres).
    """
    per, latest = _per_person(scope)
    now = sa.select(
        per.c.person_id,
        sa.literal(1).label("now"),
        per.c.level,
        sa.case((_unchanged(per, "bracket"), per.c.bracket_max), else_=latest("bracket")).label("bracket"),
        sa.case((_unchanged(per, "quartier"), per.c.quartier_max), else_=latest("quartier")).label("quartier_id"),
        sa.case((_unchanged(per, "qpv"), per.c.qpv_max), else_=latest("qpv")).label("qpv"),
    )
    before = _persons(scope.previous()).add_columns(
        sa.literal(0).label("now"),
        # Typed NULLs: PostgreSQL matches the UNION's column types.
        sa.cast(sa.null(), sa.SmallInteger).label("level"),
        sa.cast(sa.null(), sa.String(8)).label("bracket"),
        sa.cast(sa.null(), sa.Integer).label("quartier_id"),
        sa.cast(sa.null(), sa.Integer).label("qpv"),
    )
    both = sa.union_all(now, before).subquery()
    per_person = (
        sa.select(
            sa.func.max(both.c.now).label("now"),
            sa.func.min(both.c.now).label("first"),
            sa.func.max(both.c.level).label("level"),
            sa.func.max(both.c.bracket).label("bracket"),
            sa.func.max(both.c.quartier_id).label("quartier_id"),
            sa.func.max(both.c.qpv).label("qpv"),
        )
        .group_by(both.c.person_id)
        .subquery()
    )
    columns = (
        per_person.c.now,
        per_person.c.first,
        per_person.c.level,
        per_person.c.bracket,
        per_person.c.quartier_id,
        per_person.c.qpv,
        Quartier.name,
        Quartier.structure_id,
    )
    query = (
        sa.select(*columns, sa.func.count())
        .select_from(per_person)
        .outerjoin(Quartier, Quartier.id == per_person.c.quartier_id)
        .group_by(*columns)
    )
    return _fold(db.session.execute(query).all(), quartier_label)


def _whole_months(scope: Scope) -> bool:
    """The period is made of whole months (a year, a quarter…): the monthly summary answers."""
    return scope.age_bracket is None and scope.start.day == 1 and (scope.end + timedelta(days=1)).day == 1


def _summary(scope: Scope) -> sa.Select:
    """The rows of the monthly summary of a whole-months scope, counted persons only (the months
    written in this transaction recomputed first)."""
    ledger_months.apply_pending()
    return sa.select(LedgerMonth).where(
        LedgerMonth.structure_id.in_(scope.structure_ids),
        LedgerMonth.month >= scope.start,
        LedgerMonth.month <= scope.end,
        LedgerMonth.person_id.not_in(uncounted_persons()),
    )


def _persons(scope: Scope) -> sa.Select:
    """SELECT DISTINCT the persons with a counted act in the period."""
    if _whole_months(scope):
        return _summary(scope).with_only_columns(LedgerMonth.person_id).distinct()
    return scope.ledger().with_only_columns(LedgerEntry.person_id).distinct()


def _per_person(scope: Scope):
    """One row per person of the period (highest level, acts, and for the age bracket, quartier
    and QPV flag: acts giving one, smallest, largest), and `latest(name)`: that column on the
    person's latest act (the newest row at the same instant), a correlated subquery."""
    # Grouped by an expression, not the bare column: SQLite would otherwise walk the index on
    # person to skip the sort and read every row from the table (3× slower than reading the
    # period's rows plus a sort).
    if _whole_months(scope):
        rows = _summary(scope).subquery()
        person = (rows.c.person_id + sa.literal_column("0")).label("person_id")
        per = (
            sa.select(
                person,
                sa.func.max(rows.c.level).label("level"),
                sa.func.sum(rows.c.acts).label("acts"),
                *(
                    aggregate(rows.c[f"{name}_{part}"]).label(f"{name}_{part}")
                    for name in ("bracket", "quartier", "qpv")
                    for part, aggregate in (("given", sa.func.sum), ("min", sa.func.min), ("max", sa.func.max))
                ),
            )
            .group_by(person)
            .subquery()
        )
        lookup = _summary(scope).where(LedgerMonth.person_id == per.c.person_id)
        columns = {
            "bracket": LedgerMonth.last_bracket,
            "quartier": LedgerMonth.last_quartier_id,
            "qpv": LedgerMonth.last_qpv,
        }
        order = (LedgerMonth.last_at.desc(), LedgerMonth.last_id.desc())
    else:
        qpv = sa.case((LedgerEntry.in_qpv.is_(True), 1), (LedgerEntry.in_qpv.is_(False), 0))
        person = (LedgerEntry.person_id + sa.literal_column("0")).label("person_id")
        per = (
            scope.ledger()
            .with_only_columns(
                person,
                sa.func.max(LedgerEntry.level).label("level"),
                sa.func.count().label("acts"),
                *ledger_months.spread("bracket", LedgerEntry.age_bracket),
                *ledger_months.spread("quartier", LedgerEntry.quartier_id),
                *ledger_months.spread("qpv", qpv),
            )
            .group_by(person)
            .subquery()
        )
        lookup = scope.ledger().where(LedgerEntry.person_id == per.c.person_id)
        columns = {
            "bracket": sa.type_coerce(LedgerEntry.age_bracket, sa.String(8)),
            "quartier": LedgerEntry.quartier_id,
            "qpv": qpv,
        }
        order = (LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())

    def latest(name: str):
        return lookup.with_only_columns(columns[name]).order_by(*order).limit(1).correlate(per).scalar_subquery()

    return per, latest


def _unchanged(per, name: str):
    """The same value on all the person's acts (or none on any): it is the latest act's."""
    given, low, high = (per.c[f"{name}_{part}"] for part in ("given", "min", "max"))
    return sa.or_(given == 0, sa.and_(given == per.c.acts, low == high))


def _fold(rows, quartier_label) -> ReachProfile:
    """Add up the grouped rows (a few dozen) into the profile."""
    profile = ReachProfile()
    ages: dict[str, int] = {}
    quartiers: dict[int | None, tuple[str, int]] = {}
    qpv = {1: 0, 0: 0, None: 0}
    for now, first, level, bracket, quartier_id, in_qpv, quartier_name, structure_id, count in rows:
        if first == 0:
            profile.previous_persons += count
            if now == 1:
                profile.kept += count
        if now != 1:
            continue
        profile.persons += count
        if level is not None:
            profile.levels[Level(level)] += count
        key = _senacs_bracket(bracket)
        ages[key] = ages.get(key, 0) + count
        if quartier_id is None or quartier_name is None:
            label = str(_l("Quartier non renseigné"))
            quartier_id = None
        else:
            label = quartier_label(quartier_name, structure_id) if quartier_label else quartier_name
        _name, before = quartiers.get(quartier_id, (label, 0))
        quartiers[quartier_id] = (label, before + count)
        qpv[None if in_qpv is None else int(in_qpv)] += count
    profile.by_age = [(str(label), ages.get(key, 0)) for key, label, _members in SENACS_BRACKETS]
    profile.by_age.append((str(NOT_GIVEN), ages.get("", 0)))
    named = sorted((v for k, v in quartiers.items() if k is not None), key=lambda item: (-item[1], item[0]))
    unknown = [v for k, v in quartiers.items() if k is None]
    profile.by_quartier = named + unknown
    profile.by_qpv = [
        (str(_l("En quartier prioritaire (QPV)")), qpv[1]),
        (str(_l("Hors QPV")), qpv[0]),
        (str(NOT_GIVEN), qpv[None]),
    ]
    return profile


def _senacs_bracket(bracket) -> str:
    if bracket is None:
        return ""
    value = AgeBracket(bracket)
    for key, _label, members in SENACS_BRACKETS:
        if value in members:
            return key
    return ""


# --- indicators by axis, objective and action ----------------------------------------------------


@dataclass
class ObjectiveGroup:
    """An objective with its own indicators, then each action's indicators."""

    objective: object
    indicators: list = field(default_factory=list)
    actions: list[tuple[object, list]] = field(default_factory=list)


def indicator_groups(rows: list) -> list[tuple[object, list[ObjectiveGroup]]]:
    """`indicators.indicator_rows` (already in the order of the tree) as axis → objective → action."""
    axes: list[tuple[object, list[ObjectiveGroup]]] = []
    for row in rows:
        if not axes or axes[-1][0].id != row.axis.id:
            axes.append((row.axis, []))
        objectives = axes[-1][1]
        if not objectives or objectives[-1].objective.id != row.objective.id:
            objectives.append(ObjectiveGroup(row.objective))
        group = objectives[-1]
        if row.action is None:
            group.indicators.append(row)
        elif group.actions and group.actions[-1][0].id == row.action.id:
            group.actions[-1][1].append(row)
        else:
            group.actions.append((row.action, [row]))
    return axes
