"""E-mail through real SMTP, sent after the transaction commits.

`queue_email` adds an `OutboxEmail` row to the current transaction. When that transaction
commits, the queued messages are handed to a background thread, so a slow or absent SMTP server
never holds up the request; a rolled-back transaction sends nothing. Messages that could not be
delivered stay in the outbox for `flask mail send` (run it from cron) to retry.
"""

import logging
import smtplib
import threading
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class OutboxEmail(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: Link for the List-Unsubscribe header, when the message is a notification.
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


def queue_email(to: str, subject: str, body: str, unsubscribe_url: str | None = None) -> OutboxEmail:
    """Queue a plain-text e-mail; it leaves once the current transaction commits."""
    email = OutboxEmail(to_address=to, subject=subject[:200], body=body, unsubscribe_url=unsubscribe_url)
    db.session.add(email)
    db.session.flush()
    db.session.info.setdefault("outbox", []).append(email.id)
    return email


def _build_message(app: Flask, email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="ensemble")
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
    message.set_content(email.body)
    return message


def _smtp(app: Flask) -> smtplib.SMTP:
    cls = smtplib.SMTP_SSL if app.config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = cls(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=15)
    if app.config["MAIL_USE_TLS"]:
        smtp.starttls()
    if app.config.get("MAIL_USERNAME"):
        smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"] or "")
    return smtp


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send queued e-mails (the given ids, or every pending one) and commit. Returns (sent, failed)."""
    app = current_app._get_current_object()
    query = sa.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(ids))
    emails = list(db.session.scalars(query.order_by(OutboxEmail.id)))
    if not emails:
        return 0, 0
    sent = failed = 0
    try:
        smtp = _smtp(app)
    except (OSError, smtplib.SMTPException) as error:
        for email in emails:
            email.attempts += 1
            email.last_error = str(error)[:500]
        db.session.commit()
        log.warning("SMTP server unreachable, %d e-mail(s) left in the outbox: %s", len(emails), error)
        return 0, len(emails)
    with smtp:
        for email in emails:
            email.attempts += 1
            try:
                smtp.send_message(_build_message(app, email))
            except (OSError, smtplib.SMTPException) as error:
                email.last_error = str(error)[:500]
                failed += 1
            else:
                email.sent_at = utcnow()
                email.last_error = None
                sent += 1
    db.session.commit()
    return sent, failed


def _deliver_in_thread(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(ids)
        except Exception:  # a mail failure must never take anything else down
            log.exception("e-mail delivery failed")
        finally:
            db.session.remove()


# Registered once for every session of the process; each app decides through its config.
@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop("outbox", None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if not app.config["MAIL_SEND_AFTER_COMMIT"]:
        return
    thread = threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True)
    thread.start()
    if app.config.get("MAIL_SYNCHRONOUS"):
        thread.join(timeout=30)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox", None)
