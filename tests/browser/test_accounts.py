"""Account journeys on a phone, with and without JavaScript: register, edit one's profile, the accueil desk."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.centres.models import Role, Structure
from app.demo import CENTRE, seed_demo
from app.extensions import db
from app.factories import make_user

pytestmark = pytest.mark.browser

PASSWORD = "motdepasse-de-test"


def seed_centre(app, **people) -> dict:
    """The demo centre, plus `name=dict(role=..., display_name=...)` accounts; returns plain values."""
    with app.app_context():
        seed_demo()
        structure = db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))
        made = {}
        for key, fields in people.items():
            user = make_user(structure, **fields)
            made[key] = {"email": user.email, "username": user.username, "name": user.display_name}
        db.session.commit()
        return made


def submit(page: Page, name: str) -> None:
    """Click the submit button called `name` (the one inside <main>, not the header's)."""
    page.get_by_role("main").get_by_role("button", name=name, exact=True).click()


def log_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/compte/connexion")
    page.get_by_label("E-mail, téléphone ou identifiant").fill(identifier)
    page.get_by_label("Mot de passe ou code remis à l'accueil").fill(password)
    submit(page, "Se connecter")


def heading(page: Page, text: str):
    return page.get_by_role("heading", level=1, name=text)


# --- a) a habitant without e-mail registers on the phone ---------------------------------------------


def test_register(app, page: Page, audit):
    seed_centre(app)
    page.goto("/")
    audit("home")
    page.get_by_role("main").get_by_role("link", name="Créer mon compte").click()
    expect(heading(page, "Créer mon compte")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compte/inscription$"))
    audit("form")

    form = page.locator("#register-form")
    form.get_by_label("Votre nom ou prénom").fill("Awa Traoré")
    form.get_by_label("Numéro de téléphone (facultatif)").fill("06 12 34 56 78")
    form.get_by_label("Mot de passe", exact=True).fill("trop court")
    form.get_by_label("Votre quartier").select_option(label="Les Buers (QPV)")
    form.get_by_label("J'ai lu comment mes données sont utilisées").check()
    submit(page, "Créer mon compte")

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Il y a un problème")
    expect(summary).to_contain_text("Au moins 12 caractères")
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_attribute("aria-invalid", "true")
    # The other answers are kept.
    expect(page.get_by_label("Votre nom ou prénom")).to_have_value("Awa Traoré")
    audit("form-errors")

    page.get_by_label("Mot de passe", exact=True).fill("le marché du jeudi")
    page.get_by_label("J'ai lu comment mes données sont utilisées").check()
    submit(page, "Créer mon compte")

    expect(page).to_have_url(re.compile(r"/compte/bienvenue$"))
    expect(heading(page, "Bienvenue, Awa Traoré !")).to_be_visible()
    identifier = page.locator(".sheet .code").inner_text().strip()
    assert re.fullmatch(r"[a-z0-9._-]+", identifier), identifier
    audit("welcome")

    page.get_by_role("link", name="Continuer").click()
    expect(heading(page, "Bonjour Awa Traoré")).to_be_visible()
    audit("greeted")

    # The identifier shown on the welcome page works to log in again.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e. À bientôt !")).to_be_visible()
    log_in(page, identifier, "le marché du jeudi")
    expect(heading(page, "Bonjour Awa Traoré")).to_be_visible()


# --- b) a habitant edits their profile -----------------------------------------------------------------


def test_profile(app, page: Page, audit):
    people = seed_centre(app, habitant={"display_name": "Bernard Morel"})
    page.goto("/compte/connexion")
    audit("login")
    log_in(page, people["habitant"]["email"], PASSWORD)
    expect(heading(page, "Bonjour Bernard Morel")).to_be_visible()
    audit("home")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon compte").click()
    expect(heading(page, "Mon compte")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compte/profil$"))
    audit("profile")

    form = page.locator("#profile-form")
    form.get_by_label("Votre nom ou prénom").fill("Bernard M.")
    form.get_by_label("Votre quartier").select_option(label="Gratte-Ciel")
    submit(page, "Enregistrer")

    expect(page.get_by_text("Profil enregistré.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compte/profil$"))
    expect(page.get_by_label("Votre nom ou prénom")).to_have_value("Bernard M.")
    expect(page.get_by_label("Votre quartier").locator("option:checked")).to_have_text("Gratte-Ciel")
    audit("saved")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accueil", exact=True).click()
    expect(heading(page, "Bonjour Bernard M.")).to_be_visible()


# --- c) the accueil creates an account for a person, acts for them, and the person logs in -------------


def test_accueil(app, page: Page, audit):
    people = seed_centre(app, staff={"display_name": "Lucie Garnier", "role": Role.STAFF})
    log_in(page, people["staff"]["email"], PASSWORD)
    expect(heading(page, "Bonjour Lucie Garnier")).to_be_visible()

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Accueil du public").click()
    expect(heading(page, "Accueil du public")).to_be_visible()
    audit("desk")

    page.get_by_role("link", name="Créer un compte pour une personne").click()
    expect(heading(page, "Créer un compte pour une personne présente")).to_be_visible()
    audit("new-account")
    page.get_by_label("Nom ou prénom de la personne").fill("Mamadou Diallo")
    page.get_by_label("Quartier", exact=True).select_option(label="Saint-Jean (QPV)")
    page.get_by_label("La personne est présente et accepte la création de son compte").check()
    submit(page, "Créer le compte et imprimer la fiche")

    expect(heading(page, "Fiche de connexion de Mamadou Diallo")).to_be_visible()
    sheet = page.locator(".sheet dl.facts")
    identifier = sheet.locator("dt:text-is('Identifiant') + dd").inner_text().strip()
    code = sheet.locator("dt:text-is('Code (une seule fois)') + dd").inner_text().strip()
    assert re.fullmatch(r"[a-z0-9._-]+", identifier), identifier
    assert re.fullmatch(r"[A-Za-z0-9]+-[A-Za-z0-9]+", code), code
    audit("sheet")

    page.get_by_role("link", name="Retour à l'accueil du public").click()
    expect(heading(page, "Accueil du public")).to_be_visible()
    page.get_by_label("Rechercher une personne (nom, identifiant, téléphone, e-mail)").fill("Mamadou")
    page.get_by_role("button", name="Rechercher").click()
    results = page.locator("#desk-results")
    row = results.locator("li").filter(has_text="Mamadou Diallo")
    expect(row).to_have_count(1)
    expect(results.locator("li")).to_have_count(1)
    audit("search")

    row.get_by_role("button", name="Agir pour cette personne").click()
    banner = page.locator(".on-behalf")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Vous agissez pour Mamadou Diallo.")
    audit("acting")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon compte").click()
    expect(heading(page, "Profil de Mamadou Diallo")).to_be_visible()
    expect(page.locator(".on-behalf")).to_be_visible()
    audit("acting-profile")
    page.locator("#profile-form").get_by_label("Votre quartier").select_option(label="Cusset")
    submit(page, "Enregistrer")
    expect(page.get_by_text("Profil enregistré.")).to_be_visible()
    expect(page.get_by_label("Votre quartier").locator("option:checked")).to_have_text("Cusset")

    page.locator(".on-behalf").get_by_role("button", name="Arrêter").click()
    expect(page.get_by_text("Vous n'agissez plus pour Mamadou Diallo.")).to_be_visible()
    expect(page.locator(".on-behalf")).to_have_count(0)
    expect(heading(page, "Accueil du public")).to_be_visible()
    expect(page.locator("#desk-results li").filter(has_text="Mamadou Diallo")).to_contain_text("Cusset")
    audit("stopped")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e. À bientôt !")).to_be_visible()

    # The person logs in with the sheet, then chooses a password.
    log_in(page, identifier, code)
    expect(heading(page, "Choisissez votre mot de passe")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compte/premier-mot-de-passe$"))
    audit("first-password")
    page.get_by_label("Nouveau mot de passe").fill("la fête des voisins")
    page.get_by_label("Confirmez le mot de passe").fill("la fête des voisins")
    submit(page, "Enregistrer")
    expect(heading(page, "Bonjour Mamadou Diallo")).to_be_visible()
    expect(page.get_by_text("C'est fait : désormais, connectez-vous avec ce mot de passe.")).to_be_visible()
    audit("greeted")
