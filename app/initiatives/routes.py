"""Initiatives d'habitants: browse, propose, support, help, follow, and the lifecycle actions.

Every action is a real POST form that works without JavaScript (303 to the initiative, with a
flash); the support button, aimed by htmx at `initiative-<id>-support`, gets that block back.
"""

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.on_behalf import acting_person
from app.centres.current import current_structure
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.initiatives import comments as comments_service
from app.initiatives import permissions as perms
from app.initiatives import queries, services
from app.initiatives.forms import (
    AbandonForm,
    CompleteForm,
    DeadlineForm,
    DecideForm,
    HelpForm,
    HideForm,
    InitiativeFilterForm,
    InitiativeForm,
    MessageForm,
    RejectForm,
)
from app.initiatives.models import CoLead, HelpOffer, Initiative, InitiativeEvent, RejectReason, Status
from app.initiatives.photos import PhotoError, save_photo, update_alt
from app.initiatives.services import InitiativeError
from app.initiatives.text import render_markdown
from app.permissions import require

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

#: Each action form has its own prefix, so that field ids stay unique on the detail page.
PREFIXES = {
    "help": "help",
    "changes": "changes",
    "reject": "reject",
    "decide": "decide",
    "complete": "complete",
    "abandon": "abandon",
    "deadline": "deadline",
    "hide": "hide",
}


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _load(initiative_id: int, *, full: bool = False) -> Initiative:
    """The current structure's initiative, if the person may see it; else 404."""
    query = sa.select(Initiative).where(Initiative.id == initiative_id, Initiative.structure_id == _structure().id)
    if full:  # everything the detail page shows, in a fixed number of queries
        query = query.options(
            joinedload(Initiative.author),
            joinedload(Initiative.theme),
            joinedload(Initiative.quartier),
            selectinload(Initiative.coleads).joinedload(CoLead.user),
            selectinload(Initiative.events).joinedload(InitiativeEvent.actor),
        )
    initiative = db.session.scalar(query)
    if initiative is None or not perms.can_view_initiative(current_user, initiative):
        abort(404)
    return initiative


def _detail_url(initiative: Initiative, anchor: str = "") -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id) + (f"#{anchor}" if anchor else "")


def _support_target(initiative: Initiative) -> dict[str, str]:
    return {f"initiative-{initiative.id}-support": "initiatives/_support.html"}


def _support_context(initiative: Initiative) -> dict:
    return {
        "initiative": initiative,
        "supported": services.has_supported(initiative, acting_person()),
        "threshold": initiative.structure.support_threshold,
        "support_form": EmptyForm(formdata=None),
    }


def _action_forms() -> dict:
    """Blank forms of the detail page's actions (a failed one replaces its blank on a 422)."""
    return {
        "help_form": HelpForm(formdata=None, prefix=PREFIXES["help"]),
        "changes_form": MessageForm(formdata=None, prefix=PREFIXES["changes"]),
        "reject_form": RejectForm(formdata=None, prefix=PREFIXES["reject"]),
        "decide_form": DecideForm(formdata=None, prefix=PREFIXES["decide"]),
        "complete_form": CompleteForm(formdata=None, prefix=PREFIXES["complete"]),
        "abandon_form": AbandonForm(formdata=None, prefix=PREFIXES["abandon"]),
        "deadline_form": DeadlineForm(formdata=None, prefix=PREFIXES["deadline"]),
        "hide_form": HideForm(formdata=None, prefix=PREFIXES["hide"]),
        "empty_form": EmptyForm(formdata=None),
    }


def _render_detail(initiative: Initiative, status: int = 200, **overrides):
    person = acting_person()
    helpers = []
    if perms.can_see_helpers(current_user, initiative):
        helpers = list(
            db.session.scalars(
                sa.select(HelpOffer)
                .options(joinedload(HelpOffer.user))
                .where(HelpOffer.initiative_id == initiative.id)
                .order_by(HelpOffer.created_at)
            )
        )
    offered = person.is_authenticated and db.session.scalar(
        sa.select(HelpOffer.id).where(HelpOffer.initiative_id == initiative.id, HelpOffer.user_id == person.id)
    )
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    context = {
        **_support_context(initiative),
        **_action_forms(),
        **comments_service.comments_context(initiative, current_user, show_all=comments_service.asked_for_all()),
        "helpers": helpers,
        "offered_help": bool(offered),
        "following": services.is_following(initiative, person),
        "leads": services.leads_of(initiative),
        "pending_colead": next(
            (c for c in initiative.coleads if c.user_id == person.id and c.confirmed_at is None), None
        )
        if person.is_authenticated
        else None,
        "description_html": render_markdown(initiative.description),
        "share_url": base + url_for("initiatives.detail", initiative_id=initiative.id),
        "reject_reasons": {r.value: r.label for r in RejectReason},
        "Status": Status,
        **overrides,
    }
    return render_page("initiatives/detail.html", _support_target(initiative), status, **context)


