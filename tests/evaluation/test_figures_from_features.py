"""The figures come from what people did: the test drives the features through their pages (an
initiative proposed, published, supported and accepted; a bénévole signing up, marked present and
her hours validated; a headcount at an event; staff acting as staff), then reads the dashboard and
the SENACS sheet and finds exactly that — and "< 5" on the sheet, which leaves the centre."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import Initiative
from app.timeutil import local_today, utcnow
from app.volunteering.models import HourEntry, Signup
from tests.evaluation.test_dashboard import figure_card
from tests.volunteering.factories import make_mission, make_shift


def _initiative_form(**overrides) -> dict:
    return {
        "title": "Repair café",
        "summary": "On répare ensemble grille-pain et vélos.",
        "description": "Avec des outils et des bénévoles.",
        "theme": "",
        "quartier": "",
        "target_public": "Tout le monde",
        "when_text": "Un samedi par mois",
        "helpers_needed": "3",
        "budget_requested": "",
        "materials": "",
        "coleads": "",
        "photo_alt": "",
        "save": "1",
        **overrides,
    }


def _value(card: str) -> str:
    """The main figure of a dashboard card ("3 personnes …" → "3")."""
    match = re.search(r"\b(\d[\d  ]*)\b", card.split(" ", 1)[1])
    return match.group(1).replace(" ", "").replace(" ", "") if match else ""


def test_the_dashboard_counts_what_was_done_through_the_features(client, auth, structure, make_user):
    staff = make_user(role=Role.STAFF, display_name="Julie Animatrice")
    coordinator = make_user(role=Role.COORDINATOR, display_name="Karima Coordinatrice")
    alice = make_user(display_name="Alice Habitante", birth_year=1990)
    bob = make_user(display_name="Bob Habitant", birth_year=2008)
    chloe = make_user(display_name="Chloé Bénévole", birth_year=1955)
    db.session.commit()
    year = local_today().year

    # Alice proposes an initiative; staff publish it; Bob supports it (staff too: not counted); staff accept it.
    auth.login(alice)
    assert client.post("/initiatives/nouvelle", data=_initiative_form()).status_code == 303
    initiative = db.session.scalar(sa.select(Initiative))
    assert client.post(f"/initiatives/{initiative.id}/soumettre").status_code == 303
    auth.logout()
    auth.login(staff)
    assert client.post(f"/initiatives/{initiative.id}/publier").status_code == 303
    assert client.post(f"/initiatives/{initiative.id}/soutenir").status_code == 303
    auth.logout()
    auth.login(bob)
    assert client.post(f"/initiatives/{initiative.id}/soutenir").status_code == 303
    auth.logout()
    auth.login(staff)
    accepted = client.post(
        f"/initiatives/{initiative.id}/decider", data={"decide-decision": "accepted", "decide-message": "Oui !"}
    )
    assert accepted.status_code == 303

    # Chloé signs up for a shift; the shift takes place; the coordinator marks her present; staff validate.
    mission = make_mission(structure, coordinator=coordinator)
    shift = make_shift(mission, days_ahead=2, hours=3)
    auth.logout()
    auth.login(chloe)
    assert client.post(f"/benevolat/creneaux/{shift.id}/inscription").status_code == 303
    shift.starts_at = utcnow() - timedelta(minutes=5)  # time passes: the shift has begun
    shift.ends_at = shift.starts_at + timedelta(hours=3)
    db.session.commit()
    signup = db.session.scalar(sa.select(Signup))
    auth.logout()
    auth.login(coordinator)
    marked = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "attended"})
    assert marked.status_code == 303
    entry = db.session.scalar(sa.select(HourEntry))
    auth.logout()
    auth.login(staff)
    assert client.post("/benevolat/heures/valider", data={"entry": [str(entry.id)]}).status_code == 303

    # Staff count 30 people at a local event, without names.
    counted = client.post(
        "/evaluation/comptages/nouveau",
        data={"occurred_on": local_today().isoformat(), "label": "Fête de la soupe", "total": "30", "is_event": "y"},
    )
    assert counted.status_code == 303

    page = client.get(f"/evaluation/?annee={year}").text
    reached = figure_card(page, "U1")
    assert _value(reached) == "3", reached  # Alice, Bob and Chloé; never Julie acting as staff
    assert "30 personnes comptées sans nom" in reached  # beside, not added
    volunteers = figure_card(page, "B1")
    assert _value(volunteers) == "1" and "1 personne " in volunteers  # Chloé, with validated hours
    assert _value(figure_card(page, "I1")) == "1"
    assert _value(figure_card(page, "I2")) == "1"
    assert _value(figure_card(page, "I10")) == "1"

    # The SENACS sheet leaves the centre: counts of 1 to 4 are masked.
    sheet = client.get(f"/evaluation/senacs?annee={year}").text
    for code in ("U1", "B1", "I2", "I10"):
        line = re.search(rf'<li class="senacs-line" id="senacs-{code}">(.*?)</li>', sheet, re.S).group(1)
        assert 'class="senacs-value">&lt; 5</span>' in line, (code, line)
