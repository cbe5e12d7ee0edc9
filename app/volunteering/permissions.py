"""Who may see and do what in volunteering: role in the mission's structure × coordinator of the
mission × the mission's status.

Published missions are public; drafts and archived ones exist only for the centre's staff and the
mission's coordinators (others get a 404). Coordinators (role) create missions; a mission's own
coordinators manage it; staff manage every mission of their structure, and nothing elsewhere.
"""

from app.centres.models import Role, Structure
from app.permissions import predicate
from app.timeutil import utcnow
from app.volunteering.models import Mission, MissionStatus, Shift
from app.volunteering.services import is_coordinator_of, is_staff, signups_open


def _manager(user, mission: Mission) -> bool:
    return is_staff(user, mission.structure_id) or is_coordinator_of(user, mission)


@predicate
def can_create_mission(user, structure: Structure | None) -> bool:
    """Bénévoles coordinateurs, staff and direction of the structure."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.COORDINATOR))


@predicate
def can_view_mission(user, mission: Mission) -> bool:
    """Everyone once published; drafts and archived missions: staff and the mission's coordinators."""
    return mission.status == MissionStatus.PUBLISHED or _manager(user, mission)


@predicate
def can_edit_mission(user, mission: Mission) -> bool:
    """Staff of the structure and the mission's coordinators: edit, publish, archive, add shifts."""
    return _manager(user, mission)


@predicate
def can_manage_shift(user, shift: Shift) -> bool:
    """Edit or cancel a shift, see its roster and who could come, mark attendance."""
    return _manager(user, shift.mission)


@predicate
def can_sign_up(user, shift: Shift) -> bool:
    """A logged-in person, on a published mission's shift whose sign-ups are open."""
    return bool(user.is_authenticated) and shift.mission.status == MissionStatus.PUBLISHED and signups_open(shift)


@predicate
def can_leave_shift(user, shift: Shift) -> bool:
    """A logged-in person may ask to cancel their sign-up until the shift starts (the service
    then applies the sign-up deadline to confirmed places)."""
    return bool(user.is_authenticated) and shift.cancelled_at is None and utcnow() < shift.starts_at
