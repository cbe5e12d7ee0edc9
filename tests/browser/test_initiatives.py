"""The initiative journey on a phone, with and without JavaScript (issue 3, "Done when").

A habitant proposes with a photo → staff publish from the moderation queue → another habitant finds
it by searching "fete" and supports it → the author sees the notification → staff record the
decision, start it and complete it with a bilan. Three people, three browser contexts; every page
visited is screenshot and checked with axe (conftest `Audit`).
"""

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.initiatives.models import Status
from tests.browser.conftest import PHONE, Audit
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit
from tests.initiatives.factories import make_initiative

pytestmark = pytest.mark.browser

TITLE = "Fête des voisins rue Branly"


def seed(app) -> dict:
    """A centre (pre-moderation), two habitants, one staff member, and an unrelated open initiative."""
    with app.app_context():
        structure = make_structure(
            "Centre social Les Tilleuls",
            quartiers=(("Les Buers", True), ("Gratte-Ciel", False)),
            themes=("Jeunesse", "Cadre de vie"),
        )
        author = make_user(structure, display_name="Awa Traoré")
        supporter = make_user(structure, display_name="Bernard Morel")
        staff = make_user(structure, display_name="Lucie Garnier", role=Role.STAFF)
        other = make_user(structure, display_name="Omar Benali")
        # Something else in the list, so that the search has to narrow it down.
        make_initiative(structure, other, staff, status=Status.OPEN, title="Repair café mensuel")
        db.session.commit()
        return {
            key: {"email": user.email, "name": user.display_name}
            for key, user in {"author": author, "supporter": supporter, "staff": staff}.items()
        }


def photo(tmp_path: Path) -> Path:
    """A small PNG, as a phone would send it."""
    path = tmp_path / "fete.png"
    image = Image.new("RGB", (320, 240), (230, 120, 40))
    for x in range(0, 320, 40):
        for y in range(0, 240, 40):
            image.putpixel((x, y), (20, 60, 140))
    image.save(path, format="PNG")
    return path


def nav(page: Page, name: str):
    return page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def flash(page: Page, text: str):
    return expect(page.get_by_text(text)).to_be_visible()


class WithoutFragment:
    """The tab as `Audit` sees it, its URL without the `#fragment`.

    Without JavaScript, `Audit` serves the page's HTML at `page.url` by matching request URLs, which
    never carry the fragment: after the redirect to `…#initiative-N-support` nothing would match.
    """

    def __init__(self, page: Page):
        self._page = page

    def __getattr__(self, name):
        return getattr(self._page, name)

    @property
    def url(self) -> str:
        return self._page.url.split("#", 1)[0]


@pytest.fixture
def other_tab(browser, live_server, js):
    """Another person's phone: a new context (own cookies) and its own `Audit`; closed afterwards."""
    opened = []

    def open_tab(journey: str) -> tuple[Page, Audit]:
        context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
        context.set_default_timeout(10_000)
        tab = context.new_page()
        checker = Audit(browser, WithoutFragment(tab), js, journey)
        opened.append((context, checker))
        return tab, checker

    yield open_tab
    for context, checker in opened:
        checker.close()
        context.close()


