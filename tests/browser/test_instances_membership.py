"""Instances on a phone, with and without JavaScript: staff create a comité d'usagers with its rules,
a habitant asks to join, the chair accepts; every page is screenshot and checked with axe.

The browser fixtures come from tests/browser/conftest.py (Debian's Chromium through Playwright).
"""

import pytest
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit

pytestmark = pytest.mark.browser


def seed(app) -> dict:
    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
        staff = make_user(structure, display_name="Lucie Garnier", role=Role.STAFF)
        habitant = make_user(structure, display_name="Awa Traoré")
        chair = make_user(structure, display_name="Bernard Morel")
        db.session.commit()
        return {"staff": staff.email, "habitant": habitant.email, "chair": chair.email}


def enter(tab: Page, email: str) -> None:
    """Log in and wait until the home page says so."""
    tab.context.clear_cookies()
    log_in(tab, email, PASSWORD)
    expect(tab.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_instance_journey(app, page: Page, audit, browser, js):  # noqa: F811
    people = seed(app)

    # Staff create the comité d'usagers: the type first, then its rules, prefilled.
    enter(page, people["staff"])
    page.goto("/instances/")
    audit("empty-list")
    page.get_by_role("link", name="Créer une instance").click()
    expect(heading(page, "Créer une instance")).to_be_visible()
    audit("choose-type")
    page.get_by_role("link", name="Comité d'usagers").click()
    expect(page.get_by_label("Nom de l'instance")).to_have_value("Comité d'usagers")
    page.get_by_label("Sur demande, acceptée par la présidence ou l'équipe").check()
    page.get_by_label("Collèges et sièges").fill("Usagers : 8\nHabitants : lots")
    submit(page, "Créer l'instance")
    expect(page.get_by_text("Ligne 2")).to_have_count(2)  # summary and field
    audit("form-error")
    page.get_by_label("Collèges et sièges").fill("Usagers : 8\nHabitants : 4")
    submit(page, "Créer l'instance")
    expect(page.get_by_text("L'instance « Comité d'usagers » est créée.")).to_be_visible()
    audit("detail-staff")
    page.get_by_role("link", name="Toutes les règles de fonctionnement").click()
    expect(heading(page, "Règles de « Comité d'usagers »")).to_be_visible()
    expect(page.get_by_text("Pas de quorum").first).to_be_visible()
    audit("rules")

    # Staff seat the chair through the search.
    page.go_back()
    page.get_by_role("link", name="Ajouter un membre").click()
    page.get_by_label("Rechercher une personne (nom ou identifiant)").fill("Bernard")
    if not js:
        submit(page, "Rechercher")
    page.get_by_role("link", name="Choisir Bernard Morel").click()
    page.get_by_label("Fonction").select_option("chair")
    audit("seat-form")
    submit(page, "Ajouter à l'instance")
    expect(page.get_by_text("Bernard Morel est membre de l'instance.")).to_be_visible()
    audit("members")

    # A habitant asks to join.
    enter(page, people["habitant"])
    page.goto("/instances/")
    page.get_by_role("link", name="Comité d'usagers").click()
    page.get_by_label("Un mot pour la présidence (facultatif)").fill("J'aimerais parler de l'accueil du samedi.")
    submit(page, "Demander à rejoindre")
    expect(page.get_by_text("Votre demande est envoyée")).to_be_visible()
    expect(page.get_by_role("button", name="Annuler ma demande")).to_be_visible()
    audit("requested")

    # The chair accepts it.
    enter(page, people["chair"])
    page.goto("/instances/")
    page.get_by_role("link", name="Comité d'usagers").click()
    page.get_by_role("link", name="1 demande en attente de réponse").click()
    page.get_by_role("link", name="Accepter…").click()
    page.get_by_label("Collège").select_option("habitants")
    submit(page, "Accepter la demande")
    expect(page.get_by_text("Awa Traoré est membre de l'instance.")).to_be_visible()
    audit("accepted")
