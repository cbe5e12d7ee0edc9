"""Who may declare, see, validate and correct volunteer hours, and see the reports.

Staff of a structure handle every entry there; a mission's coordinators handle the entries of
their missions; nobody validates or corrects their own entries (staff neither).
"""

import sqlalchemy as sa

from app.centres.models import Role, Structure
from app.extensions import db
from app.permissions import predicate
from app.volunteering.models import EntrySource, EntryStatus, HourEntry, Mission, MissionCoordinator


def _staff(user, structure_id: int | None) -> bool:
    return bool(user.is_authenticated and structure_id is not None and user.has_role(structure_id, Role.STAFF))


def coordinated_missions(user, structure_id: int | None = None) -> set[int]:
    """Ids of the missions `user` coordinates (in one structure if given)."""
    if not user.is_authenticated:
        return set()
    query = sa.select(MissionCoordinator.mission_id).where(MissionCoordinator.person_id == user.id)
    if structure_id is not None:
        query = query.join(Mission, Mission.id == MissionCoordinator.mission_id).where(
            Mission.structure_id == structure_id
        )
    return set(db.session.scalars(query))


@predicate
def can_declare_hours(person, structure: Structure | None) -> bool:
    """A logged-in habitant or bénévole declares their own hours (staff do it only while acting
    for someone: their working time is not volunteering)."""
    return bool(structure and person.is_authenticated and person.is_active and not _staff(person, structure.id))


@predicate
def can_handle_hours(user, structure: Structure | None) -> bool:
    """Sees the validation queue: staff, and coordinators of a mission of the structure."""
    if structure is None or not user.is_authenticated:
        return False
    return _staff(user, structure.id) or bool(coordinated_missions(user, structure.id))


@predicate
def can_view_entry(user, entry: HourEntry, missions: set[int] | None = None) -> bool:
    """The person themself, staff of the structure, and the coordinators of its mission."""
    if not user.is_authenticated:
        return False
    if entry.person_id == user.id or _staff(user, entry.structure_id):
        return True
    if entry.mission_id is None:
        return False
    return entry.mission_id in (missions if missions is not None else coordinated_missions(user))


def _may_decide(user, entry: HourEntry, missions: set[int] | None) -> bool:
    if not user.is_authenticated or entry.person_id == user.id:
        return False
    if _staff(user, entry.structure_id):
        return True
    return entry.mission_id is not None and entry.mission_id in (
        missions if missions is not None else coordinated_missions(user)
    )


@predicate
def can_validate_entry(user, entry: HourEntry, missions: set[int] | None = None) -> bool:
    """Validate, correct before validating, or refuse a proposed entry (never one's own)."""
    return entry.status == EntryStatus.PROPOSED and _may_decide(user, entry, missions)


@predicate
def can_correct_entry(user, entry: HourEntry, missions: set[int] | None = None) -> bool:
    """Change a validated entry (with a reason, kept in its history): the same people."""
    return entry.status == EntryStatus.VALIDATED and _may_decide(user, entry, missions)


@predicate
def can_withdraw_entry(user, entry: HourEntry) -> bool:
    """The person (or staff acting for them) takes back a declaration not yet validated."""
    return (
        user.is_authenticated
        and entry.person_id == user.id
        and entry.status == EntryStatus.PROPOSED
        and entry.source == EntrySource.DECLARED
    )


@predicate
def can_view_person_hours(user, person_id: int, structure: Structure | None) -> bool:
    """A bénévole's page and attestation: themself, and staff of the structure."""
    if structure is None or not user.is_authenticated:
        return False
    return user.id == person_id or _staff(user, structure.id)


@predicate
def can_view_hour_reports(user, structure: Structure | None) -> bool:
    """Reports, statements and exports: staff of the structure."""
    return structure is not None and _staff(user, structure.id)


@predicate
def can_manage_valuation(user, structure: Structure | None) -> bool:
    """The valuation policy (a setting of the accounts): the direction of the structure."""
    return bool(structure and user.is_authenticated and user.has_role(structure.id, Role.ADMIN))
