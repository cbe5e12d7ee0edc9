"""Figures people enter: anonymous headcounts (brackets within the total, no negatives, no future
date) and the direction's manual figures (upsert per centre, year and code, clearing removes)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.centres.models import Role
from app.evaluation import metrics, services
from app.evaluation.models import HeadCount, ManualFigure
from app.extensions import db
from app.factories import make_structure
from app.timeutil import local_today

DAY = date(2025, 6, 21)


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Animatrice")


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN, display_name="Claire Directrice")


def _error(call) -> services.ProjectError:
    with pytest.raises(services.ProjectError) as caught:
        call()
    db.session.rollback()
    return caught.value


def _headcount(**fields) -> dict:
    return {"occurred_on": DAY, "label": "Fête de quartier", "total": 42, **fields}


# --- headcounts ----------------------------------------------------------------------------------


def test_a_headcount_is_recorded_without_names(structure, staff):
    headcount = services.record_headcount(structure, _headcount(under_11=10, is_event=True), by=staff)
    db.session.commit()
    assert (headcount.total, headcount.under_11, headcount.age_11_25, headcount.is_event) == (42, 10, None, True)
    assert headcount.recorded_by_id == staff.id
    assert db.session.scalars(sa.select(AuditEvent.action)).all()[-1] == "headcount_recorded"


def test_brackets_cannot_add_up_to_more_than_the_total(structure, staff):
    error = _error(
        lambda: services.record_headcount(structure, _headcount(total=20, under_11=15, age_60_plus=6), by=staff)
    )
    assert error.field == "total"
    assert str(error).startswith("Les tranches d'âge additionnées (21) dépassent le total (20)")
    # Exactly the total is fine.
    assert services.record_headcount(structure, _headcount(total=21, under_11=15, age_60_plus=6), by=staff).id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"total": -1}, "total"),
        ({"age_26_59": -3}, "age_26_59"),
        ({"occurred_on": None}, "occurred_on"),
        ({"total": None}, "total"),
        ({"label": "  "}, "label"),
    ],
)
def test_no_negatives_and_required_fields(structure, staff, fields, field):
    assert _error(lambda: services.record_headcount(structure, _headcount(**fields), by=staff)).field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeadCount)) == 0


def test_the_date_is_not_in_the_future(structure, staff):
    tomorrow = local_today() + timedelta(days=1)
    error = _error(lambda: services.record_headcount(structure, _headcount(occurred_on=tomorrow), by=staff))
    assert (error.field, str(error)) == ("occurred_on", "La date ne peut pas être dans le futur.")
    assert services.record_headcount(structure, _headcount(occurred_on=local_today()), by=staff).id


def test_the_action_must_be_of_the_centre(structure, staff, admin, make_user):
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    other_admin = make_user(elsewhere, role=Role.ADMIN)
    project = services.create_project(
        elsewhere, {"title": "Ailleurs", "starts_on": date(2024, 1, 1), "ends_on": date(2027, 12, 31)}, by=other_admin
    )
    axis = services.add_axis(project, {"title": "Axe"}, by=other_admin)
    objective = services.add_objective(axis, {"title": "Objectif"}, by=other_admin)
    foreign_action = services.add_action(objective, {"title": "Action"}, by=other_admin)
    db.session.commit()
    error = _error(lambda: services.record_headcount(structure, _headcount(action_id=foreign_action.id), by=staff))
    assert error.field == "action"


def test_editing_and_deleting_a_headcount(structure, staff):
    headcount = services.record_headcount(structure, _headcount(), by=staff)
    db.session.commit()
    services.update_headcount(headcount, _headcount(total=50, age_11_25=20), by=staff)
    db.session.commit()
    assert (headcount.total, headcount.age_11_25) == (50, 20)
    error = _error(lambda: services.update_headcount(headcount, _headcount(total=5, age_11_25=20), by=staff))
    assert error.field == "total"
    services.delete_headcount(db.session.get(HeadCount, headcount.id), by=staff)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeadCount)) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["headcount_recorded", "headcount_updated", "headcount_deleted"]


# --- manual figures ------------------------------------------------------------------------------


@pytest.fixture
def codes():
    manual = services.manual_metrics()
    assert len(manual) >= 2
    assert all(m.manual for m in manual)
    assert all(not m.manual for m in metrics.catalogue() if m not in manual)
    return [m.code for m in manual[:2]]


def _figures(structure_id: int, year: int) -> dict:
    rows = db.session.scalars(
        sa.select(ManualFigure).where(ManualFigure.structure_id == structure_id, ManualFigure.year == year)
    )
    return {f.code: (f.value, f.note) for f in rows}


def test_manual_figures_are_upserted_and_cleared(structure, admin, codes):
    first, second = codes
    changed = services.save_manual_figures(
        structure, 2025, {first: (Decimal("12"), "Dont 3 à temps partiel"), second: (None, "")}, by=admin
    )
    db.session.commit()
    assert changed == [first]
    assert _figures(structure.id, 2025) == {first: (Decimal("12.00"), "Dont 3 à temps partiel")}
    # The same again changes nothing; a new value updates the same row; another year is apart.
    assert (
        services.save_manual_figures(structure, 2025, {first: (Decimal("12"), "Dont 3 à temps partiel")}, by=admin)
        == []
    )
    services.save_manual_figures(structure, 2025, {first: (Decimal("13.5"), ""), second: (Decimal("4"), "")}, by=admin)
    services.save_manual_figures(structure, 2024, {first: (Decimal("11"), "")}, by=admin)
    db.session.commit()
    assert _figures(structure.id, 2025) == {first: (Decimal("13.50"), ""), second: (Decimal("4.00"), "")}
    # Clearing a value removes it: "not entered", never 0.
    assert services.save_manual_figures(structure, 2025, {first: (None, "")}, by=admin) == [first]
    db.session.commit()
    assert _figures(structure.id, 2025) == {second: (Decimal("4.00"), "")}
    assert _figures(structure.id, 2024) == {first: (Decimal("11.00"), "")}
    figure = metrics.compute([first], metrics.Scope.year(structure.id, 2025))[first]
    assert figure.value is None
    assert db.session.scalars(sa.select(AuditEvent.action)).all().count("manual_figures_saved") == 4


def test_manual_figures_refuse_unknown_codes_and_negatives(structure, admin, codes):
    assert _error(lambda: services.save_manual_figures(structure, 2025, {"B1": (Decimal(3), "")}, by=admin))
    error = _error(lambda: services.save_manual_figures(structure, 2025, {codes[0]: (Decimal(-1), "")}, by=admin))
    assert error.field == f"value_{codes[0]}"


def test_a_figure_saved_meanwhile_by_someone_else_is_updated_not_duplicated(structure, admin, codes, monkeypatch):
    """The other save inserted the row after we looked: the unique constraint answers, we update."""
    code = codes[0]
    services.save_manual_figures(structure, 2025, {code: (Decimal("7"), "")}, by=admin)
    db.session.commit()
    monkeypatch.setattr(services, "_manual_figures_of", lambda structure_id, year: {})
    changed = services.save_manual_figures(structure, 2025, {code: (Decimal("8"), "Corrigé")}, by=admin)
    db.session.commit()
    assert changed == [code]
    assert _figures(structure.id, 2025) == {code: (Decimal("8.00"), "Corrigé")}