def _refused(initiative: Initiative, error: InitiativeError):
    db.session.rollback()
    flash(str(error), "error")
    return redirect_to(_detail_url(initiative))


def _done(initiative: Initiative, message: str, anchor: str = ""):
    db.session.commit()
    flash(message, "success")
    return redirect_to(_detail_url(initiative, anchor))


def _act(initiative_id: int, check: Callable, action: Callable, message: str, anchor: str = ""):
    """A button-only action: load (404), check (403), CSRF, service, commit, 303."""
    initiative = _load(initiative_id)
    require(check, initiative)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(initiative)
    except InitiativeError as error:
        return _refused(initiative, error)
    return _done(initiative, message, anchor)


def _act_with_form(initiative_id: int, check: Callable, form_class, key: str, action: Callable, message: str):
    """An action with fields: as `_act`, and a 422 detail page with the failed form, values kept."""
    initiative = _load(initiative_id)
    require(check, initiative)
    form = form_class(prefix=PREFIXES[key])
    if form.validate_on_submit():
        try:
            action(initiative, form)
        except InitiativeError as error:
            return _refused(initiative, error)
        return _done(initiative, message)
    initiative = _load(initiative_id, full=True)
    return _render_detail(initiative, 422, **{f"{key}_form": form, "failed_action": key})


# --- browsing ----------------------------------------------------------------------------------


@bp.route("/")
def index():
    """The centre's published initiatives: filters, search, sort, pages (list fragment for htmx)."""
    structure = _structure()
    form = InitiativeFilterForm(request.args)
    form.setup(
        [t for t in structure.themes if t.is_active],
        [q for q in structure.quartiers if q.is_active],
    )
    page_number = max(request.args.get("page", 1, type=int), 1)
    page = queries.public_page(structure.id, page=page_number, **form.filters())
    return render_page(
        "initiatives/index.html",
        {"initiative-list": "initiatives/_list.html"},
        form=form,
        page=page,
        url_args=form.url_args(),
        structure=structure,
    )


@bp.route("/mes-initiatives")
@login_required
def mine():
    """The initiatives I proposed, drafts included, with where they are."""
    structure = _structure()
    return render_page("initiatives/mine.html", initiatives=queries.my_initiatives(structure.id, acting_person().id))


@bp.route("/<int:initiative_id>")
def detail(initiative_id: int):
    """The initiative's page: what, who, supports, help, timeline, comments and actions."""
    return _render_detail(_load(initiative_id, full=True))


# --- proposing ---------------------------------------------------------------------------------


def _save(form: InitiativeForm, initiative: Initiative | None):
    """Create or update from the form, invite co-leads, store the photo, submit if asked."""
    author = acting_person()
    if initiative is None:
        initiative = services.create_initiative(_structure(), author, form.data_for_service(), by=current_user)
    else:
        services.update_initiative(initiative, form.data_for_service(), by=current_user)
    for person in form.colead_users:
        services.invite_colead(initiative, person, by=current_user)
    if form.has_photo():
        save_photo(initiative, form.photo.data, form.photo_alt.data)
    elif form.photo_alt.data:
        update_alt(initiative, form.photo_alt.data)
    if form.send.data and initiative.status in services.EDITABLE:
        services.submit_initiative(initiative, by=current_user, on_behalf_of=author)
    return initiative


def _form_page(form: InitiativeForm, initiative: Initiative | None):
    if form.validate_on_submit():
        try:
            initiative = _save(form, initiative)
        except PhotoError as error:
            db.session.rollback()
            form.photo.errors = [*form.photo.errors, str(error)]
        except InitiativeError as error:
            db.session.rollback()
            form.coleads.errors = [*form.coleads.errors, str(error)]
        else:
            db.session.commit()
            if initiative.status == Status.SUBMITTED and form.send.data:
                flash(_("Merci ! Votre initiative est envoyée à l'équipe du centre."), "success")
            elif initiative.status == Status.OPEN and form.send.data:
                flash(_("Merci ! Votre initiative est publiée."), "success")
            elif initiative.status in services.EDITABLE:
                flash(_("Brouillon enregistré."), "success")
            else:
                flash(_("Modifications enregistrées."), "success")
            return redirect_to(_detail_url(initiative))
    status = 422 if form.is_submitted() else 200
    return render_page("initiatives/form.html", status=status, form=form, initiative=initiative)


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def new():
    """Propose an initiative: save a draft, or send it to the centre."""
    form = InitiativeForm()
    form.setup(_structure(), acting_person().id)
    return _form_page(form, None)


