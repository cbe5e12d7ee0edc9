"""Jinja globals and the per-request context every page needs (kept to a few cheap queries)."""

import hashlib
from pathlib import Path

from flask import Flask, g, request, url_for
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


def _asset_url_builder(app: Flask):
    """`asset("css/app.css")` -> /static/css/app.css?v=<content hash>, cached forever by browsers.

    Returns "" for a missing file (htmx when npm was not available): the page then omits it.
    """
    versions: dict[str, str] = {}

    def asset(filename: str) -> str:
        if filename not in versions or app.debug:
            path = Path(app.static_folder) / filename
            versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""
        if not versions[filename]:
            return ""
        return url_for("static", filename=filename, v=versions[filename])

    return asset


def init_app(app: Flask) -> None:
    @app.after_request
    def _cache_versioned_assets(response):
        # A versioned URL changes when the file changes: the browser may keep it for a year.
        if request.path.startswith("/static/") and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    app.jinja_env.globals.update(
        asset=_asset_url_builder(app),
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
