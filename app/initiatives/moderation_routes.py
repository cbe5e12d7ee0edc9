"""Comments on an initiative (write, reply, edit, delete, report, hide) and the staff moderation queue.

Every action is a POST form that works without JavaScript (303 back to the initiative, with a
flash); forms aimed by htmx at `initiative-<id>-comments` get that region re-rendered instead.
"""

from flask import Blueprint, Flask, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.centres.current import current_structure
from app.centres.permissions import is_staff_of
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.initiatives import comments as service
from app.initiatives import queries
from app.initiatives.comments import CommentForm, EditCommentForm, HideForm, KeepForm, ReportForm
from app.initiatives.models import Comment, Initiative, RejectReason
from app.initiatives.permissions import can_comment_initiative, can_moderate_initiative, can_view_initiative
from app.initiatives.services import InitiativeError
from app.permissions import require

bp = Blueprint("initiative_comments", __name__, url_prefix="/initiatives")


def _load_initiative(initiative_id: int) -> Initiative:
    """The initiative, if it belongs to the current structure and the person may see it; else 404."""
    initiative = db.session.get(Initiative, initiative_id)
    structure = current_structure()
    if (
        initiative is None
        or structure is None
        or initiative.structure_id != structure.id
        or not can_view_initiative(current_user, initiative)
    ):
        abort(404)
    return initiative


def _load_comment(comment_id: int) -> tuple[Comment, Initiative]:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    return comment, _load_initiative(comment.initiative_id)


def _region(initiative: Initiative) -> dict[str, str]:
    return {f"initiative-{initiative.id}-comments": "initiatives/_comments.html"}


def _detail_url(initiative: Initiative, comment: Comment | None = None) -> str:
    if comment is not None and comment.id is not None:
        return service.comment_url(initiative, comment)
    url = url_for("initiatives.detail", initiative_id=initiative.id)
    return f"{url}#initiative-{initiative.id}-comments"


def _done(initiative: Initiative, comment: Comment | None, message: str, *, back_to_queue: bool = False):
    """After a successful POST: the re-rendered comments region for htmx, else 303 with a flash."""
    if not back_to_queue and wanted_fragment(_region(initiative)):
        context = service.comments_context(
            initiative, current_user, notice=message, focus=comment, show_all=service.asked_for_all()
        )
        return render_template("initiatives/_comments.html", **context)
    flash(message, "success")
    return redirect_to(url_for(".queue") if back_to_queue else _detail_url(initiative, comment))


def _invalid(initiative: Initiative, page: str, page_context: dict, *, form=None, failed=None):
    """Invalid input: 422 with the comments region (htmx) or a small page with the form, text kept."""
    if wanted_fragment(_region(initiative)):
        focus = db.session.get(Comment, failed["comment_id"]) if failed else None
        context = service.comments_context(
            initiative, current_user, form=form, failed=failed, focus=focus, show_all=service.asked_for_all()
        )
        return render_template("initiatives/_comments.html", **context), 422
    return render_template(page, initiative=initiative, **page_context), 422


@bp.route("/<int:initiative_id>/commentaires", methods=["POST"])
@login_required
def add(initiative_id: int):
    """Write a comment or, with `parent_id`, a reply."""
    initiative = _load_initiative(initiative_id)
    require(can_comment_initiative, initiative)
    form = CommentForm()
    parent = None
    if form.validate_on_submit():
        if form.parent_id.data:
            parent = db.session.get(Comment, form.parent_id.data)
            if parent is None or parent.initiative_id != initiative.id:
                abort(404)
        try:
            comment = service.add_comment(initiative, current_user, form.body.data, by=current_user, parent=parent)
        except InitiativeError as error:
            form.body.errors = [*form.body.errors, str(error)]
        else:
            db.session.commit()
            return _done(initiative, comment, _("Votre commentaire est publié."))
    elif form.parent_id.data:
        parent = db.session.get(Comment, form.parent_id.data)
    if parent is not None and parent.initiative_id == initiative.id:
        failed = {"comment_id": parent.id, "action": "reply", "form": form}
        return _invalid(
            initiative,
            "initiatives/comment_form.html",
            {"form": form, "action": "reply", "comment": parent},
            failed=failed,
        )
    return _invalid(initiative, "initiatives/comment_form.html", {"form": form, "action": "add"}, form=form)


