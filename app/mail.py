"""E-mail through real SMTP, sent after the transaction commits.

`queue_email` adds an `OutboxEmail` row to the current transaction. When that transaction
commits, the queued messages are handed to a background thread, so a slow or absent SMTP server
never holds up the request; a rolled-back transaction sends nothing. Messages that could not be
delivered stay in the outbox for `flask mail send` (run it from cron) to retry.
"""

import logging
import queue
import secrets
import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_MINUTES = 10


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
    #: Set while one sender holds the message (see `_claim`).
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    claimed_at: Mapped[datetime | None]


def queue_email(to: str, subject: str, body: str, unsubscribe_url: str | None = None) -> OutboxEmail:
    """Queue a plain-text e-mail; it leaves once the current transaction commits."""
    email = OutboxEmail(to_address=to, subject=subject[:200], body=body, unsubscribe_url=unsubscribe_url)
    db.session.add(email)
    db.session.flush()
    db.session.info.setdefault("outbox", []).append(email.id)
    return email


def _build_message(app: Flask, email: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email["to"]
    message["Subject"] = email["subject"]
    message["Message-ID"] = make_msgid(domain="ensemble")
    message["Auto-Submitted"] = "auto-generated"
    if email["unsubscribe_url"]:
        message["List-Unsubscribe"] = f"<{email['unsubscribe_url']}>"
    message.set_content(email["body"])
    return message


def _smtp(app: Flask) -> smtplib.SMTP:
    cls = smtplib.SMTP_SSL if app.config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = cls(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=15)
    if app.config["MAIL_USE_TLS"]:
        smtp.starttls()
    if app.config.get("MAIL_USERNAME"):
        smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"] or "")
    return smtp


def _claim(ids: list[int] | None) -> list[dict]:
    """Take pending messages for this sender in one short write transaction.

    Two senders (the after-commit worker and `flask mail send` from cron) never take the same
    message: the conditional UPDATE gives each row to one claim token. A claim older than
    CLAIM_MINUTES (a sender that died) can be taken again.
    """
    now = utcnow()
    token = secrets.token_hex(16)
    claimable = sa.and_(
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.attempts < MAX_ATTEMPTS,
        sa.or_(OutboxEmail.claimed_at.is_(None), OutboxEmail.claimed_at < now - timedelta(minutes=CLAIM_MINUTES)),
    )
    update = sa.update(OutboxEmail).where(claimable).values(claim_token=token, claimed_at=now)
    if ids is not None:
        update = update.where(OutboxEmail.id.in_(ids))
    db.session.execute(update)
    rows = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.claim_token == token).order_by(OutboxEmail.id))
    claimed = [
        {"id": e.id, "to": e.to_address, "subject": e.subject, "body": e.body, "unsubscribe_url": e.unsubscribe_url}
        for e in rows
    ]
    db.session.commit()
    return claimed


def _record(results: dict[int, str | None]) -> None:
    """Store what happened to each message (None = sent) in one short transaction."""
    now = utcnow()
    for email_id, error in results.items():
        values = {"attempts": OutboxEmail.attempts + 1, "claim_token": None, "claimed_at": None}
        values |= {"sent_at": now, "last_error": None} if error is None else {"last_error": error[:500]}
        db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.id == email_id).values(**values))
    db.session.commit()


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send queued e-mails (the given ids, or every pending one). Returns (sent, failed).

    No database transaction stays open while talking to the SMTP server.
    """
    app = current_app._get_current_object()
    g.sqlite_write_lock = True  # this work writes: take SQLite's write lock at BEGIN
    emails = _claim(ids)
    if not emails:
        return 0, 0
    results: dict[int, str | None] = {}
    try:
        with _smtp(app) as smtp:
            for email in emails:
                try:
                    smtp.send_message(_build_message(app, email))
                except (OSError, smtplib.SMTPException) as error:
                    results[email["id"]] = str(error) or error.__class__.__name__
                else:
                    results[email["id"]] = None
    except (OSError, smtplib.SMTPException) as error:
        log.warning("SMTP server unreachable, e-mails left in the outbox: %s", error)
        for email in emails:
            results.setdefault(email["id"], str(error) or error.__class__.__name__)
    _record(results)
    sent = sum(1 for error in results.values() if error is None)
    return sent, len(results) - sent


def _deliver_in_context(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(ids)
        except Exception:  # a mail failure must never take anything else down
            log.exception("e-mail delivery failed")
        finally:
            db.session.remove()


_queue: queue.Queue = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _run_worker() -> None:
    while True:
        app, ids = _queue.get()
        _deliver_in_context(app, ids)


def _hand_to_worker(app: Flask, ids: list[int]) -> None:
    """One sender thread per process, started on first use (after a gunicorn fork too)."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run_worker, name="ensemble-mail", daemon=True)
            _worker.start()
    _queue.put((app, ids))


# Registered once for every session of the process; each app decides through its config.
@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the real commit is still to come
    ids = session.info.pop("outbox", None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if not app.config["MAIL_SEND_AFTER_COMMIT"]:
        return
    if app.config.get("MAIL_SYNCHRONOUS"):
        # Tests: deliver now, from another app context (this session is still committing).
        thread = threading.Thread(target=_deliver_in_context, args=(app, ids))
        thread.start()
        thread.join(timeout=30)
    else:
        _hand_to_worker(app, ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # only a savepoint was rolled back: what was queued before it still stands
    session.info.pop("outbox", None)
