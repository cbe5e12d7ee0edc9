"""Issue 6, "Done when": the direction evaluates the projet social, on a phone and at a desk, with
JavaScript and without.

With the demo data (`flask seed`), Nadia Benali, the directrice (admin@ensemble.test):
reads the evaluation dashboard and changes its period → records an anonymous headcount (37 people
at a local event today, after a form error) → finds it on the dashboard: the persons counted without
a name beside "Personnes touchées" (U1) grow by 37 and the local events (I10) by 1, the same figures
as the headcounts page, the whole catalogue and the SENACS sheet → edits the projet social (edit
mode, a new axis, its general objective and an I10 indicator, the axis moved up, a demo indicator
deleted after confirmation) and reads the result on the tree, the indicators page (achieved = the
dashboard's I10), a frozen bilan and the printed report → enters a manual figure (U7) that the
catalogue and the SENACS sheet then show → downloads the SENACS sheet (CSV with a BOM, XLSX) →
prints the evaluation report (print stylesheet: no navigation; an A4 PDF).

At a desk (1280 × 800) the core of it again, then staff (staff@ensemble.test) read the dashboard and
the projet social without its edit button, and a habitant (habitant@ensemble.test) is refused
/evaluation/ (403). Every screen is screenshot and checked with axe (conftest `Audit`); each page
must fit the width of the screen (tables may scroll in their own wrapper: they are listed).
"""

import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD, seed_demo
from app.evaluation.demo import PROJECT
from app.extensions import db
from tests.browser.conftest import SCREENS, TIMEOUT, Audit, check_layout
from tests.browser.test_accounts import heading, log_in, submit
from tests.browser.test_initiatives import WithoutFragment

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")
DIRECTION = "admin@ensemble.test"
STAFF = "staff@ensemble.test"
HABITANT = "habitant@ensemble.test"
DESKTOP = {
    "viewport": {"width": 1280, "height": 800},
    "device_scale_factor": 1,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
}

HEADCOUNT = "Fête de fin d'année du quartier"
HEADCOUNT_TOTAL = 37
AXIS = "Faire vivre la culture dans le quartier"
OBJECTIVE = "Ouvrir le centre aux pratiques culturelles des habitants"
INDICATOR = "Événements culturels dans le quartier"
#: Families of the catalogue (tabs of "Tous les chiffres").
PUBLICS = "Publics, adhérents, partenaires"
INITIATIVES = "Initiatives d'habitants"
#: A demo indicator (axis 3) that the direction drops.
DROPPED = "Nouveaux bénévoles dans l'année"


def seed(app) -> None:
    """The demo centre with every feature's demo data (what `flask seed` makes)."""
    with app.app_context():
        seed_demo()
        db.session.commit()
    db.session.remove()


def this_year() -> int:
    return datetime.now(PARIS).year


