"""Centre administration (settings, quartiers, themes, people and roles, security journal) and
the platform's structures page."""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.centres import queries, services
from app.centres.current import current_structure
from app.centres.forms import (
    MemberForm,
    NewStructureForm,
    PeopleSearchForm,
    QuartierForm,
    StructureSettingsForm,
    ThemeForm,
)
from app.centres.models import Structure
from app.centres.permissions import can_manage_platform, can_manage_roles, can_manage_structure
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page
from app.permissions import require

# No url_prefix: the centre pages live under /gestion/, the platform pages under /plateforme/.
bp = Blueprint("centres", __name__)


def _managed_structure() -> Structure:
    """The current structure, if the person manages it (404 with no structure, else 403)."""
    structure = current_structure()
    if structure is None:
        abort(404)
    require(can_manage_structure, structure)
    return structure


def _form_error(form, error: services.CentreError) -> None:
    """Show a service's refusal next to its field (or in the form's error summary)."""
    field = form[error.field] if error.field and error.field in form else None
    if field is None:
        field = next(iter(f for f in form if f.type not in ("CSRFTokenField", "SubmitField")))
    field.errors = [*field.errors, str(error)]


def _status(form) -> int:
    # A submitted form that got here failed validation: 422 with the values kept.
    return 422 if form.is_submitted() else 200


# --- settings -----------------------------------------------------------------------------------


@bp.route("/gestion/", methods=["GET", "POST"])
@login_required
def settings():
    """The centre's settings: name, type, city, welcome text, contact."""
    structure = _managed_structure()
    form = StructureSettingsForm(obj=structure)
    if request.method == "GET":
        form.structure_type.data = structure.structure_type.value
    if form.validate_on_submit():
        try:
            services.update_structure(structure, by=current_user, **form.service_data())
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Les réglages du centre sont enregistrés."), "success")
            return redirect_to(url_for("centres.settings"))
    return render_page("centres/settings.html", status=_status(form), form=form, structure=structure)


# --- quartiers ----------------------------------------------------------------------------------


def _quartier_or_404(structure: Structure, quartier_id: int):
    quartier = queries.get_quartier(structure, quartier_id)
    if quartier is None:
        abort(404)
    return quartier


@bp.route("/gestion/quartiers", methods=["GET", "POST"])
@login_required
def quartiers():
    """The structure's quartiers, and the form to add one."""
    structure = _managed_structure()
    form = QuartierForm()
    if form.validate_on_submit():
        try:
            quartier = services.add_quartier(structure, by=current_user, **form.service_data())
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Le quartier « %(name)s » est ajouté.", name=quartier.name), "success")
            return redirect_to(url_for("centres.quartiers"))
    return render_page(
        "centres/quartiers.html",
        status=_status(form),
        form=form,
        structure=structure,
        quartiers=queries.quartiers_of(structure),
    )


@bp.route("/gestion/quartiers/<int:quartier_id>/modifier", methods=["GET", "POST"])
@login_required
def quartier_edit(quartier_id: int):
    """Rename a quartier or change its QPV data."""
    structure = _managed_structure()
    quartier = _quartier_or_404(structure, quartier_id)
    form = QuartierForm(obj=quartier)
    if request.method == "GET" and not quartier.qpv_list_version:
        form.qpv_list_version.data = "2024"
    if form.validate_on_submit():
        try:
            services.update_quartier(quartier, by=current_user, **form.service_data())
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Le quartier « %(name)s » est enregistré.", name=quartier.name), "success")
            return redirect_to(url_for("centres.quartiers"))
    return render_page(
        "centres/quartier_form.html", status=_status(form), form=form, structure=structure, quartier=quartier
    )


def _set_quartier_active(quartier_id: int, active: bool):
    structure = _managed_structure()
    quartier = _quartier_or_404(structure, quartier_id)
    if EmptyForm().validate_on_submit():
        services.set_quartier_active(quartier, active, by=current_user)
        db.session.commit()
        if active:
            flash(_("Le quartier « %(name)s » est réactivé.", name=quartier.name), "success")
        else:
            flash(_("Le quartier « %(name)s » est désactivé.", name=quartier.name), "success")
    return redirect_to(url_for("centres.quartiers"))


