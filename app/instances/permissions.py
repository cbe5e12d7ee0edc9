"""Who may see and do what in an instance: role in its structure × seat in the instance.

Members-only instances do not exist for others (routes answer 404, lists and feeds leave them out).
"""

import sqlalchemy as sa
from flask import g, has_request_context, request

from app.centres.models import Role
from app.extensions import db
from app.instances.models import Instance, Office, Seat, SeatStatus
from app.permissions import predicate

#: Offices that run the instance's meetings with the staff (convene, attendance, minutes).
BUREAU_OFFICES = frozenset({Office.CHAIR, Office.VICE_CHAIR, Office.SECRETARY})


def is_staff(user, instance: Instance) -> bool:
    return bool(user.is_authenticated and user.has_role(instance.structure_id, Role.STAFF))


def active_seat(user, instance: Instance) -> Seat | None:
    """The person's current seat in the instance, if any.

    While a page is being read (GET), the answer is kept for the rest of the request: the instance
    page asks it once per section. When the page has loaded all the instance's active seats anyway
    (`remember_active_seats`), the answer comes from them. Requests that write never reuse anything
    (a seat may just have changed).
    """
    if not user.is_authenticated:
        return None
    cache = _seat_cache()
    if cache is not None and instance.id in cache["instances"]:
        return cache["instances"][instance.id].get(user.id)
    key = (user.id, instance.id)
    if cache is not None and key in cache["people"]:
        return cache["people"][key]
    seat = db.session.scalar(
        sa.select(Seat).where(
            Seat.instance_id == instance.id, Seat.person_id == user.id, Seat.status == SeatStatus.ACTIVE
        )
    )
    if cache is not None:
        cache["people"][key] = seat
    return seat


def remember_active_seats(instance_id: int, seats: list[Seat]) -> None:
    """A GET page loaded every active seat of the instance: `active_seat` answers from them for the
    rest of the request instead of asking the database again (nothing is kept on a write request)."""
    cache = _seat_cache()
    if cache is not None:
        cache["instances"][instance_id] = {seat.person_id: seat for seat in seats if seat.status == SeatStatus.ACTIVE}


def _seat_cache() -> dict | None:
    """This GET request's seats: `people[(person id, instance id)]` and `instances[instance id]`."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return None
    if "instance_seats" not in g:
        g.instance_seats = {"people": {}, "instances": {}}
    return g.instance_seats


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


def sees_instance(user, instance: Instance, *, seated: bool) -> bool:
    """`can_view_instance` when the caller already knows whether `user` holds an active seat in it
    (read with a list, instead of one question per instance)."""
    if instance.is_public and instance.archived_at is None:
        return True
    return is_staff(user, instance) or seated


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


# --- instances and membership (added with the instance pages) ---------------------------------


def _current_seat_status(user, instance: Instance) -> SeatStatus | None:
    """The person's requested or active seat status in the instance, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Seat.status).where(
            Seat.instance_id == instance.id,
            Seat.person_id == user.id,
            Seat.status.in_([SeatStatus.REQUESTED, SeatStatus.ACTIVE]),
        )
    )


@predicate
def can_create_instance(user, structure) -> bool:
    """Create instances in a structure: its staff."""
    return bool(structure is not None and user.is_authenticated and user.has_role(structure.id, Role.STAFF))


@predicate
def can_join_instance(user, instance: Instance) -> bool:
    """ "Rejoindre" / "Demander à rejoindre": a logged-in person without a current seat, on a visible,
    live instance that is not filled by appointment."""
    from app.instances.models import JoinPolicy

    if not user.is_authenticated or instance.archived_at is not None:
        return False
    if instance.join_policy == JoinPolicy.APPOINTED or not can_view_instance(user, instance):
        return False
    return _current_seat_status(user, instance) is None


@predicate
def can_leave_instance(user, instance: Instance) -> bool:
    """ "Quitter l'instance": members."""
    return is_member(user, instance)


@predicate
def can_see_members(user, instance: Instance) -> bool:
    """Names of the members and their history: logged-in people who may see the instance
    (anonymous visitors see how many members there are, not who)."""
    return bool(user.is_authenticated and can_view_instance(user, instance))


