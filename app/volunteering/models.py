"""Volunteering (domain.md §6, §9.1): missions, shifts with capacity and waitlist, hour entries
validated and valued at the rate in force on their date."""

import enum
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.centres.models import Structure
from app.dbtypes import str_enum
from app.extensions import db
from app.ledger.models import Level
from app.timeutil import utcnow


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return str(LABELS[type(self)][self])


class Category(_Labelled):
    """Volunteer time categories (domain.md §6.2): SENACS split, CEC eligibility, valuation grid."""

    ACTIVITY = "activite"
    GOVERNANCE = "gouvernance"
    STEERING = "pilotage_consultatif"
    SUPERVISION = "encadrement_benevoles"
    EVENT = "ponctuel_evenement"

    @property
    def level(self) -> Level:
        """Participation level of validated hours in this category."""
        return {
            Category.GOVERNANCE: Level.L5_DECISION,
            Category.STEERING: Level.L4_CONCERTATION,
        }.get(self, Level.L3_CONTRIBUTION)

    @property
    def counts_for_cec(self) -> bool:
        """Compte d'engagement citoyen: governance or supervising other volunteers (domain.md §6.3)."""
        return self in {Category.GOVERNANCE, Category.SUPERVISION}


class MissionStatus(_Labelled):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SignupStatus(_Labelled):
    CONFIRMED = "confirmed"
    WAITLIST = "waitlist"
    CANCELLED = "cancelled"


class Presence(_Labelled):
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class EntrySource(_Labelled):
    SHIFT = "shift"  # proposed from an attended shift
    MEETING = "meeting"  # proposed from an instance meeting attendance
    DECLARED = "declared"  # declared by the bénévole (or staff for them)


class EntryStatus(_Labelled):
    PROPOSED = "proposed"
    VALIDATED = "validated"
    REJECTED = "rejected"


class ValuationMethod(_Labelled):
    SMIC_GROSS = "smic_brut"
    SMIC_LOADED = "smic_charge"
    REPLACEMENT = "replacement_value"
    CUSTOM = "custom"


class ContactSharing(_Labelled):
    NONE = "none"
    PHONE = "phone"
    EMAIL = "email"
    BOTH = "both"


LABELS: dict[type, dict] = {
    Category: {
        Category.ACTIVITY: _l("Activité"),
        Category.GOVERNANCE: _l("Gouvernance (CA, bureau, AG)"),
        Category.STEERING: _l("Pilotage et instances consultatives"),
        Category.SUPERVISION: _l("Encadrement de bénévoles"),
        Category.EVENT: _l("Ponctuel, événement"),
    },
    MissionStatus: {
        MissionStatus.DRAFT: _l("Brouillon"),
        MissionStatus.PUBLISHED: _l("Publiée"),
        MissionStatus.ARCHIVED: _l("Archivée"),
    },
    SignupStatus: {
        SignupStatus.CONFIRMED: _l("Inscrit·e"),
        SignupStatus.WAITLIST: _l("Liste d'attente"),
        SignupStatus.CANCELLED: _l("Désinscrit·e"),
    },
    Presence: {Presence.ATTENDED: _l("Venu·e"), Presence.NO_SHOW: _l("Pas venu·e")},
    EntrySource: {
        EntrySource.SHIFT: _l("Créneau"),
        EntrySource.MEETING: _l("Réunion d'instance"),
        EntrySource.DECLARED: _l("Déclaration"),
    },
    EntryStatus: {
        EntryStatus.PROPOSED: _l("À valider"),
        EntryStatus.VALIDATED: _l("Validée"),
        EntryStatus.REJECTED: _l("Refusée"),
    },
    ValuationMethod: {
        ValuationMethod.SMIC_GROSS: _l("SMIC horaire brut"),
        ValuationMethod.SMIC_LOADED: _l("SMIC horaire chargé"),
        ValuationMethod.REPLACEMENT: _l("Coût de remplacement"),
        ValuationMethod.CUSTOM: _l("Taux choisi par le centre"),
    },
    ContactSharing: {
        ContactSharing.NONE: _l("Ne pas partager mes coordonnées"),
        ContactSharing.PHONE: _l("Mon téléphone"),
        ContactSharing.EMAIL: _l("Mon e-mail"),
        ContactSharing.BOTH: _l("Mon téléphone et mon e-mail"),
    },
}


