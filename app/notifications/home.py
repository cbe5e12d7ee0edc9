"""The notifications block of the home page: what is new for me."""

import sqlalchemy as sa

from app.core.blocks import register_home_block
from app.extensions import db
from app.notifications.models import Notification


@register_home_block(order=10)
def latest_notifications(structure, person) -> dict | None:
    """Up to three unread notifications, newest first (nothing when all is read)."""
    if person is None:
        return None
    unread = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == person.id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc())
            .limit(3)
        )
    )
    if not unread:
        return None
    return {"template": "notifications/_home_block.html", "notifications": unread}
