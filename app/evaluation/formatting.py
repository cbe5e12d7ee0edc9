"""Showing figures: French number formats by unit, and "< 5" masking for anything leaving the centre."""

from decimal import Decimal

from flask_babel import format_decimal, gettext

from app.evaluation.metrics import Unit

#: Counts of people or things under this are shown as "< 5" outside the centre (exports, report).
MASK_BELOW = 5


def is_masked(value, unit: Unit) -> bool:
    """A count of 1 to 4 people (or things) in a shared document could point at someone."""
    return unit.is_headcount and value is not None and 0 < value < MASK_BELOW


def format_figure(value, unit: Unit, *, masked: bool = False) -> str:
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
