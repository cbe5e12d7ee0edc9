"""The evaluation dashboard on a small hand-built data set: exact figures in the page, period
fallbacks (never a 500), who may see it, htmx fragment vs full page, valid SVG.

The data set, calendar year 2026 (and 2025 as the previous period):
- Alice (born 2015, Les Buers QPV): 10 Feb L0, 5 Mar L2;
- Bob (born 1990, Gratte-Ciel): 1 Jun 2025 L0; 20 Mar 2026 L3; moves to Les Buers; 10 Sep 2026 L0;
- Chloé (bracket 60+, no birth year, Les Buers): 2 Nov L5;
- Eve (born 2016, Gratte-Ciel): 15 Feb L0;
- Hugo (no age, no quartier): 12 May L1;
- Dan (Les Buers): 3 Mar 2025 L1 only;
- not counted: a staff member acting as staff, a test account, a blocked account;
- anonymous headcount: 120 people at the fête de quartier on 21 Jun 2026.
"""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from html.parser import HTMLParser

import pytest

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation.metrics import Scope
from app.evaluation.models import HeadCount
from app.evaluation.queries import persons_by_month, reach_profile
from app.extensions import db
from app.factories import make_structure
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import from_local
from tests.helpers import count_queries, hx

SVG = "{http://www.w3.org/2000/svg}"


def at(year, month, day, hour=12):
    return from_local(datetime(year, month, day, hour))


def act(person, structure, when, level=Level.L0_PRESENCE, **kwargs):
    record_participation(person, structure_id=structure.id, kind="test.act", level=level, occurred_at=when, **kwargs)


def quartier(structure, name):
    return next(q for q in structure.quartiers if q.name == name)


@pytest.fixture
def data(structure, make_user):
    buers, gratte = quartier(structure, "Les Buers"), quartier(structure, "Gratte-Ciel")
    alice = make_user(display_name="Alice", birth_year=2015, quartier=buers)
    bob = make_user(display_name="Bob", birth_year=1990, quartier=gratte)
    chloe = make_user(display_name="Chloé", age_bracket=AgeBracket.SENIOR, quartier=buers)
    eve = make_user(display_name="Eve", birth_year=2016, quartier=gratte)
    hugo = make_user(display_name="Hugo")
    hugo.membership_in(structure.id).quartier = None
    dan = make_user(display_name="Dan", birth_year=1980, quartier=buers)
    staff = make_user(role=Role.STAFF, display_name="Sam Salarié")
    tester = make_user(is_test=True)
    blocked = make_user()
    db.session.flush()

    act(alice, structure, at(2026, 2, 10))
    act(alice, structure, at(2026, 3, 5), Level.L2_CONSULTATION)
    act(bob, structure, at(2025, 6, 1))
    act(bob, structure, at(2026, 3, 20), Level.L3_CONTRIBUTION)
    bob.membership_in(structure.id).quartier = buers  # he moves: his later act is in Les Buers
    db.session.flush()
    act(bob, structure, at(2026, 9, 10))
    act(chloe, structure, at(2026, 11, 2), Level.L5_DECISION)
    act(eve, structure, at(2026, 2, 15))
    act(hugo, structure, at(2026, 5, 12), Level.L1_INFORMATION)
    act(dan, structure, at(2025, 3, 3), Level.L1_INFORMATION)
    act(staff, structure, at(2026, 4, 1), Level.L5_DECISION)  # as staff: not counted
    act(tester, structure, at(2026, 4, 1))
    act(blocked, structure, at(2026, 4, 1))
    blocked.is_blocked = True
    db.session.add(HeadCount(structure_id=structure.id, occurred_on=date(2026, 6, 21), label="Fête", total=120))
    db.session.commit()
    return {"staff": staff, "alice": alice}


class Tables(HTMLParser):
    """Every <table> of a page as {caption: [[cell texts] per body row]}."""

    def __init__(self, html):
        super().__init__()
        self.tables, self._caption, self._rows, self._cell, self._in = {}, None, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in = "caption"
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._caption.strip()] = self._rows[1:]  # without the header row
            self._rows = None

    def handle_data(self, data):
        if self._in == "caption":
            self._caption += data
        elif self._cell is not None:
            self._cell += data


def rows_of(html, caption):
    return {row[0]: row[1:] for row in Tables(html).tables[caption]}


