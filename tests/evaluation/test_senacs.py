"""The SENACS aide-à-la-saisie sheet: last calendar year by default, each figure with its definition,
"< 5" masking, anonymous headcounts beside U1, manual figures not invented, ≤ 12 SQL queries."""

import csv
import html as html_module
import io
import re
from datetime import date, datetime

import pytest

from app.centres.models import Role
from app.evaluation import metrics
from app.evaluation.metrics import Metric, Unit
from app.evaluation.models import HeadCount, ManualFigure
from app.extensions import db
from app.factories import make_structure, make_user
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import local_today
from tests.helpers import count_queries

LAST_YEAR = local_today().year - 1


def _count(structure, total, day=None, **fields):
    db.session.add(
        HeadCount(
            structure_id=structure.id, occurred_on=day or date(LAST_YEAR, 6, 21), label="Fête", total=total, **fields
        )
    )
    db.session.flush()


def _people(structure, n: int, year: int = LAST_YEAR):
    """`n` habitants who each took part once in `year` (named, counted in U1)."""
    for i in range(n):
        person = make_user(structure)
        record_participation(
            person,
            structure_id=structure.id,
            kind="test.attend",
            level=Level.L0_PRESENCE,
            occurred_at=datetime(year, 5, 1 + i % 28, 10),
        )
    db.session.flush()


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF)


def _value(html: str, code: str) -> str:
    """The figure shown on the line of `code`."""
    line = re.search(rf'id="senacs-{code}".*?</li>', html, re.S)
    assert line, f"no line {code}"
    value = re.search(r'class="senacs-value">([^<]*)<', line.group(0))
    return value.group(1) if value else line.group(0)