# --- motions, votes and advisory opinions (added with the votes) ------------------------------


@predicate
def can_view_motion(user, motion) -> bool:
    """A motion in preparation: those who run the meetings; then whoever sees the instance."""
    from app.instances.models import MotionStatus

    if not can_view_instance(user, motion.instance):
        return False
    return motion.status != MotionStatus.DRAFT or can_run_meetings(user, motion.instance)


@predicate
def can_manage_motion(user, motion) -> bool:
    """Edit, open, count by hand, close or withdraw a motion: those who run the meetings."""
    return can_run_meetings(user, motion.instance)


@predicate
def can_see_ballots(user, motion) -> bool:
    """Who voted what in an open vote: the instance's members and the staff. Never for a secret vote."""
    from app.instances.models import VotingMode

    if motion.voting_mode != VotingMode.OPEN:
        return False
    return is_staff(user, motion.instance) or is_member(user, motion.instance)


@predicate
def can_send_opinion(user, instance: Instance) -> bool:
    """Send an advisory opinion: the officers of a consultative instance and the staff."""
    from app.instances.models import Nature

    return instance.nature == Nature.ADVISORY and instance.archived_at is None and can_run_meetings(user, instance)


@predicate
def can_view_opinion(user, opinion) -> bool:
    """Whoever sees the instance that sent it, and the members and staff of the one it was sent to."""
    if can_view_instance(user, opinion.from_instance):
        return True
    return is_staff(user, opinion.to_instance) or is_member(user, opinion.to_instance)


@predicate
def can_respond_to_opinion(user, opinion) -> bool:
    """Record the decision body's response: those who run its meetings (staff, chair, secretary)."""
    return can_run_meetings(user, opinion.to_instance)


# --- meetings, attendance, minutes and follow-up (added with the meetings) ---------------------


def _meeting_open(meeting) -> bool:
    from app.instances.models import MeetingStatus

    return meeting.status == MeetingStatus.PLANNED and meeting.closed_at is None


@predicate
def can_view_meeting(user, meeting) -> bool:
    """A meeting is seen by whoever sees its instance (members-only instances: members and staff)."""
    return can_view_instance(user, meeting.instance)


@predicate
def can_manage_meeting(user, meeting) -> bool:
    """Edit, change the agenda, convene or cancel: those who run the meetings, while it is planned."""
    return _meeting_open(meeting) and can_run_meetings(user, meeting.instance)


@predicate
def can_answer_rsvp(user, meeting) -> bool:
    """Members answer the convocation (je viens / excusé·e / pouvoir) until the meeting starts."""
    from app.timeutil import utcnow

    return _meeting_open(meeting) and meeting.starts_at > utcnow() and is_member(user, meeting.instance)


@predicate
def can_record_attendance(user, meeting) -> bool:
    """Tick who is there and close the meeting: those who run the meetings, until it is closed."""
    return _meeting_open(meeting) and can_run_meetings(user, meeting.instance)


@predicate
def can_reopen_meeting(user, meeting) -> bool:
    """Re-open a closed meeting to correct it: staff, until its minutes are approved."""
    if meeting.closed_at is None or (meeting.minutes is not None and meeting.minutes.approved_at is not None):
        return False
    return is_staff(user, meeting.instance)


@predicate
def can_write_minutes(user, meeting) -> bool:
    """Draft and edit the minutes of a closed meeting until they are approved; publish them."""
    if meeting.closed_at is None or (meeting.minutes is not None and meeting.minutes.approved_at is not None):
        return False
    return can_run_meetings(user, meeting.instance)


@predicate
def can_view_minutes(user, meeting) -> bool:
    """Published minutes: whoever sees the instance (members-only: members); drafts: those who run it."""
    from app.instances.models import MinutesStatus

    minutes = meeting.minutes
    if minutes is None:
        return False
    if minutes.status == MinutesStatus.PUBLISHED:
        return can_view_instance(user, meeting.instance)
    return can_run_meetings(user, meeting.instance)


@predicate
def can_manage_follow_ups(user, instance: Instance) -> bool:
    """Add and update the decisions log: those who run the meetings."""
    return can_run_meetings(user, instance)