def figure_card(html, code):
    match = re.search(rf'<li class="figure-card" id="figure-{code}">(.*?)</li>', html, re.S)
    assert match, code
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_profile_funnel_and_retention_folded_from_one_query(app, data, structure):
    scope = Scope.year(structure.id, 2026)
    with count_queries() as queries:
        profile = reach_profile(scope)
    assert queries.count == 1
    assert (profile.persons, profile.previous_persons, profile.kept) == (5, 2, 1)
    assert str(profile.retention) == "50.0"
    assert [n for _level, n in profile.funnel] == [5, 4, 3, 2, 1, 1]
    assert profile.by_age == [
        ("0 à 10 ans", 1),
        ("11 à 25 ans", 1),
        ("26 à 59 ans", 1),
        ("60 ans et plus", 1),
        ("Non renseigné", 1),
    ]
    # Bob counts once, where his latest act of the year was (Les Buers, after his move).
    assert profile.by_quartier == [("Les Buers", 3), ("Gratte-Ciel", 1), ("Quartier non renseigné", 1)]
    assert profile.by_qpv == [("En quartier prioritaire (QPV)", 3), ("Hors QPV", 1), ("Non renseigné", 1)]
    for breakdown in (profile.by_age, profile.by_quartier, profile.by_qpv):
        assert sum(n for _label, n in breakdown) == profile.persons


def test_the_latest_act_wins_when_only_some_acts_have_a_quartier(app, structure, make_user):
    """Persons whose acts of the period differ (a quartier given later, taken away, two acts at the
    same instant) count where their latest act was; the newest row wins a tie."""
    buers, gratte = quartier(structure, "Les Buers"), quartier(structure, "Gratte-Ciel")
    ivy, jo, kim = (make_user(display_name=name) for name in ("Ivy", "Jo", "Kim"))
    for person, first in ((ivy, None), (jo, buers), (kim, buers)):
        person.membership_in(structure.id).quartier = first
    db.session.flush()
    for person in (ivy, jo, kim):
        act(person, structure, at(2026, 2, 1))
    ivy.membership_in(structure.id).quartier = buers  # given at last
    jo.membership_in(structure.id).quartier = None  # taken away
    kim.membership_in(structure.id).quartier = gratte
    db.session.flush()
    act(ivy, structure, at(2026, 4, 1))
    act(jo, structure, at(2026, 4, 1), Level.L2_CONSULTATION)
    act(kim, structure, at(2026, 2, 1))  # the same instant as her first act: this newer row wins
    db.session.commit()

    profile = reach_profile(Scope.year(structure.id, 2026))
    assert profile.persons == 3
    assert profile.by_quartier == [("Gratte-Ciel", 1), ("Les Buers", 1), ("Quartier non renseigné", 1)]
    assert profile.by_qpv == [("En quartier prioritaire (QPV)", 1), ("Hors QPV", 1), ("Non renseigné", 1)]
    assert [n for _level, n in profile.funnel][:3] == [3, 1, 1]


def test_persons_by_month(app, data, structure):
    months = persons_by_month(Scope.year(structure.id, 2026))
    assert [m.month for m in months] == [date(2026, m, 1) for m in range(1, 13)]
    assert [m.persons for m in months] == [0, 2, 2, 0, 1, 0, 0, 0, 1, 0, 1, 0]
    # A custom period cuts its first and last months at its own days.
    months = persons_by_month(Scope.of(structure.id, date(2026, 2, 12), date(2026, 3, 10)))
    assert [(m.month, m.persons) for m in months] == [(date(2026, 2, 1), 1), (date(2026, 3, 1), 1)]


def test_dashboard_shows_the_exact_figures(client, auth, data):
    auth.login(data["staff"])
    r = client.get("/evaluation/?annee=2026")
    assert r.status_code == 200
    html = r.text
    u1 = figure_card(html, "U1")
    assert "5 personnes" in u1
    assert "+ 120 personnes comptées sans nom" in u1
    assert "En hausse de 3" in u1 and "(période précédente : 2)" in u1
    assert "Personnes inscrites distinctes" in u1  # the definition is next to the figure
    assert "du 1 janvier 2025 au 31 décembre 2025" in html
    months = rows_of(html, "Personnes touchées par mois")
    assert months["février 2026"] == ["2"] and months["mars 2026"] == ["2"] and months["avril 2026"] == ["0"]
    assert rows_of(html, "Personnes touchées par tranche d'âge") == {
        "0 à 10 ans": ["1"],
        "11 à 25 ans": ["1"],
        "26 à 59 ans": ["1"],
        "60 ans et plus": ["1"],
        "Non renseigné": ["1"],
    }
    assert rows_of(html, "Personnes touchées par quartier") == {
        "Les Buers": ["3"],
        "Gratte-Ciel": ["1"],
        "Quartier non renseigné": ["1"],
    }
    assert rows_of(html, "Personnes touchées selon le quartier prioritaire")["En quartier prioritaire (QPV)"] == ["3"]
    funnel = rows_of(html, "Parcours d'engagement : personnes ayant atteint au moins chaque niveau")
    assert list(funnel.values()) == [
        ["5", "100 %"],
        ["4", "80 %"],
        ["3", "60 %"],
        ["2", "40 %"],
        ["1", "20 %"],
        ["1", "20 %"],
    ]
    assert "50 %" in html and "1 personne sur 2 touchées la période précédente est revenue" in html
    # The whole catalogue is one click (or one htmx request) away.
    assert 'hx-get="/evaluation/chiffres?annee=2026"' in html
    assert "Sam Salarié" not in html


