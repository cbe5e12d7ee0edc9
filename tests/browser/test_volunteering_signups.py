"""The volunteering journey on a phone, with and without JavaScript (issue 5, "Done when", up to
attendance): a coordinator creates a weekly mission → two bénévoles sign up for a one-place shift,
the second lands on the waitlist → the first cancels, the second is promoted and told → the
coordinator marks attendance. Every page is screenshot and checked with axe."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.timeutil import utcnow
from app.volunteering.models import Mission, Shift
from tests.browser.conftest import PHONE, Audit
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit

pytestmark = pytest.mark.browser

TITLE = "Accueil de l'aide aux devoirs"


def seed(app) -> dict:
    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
        people = {
            "coordinator": make_user(structure, display_name="Nadia Benali", role=Role.COORDINATOR),
            "awa": make_user(structure, display_name="Awa Traoré"),
            "bernard": make_user(structure, display_name="Bernard Morel"),
        }
        db.session.commit()
        return {key: user.email for key, user in people.items()}


@pytest.fixture
def other_tab(browser, live_server, js):  # noqa: F811
    """Another person's phone: its own cookies and its own `Audit`."""
    opened = []

    def open_tab(journey: str) -> tuple[Page, Audit]:
        context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
        context.set_default_timeout(10_000)
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        checker = Audit(browser, tab, js, journey)
        opened.append((context, checker))
        return tab, checker

    yield open_tab
    for context, checker in opened:
        checker.close()
        context.close()


def nav(tab: Page, name: str):
    return tab.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def test_volunteering(app, page: Page, audit, other_tab, js):  # noqa: F811
    emails = seed(app)
    journey = "volunteering"

    # --- 1. the coordinator creates a weekly mission with one place per shift ---------------------
    log_in(page, emails["coordinator"], PASSWORD)
    expect(heading(page, "Bonjour Nadia Benali")).to_be_visible()
    nav(page, "Bénévolat").click()
    expect(heading(page, "Bénévolat")).to_be_visible()
    audit("1-empty-list")
    page.get_by_role("link", name="Gérer les missions").click()
    page.get_by_role("main").get_by_role("link", name="Nouvelle mission").first.click()
    expect(heading(page, "Nouvelle mission")).to_be_visible()
    submit(page, "Enregistrer et publier")
    expect(page.locator(".error-summary")).to_contain_text("Donnez un titre à la mission.")
    audit("1-form-errors")
    page.get_by_label("Titre de la mission").fill(TITLE)
    page.get_by_label("Ce que font les bénévoles").fill("Accueillir les enfants et leurs parents, le mercredi.")
    page.get_by_label("Compétences utiles").fill("accueil, patience")
    submit(page, "Enregistrer et publier")
    expect(heading(page, TITLE)).to_be_visible()
    expect(page.get_by_text("Mission enregistrée et publiée")).to_be_visible()
    audit("1-mission")

    page.get_by_role("main").get_by_role("link", name="Ajouter un créneau").first.click()
    expect(heading(page, "Ajouter un créneau")).to_be_visible()
    first = (utcnow() + timedelta(days=7)).date()
    page.get_by_label("Date", exact=True).fill(first.isoformat())
    page.get_by_label("Début").fill("14:00")
    page.get_by_label("Fin", exact=True).fill("16:30")
    page.get_by_label("Lieu").fill("Salle des familles")
    page.get_by_label("Nombre de places").fill("1")
    page.get_by_label("Chaque semaine, le même jour").check()
    page.get_by_label("Jusqu'au (pour une répétition chaque semaine)").fill((first + timedelta(weeks=3)).isoformat())
    audit("1-shift-form")
    submit(page, "Ajouter")
    expect(page.get_by_text(re.compile(r"4 créneaux ajoutés, chaque"))).to_be_visible()
    audit("1-shifts")

    # --- 2. Awa takes the place, Bernard joins the waitlist ----------------------------------------
    awa, awa_audit = other_tab(journey)
    log_in(awa, emails["awa"], PASSWORD)
    expect(heading(awa, "Bonjour Awa Traoré")).to_be_visible()
    nav(awa, "Bénévolat").click()
    mission = awa.locator("#mission-list article").filter(has_text=TITLE)
    expect(mission).to_contain_text("1 place sur 1")
    awa_audit("2-list")
    mission.get_by_role("button", name=re.compile("^Je m'inscris")).first.click()
    expect(awa.get_by_text("C'est noté : vous êtes inscrit·e. Merci !")).to_be_visible()
    expect(mission.locator(".signup").first).to_contain_text("Vous êtes inscrit·e")
    awa_audit("2-signed-up")

    bernard, bernard_audit = other_tab(journey)
    log_in(bernard, emails["bernard"], PASSWORD)
    expect(heading(bernard, "Bonjour Bernard Morel")).to_be_visible()
    nav(bernard, "Bénévolat").click()
    mission_b = bernard.locator("#mission-list article").filter(has_text=TITLE)
    expect(mission_b).to_contain_text("Complet : liste d'attente")
    mission_b.get_by_role("button", name=re.compile("^Rejoindre la liste d'attente")).first.click()
    expect(bernard.get_by_text(re.compile(r"liste d'attente \(position 1\)"))).to_be_visible()
    bernard_audit("2-waitlist")

    # --- 3. Awa cancels from "Mes créneaux"; Bernard is promoted and told -----------------------------
    awa.goto("/benevolat/mes-creneaux")
    expect(heading(awa, "Mes créneaux")).to_be_visible()
    awa_audit("3-my-shifts")
    awa.get_by_role("button", name=re.compile("^Me désinscrire")).first.click()
    if not js:  # without JavaScript, a confirmation page stands in for the dialog
        expect(awa.get_by_role("heading", name="Vous désinscrire de ce créneau ?")).to_be_visible()
        awa.get_by_role("main").get_by_role("button", name="Me désinscrire").click()
    expect(awa.get_by_text("Vous êtes désinscrit·e de ce créneau.")).to_be_visible()
    awa_audit("3-cancelled")

    bernard.goto("/notifications/")
    expect(bernard.get_by_text(re.compile("Une place s'est libérée : vous êtes inscrit·e"))).to_be_visible()
    bernard.goto("/benevolat/mes-creneaux")
    expect(bernard.locator(".signup").first).to_contain_text("Vous êtes inscrit·e")
    bernard_audit("3-promoted")

    # --- 4. the shift has started: the coordinator marks who came -------------------------------------
    with app.app_context():
        shift = db.session.scalar(
            sa.select(Shift).join(Mission).where(Mission.title == TITLE).order_by(Shift.starts_at).limit(1)
        )
        length = shift.ends_at - shift.starts_at
        shift.starts_at = utcnow() - timedelta(minutes=30)
        shift.ends_at = shift.starts_at + length
        shift_id = shift.id
        db.session.commit()
    page.goto(f"/benevolat/creneaux/{shift_id}/equipe")
    expect(heading(page, "L'équipe du créneau")).to_be_visible()
    row = page.locator("li[id^='signup-']")
    expect(row.first).to_contain_text("Bernard Morel")
    audit("4-roster")
    row.first.get_by_role("button", name=re.compile("^Venu·e")).click()
    expect(page.get_by_text("Bernard Morel : présence notée.")).to_be_visible()
    expect(row.first.get_by_role("button", name=re.compile("^Venu·e"))).to_have_attribute("aria-pressed", "true")
    audit("4-attended")
    submit(page, "J'ai fini de noter les présences")
    expect(page.get_by_text(re.compile("Présences enregistrées"))).to_be_visible()
    audit("4-done")
