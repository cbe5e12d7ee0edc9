"""Evaluation snapshots (bilans): the direction freezes the figures and indicators of a period; the
snapshot page shows what was stored, whatever happens to the data afterwards."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.evaluation import snapshots
from app.evaluation.metrics import catalogue
from app.evaluation.models import EvaluationSnapshot, HeadCount, Indicator, SnapshotKind
from app.extensions import db
from app.factories import make_structure
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.timeutil import from_local
from tests.evaluation.test_indicators_page import make_project
from tests.helpers import count_queries


def acts(structure, make_user, count, when=datetime(2026, 4, 2, 10)):
    for _ in range(count):
        record_participation(
            make_user(),
            structure_id=structure.id,
            kind="test.act",
            level=Level.L0_PRESENCE,
            occurred_at=from_local(when),
        )
    db.session.commit()


def main_of(html: str) -> str:
    return re.search(r"<main\b.*?</main>", html, re.S).group(0)


def take(client, **fields):
    data = {"kind": "annual", "start": "2026-01-01", "end": "2026-12-31", "note": "Présenté au CA du 12 mars."}
    return client.post("/evaluation/bilans", data={**data, **fields})


def test_take_snapshot_stores_every_metric_and_indicator(app, structure, make_user):
    project = make_project(structure)
    acts(structure, make_user, 3)
    db.session.add(HeadCount(structure_id=structure.id, occurred_on=date(2026, 6, 21), label="Fête", total=40))
    db.session.commit()
    director = make_user(role=Role.ADMIN)
    snapshot = snapshots.take_snapshot(project, SnapshotKind.ANNUAL, date(2026, 1, 1), date(2026, 12, 31), director)
    db.session.commit()
    data = db.session.get(EvaluationSnapshot, snapshot.id).data
    codes = [m["code"] for m in data["metrics"]]
    assert codes == [m.code for m in catalogue()]
    u1 = next(m for m in data["metrics"] if m["code"] == "U1")
    assert (u1["value"], u1["anonymous"], u1["unit"], u1["label"]) == ("3", 40, "persons", "Personnes touchées")
    manual = next(m for m in data["metrics"] if m["manual"])
    assert manual["value"] is None  # not entered: stays "non saisi", never 0
    indicator = next(i for i in data["indicators"] if i["title"] == "Personnes touchées")
    assert indicator == {
        **indicator,
        "axis": "Participation des habitants",
        "objective": "Faire vivre le pouvoir d'agir",
        "action": None,
        "metric": "U1",
        "baseline": "1.00",
        "target": "2.00",
        "achieved": "3",
        "reached": True,
        "comment": "Objectif tenu grâce aux permanences.",
    }
    qualitative = next(i for i in data["indicators"] if i["kind"] == "qualitative")
    assert "on se sent écoutés" in qualitative["evidence"] and qualitative["reached"] is None


def test_director_takes_a_snapshot_and_it_stays_frozen(client, auth, make_user, structure):
    project = make_project(structure)
    acts(structure, make_user, 3)
    auth.login(make_user(role=Role.ADMIN, display_name="Diane Directrice"))
    page = client.get("/evaluation/bilans")
    assert page.status_code == 200 and "Figer les chiffres" in page.text
    r = take(client)
    assert r.status_code == 303
    path = r.headers["Location"]
    assert re.fullmatch(r"/evaluation/bilans/\d+", path)
    first = client.get(path)
    assert "Les chiffres sont figés" in first.text
    before = main_of(client.get(path).text)
    assert "Bilan annuel" in before and "Diane Directrice" in before and "Présenté au CA du 12 mars." in before
    assert "Cible atteinte" in before and "+ 0 personne" not in before
    assert re.search(r'id="snapshot-metric-U1">.*?<strong>3</strong>', before, re.S)

    # The data change afterwards: more people, a new target, a new comment, a manual figure…
    acts(structure, make_user, 5)
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.title == "Personnes touchées"))
    indicator.target = Decimal("50")
    indicator.comment = "Réécrit après coup."
    project.title = "Nouveau titre"
    db.session.commit()
    after = main_of(client.get(path).text)
    assert after == before
    # …while the live pages follow the data.
    live = client.get("/evaluation/indicateurs?annee=2026").text
    assert "Réécrit après coup." in live and "Cible non atteinte" in live

    listing = client.get("/evaluation/bilans").text
    assert f'href="{path}"' in listing and "Bilan annuel" in listing


def test_invalid_snapshot_form_is_a_422_with_the_message(client, auth, make_user, structure):
    make_project(structure)
    auth.login(make_user(role=Role.ADMIN))
    r = take(client, start="2026-12-31", end="2026-01-01", note="Gardé")
    assert r.status_code == 422
    assert "La fin de la période doit suivre son début." in r.text
    assert "Gardé" in r.text
    r = take(client, kind="n-importe-quoi", start="pas une date")
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationSnapshot)) == 0


def test_only_the_direction_takes_snapshots(client, auth, make_user, structure):
    make_project(structure)
    auth.login(make_user(role=Role.STAFF))
    page = client.get("/evaluation/bilans")
    assert page.status_code == 200 and "Figer les chiffres" not in page.text
    assert take(client).status_code == 403
    assert take(client, csrf_token="faux").status_code in (400, 403)


def test_no_project_no_snapshot(client, auth, make_user, structure):
    auth.login(make_user(role=Role.ADMIN))
    page = client.get("/evaluation/bilans")
    assert "Aucun projet social n'est enregistré." in page.text
    assert 'href="/evaluation/projet-social/"' in page.text
    assert take(client).status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.HABITANT, 403), (Role.COORDINATOR, 403), (Role.STAFF, 200)])
def test_roles_on_the_pages(client, auth, make_user, structure, role, status):
    project = make_project(structure)
    snapshot = snapshots.take_snapshot(project, SnapshotKind.FINAL, project.starts_on, project.ends_on, None)
    db.session.commit()
    auth.login(make_user(role=role))
    assert client.get("/evaluation/bilans").status_code == status
    assert client.get(f"/evaluation/bilans/{snapshot.id}").status_code == status


def test_a_snapshot_of_another_centre_is_not_found(client, auth, make_user, structure):
    other = make_structure("Centre social Les Acacias")
    project = make_project(other)
    snapshot = snapshots.take_snapshot(project, SnapshotKind.MID_TERM, date(2025, 1, 1), date(2026, 12, 31), None)
    db.session.commit()
    auth.login(make_user(role=Role.ADMIN))
    assert client.get(f"/evaluation/bilans/{snapshot.id}").status_code == 404
    assert client.get("/evaluation/bilans/999999").status_code == 404
    assert "Évaluation à mi-parcours" not in client.get("/evaluation/bilans").text


def test_snapshot_pages_query_budget(client, auth, make_user, structure):
    project = make_project(structure)
    for kind in SnapshotKind:
        snapshots.take_snapshot(project, kind, date(2026, 1, 1), date(2026, 12, 31), None)
    db.session.commit()
    auth.login(make_user(role=Role.ADMIN))
    snapshot_id = db.session.scalar(sa.select(sa.func.max(EvaluationSnapshot.id)))
    for path in ("/evaluation/bilans", f"/evaluation/bilans/{snapshot_id}"):
        client.get(path)
        with count_queries() as small:
            client.get(path)
        for _ in range(10):
            snapshots.take_snapshot(project, SnapshotKind.ANNUAL, date(2026, 1, 1), date(2026, 12, 31), None)
        db.session.commit()
        with count_queries() as large:
            client.get(path)
        assert small.count == large.count <= 12, (path, small.count, large.count)
