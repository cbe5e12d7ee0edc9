"""The dashboard, the indicators against their targets, and the evaluation snapshots.

Read-only pages for the centre's staff: the dashboard (key figures against the previous period,
monthly trend, profile of the persons reached, parcours d'engagement, retention and the whole
catalogue), the indicators of the projet social for a period, and the bilans that freeze the figures
of a date (taken by the direction). Charts are SVG drawn on the server, always with their table.
"""

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import format_date, format_decimal, get_translations
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.centres.current import active_structures, current_structure
from app.centres.models import Structure
from app.evaluation import charts, queries, snapshots
from app.evaluation.dashboard_forms import SnapshotForm
from app.evaluation.formatting import format_figure
from app.evaluation.indicators import indicator_rows
from app.evaluation.metrics import Family, Scope, Unit, percent
from app.evaluation.periods import Period, period_from_args, replace_error
from app.evaluation.permissions import can_edit_project, can_view_all_centres, can_view_evaluation
from app.evaluation.report import find_project
from app.evaluation.selection import Selection, endpoint_url, select_centres
from app.evaluation.tables import unit_label
from app.extensions import db
from app.htmx import redirect_to, render_page
from app.permissions import require
from app.timeutil import local_today

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

#: How many calendar years the period choosers offer (this year first).
YEARS_BACK = 8
PERIOD_ARGS = ("annee", "du", "au", "periode")


@bp.app_template_global("evaluation_years")
def evaluation_years(extra: int | None = None) -> list[int]:
    """Recent calendar years for a year picker, newest first (plus `extra` if older)."""
    this_year = local_today().year
    years = list(range(this_year, this_year - YEARS_BACK, -1))
    if extra is not None and extra not in years:
        years = sorted({*years, extra}, reverse=True)
    return years


@bp.app_template_global("evaluation_change")
def evaluation_change(key: queries.KeyFigure) -> str:
    """How much a key figure moved, in words: "12", "3,5 h", "2,5 points" (for a percentage)."""
    amount = abs(key.change or 0)
    if key.metric.unit == Unit.PERCENT:
        # The number shown is formatted ("2,5"); the plural follows its whole part.
        template = get_translations().ungettext("%(num)s point", "%(num)s points", int(amount))
        return template % {"num": format_decimal(amount, format="#,##0.#")}
    return format_figure(amount, key.metric.unit)


# --- which centres ------------------------------------------------------------------------------


def _centre_structure() -> Structure:
    """The current centre, for the pages about one centre's projet social (staff only)."""
    structure = current_structure()
    if structure is None:
        abort(404)
    require(can_view_evaluation, structure)
    return structure


# --- the dashboard ------------------------------------------------------------------------------

DASHBOARD_FRAGMENT = {"evaluation-dashboard": "evaluation/_dashboard.html"}


def _persons(value) -> str:
    return format_figure(value, Unit.PERSONS)


def _month_chart(months: list[queries.MonthPersons], period: Period) -> charts.Chart:
    several_years = period.start.year != period.end.year
    items = [
        (format_date(m.month, "MMMM yyyy"), format_date(m.month, "MMM yy" if several_years else "MMM"), m.persons)
        for m in months
    ]
    busiest = max(months, key=lambda m: m.persons, default=None)
    if busiest is None or busiest.persons == 0:
        summary = _("Aucune personne comptée sur la période.")
    else:
        summary = _(
            "Le mois le plus fréquenté est %(month)s avec %(n)s personnes.",
            month=format_date(busiest.month, "MMMM yyyy"),
            n=_persons(busiest.persons),
        )
    description = _(
        "Barres verticales, une par mois, de %(first)s à %(last)s. %(summary)s "
        "Les valeurs sont dans le tableau qui suit.",
        first=items[0][0],
        last=items[-1][0],
        summary=summary,
    )
    return charts.vertical_bars(
        "chart-months",
        items,
        title=_("Personnes touchées par mois"),
        description=description,
        formatter=_persons,
    )