def test_every_chart_is_valid_svg_with_title_and_description(client, auth, data):
    auth.login(data["staff"])
    html = client.get("/evaluation/?annee=2026").text
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 5
    for markup in svgs:
        root = ET.fromstring(markup)  # noqa: S314  (our own markup)
        assert root.get("role") == "img" and root.get("viewBox") and root.get("width") == "100%"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text and desc.text
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")
        # Each chart is followed by its data table.
        assert f"<caption>{title.text.replace(chr(39), '&#39;')}</caption>" in html


def test_the_catalogue_page_shows_one_family_at_a_time(client, auth, data):
    auth.login(data["staff"])
    first = client.get("/evaluation/chiffres?annee=2026")
    assert first.status_code == 200 and "<html" in first.text
    assert list(Tables(first.text).tables) == ["Bénévolat"]
    for family in "BPIUR":
        assert f"famille={family}" in first.text
    r = client.get("/evaluation/chiffres?annee=2026&famille=U")
    assert list(Tables(r.text).tables) == ["Publics, adhérents, partenaires"]
    u1 = rows_of(r.text, "Publics, adhérents, partenaires")["U1"]
    assert u1[1].startswith("5") and "120 personnes comptées sans nom" in u1[1]
    assert client.get("/evaluation/chiffres?annee=2026&famille=Z").status_code == 200  # unknown: the first family
    # Manual figures not entered say so (never a made-up zero).
    r = client.get("/evaluation/chiffres?annee=2026&famille=R")
    resources = rows_of(r.text, "Moyens (saisie manuelle)")
    assert all(row[1].startswith("non saisi") for row in resources.values())
    fragment = client.get("/evaluation/chiffres?annee=2026", headers=hx("evaluation-catalogue"))
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="evaluation-catalogue"')


# --- periods: bad input falls back politely -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("annee=deux-mille", "Année non reconnue."),
        ("annee=1850", "Année non reconnue."),
        ("du=2026-05-01&au=2026-01-01", "La fin de la période doit suivre son début."),
        ("du=hier&au=demain", "Dates non reconnues"),
        ("du=2026-01-01", "Dates non reconnues"),
        ("du=2000-01-01&au=2026-01-01", "La période est limitée à six ans."),
        ("periode=projet", "Aucun projet social"),
    ],
)
def test_bad_periods_fall_back_with_a_message(client, auth, make_user, query, message):
    auth.login(make_user(role=Role.STAFF))
    r = client.get(f"/evaluation/?{query}")
    assert r.status_code == 200
    assert message in r.text.replace("&#39;", "'")
    assert "Période affichée : année" in r.text


def test_custom_period_and_its_previous_period(client, auth, data):
    auth.login(data["staff"])
    r = client.get("/evaluation/?du=2026-02-01&au=2026-03-31")
    assert r.status_code == 200
    assert "Période affichée : du 1 février 2026 au 31 mars 2026" in r.text
    assert "du 4 décembre 2025 au 31 janvier 2026" in r.text  # the 59 days before
    assert "3 personnes" in figure_card(r.text, "U1")


# --- who may see it -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, structure):
    r = client.get("/evaluation/")
    assert r.status_code in (302, 303) and "/compte/connexion" in r.headers["Location"]


@pytest.mark.parametrize(
    ("role", "status"), [(Role.HABITANT, 403), (Role.COORDINATOR, 403), (Role.STAFF, 200), (Role.ADMIN, 200)]
)
def test_roles(client, auth, make_user, role, status):
    auth.login(make_user(role=role))
    assert client.get("/evaluation/").status_code == status
    assert client.get("/evaluation/chiffres").status_code == status


