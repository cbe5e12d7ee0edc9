"""Writing the projet social: the agrément period rules, the tree (add, move, delete with what
goes with it), indicators (metric, age filter, French numbers), tags of objectives."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import AgeBracket
from app.audit import AuditEvent
from app.centres.models import Role
from app.evaluation import metrics, services
from app.evaluation import project_queries as queries
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    IndicatorKind,
    LinkTarget,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.extensions import db
from app.factories import make_structure
from app.timeutil import local_today
from tests.instances.factories import make_instance
from tests.volunteering.factories import make_mission

START = date(2024, 1, 1)
END = date(2027, 12, 31)


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN, display_name="Claire Directrice")


def _project(structure, admin, start=START, end=END, title="Vivre ensemble aux Buers"):
    project = services.create_project(structure, {"title": title, "starts_on": start, "ends_on": end}, by=admin)
    db.session.commit()
    return project


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _error(call) -> services.ProjectError:
    with pytest.raises(services.ProjectError) as caught:
        call()
    db.session.rollback()
    return caught.value


# --- period --------------------------------------------------------------------------------------


def test_a_project_is_created_and_logged(structure, admin):
    project = _project(structure, admin)
    assert project.structure_id == structure.id
    assert project.title == "Vivre ensemble aux Buers"
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "social_project_created" in events


def test_the_end_must_follow_the_start(structure, admin):
    error = _error(lambda: _project(structure, admin, start=START, end=START))
    assert error.field == "ends_on"
    assert "après son début" in str(error)
    assert _count(SocialProject) == 0


def test_an_agrement_lasts_four_years_at_most(structure, admin):
    error = _error(lambda: _project(structure, admin, start=START, end=date(2028, 1, 2)))
    assert error.field == "ends_on"
    assert "quatre ans" in str(error)
    # Exactly four years is allowed, as are the usual dates (1/1/2024 → 31/12/2027).
    assert _project(structure, admin, start=START, end=date(2028, 1, 1)).id


def test_periods_of_one_centre_never_overlap(structure, admin):
    first = _project(structure, admin)
    error = _error(lambda: _project(structure, admin, start=date(2027, 6, 1), end=date(2031, 5, 31), title="Suite"))
    assert error.field == "starts_on"
    assert "chevauche" in str(error) and "Vivre ensemble aux Buers" in str(error)
    # The next agrément, starting the day after, is fine; so is the same period in another centre.
    following = _project(structure, admin, start=date(2028, 1, 1), end=date(2031, 12, 31), title="Suite")
    other = make_structure("Centre social Voltaire")
    db.session.commit()
    assert _project(other, admin, title="Ailleurs").id
    # Editing a project does not collide with itself, but may not reach into its neighbour.
    services.update_project(first, {"title": "Titre corrigé", "starts_on": START, "ends_on": END}, by=admin)
    db.session.commit()
    error = _error(
        lambda: services.update_project(
            following, {"title": "Suite", "starts_on": date(2027, 12, 1), "ends_on": date(2031, 11, 30)}, by=admin
        )
    )
    assert error.field == "starts_on"


def test_the_current_project_is_the_one_of_today_else_the_latest(structure, admin):
    today = local_today()
    past = _project(structure, admin, start=today - timedelta(days=2000), end=today - timedelta(days=600), title="A")
    assert queries.current_project(structure.id, today).id == past.id
    current = _project(structure, admin, start=today - timedelta(days=500), end=today + timedelta(days=300), title="B")
    _project(structure, admin, start=today + timedelta(days=400), end=today + timedelta(days=900), title="C")
    assert queries.current_project(structure.id, today).id == current.id
    assert queries.pick_current(queries.projects_of(structure.id), today).id == current.id


# --- the tree ------------------------------------------------------------------------------------


def build_tree(structure, admin):
    """One axis, a general objective with two operational ones, actions and indicators."""
    project = _project(structure, admin)
    axis = services.add_axis(project, {"title": "Participation des habitants"}, by=admin)
    general = services.add_objective(axis, {"title": "Faire des habitants les acteurs du centre"}, by=admin)
    first = services.add_objective(axis, {"title": "Renforcer le comité d'usagers"}, by=admin, parent=general)
    second = services.add_objective(axis, {"title": "Accompagner les initiatives"}, by=admin, parent=general)
    action = services.add_action(first, {"title": "Comité d'usagers trimestriel", "is_family": False}, by=admin)
    services.add_action(second, {"title": "Permanence initiatives"}, by=admin)
    quantitative = {"title": "Bénévoles", "kind": IndicatorKind.QUANTITATIVE, "metric_code": "B1", "target": 40}
    services.add_indicator(quantitative, by=admin, objective=general)
    services.add_indicator({**quantitative, "title": "Bénévoles du comité"}, by=admin, action=action)
    services.add_indicator({"title": "Avis", "kind": IndicatorKind.QUALITATIVE}, by=admin, objective=first)
    db.session.commit()
    return project, axis, general, first, second, action


def test_the_tree_nests_axes_objectives_actions_and_indicators(structure, admin):
    project, axis, general, first, second, action = build_tree(structure, admin)
    tree = queries.load_tree(project)
    assert [n.axis.id for n in tree.axes] == [axis.id]
    node = tree.axes[0].objectives[0]
    assert node.objective.id == general.id
    assert [c.objective.id for c in node.children] == [first.id, second.id]
    assert [i.title for i in node.indicators] == ["Bénévoles"]
    assert [a.action.id for a in node.children[0].actions] == [action.id]
    assert [i.title for i in node.children[0].actions[0].indicators] == ["Bénévoles du comité"]
    assert [i.title for i in node.children[0].indicators] == ["Avis"]


def test_deleting_says_what_goes_with_it_and_takes_it(structure, admin):
    project, axis, general, first, _second, action = build_tree(structure, admin)
    initiative_free = make_mission(structure, "Accueil")
    services.link_objective(first, LinkTarget.MISSION, initiative_free.id, by=admin)
    headcount = services.record_headcount(
        structure, {"occurred_on": date(2025, 3, 1), "label": "Comité", "total": 12, "action_id": action.id}, by=admin
    )
    db.session.commit()
    tree = queries.load_tree(project)
    sentence = tree.axes[0].consequences().sentence()
    assert sentence.startswith("Supprime aussi 3 objectifs, 2 actions, 3 indicateurs et 1 lien")
    assert tree.objectives[first.id].consequences().sentence() == (
        "Supprime aussi 1 action, 2 indicateurs et 1 lien avec une initiative, une instance ou une mission."
    )
    assert tree.objectives[_second.id].children == []
    assert queries.Consequences().sentence() == "Rien d'autre n'est supprimé."

    services.delete_objective(general, by=admin)
    db.session.commit()
    assert _count(Objective) == 0
    assert _count(Action) == 0
    assert _count(Indicator) == 0
    assert _count(ObjectiveLink) == 0
    assert _count(Axis) == 1
    # The headcount stays, without its action.
    kept = db.session.get(HeadCount, headcount.id)
    assert kept is not None and kept.action_id is None


def test_deleting_the_project_takes_the_whole_tree(structure, admin):
    project, *_rest = build_tree(structure, admin)
    assert queries.load_tree(project).consequences().sentence().startswith("Supprime aussi 1 axe, 3 objectifs")
    services.delete_project(project, by=admin)
    db.session.commit()
    assert [_count(m) for m in (SocialProject, Axis, Objective, Action, Indicator)] == [0, 0, 0, 0, 0]


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(structure, admin):
    project, axis, general, first, second, _action = build_tree(structure, admin)
    services.move_objective(second, -1, by=admin)
    db.session.commit()
    assert [c.objective.id for c in queries.load_tree(project).objectives[general.id].children] == [second.id, first.id]
    services.move_objective(second, -1, by=admin)  # already first: nothing moves
    db.session.commit()
    assert [c.objective.id for c in queries.load_tree(project).objectives[general.id].children] == [second.id, first.id]
    other = services.add_axis(project, {"title": "Familles"}, by=admin)
    services.move_axis(other, -1, by=admin)
    db.session.commit()
    assert [n.axis.id for n in queries.load_tree(project).axes] == [other.id, axis.id]


def test_an_operational_objective_goes_under_a_general_one_of_its_axis(structure, admin):
    _project_, axis, _general, first, _second, _action = build_tree(structure, admin)
    error = _error(lambda: services.add_objective(axis, {"title": "Trop profond"}, by=admin, parent=first))
    assert "objectif général" in str(error)


def test_titles_are_required(structure, admin):
    project = _project(structure, admin)
    assert _error(lambda: services.add_axis(project, {"title": "  "}, by=admin)).field == "title"


def test_action_theme_must_be_the_centres_and_dates_ordered(structure, admin):
    _project_, _axis, general, *_rest = build_tree(structure, admin)
    elsewhere = make_structure("Centre social Voltaire", themes=("Sport",))
    db.session.commit()
    error = _error(lambda: services.add_action(general, {"title": "X", "theme_id": elsewhere.themes[0].id}, by=admin))
    assert error.field == "theme"
    error = _error(
        lambda: services.add_action(
            general, {"title": "X", "starts_on": date(2025, 5, 1), "ends_on": date(2025, 4, 1)}, by=admin
        )
    )
    assert error.field == "ends_on"
    action = services.add_action(general, {"title": "Sorties familles", "theme_id": structure.themes[0].id}, by=admin)
    assert action.theme_id == structure.themes[0].id


# --- indicators ----------------------------------------------------------------------------------


def test_a_quantitative_indicator_needs_a_metric_of_the_catalogue(structure, admin):
    _project_, _axis, general, *_rest = build_tree(structure, admin)
    for code in (None, "ZZ9"):
        data = {"title": "X", "kind": IndicatorKind.QUANTITATIVE, "metric_code": code}
        assert _error(lambda data=data: services.add_indicator(data, by=admin, objective=general)).field == (
            "metric_code"
        )


def test_the_age_bracket_only_for_metrics_with_an_age_filter(structure, admin):
    _project_, _axis, general, *_rest = build_tree(structure, admin)
    without = next(m for m in metrics.catalogue() if not m.age_filter and not m.manual)
    with_filter = next(m for m in metrics.catalogue() if m.age_filter)
    data = {
        "title": "X",
        "kind": IndicatorKind.QUANTITATIVE,
        "metric_code": without.code,
        "age_bracket": AgeBracket.YOUNG,
    }
    error = _error(lambda: services.add_indicator(data, by=admin, objective=general))
    assert error.field == "age_bracket"
    assert "ne se calcule pas par tranche d'âge" in str(error)
    indicator = services.add_indicator(
        {**data, "metric_code": with_filter.code, "baseline": Decimal("12.5")}, by=admin, objective=general
    )
    assert indicator.age_bracket == AgeBracket.YOUNG
    assert indicator.baseline == Decimal("12.5")


def test_a_qualitative_indicator_drops_the_metric_fields(structure, admin):
    _project_, _axis, general, *_rest = build_tree(structure, admin)
    indicator = services.add_indicator(
        {
            "title": "Paroles",
            "kind": IndicatorKind.QUALITATIVE,
            "metric_code": "B1",
            "target": 3,
            "evidence": "Verbatims",
        },
        by=admin,
        objective=general,
    )
    assert (indicator.metric_code, indicator.target, indicator.evidence) == (None, None, "Verbatims")


def test_an_indicator_hangs_on_an_objective_or_an_action(structure, admin):
    _project_, _axis, general, _first, _second, action = build_tree(structure, admin)
    data = {"title": "X", "kind": IndicatorKind.QUALITATIVE}
    assert _error(lambda: services.add_indicator(data, by=admin))
    assert _error(lambda: services.add_indicator(data, by=admin, objective=general, action=action))


# --- tags ----------------------------------------------------------------------------------------


def test_tags_are_unique_and_of_the_same_centre(structure, admin, make_user):
    _project_, _axis, general, *_rest = build_tree(structure, admin)
    instance = make_instance(structure)
    services.link_objective(general, LinkTarget.INSTANCE, instance.id, by=admin)
    db.session.commit()
    error = _error(lambda: services.link_objective(general, LinkTarget.INSTANCE, instance.id, by=admin))
    assert isinstance(error, services.AlreadyLinked)
    assert "Déjà lié" in str(error)
    assert _count(ObjectiveLink) == 1
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    foreign = make_instance(elsewhere)
    with pytest.raises(LookupError):
        services.link_objective(general, LinkTarget.INSTANCE, foreign.id, by=admin)
    served = queries.objectives_served(structure.id, LinkTarget.INSTANCE, instance.id)
    assert [o.id for o in served] == [general.id]
