"""Issue 4, "Done when": the whole life of a comité d'usagers on phones, with JavaScript and without.

Staff create the CA and a comité d'usagers that reports to it, with its rules (quorum: half of the
voting members present or represented; simple majority; one proxy each) → four habitants ask to join
and staff accept them, one as secrétaire → staff schedule a meeting, put a point on the agenda and
convene it (every member with an e-mail address gets the convocation, with the date; one answers
"excusée" from the link in it) → on the day, the secretary ticks the attendance on her phone and
watches the quorum → an "avis" on the opening hours is voted (one member votes for herself and for
the member she represents) and closed "Adoptée", with the rule that made it so → the séance is
closed, the minutes written and published, and a member reads them → the avis goes to the CA, whose
response ("Retenu en partie") is recorded by staff → the comité's page shows the answer and the P7
line. Each person has their own phone (browser context); every key screen is screenshot and checked
with axe (tests/browser/conftest.py `Audit`).
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.instances.models import Meeting
from app.timeutil import utcnow
from tests.browser.conftest import PHONE, TIMEOUT, Audit
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")
CA = "Conseil d'administration"
COMITE = "Comité d'usagers des Tilleuls"
MEETING = "Comité d'usagers de rentrée"
POINT = "Horaires d'ouverture de l'accueil"
MOTION = "Avis sur les horaires d'ouverture de l'accueil"
HABITANTS = ("Awa Traoré", "Bernard Morel", "Chloé Petit", "Samia Haddad")


def seed(app) -> dict:
    """A centre, one staff member and four habitants; Bernard has no e-mail (his account was made at
    the accueil, he logs in with his identifiant)."""
    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
        staff = make_user(structure, display_name="Lucie Garnier", role=Role.STAFF)
        people = {"Lucie Garnier": staff}
        for name in HABITANTS:
            if name == "Bernard Morel":
                people[name] = make_user(structure, display_name=name, username="bernard.morel", email=None)
            else:
                people[name] = make_user(structure, display_name=name)
        db.session.commit()
        return {name: {"login": user.email or user.username, "email": user.email} for name, user in people.items()}


@pytest.fixture
def phones(browser, live_server, js):
    """`phones(person_login)`: another person's phone, logged in, with its own `Audit`."""
    opened = []

    def open_phone(login: str) -> tuple[Page, Audit]:
        context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
        context.set_default_timeout(TIMEOUT)
        tab = context.new_page()
        checker = Audit(browser, tab, js, "instances-journey")
        opened.append((context, checker))
        enter(tab, login)
        return tab, checker

    yield open_phone
    for context, checker in opened:
        checker.close()
        context.close()


def enter(tab: Page, login: str) -> None:
    log_in(tab, login, PASSWORD)
    expect(tab.get_by_role("button", name="Se déconnecter")).to_be_visible()


def nav(tab: Page, name: str):
    return tab.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def flash(tab: Page, text: str) -> None:
    expect(tab.locator("#flash")).to_contain_text(text)


def said(tab: Page, text: str) -> None:
    """A message shown either as a flash (after a redirect) or inside the swapped block (htmx)."""
    expect(tab.get_by_text(text).first).to_be_visible()


def open_instance(tab: Page, name: str) -> None:
    nav(tab, "Instances").click()
    tab.get_by_role("link", name=name, exact=True).click()
    expect(heading(tab, name)).to_be_visible()


def paris_today() -> date:
    return datetime.now(PARIS).date()


