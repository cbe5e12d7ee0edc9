"""The hours pages: declare, the validation queue, one entry, my hours, reports (bounded queries)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.instances.models import Attendance, AttendanceStatus, InstanceType, MeetingStatus, Nature
from app.ledger.models import LedgerEntry
from app.volunteering.hours import propose_meeting_hours
from app.volunteering.models import Category, EntryStatus, HourEntry, HourRevision
from tests.helpers import count_queries, hx
from tests.instances.factories import make_instance, make_meeting
from tests.volunteering.factories import make_mission, make_shift
from tests.volunteering.hours_factories import attended, proposed, validated

DAY = date(2026, 3, 14)


@pytest.fixture
def people(make_user):
    return {
        "awa": make_user(display_name="Awa Diallo", username="awa"),
        "lucien": make_user(display_name="Lucien Martin", username="lucien"),
        "coordinator": make_user(role=Role.COORDINATOR, display_name="Nora Coordinatrice", username="nora"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Bernard", username="julie"),
    }


def _entry(entry_id: int) -> HourEntry:
    db.session.expire_all()
    return db.session.get(HourEntry, entry_id)


# --- declaring -----------------------------------------------------------------------------------


def test_declare_form(client, auth, people, structure):
    make_mission(structure, "Aide aux devoirs")
    auth.login(people["awa"])
    page = client.get("/benevolat/heures/declarer")
    assert page.status_code == 200
    assert "Aide aux devoirs" in page.text  # missions to choose from
    r = client.post(
        "/benevolat/heures/declarer",
        data={"day": "14/03/2026", "hours": "1h30", "category": "ponctuel_evenement", "description": "Affiches"},
    )
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/benevolat/heures/moi?annee=2026")
    entry = db.session.scalar(sa.select(HourEntry))
    assert (entry.day, entry.hours, entry.category, entry.status) == (
        DAY,
        Decimal("1.5"),
        Category.EVENT,
        EntryStatus.PROPOSED,
    )
    assert entry.declared_by_id == people["awa"].id
    mine = client.get("/benevolat/heures/moi?annee=2026")
    assert "1,5 h déclarées pour le 14/03/2026" in mine.text
    assert "À valider (1)" in mine.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", "deux heures et demie", "Indiquez une durée comme 2, 2,5 ou 1h30."),
        ("hours", "0", "La durée doit être supérieure à zéro."),
        ("hours", "25", "Une journée compte 24 heures au plus"),
        ("hours", "", "Indiquez la durée."),
        ("day", (date.today() + timedelta(days=3)).isoformat(), "La date ne peut pas être dans le futur."),
        ("day", "hier", "Not a valid date value"),
        ("description", "", "Décrivez en quelques mots ce que vous avez fait."),
    ],
)
def test_declare_refuses_bad_input_clearly(client, auth, people, field, value, message):
    auth.login(people["awa"])
    data = {"day": "2026-03-14", "hours": "2", "category": "activite", "description": "Accueil", field: value}
    r = client.post("/benevolat/heures/declarer", data=data)
    assert r.status_code == 422
    if message == "Not a valid date value":  # WTForms' own message, in French
        assert "date" in r.text.split('id="day-error"')[1][:200].lower()
    else:
        assert message in r.text
    if value and field != "day":
        assert f'value="{value}"' in r.text or value in r.text  # what the person typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourEntry)) == 0


def test_staff_declare_for_the_person_they_act_for(client, auth, people, structure):
    auth.login(people["staff"])
    alone = client.get("/benevolat/heures/declarer")
    assert "votre temps de travail n'est pas du bénévolat" in alone.text
    assert 'name="hours"' not in alone.text
    data = {"day": "2026-03-14", "hours": "3", "category": "activite", "description": "Accueil"}
    assert client.post("/benevolat/heures/declarer", data=data).status_code == 403
    assert client.post(f"/accueil/agir-pour/{people['awa'].id}").status_code == 303
    page = client.get("/benevolat/heures/declarer")
    assert "Vous déclarez pour Awa Diallo" in page.text
    assert client.post("/benevolat/heures/declarer", data=data).status_code == 303
    entry = db.session.scalar(sa.select(HourEntry))
    assert (entry.person_id, entry.declared_by_id) == (people["awa"].id, people["staff"].id)
    mine = client.get("/benevolat/heures/moi?annee=2026")
    assert "3 h" in mine.text  # Awa's page while acting for her


# --- the queue -----------------------------------------------------------------------------------


def _three_sources(structure, people):
    """Proposed hours from a shift (Awa), a CA meeting (Lucien) and a declaration (Lucien)."""
    mission = make_mission(structure, "Aide aux devoirs", coordinator=people["coordinator"])
    shift = make_shift(mission, starts_at=datetime(2026, 3, 10, 16, 30), hours=2)
    signup = attended(shift, people["awa"])
    board = make_instance(
        structure, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION
    )
    meeting = make_meeting(
        board, starts_at=datetime(2026, 3, 12, 18, 0), duration_minutes=90, status=MeetingStatus.HELD
    )
    db.session.add(Attendance(meeting_id=meeting.id, person_id=people["lucien"].id, status=AttendanceStatus.PRESENT))
    db.session.flush()
    propose_meeting_hours(meeting)
    declared = proposed(structure, people["lucien"], DAY, "4", Category.EVENT, description="Rangement de la salle")
    db.session.commit()
    from_shift = db.session.scalar(sa.select(HourEntry).where(HourEntry.signup_id == signup.id))
    from_meeting = db.session.scalar(sa.select(HourEntry).where(HourEntry.meeting_id == meeting.id))
    return from_shift, from_meeting, declared


def test_queue_for_staff_and_for_coordinators(client, auth, people, structure):
    from_shift, from_meeting, declared = _three_sources(structure, people)
    auth.login(people["staff"])
    page = client.get("/benevolat/heures/a-valider")
    assert page.status_code == 200
    assert "3 saisies à valider" in page.text
    for text in ("Awa Diallo", "Aide aux devoirs", "Conseil d&#39;administration", "Rangement de la salle", "1,5 h"):
        assert text in page.text
    auth.logout()
    auth.login(people["coordinator"])
    page = client.get("/benevolat/heures/a-valider")
    assert "1 saisie à valider" in page.text
    assert "Awa Diallo" in page.text and "Lucien Martin" not in page.text


def test_validate_the_selection_without_js(client, auth, people, structure):
    from_shift, from_meeting, declared = _three_sources(structure, people)
    auth.login(people["staff"])
    r = client.post("/benevolat/heures/valider", data={"entry": [str(from_shift.id), str(declared.id)]})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/benevolat/heures/a-valider")
    page = client.get("/benevolat/heures/a-valider")
    assert "2 saisies validées." in page.text
    assert "1 saisie à valider" in page.text
    assert [_entry(e.id).status for e in (from_shift, from_meeting, declared)] == [
        EntryStatus.VALIDATED,
        EntryStatus.PROPOSED,
        EntryStatus.VALIDATED,
    ]
    ledger = db.session.scalars(sa.select(LedgerEntry.object_id).where(LedgerEntry.kind == "hours.validate")).all()
    assert sorted(ledger) == sorted([from_shift.id, declared.id])
    nothing = client.post("/benevolat/heures/valider", data={})
    assert nothing.status_code == 303
    assert "Cochez au moins une saisie à valider." in client.get("/benevolat/heures/a-valider").text


def test_validate_the_selection_with_htmx(client, auth, people, structure):
    from_shift, _from_meeting, _declared = _three_sources(structure, people)
    auth.login(people["coordinator"])
    r = client.post("/benevolat/heures/valider", data={"entry": [str(from_shift.id)]}, headers=hx("hours-queue"))
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="hours-queue"')
    assert "1 saisie validée." in r.text
    assert "Rien à valider pour l'instant." in r.text
    assert _entry(from_shift.id).validated_by_id == people["coordinator"].id


def test_validate_one_with_corrections(client, auth, people, structure):
    entry = proposed(structure, people["awa"], DAY, "3")
    auth.login(people["staff"])
    page = client.get(f"/benevolat/heures/{entry.id}")
    assert page.status_code == 200
    assert 'value="2026-03-14"' in page.text and 'value="3"' in page.text
    bad = client.post(
        f"/benevolat/heures/{entry.id}/valider",
        data={"validate-day": "2026-03-13", "validate-hours": "30", "validate-category": "gouvernance"},
    )
    assert bad.status_code == 422
    assert "24 heures au plus" in bad.text
    assert _entry(entry.id).status == EntryStatus.PROPOSED
    r = client.post(
        f"/benevolat/heures/{entry.id}/valider",
        data={"validate-day": "2026-03-13", "validate-hours": "2h45", "validate-category": "gouvernance"},
    )
    assert r.status_code == 303
    done = _entry(entry.id)
    assert (done.status, done.day, done.hours, done.category) == (
        EntryStatus.VALIDATED,
        date(2026, 3, 13),
        Decimal("2.75"),
        Category.GOVERNANCE,
    )
    assert "Heures validées : 2,75 h de Awa Diallo, valorisées 33,06" in client.get("/benevolat/heures/a-valider").text
    again = client.post(
        f"/benevolat/heures/{entry.id}/valider",
        data={"validate-day": "2026-03-13", "validate-hours": "2", "validate-category": "activite"},
    )
    assert again.status_code == 403  # no longer proposed


def test_reject_with_a_reason(client, auth, people, structure):
    entry = proposed(structure, people["awa"], DAY, "3")
    auth.login(people["staff"])
    empty = client.post(f"/benevolat/heures/{entry.id}/refuser", data={"reject-reason": "  "})
    assert empty.status_code == 422
    assert "Indiquez la raison du refus." in empty.text
    r = client.post(f"/benevolat/heures/{entry.id}/refuser", data={"reject-reason": "Compté deux fois"})
    assert r.status_code == 303
    assert _entry(entry.id).status == EntryStatus.REJECTED
    auth.logout()
    auth.login(people["awa"])
    mine = client.get("/benevolat/heures/moi?annee=2026")
    assert "Refusées (1)" in mine.text and "Compté deux fois" in mine.text


def test_correct_a_validated_entry(client, auth, people, structure):
    entry = validated(structure, people["awa"], people["staff"], DAY, "3")
    auth.login(people["staff"])
    page = client.get(f"/benevolat/heures/{entry.id}")
    assert "Corriger" in page.text and "Valider ces heures" not in page.text
    data = {"correct-day": "2026-03-14", "correct-hours": "2", "correct-category": "activite", "correct-reason": ""}
    no_reason = client.post(f"/benevolat/heures/{entry.id}/corriger", data=data)
    assert no_reason.status_code == 422
    assert "Indiquez la raison de la correction." in no_reason.text
    same = client.post(
        f"/benevolat/heures/{entry.id}/corriger", data={**data, "correct-hours": "3", "correct-reason": "x"}
    )
    assert same.status_code == 422
    assert "Rien n&#39;a changé" in same.text or "Rien n'a changé" in same.text
    r = client.post(f"/benevolat/heures/{entry.id}/corriger", data={**data, "correct-reason": "Parti à 16 h"})
    assert r.status_code == 303
    page = client.get(f"/benevolat/heures/{entry.id}")
    assert "Le taux d&#39;origine (12,02" in page.text or "Le taux d'origine (12,02" in page.text
    assert "Historique des corrections" in page.text
    assert "Durée : 3 h → 2 h" in page.text and "Raison : Parti à 16 h" in page.text
    assert db.session.scalar(sa.select(HourRevision.new_hours)) == Decimal("2")
    moved = client.post(
        f"/benevolat/heures/{entry.id}/corriger",
        data={**data, "correct-day": "2025-12-30", "correct-reason": "Mauvaise année"},
    )
    assert moved.status_code == 303
    assert "valorisées au taux de 11,88" in client.get(f"/benevolat/heures/{entry.id}").text


def test_withdraw_my_declaration_after_confirming(client, auth, people, structure):
    entry_id = proposed(structure, people["awa"], DAY).id
    auth.login(people["awa"])
    page = client.get(f"/benevolat/heures/{entry_id}")
    assert "Retirer ma déclaration" in page.text and "Voulez-vous vraiment" not in page.text
    confirm = client.get(f"/benevolat/heures/{entry_id}?retirer=1")
    assert "Voulez-vous vraiment retirer cette déclaration ?" in confirm.text
    r = client.post(f"/benevolat/heures/{entry_id}/retirer")
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(HourEntry, entry_id) is None


def test_unknown_entry_is_a_404(client, auth, people):
    auth.login(people["staff"])
    assert client.get("/benevolat/heures/999").status_code == 404
    assert client.post("/benevolat/heures/999/valider").status_code == 404


# --- my hours --------------------------------------------------------------------------------------


def test_my_page_and_the_cec_check(client, auth, people, structure):
    awa, staff = people["awa"], people["staff"]
    for day in range(1, 6):  # 5 × 20 h of governance
        validated(structure, awa, staff, date(2026, 2, day), "20", Category.GOVERNANCE)
    for day in range(1, 5):  # 4 × 13 h of supervision
        validated(structure, awa, staff, date(2026, 4, day), "13", Category.SUPERVISION)
    validated(structure, awa, staff, date(2026, 5, 1), "10", Category.ACTIVITY)  # not for the CEC
    validated(structure, awa, staff, date(2025, 5, 1), "6", Category.GOVERNANCE)  # another year
    proposed(structure, awa, date(2026, 6, 1), "2")
    mission = make_mission(structure, "Aide aux devoirs")
    attended(make_shift(mission, starts_at=datetime(2026, 3, 3, 16, 0)), awa)
    auth.login(awa)
    page = client.get("/benevolat/heures/moi?annee=2026")
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert (
        "Compte d'engagement citoyen : 152 h de gouvernance et d'encadrement en 2026 dans ce centre "
        "— il en faut 200 h par an dont 100 h dans une même association" in text
    )
    assert "Plus de 100 h dans ce centre" in text
    assert "Le Compte Bénévole" in text and "associations.gouv.fr" in text
    assert "162 h validées, valorisées 1\u202f947,24" in text or "162 h validées, valorisées 1 947,24" in text
    assert "À valider (2)" in text  # the declaration and the shift's proposal
    assert "Validées (10)" in text
    assert "Aide aux devoirs" in text  # the shift done
    assert 'href="/benevolat/heures/moi/attestation/2026"' in text
    last_year = client.get("/benevolat/heures/moi?annee=2025").text.replace("&#39;", "'")
    assert "6 h de gouvernance et d'encadrement en 2025" in last_year
    assert client.get("/benevolat/heures/moi?annee=abc").status_code == 200  # falls back to this year


def test_staff_see_a_persons_page(client, auth, people, structure):
    validated(structure, people["awa"], people["staff"], DAY, "4")
    auth.login(people["staff"])
    page = client.get(f"/benevolat/heures/personnes/{people['awa'].id}?annee=2026")
    assert page.status_code == 200
    assert "Heures de bénévolat de Awa Diallo" in page.text
    assert f"/benevolat/heures/personnes/{people['awa'].id}/attestation/2026" in page.text
    assert client.get("/benevolat/heures/personnes/99999").status_code == 404


# --- reports -------------------------------------------------------------------------------------


def test_reports_page(client, auth, people, structure):
    validated(structure, people["awa"], people["staff"], date(2026, 1, 1), "2", Category.ACTIVITY)
    validated(structure, people["lucien"], people["staff"], date(2026, 12, 31), "4", Category.GOVERNANCE)
    auth.login(people["staff"])
    page = client.get("/benevolat/heures/rapports?annee=2026")
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert "Année 2026" in text
    assert "B1 — Bénévoles (total)" in text
    assert "Personnes ayant au moins une heure de bénévolat validée ou un mandat de gouvernance actif" in text
    assert "72,12" in text  # B8: 6 h × 12,02 €
    assert "heures-benevolat" not in text and "/benevolat/heures/rapports/export/heures.csv?du=2026-01-01" in text
    fragment = client.get("/benevolat/heures/rapports?du=2026-01-02&au=2026-12-31", headers=hx("hours-report"))
    assert fragment.text.lstrip().startswith('<section id="hours-report"')
    assert "Du 2 janvier 2026 au 31 décembre 2026" in fragment.text
    assert "48,08" in fragment.text  # Lucien's 4 h only
    assert "choisissez une année" in fragment.text  # B13 is for a calendar year
    backwards = client.get("/benevolat/heures/rapports?du=2026-12-31&au=2026-01-01")
    assert backwards.status_code == 200
    assert "La date de fin doit suivre la date de début." in backwards.text


def _volunteers(structure, staff, make_user, n: int, start: int = 0):
    mission = make_mission(structure, f"Mission {start}")
    for i in range(start, start + n):
        person = make_user(display_name=f"Bénévole {i:02d}")
        entry = proposed(
            structure, person, date(2026, 2, 1 + i % 27), "2", list(Category)[i % 5], mission_id=mission.id
        )
        if i % 2:
            from app.volunteering.hours import validate_entry

            validate_entry(entry, staff)
        db.session.commit()


def test_queue_and_reports_run_a_bounded_number_of_queries(client, auth, people, structure, make_user):
    staff = people["staff"]
    board = make_instance(
        structure, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION
    )
    from tests.instances.factories import add_seat

    add_seat(board, people["lucien"], start_date=date(2025, 1, 1))
    _volunteers(structure, staff, make_user, 2)
    auth.login(staff)
    pages = [
        "/benevolat/heures/a-valider",
        "/benevolat/heures/rapports?annee=2026",
        f"/benevolat/heures/personnes/{people['awa'].id}?annee=2026",
        f"/benevolat/heures/{db.session.scalar(sa.select(sa.func.min(HourEntry.id)))}",
    ]
    small = {}
    for path in pages:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        small[path] = counter.count
    _volunteers(structure, staff, make_user, 20, start=2)
    for day in range(1, 21):
        validated(structure, people["awa"], staff, date(2026, 3, day), "1", list(Category)[day % 5])
    for path in pages:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        assert counter.count == small[path], (path, small[path], counter.statements)
        assert counter.count <= 12, (path, counter.count)  # the budget of architecture.md


def test_report_figures_match_the_exports(client, auth, people, structure, make_user):
    _volunteers(structure, people["staff"], make_user, 6)
    auth.login(people["staff"])
    page = client.get("/benevolat/heures/rapports?annee=2026").text
    csv_body = client.get("/benevolat/heures/rapports/export/heures.csv?annee=2026").data.decode("utf-8-sig")
    values = [Decimal(line.split(";")[10].replace(",", ".")) for line in csv_body.strip().splitlines()[1:]]
    total = sum(values, Decimal(0))
    assert total == Decimal("72.12")  # 3 validated entries × 2 h × 12,02 €
    assert re.search(r"72,12", page)
