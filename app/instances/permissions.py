"""Who may see and do what in an instance: role in its structure × seat in the instance.

Members-only instances do not exist for others (routes answer 404, lists and feeds leave them out).
"""

import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.instances.models import Instance, Office, Seat, SeatStatus
from app.permissions import predicate

#: Offices that run the instance's meetings with the staff (convene, attendance, minutes).
BUREAU_OFFICES = frozenset({Office.CHAIR, Office.VICE_CHAIR, Office.SECRETARY})


def is_staff(user, instance: Instance) -> bool:
    return bool(user.is_authenticated and user.has_role(instance.structure_id, Role.STAFF))


def active_seat(user, instance: Instance) -> Seat | None:
    """The person's current seat in the instance, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Seat).where(
            Seat.instance_id == instance.id, Seat.person_id == user.id, Seat.status == SeatStatus.ACTIVE
        )
    )


def is_member(user, instance: Instance) -> bool:
    return active_seat(user, instance) is not None


def is_officer(user, instance: Instance) -> bool:
    """Chair, vice-chair or secretary of the instance."""
    seat = active_seat(user, instance)
    return seat is not None and seat.office in BUREAU_OFFICES


@predicate
def can_view_instance(user, instance: Instance) -> bool:
    """Public instances: everyone; members-only: their members and the centre's staff."""
    if instance.is_public and instance.archived_at is None:
        return True
    return is_staff(user, instance) or is_member(user, instance)


@predicate
def can_manage_instance(user, instance: Instance) -> bool:
    """Edit the instance and its rules, add or remove members: staff of the centre."""
    return is_staff(user, instance)


@predicate
def can_run_meetings(user, instance: Instance) -> bool:
    """Convene, record attendance, write minutes, open votes: staff, chair, vice-chair, secretary."""
    return is_staff(user, instance) or is_officer(user, instance)


@predicate
def can_accept_members(user, instance: Instance) -> bool:
    """Answer join requests: staff and the chair."""
    if is_staff(user, instance):
        return True
    seat = active_seat(user, instance)
    return seat is not None and seat.office in {Office.CHAIR, Office.VICE_CHAIR}