def _category_chart(chart_id: str, title: str, rows: list[tuple[str, int]]) -> charts.Chart:
    parts = "; ".join(f"{label} : {_persons(value)}" for label, value in rows)
    description = _("Barres horizontales, une par catégorie. %(parts)s.", parts=parts)
    return charts.horizontal_bars(chart_id, rows, title=title, description=description, formatter=_persons)


def _funnel_rows(profile: queries.ReachProfile) -> list[tuple[str, int]]:
    return [(_("L%(n)s ou plus : %(label)s", n=int(level), label=level.label), n) for level, n in profile.funnel]


def _scope() -> tuple[Selection, Period, Scope]:
    """The centres and the period asked for (the projet social is read only when asked for)."""
    selection = select_centres()
    project = None
    if selection.structure is not None and request.args.get("periode") == "projet":
        project = find_project(selection.structure.id)
    period = period_from_args(request.args, project=project)
    return selection, period, Scope.of(selection.ids, period.start, period.end)


@bp.route("/")
@login_required
def dashboard():
    """Key figures against the previous period, monthly trend, profile, funnel, retention; the whole
    catalogue is loaded from `figures` (htmx, when scrolled to; a link without JavaScript)."""
    selection, period, scope = _scope()
    by_id = {s.id: s.name for s in selection.structures}
    several = len(selection.structures) > 1

    def quartier_label(name: str, structure_id: int) -> str:
        return f"{name} ({by_id.get(structure_id, '?')})" if several else name

    profile = queries.reach_profile(scope, quartier_label)
    months = queries.persons_by_month(scope)
    funnel = _funnel_rows(profile)
    links = dict(selection.args(), **period.args())
    exports = {}
    for table, label in (("chiffres", _("Tous les chiffres")), ("comptages", _("Comptages anonymes"))):
        csv = endpoint_url("evaluation_exports.export", table=table, fmt="csv", **links)
        if csv:
            exports[label] = (csv, endpoint_url("evaluation_exports.export", table=table, fmt="xlsx", **links))
    return render_page(
        "evaluation/dashboard.html",
        DASHBOARD_FRAGMENT,
        selection=selection,
        centres=active_structures() if can_view_all_centres(current_user) else None,
        period=period,
        previous=scope.previous(),
        profile=profile,
        key_figures=queries.key_figures(scope, profile),
        months=months,
        month_chart=_month_chart(months, period),
        age_chart=_category_chart("chart-age", _("Personnes touchées par tranche d'âge"), profile.by_age),
        quartier_chart=_category_chart("chart-quartier", _("Personnes touchées par quartier"), profile.by_quartier),
        qpv_chart=_category_chart("chart-qpv", _("Personnes touchées selon le quartier prioritaire"), profile.by_qpv),
        funnel_chart=charts.horizontal_bars(
            "chart-funnel",
            funnel,
            title=_("Parcours d'engagement : personnes ayant atteint au moins chaque niveau"),
            description=_(
                "Barres horizontales de L0 à L5. %(parts)s.",
                parts="; ".join(f"{label} : {_persons(n)}" for label, n in funnel),
            ),
            formatter=_persons,
        ),
        funnel_rows=[
            (label, _persons(n), format_figure(percent(n, profile.persons), Unit.PERCENT)) for label, n in funnel
        ],
        links=links,
        figures_url=url_for("evaluation.figures", **links),
        exports=exports,
        senacs_url=endpoint_url("evaluation_exports.senacs", **selection.args()),
        report_url=endpoint_url("evaluation_exports.report") if selection.structure else None,
        indicators_url=url_for("evaluation.indicators") if selection.structure else None,
        unit_label=unit_label,
        Unit=Unit,
    )


FIGURES_FRAGMENT = {"evaluation-catalogue": "evaluation/_catalogue.html"}


