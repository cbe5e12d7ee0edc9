"""The printable yearly attestation: validated hours only, totals, value with the rates used."""

import re
from datetime import date
from decimal import Decimal

import pytest

from app.centres.models import Role
from app.volunteering import hours as services
from app.volunteering.models import Category
from tests.volunteering.factories import make_mission
from tests.volunteering.hours_factories import proposed, validated


@pytest.fixture
def people(make_user):
    return {
        "awa": make_user(display_name="Awa Diallo"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Bernard"),
        "director": make_user(role=Role.ADMIN, display_name="Nadia Haddad"),
        "lucien": make_user(display_name="Lucien Martin"),
    }


@pytest.fixture
def year_of_awa(structure, people):
    awa, staff = people["awa"], people["staff"]
    mission = make_mission(structure, "Aide aux devoirs")
    validated(structure, awa, staff, date(2026, 1, 6), "2", Category.ACTIVITY, mission_id=mission.id)
    validated(
        structure, awa, staff, date(2026, 3, 20), "3.5", Category.GOVERNANCE, description="Conseil d'administration"
    )
    # From July the centre values time at 15 €/h: later validations take it, earlier ones keep theirs.
    services.add_policy(
        structure, {"effective_from": date(2026, 7, 1), "default_rate": Decimal(15)}, people["director"]
    )
    validated(structure, awa, staff, date(2026, 9, 12), "4", Category.EVENT, description="Fête de quartier")
    proposed(structure, awa, date(2026, 10, 1), "6", description="Pas encore validée")
    services.reject_entry(proposed(structure, awa, date(2026, 10, 2), "5", description="Refusée"), "Doublon", staff)
    validated(structure, awa, staff, date(2025, 12, 31), "8", description="Année précédente")
    return awa


def test_my_attestation(client, auth, structure, people, year_of_awa):
    auth.login(people["awa"])
    page = client.get("/benevolat/heures/moi/attestation/2026")
    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    assert "Centre social Les Tilleuls" in text and "Villeurbanne" in text
    assert "Attestation de bénévolat — année 2026" in text
    assert (
        "Awa Diallo a donné bénévolement de son temps au centre en 2026, pour un total de 9,5 heures validées" in text
    )
    # Hours by category, then the value with each rate used: 5.5 h × 12.02 € + 4 h × 15 € = 66.11 + 60.
    assert re.search(r"Gouvernance \(CA, bureau, AG\)</th><td class=\"num\">3,5</td>", text)
    assert "valorisé à 126,11\xa0€" in text
    assert "5,5 h au taux de 12,02\xa0€ de l'heure (SMIC horaire brut) : 66,11\xa0€" in text
    assert "4 h au taux de 15,00\xa0€ de l'heure (SMIC horaire brut) : 60,00\xa0€" in text
    assert "Aide aux devoirs" in text and "Fête de quartier" in text and "06/01/2026" in text
    for absent in ("Pas encore validée", "Refusée", "Année précédente"):
        assert absent not in text
    assert "Fait à Villeurbanne, le " in text
    assert "Pour la direction : Nadia Haddad" in text
    assert 'href="/static/css/print-attestation.css?v=' in text
    assert " style=" not in text  # strict CSP: no inline style


def test_staff_print_a_persons_attestation(client, auth, structure, people, year_of_awa):
    auth.login(people["staff"])
    page = client.get(f"/benevolat/heures/personnes/{year_of_awa.id}/attestation/2026")
    assert page.status_code == 200
    assert "pour un total de 9,5 heures validées" in page.text
    assert "Retour aux heures de Awa Diallo" in page.text


def test_an_empty_year_and_absurd_years(client, auth, people, year_of_awa):
    auth.login(people["lucien"])
    empty = client.get("/benevolat/heures/moi/attestation/2026")
    assert empty.status_code == 200
    assert "Aucune heure validée en 2026 pour Lucien Martin à ce jour." in empty.text
    assert client.get("/benevolat/heures/moi/attestation/1850").status_code == 404
    assert client.get("/benevolat/heures/moi/attestation/abc").status_code == 404


def test_nobody_else_reads_an_attestation(client, auth, people, year_of_awa):
    auth.login(people["lucien"])
    assert client.get(f"/benevolat/heures/personnes/{year_of_awa.id}/attestation/2026").status_code == 403


def test_print_stylesheet_is_a4(app, client):
    css = client.get("/static/css/print-attestation.css")
    assert css.status_code == 200
    assert "size: A4" in css.text and "@media print" in css.text
    css.close()
