"""Writing the projet social: period, axes, objectives, actions, indicators, and the objectives
that initiatives, instances and missions serve.

Staff of the centre read the tree; the direction (`can_edit_project`) writes it. Every change is a
plain form page without JavaScript (303 back to the tree with a flash); with htmx, "Monter",
"Descendre" and "Supprimer" (after `hx-confirm`) swap the tree (`#project-tree`) in place.
"""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.centres.current import current_structure
from app.evaluation import metrics, services
from app.evaluation import project_queries as queries
from app.evaluation.forms import (
    TARGET_LABELS,
    ActionForm,
    AxisForm,
    IndicatorForm,
    LinkForm,
    LinkSearchForm,
    ObjectiveForm,
    ProjectForm,
    metric_label,
)
from app.evaluation.models import Action, Axis, Indicator, IndicatorKind, Objective, SocialProject
from app.evaluation.permissions import can_edit_project, can_view_evaluation
from app.evaluation.services import AlreadyLinked, ProjectError
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.permissions import require
from app.timeutil import local_today

bp = Blueprint("social_project", __name__, url_prefix="/evaluation/projet-social")

TREE_FRAGMENT = {"project-tree": "evaluation/project/_tree.html"}


@bp.app_template_filter("eval_number")
def _number_filter(value) -> str:
    """A baseline or a target in French ("1 234,5"), "—" when not set."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


# --- helpers -------------------------------------------------------------------------------------


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _load(loader, item_id: int):
    """The centre's object (404 for another centre's), and the centre; only the direction writes."""
    structure = _structure()
    item = loader(item_id, structure.id)
    if item is None:
        abort(404)
    require(can_edit_project, structure)
    return item


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _step() -> int:
    return -1 if request.form.get("direction") == "up" else 1


def anchor_of(item) -> str | None:
    """The id of an item's block in the tree (for links back to it)."""
    prefixes = {Axis: "axe", Objective: "objectif", Action: "action", Indicator: "indicateur"}
    prefix = prefixes.get(type(item))
    return f"{prefix}-{item.id}" if prefix else None


def _tree_url(project: SocialProject, anchor: str | None = None) -> str:
    """The tree in edit mode (where every change comes from), at the changed item."""
    return url_for("social_project.index", projet=project.id, modifier=1) + (f"#{anchor}" if anchor else "")


def _index_context(
    structure, project: SocialProject | None, projects=None, *, message: str | None = None, editing: bool = True
) -> dict:
    """`may_edit`: the person is the direction; `can_edit`: the tree shows its tools (edit mode),
    so that reading the project on a phone is not a wall of buttons."""
    projects = queries.projects_of(structure.id) if projects is None else projects
    may_edit = can_edit_project(current_user, structure)
    return {
        "structure": structure,
        "projects": projects,
        "project": project,
        "tree": queries.load_tree(project) if project is not None else None,
        "may_edit": may_edit,
        "can_edit": may_edit and editing,
        "today": local_today(),
        "message": message,
        "metric_of": metrics.get,
        "metric_label": metric_label,
        "target_labels": TARGET_LABELS,
        "IndicatorKind": IndicatorKind,
    }


def _tree_changed(project: SocialProject, message: str, anchor: str | None = None):
    """After a change from the tree: the tree again for htmx, else a flash and back to the page."""
    if wanted_fragment(TREE_FRAGMENT):
        context = _index_context(_structure(), project, message=message)
        return render_page("evaluation/project/index.html", TREE_FRAGMENT, **context)
    flash(message, "success")
    return redirect_to(_tree_url(project, anchor))


def _attach_error(form, error: ProjectError) -> None:
    name = error.field if error.field and error.field in form else "title"
    form[name].errors = [*form[name].errors, str(error)]


