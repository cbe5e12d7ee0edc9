from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class Notification(db.Model):
    """One message for one person, shown on their notifications page until read."""

    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    structure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    #: A registered kind (see notifications.services.KINDS), e.g. "account.security".
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: Rendered in the recipient's language when created.
    message: Mapped[str] = mapped_column(sa.String(500))
    #: Our own path to open (never an external address).
    url: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationPreference(db.Model):
    """A person's choice for one kind of notification; no row means both channels on."""

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
