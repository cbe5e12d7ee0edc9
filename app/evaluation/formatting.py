"""Showing figures: French number formats by unit, and "< 5" masking for anything leaving the centre."""

from decimal import Decimal

from flask import Flask
from flask_babel import format_decimal, gettext, ngettext

from app.evaluation.metrics import Unit

#: Counts of people or things under this are shown as "< 5" outside the centre (exports, report).
MASK_BELOW = 5


def is_masked(value, unit: Unit) -> bool:
    """A count of 1 to 4 people (or things) in a shared document could point at someone."""
    return unit.is_headcount and value is not None and 0 < value < MASK_BELOW


def format_figure(value, unit: Unit = Unit.PERSONS, *, masked: bool = False) -> str:
    """The value in French: "1 234", "42,5 %", "1 234,50 €", "12,3 h"; "—" when not available."""
    if value is None:
        return "—"
    if masked and is_masked(value, unit):
        return gettext("< 5")
    if unit.is_headcount:
        return format_decimal(int(value), format="#,##0")
    number = Decimal(value)
    if unit == Unit.PERCENT:
        return gettext("%(value)s %%", value=format_decimal(number, format="#,##0.#"))
    if unit == Unit.EUROS:
        return gettext("%(value)s €", value=format_decimal(number, format="#,##0.00"))
    if unit == Unit.HOURS:
        return gettext("%(value)s h", value=format_decimal(number, format="#,##0.#"))
    if unit == Unit.DAYS:
        return gettext("%(value)s j", value=format_decimal(number, format="#,##0.#"))
    return format_decimal(number, format="#,##0.##")


def unit_word(unit: Unit, value) -> str:
    """The word after a figure, agreeing with it: "1 personne", "3 personnes", "2 familles", "1,5 ETP";
    "" for units the figure already carries (%, €, h, j) or for "< 5" (masked) and missing values."""
    if value is None:
        return ""
    if unit == Unit.PERSONS:
        return ngettext("personne", "personnes", _plural_count(value))
    if unit == Unit.HOUSEHOLDS:
        return ngettext("famille", "familles", _plural_count(value))
    if unit == Unit.FTE:
        return gettext("ETP")
    return ""


def _plural_count(value) -> int:
    # French: 0 and 1 take the singular, like 1,5 (« 1,5 personne » is rare: persons are whole).
    return int(value) if Decimal(value) == int(value) else 2


def init_app(app: Flask) -> None:
    """The figure helpers of the evaluation templates: `evaluation_figure(value, unit)` inside the
    centre, `value|masked_figure(unit)` and `is_masked(value, unit)` for what leaves it, and
    `unit_word(unit, value)`."""
    app.add_template_global(format_figure, "evaluation_figure")
    app.add_template_filter(lambda value, unit=Unit.PERSONS: format_figure(value, unit, masked=True), "masked_figure")
    app.add_template_global(is_masked, "is_masked")
    app.add_template_global(unit_word, "unit_word")
