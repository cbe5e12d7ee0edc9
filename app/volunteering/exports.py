"""The tables behind the volunteering exports: validated hours and per-volunteer statements
(written as CSV or XLSX by app/exports.py)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.exports import Cell
from app.extensions import db
from app.instances.models import Instance
from app.volunteering.models import Category, HourEntry, Mission
from app.volunteering.reports import counted_hours, statements


def entries_table(structure_ids, start: date, end: date) -> tuple[list[str], list[list[Cell]]]:
    """Validated entries that count over the period (the rows behind B6 and B8), by day."""
    validator = aliased(User)
    query = (
        counted_hours(
            structure_ids,
            start,
            end,
            HourEntry,
            User.display_name,
            Mission.title,
            Instance.name,
            validator.display_name,
        )
        .join(User, User.id == HourEntry.person_id)
        .outerjoin(Mission, Mission.id == HourEntry.mission_id)
        .outerjoin(Instance, Instance.id == HourEntry.instance_id)
        .outerjoin(validator, validator.id == HourEntry.validated_by_id)
        .order_by(HourEntry.day, User.display_name, HourEntry.id)
    )
    header = [
        _("Date"),
        _("Bénévole"),
        _("Catégorie"),
        _("Heures"),
        _("Origine"),
        _("Mission ou instance"),
        _("Description"),
        _("Taux (€/h)"),
        _("Méthode de valorisation"),
        _("Coefficient"),
        _("Valeur (€)"),
        _("Validée par"),
        _("Validée le"),
    ]
    rows = []
    for entry, name, mission, instance, validated_by in db.session.execute(query):
        rows.append(
            [
                entry.day,
                name,
                entry.category.label,
                entry.hours,
                entry.source.label,
                mission or instance or "",
                entry.description,
                entry.rate,
                entry.rate_method.label if entry.rate_method else "",
                entry.rate_coefficient,
                entry.value,
                validated_by or "",
                entry.validated_at,
            ]
        )
    return header, rows


def statements_table(structure_ids, start: date, end: date) -> tuple[list[str], list[list[Cell]]]:
    """One line per volunteer: validated hours by category, total, valued total, CEC hours."""
    header = [
        _("Bénévole"),
        *[str(c.label) for c in Category],
        _("Total des heures"),
        _("Valorisation (€)"),
        _("Nombre de saisies"),
        _("Heures comptant pour le CEC"),
    ]
    rows = [
        [s.name, *[s.hours[c] for c in Category], s.total_hours, s.value, s.entries, s.cec_hours]
        for s in statements(structure_ids, start, end)
    ]
    return header, rows


def filename(kind: str, start: date, end: date, extension: str) -> str:
    """`heures-benevolat_2026-01-01_2026-12-31.csv`: what, and the period."""
    return f"{kind}_{start.isoformat()}_{end.isoformat()}.{extension}"
