"""The printable projet social evaluation report: per axis the right sessions and participants from the
headcounts, named participants of linked initiatives and instances, "< 5" masking, print tools, roles,
the empty state, periods, and the query budget."""

import csv
import html as html_module
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from app.centres.models import Role
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
from app.factories import make_structure, make_user
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import local_today
from tests.helpers import count_queries
from tests.instances.factories import make_instance, make_meeting

YEAR = local_today().year


def _count(structure, action, total, day):
    db.session.add(
        HeadCount(
            structure_id=structure.id,
            occurred_on=day,
            label="Séance",
            total=total,
            action_id=action.id if action else None,
        )
    )


def _attend(person, structure, obj, when=None):
    record_participation(
        person,
        structure_id=structure.id,
        kind="test.attend",
        level=Level.L2_CONSULTATION,
        obj=obj,
        occurred_at=when or datetime(YEAR, 2, 10, 10),
    )


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Bernard")


@pytest.fixture
def plan(structure, staff):
    """Two axes, three actions and their headcounts, an initiative and an instance linked to objectives.

    This year: "Atelier cuisine" 3 sessions (10 + 12 + 8 people), "Café des parents" 5 sessions of one
    person, "Accompagnement scolaire" 1 session of 4. Last year: one more "Atelier cuisine" of 50.
    The initiative linked to "Réussite éducative" has 5 distinct registered participants this year,
    the instance linked to "Pouvoir d'agir" 2 (plus one staff member, not counted).
    """
    project = SocialProject(
        structure_id=structure.id,
        title="Vivre ensemble aux Tilleuls",
        starts_on=date(YEAR - 1, 1, 1),
        ends_on=date(YEAR + 2, 12, 31),
    )
    participation = Axis(project=project, title="Participation des habitants", position=1)
    youth = Axis(project=project, title="Jeunesse et familles", position=2)
    power = Objective(axis=participation, title="Pouvoir d'agir", position=1)
    db.session.add_all([project, participation, youth, power])
    db.session.flush()
    parents = Objective(axis=participation, parent_id=power.id, title="Soutenir les parents", position=1)
    school = Objective(axis=youth, title="Réussite éducative", position=1)
    kitchen = Action(objective=power, title="Atelier cuisine", publics="Habitants du quartier", partners="Caf")
    cafe = Action(objective=parents, title="Café des parents", publics="Parents", partners="École Jean-Moulin")
    homework = Action(objective=school, title="Accompagnement scolaire", publics="6-11 ans", partners="")
    db.session.add_all([parents, school, kitchen, cafe, homework])
    db.session.flush()
    for total, day in ((10, 5), (12, 6), (8, 7)):
        _count(structure, kitchen, total, date(YEAR, 1, day))
    _count(structure, kitchen, 50, date(YEAR - 1, 6, 1))
    for day in range(1, 6):
        _count(structure, cafe, 1, date(YEAR, 2, day))
    _count(structure, homework, 4, date(YEAR, 3, 1))
    _count(structure, None, 100, date(YEAR, 3, 2))  # not an action's

    from tests.initiatives.factories import make_initiative

    people = [make_user(structure, display_name=f"Habitant {i}") for i in range(6)]
    initiative = make_initiative(structure, people[0], staff, title="Jardin partagé")
    for person in people[1:5]:
        _attend(person, structure, initiative)
    _attend(people[5], structure, initiative, datetime(YEAR - 1, 5, 5, 10))  # last year
    instance = make_instance(structure, "Comité d'usagers")
    meeting = make_meeting(instance)
    _attend(people[1], structure, meeting)
    _attend(people[2], structure, meeting)
    record_participation(staff, structure_id=structure.id, kind="test.attend", level=Level.L4_CONCERTATION, obj=meeting)
    db.session.add_all(
        [
            ObjectiveLink(objective_id=school.id, target_type=LinkTarget.INITIATIVE, target_id=initiative.id),
            ObjectiveLink(objective_id=power.id, target_type=LinkTarget.INSTANCE, target_id=instance.id),
            Indicator(
                project_id=project.id,
                objective_id=power.id,
                title="Habitants touchés",
                kind=IndicatorKind.QUANTITATIVE,
                metric_code="U1",
                baseline=2,
                target=10,
                comment="Bonne dynamique",
            ),
            Indicator(
                project_id=project.id,
                action_id=homework.id,
                title="Parole des parents",
                kind=IndicatorKind.QUALITATIVE,
                evidence="Verbatims recueillis au goûter de juin",
            ),
        ]
    )
    db.session.commit()
    return project


