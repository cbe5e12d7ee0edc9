"""Time helpers: the database stores naive UTC datetimes; pages show Europe/Paris via Flask-Babel."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Naive UTC now (the same on SQLite and PostgreSQL `timestamp without time zone`)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    """The time zone pages and forms speak (BABEL_DEFAULT_TIMEZONE, Europe/Paris by default)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Europe/Paris")


def to_local(value: datetime) -> datetime:
    """A stored naive UTC datetime as an aware local one."""
    return value.replace(tzinfo=UTC).astimezone(local_zone())


def local_date(value: datetime) -> date:
    """The local calendar day of a stored naive UTC datetime (a meeting at 00:30 in Paris is that day)."""
    return to_local(value).date()


def local_today() -> date:
    return datetime.now(local_zone()).date()


def from_local(value: datetime) -> datetime:
    """A naive local datetime typed in a form, as the naive UTC we store."""
    return value.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)