@bp.route("/<int:initiative_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    """Edit an initiative (leads while a draft or to complete; staff until it is over)."""
    initiative = _load(initiative_id)
    require(perms.can_edit_initiative, initiative)
    form = InitiativeForm(obj=initiative if request.method == "GET" else None)
    form.setup(initiative.structure, initiative.author_id)
    if request.method == "GET":
        form.theme.data = str(initiative.theme_id or "")
        form.quartier.data = str(initiative.quartier_id or "")
        form.coleads.data = ", ".join(c.user.username for c in initiative.coleads)
        form.photo.data = None
        form.photo_alt.data = initiative.photo.alt if initiative.photo else ""
    return _form_page(form, initiative)


@bp.route("/<int:initiative_id>/soumettre", methods=["POST"])
@login_required
def submit(initiative_id: int):
    """Send a draft (or a completed proposal) to the centre."""

    def action(initiative):
        services.submit_initiative(initiative, by=current_user, on_behalf_of=acting_person())

    message = (
        _("Merci ! Votre initiative est envoyée à l'équipe du centre.")
        if _structure().premoderation
        else _("Merci ! Votre initiative est publiée.")
    )
    return _act(initiative_id, perms.can_submit_initiative, action, message)


# --- taking part -------------------------------------------------------------------------------


def _support_response(initiative: Initiative, change: Callable, message: str):
    """Support or take it back: the support block for htmx, else 303 to the page with a flash."""
    fragment = wanted_fragment(_support_target(initiative))
    if not EmptyForm().validate_on_submit():
        abort(400)
    error = None
    try:
        change(initiative, acting_person(), by=current_user)
    except InitiativeError as refused:
        db.session.rollback()
        error = str(refused)
    else:
        db.session.commit()
    if fragment:
        context = {**_support_context(initiative), "support_error": error, "support_notice": None if error else message}
        return render_template(fragment, **context), 422 if error else 200
    flash(error or message, "error" if error else "success")
    return redirect_to(_detail_url(initiative, f"initiative-{initiative.id}-support"))


@bp.route("/<int:initiative_id>/soutenir", methods=["POST"])
@login_required
def support(initiative_id: int):
    """ "Je soutiens" (one per person)."""
    initiative = _load(initiative_id)
    require(perms.can_support_initiative, initiative)
    return _support_response(initiative, services.add_support, _("Merci pour votre soutien !"))


@bp.route("/<int:initiative_id>/retirer-soutien", methods=["POST"])
@login_required
def unsupport(initiative_id: int):
    """Take one's support back (while supports are open)."""
    initiative = _load(initiative_id)
    return _support_response(initiative, services.remove_support, _("Votre soutien est retiré."))


@bp.route("/<int:initiative_id>/aider", methods=["POST"], endpoint="help")
@login_required
def offer_help(initiative_id: int):
    """ "Je veux aider", with an optional message to the leads."""

    def action(initiative, form):
        services.offer_help(initiative, acting_person(), form.message.data or "", by=current_user)

    message = _("Merci ! Les porteurs de l'initiative savent que vous voulez aider.")
    return _act_with_form(initiative_id, perms.can_offer_help, HelpForm, "help", action, message)


def _logged_in(user, initiative) -> bool:
    return bool(user.is_authenticated)


@bp.route("/<int:initiative_id>/suivre", methods=["POST"])
@login_required
def follow(initiative_id: int):
    """Follow the initiative's news."""
    return _act(
        initiative_id,
        _logged_in,
        lambda i: services.follow(i, acting_person()),
        _("Vous suivez cette initiative : vous serez prévenu·e de ses nouvelles."),
    )


@bp.route("/<int:initiative_id>/ne-plus-suivre", methods=["POST"])
@login_required
def unfollow(initiative_id: int):
    """Stop following the initiative."""
    return _act(
        initiative_id,
        _logged_in,
        lambda i: services.unfollow(i, acting_person()),
        _("Vous ne suivez plus cette initiative."),
    )


@bp.route("/<int:initiative_id>/co-porteur/confirmer", methods=["POST"])
@login_required
def confirm_colead(initiative_id: int):
    """The invited person confirms they carry the initiative too."""
    return _act(
        initiative_id,
        _logged_in,
        lambda i: services.confirm_colead(i, acting_person(), by=current_user),
        _("Vous portez maintenant cette initiative."),
    )


# --- staff and leads: the lifecycle ------------------------------------------------------------


@bp.route("/<int:initiative_id>/publier", methods=["POST"])
@login_required
def publish(initiative_id: int):
    """Staff publish a submitted proposal: it opens for support."""
    return _act(
        initiative_id,
        perms.can_moderate_initiative,
        lambda i: services.publish_initiative(i, by=current_user),
        _("L'initiative est publiée."),
    )


@bp.route("/<int:initiative_id>/demander-complements", methods=["POST"])
@login_required
def request_changes(initiative_id: int):
    """Staff ask the author to complete the proposal."""
    return _act_with_form(
        initiative_id,
        perms.can_moderate_initiative,
        MessageForm,
        "changes",
        lambda i, f: services.request_changes(i, f.message.data, by=current_user),
        _("La demande de compléments est envoyée."),
    )


@bp.route("/<int:initiative_id>/refuser-publication", methods=["POST"])
@login_required
def reject(initiative_id: int):
    """Staff do not publish the proposal, with a reason."""
    return _act_with_form(
        initiative_id,
        perms.can_moderate_initiative,
        RejectForm,
        "reject",
        lambda i, f: services.reject_initiative(i, RejectReason(f.reason.data), f.message.data or "", by=current_user),
        _("L'initiative n'est pas publiée ; la personne est prévenue."),
    )


@bp.route("/<int:initiative_id>/decider", methods=["POST"])
@login_required
def decide(initiative_id: int):
    """Record the centre's decision."""
    return _act_with_form(
        initiative_id,
        perms.can_decide_initiative,
        DecideForm,
        "decide",
        lambda i, f: services.decide_initiative(i, Status(f.decision.data), f.message.data or "", by=current_user),
        _("La décision est enregistrée."),
    )


@bp.route("/<int:initiative_id>/demarrer", methods=["POST"])
@login_required
def start(initiative_id: int):
    """An accepted initiative gets going."""
    return _act(
        initiative_id,
        perms.can_run_initiative,
        lambda i: services.start_initiative(i, by=current_user),
        _("L'initiative est en cours."),
    )


@bp.route("/<int:initiative_id>/terminer", methods=["POST"])
@login_required
def complete(initiative_id: int):
    """Record the bilan of an initiative that happened."""
    return _act_with_form(
        initiative_id,
        perms.can_run_initiative,
        CompleteForm,
        "complete",
        lambda i, f: services.complete_initiative(i, f.participants.data, f.bilan.data or "", by=current_user),
        _("Le bilan est enregistré. Bravo !"),
    )


@bp.route("/<int:initiative_id>/abandonner", methods=["POST"])
@login_required
def abandon(initiative_id: int):
    """The leads (or staff) give up the initiative."""
    return _act_with_form(
        initiative_id,
        perms.can_run_initiative,
        AbandonForm,
        "abandon",
        lambda i, f: services.abandon_initiative(i, f.message.data or "", by=current_user),
        _("L'initiative est abandonnée."),
    )


@bp.route("/<int:initiative_id>/echeance", methods=["POST"])
@login_required
def deadline(initiative_id: int):
    """Staff set (or clear) the date by which the centre answers."""
    return _act_with_form(
        initiative_id,
        perms.can_moderate_initiative,
        DeadlineForm,
        "deadline",
        lambda i, f: services.set_deadline(i, f.deadline.data, by=current_user),
        _("L'échéance de réponse est enregistrée."),
    )


@bp.route("/<int:initiative_id>/masquer", methods=["POST"])
@login_required
def hide(initiative_id: int):
    """Moderation: hide the initiative from the public, with a reason."""
    return _act_with_form(
        initiative_id,
        perms.can_moderate_initiative,
        HideForm,
        "hide",
        lambda i, f: services.hide_initiative(i, f.reason.data, by=current_user),
        _("L'initiative est masquée."),
    )


@bp.route("/<int:initiative_id>/afficher", methods=["POST"])
@login_required
def unhide(initiative_id: int):
    """Moderation: show a hidden initiative again."""
    return _act(
        initiative_id,
        perms.can_moderate_initiative,
        lambda i: services.unhide_initiative(i, by=current_user),
        _("L'initiative est de nouveau visible."),
    )
