"""My shifts in my personal agenda and its ICS feed: confirmed places; cancelled shifts stay,
marked cancelled, so a subscribed phone removes them."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from app.calendar.feeds import CalendarEvent, register_source
from app.extensions import db
from app.timeutil import utcnow
from app.volunteering.models import Mission, Shift, Signup, SignupStatus
from app.volunteering.services import shift_url

#: How far back the feed goes (a phone keeps what it already has).
HISTORY = timedelta(days=90)


@register_source
def shift_events(user) -> list[CalendarEvent]:
    """The person's confirmed shifts from three months ago on (at most 200)."""
    if not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return []
    shifts = db.session.scalars(
        sa.select(Shift)
        .join(Signup, Signup.shift_id == Shift.id)
        .join(Mission, Mission.id == Shift.mission_id)
        .options(contains_eager(Shift.mission))
        .where(
            Signup.person_id == user.id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.ends_at >= utcnow() - HISTORY,
        )
        .order_by(Shift.starts_at)
        .limit(200)
    )
    return [
        CalendarEvent(
            uid=f"shift-{shift.id}@ensemble",
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            summary=_("Bénévolat : %(title)s", title=shift.mission.title),
            location=shift.place,
            description=shift.mission.activity,
            url=shift_url(shift),
            cancelled=shift.cancelled_at is not None,
        )
        for shift in shifts
    ]