@bp.route("/gestion/quartiers/<int:quartier_id>/desactiver", methods=["POST"])
@login_required
def quartier_deactivate(quartier_id: int):
    """Hide a quartier from choice lists (people and history keep it)."""
    return _set_quartier_active(quartier_id, False)


@bp.route("/gestion/quartiers/<int:quartier_id>/reactiver", methods=["POST"])
@login_required
def quartier_reactivate(quartier_id: int):
    """Offer a deactivated quartier again."""
    return _set_quartier_active(quartier_id, True)


# --- themes -------------------------------------------------------------------------------------


def _theme_or_404(structure: Structure, theme_id: int):
    theme = queries.get_theme(structure, theme_id)
    if theme is None:
        abort(404)
    return theme


@bp.route("/gestion/themes", methods=["GET", "POST"])
@login_required
def themes():
    """The structure's themes, and the form to add one."""
    structure = _managed_structure()
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = services.add_theme(structure, by=current_user, name=form.name.data)
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Le thème « %(name)s » est ajouté.", name=theme.name), "success")
            return redirect_to(url_for("centres.themes"))
    return render_page(
        "centres/themes.html",
        status=_status(form),
        form=form,
        structure=structure,
        themes=queries.themes_of(structure),
    )


@bp.route("/gestion/themes/<int:theme_id>/modifier", methods=["GET", "POST"])
@login_required
def theme_edit(theme_id: int):
    """Rename a theme."""
    structure = _managed_structure()
    theme = _theme_or_404(structure, theme_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            services.rename_theme(theme, by=current_user, name=form.name.data)
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Le thème « %(name)s » est enregistré.", name=theme.name), "success")
            return redirect_to(url_for("centres.themes"))
    return render_page("centres/theme_form.html", status=_status(form), form=form, structure=structure, theme=theme)


def _set_theme_active(theme_id: int, active: bool):
    structure = _managed_structure()
    theme = _theme_or_404(structure, theme_id)
    if EmptyForm().validate_on_submit():
        services.set_theme_active(theme, active, by=current_user)
        db.session.commit()
        if active:
            flash(_("Le thème « %(name)s » est réactivé.", name=theme.name), "success")
        else:
            flash(_("Le thème « %(name)s » est désactivé.", name=theme.name), "success")
    return redirect_to(url_for("centres.themes"))


@bp.route("/gestion/themes/<int:theme_id>/desactiver", methods=["POST"])
@login_required
def theme_deactivate(theme_id: int):
    """Hide a theme from choice lists (tagged items keep it)."""
    return _set_theme_active(theme_id, False)


@bp.route("/gestion/themes/<int:theme_id>/reactiver", methods=["POST"])
@login_required
def theme_reactivate(theme_id: int):
    """Offer a deactivated theme again."""
    return _set_theme_active(theme_id, True)


# --- people and roles ---------------------------------------------------------------------------


def _member_or_404(structure: Structure, user_id: int):
    membership = queries.get_membership(structure, user_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/gestion/personnes")
@login_required
def people():
    """Members of the structure with their role, quartier and job title; searchable, paginated."""
    structure = _managed_structure()
    require(can_manage_roles, structure)
    search = PeopleSearchForm(request.args)
    q = (search.q.data or "").strip()[:80]
    page = queries.people_page(structure, q, request.args.get("page", 1, type=int))
    return render_page(
        "centres/people.html",
        {"people-list": "centres/_people_list.html"},
        search=search,
        q=q,
        page=page,
        structure=structure,
    )


@bp.route("/gestion/personnes/<int:user_id>", methods=["GET", "POST"])
@login_required
def member(user_id: int):
    """One member: change their role and job title; block or unblock their account."""
    structure = _managed_structure()
    require(can_manage_roles, structure)
    membership = _member_or_404(structure, user_id)
    form = MemberForm(obj=membership)
    if request.method == "GET":
        form.role.data = int(membership.role)
    if form.validate_on_submit():
        try:
            services.change_member_role(membership, by=current_user, role=form.role.data, job_title=form.job_title.data)
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("Le rôle de %(name)s est enregistré.", name=membership.user.display_name), "success")
            return redirect_to(url_for("centres.people"))
    return render_page(
        "centres/member.html",
        status=_status(form),
        form=form,
        membership=membership,
        person=membership.user,
        structure=structure,
    )


def _set_blocked(user_id: int, blocked: bool):
    structure = _managed_structure()
    require(can_manage_roles, structure)
    membership = _member_or_404(structure, user_id)
    if EmptyForm().validate_on_submit():
        name = membership.user.display_name
        try:
            services.set_member_blocked(membership, blocked, by=current_user)
        except services.CentreError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            if blocked:
                flash(_("Le compte de %(name)s est bloqué.", name=name), "success")
            else:
                flash(_("Le compte de %(name)s est débloqué.", name=name), "success")
    return redirect_to(url_for("centres.member", user_id=user_id))


@bp.route("/gestion/personnes/<int:user_id>/bloquer", methods=["POST"])
@login_required
def member_block(user_id: int):
    """Block a member's account: no more login, open sessions ended."""
    return _set_blocked(user_id, True)


@bp.route("/gestion/personnes/<int:user_id>/debloquer", methods=["POST"])
@login_required
def member_unblock(user_id: int):
    """Unblock a member's account."""
    return _set_blocked(user_id, False)


# --- security journal ---------------------------------------------------------------------------


@bp.route("/gestion/journal")
@login_required
def journal():
    """The structure's security journal (role changes, accounts, acting on behalf), newest first."""
    structure = _managed_structure()
    page, entries = queries.journal_page(structure, request.args.get("page", 1, type=int))
    return render_page(
        "centres/journal.html",
        {"journal-list": "centres/_journal_list.html"},
        page=page,
        entries=entries,
        structure=structure,
        endpoint="centres.journal",
        all_structures=False,
    )


# --- platform -----------------------------------------------------------------------------------


def _platform_structure_or_404(structure_id: int) -> Structure:
    structure = db.session.get(Structure, structure_id)
    if structure is None:
        abort(404)
    return structure


@bp.route("/plateforme/centres", methods=["GET", "POST"])
@login_required
def platform_structures():
    """Every structure of the install, and the form to create one."""
    require(can_manage_platform)
    form = NewStructureForm()
    if form.validate_on_submit():
        try:
            structure = services.create_structure(by=current_user, **form.service_data())
        except services.CentreError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(_("La structure « %(name)s » est créée.", name=structure.name), "success")
            return redirect_to(url_for("centres.platform_structures"))
    return render_page(
        "centres/platform_structures.html",
        status=_status(form),
        form=form,
        rows=queries.structures_overview(),
    )


def _set_structure_active(structure_id: int, active: bool):
    require(can_manage_platform)
    structure = _platform_structure_or_404(structure_id)
    if EmptyForm().validate_on_submit():
        services.set_structure_active(structure, active, by=current_user)
        db.session.commit()
        if active:
            flash(_("La structure « %(name)s » est rouverte.", name=structure.name), "success")
        else:
            flash(_("La structure « %(name)s » est fermée.", name=structure.name), "success")
    return redirect_to(url_for("centres.platform_structures"))


@bp.route("/plateforme/centres/<int:structure_id>/fermer", methods=["POST"])
@login_required
def platform_close(structure_id: int):
    """Close a structure: hidden everywhere, its data kept."""
    return _set_structure_active(structure_id, False)


@bp.route("/plateforme/centres/<int:structure_id>/rouvrir", methods=["POST"])
@login_required
def platform_reopen(structure_id: int):
    """Reopen a closed structure."""
    return _set_structure_active(structure_id, True)


@bp.route("/plateforme/journal")
@login_required
def platform_journal():
    """The security journal of the whole install (every structure, logins included)."""
    require(can_manage_platform)
    page, entries = queries.journal_page(None, request.args.get("page", 1, type=int))
    return render_page(
        "centres/journal.html",
        {"journal-list": "centres/_journal_list.html"},
        page=page,
        entries=entries,
        structure=None,
        endpoint="centres.platform_journal",
        all_structures=True,
    )
