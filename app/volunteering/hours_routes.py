"""Volunteer hours: declare, validate, my page and attestation, reports and exports.

Every action is a plain POST form (303 + flash without JavaScript); the validation queue's
"Valider la sélection", aimed by htmx at `hours-queue`, gets the refreshed queue back.
"""

from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import format_currency, format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.on_behalf import acting_for, acting_person
from app.audit import log_event
from app.centres.current import current_structure
from app.exports import to_csv, to_xlsx
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.pagination import Page, page_count
from app.permissions import require
from app.volunteering import exports, hours_queries, reports
from app.volunteering import hours as services
from app.volunteering.hours import HoursError
from app.volunteering.hours_forms import (
    CorrectForm,
    DeclareForm,
    PeriodForm,
    PolicyForm,
    RejectForm,
    ValidateForm,
    format_hours,
    parse_year,
)
from app.volunteering.hours_permissions import (
    can_correct_entry,
    can_declare_hours,
    can_handle_hours,
    can_manage_valuation,
    can_validate_entry,
    can_view_entry,
    can_view_hour_reports,
    can_view_person_hours,
    can_withdraw_entry,
    coordinated_missions,
)
from app.volunteering.models import Category, EntryStatus, ValuationMethod

bp = Blueprint("hours", __name__, url_prefix="/benevolat")

#: Le Compte Bénévole, where a bénévole declares their CEC hours themself.
COMPTE_BENEVOLE_URL = "https://www.associations.gouv.fr/le-compte-benevole.html"
STATEMENTS_PER_PAGE = 50


@bp.app_template_filter("vol_hours")
def _hours_filter(value) -> str:
    return format_hours(value or 0)


@bp.app_template_filter("vol_euros")
def _euros_filter(value) -> str:
    return format_currency(Decimal(value or 0), "EUR")


@bp.app_template_filter("vol_percent")
def _percent_filter(value) -> str:
    return format_percent(Decimal(value or 0), "#,##0 %")


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _is_staff(structure) -> bool:
    return can_view_hour_reports(current_user, structure)


# --- declaring ----------------------------------------------------------------------------------


@bp.route("/heures/declarer", methods=["GET", "POST"])
@login_required
def declare():
    """A bénévole declares hours; staff at the accueil do it for the person they act for."""
    structure = _structure()
    person = acting_person()
    allowed = can_declare_hours(person, structure)
    form = DeclareForm().setup(hours_queries.missions_for_declaring(structure.id))
    if request.method == "POST":
        if not allowed:
            abort(403)
        if form.validate_on_submit():
            try:
                entry = services.declare_hours(structure, person, form.fields(), by=current_user)
            except HoursError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(
                    _(
                        "%(hours)s h déclarées pour le %(day)s : l'équipe va les valider.",
                        hours=format_hours(entry.hours),
                        day=entry.day.strftime("%d/%m/%Y"),
                    ),
                    "success",
                )
                return redirect_to(url_for("hours.mine", annee=entry.day.year))
        status = 422
    else:
        status = 200
        form.day.data = services.local_today()
    return render_page(
        "volunteering/hours/declare.html",
        status=status,
        form=form,
        allowed=allowed,
        person=person,
        acting=acting_for(),
        structure=structure,
    )


# --- the validation queue -----------------------------------------------------------------------


def _queue_context(structure, *, message: str | None = None) -> dict:
    staff = _is_staff(structure)
    missions = coordinated_missions(current_user, structure.id)
    page = request.args.get("page", 1, type=int) or 1
    return {
        "page": hours_queries.queue(current_user, structure.id, staff=staff, missions=missions, page=page),
        "staff": staff,
        "structure": structure,
        "bulk_form": EmptyForm(formdata=None),
        "message": message,
    }


QUEUE_FRAGMENT = {"hours-queue": "volunteering/hours/_queue.html"}


@bp.route("/heures/a-valider")
@login_required
def queue():
    """Proposed hours (from shifts, meetings and declarations) for staff and coordinators."""
    structure = _structure()
    require(can_handle_hours, structure)
    return render_page("volunteering/hours/queue.html", QUEUE_FRAGMENT, **_queue_context(structure))


