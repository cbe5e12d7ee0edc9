"""The whole volunteering journey on a phone, with and without JavaScript (issue 5, "Done when").

A bénévole coordinateur creates a weekly mission (two places per shift) → Awa and Bernard take the
first shift, Chloé lands on its waitlist (position 1) → Bernard cancels, Chloé is promoted and told
→ after the shifts the coordinator marks who came (Awa twice, Chloé once, Bernard no-show) → staff
validate the proposed hours (one from its page, two from the queue) and see the valued total →
Awa prints her yearly attestation: 5 h, valued at the SMIC horaire brut (12,02 € in 2026).

Five people, five phones (own browser contexts, own cookies), each logged in through the login
page. Every key screen is screenshot and checked with axe (conftest `Audit`).
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.volunteering.hours import default_smic
from app.volunteering.models import Mission, Shift
from tests.browser.conftest import PHONE, SCREENS, TIMEOUT, Audit, check_layout
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit
from tests.browser.test_initiatives import WithoutFragment

pytestmark = pytest.mark.browser

TITLE = "Aide aux devoirs du mercredi"
PARIS = ZoneInfo("Europe/Paris")
#: The SMIC horaire brut of 2026, written here on purpose (not read from the app): the attestation
#: must show hours × this rate. Other years follow the app's table.
SMIC_2026 = Decimal("12.02")
#: Each shift runs 14:00–16:30, Paris time: 2,5 h.
SHIFT_HOURS = Decimal("2.5")


def seed(app) -> dict:
    """A centre with a bénévole coordinateur, three habitants and a staff member; plain values only."""
    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),), city="Villeurbanne")
        people = {
            "nadia": make_user(structure, display_name="Nadia Benali", role=Role.COORDINATOR),
            "awa": make_user(structure, display_name="Awa Traoré"),
            "bernard": make_user(structure, display_name="Bernard Morel"),
            "chloe": make_user(structure, display_name="Chloé Martin"),
            "lucie": make_user(structure, display_name="Lucie Garnier", role=Role.STAFF),
        }
        db.session.commit()
        emails = {key: user.email for key, user in people.items()}
    db.session.remove()
    return emails


def hours_text(hours: Decimal) -> str:
    """2.5 → "2,5", 5 → "5" (French decimal comma, no useless zeros)."""
    text = f"{hours.normalize():f}"
    return text.replace(".", ",")


def euros_text(value: Decimal) -> str:
    """60.1 → "60,10 €" (French format; Playwright treats the no-break spaces as spaces)."""
    whole, cents = f"{value.quantize(Decimal('0.01')):,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{cents} €"


def smic(day: date) -> Decimal:
    return SMIC_2026 if day.year == 2026 else default_smic(day)


def past_days(first: date, today: date) -> tuple[date, date]:
    """The first two shifts' days moved back by whole weeks (still Wednesdays, still a week apart) to
    the latest weeks before today, both in the same year so that one yearly attestation holds them."""
    second = first + timedelta(weeks=1)
    weeks = (second - today).days // 7 + 1
    first, second = first - timedelta(weeks=weeks), second - timedelta(weeks=weeks)
    if first.year != second.year:
        first, second = first - timedelta(weeks=1), second - timedelta(weeks=1)
    assert second < today and first.year == second.year
    return first, second


def to_utc(day: date, at: time) -> datetime:
    """A Paris wall-clock time as the naive UTC the database stores."""
    return datetime.combine(day, at, PARIS).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def move_shifts_into_the_past(app, days: tuple[date, date]) -> list[int]:
    """Move the mission's first two shifts to `days` (same Paris hours), committed.

    Sign-ups only open for shifts still to come, and attendance only once a shift has started: the
    journey creates its shifts through the UI a week ahead, lets people sign up, then "lets time
    pass" by moving the two signed-up shifts into the past, directly in the database (nothing in the
    UI may move a shift into the past). The sign-up deadlines move with them.
    """
    with app.app_context():
        shifts = db.session.scalars(
            sa.select(Shift).join(Mission).where(Mission.title == TITLE).order_by(Shift.starts_at).limit(2)
        ).all()
        assert len(shifts) == 2
        for shift, day in zip(shifts, days, strict=True):
            starts_at = to_utc(day, time(14, 0))
            delta = starts_at - shift.starts_at
            shift.starts_at = starts_at
            shift.ends_at = to_utc(day, time(16, 30))
            if shift.signup_closes_at is not None:
                shift.signup_closes_at += delta
        db.session.commit()
        ids = [shift.id for shift in shifts]
    db.session.remove()
    return ids


def nav(tab: Page, name: str):
    return tab.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def flash(tab: Page, text: str):
    expect(tab.locator(".flash-region, #hours-queue").get_by_text(text).first).to_be_visible()


def shift_items(tab: Page):
    """The shifts listed under the mission on "Bénévolat", earliest first."""
    mission = tab.locator("#mission-list article").filter(has=tab.get_by_role("heading", name=TITLE))
    expect(mission).to_have_count(1)
    return mission.locator("ul.list > li")


#: Steps whose wide tables may scroll sideways in their wrapper (staff reports, read at a desk too).
WIDE_TABLES_ALLOWED = {"5-reports"}


class PhoneCheck:
    """`check(step)`: the conftest audit (screenshot + axe), plus what a 390 px phone needs: one page
    (no page swapped inside another), nothing wider than the screen, tables that fit or scroll in
    their wrapper — and on the bénévoles' screens, tables that fit."""

    def __init__(self, tab: Page, audit: Audit):
        self.tab = tab
        self.audit = audit

    def __call__(self, step: str) -> None:
        self.audit(step)
        loose = check_layout(self.tab, step)
        if step not in WIDE_TABLES_ALLOWED:
            assert not loose, f"{step}: tables wider than the phone: {loose}"
        elif loose:
            print(f"{step}: tables scrolling sideways in their wrapper: {loose}")