def test_initiative(app, page: Page, audit, other_tab, js, tmp_path):
    people = seed(app)
    journey = "initiative"

    # --- 1. a habitant proposes, with a photo ---------------------------------------------------
    log_in(page, people["author"]["email"], PASSWORD)
    expect(heading(page, "Bonjour Awa Traoré")).to_be_visible()
    nav(page, "Initiatives").click()
    expect(heading(page, "Initiatives d'habitants")).to_be_visible()
    audit("1-list")
    page.get_by_role("main").get_by_role("link", name="Proposer une initiative").first.click()
    expect(heading(page, "Proposer une initiative")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/initiatives/nouvelle$"))
    audit("1-form")

    submit(page, "Envoyer")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Il y a un problème")
    expect(summary).to_contain_text("Donnez un titre à votre initiative.")
    expect(page.get_by_label("Titre", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(heading(page, "Proposer une initiative")).to_be_visible()
    audit("1-form-errors")

    form = page.locator("#initiative-form")
    form.get_by_label("Titre", exact=True).fill(TITLE)
    form.get_by_label("Résumé", exact=True).fill("Un repas partagé dans la rue, chacun apporte un plat.")
    form.get_by_label("Description", exact=True).fill(
        "On ferme la rue un samedi de juin.\n\n- des tables\n- de la musique\n- **tout le monde** est invité"
    )
    form.get_by_label("Thème", exact=True).select_option(label="Cadre de vie")
    form.get_by_label("Quartier", exact=True).select_option(label="Les Buers")
    form.get_by_label("Photo (facultative)").set_input_files(photo(tmp_path))
    form.get_by_label("Description de la photo").fill("Des voisins autour d'une grande table dans la rue")
    submit(page, "Envoyer")

    expect(heading(page, TITLE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/initiatives/\d+$"))
    flash(page, "Merci ! Votre initiative est envoyée à l'équipe du centre.")
    main = page.get_by_role("main")
    expect(main.locator(".tags .tag").first).to_have_text("En attente de relecture")
    expect(
        main.get_by_text("Seuls les porteurs de l'initiative et l'équipe du centre voient cette page")
    ).to_be_visible()
    picture = main.get_by_role("img", name="Des voisins autour d'une grande table dans la rue")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo does not load"
    detail_url = page.url
    audit("1-submitted")

    # --- 2. staff publish it from the moderation queue -------------------------------------------
    staff, staff_audit = other_tab(journey)
    log_in(staff, people["staff"]["email"], PASSWORD)
    expect(heading(staff, "Bonjour Lucie Garnier")).to_be_visible()
    staff.get_by_role("navigation", name="Menu principal").get_by_role("link", name=re.compile(r"^Modération")).click()
    expect(heading(staff, "Modération")).to_be_visible()
    waiting = staff.locator("#moderation-initiatives li").filter(has=staff.get_by_role("heading", name=TITLE))
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Proposée par Awa Traoré")
    staff_audit("2-queue")
    waiting.get_by_role("button", name="Publier", exact=True).click()

    expect(heading(staff, TITLE)).to_be_visible()
    flash(staff, "L'initiative est publiée.")
    expect(staff.get_by_role("main").locator(".tags .tag").first).to_have_text("Ouverte aux soutiens")
    assert staff.url.split("#")[0] == detail_url
    staff_audit("2-published")

    # --- 3. another habitant finds it by searching "fete" and supports it ------------------------
    neighbour, neighbour_audit = other_tab(journey)
    log_in(neighbour, people["supporter"]["email"], PASSWORD)
    expect(heading(neighbour, "Bonjour Bernard Morel")).to_be_visible()
    nav(neighbour, "Initiatives").click()
    expect(heading(neighbour, "Initiatives d'habitants")).to_be_visible()
    cards = neighbour.locator("#initiative-list .initiative-card")
    expect(cards).to_have_count(2)
    neighbour_audit("3-list")

    search = neighbour.get_by_role("search").get_by_label("Rechercher", exact=True)
    search.fill("fete")
    if not js:
        neighbour.get_by_role("button", name="Afficher les initiatives").click()
    # With htmx the list updates as one types, and the URL follows.
    expect(neighbour.get_by_role("heading", name="1 initiative pour « fete »")).to_be_visible()
    expect(neighbour).to_have_url(re.compile(r"/initiatives/\?(.*&)?q=fete(&|$)"))
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(TITLE)
    expect(cards.first).to_contain_text("0 soutien")
    neighbour_audit("3-search")
    cards.first.get_by_role("link", name=TITLE).click()
    expect(heading(neighbour, TITLE)).to_be_visible()
    expect(neighbour).to_have_url(detail_url)
    support = neighbour.get_by_role("region", name="Soutiens")
    expect(support).to_contain_text("0 soutien")
    neighbour_audit("3-detail")

    support.get_by_role("button", name="Je soutiens").click()
    expect(support.get_by_role("button", name="Retirer mon soutien")).to_be_visible()
    expect(support).to_contain_text("1 soutien")
    expect(support).to_contain_text("Vous soutenez cette initiative.")
    expect(support).to_contain_text("1 sur 10 soutiens pour être étudiée en comité")
    if js:
        # The block was swapped in place: same page, same URL, the notice inside the block.
        expect(support).to_contain_text("Merci pour votre soutien !")
        assert neighbour.url == detail_url
    else:
        # A full page after the redirect, scrolled to the block, with a flash.
        expect(neighbour).to_have_url(re.compile(re.escape(detail_url) + r"#initiative-\d+-support$"))
        flash(neighbour, "Merci pour votre soutien !")
    expect(heading(neighbour, TITLE)).to_be_visible()
    neighbour_audit("3-supported")

    # --- 4. the author sees the notification -----------------------------------------------------
    page.goto(detail_url)
    page.get_by_role("banner").get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(heading(page, "Mes notifications")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/notifications/?$"))
    expect(page.get_by_text(f"Votre initiative « {TITLE} » est publiée : chacun peut la soutenir.")).to_be_visible()
    audit("4-notifications")

    # --- 5. staff record the decision, start it, and complete it with a bilan --------------------
    staff.goto(detail_url)
    expect(staff.get_by_role("region", name="Soutiens")).to_contain_text("1 soutien")
    manage = staff.get_by_role("region", name="Gérer l'initiative")
    manage.get_by_text("Enregistrer la décision du centre").click()
    manage.get_by_label("Décision", exact=True).select_option(label="Acceptée")
    manage.get_by_label("Raison ou conditions").fill("Le comité d'usagers a dit oui : rendez-vous le 14 juin.")
    staff_audit("5-decision-form")
    manage.get_by_role("button", name="Enregistrer la décision").click()
    flash(staff, "La décision est enregistrée.")
    expect(staff.get_by_role("main").locator(".tags .tag").first).to_have_text("Acceptée")
    expect(staff.get_by_role("main").locator(".facts")).to_contain_text("rendez-vous le 14 juin")
    staff_audit("5-accepted")

    manage.get_by_role("button", name="Démarrer l'initiative").click()
    flash(staff, "L'initiative est en cours.")
    expect(staff.get_by_role("main").locator(".tags .tag").first).to_have_text("En cours")
    staff_audit("5-started")

    # The bilan without the number of participants: the form comes back open, with the error.
    manage.get_by_text("Terminer avec un bilan").click()
    manage.get_by_role("button", name="Terminer avec ce bilan").click()
    participants = staff.get_by_label("Nombre de participants")
    expect(participants).to_be_visible()
    expect(participants).to_have_attribute("aria-invalid", "true")
    expect(staff.get_by_text("Indiquez combien de personnes ont participé.")).to_be_visible()
    staff_audit("5-bilan-errors")

    participants.fill("45")
    staff.get_by_label("Bilan : ce qui s'est bien passé").fill("Une belle journée : 12 plats partagés et un concert.")
    manage.get_by_role("button", name="Terminer avec ce bilan").click()
    flash(staff, "Le bilan est enregistré. Bravo !")
    main = staff.get_by_role("main")
    expect(main.locator(".tags .tag").first).to_have_text("Réalisée")
    facts = main.locator(".facts")
    expect(facts.locator("dt:text-is('Participants') + dd")).to_have_text("45")
    expect(facts).to_contain_text("12 plats partagés")

    timeline = staff.get_by_role("region", name="Historique")
    steps = timeline.locator("li strong")
    expect(steps.first).to_have_text("Réalisée")
    expect(steps).to_have_text(
        ["Réalisée", "En cours", "Acceptée", "Ouverte aux soutiens", "En attente de relecture", "Brouillon"]
    )
    expect(timeline.locator("li").filter(has_text="Acceptée")).to_contain_text("rendez-vous le 14 juin")
    staff_audit("5-completed")


# --- a search result opened right after typing opens under its own URL --------------------------


# An htmx race, so with JavaScript only (without it the form is submitted and the link followed).
@pytest.mark.parametrize("js", [True], ids=["js"], indirect=True)
def test_search_then_open_keeps_the_url(app, page: Page, js):
    people = seed(app)
    log_in(page, people["supporter"]["email"], PASSWORD)
    expect(heading(page, "Bonjour Bernard Morel")).to_be_visible()
    nav(page, "Initiatives").click()
    expect(heading(page, "Initiatives d'habitants")).to_be_visible()
    page.wait_for_load_state("networkidle")  # htmx has processed the swapped-in page
    page.get_by_role("search").get_by_label("Rechercher", exact=True).press_sequentially("repair", delay=30)
    expect(page.get_by_role("heading", name="1 initiative pour « repair »")).to_be_visible()
    page.locator("#initiative-list").get_by_role("link", name="Repair café mensuel").click()
    expect(heading(page, "Repair café mensuel")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/initiatives/\d+$"), timeout=2_000)


def test_older_conversations(app, page: Page, audit, js):
    """A much-discussed initiative on a phone: the latest conversations, then the older ones."""
    from app.initiatives import comments

    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
        staff = make_user(structure, display_name="Lucie Garnier", role=Role.STAFF)
        voices = [make_user(structure, display_name=name) for name in ("Awa Traoré", "Omar Benali", "Inès Roux")]
        initiative = make_initiative(structure, voices[0], staff, status=Status.OPEN, title=TITLE)
        for n in range(comments.THREADS_SHOWN + 2):
            person = voices[n % 3]
            comments.add_comment(initiative, person, f"Idée numéro {n + 1} pour la fête", by=person)
        db.session.commit()
        initiative_id = initiative.id
    page.goto(f"/initiatives/{initiative_id}")
    expect(heading(page, TITLE)).to_be_visible()
    expect(page.get_by_text("Idée numéro 1 pour la fête", exact=True)).to_have_count(0)
    expect(page.get_by_text("Idée numéro 22 pour la fête", exact=True)).to_be_visible()
    audit("latest")
    page.get_by_role("link", name="Voir les 2 conversations plus anciennes").click()
    expect(page.get_by_text("Idée numéro 1 pour la fête", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?commentaires=tous"))
    expect(page.get_by_role("link", name=re.compile("conversations plus anciennes"))).to_have_count(0)
    audit("every-conversation")
