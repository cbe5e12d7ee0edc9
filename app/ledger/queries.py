"""Reading the ledger: the one definition of "who counts" that every metric builds on."""

from datetime import datetime

import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.ledger.models import LedgerEntry, Level


def uncounted_persons() -> sa.Select:
    """Ids of the accounts whose acts never count: test and blocked accounts (a handful).

    `person_id NOT IN (this)` leaves them out without joining every account: the database hashes
    these few ids once, where a join would read the whole user table for each figure."""
    return sa.select(User.id).where(sa.or_(User.is_test.is_(True), User.is_blocked.is_(True)))


def counted_entries(structure_id: int | None, start: datetime | None = None, end: datetime | None = None) -> sa.Select:
    """Ledger rows that count as participation in `[start, end)`.

    Left out (domain.md): acts done as staff, and acts of test or blocked accounts.
    Anonymised (deleted) accounts still count. `structure_id=None` spans every structure.
    """
    query = sa.select(LedgerEntry).where(
        LedgerEntry.as_staff.is_(False), LedgerEntry.person_id.not_in(uncounted_persons())
    )
    if structure_id is not None:
        query = query.where(LedgerEntry.structure_id == structure_id)
    if start is not None:
        query = query.where(LedgerEntry.occurred_at >= start)
    if end is not None:
        query = query.where(LedgerEntry.occurred_at < end)
    return query


def count_participants(
    structure_id: int | None,
    start: datetime | None = None,
    end: datetime | None = None,
    min_level: Level = Level.L0_PRESENCE,
) -> int:
    """Distinct persons with at least one counted act at `min_level` or above in the period."""
    sub = counted_entries(structure_id, start, end).where(LedgerEntry.level >= min_level).subquery()
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(sub.c.person_id)))) or 0


def participants_by_highest_level(
    structure_id: int | None, start: datetime | None = None, end: datetime | None = None
) -> dict[Level, int]:
    """Persons by the highest level they reached in the period (metric P11)."""
    sub = counted_entries(structure_id, start, end).subquery()
    highest = sa.select(sub.c.person_id, sa.func.max(sub.c.level).label("level")).group_by(sub.c.person_id).subquery()
    rows = db.session.execute(sa.select(highest.c.level, sa.func.count()).group_by(highest.c.level))
    result = dict.fromkeys(Level, 0)
    for level, count in rows:
        result[Level(level)] = count
    return result


def person_history(person_id: int, limit: int = 50) -> list[LedgerEntry]:
    """A person's own acts, newest first (shown on their data page)."""
    query = (
        sa.select(LedgerEntry)
        .where(LedgerEntry.person_id == person_id)
        .order_by(LedgerEntry.occurred_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
