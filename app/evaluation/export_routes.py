"""What leaves the centre: CSV/XLSX tables, the SENACS aide-à-la-saisie sheet, the printable
projet social evaluation report ("< 5" masking everywhere)."""

from datetime import date

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from app.audit import log_event
from app.centres.current import active_structures
from app.centres.models import Structure
from app.evaluation import report, senacs, tables
from app.evaluation.metrics import Unit
from app.evaluation.periods import Period, period_from_args
from app.evaluation.permissions import can_view_all_centres
from app.evaluation.selection import endpoint_url, select_centres
from app.exports import to_csv, to_xlsx
from app.extensions import db
from app.htmx import render_page
from app.timeutil import local_today

bp = Blueprint("evaluation_exports", __name__, url_prefix="/evaluation")

FORMATS = ("csv", "xlsx")
#: How many past years the year pickers offer.
YEARS_BACK = 8


# --- which centres ------------------------------------------------------------------------------


def _centre_choices() -> list[Structure] | None:
    """The centres a platform admin may pick (None for everybody else)."""
    return active_structures() if can_view_all_centres(current_user) else None


def _senacs_year() -> tuple[int, str | None]:
    """The year of the SENACS sheet: `?annee=`, else last calendar year (SENACS collects N-1)."""
    period = period_from_args({"annee": request.args.get("annee", "")}, default_year=local_today().year - 1)
    return period.year, period.error


def _years(until: int) -> list[int]:
    return list(range(until, until - YEARS_BACK, -1))


# --- the SENACS sheet ---------------------------------------------------------------------------


@bp.route("/senacs", endpoint="senacs")
@login_required
def senacs_page():
    """The annual SENACS aide-à-la-saisie sheet: each figure with our definition, to copy into senacs.fr."""
    selection = select_centres(allow_all=True)
    year, error = _senacs_year()
    lines = senacs.sheet(selection.ids, year)
    return render_page(
        "evaluation/senacs.html",
        selection=selection,
        centres=_centre_choices(),
        year=year,
        years=_years(local_today().year),
        error=error,
        groups=senacs.by_topic(lines),
        manual_url=endpoint_url("evaluation_data.manual_figures", annee=year),
        export_args={"annee": str(year), **selection.args()},
        unit_label=tables.unit_label,
    )


# --- CSV and XLSX -------------------------------------------------------------------------------

#: table → (XLSX sheet name, needs a single centre's projet social)
TABLES = {
    "chiffres": ("Chiffres", False),
    "indicateurs": ("Indicateurs", True),
    "actions": ("Actions", True),
    "comptages": ("Comptages", False),
    "senacs": ("SENACS", False),
}


def _filename(table: str, period: Period, fmt: str) -> str:
    """`ensemble-chiffres-2025.csv`, or `ensemble-chiffres-2025-01-01_2025-06-30.csv` for another period."""
    when = str(period.year) if period.is_year else f"{period.start.isoformat()}_{period.end.isoformat()}"
    return f"ensemble-{table}-{when}.{fmt}"


@bp.route("/export/<table>.<fmt>")
@bp.route("/senacs.<fmt>", defaults={"table": "senacs"})
@login_required
def export(table: str, fmt: str):
    """One evaluation table over the period, as CSV (Excel in French) or XLSX, masked under 5."""
    if table not in TABLES or fmt not in FORMATS:
        abort(404)
    sheet, needs_project = TABLES[table]
    selection = select_centres(allow_all=not needs_project)
    if table == "senacs":
        year, _error = _senacs_year()
        period = Period(date(year, 1, 1), date(year, 12, 31), "year")
        header, rows = tables.senacs_table(selection.ids, year)
    elif needs_project:
        project = report.find_project(selection.structure.id)
        period = period_from_args(request.args, project=project)
        build = tables.indicators_table if table == "indicateurs" else tables.actions_table
        header, rows = build(project, period.start, period.end)
    else:
        period = period_from_args(request.args)
        build = tables.figures_table if table == "chiffres" else tables.headcounts_table
        header, rows = build(selection.ids, period.start, period.end)
    log_event(
        "data_export",
        actor=current_user,
        structure_id=selection.structure.id if selection.structure else None,
        export=f"evaluation.{table}",
        format=fmt,
        start=period.start,
        end=period.end,
        centres=selection.ids,
        rows=len(rows),
    )
    db.session.commit()
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(header, rows, sheet)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(table, period, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the printable evaluation report ------------------------------------------------------------

PERIOD_ARGS = ("annee", "du", "au", "periode")


@bp.route("/rapport", endpoint="report")
@login_required
def report_page():
    """The projet social evaluation report, to print on A4: per axis its objectives, actions and
    indicators, then the key figures and the definitions. The project's period by default."""
    selection = select_centres(allow_all=False)
    structure = selection.structure
    project = report.find_project(structure.id)
    context = {
        "selection": selection,
        "centres": _centre_choices(),
        "structure": structure,
        "today": local_today(),
        "project": project,
        "Unit": Unit,
    }
    if project is None:
        return render_page(
            "evaluation/report.html",
            project_url=endpoint_url("social_project.index", **selection.args()),
            **context,
        )
    if any(request.args.get(name) for name in PERIOD_ARGS):
        period = period_from_args(request.args, project=project)
        if period.error:  # bad input: back to the project's period, with the message
            period = Period(project.starts_on, project.ends_on, "project", period.error)
    else:
        period = Period(project.starts_on, project.ends_on, "project")
    last_year = min(project.ends_on.year, local_today().year)
    return render_page(
        "evaluation/report.html",
        period=period,
        data=report.build_report(project, period.start, period.end),
        years=list(range(last_year, project.starts_on.year - 1, -1)),
        export_args={**period.args(), **selection.args()},
        **context,
    )
