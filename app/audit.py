"""The audit log of security events: logins and failures, role changes, exports, acting on behalf."""

import json
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: e.g. login, login_failed, logout, password_changed, role_changed, data_export, on_behalf_start
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: The person a staff member acted for, when acting on behalf.
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    structure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("structure.id", ondelete="SET NULL"))
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    #: Small JSON object; never a password, token or free text typed by a user.
    details: Mapped[str] = mapped_column(sa.Text, default="{}")


def log_event(
    action: str,
    *,
    actor=None,
    on_behalf_of=None,
    structure_id: int | None = None,
    target=None,
    **details,
) -> AuditEvent:
    """Add one audit row to the current transaction (the caller commits)."""
    if has_request_context() and "ip" not in details:
        details["ip"] = request.remote_addr
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        on_behalf_of_id=getattr(on_behalf_of, "id", None),
        structure_id=structure_id,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        details=json.dumps(details, default=str, sort_keys=True),
    )
    db.session.add(event)
    return event
