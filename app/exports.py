"""Spreadsheet files for any table: CSV for Excel and LibreOffice in French, and XLSX, formulas neutralised.

CSV: UTF-8 with a BOM and `;` separators (Excel in French opens it with accents right), decimal
commas; a text cell that a spreadsheet would take for a formula (starting with = + - @, a tab
or a carriage return) gets a leading apostrophe. XLSX: text is always written as text
(`write_string`), so nothing is ever evaluated.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask_babel import gettext as _

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

Cell = str | int | Decimal | date | datetime | None


def neutralise(text: str) -> str:
    """A text cell a spreadsheet cannot run: a leading apostrophe before a formula trigger
    (also after leading spaces, which some spreadsheets skip)."""
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return f"{Decimal(value):.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def to_csv(header: list[str], rows: list[list[Cell]]) -> bytes:
    """The table as CSV bytes for Excel and LibreOffice in French."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: list[list[Cell]], sheet: str) -> bytes:
    """The table as an XLSX workbook (one sheet): numbers as numbers, dates as dates, text as text."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    day_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    time_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    number_format = workbook.add_format({"num_format": "0.00"})
    for col, title in enumerate(header):
        worksheet.write_string(0, col, str(title), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                worksheet.write_blank(r, col, None)
            elif isinstance(value, datetime):
                worksheet.write_datetime(r, col, value, time_format)
            elif isinstance(value, date):
                worksheet.write_datetime(r, col, datetime.combine(value, datetime.min.time()), day_format)
            elif isinstance(value, bool):
                worksheet.write_string(r, col, _("oui") if value else _("non"))
            elif isinstance(value, int):
                worksheet.write_number(r, col, value)
            elif isinstance(value, Decimal | float):
                worksheet.write_number(r, col, float(value), number_format)
            else:
                worksheet.write_string(r, col, str(value))
    worksheet.freeze_panes(1, 0)
    worksheet.set_column(0, max(len(header) - 1, 0), 16)
    workbook.close()
    return output.getvalue()
