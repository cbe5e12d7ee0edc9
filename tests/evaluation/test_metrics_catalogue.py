"""The catalogue as a whole: which codes exist (and which do not), their flags, and the query budget
(every scalar and ratio metric in ONE query, each query metric in two at most)."""

from datetime import date

import pytest

from app.centres.models import Role
from app.evaluation import catalogue, metrics
from app.evaluation.metrics import Unit
from app.extensions import db
from app.factories import make_structure, make_user
from app.ledger.models import Level
from app.volunteering.models import Category
from tests.evaluation.factories import act, headcount, local
from tests.helpers import count_queries
from tests.volunteering.hours_factories import validated

COMPUTED = [
    *("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B12", "B13", "B14"),
    *("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P7D", "P8", "P9", "P11"),
    *("I1", "I2", "I3", "I4", "I5", "I8", "I9", "I10"),
    *("U1", "U2", "U5", "U6", "U9"),
]
MANUAL = {
    "U3": Unit.PERSONS,
    "U7": Unit.COUNT,
    "U8": Unit.COUNT,
    "R1_STAFF": Unit.PERSONS,
    "R1_FTE": Unit.FTE,
    "R1_CDI": Unit.PERCENT,
    "R2_BUDGET": Unit.EUROS,
    "R2_CAF": Unit.EUROS,
}
SENACS = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "P3", "I2", "I10", "U1", "U2", "U3", "U7", "U8", "U9"]


def test_the_registered_codes():
    assert {m.code for m in metrics.catalogue()} == {*COMPUTED, *MANUAL}
    assert {m.code for m in metrics.catalogue() if m.manual} == set(MANUAL)
    assert {code: metrics.get(code).unit for code in MANUAL} == MANUAL


@pytest.mark.parametrize("code", ["I6", "I7", "U4", "P10", "B11"])
def test_what_we_cannot_compute_is_not_registered_but_said(code):
    assert metrics.get(code) is None
    assert f"- {code}" in catalogue.__doc__ or f" {code} " in catalogue.__doc__


def test_flags():
    assert sorted(m.code for m in metrics.catalogue() if m.senacs) == sorted(SENACS)
    assert {m.code for m in metrics.catalogue() if m.age_filter} == {"P3", "P11", "I5", "U1", "U6"}
    for metric in metrics.catalogue():
        assert str(metric.label) and len(str(metric.definition)) > 30, metric.code
        # One way to compute it; a query metric may also give its value alone (scalar, no breakdown).
        alone = metric.scalar is not None and metric.query is None
        assert sum((alone, metric.ratio is not None, metric.query is not None)) == (0 if metric.manual else 1)
        assert metric.ratio is None or metric.scalar is None, metric.code


def test_families_sort_by_number():
    codes = [m.code for m in metrics.catalogue(metrics.Family.VOLUNTEERING)]
    assert codes == ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B12", "B13", "B14"]


@pytest.fixture
def two_centres(structure):
    """A little of everything in two centres, so that no query is skipped for lack of rows."""
    other = make_structure("Espace de vie sociale Le Préau")
    for centre in (structure, other):
        staff = make_user(centre, role=Role.STAFF)
        person = make_user(centre, birth_year=2001)
        db.session.commit()
        validated(centre, person, staff, date(2025, 3, 3), "3", Category.ACTIVITY)
        act(person, centre, local(2025, 4, 4), kind="meeting.attend", level=Level.L4_CONCERTATION)
        headcount(centre, date(2025, 5, 5), 20, is_event=True)
    return structure, other


def test_scalar_and_ratio_metrics_are_one_query(two_centres):
    a, b = two_centres
    codes = [m.code for m in metrics.catalogue() if m.scalar is not None or m.ratio is not None]
    scope = metrics.Scope.year((a.id, b.id), 2025)
    with count_queries() as counter:
        got = metrics.compute(codes, scope, breakdowns=False)
    assert counter.count == 1
    assert set(got) == set(codes) and len(codes) >= 20
    # With their breakdowns, the query metrics that also have a total run their own queries.
    with count_queries() as counter:
        metrics.compute(codes, scope)
    both = [m for m in metrics.catalogue() if m.scalar is not None and m.query is not None]
    assert both and 1 < counter.count <= 1 + 2 * len(both)


@pytest.mark.parametrize("code", [m.code for m in metrics.catalogue() if m.query is not None])
def test_each_query_metric_is_two_queries_at_most(two_centres, code):
    a, b = two_centres
    for scope in (metrics.Scope.year(a.id, 2025), metrics.Scope.year((a.id, b.id), 2024)):
        with count_queries() as counter:
            metrics.compute([code], scope)
        assert counter.count <= 2, code


def test_the_whole_catalogue_in_a_bounded_number_of_queries(two_centres):
    """One SELECT for the scalar and ratio metrics, one or two per query metric, one for the manual ones."""
    a, b = two_centres
    codes = [m.code for m in metrics.catalogue()]
    queries = sum(1 for m in metrics.catalogue() if m.query is not None)
    scope = metrics.Scope.year((a.id, b.id), 2025)
    with count_queries() as counter:
        got = metrics.compute(codes, scope)
    assert counter.count <= 1 + queries + 1 + 1  # B7 reads its full-time references apart
    assert (got["B1"].value, got["U1"].value, got["U1"].anonymous, got["I10"].value) == (2, 2, 40, 2)
