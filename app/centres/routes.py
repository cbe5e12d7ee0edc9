"""Centre administration: settings, quartiers, themes, roles; platform admin: structures."""

from flask import Blueprint

bp = Blueprint("centres", __name__, url_prefix="/gestion")


@bp.route("/")
def settings():
    """Placeholder replaced by the centre administration pages."""
    return ""