@bp.route("/chiffres")
@login_required
def figures():
    """Every metric of the catalogue by family, with its definition and unit, for the period."""
    selection, period, scope = _scope()
    links = dict(selection.args(), **period.args())
    try:
        family = Family(request.args.get("famille", Family.VOLUNTEERING.value))
    except ValueError:
        family = Family.VOLUNTEERING
    return render_page(
        "evaluation/figures.html",
        FIGURES_FRAGMENT,
        selection=selection,
        period=period,
        family=family,
        families=list(Family),
        catalogue=queries.catalogue_figures(scope, family),
        links=links,
        manual_url=endpoint_url("evaluation_data.manual_figures", annee=period.year),
        unit_label=unit_label,
    )


# --- indicators against their targets -----------------------------------------------------------

INDICATORS_FRAGMENT = {"evaluation-indicators": "evaluation/_indicators.html"}


def _project_period(project) -> Period:
    """The period asked for, else the projet social's; bad input falls back to the project's."""
    default = Period(project.starts_on, project.ends_on, "project")
    if not any(request.args.get(name) for name in PERIOD_ARGS):
        return default
    period = period_from_args(request.args, project=project)
    return replace_error(default, period.error) if period.error else period


@bp.route("/indicateurs")
@login_required
def indicators():
    """The projet social's indicators by axis, objective and action: target, achieved, comment."""
    structure = _centre_structure()
    project = find_project(structure.id)
    context = {
        "structure": structure,
        "project": project,
        "editor_url": endpoint_url("social_project.index"),
        "Unit": Unit,
    }
    if project is None:
        return render_page("evaluation/indicators.html", INDICATORS_FRAGMENT, groups=[], period=None, **context)
    period = _project_period(project)
    rows = indicator_rows(project, period.start, period.end)
    years = list(range(min(project.ends_on.year, local_today().year), project.starts_on.year - 1, -1))
    if period.is_year and period.year not in years:
        years = sorted({*years, period.year}, reverse=True)
    return render_page(
        "evaluation/indicators.html",
        INDICATORS_FRAGMENT,
        groups=queries.indicator_groups(rows),
        count=len(rows),
        summary={
            "reached": sum(1 for r in rows if r.reached is True),
            "missed": sum(1 for r in rows if r.reached is False),
            "other": sum(1 for r in rows if r.reached is None),
        },
        period=period,
        years=years,
        **context,
    )


# --- snapshots (bilans) -------------------------------------------------------------------------


def _snapshot_form(project) -> SnapshotForm:
    form = SnapshotForm()
    if request.method == "GET" and project is not None:
        form.start.data, form.end.data = project.starts_on, project.ends_on
    return form


@bp.route("/bilans", methods=["GET", "POST"])
@login_required
def snapshots_page():
    """The centre's bilans, newest first; the direction freezes a new one (POST)."""
    structure = _centre_structure()
    project = find_project(structure.id)
    form = _snapshot_form(project)
    status = 200
    if request.method == "POST":
        require(can_edit_project, structure)
        if project is None:
            abort(404)
        if form.validate_on_submit():
            snapshot = snapshots.take_snapshot(
                project, form.snapshot_kind, form.start.data, form.end.data, current_user, form.note.data or ""
            )
            db.session.commit()
            flash(_("Les chiffres sont figés : voici le bilan."), "success")
            return redirect_to(url_for("evaluation.snapshot", snapshot_id=snapshot.id))
        status = 422
    return render_page(
        "evaluation/snapshots.html",
        status=status,
        structure=structure,
        project=project,
        items=snapshots.snapshots_of(structure.id),
        form=form,
        can_take=can_edit_project(current_user, structure),
        editor_url=endpoint_url("social_project.index"),
    )


@bp.route("/bilans/<int:snapshot_id>")
@login_required
def snapshot(snapshot_id: int):
    """A bilan as it was frozen: the stored figures, never recomputed."""
    structure = _centre_structure()
    found = snapshots.find_snapshot(snapshot_id, structure.id)
    if found is None:
        abort(404)
    return render_page(
        "evaluation/snapshot.html",
        structure=structure,
        snapshot=found,
        families=snapshots.frozen_metrics(found),
        indicators=snapshots.frozen_indicators(found),
        unit_label=unit_label,
    )