@bp.route("/commentaires/<int:comment_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    """Correct one's comment (shortly after writing it)."""
    comment, initiative = _load_comment(comment_id)
    # Its author, while it is shown; past the edit window the service says so next to the field.
    require(service.can_delete_comment, comment)
    form = EditCommentForm(data={"body": comment.body})
    if form.validate_on_submit():
        try:
            service.edit_comment(comment, form.body.data, by=current_user)
        except InitiativeError as error:
            form.body.errors = [*form.body.errors, str(error)]
        else:
            db.session.commit()
            return _done(initiative, comment, _("Votre commentaire est modifié."))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "initiatives/comment_form.html", initiative=initiative, comment=comment, form=form, action="edit"
    ), status


@bp.route("/commentaires/<int:comment_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete(comment_id: int):
    """Delete one's comment: a confirmation page (GET), then the deletion (POST)."""
    comment, initiative = _load_comment(comment_id)
    require(service.can_delete_comment, comment)
    form = EmptyForm()
    if form.validate_on_submit():
        service.delete_comment(comment, by=current_user)
        db.session.commit()
        return _done(initiative, comment, _("Votre commentaire est supprimé."))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "initiatives/comment_form.html", initiative=initiative, comment=comment, form=form, action="delete"
    ), status


@bp.route("/commentaires/<int:comment_id>/signaler", methods=["GET", "POST"])
@login_required
def report(comment_id: int):
    """Report a comment to the centre's team, saying why."""
    comment, initiative = _load_comment(comment_id)
    require(service.can_report_comment, comment)
    form = ReportForm()
    if form.validate_on_submit():
        new = service.report_comment(comment, current_user, form.reason.data, by=current_user)
        db.session.commit()
        message = (
            _("Merci, l'équipe du centre va regarder ce commentaire.")
            if new
            else _("Vous avez déjà signalé ce commentaire : l'équipe est prévenue.")
        )
        return _done(initiative, comment, message)
    if not form.is_submitted():
        return render_template(
            "initiatives/comment_form.html", initiative=initiative, comment=comment, form=form, action="report"
        )
    return _invalid(
        initiative,
        "initiatives/comment_form.html",
        {"form": form, "action": "report", "comment": comment},
        failed={"comment_id": comment.id, "action": "report", "form": form},
    )


@bp.route("/commentaires/<int:comment_id>/masquer", methods=["POST"])
@login_required
def hide(comment_id: int):
    """Staff hide a comment; the reason shows in its place."""
    comment, initiative = _load_comment(comment_id)
    require(can_moderate_initiative, initiative)
    form = HideForm()
    back_to_queue = form.back.data == "queue"
    if form.validate_on_submit():
        service.hide_comment(comment, form.reason.data, by=current_user)
        db.session.commit()
        return _done(initiative, comment, _("Le commentaire est masqué."), back_to_queue=back_to_queue)
    return _invalid(
        initiative,
        "initiatives/comment_form.html",
        {"form": form, "action": "hide", "comment": comment},
        failed={"comment_id": comment.id, "action": "hide", "form": form},
    )


@bp.route("/commentaires/<int:comment_id>/garder", methods=["POST"])
@login_required
def dismiss(comment_id: int):
    """Staff keep a reported comment: its reports are closed."""
    comment, initiative = _load_comment(comment_id)
    require(can_moderate_initiative, initiative)
    form = KeepForm()
    if form.validate_on_submit():
        service.dismiss_reports(comment, by=current_user)
        db.session.commit()
        return _done(initiative, comment, _("Le commentaire est gardé."), back_to_queue=form.back.data == "queue")
    abort(400)


@bp.route("/moderation")
@login_required
def queue():
    """Staff: initiatives waiting for review and reported comments of the current centre."""
    structure = current_structure()
    require(is_staff_of, structure)
    waiting = queries.moderation_queue(structure.id)
    reported = queries.reported_comments(structure.id)
    reports = service.open_reports([c.id for c in reported])
    initiatives = service.initiatives_by_id({c.initiative_id for c in reported})
    return render_page(
        "initiatives/moderation.html",
        waiting=waiting,
        reported=reported,
        reports=reports,
        initiatives=initiatives,
        reject_reasons=list(RejectReason),
    )


def _moderation_count() -> int:
    """Jinja global for the menu badge: what waits for staff in the current structure (0 for others),
    read with the layout's other badges in one query."""
    from app.templating import layout_badges

    return layout_badges().to_moderate


def init_app(app: Flask) -> None:
    """Expose `moderation_count()` to templates (the menu badge)."""
    app.jinja_env.globals["moderation_count"] = _moderation_count
