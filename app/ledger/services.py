"""Writing to the participation ledger. Every feature calls `record_participation` in the same
transaction as the act it counts, and removes or moves acts with `delete_entries` /
`update_entries` (which keep the monthly summary, `app.ledger.months`, in step)."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User, bracket_for_age
from app.centres.models import Role
from app.extensions import db
from app.ledger import months
from app.ledger.models import LedgerEntry, Level
from app.timeutil import utcnow


def record_participation(
    person: User,
    *,
    structure_id: int,
    kind: str,
    level: Level,
    obj=None,
    hours: Decimal | float | None = None,
    occurred_at: datetime | None = None,
    recorded_by: User | None = None,
    as_staff: bool | None = None,
) -> LedgerEntry:
    """Record one countable act of `person` in a structure, with their demographics as of now.

    :param obj: the object acted on (an initiative, a meeting…); its class name and id are kept.
    :param recorded_by: the staff member acting on the person's behalf, if any.
    :param as_staff: whether the person acted as staff; by default, whether they hold a staff
        role in the structure. Such acts are kept but never counted as participation.
    """
    when = occurred_at or utcnow()
    membership = person.membership_in(structure_id)
    if as_staff is None:
        as_staff = membership is not None and membership.role >= Role.STAFF
    age = person.age_in(when.year)
    bracket = bracket_for_age(age) if age is not None else person.age_bracket
    quartier = membership.quartier if membership else None
    entry = LedgerEntry(
        structure_id=structure_id,
        person_id=person.id,
        kind=kind,
        level=Level(level),
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        occurred_at=when,
        hours=Decimal(str(hours)) if hours is not None else None,
        recorded_by_id=recorded_by.id if recorded_by is not None and recorded_by.id != person.id else None,
        as_staff=as_staff,
        age_at_act=age,
        age_bracket=bracket,
        quartier_id=quartier.id if quartier else None,
        in_qpv=quartier.is_qpv if quartier else None,
        gender=person.gender,
    )
    db.session.add(entry)
    db.session.flush()  # its month is marked for the summary (app.ledger.months)
    return entry


def delete_entries(*criteria) -> int:
    """Delete the ledger rows matching `criteria` (an act undone); returns how many went."""
    gone = db.session.execute(
        sa.delete(LedgerEntry)
        .where(*criteria)
        .returning(LedgerEntry.structure_id, LedgerEntry.person_id, LedgerEntry.occurred_at)
        .execution_options(synchronize_session=False)
    ).all()
    months.touch(db.session, gone)
    return len(gone)


def update_entries(criteria, **values) -> int:
    """Change the ledger rows matching `criteria` (e.g. hours corrected, or moved to another day)."""
    keys = (LedgerEntry.structure_id, LedgerEntry.person_id, LedgerEntry.occurred_at)
    before = db.session.execute(sa.select(*keys).where(*criteria)).all()
    after = db.session.execute(
        sa.update(LedgerEntry)
        .where(*criteria)
        .values(**values)
        .returning(*keys)
        .execution_options(synchronize_session=False)
    ).all()
    months.touch(db.session, before + after)
    return len(after)
