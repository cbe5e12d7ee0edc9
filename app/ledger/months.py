"""The monthly summary of the ledger (`LedgerMonth`), kept in step with the acts.

The (structure, person, local month) of every ledger row written is marked: by the session for
rows added, changed or deleted as objects (`_after_flush`), by `app.ledger.services.delete_entries`
and `update_entries` for bulk statements (`touch()`). Those rows of the summary are recomputed
from the ledger just before the transaction commits (or before the summary is read in the same
transaction, `apply_pending()`). Recomputing
from the acts, rather than adding to the row, gives the same result for an act recorded, removed
or moved to another day, and for any order of concurrent transactions:

- PostgreSQL: each row is recomputed under a transaction-level advisory lock of (person, month),
  taken in key order (no deadlock between two transactions); a transaction waiting for it then
  reads, in its next statement, the acts the other one committed (READ COMMITTED).
- SQLite: a writing transaction holds the database's write lock from BEGIN IMMEDIATE.

Bulk writers (the data generator, a change of BABEL_DEFAULT_TIMEZONE) call `rebuild()`:
`flask ledger rebuild-months`.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.ledger.models import LedgerEntry, LedgerMonth
from app.timeutil import from_local, local_date

PENDING = "ledger_months_pending"

Key = tuple[int, int, date]  # structure_id, person_id, first day of the local month


def month_of(occurred_at: datetime) -> date:
    """First day of the local month of a stored (naive UTC) instant."""
    return local_date(occurred_at).replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The stored (naive UTC) instants `[start, end)` of a local month."""
    return from_local(datetime.combine(month, time.min)), from_local(datetime.combine(next_month(month), time.min))


def touch(session: Session, rows: Iterable[tuple[int, int, datetime]]) -> None:
    """Ledger rows (structure_id, person_id, occurred_at) were written, moved or removed: their
    months are recomputed before the transaction commits."""
    pending = session.info.setdefault(PENDING, set())
    pending.update((structure_id, person_id, month_of(at)) for structure_id, person_id, at in rows)


def apply_pending(session: Session | None = None) -> None:
    """Recompute the months touched in this transaction (readers of the summary call it first)."""
    session = session or db.session()
    session.flush()  # rows still held as objects are marked when flushed
    pending = session.info.pop(PENDING, None)
    if pending:
        refresh(session, pending)


def refresh(session: Session, keys: Iterable[Key]) -> None:
    """Make these rows of the summary what the ledger says now (removed when no act is left)."""
    postgresql = session.connection().dialect.name == "postgresql"
    for structure_id, person_id, month in sorted(keys):
        if postgresql:
            session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:person, :month)"),
                {"person": person_id, "month": month.year * 12 + month.month - 1},
            )
        session.execute(
            sa.delete(LedgerMonth).where(
                LedgerMonth.structure_id == structure_id,
                LedgerMonth.person_id == person_id,
                LedgerMonth.month == month,
            )
        )
        session.execute(_insert_month(month, structure_id=structure_id, person_id=person_id))


def rebuild(session: Session, structure_id: int | None = None) -> int:
    """Recompute the whole summary (of one structure, or all) from the ledger; returns its rows."""
    session.info.pop(PENDING, None)  # everything is recomputed
    criteria = [] if structure_id is None else [LedgerMonth.structure_id == structure_id]
    session.execute(sa.delete(LedgerMonth).where(*criteria))
    scope = [] if structure_id is None else [LedgerEntry.structure_id == structure_id]
    first, last = session.execute(
        sa.select(sa.func.min(LedgerEntry.occurred_at), sa.func.max(LedgerEntry.occurred_at)).where(*scope)
    ).one()
    if first is not None:
        month, last_month = month_of(first), month_of(last)
        while month <= last_month:
            session.execute(_insert_month(month, structure_id=structure_id))
            month = next_month(month)
    return session.scalar(sa.select(sa.func.count()).select_from(LedgerMonth).where(*criteria)) or 0


