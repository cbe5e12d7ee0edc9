"""Who sees the figures and who writes the projet social.

Staff (salariés) and the direction of a centre see its dashboard, record anonymous headcounts and
export; the direction (admin role) writes the projet social, enters manual figures and takes
snapshots. A platform admin sees every centre, and all of them together.
"""

from app.centres.current import active_structures
from app.centres.models import Role, Structure
from app.permissions import predicate


@predicate
def can_view_evaluation(user, structure: Structure | None) -> bool:
    """Staff and direction of the structure (platform admins everywhere)."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.STAFF))


@predicate
def can_record_headcount(user, structure: Structure | None) -> bool:
    """Staff record anonymous headcounts at the accueil or after an event."""
    return can_view_evaluation(user, structure)


@predicate
def can_edit_project(user, structure: Structure | None) -> bool:
    """The direction writes the projet social, its indicators, manual figures and snapshots."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.ADMIN))


def can_view_all_centres(user) -> bool:
    """Platform admins may add up every centre of the install (federation, Caf)."""
    return bool(user.is_authenticated and user.is_platform_admin)


def viewable_structures(user) -> list[Structure]:
    """The active centres whose figures `user` may see, by name."""
    return [s for s in active_structures() if can_view_evaluation(user, s)]
