"""Acting on behalf of a person (assisted participation at the accueil).

While staff act for someone, features take `acting_person()` as the participant and pass
`current_user` as `recorded_by`, so every act is stored with who really did it.
"""

from flask import g, session
from flask_login import current_user

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.permissions import predicate

SESSION_KEY = "acting_for"


@predicate
def can_act_for(staff, person: User | None, structure_id: int | None) -> bool:
    """Staff of a structure may act for its habitants and bénévoles (not for other staff)."""
    if person is None or structure_id is None or not staff.is_authenticated or person.id == staff.id:
        return False
    if not person.is_active or not staff.has_role(structure_id, Role.STAFF):
        return False
    role = person.role_in(structure_id)
    return role is not None and role < Role.STAFF


def acting_for() -> User | None:
    """The person the current staff member is acting for, or None (cached for the request)."""
    if "acting_for" in g:
        return g.acting_for
    person = None
    data = session.get(SESSION_KEY)
    if data and current_user.is_authenticated:
        candidate = db.session.get(User, data.get("user_id"))
        if can_act_for(current_user, candidate, data.get("structure_id")):
            person = candidate
        else:
            session.pop(SESSION_KEY, None)
    g.acting_for = person
    return person


def acting_person():
    """Who takes part in the current request: the represented person, else the logged-in user."""
    return acting_for() or current_user


def begin(person: User, structure_id: int) -> None:
    session[SESSION_KEY] = {"user_id": person.id, "structure_id": structure_id}
    g.acting_for = person


def end() -> None:
    session.pop(SESSION_KEY, None)
    g.acting_for = None
