"""Jinja globals and the per-request context every page needs (kept to a few cheap queries)."""

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user

from app.accounts.on_behalf import acting_for
from app.centres.current import active_structures, current_structure
from app.notifications.services import unread_count
from app.permissions import can


def _unread() -> int:
    if not current_user.is_authenticated:
        return 0
    if "unread" not in g:
        g.unread = unread_count(current_user)
    return g.unread


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=can,
        get_locale=get_locale,
        current_structure=current_structure,
        active_structures=active_structures,
        acting_for=acting_for,
        unread_notifications=_unread,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _request_context():
        return {"current_path": request.full_path.rstrip("?") if request else "/"}
