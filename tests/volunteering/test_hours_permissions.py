"""Role × state matrix for the hours predicates, and the same people at the routes."""

from datetime import date

import pytest
from flask_login import AnonymousUserMixin

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.volunteering import hours_permissions as perm
from app.volunteering.hours import reject_entry
from app.volunteering.models import Category
from tests.volunteering.factories import make_mission
from tests.volunteering.hours_factories import proposed, validated

ROLES = (
    "anonymous",
    "habitant",
    "benevole",
    "coordinator",
    "other_coordinator",
    "staff",
    "admin",
    "other_staff",
)
DAY = date(2026, 3, 14)


@pytest.fixture
def world(structure, make_user):
    elsewhere = make_structure("Espace de vie sociale Le Préau")
    people = {
        "anonymous": AnonymousUserMixin(),
        "habitant": make_user(display_name="Habitant"),
        "benevole": make_user(display_name="Bénévole"),
        "coordinator": make_user(role=Role.COORDINATOR, display_name="Coordinatrice"),
        "other_coordinator": make_user(role=Role.COORDINATOR, display_name="Autre coordinateur"),
        "staff": make_user(role=Role.STAFF, display_name="Équipe"),
        "admin": make_user(role=Role.ADMIN, display_name="Direction"),
        "other_staff": make_user(elsewhere, role=Role.STAFF, display_name="Équipe d'ailleurs"),
    }
    mission = make_mission(structure, "Aide aux devoirs", coordinator=people["coordinator"])
    make_mission(structure, "Jardin partagé", coordinator=people["other_coordinator"])
    return {"people": people, "mission": mission, "structure": structure}


def _entry(world, state: str):
    structure, person, staff = world["structure"], world["people"]["benevole"], world["people"]["staff"]
    mission_id = None if state == "meeting" else world["mission"].id
    if state == "validated":
        return validated(structure, person, staff, DAY, mission_id=mission_id)
    entry = proposed(structure, person, DAY, mission_id=mission_id)
    if state == "rejected":
        reject_entry(entry, "Doublon", staff)
        db.session.commit()
    return entry


EVERYONE_WHO_SEES = {"benevole", "coordinator", "staff", "admin"}
#: state -> predicate -> roles for which it is True.
MATRIX = {
    "proposed": {
        "can_view_entry": EVERYONE_WHO_SEES,
        "can_validate_entry": {"coordinator", "staff", "admin"},
        "can_correct_entry": set(),
        "can_withdraw_entry": {"benevole"},
    },
    "validated": {
        "can_view_entry": EVERYONE_WHO_SEES,
        "can_validate_entry": set(),
        "can_correct_entry": {"coordinator", "staff", "admin"},
        "can_withdraw_entry": set(),
    },
    "rejected": {
        "can_view_entry": EVERYONE_WHO_SEES,
        "can_validate_entry": set(),
        "can_correct_entry": set(),
        "can_withdraw_entry": set(),
    },
    # Proposed from a meeting (no mission): coordinators have no say.
    "meeting": {
        "can_view_entry": {"benevole", "staff", "admin"},
        "can_validate_entry": {"staff", "admin"},
        "can_correct_entry": set(),
        "can_withdraw_entry": {"benevole"},
    },
}


@pytest.mark.parametrize("state", list(MATRIX))
def test_entry_matrix(world, state):
    entry = _entry(world, state)
    failures = []
    for name, allowed in MATRIX[state].items():
        predicate = getattr(perm, name)
        for role in ROLES:
            expected = role in allowed
            if predicate(world["people"][role], entry) is not expected:
                failures.append((name, role, expected))
    assert failures == []


STRUCTURE_MATRIX = {
    # Staff elsewhere may volunteer here: only this centre's staff are not bénévoles here.
    "can_declare_hours": {"habitant", "benevole", "coordinator", "other_coordinator", "other_staff"},
    "can_handle_hours": {"coordinator", "other_coordinator", "staff", "admin"},
    "can_view_hour_reports": {"staff", "admin"},
    "can_manage_valuation": {"admin"},
}


def test_structure_matrix(world):
    failures = []
    for name, allowed in STRUCTURE_MATRIX.items():
        for role in ROLES:
            expected = role in allowed
            if getattr(perm, name)(world["people"][role], world["structure"]) is not expected:
                failures.append((name, role, expected))
    benevole_id = world["people"]["benevole"].id
    for role in ROLES:
        expected = role in {"benevole", "staff", "admin"}
        if perm.can_view_person_hours(world["people"][role], benevole_id, world["structure"]) is not expected:
            failures.append(("can_view_person_hours", role, expected))
    assert failures == []


def test_a_validator_never_validates_their_own_entry(world):
    structure, people = world["structure"], world["people"]
    for role in ("coordinator", "staff", "admin"):
        own = proposed(structure, people[role], DAY, mission_id=world["mission"].id)
        assert not perm.can_validate_entry(people[role], own), role
        done = validated(structure, people[role], people["admin" if role != "admin" else "staff"], DAY)
        assert not perm.can_correct_entry(people[role], done), role


# --- the same people at the routes ---------------------------------------------------------------

