"""Time helpers: the database stores naive UTC datetimes; pages show Europe/Paris via Flask-Babel."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now (the same on SQLite and PostgreSQL `timestamp without time zone`)."""
    return datetime.now(UTC).replace(tzinfo=None)
