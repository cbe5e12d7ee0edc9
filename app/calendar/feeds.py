"""Calendar feeds: features register what they put in a person's agenda; this module renders ICS.

A source is a function `(user) -> Iterable[CalendarEvent]` registered with `@register_source`;
`personal_events(user)` gathers them all. `render_ics(name, events)` builds the RFC 5545 text with
the `icalendar` library (escaping and line folding done right).
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import sqlalchemy as sa

from app.accounts.models import User, hash_token
from app.calendar.models import CalendarToken
from app.extensions import db
from app.timeutil import utcnow


@dataclass(frozen=True)
class CalendarEvent:
    """One entry of a feed. Datetimes are naive UTC, like the database."""

    uid: str  # stable and unique: "meeting-12@ensemble"
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False


Source = Callable[[User], Iterable[CalendarEvent]]
_SOURCES: list[Source] = []


def register_source(func: Source) -> Source:
    """Decorator: `func(user)` adds its events to the person's feed."""
    if func not in _SOURCES:
        _SOURCES.append(func)
    return func


def personal_events(user: User) -> list[CalendarEvent]:
    events = [event for source in _SOURCES for event in source(user)]
    return sorted(events, key=lambda e: e.starts_at)


def render_ics(name: str, events: Iterable[CalendarEvent]) -> bytes:
    """The calendar as ICS bytes (UTC times; the phone shows them in its own time zone)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Ensemble//Centres sociaux//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = utcnow().replace(tzinfo=UTC)
    for event in events:
        vevent = icalendar.Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", event.starts_at.replace(tzinfo=UTC))
        vevent.add("dtend", event.ends_at.replace(tzinfo=UTC))
        vevent.add("summary", event.summary)
        if event.location:
            vevent.add("location", event.location)
        if event.description:
            vevent.add("description", event.description)
        if event.url:
            vevent.add("url", event.url)
        vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        cal.add_component(vevent)
    return cal.to_ical()


def new_token(user: User) -> str:
    """Create (or replace) the person's feed secret; returns it in clear, once."""
    token = secrets.token_urlsafe(24)
    row = db.session.scalar(sa.select(CalendarToken).where(CalendarToken.user_id == user.id))
    if row is None:
        row = CalendarToken(user_id=user.id, token_hash=hash_token(token))
        db.session.add(row)
    else:
        row.token_hash = hash_token(token)
        row.created_at = utcnow()
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active person whose feed secret this is, or None."""
    row = db.session.scalar(sa.select(CalendarToken).where(CalendarToken.token_hash == hash_token(token)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.is_active else None
