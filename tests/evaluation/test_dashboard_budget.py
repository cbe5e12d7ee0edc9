"""The dashboard stays within the page budget (architecture.md): at most 12 SQL queries, and the same
number at 1× and 10× data (no query per person, per month or per quartier)."""

from datetime import date, datetime

import pytest

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation.models import HeadCount, SocialProject
from app.extensions import db
from app.factories import make_structure
from app.factories import make_user as new_user
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import from_local
from tests.helpers import count_queries, hx

BUDGET = 12
BRACKETS = [None, *AgeBracket]


def fill(structure, persons: int, offset: int = 0) -> None:
    """`persons` habitants, each with acts over 2025 and 2026 at various levels, quartiers, ages."""
    for i in range(offset, offset + persons):
        quartier = structure.quartiers[i % len(structure.quartiers)]
        person = new_user(structure, quartier=quartier, age_bracket=BRACKETS[i % len(BRACKETS)])
        for month in (i % 12 + 1, (i * 5) % 12 + 1):
            for year in (2025, 2026):
                record_participation(
                    person,
                    structure_id=structure.id,
                    kind="test.act",
                    level=Level(i % 6),
                    occurred_at=from_local(datetime(year, month, 1 + i % 27, 10)),
                )
        if i % 3 == 0:
            db.session.add(
                HeadCount(structure_id=structure.id, occurred_on=date(2026, month, 2), label="Atelier", total=i)
            )
    db.session.commit()


def measure(client, url: str, headers=None) -> int:
    client.get(url, headers=headers)  # warm: the app's caches, the login's session row
    with count_queries() as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return queries.count


@pytest.mark.parametrize(
    "url",
    [
        "/evaluation/",
        "/evaluation/?annee=2026",
        "/evaluation/?du=2025-07-01&au=2026-06-30",
        "/evaluation/?periode=projet",
    ],
)
def test_dashboard_query_budget_is_flat(client, auth, make_user, structure, url):
    db.session.add(
        SocialProject(structure_id=structure.id, title="Projet", starts_on=date(2024, 1, 1), ends_on=date(2027, 12, 31))
    )
    db.session.commit()
    auth.login(make_user(role=Role.STAFF))
    fill(structure, 6)
    small = measure(client, url)
    fill(structure, 54, offset=6)
    large = measure(client, url)
    assert small == large <= BUDGET, (small, large)
    assert measure(client, url, hx("evaluation-dashboard")) <= BUDGET


def test_all_centres_query_budget_is_flat(client, auth, make_user, structure):
    other = make_structure("Centre social Les Acacias", quartiers=(("Bel-Air", True), ("Centre", False)))
    db.session.commit()
    auth.login(make_user(role=Role.HABITANT, is_platform_admin=True))
    url = "/evaluation/?annee=2026&centre=all"
    fill(structure, 4)
    fill(other, 4, offset=4)
    small = measure(client, url)
    fill(structure, 36, offset=8)
    fill(other, 36, offset=44)
    large = measure(client, url)
    assert small == large <= BUDGET, (small, large)


@pytest.mark.parametrize("family", ["B", "P", "I", "U", "R"])
def test_catalogue_page_query_count_is_flat_and_within_budget(client, auth, make_user, structure, family):
    """One family a page: one SELECT for its scalar and ratio metrics, one per "query" metric, one for
    the manual figures — within the budget, and the same at 10× data."""
    auth.login(make_user(role=Role.STAFF))
    fill(structure, 6)
    small = measure(client, f"/evaluation/chiffres?annee=2026&famille={family}")
    fill(structure, 54, offset=6)
    assert measure(client, f"/evaluation/chiffres?annee=2026&famille={family}") == small <= BUDGET