@bp.route("/heures/valider", methods=["POST"])
@login_required
def validate_many():
    """ "Valider la sélection": the checked entries the person may validate."""
    structure = _structure()
    require(can_handle_hours, structure)
    if not EmptyForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("entry")
    if not ids:
        message, category = _("Cochez au moins une saisie à valider."), "error"
    else:
        done, skipped = services.validate_entries(ids, current_user, structure_id=structure.id)
        db.session.commit()
        message = ngettext("%(num)d saisie validée.", "%(num)d saisies validées.", done)
        if skipped:
            message += " " + ngettext(
                "%(num)d n'a pas pu l'être (déjà traitée ou hors de vos missions).",
                "%(num)d n'ont pas pu l'être (déjà traitées ou hors de vos missions).",
                skipped,
            )
        category = "success" if done else "error"
    if wanted_fragment(QUEUE_FRAGMENT):
        return render_page(
            "volunteering/hours/queue.html", QUEUE_FRAGMENT, **_queue_context(structure, message=message)
        )
    flash(message, category)
    return redirect_to(url_for("hours.queue"))


# --- one entry ----------------------------------------------------------------------------------


def _load_entry(entry_id: int):
    found = hours_queries.entry_detail(entry_id, _structure().id)
    if found is None:
        abort(404)
    row, revisions, names = found
    viewer = acting_person()
    if not (can_view_entry(current_user, row.entry) or can_view_entry(viewer, row.entry)):
        abort(404)
    return row, revisions, names


def _prefilled(form_class, entry, prefix: str):
    form = form_class(formdata=None, prefix=prefix)
    form.day.data, form.hours.data, form.category.data = entry.day, entry.hours, entry.category.value
    return form


def _render_entry(row, revisions, names, status: int = 200, **overrides):
    entry = row.entry
    context = {
        "row": row,
        "entry": entry,
        "revisions": revisions,
        "names": names,
        "validate_form": _prefilled(ValidateForm, entry, "validate"),
        "reject_form": RejectForm(formdata=None, prefix="reject"),
        "correct_form": _prefilled(CorrectForm, entry, "correct"),
        "withdraw_form": EmptyForm(formdata=None),
        "may_validate": can_validate_entry(current_user, entry),
        "may_correct": can_correct_entry(current_user, entry),
        "may_withdraw": can_withdraw_entry(acting_person(), entry),
        "confirm_withdraw": request.args.get("retirer") == "1",
        "Category": Category,
        **overrides,
    }
    return render_page("volunteering/hours/entry.html", status=status, **context)


@bp.route("/heures/<int:entry_id>")
@login_required
def entry(entry_id: int):
    """An entry: its details, history, and what the viewer may do (validate, refuse, correct)."""
    return _render_entry(*_load_entry(entry_id))


def _back_to_queue_or_entry(entry) -> str:
    if can_handle_hours(current_user, current_structure()):
        return url_for("hours.queue")
    return url_for("hours.entry", entry_id=entry.id)


@bp.route("/heures/<int:entry_id>/valider", methods=["POST"])
@login_required
def validate(entry_id: int):
    row, revisions, names = _load_entry(entry_id)
    entry = row.entry
    require(can_validate_entry, entry)
    form = ValidateForm(prefix="validate")
    if not form.validate_on_submit():
        return _render_entry(row, revisions, names, 422, validate_form=form, failed="validate")
    try:
        services.validate_entry(entry, current_user, form.changes())
    except HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(url_for("hours.entry", entry_id=entry_id))
    db.session.commit()
    flash(
        _(
            "Heures validées : %(hours)s h de %(name)s, valorisées %(value)s.",
            hours=format_hours(entry.hours),
            name=entry.person.display_name,
            value=_euros_filter(entry.value),
        ),
        "success",
    )
    return redirect_to(_back_to_queue_or_entry(entry))


@bp.route("/heures/<int:entry_id>/refuser", methods=["POST"])
@login_required
def reject(entry_id: int):
    row, revisions, names = _load_entry(entry_id)
    entry = row.entry
    require(can_validate_entry, entry)
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _render_entry(row, revisions, names, 422, reject_form=form, failed="reject")
    try:
        services.reject_entry(entry, form.reason.data, current_user)
    except HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(url_for("hours.entry", entry_id=entry_id))
    db.session.commit()
    flash(_("Saisie refusée : %(name)s en est informé·e.", name=entry.person.display_name), "success")
    return redirect_to(_back_to_queue_or_entry(entry))


