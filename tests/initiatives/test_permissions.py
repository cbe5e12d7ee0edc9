"""Role × status matrix for every initiative predicate (who may see and do what)."""

import pytest

from app.centres.models import Role
from app.initiatives import permissions as perm
from app.initiatives.models import Status
from tests.initiatives.factories import make_initiative

ROLES = ("anonymous", "author", "habitant", "coordinator", "staff", "other_staff")

#: status -> predicate -> the roles for which it is True.
MATRIX = {
    Status.DRAFT: {
        "can_view_initiative": {"author", "staff"},
        "can_edit_initiative": {"author", "staff"},
        "can_submit_initiative": {"author", "staff"},
        "can_moderate_initiative": {"staff"},
        "can_decide_initiative": set(),
        "can_support_initiative": set(),
        "can_offer_help": set(),
        "can_comment_initiative": set(),
    },
    Status.SUBMITTED: {
        "can_view_initiative": {"author", "staff"},
        "can_edit_initiative": {"staff"},
        "can_submit_initiative": set(),
        "can_moderate_initiative": {"staff"},
        "can_decide_initiative": set(),
        "can_support_initiative": set(),
        "can_offer_help": set(),
        "can_comment_initiative": set(),
    },
    Status.OPEN: {
        "can_view_initiative": set(ROLES),
        "can_edit_initiative": {"staff"},
        "can_submit_initiative": set(),
        "can_moderate_initiative": {"staff"},
        "can_decide_initiative": {"staff"},
        "can_support_initiative": {"author", "habitant", "coordinator", "staff", "other_staff"},
        "can_offer_help": {"habitant", "coordinator", "staff", "other_staff"},
        "can_comment_initiative": {"author", "habitant", "coordinator", "staff", "other_staff"},
    },
    Status.COMPLETED: {
        "can_view_initiative": set(ROLES),
        "can_edit_initiative": set(),
        "can_submit_initiative": set(),
        "can_moderate_initiative": {"staff"},
        "can_decide_initiative": set(),
        "can_support_initiative": set(),
        "can_offer_help": set(),
        "can_comment_initiative": {"author", "habitant", "coordinator", "staff", "other_staff"},
    },
}


@pytest.mark.parametrize("status", list(MATRIX), ids=[s.value for s in MATRIX])
def test_matrix(structure, make_user, status):
    from flask_login import AnonymousUserMixin

    from app.factories import make_structure

    elsewhere = make_structure("Espace de vie sociale Le Préau")
    people = {
        "anonymous": AnonymousUserMixin(),
        "author": make_user(),
        "habitant": make_user(),
        "coordinator": make_user(role=Role.COORDINATOR),
        "staff": make_user(role=Role.STAFF),
        # Staff of another centre are habitants here: no moderation rights.
        "other_staff": make_user(elsewhere, role=Role.STAFF),
    }
    initiative = make_initiative(structure, people["author"], people["staff"], status=status)
    failures = []
    for name, allowed in MATRIX[status].items():
        predicate = getattr(perm, name)
        for role in ROLES:
            expected = role in allowed
            if predicate(people[role], initiative) is not expected:
                failures.append((name, role, expected))
    assert failures == [], failures


def test_hidden_initiative_is_seen_by_its_author_and_staff_only(structure, make_user):
    from app.extensions import db
    from app.initiatives.services import hide_initiative

    author, staff, habitant = make_user(), make_user(role=Role.STAFF), make_user()
    initiative = make_initiative(structure, author, staff)
    hide_initiative(initiative, "Hors charte", by=staff)
    db.session.commit()
    assert perm.can_view_initiative(author, initiative)
    assert perm.can_view_initiative(staff, initiative)
    assert not perm.can_view_initiative(habitant, initiative)
    assert not perm.can_support_initiative(author, initiative)