def _axis(html: str, title: str) -> str:
    match = re.search(
        rf'<section class="report-axis"[^>]*>\s*<h2[^>]*>Axe \d : {re.escape(title)}</h2>.*?</section>', html, re.S
    )
    assert match, f"no axis {title}"
    return match.group(0)


def _row(section: str, label: str) -> list[str]:
    """The cells of the actions row of `label` (tags stripped)."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", section, re.S)
    assert row, f"no row {label}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_annual_report_per_axis_sessions_and_participants(client, auth, plan, staff):
    auth.login(staff)
    response = client.get(f"/evaluation/rapport?annee={YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = _axis(html, "Participation des habitants")
    second = _axis(html, "Jeunesse et familles")
    # action / publics / sessions / participants / partners
    assert _row(first, "Atelier cuisine") == ["Habitants du quartier", "&lt; 5", "30", "Caf"]
    assert _row(first, "Café des parents") == ["Parents", "5", "5", "École Jean-Moulin"]
    assert _row(first, "Instance : Comité d&#39;usagers") == ["—", "—", "&lt; 5 inscrites", "—"]
    assert _row(second, "Accompagnement scolaire") == ["6-11 ans", "&lt; 5", "&lt; 5", "—"]
    assert _row(second, "Initiative : Jardin partagé") == ["—", "—", "5 inscrites", "—"]
    assert "Accompagnement scolaire" not in first and "Atelier cuisine" not in second
    # objectives, indicators and qualitative evidence land in their axis
    assert "Soutenir les parents" in first and "Réussite éducative" in second
    assert "Habitants touchés" in first and "Bonne dynamique" in first
    assert "Verbatims recueillis au goûter de juin" in second


def test_project_period_is_the_default(client, auth, plan, staff):
    auth.login(staff)
    html = client.get("/evaluation/rapport").get_data(as_text=True)
    assert "toute la période du projet" in html
    assert _row(_axis(html, "Participation des habitants"), "Atelier cuisine")[1:3] == ["&lt; 5", "80"]
    assert _row(_axis(html, "Jeunesse et familles"), "Initiative : Jardin partagé")[2] == "6 inscrites"


def test_title_block_key_figures_and_definitions(client, auth, structure, plan, staff):
    auth.login(staff)
    html = client.get(f"/evaluation/rapport?annee={YEAR}").get_data(as_text=True)
    cover = re.search(r'<header class="report-cover">.*?</header>', html, re.S).group(0)
    assert structure.name in cover and "Vivre ensemble aux Tilleuls" in cover and f"année {YEAR}" in cover
    key = re.search(r'<section class="report-key".*?</section>', html, re.S).group(0)
    assert "U1 — Personnes touchées" in key
    assert "à côté : 139 personnes comptées sans nom" in key  # 30 + 5 + 4 + 100, beside, never added
    definitions = re.search(r'<section class="report-definitions".*?</section>', html, re.S).group(0)
    assert "<dt>U1 — Personnes touchées</dt>" in definitions and "<dt>B1 — Bénévoles</dt>" in definitions


def test_print_tools(client, auth, plan, staff):
    auth.login(staff)
    html = client.get("/evaluation/rapport").get_data(as_text=True)
    assert 'href="/static/css/print-report.css' in html
    assert '<span data-print hidden><button type="button" class="button">Imprimer</button></span>' in html
    assert "Utilisez la fonction imprimer de votre navigateur" in html
    assert 'class="no-print report-tools"' in html
    assert "<script" not in html.split("<main", 1)[1]  # no inline script (strict CSP)


def test_print_stylesheet_is_a4_without_navigation(app):
    css = (Path(app.static_folder) / "css" / "print-report.css").read_text()
    assert "size: A4" in css
    printed = css.split("@media print", 1)[1]
    for rule in (".site-header", ".no-print", "break-before: page", "display: table-header-group", "#000"):
        assert rule in printed


def test_actions_export_matches_the_report(client, auth, plan, staff):
    auth.login(staff)
    body = client.get(f"/evaluation/export/actions.csv?annee={YEAR}").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    by_action = {row[2]: row for row in rows[1:]}
    assert by_action["Atelier cuisine"][:8] == [
        "Participation des habitants",
        "Pouvoir d'agir",
        "Atelier cuisine",
        "Habitants du quartier",
        "< 5",
        "30",
        "",
        "Caf",
    ]
    assert by_action["Initiative : Jardin partagé"][4:7] == ["", "", "5"]
    assert by_action["Café des parents"][1] == "Soutenir les parents"


def test_indicators_export(client, auth, plan, staff):
    auth.login(staff)
    body = client.get(f"/evaluation/export/indicateurs.csv?annee={YEAR}").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:11] == [
        "Indicateur",
        "Axe",
        "Objectif",
        "Action",
        "Type",
        "Mesure",
        "Situation de départ",
        "Cible",
        "Réalisé",
        "Atteint",
        "Commentaire",
    ]
    touched = next(row for row in rows if row[0] == "Habitants touchés")
    assert touched[6] == "< 5" and touched[7] == "10,00" and touched[10] == "Bonne dynamique"
    assert touched[9] in ("oui", "non")
    words = next(row for row in rows if row[0] == "Parole des parents")
    assert words[3] == "Accompagnement scolaire" and words[11] == "Verbatims recueillis au goûter de juin"


def test_empty_state_without_project(client, auth, app, staff):
    auth.login(staff)
    response = client.get("/evaluation/rapport")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Aucun projet social n'est enregistré pour Centre social Les Tilleuls" in html_module.unescape(html)
    if "social_project.index" in app.view_functions:
        assert "Saisir le projet social" in html


def test_roles_and_centre_isolation(client, auth, structure, plan, make_user):
    assert client.get("/evaluation/rapport").status_code == 302
    auth.login(make_user(role=Role.HABITANT))
    assert client.get("/evaluation/rapport").status_code == 403
    auth.logout()
    other = make_structure("Centre social Voisin")
    db.session.commit()
    auth.login(make_user(role=Role.STAFF))
    assert client.get(f"/evaluation/rapport?centre={other.id}").status_code == 404
    assert client.get("/evaluation/rapport?centre=all").status_code == 404
    auth.logout()
    auth.login(make_user(other, role=Role.ADMIN))
    assert "Atelier cuisine" not in client.get("/evaluation/rapport").get_data(as_text=True)
    assert client.get(f"/evaluation/rapport?centre={structure.id}").status_code == 404
    auth.logout()
    auth.login(make_user(role=Role.ADMIN, is_platform_admin=True))
    assert "Atelier cuisine" in client.get(f"/evaluation/rapport?centre={structure.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["annee=abc", "annee=99999", "du=x&au=y", "du=2026-05-01&au=2026-01-01", "periode=autre", "centre=x", "annee="],
)
def test_bad_arguments_never_fail(client, auth, plan, staff, query):
    auth.login(staff)
    response = client.get(f"/evaluation/rapport?{query}")
    assert response.status_code in (200, 404)


def _more(structure, plan, scale):
    """More headcounts and participants on the same plan."""
    actions = [a for axis in plan.axes for o in axis.objectives for a in o.actions]
    for i in range(10 * scale):
        _count(structure, actions[i % len(actions)], 3 + i, date(YEAR, 1 + i % 12, 1 + i % 28))
    for _ in range(5 * scale):
        person = make_user(structure)
        _attend(person, structure, None)
    db.session.commit()


def test_query_budget(client, auth, structure, plan, staff):
    auth.login(staff)
    client.get(f"/evaluation/rapport?annee={YEAR}")
    _more(structure, plan, 1)
    with count_queries() as small:
        assert client.get(f"/evaluation/rapport?annee={YEAR}").status_code == 200
    _more(structure, plan, 10)
    with count_queries() as large:
        assert client.get(f"/evaluation/rapport?annee={YEAR}").status_code == 200
    assert small.count <= 12, "\n".join(small.statements)
    assert large.count == small.count
