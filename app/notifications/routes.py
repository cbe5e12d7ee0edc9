"""Notifications page, preferences and the unsubscribe link."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page
from app.notifications import services
from app.notifications.forms import preferences_form
from app.notifications.models import Notification, NotificationPreference

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PAGE_SIZE = 30


@bp.route("/")
@login_required
def index():
    """My notifications, newest first; unread ones stand out."""
    page = db.paginate(
        sa.select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_page(
        "notifications/index.html",
        {"notification-list": "notifications/_list.html"},
        page=page,
        form=EmptyForm(),
    )


@bp.route("/<int:notification_id>/ouvrir", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Mark a notification read and go where it points."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        services.mark_read(note)
        db.session.commit()
    target = note.url if note.url and note.url.startswith("/") and not note.url.startswith("//") else None
    return redirect(target or url_for("notifications.index"), code=303)


@bp.route("/tout-lu", methods=["POST"])
@login_required
def mark_all_read():
    """Mark every notification read."""
    if EmptyForm().validate_on_submit():
        count = services.mark_all_read(current_user)
        db.session.commit()
        if count:
            flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect_to(url_for("notifications.index"))


@bp.route("/reglages", methods=["GET", "POST"])
@login_required
def settings():
    """Choose, for each kind of notification, whether to get it on Ensemble and by e-mail."""
    kinds = services.KINDS
    prefs = services.preferences_for(current_user)
    form = preferences_form(kinds, prefs, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        for index, kind in enumerate(kinds):
            sub = form[f"k{index}"]
            services.set_preference(current_user, kind, in_app=sub.in_app.data, email=sub.email.data)
        db.session.commit()
        flash(_("Vos choix de notifications sont enregistrés."), "success")
        return redirect(url_for("notifications.settings"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "notifications/settings.html", form=form, kinds=kinds, has_email=bool(current_user.email)
    ), status


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop one kind of e-mail from the link in a message; works without logging in."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, kind = found
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        current = db.session.scalar(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
            )
        )
        services.set_preference(user, kind, in_app=current.in_app if current else True, email=False)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", label=services.KINDS[kind], done=True)
    return render_template("notifications/unsubscribed.html", label=services.KINDS[kind], done=False, form=form)