#: (method, path template, state of the entry) -> role -> status code.
ROUTES = {
    ("GET", "/benevolat/heures/a-valider", "proposed"): {
        "anonymous": 302,
        "habitant": 403,
        "benevole": 403,
        "coordinator": 200,
        "other_coordinator": 200,
        "staff": 200,
        "admin": 200,
        "other_staff": 200,  # their own centre's queue (nothing of ours in it: see below)
    },
    ("GET", "/benevolat/heures/{entry}", "proposed"): {
        "anonymous": 302,
        "habitant": 404,
        "benevole": 200,
        "coordinator": 200,
        "other_coordinator": 404,
        "staff": 200,
        "admin": 200,
        "other_staff": 404,
    },
    ("POST", "/benevolat/heures/{entry}/valider", "proposed"): {
        "anonymous": 302,
        "habitant": 404,
        "benevole": 403,
        "coordinator": 303,
        "other_coordinator": 404,
        "staff": 303,
        "admin": 303,
        "other_staff": 404,
    },
    ("POST", "/benevolat/heures/{entry}/refuser", "proposed"): {
        "anonymous": 302,
        "habitant": 404,
        "benevole": 403,
        "coordinator": 303,
        "other_coordinator": 404,
        "staff": 303,
        "admin": 303,
        "other_staff": 404,
    },
    ("POST", "/benevolat/heures/{entry}/corriger", "validated"): {
        "anonymous": 302,
        "habitant": 404,
        "benevole": 403,
        "coordinator": 303,
        "other_coordinator": 404,
        "staff": 303,
        "admin": 303,
        "other_staff": 404,
    },
    ("POST", "/benevolat/heures/{entry}/retirer", "proposed"): {
        "anonymous": 302,
        "habitant": 404,
        "benevole": 303,
        "coordinator": 403,
        "other_coordinator": 404,
        "staff": 403,
        "admin": 403,
        "other_staff": 404,
    },
    ("GET", "/benevolat/heures/rapports", "proposed"): {
        "anonymous": 302,
        "habitant": 403,
        "benevole": 403,
        "coordinator": 403,
        "other_coordinator": 403,
        "staff": 200,
        "admin": 200,
        "other_staff": 200,  # their own centre's report (nothing of ours in it: see below)
    },
    ("GET", "/benevolat/heures/valorisation", "proposed"): {
        "anonymous": 302,
        "habitant": 403,
        "benevole": 403,
        "coordinator": 403,
        "other_coordinator": 403,
        "staff": 403,
        "admin": 200,
        "other_staff": 403,
    },
    ("GET", "/benevolat/heures/personnes/{benevole}", "validated"): {
        "anonymous": 302,
        "habitant": 403,
        "benevole": 200,
        "coordinator": 403,
        "other_coordinator": 403,
        "staff": 200,
        "admin": 200,
        "other_staff": 404,  # not a person of their centre
    },
    ("GET", "/benevolat/heures/personnes/{benevole}/attestation/2026", "validated"): {
        "anonymous": 302,
        "habitant": 403,
        "benevole": 200,
        "coordinator": 403,
        "other_coordinator": 403,
        "staff": 200,
        "admin": 200,
        "other_staff": 404,
    },
    ("GET", "/benevolat/heures/moi", "validated"): {role: 302 if role == "anonymous" else 200 for role in ROLES},
    ("GET", "/benevolat/heures/declarer", "validated"): {role: 302 if role == "anonymous" else 200 for role in ROLES},
}
FORMS = {
    "valider": {"validate-day": "2026-03-14", "validate-hours": "2", "validate-category": "activite"},
    "refuser": {"reject-reason": "Déjà compté"},
    "corriger": {
        "correct-day": "2026-03-14",
        "correct-hours": "1,5",
        "correct-category": "activite",
        "correct-reason": "Parti plus tôt",
    },
}
CASES = [(key, role, code) for key, codes in ROUTES.items() for role, code in codes.items()]


@pytest.mark.parametrize(("key", "role", "expected"), CASES, ids=[f"{k[0]} {k[1]} {k[2]}-{r}" for k, r, _c in CASES])
def test_route_matrix(client, auth, world, key, role, expected):
    method, template, state = key
    entry = _entry(world, state)
    path = template.format(entry=entry.id, benevole=world["people"]["benevole"].id)
    if role != "anonymous":
        auth.login(world["people"][role])
    form = FORMS.get(path.rsplit("/", 1)[-1], {})
    response = client.get(path) if method == "GET" else client.post(path, data=form)
    assert response.status_code == expected, (method, path, role, response.headers.get("Location"))


def test_other_centres_staff_see_nothing_of_ours(client, auth, world):
    validated(world["structure"], world["people"]["benevole"], world["people"]["staff"], DAY, "7", Category.ACTIVITY)
    proposed(world["structure"], world["people"]["habitant"], DAY)
    auth.login(world["people"]["other_staff"])
    queue = client.get("/benevolat/heures/a-valider")
    assert "Rien à valider pour l'instant." in queue.text
    page = client.get("/benevolat/heures/rapports?annee=2026")
    assert page.status_code == 200
    assert "Bénévole" not in page.text.split("Relevés par bénévole")[1]
    assert "Aucune heure validée sur cette période." in page.text