class Mission(db.Model):
    """A way to help: "Accueil de l'aide aux devoirs", "Tenir la buvette de la fête de quartier"…"""

    __table_args__ = (sa.Index("ix_mission_structure_status", "structure_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(120))
    #: Plain text (escaped, line breaks kept).
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[Category] = mapped_column(str_enum(Category, 24), default=Category.ACTIVITY)
    #: Skills wished, comma-separated ("cuisine, bricolage").
    skills: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Skill-based volunteering (bénévolat de compétences): may use a higher valuation rate.
    is_skill_based: Mapped[bool] = mapped_column(default=False)
    #: The activity of the centre it belongs to, as staff name it ("Aide aux devoirs").
    activity: Mapped[str] = mapped_column(sa.String(120), default="")
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id", ondelete="SET NULL"))
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instance.id", ondelete="SET NULL"))
    status: Mapped[MissionStatus] = mapped_column(str_enum(MissionStatus, 12), default=MissionStatus.PUBLISHED)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    structure: Mapped[Structure] = relationship()
    coordinators: Mapped[list["MissionCoordinator"]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    shifts: Mapped[list["Shift"]] = relationship(
        back_populates="mission", order_by="Shift.starts_at", cascade="all, delete-orphan"
    )


class MissionCoordinator(db.Model):
    """A bénévole or staff member who runs a mission: edits shifts, sees the roster, marks attendance."""

    __table_args__ = (sa.UniqueConstraint("mission_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("mission.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)

    mission: Mapped[Mission] = relationship(back_populates="coordinators")
    person: Mapped[User] = relationship()


class ShiftSeries(db.Model):
    """A weekly recurrence: the same slot every week between two dates. Its shifts are real rows,
    edited one by one or as a series."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("mission.id", ondelete="CASCADE"), index=True)
    #: 0 = Monday … 6 = Sunday.
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Local wall-clock times (Europe/Paris by default).
    start_time: Mapped[time]
    end_time: Mapped[time]
    first_date: Mapped[date]
    last_date: Mapped[date]
    capacity: Mapped[int] = mapped_column(sa.SmallInteger)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Sign-ups close this many hours before each shift starts.
    signup_closes_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Shift(db.Model):
    """One slot of a mission with a capacity. `confirmed_count` is kept atomically with the
    sign-ups (UPDATE … SET confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity),
    and the database refuses a count above the capacity."""

    __table_args__ = (
        sa.Index("ix_shift_mission_starts", "mission_id", "starts_at"),
        sa.Index("ix_shift_starts", "starts_at"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="within_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("mission.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shift_series.id", ondelete="SET NULL"))
    #: Naive UTC, like every datetime we store.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int] = mapped_column(sa.SmallInteger)
    confirmed_count: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    #: None: sign-ups stay open until the shift starts.
    signup_closes_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    #: Set when the coordinator has marked who came (hours are proposed then).
    attendance_done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mission: Mapped[Mission] = relationship(back_populates="shifts")
    series: Mapped[ShiftSeries | None] = relationship()
    signups: Mapped[list["Signup"]] = relationship(back_populates="shift", cascade="all, delete-orphan")


class Signup(db.Model):
    """A person on a shift: confirmed or on the waitlist (in `queued_at` order). Cancelling keeps
    the row (status cancelled); signing up again re-queues it at the back."""

    __table_args__ = (
        sa.UniqueConstraint("shift_id", "person_id"),
        sa.Index("ix_signup_shift_status_queued", "shift_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shift.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    status: Mapped[SignupStatus] = mapped_column(str_enum(SignupStatus, 12))
    #: Arrival order (the waitlist is served first come, first served).
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    presence: Mapped[Presence | None] = mapped_column(str_enum(Presence, 12))
    #: The day-before reminder (set atomically, so running the command twice sends one).
    reminded_at: Mapped[datetime | None]
    #: Staff who signed the person up at the accueil, if any.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    shift: Mapped[Shift] = relationship(back_populates="signups")
    person: Mapped[User] = relationship(foreign_keys=[person_id])


class VolunteerProfile(db.Model):
    """What a bénévole can do and when they are free, shared with coordinators only if they agree."""

    __table_args__ = (sa.UniqueConstraint("person_id", "structure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    skills: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Free slots: ["mon_am", "mon_pm", "mon_ev", …, "sun_ev"].
    availability: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Coordinators may see the skills and availability above.
    share_with_coordinators: Mapped[bool] = mapped_column(default=False)
    contact_sharing: Mapped[ContactSharing] = mapped_column(str_enum(ContactSharing, 8), default=ContactSharing.NONE)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[User] = relationship()


class ValuationPolicy(db.Model):
    """How the centre values volunteer time from a date on (versioned: a new row per change; each
    validated entry keeps the rate it got, so a change never alters past valuations)."""

    __table_args__ = (
        sa.UniqueConstraint("structure_id", "effective_from"),
        sa.CheckConstraint("default_rate >= 0", name="rate_not_negative"),
        sa.CheckConstraint("full_time_hours > 0", name="full_time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    effective_from: Mapped[date]
    method: Mapped[ValuationMethod] = mapped_column(str_enum(ValuationMethod, 20), default=ValuationMethod.SMIC_GROSS)
    #: € per hour for every category without a rate of its own.
    default_rate: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    #: Optional € per hour by category code: {"gouvernance": "15.00"}.
    category_rates: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Multiplier for loaded rates (charges) or skill-based work; 1 = none.
    coefficient: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2), default=Decimal("1"))
    #: Annual full-time reference for ETP bénévoles (metric B7), default 1,607 h.
    full_time_hours: Mapped[int] = mapped_column(default=1607)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HourEntry(db.Model):
    """Volunteer time of one person on one day (domain.md §6.2): proposed from a shift or a meeting,
    or declared; validated by staff or a coordinator, with the valuation snapshot of its date."""

    __table_args__ = (
        sa.UniqueConstraint("person_id", "signup_id", name="uq_hour_entry_signup"),
        sa.UniqueConstraint("person_id", "meeting_id", name="uq_hour_entry_meeting"),
        sa.Index("ix_hour_entry_structure_day", "structure_id", "day"),
        # The validation queue and the reports filter on status first.
        sa.Index("ix_hour_entry_structure_status_day", "structure_id", "status", "day"),
        sa.Index("ix_hour_entry_person_day", "person_id", "day"),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    day: Mapped[date]
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    category: Mapped[Category] = mapped_column(str_enum(Category, 24))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    is_skill_based: Mapped[bool] = mapped_column(default=False)
    source: Mapped[EntrySource] = mapped_column(str_enum(EntrySource, 12))
    mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mission.id", ondelete="SET NULL"))
    signup_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signup.id", ondelete="SET NULL"))
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instance.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, 12), default=EntryStatus.PROPOSED)
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    validated_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # Valuation snapshot, written at validation (domain.md §6.2): never recomputed afterwards.
    rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    rate_method: Mapped[ValuationMethod | None] = mapped_column(str_enum(ValuationMethod, 20))
    rate_coefficient: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 2))
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[person_id])
    revisions: Mapped[list["HourRevision"]] = relationship(
        back_populates="entry", order_by="HourRevision.id", cascade="all, delete-orphan"
    )


class HourRevision(db.Model):
    """A trace of every change to an hour entry after it was validated: before, after, who, why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("hour_entry.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(300))
    old_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    new_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    old_category: Mapped[str] = mapped_column(sa.String(24))
    new_category: Mapped[str] = mapped_column(sa.String(24))
    old_day: Mapped[date]
    new_day: Mapped[date]

    entry: Mapped[HourEntry] = relationship(back_populates="revisions")
