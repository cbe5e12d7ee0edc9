import enum
from datetime import datetime
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
        sa.Index("ix_ledger_entry_person_occurred", "person_id", "occurred_at"),
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
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    #: The person who took part. Deleting an account anonymises the user row, so the act stays counted.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    #: What happened, as "<feature>.<verb>" (initiative.propose, meeting.attend, shift.done…).
    kind: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[Level] = mapped_column(IntEnumType(Level))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
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
