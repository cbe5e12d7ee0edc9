"""The notification service that every feature calls: `notify(recipients, kind, message, url)`."""

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts.models import User
from app.extensions import db
from app.mail import queue_email
from app.notifications.models import Notification, NotificationPreference
from app.timeutil import utcnow

#: Kinds a person can tune in their settings: kind -> label. Features add theirs with `register_kind`.
KINDS: dict[str, object] = {
    "account.security": _l("Sécurité de mon compte (mot de passe changé, connexion pour moi)"),
    "centre.news": _l("Nouvelles de mon centre"),
}


def register_kind(kind: str, label) -> None:
    """Declare a notification kind (with its translated label) that people can turn on or off."""
    KINDS[kind] = label


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications-unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A token that can do one thing only: stop e-mails of `kind` for one person."""
    return _serializer().dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token stands for, or None if it is forged or malformed."""
    try:
        data = _serializer().loads(token)
        user_id, kind = int(data["u"]), str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user_id, kind) if kind in KINDS else None


def preferences_for(user: User) -> dict[str, NotificationPreference]:
    """The person's choices per kind, defaults (both channels on) filled in."""
    rows = db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    found = {row.kind: row for row in rows}
    return {kind: found.get(kind) or NotificationPreference(kind=kind, in_app=True, email=True) for kind in KINDS}


def set_preference(user: User, kind: str, *, in_app: bool, email: bool) -> NotificationPreference:
    """Save one kind's channels for a person."""
    pref = db.session.scalar(
        sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if pref is None:
        pref = NotificationPreference(user_id=user.id, kind=kind)
        db.session.add(pref)
    pref.in_app, pref.email = in_app, email
    db.session.flush()
    return pref


def notify(
    recipients: Iterable[User],
    kind: str,
    message: Callable[[], str] | str,
    *,
    url: str | None = None,
    structure_id: int | None = None,
    subject: Callable[[], str] | str | None = None,
) -> list[Notification]:
    """Tell each recipient, in their own language, through the channels they chose.

    `message` and `subject` are callables (e.g. ``lambda: _("…", name=x)``) so they are rendered
    under each recipient's locale. E-mails leave after the transaction commits (see app.mail).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    created = []
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    for user in recipients:
        if not user.is_active:
            continue
        pref = preferences_for(user)[kind]
        with force_locale(user.locale or "fr"):
            text = message() if callable(message) else str(message)
            if pref.in_app:
                note = Notification(user_id=user.id, structure_id=structure_id, kind=kind, message=text[:500], url=url)
                db.session.add(note)
                created.append(note)
            if pref.email and user.email and user.email_confirmed_at:
                title = subject() if callable(subject) else (str(subject) if subject else text)
                unsubscribe = f"{base}/notifications/desabonnement/{unsubscribe_token(user.id, kind)}"
                link = f"\n\n{base}{url}" if url else ""
                body = _(
                    "Bonjour %(name)s,\n\n%(text)s%(link)s\n\n"
                    "Pour ne plus recevoir ce type d'e-mail : %(unsubscribe)s\n\n— Ensemble",
                    name=user.display_name,
                    text=text,
                    link=link,
                    unsubscribe=unsubscribe,
                )
                queue_email(user.email, title, body, unsubscribe_url=unsubscribe)
    db.session.flush()
    return created


def unread_count_query(user: User) -> sa.Select:
    """The count of unread in-app notifications, as a query (the layout reads it with other badges)."""
    return sa.select(sa.func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    """Unread in-app notifications (the badge)."""
    return db.session.scalar(unread_count_query(user)) or 0


def mark_read(notification: Notification) -> None:
    """Mark one notification read."""
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark all of a person's notifications read; returns how many changed."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