def test_staff_of_one_centre_cannot_see_another(client, auth, make_user, structure):
    other = make_structure("Centre social Les Acacias")
    db.session.commit()
    auth.login(make_user(role=Role.STAFF))
    assert client.get(f"/evaluation/?centre={other.id}").status_code == 404
    assert client.get("/evaluation/?centre=all").status_code == 404
    assert client.get("/evaluation/?centre=9999").status_code == 404
    assert client.get(f"/evaluation/chiffres?centre={other.id}").status_code == 404
    assert client.get(f"/evaluation/?centre={structure.id}").status_code == 200


def test_nav_link_for_staff_only(client, auth, make_user):
    auth.login(make_user(role=Role.HABITANT))
    assert 'href="/evaluation/"' not in client.get("/").text
    auth.logout()
    auth.login(make_user(role=Role.STAFF))
    assert 'href="/evaluation/"' in client.get("/").text


def test_platform_admin_adds_up_every_centre(client, auth, make_user, data, structure):
    other = make_structure("Centre social Les Acacias", quartiers=(("Les Buers", True),))
    db.session.commit()
    for person in (make_user(other), make_user(other)):
        act(person, other, at(2026, 2, 1))
    act(data["alice"], other, at(2026, 2, 2))  # one person in two centres counts once
    db.session.add(HeadCount(structure_id=other.id, occurred_on=date(2026, 3, 1), label="Sortie", total=30))
    db.session.commit()
    admin = make_user(role=Role.HABITANT, is_platform_admin=True)
    auth.login(admin)

    everything = client.get("/evaluation/?annee=2026&centre=all")
    assert everything.status_code == 200
    assert "Tous les centres (2)" in everything.text
    u1 = figure_card(everything.text, "U1")
    assert "7 personnes" in u1 and "+ 150 personnes comptées sans nom" in u1
    assert rows_of(everything.text, "Personnes touchées par mois")["février 2026"] == ["4"]
    quartiers = rows_of(everything.text, "Personnes touchées par quartier")
    # Alice's latest act of the year was in Les Tilleuls (Les Buers): she counts there only.
    assert quartiers["Les Buers (Centre social Les Acacias)"] == ["2"]
    assert quartiers["Les Buers (Centre social Les Tilleuls)"] == ["3"]

    one = client.get(f"/evaluation/?annee=2026&centre={other.id}")
    assert "3 personnes" in figure_card(one.text, "U1")
    assert "+ 30 personnes comptées sans nom" in figure_card(one.text, "U1")


# --- htmx -----------------------------------------------------------------------------------------


def test_htmx_gets_the_dashboard_fragment_and_the_rest_the_full_page(client, auth, data):
    auth.login(data["staff"])
    full = client.get("/evaluation/?annee=2026")
    assert "<html" in full.text and 'id="evaluation-dashboard"' in full.text
    fragment = client.get("/evaluation/?annee=2025", headers=hx("evaluation-dashboard"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="evaluation-dashboard"')
    assert "Période affichée : année 2025" in fragment.text
    # The period forms aim at the fragment and still work without JavaScript (plain GET).
    assert 'method="get" action="/evaluation/"' in fragment.text
    assert 'hx-target="#evaluation-dashboard"' in fragment.text
    for headers in (hx("evaluation-dashboard", boosted=True), hx("evaluation-dashboard", history_restore=True)):
        assert "<html" in client.get("/evaluation/?annee=2025", headers=headers).text
    # The page includes its fragment: one source of markup.
    same = client.get("/evaluation/?annee=2026", headers=hx("evaluation-dashboard")).text
    assert same.strip() in client.get("/evaluation/?annee=2026").text


@pytest.mark.parametrize(
    ("now", "before", "expected"), [("82.5", "80", "2,5 points"), ("81", "80", "1 point"), ("70", "72.5", "2,5 points")]
)
def test_a_percentage_moves_by_points(app, now, before, expected):
    """P9 turnout 82,5 % after 80 %: "2,5 points" (the plural follows the whole part, as in French)."""
    from decimal import Decimal

    from app.evaluation import metrics
    from app.evaluation.queries import KeyFigure
    from app.evaluation.routes import evaluation_change

    metric = metrics.get("P9")
    with app.test_request_context():
        key = KeyFigure(metric, metrics.Figure(metric, Decimal(now)), Decimal(before))
        assert evaluation_change(key) == expected
