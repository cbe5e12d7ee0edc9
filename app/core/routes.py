"""Home page, language switch, centre picker, health check."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, session
from flask_login import current_user

from app.accounts.on_behalf import acting_person
from app.accounts.routes import _safe_next
from app.centres.current import active_structures, choose_structure, current_structure
from app.core.blocks import home_blocks
from app.extensions import db
from app.forms import BaseForm

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    """What's happening at my centre (habitants); a welcome and a way in for visitors."""
    structure = current_structure()
    person = acting_person() if current_user.is_authenticated else None
    blocks = home_blocks(structure, person) if structure else []
    return render_template("core/index.html", structure=structure, blocks=blocks, person=person)


@bp.route("/langue", methods=["POST"])
def set_language():
    """Switch the interface language (saved on the account when logged in)."""
    form = BaseForm()
    lang = request.form.get("lang")
    if form.validate_on_submit() and lang in ("fr", "en"):
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/centre", methods=["POST"])
def choose_centre():
    """Pick the centre you are looking at (only shown when the install hosts several)."""
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        structure_id = int(request.form.get("structure_id", ""))
    except ValueError:
        abort(404)
    chosen = next((s for s in active_structures() if s.id == structure_id), None)
    if chosen is None:
        abort(404)
    choose_structure(chosen)
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/sante")
def health():
    """Health check for load balancers: the database answers."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/accessibilite")
def accessibility():
    """Accessibility statement (RGAA)."""
    return render_template("core/accessibility.html")


@bp.route("/donnees-personnelles")
def privacy():
    """How personal data are used (RGPD notice)."""
    return render_template("core/privacy.html")