def number(text: str) -> int:
    """ "1 234" (with any kind of space) → 1234."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no number in {text!r}"
    return int(digits)


def masked(value: int) -> str:
    """A count as in anything leaving the centre: 1 to 4 become "< 5"."""
    return "< 5" if 0 < value < 5 else str(value)


def nav(tab: Page, name: str):
    return tab.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True)


def said(tab: Page, text: str) -> None:
    """A message shown as a flash (after a redirect) or inside the block htmx swapped."""
    expect(tab.get_by_text(text).first).to_be_visible()


def enter(tab: Page, email: str) -> None:
    log_in(tab, email, DEMO_PASSWORD)
    expect(tab.get_by_role("button", name="Se déconnecter")).to_be_visible()


class Check:
    """`check(step)`: the conftest audit (screenshot + axe), then the page must fit the screen: one
    header, one h1, nothing wider than the viewport. Tables scrolling sideways in their wrapper are
    allowed (staff pages, read at a desk too) and collected in `wide_tables` for the report."""

    def __init__(self, tab: Page, audit: Audit):
        self.tab = tab
        self.audit = audit
        self.wide_tables: list[str] = []

    def __call__(self, step: str) -> None:
        self.audit(step)
        loose = check_layout(self.tab, step)
        if loose:
            self.wide_tables.append(f"{step}: {loose}")


def open_screen(browser, live_server, js, *, journey: str, device: dict | None, tab: Page | None = None):
    """A tab (the `page` fixture's phone, or a new context with `device`) with its `Check`; hx-confirm
    dialogs are accepted (as a person who meant it would) and their texts kept in the returned list."""
    context = None
    if tab is None:
        context = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **device)
        context.set_default_timeout(TIMEOUT)
        tab = context.new_page()
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    tab.on("dialog", accept)
    checker = Audit(browser, WithoutFragment(tab), js, journey)
    if not js and device is not None:
        # Without JavaScript, `Audit` runs axe on a copy of the page in a phone tab: use this device's.
        checker._axe_context = browser.new_context(bypass_csp=True, **device)
        checker._axe_context.route("**/*.js", lambda route: route.abort())
    return context, tab, Check(tab, checker), dialogs


def close_screen(request, context, tab: Page, check: Check, name: str) -> None:
    report = getattr(request.node, "report_call", None)
    if context is not None and report is not None and report.failed:
        SCREENS.mkdir(parents=True, exist_ok=True)
        shot = SCREENS / f"FAILED-{re.sub(r'[^A-Za-z0-9_.-]+', '-', request.node.name).strip('-')}-{name}.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"\nScreenshot of {name}: {shot} (at {tab.url})")
    check.audit.close()
    if check.wide_tables:
        print(f"\n{request.node.name} {name}: tables scrolling sideways in their wrapper:")
        print("\n".join(f"  {line}" for line in check.wide_tables))
    if context is not None:
        context.close()


@pytest.fixture
def phone(request, browser, live_server, js, page):
    """The direction's phone: the `page` fixture's tab (screenshot on failure) and its `Check`."""
    context, tab, check, dialogs = open_screen(
        browser, live_server, js, journey="evaluation-journey", device=None, tab=page
    )
    yield tab, check, dialogs
    close_screen(request, context, tab, check, "phone")


@pytest.fixture
def desks(request, browser, live_server, js):
    """`desks(name)`: a new desktop tab (own cookies) with its `Check` and its dialogs."""
    opened = []

    def open_desk(name: str):
        context, tab, check, dialogs = open_screen(
            browser, live_server, js, journey=f"evaluation-desktop-{name}", device=DESKTOP
        )
        opened.append((context, tab, check, name))
        return tab, check, dialogs

    yield open_desk
    for context, tab, check, name in opened:
        close_screen(request, context, tab, check, name)


# --- reading the figures ---------------------------------------------------------------------------


def dashboard_figures(tab: Page) -> dict:
    """Persons reached (U1), persons counted without a name beside them, local events (I10)."""
    u1 = tab.locator("#figure-U1")
    expect(u1.locator(".figure-value")).to_be_visible()
    anonymous = u1.locator(".figure-anonymous")
    figures = {
        "U1": number(u1.locator(".figure-value").inner_text()),
        "anonymous": number(anonymous.inner_text().split("personne")[0]) if anonymous.count() else 0,
        "I10": None,
    }
    if tab.locator("#figure-I10").count():
        figures["I10"] = number(tab.locator("#figure-I10 .figure-value").inner_text())
    return figures


def headcount_totals(tab: Page) -> tuple[int, int]:
    """The headcounts page's total for the year: (persons counted, local events)."""
    lead = tab.locator("#headcount-list .card .lead")
    expect(lead).to_be_visible()
    text = lead.inner_text()
    events = re.search(r"dont (\d+) événements? loca", text)
    return number(text.split(" personne")[0]), int(events.group(1)) if events else 0


def choose_year(tab: Page, prefix: str, year: int) -> None:
    """The period chooser (evaluation/_period.html): a calendar year."""
    tab.get_by_label("Année civile", exact=True).select_option(str(year))
    tab.get_by_role("button", name="Voir l'année").click()
    expect(tab.locator(f"#{prefix}-current")).to_have_text(f"Période affichée : année {year}")


def catalogue_row(tab: Page, family: str, code: str):
    """A metric's row in the catalogue ("Tous les chiffres"), after choosing its family's tab."""
    expect(tab.locator("#evaluation-catalogue table").first).to_be_visible()  # loaded (htmx: when scrolled to)
    families = tab.get_by_role("navigation", name="Familles de chiffres")
    if families.count():
        families.get_by_role("link", name=family, exact=True).click()
        expect(families.get_by_role("link", name=family, exact=True)).to_have_attribute("aria-current", "page")
    row = tab.locator(f"#metric-{code}")
    expect(row).to_be_visible()
    return row


def download(tab: Page, link_name: str) -> tuple[str, bytes]:
    with tab.expect_download() as info:
        tab.get_by_role("link", name=link_name, exact=True).click()
    done = info.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def pdf_pages(tab: Page, path: Path) -> int:
    pdf = tab.pdf(path=str(path), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF"), pdf[:20]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# --- the journey on the phone ----------------------------------------------------------------------


def test_evaluation_journey(app, phone, js, tmp_path):
    seed(app)
    tab, check, dialogs = phone
    year = this_year()

    # --- 1. the direction opens the dashboard; the period chooser ---------------------------------
    enter(tab, DIRECTION)
    nav(tab, "Évaluation").click()
    expect(heading(tab, "Tableau de bord de l'évaluation")).to_be_visible()
    dashboard = tab.locator("#evaluation-dashboard")
    expect(dashboard.locator(".lead")).to_contain_text(f"Période affichée : année {year}")
    before = dashboard_figures(tab)
    for chart in ("Personnes touchées par mois", "Personnes touchées par tranche d'âge"):
        expect(tab.get_by_role("img", name=chart)).to_be_visible()
    check("1-dashboard")

    # The data behind a chart, as a table.
    ages = tab.locator(".chart-figure").filter(has=tab.get_by_role("img", name="Personnes touchées par tranche d'âge"))
    ages.locator("summary").click()
    table = ages.get_by_role("table", name="Personnes touchées par tranche d'âge")
    expect(table).to_be_visible()
    counts = [number(cell) for cell in table.locator("tbody td").all_inner_texts()]
    assert sum(counts) == before["U1"], f"the age brackets add up to {sum(counts)}, U1 is {before['U1']}"

    # Last year, then back to this one (with htmx: the dashboard block only, and the URL).
    choose_year(tab, "dashboard-period", year - 1)
    expect(tab).to_have_url(re.compile(rf"annee={year - 1}"))
    check("1-dashboard-last-year")
    choose_year(tab, "dashboard-period", year)
    assert dashboard_figures(tab) == before

    # --- 2. an anonymous headcount: 37 people at a local event, today -----------------------------
    tab.goto("/evaluation/comptages")
    expect(heading(tab, "Comptages anonymes")).to_be_visible()
    expect(tab.locator("#headcount-list-title")).to_have_text(f"Année {year}")
    total_before, events_before = headcount_totals(tab)
    assert total_before == before["anonymous"], "the dashboard and the headcounts page disagree"
    if before["I10"] is not None:
        assert events_before == before["I10"]

    tab.get_by_role("main").get_by_role("link", name="Enregistrer un comptage").first.click()
    expect(heading(tab, "Enregistrer un comptage")).to_be_visible()
    form = tab.get_by_role("main").locator("form")
    expect(form.get_by_label("Date", exact=True)).to_have_value(datetime.now(PARIS).date().isoformat())
    form.get_by_label("Ce que c'était").fill(HEADCOUNT)
    form.get_by_label("Moins de 11 ans").fill("12")
    form.get_by_label("Événement local", exact=True).check()
    submit(tab, "Enregistrer")  # the total is missing
    expect(tab.locator(".error-summary")).to_contain_text("Indiquez le nombre total de personnes.")
    expect(tab.get_by_label("Nombre total de personnes")).to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_label("Ce que c'était")).to_have_value(HEADCOUNT)
    check("2-headcount-errors")
    tab.get_by_label("Nombre total de personnes").fill(str(HEADCOUNT_TOTAL))
    submit(tab, "Enregistrer")
    said(tab, f"Comptage enregistré : {HEADCOUNT_TOTAL} personnes le")
    recorded = tab.locator("#headcount-list li").filter(has_text=HEADCOUNT)
    expect(recorded).to_contain_text(f"{HEADCOUNT_TOTAL} personnes, dont 12 de moins de 11 ans")
    expect(recorded.locator(".tag")).to_have_text("Événement local")
    total_after, events_after = headcount_totals(tab)
    assert (total_after, events_after) == (total_before + HEADCOUNT_TOTAL, events_before + 1)
    check("2-headcount-saved")

    # --- 3. the dashboard shows it: beside the persons reached, never added -----------------------
    nav(tab, "Évaluation").click()
    expect(heading(tab, "Tableau de bord de l'évaluation")).to_be_visible()
    after = dashboard_figures(tab)
    assert after["anonymous"] == before["anonymous"] + HEADCOUNT_TOTAL, (before, after)
    assert after["U1"] == before["U1"], "an anonymous headcount was added to the persons reached"
    if before["I10"] is not None:
        assert after["I10"] == before["I10"] + 1, (before, after)
    expect(tab.locator("#figure-U1 .figure-anonymous")).to_contain_text("comptées sans nom")
    check("3-dashboard-after")

    # The whole catalogue says the same (loaded in place when scrolled to; a link without JS).
    if js:
        tab.get_by_role("heading", name="Tous les chiffres").scroll_into_view_if_needed()
    else:
        tab.get_by_role("link", name="Voir tous les chiffres").click()
        expect(heading(tab, "Tous les chiffres")).to_be_visible()
    u1_row = catalogue_row(tab, PUBLICS, "U1")
    expect(u1_row).to_contain_text("comptées sans nom")
    assert number(u1_row.locator("td.num strong").inner_text()) == after["U1"]
    assert number(u1_row.locator("td.num .small").first.inner_text().split("personne")[0]) == after["anonymous"]
    if after["I10"] is not None:
        i10_row = catalogue_row(tab, INITIATIVES, "I10")
        assert number(i10_row.locator("td.num strong").inner_text()) == after["I10"]
    check("3-catalogue-family")

    # --- 4. the projet social: edit mode, an axis, an objective, an indicator, move, delete -------
    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Indicateurs du projet social : cibles et réalisé").click()
    expect(heading(tab, "Indicateurs du projet social")).to_be_visible()
    tab.get_by_role("link", name="Modifier le projet social et ses indicateurs").click()
    expect(heading(tab, PROJECT["title"])).to_be_visible()
    expect(tab.get_by_role("link", name="Modifier le projet social", exact=True)).to_be_visible()
    expect(tab.get_by_role("button", name=re.compile("^Supprimer"))).to_have_count(0)  # reading first
    tab.get_by_role("link", name="Modifier le projet social", exact=True).click()
    expect(tab).to_have_url(re.compile(r"modifier=1"))
    expect(tab.get_by_role("link", name="Terminer les modifications")).to_be_visible()
    axes_before = tab.locator("#project-tree section.axis").count()
    check("4-project-edit-mode")

    tab.get_by_role("link", name="Ajouter un axe").click()
    expect(heading(tab, "Ajouter un axe")).to_be_visible()
    tab.get_by_label("Intitulé de l'axe").fill(AXIS)
    tab.get_by_label("Description").fill("Ateliers, sorties et fêtes : la culture de chacun a sa place au centre.")
    submit(tab, "Enregistrer")
    said(tab, "L'axe est ajouté.")
    axis = tab.locator("#project-tree section.axis").filter(has=tab.get_by_role("heading", name=AXIS))
    expect(axis.get_by_role("heading", name=AXIS)).to_contain_text(f"Axe {axes_before + 1}")

    axis.get_by_role("link", name="Ajouter un objectif général").click()
    expect(heading(tab, "Ajouter un objectif général")).to_be_visible()
    tab.get_by_label("Intitulé de l'objectif").fill(OBJECTIVE)
    submit(tab, "Enregistrer")
    said(tab, "L'objectif général est ajouté.")
    objective = tab.locator("article.objective").filter(has=tab.get_by_role("heading", name=OBJECTIVE))
    objective.get_by_role("link", name=re.compile("^Ajouter un indicateur : ")).click()
    expect(heading(tab, "Ajouter un indicateur")).to_be_visible()
    tab.get_by_label("Intitulé de l'indicateur").fill(INDICATOR)
    tab.get_by_label("Quantitatif", exact=True).check()
    tab.get_by_label("Chiffre suivi").select_option(label="I10 — Événements locaux")
    tab.get_by_label("Valeur de départ").fill("2")
    tab.get_by_label("Valeur visée").fill("6")
    tab.get_by_label("Commentaire").fill("Une fête ou un événement culturel par saison, porté avec les habitants.")
    check("4-indicator-form")
    submit(tab, "Enregistrer")
    said(tab, "L'indicateur est ajouté.")
    added = tab.locator("#project-tree li[id^='indicateur-']").filter(has_text=INDICATOR)
    expect(added).to_contain_text("I10 — Événements locaux")
    expect(added).to_contain_text("Départ : 2 → visé : 6")

    # The new axis goes up one place.
    axis.get_by_role("button", name=f"Monter : {AXIS}").click()
    said(tab, "L'ordre est modifié.")
    expect(axis.get_by_role("heading", name=AXIS)).to_contain_text(f"Axe {axes_before}")

    # A demo indicator is dropped, after a confirmation (a dialog with JS, a page without).
    dropped = tab.locator("#project-tree li[id^='indicateur-']").filter(has_text=DROPPED)
    expect(dropped).to_have_count(1)
    dropped.get_by_role("button", name=f"Supprimer : {DROPPED}").click()
    if js:
        expect(tab.locator("#project-tree")).to_contain_text("L'indicateur est supprimé.")
        assert dialogs and DROPPED in dialogs[-1], dialogs
    else:
        expect(heading(tab, "Supprimer cet indicateur ?")).to_be_visible()
        expect(tab.get_by_role("main")).to_contain_text(DROPPED)
        check("4-confirm-delete")
        submit(tab, "Supprimer")
        said(tab, "L'indicateur est supprimé.")
    expect(tab.locator("#project-tree")).not_to_contain_text(DROPPED)
    check("4-indicator-deleted")

    tab.get_by_role("link", name="Terminer les modifications").click()
    expect(tab.get_by_role("link", name="Modifier le projet social", exact=True)).to_be_visible()
    expect(tab.get_by_role("button", name=re.compile("^(Monter|Descendre|Supprimer)"))).to_have_count(0)
    expect(axis.get_by_role("heading", name=AXIS)).to_contain_text(f"Axe {axes_before}")
    expect(axis.get_by_role("heading", name=OBJECTIVE)).to_be_visible()
    expect(axis).to_contain_text(INDICATOR)
    expect(tab.locator("#project-tree")).not_to_contain_text(DROPPED)
    check("4-project-read")

    # --- 5. the indicators page: the new indicator's achieved figure is the dashboard's I10 --------
    tab.goto("/evaluation/indicateurs")
    choose_year(tab, "indicators-period", year)
    card = tab.locator("li.indicator-card").filter(has=tab.get_by_role("heading", name=INDICATOR))
    expect(card).to_have_count(1)
    if after["I10"] is not None:
        expect(card.locator("dt:text-is('Réalisé') + dd")).to_have_text(str(after["I10"]))
    expect(tab.locator("#evaluation-indicators")).not_to_contain_text(DROPPED)
    check("5-indicators")

    # --- 6. a manual figure: partners (U7) this year ----------------------------------------------
    tab.goto("/evaluation/projet-social/")
    tab.get_by_role("navigation", name="Saisies de l’évaluation").get_by_role("link", name="Chiffres saisis").click()
    expect(heading(tab, f"Chiffres saisis {year}")).to_be_visible()
    partners = tab.locator("#chiffre-U7")
    partners.get_by_label("Valeur", exact=True).fill("23")
    partners.get_by_label("Note (facultatif)").fill("Dont la médiathèque et deux associations de quartier")
    submit(tab, f"Enregistrer les chiffres de {year}")
    said(tab, f"1 chiffre enregistré pour {year}.")
    check("6-manual-figures")
    tab.goto(f"/evaluation/chiffres?annee={year}")
    expect(catalogue_row(tab, PUBLICS, "U7").locator("td.num")).to_contain_text("23")

    # --- 7. the direction freezes this year's figures (a bilan) -----------------------------------
    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Bilans figés").click()
    expect(heading(tab, "Bilans figés")).to_be_visible()
    tab.get_by_label("Type de bilan").select_option(label="Bilan annuel")
    tab.get_by_label("Début de la période").fill(f"{year}-01-01")
    tab.get_by_label("Fin de la période").fill(f"{year}-12-31")
    tab.get_by_label("Note (facultative)").fill("Présenté au conseil d'administration de décembre.")
    submit(tab, "Figer les chiffres")
    said(tab, "Les chiffres sont figés : voici le bilan.")
    expect(heading(tab, re.compile("^Bilan annuel"))).to_be_visible()
    frozen = tab.get_by_role("row", name=re.compile(INDICATOR))
    if after["I10"] is not None:
        expect(frozen.locator("td.num strong")).to_have_text(str(after["I10"]))
    check("7-snapshot")

    # --- 8. the SENACS sheet of this year: same figures, masked under 5; CSV and XLSX --------------
    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Aide à la saisie SENACS").click()
    expect(heading(tab, f"Aide à la saisie SENACS : données {year - 1}")).to_be_visible()
    tab.get_by_label("Année des données").select_option(str(year))
    submit(tab, "Afficher")
    expect(heading(tab, f"Aide à la saisie SENACS : données {year}")).to_be_visible()
    beside = tab.locator("#senacs-U1 .senacs-anonymous")
    expect(beside).to_contain_text("personnes comptées sans nom")
    assert number(beside.inner_text().split("personnes")[0]) == after["anonymous"]
    expect(tab.locator("#senacs-U7 .senacs-figure .senacs-value")).to_have_text("23")
    if after["I10"] is not None and tab.locator("#senacs-I10").count():
        expect(tab.locator("#senacs-I10 .senacs-figure .senacs-value")).to_have_text(masked(after["I10"]))
    check("8-senacs")

    name, body = download(tab, f"Fiche SENACS {year} (CSV)")
    assert name == f"ensemble-senacs-{year}.csv", name
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]  # UTF-8 BOM: Excel reads the accents
    rows: dict[str, list[str]] = {}
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"):
        rows.setdefault(row[1], row)  # the first line of a code: the figure (its breakdown follows)
    assert number(rows["U1"][5]) == after["anonymous"], rows["U1"]
    assert rows["U7"][3] in {"23", "23,00"}, rows["U7"]
    name, body = download(tab, f"Fiche SENACS {year} (Excel)")
    assert name == f"ensemble-senacs-{year}.xlsx", name
    assert body.startswith(b"PK\x03\x04"), body[:10]  # a zip, as every XLSX
    assert any(n.startswith("xl/worksheets/") for n in zipfile.ZipFile(io.BytesIO(body)).namelist())

    # --- 9. the evaluation report: the new axis in its place, then printed on A4 ------------------
    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Rapport d'évaluation à imprimer").click()
    expect(heading(tab, "Évaluation du projet social")).to_be_visible()
    report = tab.locator("article.report")
    expect(report.get_by_role("heading", name=f"Axe {axes_before} : {AXIS}")).to_be_visible()
    expect(report).to_contain_text(OBJECTIVE)
    expect(report.get_by_role("row", name=re.compile(INDICATOR))).to_be_visible()
    expect(report).not_to_contain_text(DROPPED)
    print_button = tab.get_by_role("button", name="Imprimer")
    if js:
        expect(print_button).to_be_visible()
    else:  # it would do nothing: hidden, the browser's menu prints
        expect(print_button).to_be_hidden()
    check("9-report")

    tab.emulate_media(media="print")
    expect(tab.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    expect(tab.locator(".report-tools")).to_be_hidden()
    expect(report.get_by_role("heading", name=f"Axe {axes_before} : {AXIS}")).to_be_visible()
    SCREENS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(
        path=str(SCREENS / f"evaluation-journey-{'js' if js else 'nojs'}-9-report-print.png"), full_page=True
    )
    pages = pdf_pages(tab, tmp_path / "rapport.pdf")
    assert pages >= 2, f"the report prints on {pages} page(s)"  # the cover, then one axis a page
    tab.emulate_media(media="screen")

    # --- 10. the dashboard's own exports download ---------------------------------------------------
    # With htmx, a boosted link would fetch the file and swap it into the page as text: the links
    # need hx-boost="false", as in evaluation/exports/_downloads.html.
    tab.goto("/evaluation/")
    name, body = download(tab, "Comptages anonymes (CSV)")
    assert name == f"ensemble-comptages-{year}.csv", name
    assert body.startswith(b"\xef\xbb\xbf") and HEADCOUNT.encode() in body


# --- at a desk, then staff and a habitant -------------------------------------------------------


def test_evaluation_desktop(app, desks, js, tmp_path):
    seed(app)
    year = this_year()

    # The direction: the dashboard, the projet social edited, the SENACS sheet, the printed report.
    tab, check, _dialogs = desks("direction")
    enter(tab, DIRECTION)
    nav(tab, "Évaluation").click()
    expect(heading(tab, "Tableau de bord de l'évaluation")).to_be_visible()
    figures = dashboard_figures(tab)
    check("1-dashboard")
    tab.goto("/evaluation/comptages")
    assert headcount_totals(tab)[0] == figures["anonymous"]

    tab.goto("/evaluation/projet-social/")
    tab.get_by_role("link", name="Modifier le projet social", exact=True).click()
    tab.get_by_role("link", name="Ajouter un axe").click()
    tab.get_by_label("Intitulé de l'axe").fill(AXIS)
    submit(tab, "Enregistrer")
    said(tab, "L'axe est ajouté.")
    expect(tab.locator("#project-tree").get_by_role("heading", name=AXIS)).to_be_visible()
    check("2-project-edit-mode")

    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Aide à la saisie SENACS").click()
    expect(heading(tab, f"Aide à la saisie SENACS : données {year - 1}")).to_be_visible()
    check("3-senacs")
    name, body = download(tab, f"Fiche SENACS {year - 1} (CSV)")
    assert name == f"ensemble-senacs-{year - 1}.csv" and body.startswith(b"\xef\xbb\xbf")
    name, body = download(tab, f"Fiche SENACS {year - 1} (Excel)")
    assert body.startswith(b"PK\x03\x04")

    tab.goto("/evaluation/")
    tab.get_by_role("link", name="Rapport d'évaluation à imprimer").click()
    report = tab.locator("article.report")
    expect(report.get_by_role("heading", name=re.compile(f"^Axe \\d : {AXIS}$"))).to_be_visible()
    check("4-report")
    tab.emulate_media(media="print")
    expect(tab.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    expect(tab.locator(".report-tools")).to_be_hidden()
    SCREENS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(
        path=str(SCREENS / f"evaluation-desktop-{'js' if js else 'nojs'}-4-report-print.png"), full_page=True
    )
    assert pdf_pages(tab, tmp_path / "rapport.pdf") >= 2
    tab.emulate_media(media="screen")

    # Staff: the dashboard and the projet social, read only.
    staff, staff_check, _ = desks("staff")
    enter(staff, STAFF)
    nav(staff, "Évaluation").click()
    expect(heading(staff, "Tableau de bord de l'évaluation")).to_be_visible()
    assert dashboard_figures(staff) == figures
    staff_check("5-staff-dashboard")
    staff.goto("/evaluation/projet-social/")
    expect(staff.locator("#project-tree").get_by_role("heading", name=AXIS)).to_be_visible()
    expect(staff.get_by_role("link", name="Modifier le projet social", exact=True)).to_have_count(0)
    expect(staff.get_by_role("link", name="Terminer les modifications")).to_have_count(0)
    staff.goto("/evaluation/projet-social/?modifier=1")  # asking for the edit mode changes nothing
    expect(staff.get_by_role("link", name="Ajouter un axe")).to_have_count(0)
    expect(staff.get_by_role("button", name=re.compile("^Supprimer"))).to_have_count(0)
    staff_check("5-staff-project")

    # A habitant: no "Évaluation" in the menu, and the page itself is refused.
    habitant, habitant_check, _ = desks("habitant")
    enter(habitant, HABITANT)
    expect(nav(habitant, "Évaluation")).to_have_count(0)
    response = habitant.goto("/evaluation/")
    assert response is not None and response.status == 403, response and response.status
    expect(heading(habitant, "Accès refusé")).to_be_visible()
    habitant_check("6-habitant-refused")
