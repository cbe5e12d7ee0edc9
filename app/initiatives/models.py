import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.centres.models import Quartier, Structure, Theme
from app.dbtypes import str_enum
from app.extensions import db
from app.timeutil import utcnow


class Status(enum.StrEnum):
    """The life of an initiative (domain.md §10), from the author's draft to its bilan."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    OPEN = "open"  # published and open for support
    ACCEPTED = "accepted"
    ACCEPTED_WITH_CONDITIONS = "accepted_conditions"
    DECLINED = "declined"
    POSTPONED = "postponed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_public(self) -> bool:
        return self not in PRIVATE_STATUSES

    @property
    def is_supported(self) -> bool:
        """Counted as an "initiative d'habitants soutenue" (metric I2)."""
        return self in {Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.IN_PROGRESS, Status.COMPLETED}


STATUS_LABELS = {
    Status.DRAFT: _l("Brouillon"),
    Status.SUBMITTED: _l("En attente de relecture"),
    Status.CHANGES_REQUESTED: _l("À compléter"),
    Status.REJECTED: _l("Non publiée"),
    Status.OPEN: _l("Ouverte aux soutiens"),
    Status.ACCEPTED: _l("Acceptée"),
    Status.ACCEPTED_WITH_CONDITIONS: _l("Acceptée sous conditions"),
    Status.DECLINED: _l("Refusée"),
    Status.POSTPONED: _l("Reportée"),
    Status.IN_PROGRESS: _l("En cours"),
    Status.COMPLETED: _l("Réalisée"),
    Status.ABANDONED: _l("Abandonnée"),
}

#: Seen only by the author(s) and staff.
PRIVATE_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.REJECTED})

#: Statuses a decision (after the support phase) can lead to.
DECISIONS = (Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.DECLINED, Status.POSTPONED)


class RejectReason(enum.StrEnum):
    """Why staff do not publish a proposal (shown to the author with a free text)."""

    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    NOT_ALLOWED = "not_allowed"
    COMMERCIAL = "commercial"
    DISRESPECTFUL = "disrespectful"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(REJECT_LABELS[self])


REJECT_LABELS = {
    RejectReason.OFF_TOPIC: _l("Hors du champ du centre social"),
    RejectReason.DUPLICATE: _l("Déjà proposée (doublon)"),
    RejectReason.NOT_ALLOWED: _l("Contraire à la charte ou à la loi"),
    RejectReason.COMMERCIAL: _l("Activité commerciale ou lucrative"),
    RejectReason.DISRESPECTFUL: _l("Propos irrespectueux"),
    RejectReason.OTHER: _l("Autre raison"),
}


class Initiative(db.Model):
    """A habitants' initiative: a neighbourhood party, a repair café, a homework club…"""

    __table_args__ = (
        sa.Index("ix_initiative_structure_status", "structure_id", "status"),
        sa.CheckConstraint("support_count >= 0", name="support_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    #: The staff member who typed it for the author at the accueil, if so.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.String(280))
    #: Markdown, rendered through the sanitizer (app.initiatives.text.render_markdown).
    description: Mapped[str] = mapped_column(sa.Text, default="")
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="SET NULL"))
    quartier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quartier.id", ondelete="SET NULL"))
    target_public: Mapped[str] = mapped_column(sa.String(120), default="")
    #: When it would happen, as the author says it ("un samedi de juin").
    when_text: Mapped[str] = mapped_column(sa.String(120), default="")
    helpers_needed: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    budget_requested: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 2))
    materials: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[Status] = mapped_column(str_enum(Status, 20), default=Status.DRAFT)
    #: Kept up to date atomically with the Support rows (UPDATE … SET support_count = support_count ± 1).
    support_count: Mapped[int] = mapped_column(default=0)
    #: Staff-set date by which the centre answers.
    response_deadline: Mapped[date | None]
    #: Latest decision: who, when, why (the timeline keeps every step).
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Bilan (on completion).
    participants_count: Mapped[int | None]
    bilan_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: Moderation is separate from the decision state: a hidden initiative keeps its status.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Lowercase, accent-free copy of the title, summary and description, for search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    structure: Mapped[Structure] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    theme: Mapped[Theme | None] = relationship()
    quartier: Mapped[Quartier | None] = relationship()
    photo: Mapped["InitiativePhoto | None"] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", uselist=False
    )
    events: Mapped[list["InitiativeEvent"]] = relationship(
        back_populates="initiative", order_by="InitiativeEvent.id", cascade="all, delete-orphan"
    )
    coleads: Mapped[list["CoLead"]] = relationship(back_populates="initiative", cascade="all, delete-orphan")


class InitiativePhoto(db.Model):
    """The initiative's photo, re-encoded (resized, metadata such as GPS removed), kept in the database
    so that every app server can serve it (no local file as shared state)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    #: Text alternative written by the author (accessibility).
    alt: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="photo")


class InitiativeEvent(db.Model):
    """One step of the timeline: a status change, with who and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: The person the actor acted for (assisted participation).
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status, 20))
    to_status: Mapped[Status] = mapped_column(str_enum(Status, 20))
    reason: Mapped[str | None] = mapped_column(sa.String(20))
    #: Message to the author (changes requested, reason of a refusal, decision…).
    message: Mapped[str] = mapped_column(sa.Text, default="")

    initiative: Mapped[Initiative] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class CoLead(db.Model):
    """Another habitant carrying the initiative with the author (confirmed by them)."""

    __table_args__ = (sa.UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    initiative: Mapped[Initiative] = relationship(back_populates="coleads")
    user: Mapped[User] = relationship()


class Support(db.Model):
    """One "Je soutiens" of one person (the unique constraint makes double-counting impossible)."""

    __table_args__ = (sa.UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class HelpOffer(db.Model):
    """ "Je veux aider": a habitant offers a hand; the author and co-leads see who."""

    __table_args__ = (sa.UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Follow(db.Model):
    """A person who wants to hear about the initiative's news."""

    __table_args__ = (sa.UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(db.Model):
    """A comment on an initiative; replies go one level deep."""

    __table_args__ = (sa.Index("ix_comment_initiative_created", "initiative_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class CommentReport(db.Model):
    """A person reports a comment to the moderators, with a reason (once per person)."""

    __table_args__ = (sa.UniqueConstraint("comment_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