def _insert_month(month: date, *, structure_id: int | None, person_id: int | None = None) -> sa.Insert:
    """INSERT … SELECT the summary rows of one month from its counted acts (as_staff false), for one
    structure and person or for all: one GROUP BY, joined to each group's latest act."""
    start, end = month_bounds(month)
    criteria = [LedgerEntry.as_staff.is_(False), LedgerEntry.occurred_at >= start, LedgerEntry.occurred_at < end]
    if structure_id is not None:
        criteria.append(LedgerEntry.structure_id == structure_id)
    if person_id is not None:
        criteria.append(LedgerEntry.person_id == person_id)
    bracket = sa.type_coerce(LedgerEntry.age_bracket, sa.String(8))
    qpv = sa.case((LedgerEntry.in_qpv.is_(True), 1), (LedgerEntry.in_qpv.is_(False), 0))
    groups = (
        sa.select(
            LedgerEntry.structure_id,
            LedgerEntry.person_id,
            sa.func.count().label("acts"),
            sa.func.max(LedgerEntry.level).label("level"),
            *spread("bracket", bracket),
            *spread("quartier", LedgerEntry.quartier_id),
            *spread("qpv", qpv),
        )
        .where(*criteria)
        .group_by(LedgerEntry.structure_id, LedgerEntry.person_id)
        .subquery()
    )
    order = sa.func.row_number().over(
        partition_by=(LedgerEntry.structure_id, LedgerEntry.person_id),
        order_by=(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc()),
    )
    latest = (
        sa.select(
            LedgerEntry.structure_id,
            LedgerEntry.person_id,
            LedgerEntry.occurred_at,
            LedgerEntry.id,
            bracket.label("bracket"),
            LedgerEntry.quartier_id,
            qpv.label("qpv"),
            order.label("rank"),
        )
        .where(*criteria)
        .subquery()
    )
    rows = sa.select(
        groups.c.structure_id,
        sa.literal(month, sa.Date).label("month"),
        groups.c.person_id,
        *(groups.c[name] for name in _SPREAD_COLUMNS),
        latest.c.occurred_at,
        latest.c.id,
        latest.c.bracket,
        latest.c.quartier_id,
        latest.c.qpv,
    ).join_from(
        groups,
        latest,
        sa.and_(
            latest.c.structure_id == groups.c.structure_id,
            latest.c.person_id == groups.c.person_id,
            latest.c.rank == 1,
        ),
    )
    columns = ["structure_id", "month", "person_id", *_SPREAD_COLUMNS]
    columns += ["last_at", "last_id", "last_bracket", "last_quartier_id", "last_qpv"]
    return sa.insert(LedgerMonth).from_select(columns, rows)


_SPREAD_COLUMNS = [
    "acts",
    "level",
    *(f"{name}_{part}" for name in ("bracket", "quartier", "qpv") for part in ("given", "min", "max")),
]


def spread(name: str, column) -> tuple:
    """How many acts give a value, and the smallest and largest values given."""
    return (
        sa.func.count(column).label(f"{name}_given"),
        sa.func.min(column).label(f"{name}_min"),
        sa.func.max(column).label(f"{name}_max"),
    )


_KEY_COLUMNS = ("structure_id", "person_id", "occurred_at")


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    """Mark the months of the ledger rows this flush wrote as objects: new, deleted, and changed
    (both the month they left and the one they are in)."""
    rows = []
    for entry in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(entry, LedgerEntry):
            continue
        state = sa.inspect(entry)
        now = tuple(getattr(entry, name) for name in _KEY_COLUMNS)
        rows.append(now)
        if entry in session.dirty:
            histories = [state.attrs[name].history for name in _KEY_COLUMNS]
            rows.append(tuple(h.deleted[0] if h.deleted else value for h, value in zip(histories, now, strict=True)))
    touch(session, rows)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    apply_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    # The whole transaction is gone, its acts with it. (A savepoint's rollback keeps the marks:
    # recomputing a month that did not change is harmless.)
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)
