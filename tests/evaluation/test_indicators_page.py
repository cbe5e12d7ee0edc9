"""The indicators page: the projet social's indicators by axis, objective and action, with baseline,
target, achieved over the period, reached or not in words, comments and qualitative evidence."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.evaluation.models import Action, Axis, Indicator, IndicatorKind, Objective, SocialProject
from app.extensions import db
from app.factories import make_structure
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import from_local
from tests.helpers import count_queries, hx


def make_project(structure, *, starts_on=date(2025, 1, 1), ends_on=date(2028, 12, 31)):
    """A projet social: one axis, a general objective with an operational one and an action."""
    project = SocialProject(
        structure_id=structure.id, title="Vivre ensemble aux Buers", starts_on=starts_on, ends_on=ends_on
    )
    axis = Axis(project=project, position=1, title="Participation des habitants")
    general = Objective(axis=axis, position=1, title="Faire vivre le pouvoir d'agir")
    operational = Objective(axis=axis, parent=general, position=1, title="Aller vers les jeunes")
    action = Action(objective=operational, position=1, title="Accueil jeunes du mercredi")
    db.session.add_all([project, axis, general, operational, action])
    db.session.flush()
    indicators = [
        Indicator(
            project_id=project.id,
            objective_id=general.id,
            position=1,
            title="Personnes touchées",
            kind=IndicatorKind.QUANTITATIVE,
            metric_code="U1",
            baseline=Decimal("1"),
            target=Decimal("2"),
            comment="Objectif tenu grâce aux permanences.",
        ),
        Indicator(
            project_id=project.id,
            objective_id=operational.id,
            position=1,
            title="Personnes touchées, encore plus",
            kind=IndicatorKind.QUANTITATIVE,
            metric_code="U1",
            target=Decimal("10"),
        ),
        Indicator(
            project_id=project.id,
            action_id=action.id,
            position=1,
            title="Bénévoles sans cible",
            kind=IndicatorKind.QUANTITATIVE,
            metric_code="B1",
        ),
        Indicator(
            project_id=project.id,
            action_id=action.id,
            position=2,
            title="Paroles de jeunes",
            kind=IndicatorKind.QUALITATIVE,
            evidence="Questionnaire de juin : « on se sent écoutés ».",
        ),
    ]
    db.session.add_all(indicators)
    db.session.commit()
    return project


def acts(structure, make_user, count, year=2026):
    for _ in range(count):
        person = make_user()
        record_participation(
            person,
            structure_id=structure.id,
            kind="test.act",
            level=Level.L0_PRESENCE,
            occurred_at=from_local(datetime(year, 4, 2, 10)),
        )
    db.session.commit()


def card(html, title):
    match = re.search(
        rf'<li class="indicator-card"[^>]*>\s*<h(\d) class="indicator-title">{re.escape(title)}</h\1>(.*?)</li>',
        html,
        re.S,
    )
    assert match, title
    return match.group(1), " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def test_indicators_by_axis_objective_and_action(client, auth, make_user, structure):
    make_project(structure)
    acts(structure, make_user, 3)
    acts(structure, make_user, 1, year=2025)
    auth.login(make_user(role=Role.STAFF))
    r = client.get("/evaluation/indicateurs")
    assert r.status_code == 200
    html = r.text
    assert "Vivre ensemble aux Buers" in html
    assert "Période affichée : projet social, du 1 janvier 2025 au 31 décembre 2028" in html
    assert "<h2" in html and "Axe : Participation des habitants" in html
    assert "<h3>Faire vivre le pouvoir d&#39;agir</h3>" in html
    assert "Objectif opérationnel de : Faire vivre le pouvoir d&#39;agir" in html
    assert "Action : Accueil jeunes du mercredi" in html

    level, text = card(html, "Personnes touchées")
    assert level == "4"
    assert "Cible atteinte" in text and "Situation de départ 1" in text and "Cible 2" in text
    assert "Réalisé 4" in text  # 3 in 2026 + 1 in 2025, over the project's period
    assert "Objectif tenu grâce aux permanences." in text
    assert "U1 — Personnes touchées" in text

    assert "Cible non atteinte" in card(html, "Personnes touchées, encore plus")[1]
    level, text = card(html, "Bénévoles sans cible")
    assert level == "5" and "Pas de cible" in text
    level, text = card(html, "Paroles de jeunes")
    assert "Qualitatif" in text and "« on se sent écoutés »" in text
    assert "Indicateurs : 4 ; cible atteinte : 1 ; cible non atteinte : 1" in html


def test_a_year_of_the_project(client, auth, make_user, structure):
    make_project(structure)
    acts(structure, make_user, 3)
    acts(structure, make_user, 1, year=2025)
    auth.login(make_user(role=Role.STAFF))
    html = client.get("/evaluation/indicateurs?annee=2025").text
    assert "Période affichée : année 2025" in html
    _level, text = card(html, "Personnes touchées")
    assert "Réalisé 1" in text and "Cible non atteinte" in text


@pytest.mark.parametrize("query", ["annee=abc", "du=2026-06-01&au=2026-01-01", "du=x&au=y"])
def test_bad_periods_fall_back_to_the_project_period(client, auth, make_user, structure, query):
    make_project(structure)
    auth.login(make_user(role=Role.STAFF))
    r = client.get(f"/evaluation/indicateurs?{query}")
    assert r.status_code == 200
    assert 'class="notice"' in r.text
    assert "Période affichée : projet social" in r.text


def test_empty_states_link_to_the_editor(client, auth, make_user, structure):
    auth.login(make_user(role=Role.ADMIN))
    r = client.get("/evaluation/indicateurs")
    assert r.status_code == 200
    assert "Aucun projet social n'est enregistré pour Centre social Les Tilleuls." in r.text
    assert 'href="/evaluation/projet-social/"' in r.text
    db.session.add(
        SocialProject(structure_id=structure.id, title="Projet", starts_on=date(2025, 1, 1), ends_on=date(2028, 12, 31))
    )
    db.session.commit()
    r = client.get("/evaluation/indicateurs")
    assert "Ce projet social n'a pas encore d'indicateur." in r.text
    assert 'href="/evaluation/projet-social/"' in r.text


@pytest.mark.parametrize(("role", "status"), [(Role.HABITANT, 403), (Role.COORDINATOR, 403), (Role.STAFF, 200)])
def test_roles(client, auth, make_user, structure, role, status):
    make_project(structure)
    auth.login(make_user(role=role))
    assert client.get("/evaluation/indicateurs").status_code == status


def test_another_centres_project_is_not_shown(client, auth, make_user, structure):
    other = make_structure("Centre social Les Acacias")
    make_project(other)
    auth.login(make_user(role=Role.STAFF))
    assert "Vivre ensemble aux Buers" not in client.get("/evaluation/indicateurs").text


def test_fragment_and_query_budget(client, auth, make_user, structure):
    """The page costs the layout's 4 queries, the project's, and `indicator_rows` (the tree and one
    `compute` per age filter): the same at 1× and 10× data."""
    from app.evaluation.indicators import indicator_rows

    project = make_project(structure)
    acts(structure, make_user, 3)
    auth.login(make_user(role=Role.STAFF))
    fragment = client.get("/evaluation/indicateurs?annee=2026", headers=hx("evaluation-indicators"))
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="evaluation-indicators"')
    client.get("/evaluation/indicateurs")
    with count_queries() as small:
        client.get("/evaluation/indicateurs")
    acts(structure, make_user, 30)
    with count_queries() as large:
        client.get("/evaluation/indicateurs")
    assert small.count == large.count
    with count_queries() as rows:
        indicator_rows(project, project.starts_on, project.ends_on)
    assert large.count <= 4 + 1 + rows.count


def test_the_demo_projects_indicators_page_is_within_the_budget(client, auth):
    """La Passerelle's demo: quantitative indicators on scalar, ratio and query metrics, and an age filter."""
    from app.accounts.models import User
    from app.demo import DEMO_PASSWORD, seed_demo
    from app.extensions import db

    seed_demo()
    db.session.commit()
    auth.login(db.session.scalar(sa.select(User).where(User.email == "admin@ensemble.test")), DEMO_PASSWORD)
    client.get("/evaluation/indicateurs")
    with count_queries() as page:
        assert client.get("/evaluation/indicateurs").status_code == 200
    assert page.count <= 12, page.statements