def test_default_year_is_last_calendar_year(client, auth, staff):
    auth.login(staff)
    response = client.get("/evaluation/senacs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"données {LAST_YEAR}" in html
    assert f'href="/evaluation/senacs.csv?annee={LAST_YEAR}"' in html
    assert f'href="/evaluation/senacs.xlsx?annee={LAST_YEAR}"' in html
    assert 'href="/static/css/print-report.css' in html
    assert '<ul class="export-links" hx-boost="false">' in html  # htmx must not swap a file in
    download = client.get("/evaluation/senacs.csv")
    assert f'filename="ensemble-senacs-{LAST_YEAR}.csv"' in download.headers["Content-Disposition"]


def test_lines_have_topic_definition_and_note(client, auth, staff):
    auth.login(staff)
    html = client.get(f"/evaluation/senacs?annee={LAST_YEAR}").get_data(as_text=True)
    for code in ("B1", "U1"):
        metric = metrics.get(code)
        assert f'id="senacs-{code}"' in html
        assert str(metric.definition) in html_module.unescape(html)
    assert "Bénévolat" in html and "Publics" in html
    assert html.count("à vérifier sur senacs.fr") == len(re.findall(r'class="senacs-line"', html))


@pytest.mark.parametrize(("named", "shown"), [(0, "0"), (1, "&lt; 5"), (4, "&lt; 5"), (5, "5")])
def test_named_figures_are_masked_under_five(client, auth, structure, staff, named, shown):
    _people(structure, named)
    db.session.commit()
    auth.login(staff)
    html = client.get(f"/evaluation/senacs?annee={LAST_YEAR}").get_data(as_text=True)
    assert _value(html, "U1") == shown


@pytest.mark.parametrize(("tally", "shown"), [(0, "0"), (3, "&lt; 5"), (5, "5")])
def test_anonymous_headcounts_beside_u1(client, auth, structure, staff, tally, shown):
    _people(structure, 6)
    _count(structure, tally)
    _count(structure, 40, day=date(LAST_YEAR - 1, 6, 21))  # another year
    db.session.commit()
    auth.login(staff)
    html = client.get(f"/evaluation/senacs?annee={LAST_YEAR}").get_data(as_text=True)
    assert _value(html, "U1") == "6"  # never added to the named count
    assert f"À côté : {shown} personnes comptées sans nom" in html


def test_csv_sheet_masks_and_keeps_definitions(client, auth, structure, staff):
    _people(structure, 3)
    _count(structure, 12)
    db.session.commit()
    auth.login(staff)
    response = client.get(f"/evaluation/senacs.csv?annee={LAST_YEAR}")
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Thème SENACS", "Code", "Indicateur", f"Valeur {LAST_YEAR}"]
    u1 = next(row for row in rows if row[1] == "U1")
    assert u1[0] == "Publics" and u1[3] == "< 5" and u1[5] == "12"
    assert u1[6] == str(metrics.get("U1").definition)
    assert "senacs.fr" in u1[7]


def test_xlsx_sheet_masks(client, auth, structure, staff):
    import zipfile

    _people(structure, 2)
    db.session.commit()
    auth.login(staff)
    response = client.get(f"/evaluation/senacs.xlsx?annee={LAST_YEAR}")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as workbook:
        assert "&lt; 5" in workbook.read("xl/sharedStrings.xml").decode()


def test_manual_figure_not_entered_is_not_invented(client, auth, app, structure, staff, monkeypatch):
    metrics.catalogue()  # load the registry before patching it
    monkeypatch.setitem(
        metrics.REGISTRY,
        "U3",
        Metric("U3", "Adhérents", "Adhésions en cours pendant l'année.", Unit.PERSONS, manual=True),
    )
    auth.login(staff)
    html = client.get(f"/evaluation/senacs?annee={LAST_YEAR}").get_data(as_text=True)
    line = re.search(r'id="senacs-U3".*?</li>', html, re.S).group(0)
    assert "non saisi — à saisir" in line
    if "evaluation_data.manual_figures" in app.view_functions:
        assert "<a href=" in line

    db.session.add(ManualFigure(structure_id=structure.id, year=LAST_YEAR, code="U3", value=3))
    db.session.commit()
    html = client.get(f"/evaluation/senacs?annee={LAST_YEAR}").get_data(as_text=True)
    assert _value(html, "U3") == "&lt; 5"


def test_roles_and_centres(client, auth, structure, make_user):
    assert client.get("/evaluation/senacs").status_code == 302  # to the login page
    auth.login(make_user(role=Role.HABITANT))
    assert client.get("/evaluation/senacs").status_code == 403
    auth.logout()

    other = make_structure("Centre social Voisin")
    db.session.commit()
    auth.login(make_user(role=Role.STAFF))
    assert client.get(f"/evaluation/senacs?centre={other.id}").status_code == 404
    assert client.get("/evaluation/senacs?centre=all").status_code == 404
    auth.logout()

    auth.login(make_user(role=Role.ADMIN, is_platform_admin=True))
    html = client.get("/evaluation/senacs?centre=all").get_data(as_text=True)
    assert "Tous les centres (2)" in html
    assert 'href="/evaluation/senacs.csv?annee=' in html and "centre=all" in html
    assert client.get(f"/evaluation/senacs?centre={other.id}").status_code == 200


@pytest.mark.parametrize("query", ["annee=abc", "annee=1850", "annee=99999", "annee=", "centre=x", "du=zz&au=2"])
def test_bad_arguments_never_fail(client, auth, staff, query):
    auth.login(staff)
    response = client.get(f"/evaluation/senacs?{query}")
    assert response.status_code in (200, 404)
    if query.startswith("annee=") and query != "annee=":
        assert "Année non reconnue" in response.get_data(as_text=True)


def _data(structure, staff, scale: int):
    _people(structure, 5 * scale)
    for i in range(3 * scale):
        _count(structure, 10 + i, day=date(LAST_YEAR, 1 + i % 12, 1), under_11=2, age_60_plus=1, is_event=i % 2 == 0)
    db.session.commit()


def _measure(client, auth, structure, staff) -> tuple[int, int, list[str]]:
    auth.login(staff)
    client.get("/evaluation/senacs")  # warm caches (templates, catalogue)
    _data(structure, staff, 1)
    with count_queries() as small:
        assert client.get("/evaluation/senacs").status_code == 200
    _data(structure, staff, 10)
    with count_queries() as large:
        assert client.get("/evaluation/senacs").status_code == 200
    return small.count, large.count, small.statements


def test_query_count_does_not_grow_with_the_data(client, auth, structure, staff):
    small, large, _statements = _measure(client, auth, structure, staff)
    assert large == small


def test_query_budget(client, auth, structure, staff):
    small, _large, statements = _measure(client, auth, structure, staff)
    assert small <= 12, statements
