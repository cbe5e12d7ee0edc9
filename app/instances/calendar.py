"""Meetings in calendar feeds: each person's agenda (the instances where they hold a seat) and
the per-instance feed (/instances/<id>/agenda.ics).

A feed shows the planned meetings, the meetings held in the last 30 days and the cancelled ones
(marked cancelled, so a phone that had them removes them). Members-only instances appear only in
their members' feeds.
"""

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.calendar.feeds import CalendarEvent, register_source
from app.extensions import db
from app.instances.models import Instance, Meeting, MeetingStatus, Seat, SeatStatus
from app.timeutil import utcnow

#: How far back held and cancelled meetings stay in a feed.
PAST_DAYS = 30


def _in_feed(since):
    """Planned meetings (still to close), and anything that started after `since`."""
    return sa.or_(
        sa.and_(Meeting.status == MeetingStatus.PLANNED, Meeting.closed_at.is_(None)),
        Meeting.starts_at >= since,
    )


def meeting_event(meeting: Meeting, instance: Instance, base_url: str) -> CalendarEvent:
    """One meeting as a calendar entry (UTC times; the phone shows them in its own zone)."""
    description = [instance.name]
    if meeting.online_url:
        description.append(_("En ligne : %(url)s", url=meeting.online_url))
    if meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason:
        description.append(_("Annulée : %(reason)s", reason=meeting.cancel_reason))
    summary = f"{instance.name} — {meeting.title}"
    if meeting.status == MeetingStatus.CANCELLED:
        summary = _("Annulée : %(title)s", title=summary)
    return CalendarEvent(
        uid=f"meeting-{meeting.id}@ensemble",
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(minutes=meeting.duration_minutes),
        summary=summary,
        location=meeting.place or meeting.online_url,
        description="\n".join(description),
        url=f"{base_url}/instances/reunions/{meeting.id}",
        cancelled=meeting.status == MeetingStatus.CANCELLED,
    )


def _base_url() -> str:
    return current_app.config["SERVER_BASE_URL"].rstrip("/")


@register_source
def my_meetings(user) -> Iterable[CalendarEvent]:
    """The meetings of the instances where the person holds an active seat (one query)."""
    since = utcnow() - timedelta(days=PAST_DAYS)
    rows = db.session.execute(
        sa.select(Meeting, Instance)
        .join(Instance, Instance.id == Meeting.instance_id)
        .join(Seat, Seat.instance_id == Instance.id)
        .where(Seat.person_id == user.id, Seat.status == SeatStatus.ACTIVE, _in_feed(since))
        .order_by(Meeting.starts_at)
        .limit(500)
    ).all()
    base = _base_url()
    return [meeting_event(meeting, instance, base) for meeting, instance in rows]


def instance_events(instance: Instance, base_url: str | None = None) -> list[CalendarEvent]:
    """The instance's meetings for its own feed (visibility is the caller's check)."""
    since = utcnow() - timedelta(days=PAST_DAYS)
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.instance_id == instance.id, _in_feed(since))
        .order_by(Meeting.starts_at)
        .limit(500)
    )
    base = base_url or _base_url()
    return [meeting_event(meeting, instance, base) for meeting in meetings]
