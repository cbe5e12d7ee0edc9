"""My agenda: upcoming meetings and shifts, and a private feed URL to subscribe from a phone."""

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.calendar.feeds import new_token, personal_events, render_ics, user_for_token
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.htmx import redirect_to
from app.timeutil import utcnow

bp = Blueprint("calendar", __name__, url_prefix="/agenda")


def _upcoming(user) -> list:
    now = utcnow()
    return [e for e in personal_events(user) if e.ends_at >= now and e.starts_at <= now + timedelta(days=90)]


def _ics_response(name: str, events, filename: str) -> Response:
    response = Response(render_ics(name, events), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/")
@login_required
def index():
    """The next weeks of my agenda, and how to subscribe to it."""
    upcoming = _upcoming(current_user)
    return render_template("calendar/index.html", events=upcoming, form=EmptyForm(), feed_url=None)


@bp.route("/lien", methods=["POST"])
@login_required
def new_link():
    """Create my subscription link (a new one revokes the old). Shown once: only its hash is kept."""
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("La demande a expiré, veuillez réessayer."), "error")
        return redirect_to(url_for("calendar.index"))
    token = new_token(current_user)
    db.session.commit()
    upcoming = _upcoming(current_user)
    feed_url = url_for("calendar.feed", token=token, _external=True)
    return render_template("calendar/index.html", events=upcoming, form=EmptyForm(), feed_url=feed_url)


@bp.route("/mon-agenda.ics")
@login_required
def download():
    """Download my agenda once (for a computer's calendar)."""
    return _ics_response(_("Mon agenda Ensemble"), personal_events(current_user), "mon-agenda.ics")


@bp.route("/flux/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """The subscribed feed: the phone's calendar fetches it without a session, with the secret in the URL."""
    user = user_for_token(token)
    if user is None:
        abort(404)
    return _ics_response(_("Mon agenda Ensemble"), personal_events(user), "agenda.ics")