def _form_page(form, save, project: SocialProject, *, heading: str, done: str, back: str | None, **context):
    """A form page: on a valid POST, `save(fields)` → item; commit; back to the item in the tree."""
    if form.validate_on_submit():
        try:
            item = save(form.fields())
        except ProjectError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect_to(_tree_url(project, anchor_of(item)))
    status = 422 if form.is_submitted() else 200
    template = context.pop("template", "evaluation/project/item_form.html")
    return render_page(
        template,
        status=status,
        form=form,
        project=project,
        heading=heading,
        cancel_url=_tree_url(project, back),
        **context,
    )


def _delete_page(project: SocialProject, item, *, heading: str, name: str, done: str, delete, consequences):
    """GET: the confirmation page (what goes with it); POST: delete, then the tree."""
    if request.method == "POST":
        _check_csrf()
        delete()
        db.session.commit()
        return _tree_changed(project, done)
    return render_page(
        "evaluation/project/confirm_delete.html",
        project=project,
        heading=heading,
        name=name,
        consequences=consequences().sentence(),
        action=request.path,
        cancel_url=_tree_url(project, anchor_of(item)),
        form=EmptyForm(formdata=None),
    )


def _moved(project: SocialProject, item):
    return _tree_changed(project, _("L'ordre est modifié."), anchor_of(item))


# --- the project ---------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """The centre's current projet social as a tree (or another one with ?projet=<id>)."""
    structure = _structure()
    require(can_view_evaluation, structure)
    projects = queries.projects_of(structure.id)
    chosen = request.args.get("projet", type=int)
    if chosen is not None:
        project = next((p for p in projects if p.id == chosen), None)
        if project is None:
            abort(404)
    else:
        project = queries.pick_current(projects, local_today())
    # No project, no tree: the empty state is the whole page.
    fragments = TREE_FRAGMENT if project is not None else None
    editing = request.args.get("modifier") == "1"
    context = _index_context(structure, project, projects, editing=editing)
    return render_page("evaluation/project/index.html", fragments, **context)


