"""Figures entered by people: anonymous headcounts and the direction's manual figures.

Staff record headcounts ("42 personnes à la fête de quartier, dont 10 de moins de 11 ans", without
names); the direction enters, for a year, what the platform cannot know (staff, budget…), which
staff can read. Plain forms without JavaScript; with htmx the headcount list (`#headcount-list`)
pages and refreshes in place after a deletion.
"""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.centres.current import current_structure
from app.evaluation import project_queries as queries
from app.evaluation import services
from app.evaluation.formatting import format_figure
from app.evaluation.forms import HeadCountForm, HeadCountPeriodForm, manual_figures_form
from app.evaluation.periods import period_from_args
from app.evaluation.permissions import can_edit_project, can_record_headcount, can_view_evaluation
from app.evaluation.services import ProjectError
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.permissions import require
from app.timeutil import local_today

bp = Blueprint("evaluation_data", __name__, url_prefix="/evaluation")

HEADCOUNT_FRAGMENT = {"headcount-list": "evaluation/data/_headcount_list.html"}
FIRST_YEAR = 2000


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _attach_error(form, error: ProjectError) -> None:
    name = error.field if error.field and error.field in form else "total"
    form[name].errors = [*form[name].errors, str(error)]


# --- anonymous headcounts ------------------------------------------------------------------------


def _list_context(structure, *, message: str | None = None) -> dict:
    today = local_today()
    period = period_from_args(request.args)
    totals = queries.headcount_totals(structure.id, period.start, period.end)
    page = queries.headcount_page(
        structure.id, period.start, period.end, request.args.get("page", 1, type=int) or 1, totals.records
    )
    years = queries.headcount_years(structure.id, today)
    form = HeadCountPeriodForm(formdata=None).setup(sorted({*years, period.year}, reverse=True))
    form.annee.data = str(period.year)
    return {
        "structure": structure,
        "period": period,
        "period_form": form,
        "totals": totals,
        "page": page,
        "message": message,
        "today": today,
    }


@bp.route("/comptages")
@login_required
def headcounts():
    """The period's anonymous headcounts, newest first, with the total at the top."""
    structure = _structure()
    require(can_record_headcount, structure)
    return render_page("evaluation/data/headcounts.html", HEADCOUNT_FRAGMENT, **_list_context(structure))


def _headcount_form(headcount=None) -> HeadCountForm:
    structure = _structure()
    form = HeadCountForm(obj=headcount if headcount is not None and request.method == "GET" else None)
    form.setup(queries.action_choices(structure.id))
    if request.method == "GET":
        if headcount is None:
            form.occurred_on.data = local_today()
        else:
            form.action.data = str(headcount.action_id or "")
    return form


def _saved_message(headcount) -> str:
    return ngettext(
        "Comptage enregistré : %(num)d personne le %(day)s.",
        "Comptage enregistré : %(num)d personnes le %(day)s.",
        headcount.total,
        day=format_date(headcount.occurred_on, "short"),
    )


def _headcount_form_page(form, save, *, heading: str, headcount=None):
    if form.validate_on_submit():
        try:
            saved = save(form.fields())
        except ProjectError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash(_saved_message(saved), "success")
            return redirect_to(url_for("evaluation_data.headcounts", annee=saved.occurred_on.year))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "evaluation/data/headcount_form.html", status=status, form=form, heading=heading, headcount=headcount
    )


@bp.route("/comptages/nouveau", methods=["GET", "POST"])
@login_required
def add_headcount():
    structure = _structure()
    require(can_record_headcount, structure)
    return _headcount_form_page(
        _headcount_form(),
        lambda fields: services.record_headcount(structure, fields, by=current_user),
        heading=_("Enregistrer un comptage"),
    )


def _load_headcount(headcount_id: int):
    structure = _structure()
    headcount = queries.get_headcount(headcount_id, structure.id)
    if headcount is None:
        abort(404)
    require(can_record_headcount, structure)
    return headcount, structure


@bp.route("/comptages/<int:headcount_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_headcount(headcount_id: int):
    headcount, _structure_ = _load_headcount(headcount_id)
    return _headcount_form_page(
        _headcount_form(headcount),
        lambda fields: services.update_headcount(headcount, fields, by=current_user),
        heading=_("Modifier le comptage"),
        headcount=headcount,
    )


@bp.route("/comptages/<int:headcount_id>/supprimer", methods=["GET", "POST"])
@login_required
def delete_headcount(headcount_id: int):
    """GET: the confirmation page; POST: delete (the list again for htmx)."""
    headcount, structure = _load_headcount(headcount_id)
    year = headcount.occurred_on.year
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        services.delete_headcount(headcount, by=current_user)
        db.session.commit()
        message = _("Le comptage est supprimé.")
        if wanted_fragment(HEADCOUNT_FRAGMENT):
            context = _list_context(structure, message=message)
            return render_page("evaluation/data/headcounts.html", HEADCOUNT_FRAGMENT, **context)
        flash(message, "success")
        return redirect_to(url_for("evaluation_data.headcounts", annee=year))
    return render_page(
        "evaluation/data/headcount_delete.html",
        headcount=headcount,
        form=EmptyForm(formdata=None),
        cancel_url=url_for("evaluation_data.headcounts", annee=year),
    )


# --- manual figures ------------------------------------------------------------------------------


def _year() -> int:
    today = local_today()
    value = (request.args.get("annee") or "").strip()
    if value.isdigit() and FIRST_YEAR <= int(value) <= today.year + 1:
        return int(value)
    return today.year


@bp.route("/chiffres-saisis", methods=["GET", "POST"])
@login_required
def manual_figures():
    """The year's figures the platform cannot know (staff, budget…): the direction enters them."""
    structure = _structure()
    require(can_view_evaluation, structure)
    may_edit = can_edit_project(current_user, structure)
    year = _year()
    manual = services.manual_metrics()
    saved = queries.manual_figures_of(structure.id, year)
    form = manual_figures_form(manual, formdata=None if request.method == "GET" else request.form)
    if request.method == "POST":
        require(can_edit_project, structure)
        if form.validate_on_submit():
            try:
                changed = services.save_manual_figures(structure, year, form.entries(), by=current_user)
            except ProjectError as error:
                db.session.rollback()
                field = error.field if error.field and error.field in form else None
                if field is None:
                    abort(400)
                form[field].errors = [*form[field].errors, str(error)]
            else:
                db.session.commit()
                if changed:
                    message = ngettext(
                        "%(num)d chiffre enregistré pour %(year)s.",
                        "%(num)d chiffres enregistrés pour %(year)s.",
                        len(changed),
                        year=year,
                    )
                else:
                    message = _("Rien n'a changé.")
                flash(message, "success")
                return redirect_to(url_for("evaluation_data.manual_figures", annee=year))
    else:
        for metric, value, note in form.rows():
            figure = saved.get(metric.code)
            if figure is not None:
                value.data, note.data = figure.value, figure.note
    today = local_today()
    return render_page(
        "evaluation/data/manual_figures.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        year=year,
        years=list(range(today.year + 1, today.year - 8, -1)),
        saved=saved,
        manual=manual,
        may_edit=may_edit,
        format_figure=format_figure,
    )
