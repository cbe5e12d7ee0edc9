"""The evaluation tables that leave the centre as CSV or XLSX (written by app/exports.py).

Each builder returns (header, rows) with the "< 5" masking already applied: a count of people or
things from 1 to 4 is written as the text "< 5", never as the number.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.centres.models import Structure
from app.evaluation import metrics, report, senacs
from app.evaluation.formatting import is_masked
from app.evaluation.indicators import indicator_rows
from app.evaluation.metrics import Unit
from app.evaluation.models import Action, HeadCount, SocialProject
from app.exports import Cell
from app.extensions import db

Table = tuple[list[str], list[list[Cell]]]

UNIT_LABELS = {
    Unit.PERSONS: _l("personnes"),
    Unit.HOUSEHOLDS: _l("foyers"),
    Unit.COUNT: _l("nombre"),
    Unit.PERCENT: _l("%"),
    Unit.HOURS: _l("heures"),
    Unit.FTE: _l("ETP"),
    Unit.EUROS: _l("euros"),
    Unit.DAYS: _l("jours"),
    Unit.RATIO: _l("ratio"),
}


def masked(value, unit: Unit = Unit.PERSONS) -> Cell:
    """The value for a file leaving the centre: "< 5" for a count from 1 to 4, else the value."""
    if is_masked(value, unit):
        return _("< 5")
    if value is not None and unit.is_headcount:
        return int(value)
    return value


def unit_label(unit: Unit) -> str:
    return str(UNIT_LABELS.get(unit, unit.value))


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("oui") if value else _("non")


# --- chiffres: the whole catalogue ------------------------------------------------------------------


def figures_table(structure_ids, start: date, end: date) -> Table:
    """Every metric of the catalogue for the period, with the previous period of the same length."""
    scope = metrics.Scope.of(structure_ids, start, end)
    codes = [m.code for m in metrics.catalogue()]
    current = metrics.compute(codes, scope)
    previous = metrics.compute(codes, scope.previous())
    header = [
        _("Code"),
        _("Indicateur"),
        _("Valeur"),
        _("Unité"),
        _("Définition"),
        _("Période précédente"),
        _("Comptages anonymes (à côté, non additionnés)"),
    ]
    rows: list[list[Cell]] = []
    for code, figure in current.items():
        metric = figure.metric
        before = previous.get(code)
        value: Cell = masked(figure.value, metric.unit)
        if metric.manual and figure.value is None:
            value = _("non saisi")
        rows.append(
            [
                code,
                str(metric.label),
                value,
                unit_label(metric.unit),
                str(metric.definition),
                masked(before.value, metric.unit) if before else None,
                masked(figure.anonymous) if figure.anonymous is not None else None,
            ]
        )
        before_parts = dict(before.breakdown) if before else {}
        for label, part in figure.breakdown:
            rows.append(
                [
                    code,
                    f"{metric.label} — {label}",
                    masked(part, metric.unit),
                    unit_label(metric.unit),
                    "",
                    masked(before_parts.get(label), metric.unit),
                    None,
                ]
            )
    return header, rows


# --- indicateurs ------------------------------------------------------------------------------------


def indicators_table(project: SocialProject | None, start: date, end: date) -> Table:
    """Indicator / axis / objective / action / baseline / target / achieved / reached / comment."""
    header = [
        _("Indicateur"),
        _("Axe"),
        _("Objectif"),
        _("Action"),
        _("Type"),
        _("Mesure"),
        _("Situation de départ"),
        _("Cible"),
        _("Réalisé"),
        _("Atteint"),
        _("Commentaire"),
        _("Éléments qualitatifs"),
    ]
    if project is None:
        return header, []
    rows: list[list[Cell]] = []
    for row in indicator_rows(project, start, end):
        indicator, unit = row.indicator, row.metric.unit if row.metric else Unit.RATIO
        measure = f"{row.metric.code} — {row.metric.label}" if row.metric else ""
        if measure and indicator.age_bracket is not None:
            measure += f" ({indicator.age_bracket.label})"
        rows.append(
            [
                indicator.title,
                row.axis.title,
                row.objective.title,
                row.action.title if row.action else "",
                indicator.kind.label,
                measure,
                masked(indicator.baseline, unit),
                indicator.target,
                masked(row.achieved, unit),
                _yes_no(row.reached),
                indicator.comment,
                indicator.evidence,
            ]
        )
    return header, rows


# --- actions: the report's per-axis table -----------------------------------------------------------


def actions_table(project: SocialProject | None, start: date, end: date) -> Table:
    """Axis / objective / action / publics / sessions / participants / partners (and named participants
    of the initiatives, instances and missions linked to an objective)."""
    header = [
        _("Axe"),
        _("Objectif"),
        _("Action"),
        _("Publics"),
        _("Séances (comptages)"),
        _("Participants (comptages anonymes)"),
        _("Participants inscrits (personnes distinctes)"),
        _("Partenaires"),
    ]
    if project is None:
        return header, []
    lines = report.action_lines(project, report.load_tree(project), start, end)
    rows = [
        [
            line.axis.title,
            line.objective.title,
            line.label,
            line.publics,
            masked(line.sessions, Unit.COUNT),
            masked(line.participants),
            masked(line.named),
            line.partners,
        ]
        for line in lines
    ]
    return header, rows


# --- comptages: the anonymous headcounts ------------------------------------------------------------


def headcounts_table(structure_ids, start: date, end: date) -> Table:
    """The anonymous headcounts of the period, by day (every count masked under 5)."""
    several = len(tuple(structure_ids)) > 1
    query = (
        sa.select(HeadCount, Action.title, Structure.name)
        .join(Structure, Structure.id == HeadCount.structure_id)
        .outerjoin(Action, Action.id == HeadCount.action_id)
        .where(
            HeadCount.structure_id.in_(list(structure_ids)),
            HeadCount.occurred_on >= start,
            HeadCount.occurred_on <= end,
        )
        .order_by(HeadCount.occurred_on, HeadCount.id)
    )
    header = [
        _("Date"),
        *([_("Centre")] if several else []),
        _("Libellé"),
        _("Total"),
        _("0 à 10 ans"),
        _("11 à 25 ans"),
        _("26 à 59 ans"),
        _("60 ans et plus"),
        _("Événement local"),
        _("Action du projet social"),
    ]
    rows: list[list[Cell]] = []
    for count, action, centre in db.session.execute(query):
        rows.append(
            [
                count.occurred_on,
                *([centre] if several else []),
                count.label,
                masked(count.total),
                masked(count.under_11),
                masked(count.age_11_25),
                masked(count.age_26_59),
                masked(count.age_60_plus),
                _yes_no(count.is_event),
                action or "",
            ]
        )
    return header, rows


# --- senacs: the aide-à-la-saisie sheet --------------------------------------------------------------


def senacs_table(structure_ids, year: int) -> Table:
    """The SENACS sheet of `year`: topic, code, label, figure, anonymous beside, definition, note."""
    header = [
        _("Thème SENACS"),
        _("Code"),
        _("Indicateur"),
        _("Valeur %(year)s", year=year),
        _("Unité"),
        _("Comptages anonymes (à côté, non additionnés)"),
        _("Définition utilisée"),
        _("Remarque"),
    ]
    note = _("Intitulé exact de la question à vérifier sur senacs.fr.")
    rows: list[list[Cell]] = []
    lines = senacs.sheet(structure_ids, year, brackets=True)
    for line in [line for _key, _label, group in senacs.by_topic(lines) for line in group]:
        metric, figure = line.metric, line.figure
        value: Cell = masked(figure.value, metric.unit)
        if line.not_entered:
            value = _("non saisi — à saisir")
        rows.append(
            [
                line.topic_label,
                line.code,
                str(metric.label),
                value,
                unit_label(metric.unit),
                masked(line.anonymous) if line.anonymous is not None else None,
                str(metric.definition),
                note,
            ]
        )
        for label, part in figure.breakdown:
            rows.append(
                [
                    line.topic_label,
                    line.code,
                    f"{metric.label} — {label}",
                    masked(part, metric.unit),
                    unit_label(metric.unit),
                    None,
                    "",
                    "",
                ]
            )
        for label, part in line.anonymous_brackets:
            rows.append(
                [
                    line.topic_label,
                    line.code,
                    _("%(label)s — comptages anonymes, %(bracket)s", label=metric.label, bracket=label),
                    None,
                    unit_label(Unit.PERSONS),
                    masked(part),
                    "",
                    "",
                ]
            )
    return header, rows