def test_instances_journey(app, page: Page, audit, phones, js, mail):
    people = seed(app)
    staff = page

    # --- 1. staff create the CA, then the comité d'usagers that reports to it --------------------
    enter(staff, people["Lucie Garnier"]["login"])
    nav(staff, "Instances").click()
    staff.get_by_role("main").get_by_role("link", name="Créer une instance").click()
    staff.get_by_role("link", name=CA, exact=True).click()
    expect(staff.get_by_label("Nom de l'instance")).to_have_value(CA)
    submit(staff, "Créer l'instance")
    flash(staff, f"L'instance « {CA} » est créée.")

    nav(staff, "Instances").click()
    staff.get_by_role("main").get_by_role("link", name="Créer une instance").click()
    staff.get_by_role("link", name="Comité d'usagers", exact=True).click()
    form = staff.locator("#instance-form")
    form.get_by_label("Nom de l'instance").fill(COMITE)
    form.get_by_label("Description").fill(
        "Les usagers du centre donnent leur avis sur les activités, les horaires et l'accueil.\n"
        "Une réunion par trimestre, ouverte à tous les adhérents."
    )
    form.get_by_label("Sur demande, acceptée par la présidence ou l'équipe").check()
    form.get_by_label("Instance à qui elle rend ses avis").select_option(label=CA)
    form.get_by_label("Collèges et sièges").fill("Usagers : 12")
    form.get_by_label("Membres présents et représentés", exact=True).check()
    form.get_by_label("un pourcentage des membres ayant voix délibérative").check()
    form.get_by_label("Seuil du quorum", exact=True).fill("50")
    form.get_by_label("Majorité simple (plus de pour que de contre)").check()
    form.get_by_label("Les pouvoirs (procurations) sont admis").check()
    form.get_by_label("Pouvoirs par membre, au plus").fill("1")
    audit("01-staff-comite-form")
    submit(staff, "Créer l'instance")
    flash(staff, f"L'instance « {COMITE} » est créée.")
    facts = staff.locator(".facts")
    expect(facts).to_contain_text(f"Rend ses avis à{CA}")
    expect(facts).to_contain_text("Sur demande, acceptée par la présidence ou l'équipe")
    comite_url = staff.url
    comite_id = int(re.search(r"/instances/(\d+)", comite_url).group(1))
    audit("02-staff-comite-created")

    # --- 2. four habitants ask to join, each on their phone ---------------------------------------
    tabs: dict[str, tuple[Page, Audit]] = {}
    for name in HABITANTS:
        tab, check = tabs[name] = phones(people[name]["login"])
        open_instance(tab, COMITE)
        if name == "Awa Traoré":
            tab.get_by_label("Un mot pour la présidence (facultatif)").fill(
                "Je viens à l'accueil tous les jours, j'aimerais parler des horaires du samedi."
            )
        submit(tab, "Demander à rejoindre")
        said(tab, "Votre demande est envoyée")
        expect(tab.get_by_role("button", name="Annuler ma demande")).to_be_visible()
        if name == "Awa Traoré":
            check("03-awa-requested")
    awa, awa_audit = tabs["Awa Traoré"]
    samia, samia_audit = tabs["Samia Haddad"]
    chloe, chloe_audit = tabs["Chloé Petit"]

    # --- 3. staff accept the four requests; Samia becomes the secrétaire --------------------------
    staff.goto(comite_url)
    staff.get_by_role("link", name="4 demandes en attente de réponse").click()
    expect(staff.get_by_role("heading", name="4 demandes en attente")).to_be_visible()
    audit("04-staff-requests")
    for name in HABITANTS:
        request = staff.locator("#instance-requests li").filter(has_text=name)
        request.get_by_role("link", name="Accepter").click()
        expect(heading(staff, f"Accepter {name} dans « {COMITE} »")).to_be_visible()
        if name == "Samia Haddad":
            staff.get_by_label("Fonction").select_option(label="Secrétaire")
            audit("05-staff-accept-secretary")
        submit(staff, "Accepter la demande")
        flash(staff, f"{name} est membre de l'instance.")
    expect(staff.get_by_role("heading", name="4 membres en ce moment")).to_be_visible()
    expect(staff.locator("#instance-requests")).to_contain_text("Aucune demande en attente.")
    audit("06-staff-members")

    # --- 4. staff schedule the meeting, set the agenda and convene the members --------------------
    day = paris_today() + timedelta(days=10)  # beyond the 7 days' notice of the rules
    staff.goto(comite_url)
    staff.get_by_role("link", name="Programmer une réunion").click()
    staff.get_by_label("Titre").fill(MEETING)
    staff.get_by_label("Date").fill(day.isoformat())
    staff.get_by_label("Heure de début").fill("18:30")
    staff.get_by_label("Lieu").fill("Salle polyvalente, 12 rue des Tilleuls")
    submit(staff, "Programmer la réunion")
    flash(staff, "La réunion est programmée.")
    meeting_url = staff.url.split("#")[0]
    meeting_id = int(re.search(r"/reunions/(\d+)", meeting_url).group(1))
    agenda = staff.locator(f"#meeting-{meeting_id}-agenda")
    agenda.get_by_text("Ajouter un point").click()
    agenda.get_by_label("Point à l'ordre du jour").fill(POINT)
    agenda.get_by_label("Précisions").fill("Ouvrir le samedi matin ? Fermer plus tard le mercredi ?")
    agenda.get_by_role("button", name="Ajouter à l'ordre du jour").click()
    expect(staff.locator(f"#meeting-{meeting_id}-agenda ol")).to_contain_text(POINT)
    staff.get_by_role("button", name="Convoquer les membres").click()
    flash(staff, "La convocation est envoyée à 4 membres.")
    expect(staff.get_by_text("Envoyée le")).to_be_visible()
    audit("07-staff-meeting-convened")

    # Each member with an e-mail address has the convocation, with the date and the place.
    when = f"{format_date(day, 'full', locale='fr_FR')} à 18:30"
    for name in HABITANTS:
        address = people[name]["email"]
        if address is None:  # Bernard: the notification only, in the app
            continue
        message = mail.last_to(address)
        assert message["Subject"] == f"Convocation : {COMITE}, {when}", message["Subject"]
        body = mail.body(message)
        assert when in body and "Salle polyvalente" in body, body
    convocations = sorted(m["To"] for m in mail.messages if m["Subject"].startswith("Convocation"))
    assert convocations == sorted(p["email"] for n, p in people.items() if n in HABITANTS and p["email"])

    # --- 5. Chloé follows the link of her e-mail and answers "Excusée" ---------------------------
    chloe.goto(mail.link_in_last(people["Chloé Petit"]["email"], f"/instances/reunions/{meeting_id}"))
    expect(heading(chloe, MEETING)).to_be_visible()
    rsvp = chloe.locator(f"#meeting-{meeting_id}-rsvp")
    rsvp.get_by_role("radio", name="Excusé·e").check()
    rsvp.get_by_role("button", name="Envoyer ma réponse").click()
    expect(chloe.locator(f"#meeting-{meeting_id}-rsvp")).to_contain_text("Votre réponse : Excusé·e")
    chloe_audit("08-chloe-rsvp")

    # --- 6. the day of the meeting ----------------------------------------------------------------
    # Ten days cannot pass in a test: move the meeting to "started a few minutes ago" (still today in
    # Paris) with a committed UPDATE, then drop this thread's session so that the live server, which
    # reads the database from its own threads, sees the change and no stale object stays here.
    midnight = datetime.combine(paris_today(), datetime.min.time(), PARIS).astimezone(ZoneInfo("UTC"))
    started = max(utcnow() - timedelta(minutes=20), midnight.replace(tzinfo=None) + timedelta(minutes=1))
    db.session.execute(sa.update(Meeting).where(Meeting.id == meeting_id).values(starts_at=started))
    db.session.commit()
    db.session.remove()

    # --- 7. the secretary records the attendance on her phone -------------------------------------
    open_instance(samia, COMITE)
    samia.get_by_role("link", name=MEETING).first.click()
    expect(heading(samia, MEETING)).to_be_visible()
    samia.get_by_role("link", name="Feuille de présence").click()
    expect(heading(samia, "Présences")).to_be_visible()
    quorum = samia.locator("#quorum-status")
    expect(quorum).to_contain_text("Il manque 2 membres.")
    chloe_row = samia.get_by_role("group", name="Chloé Petit", exact=True)
    expect(chloe_row.get_by_label("Excusé·e")).to_be_checked()  # from her answer
    expect(chloe_row).to_contain_text("D'après sa réponse")
    samia_audit("09-secretary-attendance")

    def row(name: str):
        return samia.get_by_role("group", name=name, exact=True)

    row("Samia Haddad").get_by_label("Présent·e").check()
    if js:  # each row is saved as it changes, and the quorum follows
        expect(quorum).to_contain_text("Il manque 1 membre.")
    row("Awa Traoré").get_by_label("Présent·e").check()
    if js:
        expect(quorum).to_contain_text("Quorum atteint : 2 présents ou représentés sur 2 nécessaires")
    row("Bernard Morel").get_by_label("Représenté·e").check()
    row("Bernard Morel").get_by_label("Pouvoir confié à").select_option(label="Awa Traoré")
    if not js:
        samia.get_by_role("button", name="Enregistrer les présences").click()
        flash(samia, "Les présences sont enregistrées.")
    expect(quorum).to_contain_text("Quorum atteint : 3 présents ou représentés sur 2 nécessaires")
    expect(quorum).to_contain_text("présents : 2 · pouvoirs comptés : 1")
    samia_audit("10-secretary-attendance-ticked")

    # --- 8. the motion: an "avis" on the opening hours, voted in the séance -----------------------
    samia.get_by_role("link", name="Retour à la réunion").click()
    samia.get_by_role("link", name="Ajouter une motion").click()
    expect(heading(samia, "Nouvelle motion pour la réunion")).to_be_visible()
    samia.get_by_label("Intitulé de la motion").fill(MOTION)
    samia.get_by_label("Nature du vote").select_option(label="Avis")
    samia.get_by_label("Texte soumis au vote").fill(
        "Le comité d'usagers propose d'ouvrir l'accueil le samedi de 9 h à 12 h et jusqu'à 19 h le mercredi, "
        "à partir de la rentrée."
    )
    samia.get_by_label("Point de l'ordre du jour").select_option(label=POINT)
    samia_audit("11-secretary-motion-form")
    submit(samia, "Enregistrer la motion")
    expect(heading(samia, MOTION)).to_be_visible()
    motion_url = samia.url.split("#")[0]
    motion_id = int(re.search(r"/votes/(\d+)", motion_url).group(1))
    samia.get_by_role("button", name="Ouvrir le vote").click()
    said(samia, "Le vote est ouvert : 4 personne(s) peuvent voter.")
    block = samia.locator(f"#motion-{motion_id}-vote")
    block.get_by_role("group", name="Votre vote").get_by_label("Pour").check()
    block.get_by_role("button", name="Voter", exact=True).click()
    said(samia, "Votre vote est enregistré.")

    # Awa votes on her phone, for herself and for Bernard, whose proxy she holds.
    awa.goto(comite_url)
    awa.get_by_role("link", name=MEETING).first.click()
    motions = awa.locator(f"#meeting-{meeting_id}-motions")
    expect(motions.get_by_role("heading", name=MOTION)).to_be_visible()
    awa_audit("12-awa-ballots")
    motions.get_by_role("group", name="Votre vote").get_by_label("Pour").check()
    motions.get_by_role("button", name="Voter", exact=True).click()
    expect(awa.locator(f"#motion-{motion_id}-vote")).to_contain_text("Vous avez voté le")
    proxy = awa.locator(f"#motion-{motion_id}-vote").get_by_role("group", name="Vote pour Bernard Morel (pouvoir)")
    proxy.get_by_label("Abstention").check()
    awa.get_by_role("button", name="Voter pour Bernard Morel").click()
    expect(awa.locator(f"#motion-{motion_id}-vote")).to_contain_text("Vote de Bernard Morel (pouvoir) enregistré.")
    expect(awa.locator(f"#motion-{motion_id}-vote")).to_contain_text("3 votes enregistrés sur 4")
    awa_audit("13-awa-voted")

    # The secretary closes the vote: adopted, and why.
    samia.goto(motion_url)
    samia.get_by_role("link", name="Clore le vote").click()
    expect(heading(samia, "Clore le vote ?")).to_be_visible()
    submit(samia, "Oui, clore le vote")
    result = samia.locator(f"#motion-{motion_id}-vote")
    expect(result.locator(".result")).to_have_text("Adoptée : 2 pour, 0 contre, 1 abstention.")
    expect(result).to_contain_text("Majorité simple, abstentions non comptées : 1 voix pour suffisait.")
    expect(result).to_contain_text("Quorum atteint")
    expect(result).to_contain_text("Participation : 3 sur 4")
    samia_audit("14-secretary-vote-adopted")

    # --- 9. the séance is closed, then the minutes are written and published ----------------------
    samia.goto(meeting_url)
    samia.get_by_role("link", name="Feuille de présence").click()
    samia.once("dialog", lambda dialog: dialog.accept())  # htmx's hx-confirm, with JavaScript only
    samia.get_by_role("button", name="Clore la séance").click()
    flash(samia, "La séance est close : le quorum est atteint.")
    attendance = samia.locator(f"#meeting-{meeting_id}-attendance")
    expect(attendance).to_contain_text("Présent·e : 2")
    expect(attendance).to_contain_text("Excusé·e : 1")
    expect(attendance).to_contain_text("Représenté·e : 1")
    samia_audit("15-secretary-meeting-closed")

    samia.get_by_role("link", name="Rédiger le compte rendu").click()
    expect(heading(samia, "Compte rendu")).to_be_visible()
    samia.get_by_label("Compte rendu").fill(
        "### Présents\n\nSamia Haddad (secrétaire), Awa Traoré ; Bernard Morel représenté par Awa Traoré ; "
        "Chloé Petit excusée.\n\n### Horaires d'ouverture de l'accueil\n\n"
        "Le comité **adopte** un avis : ouvrir le samedi de 9 h à 12 h et jusqu'à 19 h le mercredi. "
        "L'avis est transmis au conseil d'administration."
    )
    samia_audit("16-secretary-minutes-form")
    submit(samia, "Enregistrer et publier")
    flash(samia, "Le compte rendu est publié ; les membres sont prévenus.")
    assert "compte rendu" in mail.body(mail.last_to(people["Awa Traoré"]["email"]))

    # A member reads them.
    awa.goto(comite_url)
    awa.get_by_role("link", name="Compte rendu").click()
    minutes = awa.locator(f"#meeting-{meeting_id}-minutes")
    expect(minutes).to_contain_text("Publié le")
    expect(minutes.get_by_role("heading", name="Horaires d'ouverture de l'accueil")).to_be_visible()
    expect(minutes.locator("strong", has_text="adopte")).to_be_visible()
    awa_audit("17-awa-minutes")

    # --- 10. the adopted avis goes to the CA ----------------------------------------------------
    samia.goto(motion_url)
    samia.get_by_label("Transmettre à").select_option(label=CA)
    submit(samia, "Transmettre l'avis")
    flash(samia, f"Avis transmis à « {CA} ».")
    expect(heading(samia, MOTION)).to_be_visible()
    expect(samia.get_by_text("En attente de réponse")).to_be_visible()
    samia_audit("18-secretary-avis-sent")

    # --- 11. the CA side records its response ------------------------------------------------------
    open_instance(staff, CA)
    staff.locator("[id$='-opinions']").get_by_role("link", name=MOTION).click()
    expect(heading(staff, MOTION)).to_be_visible()
    staff.get_by_label("Retenu en partie").check()
    staff.get_by_label("Explication").fill(
        "Le CA retient l'ouverture le samedi de 9 h à 12 h dès septembre. "
        "Le mercredi jusqu'à 19 h demande un poste d'accueil de plus : la question revient au budget de 2027."
    )
    audit("19-staff-ca-response-form")
    submit(staff, "Enregistrer la réponse")
    flash(staff, "Réponse enregistrée")
    expect(staff.locator("#opinion-response-title + p")).to_contain_text("Retenu en partie")
    audit("20-staff-ca-response")

    # --- 12. the comité's page shows the answer and the P7 line -----------------------------------
    samia.goto(comite_url)
    opinions = samia.locator(f"#instance-{comite_id}-opinions")
    expect(opinions.get_by_role("link", name=MOTION)).to_be_visible()
    expect(opinions.locator(".tag", has_text="Retenu en partie")).to_be_visible()
    expect(opinions).to_contain_text("Réponse le jour même")
    expect(opinions).to_contain_text(  # P7: share of the year's opinions answered, and the median delay
        re.compile(rf"Avis de {paris_today().year} ayant reçu une réponse : 1 sur 1 ; délai médian 0 jours?\.")
    )
    samia_audit("21-secretary-comite-answered")
    opinions.get_by_role("link", name=MOTION).click()
    expect(samia.get_by_text("Le CA retient l'ouverture le samedi")).to_be_visible()