def journey_name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def phones(request, browser, live_server, js, page):
    """`phones(journey)` → (tab, audit) for the next person: the first gets the `page` fixture's tab
    (screenshot on failure), the others a fresh context each (own cookies). Confirmation dialogs
    (hx-confirm) are accepted, as a person who meant it would."""
    opened = []

    def open_phone(journey: str) -> tuple[Page, "PhoneCheck"]:
        if not opened:
            tab, context = page, None
        else:
            context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
            context.set_default_timeout(TIMEOUT)
            tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        checker = Audit(browser, WithoutFragment(tab), js, journey)
        opened.append((context, checker))
        return tab, PhoneCheck(tab, checker)

    yield open_phone
    report = getattr(request.node, "report_call", None)
    for n, (context, checker) in enumerate(opened):
        if context is not None and report is not None and report.failed:
            # The `page` fixture shoots the first phone; the others too, to see where each person was.
            shot = SCREENS / f"FAILED-{journey_name(request)}-phone{n + 1}.png"
            checker.page.screenshot(path=str(shot), full_page=True)
            print(f"Screenshot of phone {n + 1}: {shot} (at {checker.page.url})")
        checker.close()
        if context is not None:
            context.close()


def test_volunteering_journey(app, phones, js, tmp_path):
    emails = seed(app)
    journey = "volunteering-journey"

    # --- 1. Nadia, bénévole coordinatrice, creates a weekly mission ---------------------------------
    nadia, nadia_audit = phones(journey)
    log_in(nadia, emails["nadia"], PASSWORD)
    expect(heading(nadia, "Bonjour Nadia Benali")).to_be_visible()
    nav(nadia, "Bénévolat").click()
    expect(heading(nadia, "Bénévolat")).to_be_visible()
    nadia.get_by_role("main").get_by_role("link", name="Gérer les missions").click()
    expect(heading(nadia, "Gérer les missions")).to_be_visible()
    nadia.get_by_role("main").get_by_role("link", name="Nouvelle mission").first.click()
    expect(heading(nadia, "Nouvelle mission")).to_be_visible()
    form = nadia.get_by_role("main").locator("form")
    form.get_by_label("Titre de la mission").fill(TITLE)
    form.get_by_label("Ce que font les bénévoles").fill(
        "Accueillir les enfants du CE1 au CM2 et leurs parents, aider aux leçons, ranger la salle."
    )
    form.get_by_label("Catégorie", exact=True).select_option(label="Activité")
    form.get_by_label("Activité du centre").fill("Aide aux devoirs")
    form.get_by_label("Compétences utiles").fill("accueil, patience, lecture")
    # A coordinator creating a mission coordinates it.
    expect(form.get_by_label("Nadia Benali")).to_be_checked()
    nadia_audit("1-mission-form")
    submit(nadia, "Enregistrer et publier")
    expect(heading(nadia, TITLE)).to_be_visible()
    flash(nadia, "Mission enregistrée et publiée. Ajoutez maintenant ses créneaux.")
    nadia_audit("1-mission")

    nadia.get_by_role("main").get_by_role("link", name="Ajouter un créneau").first.click()
    expect(heading(nadia, "Ajouter un créneau")).to_be_visible()
    today = datetime.now(PARIS).date()
    first_day = today + timedelta(days=7 + (2 - today.weekday()) % 7)  # a Wednesday, a week or two ahead
    nadia.get_by_label("Date", exact=True).fill(first_day.isoformat())
    nadia.get_by_label("Début").fill("14:00")
    nadia.get_by_label("Fin", exact=True).fill("16:30")
    nadia.get_by_label("Lieu").fill("Salle des familles, 1er étage")
    nadia.get_by_label("Nombre de places").fill("2")
    nadia.get_by_label("Chaque semaine, le même jour").check()
    nadia.get_by_label("Jusqu'au (pour une répétition chaque semaine)").fill(
        (first_day + timedelta(weeks=2)).isoformat()
    )
    nadia_audit("1-shift-form")
    submit(nadia, "Ajouter")
    flash(nadia, "3 créneaux ajoutés, chaque")
    upcoming = nadia.locator("#mission-shifts > ul > li")
    expect(upcoming).to_have_count(3)
    expect(upcoming.first).to_contain_text("2 places sur 2")
    expect(upcoming.first).to_contain_text("Salle des familles, 1er étage")
    nadia_audit("1-shifts")

    # --- 2. Awa and Bernard take the first shift's two places, Chloé lands on the waitlist -----------
    awa, awa_audit = phones(journey)
    log_in(awa, emails["awa"], PASSWORD)
    expect(heading(awa, "Bonjour Awa Traoré")).to_be_visible()
    nav(awa, "Bénévolat").click()
    expect(heading(awa, "Bénévolat")).to_be_visible()
    shifts = shift_items(awa)
    expect(shifts).to_have_count(3)
    expect(shifts.nth(0)).to_contain_text("2 places sur 2")
    awa_audit("2-list")
    for n in (0, 1):  # the first two weeks
        shifts.nth(n).get_by_role("button", name=re.compile("^Je m'inscris")).click()
        expect(shifts.nth(n).locator(".signup")).to_contain_text("Vous êtes inscrit·e")
        # With htmx the notice is in the swapped block; without, a flash after the redirect.
        notice = shifts.nth(n) if js else awa.locator(".flash-region")
        expect(notice).to_contain_text("C'est noté : vous êtes inscrit·e. Merci !")
    awa_audit("2-signed-up")

    bernard, bernard_audit = phones(journey)
    log_in(bernard, emails["bernard"], PASSWORD)
    expect(heading(bernard, "Bonjour Bernard Morel")).to_be_visible()
    nav(bernard, "Bénévolat").click()
    shifts = shift_items(bernard)
    expect(shifts.nth(0)).to_contain_text("1 place sur 2")
    for n in (0, 1):
        shifts.nth(n).get_by_role("button", name=re.compile("^Je m'inscris")).click()
        expect(shifts.nth(n).locator(".signup")).to_contain_text("Vous êtes inscrit·e")

    chloe, chloe_audit = phones(journey)
    log_in(chloe, emails["chloe"], PASSWORD)
    expect(heading(chloe, "Bonjour Chloé Martin")).to_be_visible()
    nav(chloe, "Bénévolat").click()
    shifts = shift_items(chloe)
    expect(shifts.nth(0)).to_contain_text("Complet : liste d'attente")
    chloe_audit("2-full")
    shifts.nth(0).get_by_role("button", name=re.compile("^Rejoindre la liste d'attente")).click()
    expect(
        chloe.get_by_text(
            "Le créneau est complet : vous êtes sur la liste d'attente (position 1). "
            "Vous serez prévenu·e si une place se libère."
        )
    ).to_be_visible()
    expect(shifts.nth(0).locator(".signup")).to_contain_text("Liste d'attente : position 1")
    expect(shifts.nth(0).get_by_role("button", name=re.compile("^Quitter la liste d'attente"))).to_be_visible()
    chloe_audit("2-waitlist")

    # The coordinator sees who is coming and who waits.
    nadia.reload()
    nadia.locator("#mission-shifts > ul > li").first.get_by_role("link", name=re.compile("^Équipe")).click()
    expect(heading(nadia, "L'équipe du créneau")).to_be_visible()
    coming = nadia.get_by_role("region", name="2 personnes viennent")
    expect(coming.locator("li[id^='signup-'] strong")).to_have_text(["Awa Traoré", "Bernard Morel"])
    waiting = nadia.get_by_role("region", name="Liste d'attente")
    expect(waiting.locator("li[id^='signup-']")).to_have_count(1)
    expect(waiting.locator("li[id^='signup-']")).to_contain_text("Chloé Martin")
    expect(waiting.locator("li[id^='signup-']")).to_contain_text("n° 1")
    nadia_audit("2-roster-before")

    # --- 3. Bernard cancels the first shift from "Mes créneaux"; Chloé is promoted and told ---------
    bernard.get_by_role("main").get_by_role("link", name="Mes créneaux").click()
    expect(heading(bernard, "Mes créneaux")).to_be_visible()
    mine = bernard.get_by_role("region", name="À venir").locator("ul.list > li")
    expect(mine).to_have_count(2)
    bernard_audit("3-my-shifts")
    mine.first.get_by_role("button", name=re.compile("^Me désinscrire")).click()
    if not js:  # without JavaScript, a confirmation page stands in for the dialog
        expect(heading(bernard, "Vous désinscrire de ce créneau ?")).to_be_visible()
        bernard_audit("3-confirm-cancel")
        bernard.get_by_role("main").get_by_role("button", name="Me désinscrire").click()
    expect(bernard.get_by_text("Vous êtes désinscrit·e de ce créneau.")).to_be_visible()
    bernard_audit("3-cancelled")

    chloe.get_by_role("banner").get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(heading(chloe, "Mes notifications")).to_be_visible()
    expect(
        chloe.get_by_text(re.compile(f"Une place s'est libérée : vous êtes inscrit·e au créneau « {TITLE} » du"))
    ).to_be_visible()
    chloe_audit("3-notification")
    chloe.goto("/benevolat/mes-creneaux")
    expect(heading(chloe, "Mes créneaux")).to_be_visible()
    promoted = chloe.get_by_role("region", name="À venir").locator("ul.list > li")
    expect(promoted).to_have_count(1)
    expect(promoted.first.locator(".signup")).to_contain_text("Vous êtes inscrit·e")
    expect(promoted.first).not_to_contain_text("Liste d'attente")
    chloe_audit("3-promoted")

    nadia.reload()
    expect(coming.locator("li[id^='signup-'] strong")).to_have_text(["Awa Traoré", "Chloé Martin"])
    expect(waiting).to_contain_text("Personne n'attend.")

    # --- 4. After the shifts, the coordinator marks who came -----------------------------------------
    days = past_days(first_day, today)
    year = days[1].year
    first_id, second_id = move_shifts_into_the_past(app, days)

    nadia.get_by_role("link", name=f"La mission « {TITLE} »").click()
    expect(heading(nadia, TITLE)).to_be_visible()
    past = nadia.get_by_role("region", name="Créneaux passés")
    expect(past.locator("li")).to_have_count(2)
    expect(past.locator("li").first).to_contain_text("Présences à noter")
    nadia_audit("4-past-shifts")

    marks = {first_id: {"Awa Traoré": "Venu·e", "Chloé Martin": "Venu·e"}}
    marks[second_id] = {"Awa Traoré": "Venu·e", "Bernard Morel": "Pas venu·e"}
    for shift_id, people in marks.items():
        past.locator(f"a[href$='/creneaux/{shift_id}/equipe']").click()
        expect(heading(nadia, "L'équipe du créneau")).to_be_visible()
        expect(nadia.get_by_text("Notez qui est venu")).to_be_visible()
        rows = nadia.locator("li[id^='signup-']")
        expect(rows).to_have_count(2)
        if shift_id == first_id:
            nadia_audit("4-roster-to-mark")
        for name, mark in people.items():
            row = rows.filter(has=nadia.locator("strong", has_text=name))
            row.get_by_role("button", name=re.compile(f"^{mark} — ")).click()
            done = "présence notée" if mark == "Venu·e" else "absence notée"
            expect(nadia.get_by_text(f"{name} : {done}.")).to_be_visible()
            expect(row.get_by_role("button", name=re.compile(f"^{mark} — "))).to_have_attribute("aria-pressed", "true")
            expect(row.locator(".tag")).to_have_text(mark)
        if shift_id == first_id:
            nadia_audit("4-roster-marked")
        submit(nadia, "J'ai fini de noter les présences")
        flash(nadia, "Présences enregistrées. Merci ! Les heures sont proposées à la validation.")
        expect(nadia.get_by_text(re.compile("^Présences notées le"))).to_be_visible()
        for name, mark in people.items():
            expect(rows.filter(has=nadia.locator("strong", has_text=name)).locator(".tag")).to_have_text(mark)
        if shift_id == second_id:
            nadia_audit("4-roster-done")
        nadia.get_by_role("link", name=f"La mission « {TITLE} »").click()
        expect(heading(nadia, TITLE)).to_be_visible()
    expect(past.locator("li").filter(has_text="Présences notées")).to_have_count(2)

    # --- 5. Lucie, staff, validates the hours -------------------------------------------------------
    lucie, lucie_audit = phones(journey)
    log_in(lucie, emails["lucie"], PASSWORD)
    expect(heading(lucie, "Bonjour Lucie Garnier")).to_be_visible()
    nav(lucie, "Bénévolat").click()
    lucie.get_by_role("main").get_by_role("link", name="Heures à valider").click()
    expect(heading(lucie, "Heures à valider")).to_be_visible()
    queue = lucie.locator("#hours-queue")
    expect(queue.get_by_role("heading", name="3 saisies à valider")).to_be_visible()
    entries = queue.locator("li[id^='hours-entry-']")
    expect(entries).to_have_count(3)
    shift_hours = hours_text(SHIFT_HOURS)
    expect(entries.filter(has_text="Awa Traoré")).to_have_count(2)
    for entry in entries.all():
        expect(entry).to_contain_text(f": {shift_hours} h")
        expect(entry).to_contain_text(f"Créneau — {TITLE}")
    lucie_audit("5-queue")

    # Chloé's from its page (where the hours could be corrected)...
    entries.filter(has_text="Chloé Martin").get_by_role("link", name=re.compile("^Corriger ou refuser")).click()
    expect(heading(lucie, "Heures de Chloé Martin")).to_be_visible()
    facts = lucie.locator(".facts")
    expect(facts.locator("dt:text-is('Durée') + dd")).to_have_text(f"{shift_hours} h")
    expect(facts.locator("dt:text-is('Origine') + dd")).to_have_text(f"Créneau — {TITLE}")
    expect(lucie.get_by_label("Durée")).to_have_value(shift_hours)
    lucie_audit("5-entry")
    lucie.get_by_role("button", name="Valider ces heures").click()
    expect(heading(lucie, "Heures à valider")).to_be_visible()
    chloe_value = euros_text(SHIFT_HOURS * smic(days[0]))
    flash(lucie, f"Heures validées : {shift_hours} h de Chloé Martin, valorisées {chloe_value}.")
    expect(queue.get_by_role("heading", name="2 saisies à valider")).to_be_visible()

    # ... and Awa's two together.
    for entry in entries.all():
        entry.get_by_role("checkbox").check()
    lucie_audit("5-queue-checked")
    queue.get_by_role("button", name="Valider la sélection").click()
    flash(lucie, "2 saisies validées.")
    expect(queue.get_by_role("heading", name="Aucune saisie à valider")).to_be_visible()
    expect(queue.get_by_text("Rien à valider pour l'instant.")).to_be_visible()
    lucie_audit("5-queue-empty")

    # The validated total, in the reports.
    awa_hours = 2 * SHIFT_HOURS
    awa_value = SHIFT_HOURS * smic(days[0]) + SHIFT_HOURS * smic(days[1])
    total_hours = 3 * SHIFT_HOURS
    total_value = awa_value + SHIFT_HOURS * smic(days[0])
    lucie.get_by_role("navigation", name="Heures de bénévolat").get_by_role(
        "link", name="Rapports du bénévolat"
    ).click()
    expect(heading(lucie, "Rapports du bénévolat")).to_be_visible()
    if year != today.year:
        lucie.get_by_label("Année civile").select_option(str(year))
        lucie.get_by_role("button", name="Voir l'année").click()
    report = lucie.locator("#hours-report")
    expect(report.get_by_role("heading", name=f"Année {year}")).to_be_visible()
    by_category = report.get_by_role("table", name="Heures validées et valorisation par catégorie")
    expect(by_category.get_by_role("row", name=re.compile("^Activité"))).to_contain_text(hours_text(total_hours))
    expect(by_category.locator("tfoot")).to_contain_text(hours_text(total_hours))
    expect(by_category.locator("tfoot")).to_contain_text(euros_text(total_value))
    statements = report.get_by_role("table", name=re.compile("^Heures validées par bénévole"))
    awa_row = statements.get_by_role("row", name=re.compile("^Awa Traoré"))
    expect(awa_row.locator("td").nth(0)).to_have_text(hours_text(awa_hours))
    expect(awa_row.locator("td").nth(2)).to_have_text(euros_text(awa_value))
    chloe_row = statements.get_by_role("row", name=re.compile("^Chloé Martin"))
    expect(chloe_row.locator("td").nth(0)).to_have_text(shift_hours)
    expect(statements.get_by_role("row", name=re.compile("^Bernard Morel"))).to_have_count(0)
    lucie_audit("5-reports")

    # --- 6. Awa finds her hours and prints her yearly attestation ------------------------------------
    awa.goto("/")
    nav(awa, "Bénévolat").click()
    awa.get_by_role("main").get_by_role("link", name="Mes heures").click()
    expect(heading(awa, "Mes heures de bénévolat")).to_be_visible()
    awa.get_by_role("navigation", name="Années").get_by_role("link", name=str(year), exact=True).click()
    summary = awa.get_by_role("region", name=f"En {year}", exact=True)
    expect(summary).to_contain_text(
        f"{hours_text(awa_hours)} h validées, valorisées {euros_text(awa_value)}.", use_inner_text=True
    )
    done = awa.get_by_role("region", name=f"Créneaux faits en {year}", exact=True).locator("li")
    expect(done).to_have_count(2)
    expect(done.first).to_contain_text(TITLE)
    awa_audit("6-my-hours")

    awa.get_by_role("main").get_by_role("link", name=f"Attestation {year}").click()
    expect(heading(awa, f"Attestation de bénévolat — année {year}")).to_be_visible()
    attestation = awa.locator("article.attestation")
    expect(attestation).to_contain_text(
        f"Centre social Les Tilleuls atteste que Awa Traoré a donné bénévolement de son temps au centre en {year}, "
        f"pour un total de {hours_text(awa_hours)} heures validées"
    )
    expect(attestation.locator(".attestation-summary tfoot td")).to_have_text(hours_text(awa_hours))
    expect(attestation).to_contain_text(f"Ce temps est valorisé à {euros_text(awa_value)} dans les comptes du centre")
    if smic(days[0]) == smic(days[1]):
        rate = smic(days[1])
        expect(attestation.locator(".attestation-rates li")).to_have_text(
            [
                f"{hours_text(awa_hours)} h au taux de {euros_text(rate)} de l'heure (SMIC horaire brut) : "
                f"{euros_text(awa_value)}"
            ]
        )
    expect(attestation.locator(".attestation-entries tbody tr")).to_have_count(2)
    expect(attestation).to_contain_text("Fait à Villeurbanne, le")
    awa_audit("6-attestation")

    print_button = awa.get_by_role("button", name="Imprimer l'attestation")
    if js:
        awa.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
        print_button.click()
        assert awa.evaluate("window.__printed") == 1, "the print button does not open the print dialog"
    else:
        # Without JavaScript the button would do nothing: it stays hidden, the browser's menu prints.
        expect(print_button).to_be_hidden()
        expect(awa.get_by_text("Sans JavaScript : utilisez « Imprimer » dans le menu du navigateur.")).to_be_visible()

    # On paper: one A4 sheet, without the site's header, menus and buttons.
    awa.emulate_media(media="print")
    expect(awa.get_by_role("banner")).to_be_hidden()
    expect(awa.get_by_text("Imprimez cette attestation")).to_be_hidden()
    expect(attestation).to_be_visible()
    pdf = awa.pdf(path=str(tmp_path / "attestation.pdf"), prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 1, f"the attestation prints on {pages} pages"
    awa.emulate_media(media="screen")
