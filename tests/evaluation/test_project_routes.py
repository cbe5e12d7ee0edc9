"""The projet social pages: who sees and who writes, the tree as a page and as an htmx fragment,
plain forms without JavaScript (confirmation pages), tags without doubles, bounded queries."""

import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.evaluation import services
from app.evaluation.models import (
    Action,
    Axis,
    Indicator,
    IndicatorKind,
    LinkTarget,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.extensions import db
from app.factories import make_structure
from tests.helpers import count_queries, hx
from tests.initiatives.factories import make_initiative
from tests.instances.factories import make_instance
from tests.volunteering.factories import make_mission

BASE = "/evaluation/projet-social"


@pytest.fixture
def people(make_user):
    return {
        "habitant": make_user(display_name="Rose Petit"),
        "coordinator": make_user(role=Role.COORDINATOR, display_name="Nora"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Animatrice"),
        "admin": make_user(role=Role.ADMIN, display_name="Claire Directrice"),
    }


def _tree(structure, admin, *, axes: int = 1, objectives: int = 2, actions: int = 2):
    """A project with `axes` axes, each with `objectives` general objectives, each with one
    operational objective, `actions` actions and an indicator on each, and a tag per objective."""
    project = services.create_project(
        structure, {"title": "Vivre ensemble", "starts_on": date(2024, 1, 1), "ends_on": date(2027, 12, 31)}, by=admin
    )
    mission = make_mission(structure, "Accueil des familles")
    for a in range(axes):
        axis = services.add_axis(project, {"title": f"Axe {a}"}, by=admin)
        for o in range(objectives):
            general = services.add_objective(axis, {"title": f"Objectif {a}.{o}"}, by=admin)
            operational = services.add_objective(axis, {"title": f"Opérationnel {a}.{o}"}, by=admin, parent=general)
            services.link_objective(general, LinkTarget.MISSION, mission.id, by=admin)
            services.add_indicator(
                {"title": "Bénévoles", "kind": IndicatorKind.QUANTITATIVE, "metric_code": "B1", "target": 40},
                by=admin,
                objective=general,
            )
            for n in range(actions):
                action = services.add_action(
                    operational,
                    {"title": f"Action {a}.{o}.{n}", "publics": "Familles", "theme_id": structure.themes[0].id},
                    by=admin,
                )
                services.add_indicator({"title": "Paroles", "kind": IndicatorKind.QUALITATIVE}, by=admin, action=action)
    db.session.commit()
    return project


def _first(model):
    return db.session.scalars(sa.select(model).order_by(model.id)).first()


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- who sees, who writes ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, structure, people):
    _tree(structure, people["admin"])
    axis = _first(Axis)
    for path in [f"{BASE}/", f"{BASE}/nouveau", f"{BASE}/axes/{axis.id}/modifier", f"{BASE}/liens"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/compte/connexion" in response.headers["Location"]
    assert client.post(f"{BASE}/axes/{axis.id}/deplacer", data={"direction": "up"}).status_code == 302


@pytest.mark.parametrize("role", ["habitant", "coordinator"])
def test_habitants_and_coordinators_are_refused(client, auth, structure, people, role):
    _tree(structure, people["admin"])
    auth.login(people[role])
    axis = _first(Axis)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/liens").status_code == 403
    assert client.get(f"{BASE}/axes/{axis.id}/modifier").status_code == 403
    assert client.post(f"{BASE}/axes/{axis.id}/supprimer").status_code == 403
    assert _count(Axis) == 1


def test_staff_read_the_tree_but_do_not_write(client, auth, structure, people):
    _tree(structure, people["admin"])
    auth.login(people["staff"])
    page = client.get(f"{BASE}/")
    assert page.status_code == 200
    assert "Objectif 0.0" in page.text and "Action 0.0.1" in page.text
    assert "B1 — Bénévoles" in page.text
    assert "Accueil des familles" in page.text  # what serves the objective
    assert "Supprimer" not in page.text and "Ajouter un axe" not in page.text
    axis, objective, action, indicator = _first(Axis), _first(Objective), _first(Action), _first(Indicator)
    forbidden_gets = [
        f"{BASE}/nouveau",
        f"{BASE}/{axis.project_id}/modifier",
        f"{BASE}/axes/{axis.id}/modifier",
        f"{BASE}/axes/{axis.id}/supprimer",
        f"{BASE}/objectifs/{objective.id}/liens",
        f"{BASE}/actions/{action.id}/modifier",
        f"{BASE}/indicateurs/{indicator.id}/modifier",
    ]
    for path in forbidden_gets:
        assert client.get(path).status_code == 403, path
    forbidden_posts = [
        (f"{BASE}/nouveau", {"title": "X", "starts_on": "2030-01-01", "ends_on": "2031-01-01"}),
        (f"{BASE}/{axis.project_id}/axes/nouveau", {"title": "Nouvel axe"}),
        (f"{BASE}/axes/{axis.id}/deplacer", {"direction": "down"}),
        (f"{BASE}/objectifs/{objective.id}/supprimer", {}),
        (f"{BASE}/indicateurs/{indicator.id}/supprimer", {}),
    ]
    for path, data in forbidden_posts:
        assert client.post(path, data=data).status_code == 403, path
    assert (_count(SocialProject), _count(Axis), _count(Objective), _count(Indicator)) == (1, 1, 4, 6)


def test_another_centres_objects_are_404(client, auth, structure, people, make_user):
    elsewhere = make_structure("Centre social Voltaire", themes=("Sport",))
    db.session.commit()
    foreign_admin = make_user(elsewhere, role=Role.ADMIN)
    foreign = _tree(elsewhere, foreign_admin)
    _tree(structure, people["admin"])
    auth.login(people["admin"])
    axis = db.session.scalars(sa.select(Axis).where(Axis.project_id == foreign.id)).first()
    objective = db.session.scalars(sa.select(Objective).where(Objective.axis_id == axis.id)).first()
    action = db.session.scalars(sa.select(Action).where(Action.objective_id == objective.children[0].id)).first()
    indicator = db.session.scalars(sa.select(Indicator).where(Indicator.project_id == foreign.id)).first()
    link = db.session.scalars(sa.select(ObjectiveLink).where(ObjectiveLink.objective_id == objective.id)).first()
    for path in [
        f"{BASE}/?projet={foreign.id}",
        f"{BASE}/{foreign.id}/modifier",
        f"{BASE}/axes/{axis.id}/modifier",
        f"{BASE}/objectifs/{objective.id}/liens",
        f"{BASE}/actions/{action.id}/supprimer",
        f"{BASE}/indicateurs/{indicator.id}/modifier",
    ]:
        assert client.get(path).status_code == 404, path
    for path in [
        f"{BASE}/axes/{axis.id}/supprimer",
        f"{BASE}/liens/{link.id}/retirer",
        f"{BASE}/{foreign.id}/supprimer",
    ]:
        assert client.post(path).status_code == 404, path
    assert _count(SocialProject) == 2


# --- empty states --------------------------------------------------------------------------------


def test_empty_states_say_who_writes_the_project(client, auth, structure, people):
    auth.login(people["staff"])
    page = client.get(f"{BASE}/").text
    assert "La direction n'a pas encore saisi le projet social" in unescape(page)
    auth.logout()
    auth.login(people["admin"])
    page = client.get(f"{BASE}/").text
    assert "Écrire le projet social" in page
    assert f'href="{BASE}/nouveau"' in page


# --- writing the project -------------------------------------------------------------------------


def test_the_direction_writes_the_project_with_clear_errors(client, auth, structure, people):
    auth.login(people["admin"])
    bad = client.post(f"{BASE}/nouveau", data={"title": "Projet", "starts_on": "2024-01-01", "ends_on": "2029-01-01"})
    assert bad.status_code == 422
    assert "Un agrément dure quatre ans au plus" in bad.text
    assert 'value="Projet"' in bad.text  # what was typed is kept
    reversed_dates = client.post(
        f"{BASE}/nouveau", data={"title": "Projet", "starts_on": "01/01/2024", "ends_on": "31/12/2023"}
    )
    assert reversed_dates.status_code == 422
    assert "La fin de l'agrément doit être après son début." in unescape(reversed_dates.text)
    created = client.post(
        f"{BASE}/nouveau", data={"title": "Vivre ensemble", "starts_on": "01/01/2024", "ends_on": "31/12/2027"}
    )
    assert created.status_code == 303
    project = _first(SocialProject)
    assert created.headers["Location"].endswith(f"{BASE}/?projet={project.id}&modifier=1")
    page = client.get(created.headers["Location"]).text
    assert "Le projet social est enregistré" in page
    assert "Ajoutez le premier axe du projet" in page
    overlapping = client.post(
        f"{BASE}/nouveau", data={"title": "Autre", "starts_on": "2026-01-01", "ends_on": "2029-12-31"}
    )
    assert overlapping.status_code == 422
    assert "chevauche" in overlapping.text


def test_adding_and_editing_the_tree_without_javascript(client, auth, structure, people):
    project = _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    auth.login(people["admin"])
    added = client.post(f"{BASE}/{project.id}/axes/nouveau", data={"title": "Soutenir les familles"})
    assert added.status_code == 303
    axis = db.session.scalars(sa.select(Axis).where(Axis.title == "Soutenir les familles")).one()
    assert added.headers["Location"].endswith(f"?projet={project.id}&modifier=1#axe-{axis.id}")
    empty = client.post(f"{BASE}/axes/{axis.id}/objectifs/nouveau", data={"title": ""})
    assert empty.status_code == 422
    assert "Indiquez l'intitulé de l'objectif." in unescape(empty.text)
    assert (
        client.post(f"{BASE}/axes/{axis.id}/objectifs/nouveau", data={"title": "Rompre l'isolement"}).status_code == 303
    )
    general = db.session.scalars(sa.select(Objective).where(Objective.title == "Rompre l'isolement")).one()
    assert (
        client.post(f"{BASE}/objectifs/{general.id}/operationnels/nouveau", data={"title": "Sorties"}).status_code
        == 303
    )
    operational = db.session.scalars(sa.select(Objective).where(Objective.title == "Sorties")).one()
    assert operational.parent_id == general.id
    # No objective under an operational one.
    assert client.get(f"{BASE}/objectifs/{operational.id}/operationnels/nouveau").status_code == 404
    form = client.get(f"{BASE}/objectifs/{operational.id}/actions/nouvelle")
    assert form.status_code == 200 and "Cadre de vie" in form.text  # the centre's themes
    saved = client.post(
        f"{BASE}/objectifs/{operational.id}/actions/nouvelle",
        data={
            "title": "Sortie à la mer",
            "publics": "Familles",
            "partners": "Caf",
            "theme": "",
            "is_family": "y",
            "starts_on": "2025-07-10",
        },
    )
    assert saved.status_code == 303
    action = db.session.scalars(sa.select(Action).where(Action.title == "Sortie à la mer")).one()
    assert action.is_family and action.starts_on == date(2025, 7, 10)
    edited = client.post(f"{BASE}/actions/{action.id}/modifier", data={"title": "Sortie à la mer (juillet)"})
    assert edited.status_code == 303
    db.session.expire_all()
    assert db.session.get(Action, action.id).title == "Sortie à la mer (juillet)"
    page = client.get(f"{BASE}/?projet={project.id}").text
    assert "Sortie à la mer (juillet)" in page


def test_indicator_form_accepts_french_numbers_and_checks_the_age_filter(client, auth, structure, people):
    project = _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    objective = _first(Objective)
    auth.login(people["admin"])
    page = client.get(f"{BASE}/objectifs/{objective.id}/indicateurs/nouveau")
    assert page.status_code == 200
    assert re.search(r'<optgroup label="Bénévolat">\s*<option value="B1">B1 — Bénévoles</option>', page.text)
    path = f"{BASE}/objectifs/{objective.id}/indicateurs/nouveau"
    data = {
        "title": "Bénévoles jeunes",
        "kind": "quantitative",
        "metric_code": "B1",
        "age_bracket": "18-25",
        "baseline": "12,5",
        "target": "1 040",
    }
    refused = client.post(path, data=data)
    assert refused.status_code == 422
    assert "ne se calcule pas par tranche d" in refused.text
    assert 'value="12,5"' in refused.text
    no_metric = client.post(path, data={**data, "metric_code": "", "age_bracket": ""})
    assert no_metric.status_code == 422 and "Choisissez le chiffre du catalogue" in no_metric.text
    assert client.post(path, data={**data, "age_bracket": ""}).status_code == 303
    indicator = db.session.scalars(sa.select(Indicator).where(Indicator.title == "Bénévoles jeunes")).one()
    assert (str(indicator.baseline), str(indicator.target)) == ("12.50", "1040.00")
    tree = client.get(f"{BASE}/?projet={project.id}").text
    assert "Départ : 12,5 → visé : 1\u202f040" in tree or "Départ : 12,5 → visé : 1\xa0040" in tree
    edit = client.get(f"{BASE}/indicateurs/{indicator.id}/modifier")
    assert 'value="12,5"' in edit.text and '<option selected value="B1">' in edit.text


# --- the tree as a page and as a fragment --------------------------------------------------------


def test_the_tree_is_a_full_page_or_an_htmx_fragment(client, auth, structure, people):
    _tree(structure, people["admin"])
    auth.login(people["staff"])
    full = client.get(f"{BASE}/")
    assert "<html" in full.text and 'id="project-tree"' in full.text
    fragment = client.get(f"{BASE}/", headers=hx("project-tree"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="project-tree"')
    assert fragment.text.strip() in full.text
    boosted = client.get(f"{BASE}/", headers=hx("project-tree", boosted=True))
    assert "<html" in boosted.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_moving_without_js_redirects_and_with_htmx_swaps_the_tree(client, auth, structure, people):
    project = _tree(structure, people["admin"], axes=2, objectives=1, actions=1)
    first, second = db.session.scalars(sa.select(Axis).order_by(Axis.position)).all()
    auth.login(people["admin"])
    moved = client.post(f"{BASE}/axes/{second.id}/deplacer", data={"direction": "up"})
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"?projet={project.id}&modifier=1#axe-{second.id}")
    db.session.expire_all()
    assert [a.id for a in db.session.scalars(sa.select(Axis).order_by(Axis.position))] == [second.id, first.id]
    swapped = client.post(f"{BASE}/axes/{second.id}/deplacer", data={"direction": "down"}, headers=hx("project-tree"))
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<div id="project-tree"')
    assert "L'ordre est modifié." in unescape(swapped.text)
    assert swapped.text.index(f'id="axe-{first.id}"') < swapped.text.index(f'id="axe-{second.id}"')


def test_deleting_asks_on_a_page_without_js_and_says_what_goes_with_it(client, auth, structure, people):
    project = _tree(structure, people["admin"], axes=1, objectives=2, actions=2)
    axis = _first(Axis)
    auth.login(people["admin"])
    reading = client.get(f"{BASE}/").text
    # Reading the project is not a wall of buttons: the direction switches to edit mode.
    assert "Supprimer" not in reading and f"{BASE}/?projet={project.id}&amp;modifier=1" in reading
    tree = client.get(f"{BASE}/?modifier=1").text
    assert "Terminer les modifications" in tree
    # With JS: a POST after hx-confirm, which names what goes with it.
    assert f'hx-post="{BASE}/axes/{axis.id}/supprimer"' in tree
    assert "Supprime aussi 4 objectifs, 4 actions, 6 indicateurs et 2 liens" in tree
    # Without JS: a GET to the confirmation page.
    confirm = client.get(f"{BASE}/axes/{axis.id}/supprimer")
    assert confirm.status_code == 200
    assert "Supprimer cet axe ?" in confirm.text
    assert "Supprime aussi 4 objectifs, 4 actions, 6 indicateurs et 2 liens" in confirm.text
    assert f'action="{BASE}/axes/{axis.id}/supprimer"' in confirm.text and 'name="csrf_token"' in confirm.text
    assert _count(Axis) == 1  # asking deletes nothing
    assert client.post(f"{BASE}/axes/{axis.id}/supprimer", data={}, csrf=False).status_code == 400
    done = client.post(f"{BASE}/axes/{axis.id}/supprimer")
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"?projet={project.id}&modifier=1")
    assert (_count(Axis), _count(Objective), _count(Action), _count(Indicator), _count(ObjectiveLink)) == (
        0,
        0,
        0,
        0,
        0,
    )
    after = client.get(done.headers["Location"]).text
    assert "L'axe est supprimé." in unescape(after)


def test_deleting_with_htmx_swaps_the_tree(client, auth, structure, people):
    _tree(structure, people["admin"], axes=1, objectives=1, actions=2)
    action = _first(Action)
    auth.login(people["admin"])
    response = client.post(f"{BASE}/actions/{action.id}/supprimer", headers=hx("project-tree"))
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="project-tree"')
    assert "Action 0.0.0" not in response.text and "Action 0.0.1" in response.text
    assert _count(Action) == 1


def test_deleting_the_project_from_its_page(client, auth, structure, people):
    project = _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    auth.login(people["admin"])
    confirm = client.get(f"{BASE}/{project.id}/supprimer")
    assert "Supprime aussi 1 axe, 2 objectifs, 1 action, 2 indicateurs et 1 lien" in confirm.text
    assert client.post(f"{BASE}/{project.id}/supprimer").status_code == 303
    assert _count(SocialProject) == 0


def test_other_projects_are_listed_and_shown_on_demand(client, auth, structure, people):
    current = _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    past = services.create_project(
        structure,
        {"title": "Projet 2020-2023", "starts_on": date(2020, 1, 1), "ends_on": date(2023, 12, 31)},
        by=people["admin"],
    )
    db.session.commit()
    auth.login(people["staff"])
    page = client.get(f"{BASE}/").text
    assert "<h1>Vivre ensemble</h1>" in page
    assert "Autres projets sociaux" in page and f"?projet={past.id}" in page
    other = client.get(f"{BASE}/?projet={past.id}").text
    assert "<h1>Projet 2020-2023</h1>" in other and f"?projet={current.id}" in other


# --- what serves an objective --------------------------------------------------------------------


def test_tagging_an_objective_twice_gives_one_row(client, auth, structure, people):
    _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    objective = _first(Objective)
    initiative = make_initiative(structure, people["habitant"], people["staff"], title="Jardin partagé")
    make_instance(structure, "Comité d'usagers")
    auth.login(people["admin"])
    page = client.get(f"{BASE}/objectifs/{objective.id}/liens")
    assert page.status_code == 200
    assert "Jardin partagé" in unescape(page.text) and "Comité d'usagers" in unescape(page.text)
    first = client.post(f"{BASE}/objectifs/{objective.id}/liens", data={"target": f"initiative-{initiative.id}"})
    second = client.post(f"{BASE}/objectifs/{objective.id}/liens", data={"target": f"initiative-{initiative.id}"})
    assert (first.status_code, second.status_code) == (303, 303)
    assert "Déjà lié" in client.get(second.headers["Location"]).text
    links = db.session.scalars(sa.select(ObjectiveLink).where(ObjectiveLink.target_type == LinkTarget.INITIATIVE)).all()
    assert len(links) == 1
    # Nothing chosen: a message by the field.
    empty = client.post(f"{BASE}/objectifs/{objective.id}/liens", data={"target": ""})
    assert empty.status_code == 422 and "Choisissez une initiative" in empty.text
    # Another centre's initiative: 404.
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    outsider = make_initiative(elsewhere, people["habitant"], people["admin"], title="Ailleurs")
    assert (
        client.post(f"{BASE}/objectifs/{objective.id}/liens", data={"target": f"initiative-{outsider.id}"}).status_code
        == 404
    )
    # Searching narrows the select; removing a tag.
    narrowed = client.get(f"{BASE}/objectifs/{objective.id}/liens?q=jardin").text
    assert "Jardin partagé" in narrowed and "Comité d'usagers" not in unescape(narrowed).split("Rattacher</h2>")[1]
    assert client.post(f"{BASE}/liens/{links[0].id}/retirer").status_code == 303
    served = client.get(f"{BASE}/liens").text
    assert "Jardin partagé" not in served


def test_the_served_page_lists_items_with_their_objectives(client, auth, structure, people):
    _tree(structure, people["admin"], axes=1, objectives=2, actions=1)
    auth.login(people["staff"])
    page = client.get(f"{BASE}/liens")
    assert page.status_code == 200
    assert "Accueil des familles" in page.text
    assert "Objectif 0.0" in page.text and "Objectif 0.1" in page.text


def test_concurrent_tags_never_fail(structure, people, web_user):
    """Three submits of the same tag at the same instant: one row, never a 500."""
    from tests.conftest import PASSWORD, run_together

    _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    objective_id = _first(Objective).id
    instance_id = make_instance(structure).id
    username = people["admin"].username
    db.session.remove()  # the test holds no transaction while the server works
    browsers = []
    for _ in range(3):
        browser = web_user()
        status, _body = browser.post(
            "/compte/connexion", {"identifier": username, "password": PASSWORD}, browser.token("/compte/connexion")
        )
        assert status == 303
        browsers.append(browser)
    path = f"{BASE}/objectifs/{objective_id}/liens"
    tokens = [b.token(path) for b in browsers]
    db.session.remove()
    results = run_together(
        [
            lambda b=b, t=t: b.post(path, {"target": f"instance-{instance_id}"}, t)
            for b, t in zip(browsers, tokens, strict=True)
        ]
    )
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [303, 303, 303]
    db.session.remove()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ObjectiveLink)
            .where(ObjectiveLink.target_type == LinkTarget.INSTANCE)
        )
        == 1
    )


# --- query budget --------------------------------------------------------------------------------


def test_the_tree_page_costs_the_same_queries_at_any_size(client, auth, structure, people, make_user):
    auth.login(people["admin"])
    _tree(structure, people["admin"], axes=1, objectives=1, actions=1)
    with count_queries() as small:
        assert client.get(f"{BASE}/?modifier=1").status_code == 200
    db.session.execute(sa.delete(SocialProject))
    db.session.commit()
    _tree(structure, people["admin"], axes=3, objectives=4, actions=3)  # 10× the items and more
    with count_queries() as large:
        page = client.get(f"{BASE}/?modifier=1")
        assert page.status_code == 200
    assert page.text.count('class="objective level-4"') == 12
    assert large.count == small.count, large.statements
    assert large.count <= 12, large.statements
    with count_queries() as fragment:
        assert client.get(f"{BASE}/", headers=hx("project-tree")).status_code == 200
    assert fragment.count <= large.count