@bp.route("/heures/<int:entry_id>/corriger", methods=["POST"])
@login_required
def correct(entry_id: int):
    """Change a validated entry, with a reason kept in its history."""
    row, revisions, names = _load_entry(entry_id)
    entry = row.entry
    require(can_correct_entry, entry)
    form = CorrectForm(prefix="correct")
    if not form.validate_on_submit():
        return _render_entry(row, revisions, names, 422, correct_form=form, failed="correct")
    try:
        _revision, revalued = services.correct_entry(entry, form.changes(), form.reason.data, current_user)
    except HoursError as error:
        db.session.rollback()
        row, revisions, names = _load_entry(entry_id)
        form.hours.errors = [*form.hours.errors, str(error)]
        return _render_entry(row, revisions, names, 422, correct_form=form, failed="correct")
    db.session.commit()
    if revalued:
        message = _(
            "Correction enregistrée. La date ou la catégorie a changé de période de valorisation : "
            "les heures sont valorisées au taux de %(rate)s de l'heure, soit %(value)s.",
            rate=_euros_filter(entry.rate),
            value=_euros_filter(entry.value),
        )
    else:
        message = _(
            "Correction enregistrée. Le taux d'origine (%(rate)s de l'heure) est conservé : %(value)s.",
            rate=_euros_filter(entry.rate),
            value=_euros_filter(entry.value),
        )
    flash(message, "success")
    return redirect_to(url_for("hours.entry", entry_id=entry_id))


@bp.route("/heures/<int:entry_id>/retirer", methods=["POST"])
@login_required
def withdraw(entry_id: int):
    """The person takes back a declaration still to validate (confirmed on the entry page)."""
    row, _revisions, _names = _load_entry(entry_id)
    entry = row.entry
    if not can_withdraw_entry(acting_person(), entry):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    year = entry.day.year
    try:
        services.withdraw_entry(entry, current_user)
    except HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(url_for("hours.entry", entry_id=entry_id))
    db.session.commit()
    flash(_("Déclaration retirée."), "success")
    return redirect_to(url_for("hours.mine", annee=year))


# --- valuation policy ---------------------------------------------------------------------------


@bp.route("/heures/valorisation", methods=["GET", "POST"])
@login_required
def valuation():
    """The centre's valuation policies (current and past) and a new one from a date."""
    structure = _structure()
    require(can_manage_valuation, structure)
    form = PolicyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                policy = services.add_policy(structure, form.fields(), current_user)
            except HoursError as error:
                db.session.rollback()
                form.effective_from.errors = [*form.effective_from.errors, str(error)]
            else:
                db.session.commit()
                flash(
                    _(
                        "Nouvelle valorisation enregistrée : %(rate)s de l'heure à partir du %(day)s. "
                        "Les heures déjà validées gardent leur taux.",
                        rate=_euros_filter(policy.default_rate),
                        day=policy.effective_from.strftime("%d/%m/%Y"),
                    ),
                    "success",
                )
                return redirect_to(url_for("hours.valuation"))
        status = 422
    else:
        form.effective_from.data = services.local_today()
        form.default_rate.data = services.default_smic(services.local_today())
    today = services.local_today()
    return render_page(
        "volunteering/hours/valuation.html",
        status=status,
        form=form,
        structure=structure,
        policies=services.policies_of(structure.id),
        current=services.policy_on(structure.id, today),
        today=today,
        smic_table=services.SMIC_GROSS_HOURLY,
        smic_now=services.default_smic(today),
        default_full_time=services.DEFAULT_FULL_TIME_HOURS,
        Category=Category,
        ValuationMethod=ValuationMethod,
    )


# --- a bénévole's page and attestation -----------------------------------------------------------


def _person_page(person, structure, *, own: bool):
    year = parse_year(request.args.get("annee")) or services.local_today().year
    years = hours_queries.years_of(person.id, structure.id)
    summary = years.get(year) or hours_queries.YearSummary(year)
    entries = hours_queries.entries_of(person.id, structure.id, year)
    by_status = {status: [r for r in entries if r.entry.status == status] for status in EntryStatus}
    shown_years = sorted({*years, year, services.local_today().year}, reverse=True)
    return render_page(
        "volunteering/hours/person.html",
        person=person,
        structure=structure,
        own=own,
        year=year,
        years=years,
        shown_years=shown_years,
        summary=summary,
        by_status=by_status,
        shifts=hours_queries.shifts_done(person.id, structure.id, year),
        cec_total=reports.CEC_TOTAL_HOURS,
        cec_same=reports.CEC_SAME_ASSOCIATION_HOURS,
        compte_benevole_url=COMPTE_BENEVOLE_URL,
        Category=Category,
        EntryStatus=EntryStatus,
        may_declare=can_declare_hours(person, structure),
    )


@bp.route("/heures/moi")
@login_required
def mine():
    """My hours (or those of the person staff act for): shifts done, entries, years, CEC."""
    return _person_page(acting_person(), _structure(), own=True)


