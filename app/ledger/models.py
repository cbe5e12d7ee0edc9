import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import AgeBracket
from app.dbtypes import IntEnumType, str_enum
from app.extensions import db
from app.timeutil import utcnow


class Level(enum.IntEnum):
    """Participation levels (domain.md §3.2), from presence to decision."""

    L0_PRESENCE = 0
    L1_INFORMATION = 1
    L2_CONSULTATION = 2
    L3_CONTRIBUTION = 3
    L4_CONCERTATION = 4
    L5_DECISION = 5

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {
    Level.L0_PRESENCE: _l("Présence"),
    Level.L1_INFORMATION: _l("Information"),
    Level.L2_CONSULTATION: _l("Consultation"),
    Level.L3_CONTRIBUTION: _l("Contribution"),
    Level.L4_CONCERTATION: _l("Concertation, co-construction"),
    Level.L5_DECISION: _l("Décision"),
}


class LedgerEntry(db.Model):
    """One countable act of one person in one structure, with demographics as they were then."""

    __table_args__ = (
        # Covers the figures over a period (who, at which level, where, as staff or not) without
        # reading the table: the evaluation dashboard scans a year of a centre's acts.
        sa.Index(
            "ix_ledger_entry_structure_occurred_cover",
            "structure_id",
            "occurred_at",
            "person_id",
            "as_staff",
            "level",
            "age_bracket",
            "quartier_id",
            "in_qpv",
        ),
        # A person's acts in time; with the age at the act, so that "birth year as known from the
        # acts" (volunteers' ages, B12/B14) reads the index alone.
        sa.Index("ix_ledger_entry_person_occurred_ages", "person_id", "occurred_at", "age_at_act", "age_bracket"),
        # Covers "acts of a kind in a centre over a period" (validated hours, presence at meetings)
        # without reading the table.
        sa.Index(
            "ix_ledger_entry_kind_structure_occurred",
            "kind",
            "structure_id",
            "occurred_at",
            "as_staff",
            "person_id",
            "object_id",
            "object_type",
        ),
        # Covers "is this object's act counted?" (kind, as_staff) without reading the table.
        sa.Index("ix_ledger_entry_object_kind", "object_type", "object_id", "kind", "as_staff"),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: a change loads the old value, so that the month it leaves is recomputed too
    # (app.ledger.months).
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), active_history=True)
    #: The person who took part. Deleting an account anonymises the user row, so the act stays counted.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), active_history=True)
    #: What happened, as "<feature>.<verb>" (initiative.propose, meeting.attend, shift.done…).
    kind: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[Level] = mapped_column(IntEnumType(Level))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, active_history=True)
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    #: The staff member who recorded the act for the person (assisted participation), if any.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: True when the person acted in their staff role: never counted as habitant participation.
    as_staff: Mapped[bool] = mapped_column(default=False)
    # Demographics at the time of the act (domain.md "Figures people can trust").
    age_at_act: Mapped[int | None] = mapped_column(sa.SmallInteger)
    age_bracket: Mapped[AgeBracket | None] = mapped_column(str_enum(AgeBracket, 8))
    quartier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quartier.id", ondelete="SET NULL"))
    in_qpv: Mapped[bool | None]
    gender: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerMonth(db.Model):
    """A person's counted acts in one structure over one local calendar month, summed up.

    Kept in step with the ledger in the same transaction (`app.ledger.months`): each row is what
    aggregating that person's counted acts (not as staff) of that month gives, so a year of a
    centre is ~26,000 rows instead of ~70,000 acts. The dashboard's monthly trend, profile,
    funnel and retention read it for periods made of whole months. Test and blocked accounts are
    left out when reading (`uncounted_persons()`), as for the acts: blocking an account needs no
    rewrite here.

    For each demographic column the row keeps how many acts give a value, the smallest and the
    largest (so that "the same on all acts" survives adding months up), and the value on the
    month's latest act (`last_at`, then `last_id` for two acts at the same instant).
    """

    __tablename__ = "ledger_month"
    __table_args__ = (
        sa.Index("ix_ledger_month_person_month", "person_id", "month"),
        # SQLite: the rows are stored in key order, so a centre's months are read without lookups.
        {"sqlite_with_rowid": False},
    )

    structure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    #: First day of the local month (BABEL_DEFAULT_TIMEZONE).
    month: Mapped[date] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    acts: Mapped[int]
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    bracket_given: Mapped[int]
    bracket_min: Mapped[str | None] = mapped_column(sa.String(8))
    bracket_max: Mapped[str | None] = mapped_column(sa.String(8))
    quartier_given: Mapped[int]
    quartier_min: Mapped[int | None]
    quartier_max: Mapped[int | None]
    qpv_given: Mapped[int]
    qpv_min: Mapped[int | None] = mapped_column(sa.SmallInteger)
    qpv_max: Mapped[int | None] = mapped_column(sa.SmallInteger)
    last_at: Mapped[datetime]
    last_id: Mapped[int]
    last_bracket: Mapped[str | None] = mapped_column(sa.String(8))
    last_quartier_id: Mapped[int | None]
    last_qpv: Mapped[int | None] = mapped_column(sa.SmallInteger)
