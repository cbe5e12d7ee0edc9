"""Jinja globals and the per-request context every page needs (kept to a few cheap queries)."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.accounts.on_behalf import acting_for
from app.centres.current import active_structures, current_structure
from app.extensions import db
from app.notifications.services import unread_count_query
from app.permissions import can


@dataclass(frozen=True)
class Badges:
    """The menu's counts: my unread notifications; for the centre's staff, what waits for moderation."""

    unread: int = 0
    to_moderate: int = 0


def layout_badges() -> Badges:
    """The menu's badges, read in one query once per request (none for anonymous visitors)."""
    if "layout_badges" not in g:
        g.layout_badges = _count_badges()
    return g.layout_badges


def _count_badges() -> Badges:
    from app.centres.permissions import is_staff_of
    from app.initiatives.queries import moderation_count_query

    if not current_user.is_authenticated:
        return Badges()
    columns = [unread_count_query(current_user).scalar_subquery()]
    structure = current_structure()
    if structure is not None and is_staff_of(current_user, structure):
        columns.append(moderation_count_query(structure.id).scalar_subquery())
    counts = db.session.execute(sa.select(*columns)).one()
    return Badges(*(count or 0 for count in counts))


def _unread() -> int:
    return layout_badges().unread


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