@bp.route("/liens")
@login_required
def served():
    """What the initiatives, instances and missions tagged in the project serve."""
    structure = _structure()
    require(can_view_evaluation, structure)
    projects = queries.projects_of(structure.id)
    chosen = request.args.get("projet", type=int)
    if chosen is not None:
        project = next((p for p in projects if p.id == chosen), None)
        if project is None:
            abort(404)
    else:
        project = queries.pick_current(projects, local_today())
    return render_page(
        "evaluation/project/served.html",
        project=project,
        items=queries.served_items(project) if project is not None else [],
        target_labels=TARGET_LABELS,
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def create():
    structure = _structure()
    require(can_edit_project, structure)
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = services.create_project(structure, form.fields(), by=current_user)
        except ProjectError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Le projet social est enregistré : ajoutez maintenant ses axes."), "success")
            return redirect_to(_tree_url(project))
    status = 422 if form.is_submitted() else 200
    return render_page("evaluation/project/project_form.html", status=status, form=form, project=None)


@bp.route("/<int:project_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = _load(queries.get_project, project_id)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_project(project, form.fields(), by=current_user)
        except ProjectError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Le projet social est modifié."), "success")
            return redirect_to(_tree_url(project))
    status = 422 if form.is_submitted() else 200
    return render_page("evaluation/project/project_form.html", status=status, form=form, project=project)


@bp.route("/<int:project_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete(project_id: int):
    project = _load(queries.get_project, project_id)
    if request.method == "POST":
        _check_csrf()
        services.delete_project(project, by=current_user)
        db.session.commit()
        flash(_("Le projet social est supprimé."), "success")
        return redirect_to(url_for("social_project.index"))
    return render_page(
        "evaluation/project/confirm_delete.html",
        project=project,
        heading=_("Supprimer le projet social ?"),
        name=project.title,
        consequences=queries.load_tree(project).consequences().sentence(),
        note=_("Les bilans figés de ce projet (annuels, mi-parcours, final) sont supprimés aussi."),
        action=request.path,
        cancel_url=_tree_url(project),
        form=EmptyForm(formdata=None),
    )


# --- axes ----------------------------------------------------------------------------------------


@bp.route("/<int:project_id>/axes/nouveau", methods=["GET", "POST"])
@login_required
def add_axis(project_id: int):
    project = _load(queries.get_project, project_id)
    return _form_page(
        AxisForm(),
        lambda fields: services.add_axis(project, fields, by=current_user),
        project,
        heading=_("Ajouter un axe"),
        done=_("L'axe est ajouté."),
        back=None,
    )


@bp.route("/axes/<int:axis_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_axis(axis_id: int):
    axis = _load(queries.get_axis, axis_id)
    return _form_page(
        AxisForm(obj=axis if request.method == "GET" else None),
        lambda fields: services.update_axis(axis, fields, by=current_user),
        axis.project,
        heading=_("Modifier l'axe"),
        done=_("L'axe est modifié."),
        back=anchor_of(axis),
    )


@bp.route("/axes/<int:axis_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_axis(axis_id: int):
    axis = _load(queries.get_axis, axis_id)
    project = axis.project
    return _delete_page(
        project,
        axis,
        heading=_("Supprimer cet axe ?"),
        name=axis.title,
        done=_("L'axe est supprimé."),
        delete=lambda: services.delete_axis(axis, by=current_user),
        consequences=lambda: next(n for n in queries.load_tree(project).axes if n.axis.id == axis.id).consequences(),
    )


@bp.route("/axes/<int:axis_id>/deplacer", methods=["POST"])
@login_required
def move_axis(axis_id: int):
    axis = _load(queries.get_axis, axis_id)
    _check_csrf()
    services.move_axis(axis, _step(), by=current_user)
    db.session.commit()
    return _moved(axis.project, axis)


# --- objectives ----------------------------------------------------------------------------------


@bp.route("/axes/<int:axis_id>/objectifs/nouveau", methods=["GET", "POST"])
@login_required
def add_objective(axis_id: int):
    """A general objective of the axis."""
    axis = _load(queries.get_axis, axis_id)
    return _form_page(
        ObjectiveForm(),
        lambda fields: services.add_objective(axis, fields, by=current_user),
        axis.project,
        heading=_("Ajouter un objectif général"),
        done=_("L'objectif général est ajouté."),
        back=anchor_of(axis),
        context_line=_("Axe : %(title)s", title=axis.title),
    )


@bp.route("/objectifs/<int:objective_id>/operationnels/nouveau", methods=["GET", "POST"])
@login_required
def add_operational(objective_id: int):
    """An operational objective under a general one."""
    parent = _load(queries.get_objective, objective_id)
    if not parent.is_general:
        abort(404)
    return _form_page(
        ObjectiveForm(),
        lambda fields: services.add_objective(parent.axis, fields, by=current_user, parent=parent),
        parent.axis.project,
        heading=_("Ajouter un objectif opérationnel"),
        done=_("L'objectif opérationnel est ajouté."),
        back=anchor_of(parent),
        context_line=_("Objectif général : %(title)s", title=parent.title),
    )


@bp.route("/objectifs/<int:objective_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_objective(objective_id: int):
    objective = _load(queries.get_objective, objective_id)
    return _form_page(
        ObjectiveForm(obj=objective if request.method == "GET" else None),
        lambda fields: services.update_objective(objective, fields, by=current_user),
        objective.axis.project,
        heading=_("Modifier l'objectif général") if objective.is_general else _("Modifier l'objectif opérationnel"),
        done=_("L'objectif est modifié."),
        back=anchor_of(objective),
    )


@bp.route("/objectifs/<int:objective_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_objective(objective_id: int):
    objective = _load(queries.get_objective, objective_id)
    project = objective.axis.project
    return _delete_page(
        project,
        objective,
        heading=_("Supprimer cet objectif ?"),
        name=objective.title,
        done=_("L'objectif est supprimé."),
        delete=lambda: services.delete_objective(objective, by=current_user),
        consequences=lambda: queries.load_tree(project).objectives[objective.id].consequences(),
    )


@bp.route("/objectifs/<int:objective_id>/deplacer", methods=["POST"])
@login_required
def move_objective(objective_id: int):
    objective = _load(queries.get_objective, objective_id)
    _check_csrf()
    services.move_objective(objective, _step(), by=current_user)
    db.session.commit()
    return _moved(objective.axis.project, objective)


# --- what serves an objective --------------------------------------------------------------------


@bp.route("/objectifs/<int:objective_id>/liens", methods=["GET", "POST"])
@login_required
def links(objective_id: int):
    """ "Ce qui sert cet objectif": the tagged initiatives, instances and missions; add one."""
    objective = _load(queries.get_objective, objective_id)
    project = objective.axis.project
    search = LinkSearchForm(request.args)
    search.validate()
    q = (search.q.data or "").strip() if not search.q.errors else ""
    linked = queries.links_of_objective(objective)
    already = {(item.kind, item.link.target_id) for item in linked}
    choices = {
        kind: [(i, title) for i, title in items if (kind, i) not in already]
        for kind, items in queries.link_choices(project.structure_id, q).items()
    }
    form = LinkForm().setup(choices)
    if form.validate_on_submit():
        chosen = form.parsed()
        if chosen is None:
            form.target.errors = [*form.target.errors, _("Choisissez une initiative, une instance ou une mission.")]
        else:
            try:
                services.link_objective(objective, *chosen, by=current_user)
            except LookupError:
                abort(404)
            except AlreadyLinked as error:
                db.session.rollback()
                flash(str(error), "info")
                return redirect_to(url_for("social_project.links", objective_id=objective.id))
            else:
                db.session.commit()
                flash(_("C'est noté : cet élément sert l'objectif."), "success")
                return redirect_to(url_for("social_project.links", objective_id=objective.id))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "evaluation/project/links.html",
        status=status,
        objective=objective,
        project=project,
        linked=linked,
        form=form,
        search=search,
        q=q,
        target_labels=TARGET_LABELS,
        back_url=_tree_url(project, anchor_of(objective)),
    )


@bp.route("/liens/<int:link_id>/retirer", methods=["POST"])
@login_required
def unlink(link_id: int):
    link = _load(queries.get_link, link_id)
    _check_csrf()
    objective_id = link.objective_id
    services.unlink_objective(link, by=current_user)
    db.session.commit()
    flash(_("Le lien est retiré."), "success")
    return redirect_to(url_for("social_project.links", objective_id=objective_id))


# --- actions -------------------------------------------------------------------------------------


def _action_form(action: Action | None = None) -> ActionForm:
    form = ActionForm(obj=action if action is not None and request.method == "GET" else None)
    form.setup([(t.id, t.name) for t in _structure().themes])
    if action is not None and request.method == "GET":
        form.theme.data = str(action.theme_id or "")
    return form


@bp.route("/objectifs/<int:objective_id>/actions/nouvelle", methods=["GET", "POST"])
@login_required
def add_action(objective_id: int):
    objective = _load(queries.get_objective, objective_id)
    return _form_page(
        _action_form(),
        lambda fields: services.add_action(objective, fields, by=current_user),
        objective.axis.project,
        heading=_("Ajouter une action"),
        done=_("L'action est ajoutée."),
        back=anchor_of(objective),
        context_line=_("Objectif : %(title)s", title=objective.title),
    )


@bp.route("/actions/<int:action_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_action(action_id: int):
    action = _load(queries.get_action, action_id)
    return _form_page(
        _action_form(action),
        lambda fields: services.update_action(action, fields, by=current_user),
        action.objective.axis.project,
        heading=_("Modifier l'action"),
        done=_("L'action est modifiée."),
        back=anchor_of(action),
    )


@bp.route("/actions/<int:action_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_action(action_id: int):
    action = _load(queries.get_action, action_id)
    project = action.objective.axis.project
    return _delete_page(
        project,
        action,
        heading=_("Supprimer cette action ?"),
        name=action.title,
        done=_("L'action est supprimée."),
        delete=lambda: services.delete_action(action, by=current_user),
        consequences=lambda: queries.load_tree(project).actions[action.id].consequences(),
    )


@bp.route("/actions/<int:action_id>/deplacer", methods=["POST"])
@login_required
def move_action(action_id: int):
    action = _load(queries.get_action, action_id)
    _check_csrf()
    services.move_action(action, _step(), by=current_user)
    db.session.commit()
    return _moved(action.objective.axis.project, action)


# --- indicators ----------------------------------------------------------------------------------


def _indicator_page(form, save, project, *, heading, done, back, owner):
    return _form_page(
        form,
        save,
        project,
        heading=heading,
        done=done,
        back=back,
        template="evaluation/project/indicator_form.html",
        owner=owner,
        age_metrics=[m.code for m in metrics.catalogue() if m.age_filter],
    )


@bp.route("/objectifs/<int:objective_id>/indicateurs/nouveau", methods=["GET", "POST"])
@login_required
def add_objective_indicator(objective_id: int):
    objective = _load(queries.get_objective, objective_id)
    return _indicator_page(
        IndicatorForm().setup(),
        lambda fields: services.add_indicator(fields, by=current_user, objective=objective),
        objective.axis.project,
        heading=_("Ajouter un indicateur"),
        done=_("L'indicateur est ajouté."),
        back=anchor_of(objective),
        owner=_("Objectif : %(title)s", title=objective.title),
    )


@bp.route("/actions/<int:action_id>/indicateurs/nouveau", methods=["GET", "POST"])
@login_required
def add_action_indicator(action_id: int):
    action = _load(queries.get_action, action_id)
    return _indicator_page(
        IndicatorForm().setup(),
        lambda fields: services.add_indicator(fields, by=current_user, action=action),
        action.objective.axis.project,
        heading=_("Ajouter un indicateur"),
        done=_("L'indicateur est ajouté."),
        back=anchor_of(action),
        owner=_("Action : %(title)s", title=action.title),
    )


@bp.route("/indicateurs/<int:indicator_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_indicator(indicator_id: int):
    indicator = _load(queries.get_indicator, indicator_id)
    form = IndicatorForm(obj=indicator if request.method == "GET" else None).setup()
    if request.method == "GET":
        form.kind.data = indicator.kind.value
        form.metric_code.data = indicator.metric_code or ""
        form.age_bracket.data = indicator.age_bracket.value if indicator.age_bracket else ""
    owner = indicator.action or indicator.objective
    project = db.session.get(SocialProject, indicator.project_id)
    return _indicator_page(
        form,
        lambda fields: services.update_indicator(indicator, fields, by=current_user),
        project,
        heading=_("Modifier l'indicateur"),
        done=_("L'indicateur est modifié."),
        back=anchor_of(indicator),
        owner=_("Action : %(title)s", title=owner.title)
        if indicator.action
        else _("Objectif : %(title)s", title=owner.title),
    )


@bp.route("/indicateurs/<int:indicator_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_indicator(indicator_id: int):
    indicator = _load(queries.get_indicator, indicator_id)
    project = db.session.get(SocialProject, indicator.project_id)
    return _delete_page(
        project,
        indicator,
        heading=_("Supprimer cet indicateur ?"),
        name=indicator.title,
        done=_("L'indicateur est supprimé."),
        delete=lambda: services.delete_indicator(indicator, by=current_user),
        consequences=queries.Consequences,
    )


@bp.route("/indicateurs/<int:indicator_id>/deplacer", methods=["POST"])
@login_required
def move_indicator(indicator_id: int):
    indicator = _load(queries.get_indicator, indicator_id)
    _check_csrf()
    services.move_indicator(indicator, _step(), by=current_user)
    db.session.commit()
    return _moved(db.session.get(SocialProject, indicator.project_id), indicator)
