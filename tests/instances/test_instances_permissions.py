"""Role × state matrix for the instance predicates (who may see, join, leave, manage, answer)."""

import pytest
from flask_login import AnonymousUserMixin

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import permissions as perm
from app.instances.models import JoinPolicy, Office
from app.timeutil import utcnow
from tests.instances.factories import add_seat, make_instance

ROLES = ("anonymous", "habitant", "member", "chair", "staff", "other_staff")
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
SEATED = {"member", "chair"}

#: state -> predicate -> the roles for which it is True.
MATRIX = {
    "public_open": {
        "can_view_instance": EVERYONE,
        "can_see_members": LOGGED_IN,
        "can_join_instance": {"habitant", "staff", "other_staff"},
        "can_leave_instance": SEATED,
        "can_manage_instance": {"staff"},
        "can_accept_members": {"chair", "staff"},
        "can_run_meetings": {"chair", "staff"},
    },
    "public_appointed": {
        "can_view_instance": EVERYONE,
        "can_see_members": LOGGED_IN,
        "can_join_instance": set(),
        "can_leave_instance": SEATED,
        "can_manage_instance": {"staff"},
        "can_accept_members": {"chair", "staff"},
        "can_run_meetings": {"chair", "staff"},
    },
    "members_only": {
        "can_view_instance": SEATED | {"staff"},
        "can_see_members": SEATED | {"staff"},
        "can_join_instance": {"staff"},
        "can_leave_instance": SEATED,
        "can_manage_instance": {"staff"},
        "can_accept_members": {"chair", "staff"},
        "can_run_meetings": {"chair", "staff"},
    },
    "archived": {
        "can_view_instance": SEATED | {"staff"},
        "can_see_members": SEATED | {"staff"},
        "can_join_instance": set(),
        "can_leave_instance": SEATED,
        "can_manage_instance": {"staff"},
        "can_accept_members": {"chair", "staff"},
        "can_run_meetings": {"chair", "staff"},
    },
}


@pytest.fixture
def people(structure, make_user):
    elsewhere = make_structure("Espace de vie sociale Le Préau")
    return {
        "anonymous": AnonymousUserMixin(),
        "habitant": make_user(),
        "member": make_user(),
        "chair": make_user(),
        "staff": make_user(role=Role.STAFF),
        # Staff of another centre are habitants here: no management rights.
        "other_staff": make_user(elsewhere, role=Role.STAFF),
    }


def _instance(structure, state: str):
    instance = make_instance(
        structure,
        is_public=state != "members_only",
        join_policy=JoinPolicy.APPOINTED if state == "public_appointed" else JoinPolicy.OPEN,
    )
    if state == "archived":
        instance.archived_at = utcnow()
        db.session.commit()
    return instance


@pytest.mark.parametrize("state", list(MATRIX))
def test_matrix(structure, people, state):
    instance = _instance(structure, state)
    add_seat(instance, people["member"])
    add_seat(instance, people["chair"], office=Office.CHAIR)
    failures = []
    for name, allowed in MATRIX[state].items():
        predicate = getattr(perm, name)
        for role in ROLES:
            expected = role in allowed
            if predicate(people[role], instance) is not expected:
                failures.append((name, role, expected))
    assert not failures, failures


def test_a_pending_request_blocks_a_second_one(structure, people):
    from app.instances import services

    instance = _instance(structure, "public_open")
    instance.join_policy = JoinPolicy.ON_REQUEST
    services.request_seat(instance, people["habitant"], by=people["habitant"])
    db.session.commit()
    assert not perm.can_join_instance(people["habitant"], instance)
    assert not perm.can_leave_instance(people["habitant"], instance)
    assert not perm.can_view_instance(people["habitant"], _instance_members_only(structure))


def _instance_members_only(structure):
    return make_instance(structure, "Commission recrutement", is_public=False)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", False), ("habitant", False), ("staff", True), ("other_staff", False)]
)
def test_who_creates_instances(structure, people, role, expected):
    assert perm.can_create_instance(people[role], structure) is expected
    assert perm.can_create_instance(people[role], None) is False


def test_vice_chair_answers_requests_secretary_does_not(structure, make_user):
    instance = make_instance(structure)
    vice, secretary = make_user(), make_user()
    add_seat(instance, vice, office=Office.VICE_CHAIR)
    add_seat(instance, secretary, office=Office.SECRETARY)
    assert perm.can_accept_members(vice, instance)
    assert not perm.can_accept_members(secretary, instance)
    assert perm.can_run_meetings(secretary, instance)
