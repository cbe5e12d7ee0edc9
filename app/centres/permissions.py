"""Who may do what in a structure."""

from app.centres.models import Role, Structure
from app.permissions import predicate


@predicate
def can_manage_structure(user, structure: Structure | None) -> bool:
    """Direction (admin) of the structure, or a platform admin: settings, quartiers, themes."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.ADMIN))


@predicate
def can_manage_roles(user, structure: Structure | None) -> bool:
    """Only the structure's direction changes roles."""
    return can_manage_structure(user, structure)


@predicate
def can_assist_people(user, structure: Structure | None) -> bool:
    """Staff at the accueil create assisted accounts and act on a person's behalf."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.STAFF))


@predicate
def is_staff_of(user, structure: Structure | None) -> bool:
    """Staff (or above) of the structure."""
    return can_assist_people(user, structure)


@predicate
def can_manage_platform(user) -> bool:
    """Platform administrators create and close structures."""
    return bool(user.is_authenticated and user.is_platform_admin)