@bp.route("/heures/personnes/<int:user_id>")
@login_required
def person(user_id: int):
    """A bénévole's hours, for staff."""
    structure = _structure()
    require(can_view_person_hours, user_id, structure)
    found = hours_queries.find_person(user_id, structure.id)
    if found is None:
        abort(404)
    return _person_page(found, structure, own=found.id == current_user.id)


def _attestation(person, structure, year: int):
    if parse_year(year) is None:
        abort(404)
    entries, rates = hours_queries.attestation_data(person.id, structure.id, year)
    by_category = dict.fromkeys(Category, Decimal(0))
    for row in entries:
        by_category[row.entry.category] += row.entry.hours
    return render_page(
        "volunteering/hours/attestation.html",
        person=person,
        structure=structure,
        year=year,
        entries=entries,
        rates=rates,
        by_category=by_category,
        total_hours=sum(by_category.values(), Decimal(0)),
        total_value=sum((r.value for r in rates), Decimal(0)),
        today=services.local_today(),
        director=hours_queries.director_name(structure.id),
        Category=Category,
    )


@bp.route("/heures/moi/attestation/<int:year>")
@login_required
def my_attestation(year: int):
    """My yearly attestation of validated hours, to print (A4)."""
    return _attestation(acting_person(), _structure(), year)


@bp.route("/heures/personnes/<int:user_id>/attestation/<int:year>")
@login_required
def person_attestation(user_id: int, year: int):
    structure = _structure()
    require(can_view_person_hours, user_id, structure)
    found = hours_queries.find_person(user_id, structure.id)
    if found is None:
        abort(404)
    return _attestation(found, structure, year)


# --- reports and exports ------------------------------------------------------------------------


def _period(structure) -> tuple[PeriodForm, date, date, bool]:
    this_year = services.local_today().year
    form = PeriodForm(request.args)
    form.setup(list(range(this_year, this_year - 8, -1)))
    form.validate()
    start, end, is_year = form.period()
    if not form.annee.data or parse_year(form.annee.data) is None:
        form.annee.data = str(start.year if is_year else this_year)
    return form, start, end, is_year


REPORT_FRAGMENT = {"hours-report": "volunteering/hours/_report.html"}


@bp.route("/heures/rapports")
@login_required
def reports_page():
    """Hours by category and month, volunteers (B1–B3, B6–B10, B13), statements, exports."""
    structure = _structure()
    require(can_view_hour_reports, structure)
    form, start, end, is_year = _period(structure)
    ids = [structure.id]
    all_statements = reports.statements(ids, start, end)
    pages = page_count(len(all_statements), STATEMENTS_PER_PAGE)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    statements_page = Page(
        all_statements[(page - 1) * STATEMENTS_PER_PAGE : page * STATEMENTS_PER_PAGE],
        page,
        STATEMENTS_PER_PAGE,
        len(all_statements),
    )
    period_args = {"du": start.isoformat(), "au": end.isoformat()}
    summary = reports.hours_summary(ids, start, end)
    return render_page(
        "volunteering/hours/reports.html",
        REPORT_FRAGMENT,
        form=form,
        structure=structure,
        start=start,
        end=end,
        is_year=is_year,
        counts=reports.volunteer_counts(ids, start, end),
        by_category=summary.by_category,
        fte=summary.fte,
        full_time=summary.full_time_references[structure.id],
        months=reports.hours_by_month(ids, start, end),
        statements=statements_page,
        cec=reports.cec_statements(ids, start, end) if is_year else None,
        definitions=reports.DEFINITIONS,
        period_args=period_args,
        Category=Category,
    )


EXPORTS = {
    "heures": ("heures-benevolat", exports.entries_table),
    "releves": ("releves-benevoles", exports.statements_table),
}


@bp.route("/heures/rapports/export/<what>.<fmt>")
@login_required
def export(what: str, fmt: str):
    """CSV or XLSX of the validated hours or of the per-volunteer statements over the period."""
    structure = _structure()
    require(can_view_hour_reports, structure)
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    _form, start, end, _is_year = _period(structure)
    stem, build = EXPORTS[what]
    header, rows = build([structure.id], start, end)
    log_event(
        "data_export",
        actor=current_user,
        structure_id=structure.id,
        export=f"volunteering.{what}",
        format=fmt,
        start=start,
        end=end,
        rows=len(rows),
    )
    db.session.commit()
    name = exports.filename(stem, start, end, fmt)
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        sheet = _("Heures") if what == "heures" else _("Relevés")
        body = to_xlsx(header, rows, sheet)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
