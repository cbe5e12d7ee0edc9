"""The metrics catalogue (domain.md §9): each metric by its ID, with its definition, computed by SQL
over the ledger and the features' tables for any period and any set of centres.

Three kinds of metrics register here:
- **scalar** metrics return one scalar subquery; `compute()` runs every scalar metric asked for in
  ONE SELECT (a dashboard of twenty figures is one query, not twenty);
- **ratio** metrics return a (numerator, denominator) pair of scalar subqueries, also in that SELECT;
  the value is numerator ÷ denominator × 100 (None when the denominator is 0);
- **query** metrics run their own queries (medians, breakdowns) and return a `Figure`;
- **manual** metrics are entered by the direction for a calendar year (`ManualFigure`): never invented.

Who counts is the app's one definition (`app.ledger.queries.counted_entries`): acts done as staff,
and acts of test or blocked accounts, are left out; anonymised accounts still count.
Anonymous headcounts (`HeadCount`) are reported beside named counts (`Figure.anonymous`), never added.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import AgeBracket
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.ledger.queries import counted_entries
from app.timeutil import from_local


class Unit(enum.StrEnum):
    PERSONS = "persons"
    HOUSEHOLDS = "households"
    COUNT = "count"
    PERCENT = "percent"
    HOURS = "hours"
    FTE = "fte"
    EUROS = "euros"
    DAYS = "days"
    RATIO = "ratio"

    @property
    def is_headcount(self) -> bool:
        """Counts of people or things: masked as "< 5" under 5 in anything leaving the centre."""
        return self in (Unit.PERSONS, Unit.HOUSEHOLDS, Unit.COUNT)


class Family(enum.StrEnum):
    VOLUNTEERING = "B"
    INSTANCES = "P"
    INITIATIVES = "I"
    PUBLICS = "U"
    RESOURCES = "R"

    @property
    def label(self) -> str:
        labels = {
            "B": _l("Bénévolat"),
            "P": _l("Instances de participation"),
            "I": _l("Initiatives d'habitants"),
            "U": _l("Publics, adhérents, partenaires"),
            "R": _l("Moyens (saisie manuelle)"),
        }
        return str(labels[self.value])


@dataclass(frozen=True)
class Scope:
    """What a figure is about: some centres, a period of days (both ends included), and optionally
    one age bracket at the time of the act (for metrics that support it)."""

    structure_ids: tuple[int, ...]
    start: date
    end: date
    age_bracket: AgeBracket | None = None

    @classmethod
    def of(cls, structure_ids: int | Iterable[int], start: date, end: date, **kwargs) -> "Scope":
        ids = (structure_ids,) if isinstance(structure_ids, int) else tuple(sorted(structure_ids))
        return cls(ids, start, end, **kwargs)

    @classmethod
    def year(cls, structure_ids: int | Iterable[int], year: int, **kwargs) -> "Scope":
        return cls.of(structure_ids, date(year, 1, 1), date(year, 12, 31), **kwargs)

    @property
    def start_at(self) -> datetime:
        """First instant of the period (UTC, naive, as stored), from local midnight."""
        return from_local(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """First instant after the period (UTC, naive): use `occurred_at < end_before`."""
        return from_local(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Scope":
        """The period of the same length just before (a calendar year gives the year before)."""
        if self.start.month == 1 and self.start.day == 1 and self.end == date(self.start.year, 12, 31):
            return replace(self, start=date(self.start.year - 1, 1, 1), end=date(self.start.year - 1, 12, 31))
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def ledger(self) -> sa.Select:
        """Counted ledger rows of the scope (structures, period, age bracket): `select(LedgerEntry)`."""
        query = counted_entries(None, self.start_at, self.end_before).where(
            LedgerEntry.structure_id.in_(self.structure_ids)
        )
        if self.age_bracket is not None:
            query = query.where(LedgerEntry.age_bracket == self.age_bracket)
        return query


Number = int | Decimal


@dataclass
class Figure:
    """One computed figure. `value` None means "not available" (no denominator, not entered)."""

    metric: "Metric"
    value: Number | None
    numerator: Number | None = None
    denominator: Number | None = None
    #: Rows of a breakdown, as (label, value): by category, by age bracket, by type…
    breakdown: list[tuple[str, Number]] = field(default_factory=list)
    #: Anonymous headcount reported beside the named figure (U1, U5), never added to it.
    anonymous: int | None = None


ScalarFn = Callable[[Scope], sa.ScalarSelect]
RatioFn = Callable[[Scope], tuple[sa.ScalarSelect, sa.ScalarSelect]]
QueryFn = Callable[[Scope], Figure]


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    definition: str
    unit: Unit
    #: Where the figure is used: "SEN; PS", "AGR-2; PS"… (domain.md §9 "Maps to").
    maps_to: str = ""
    #: Listed on the annual SENACS aide-à-la-saisie sheet.
    senacs: bool = False
    #: Honours `Scope.age_bracket` (an indicator may ask "P3 among 18-25s").
    age_filter: bool = False
    #: A query metric may also have a scalar: its value alone, computed in the one SELECT when the
    #: breakdown is not wanted (`compute(…, breakdowns=False)`).
    scalar: ScalarFn | None = None
    ratio: RatioFn | None = None
    query: QueryFn | None = None
    #: Entered by the direction for a calendar year (ManualFigure), not computed.
    manual: bool = False

    @property
    def family(self) -> Family:
        return Family(self.code[0])

    @property
    def sort_key(self) -> tuple[str, int, str]:
        digits = "".join(c for c in self.code[1:] if c.isdigit())
        return (self.code[0], int(digits or 0), self.code)


REGISTRY: dict[str, Metric] = {}


def register(code: str, label, definition, unit: Unit, **options) -> Callable:
    """Decorator: register the function as the metric `code`. `kind` ∈ scalar | ratio | query."""
    kind = options.pop("kind", "scalar")

    def decorate(func):
        REGISTRY[code] = Metric(code, label, definition, unit, **options, **{kind: func})
        return func

    return decorate


def register_manual(code: str, label, definition, unit: Unit, **options) -> None:
    """Register a figure the direction enters for a year (staff, budget, partners…)."""
    REGISTRY[code] = Metric(code, label, definition, unit, manual=True, **options)


def catalogue(family: Family | None = None) -> list[Metric]:
    """Every registered metric, by family then number."""
    _load()
    metrics = sorted(REGISTRY.values(), key=lambda m: m.sort_key)
    return [m for m in metrics if family is None or m.family == family]


def get(code: str) -> Metric | None:
    _load()
    return REGISTRY.get(code)


def percent(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """numerator ÷ denominator × 100 to one decimal, None when there is no denominator."""
    if not denominator or numerator is None:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def count_persons(query: sa.Select) -> sa.ScalarSelect:
    """Distinct persons (`person_id`) of a query, e.g. `count_persons(scope.ledger())`."""
    sub = query.subquery()
    return sa.select(sa.func.count(sa.distinct(sub.c.person_id))).scalar_subquery()


def compute(codes: Iterable[str], scope: Scope, breakdowns: bool = True) -> dict[str, Figure]:
    """The figures of `codes` for `scope`: every scalar and ratio metric in one SELECT, then each
    query metric, then the manual figures in one SELECT. Unknown codes are skipped.

    `breakdowns=False`: a query metric that also has a scalar gives its value alone, from the SELECT."""
    _load()
    metrics = [REGISTRY[c] for c in dict.fromkeys(codes) if c in REGISTRY]
    queried = [m for m in metrics if m.query is not None and (breakdowns or m.scalar is None)]
    selected = [m for m in metrics if m not in queried]
    figures: dict[str, Figure] = {}
    columns = []
    for metric in selected:
        if metric.scalar is not None:
            columns.append(metric.scalar(scope).label(metric.code))
        elif metric.ratio is not None:
            numerator, denominator = metric.ratio(scope)
            columns += [numerator.label(f"{metric.code}__n"), denominator.label(f"{metric.code}__d")]
    if columns:
        row = db.session.execute(sa.select(*columns)).mappings().one()
        for metric in selected:
            if metric.scalar is not None:
                figures[metric.code] = Figure(metric, _number(row[metric.code]))
            elif metric.ratio is not None:
                n, d = _number(row[f"{metric.code}__n"]), _number(row[f"{metric.code}__d"])
                figures[metric.code] = Figure(metric, percent(n, d), numerator=n, denominator=d)
    for metric in queried:
        figures[metric.code] = metric.query(scope)
    manual = [m for m in metrics if m.manual]
    if manual:
        figures.update(_manual_figures(manual, scope))
    return {m.code: figures[m.code] for m in metrics if m.code in figures}


def _number(value) -> Number:
    if value is None:
        return 0
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _manual_figures(metrics: list[Metric], scope: Scope) -> dict[str, Figure]:
    """Manual figures of the scope's last calendar year, summed over its centres; None if none entered.
    A share (percent) does not add up: over several centres it is the mean weighted by nothing we
    know, so it is left out (None) unless a single centre entered it."""
    from app.evaluation.models import ManualFigure

    rows = db.session.execute(
        sa.select(ManualFigure.code, sa.func.sum(ManualFigure.value), sa.func.count())
        .where(
            ManualFigure.structure_id.in_(scope.structure_ids),
            ManualFigure.year == scope.end.year,
            ManualFigure.code.in_([m.code for m in metrics]),
        )
        .group_by(ManualFigure.code)
    ).all()
    found = {
        code: total
        for code, total, count in rows
        if count == 1 or REGISTRY[code].unit not in (Unit.PERCENT, Unit.RATIO)
    }
    return {m.code: Figure(m, found.get(m.code)) for m in metrics}


_loaded = False


def _load() -> None:
    """Import the modules that register metrics (once)."""
    global _loaded
    if not _loaded:
        _loaded = True
        from app.evaluation import catalogue as _catalogue  # noqa: F401
