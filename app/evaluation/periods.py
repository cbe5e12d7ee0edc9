"""Reading the period of a page from its query string: `?annee=2025`, or `?du=…&au=…`, or
`?periode=projet` (the current projet social's agrément dates). Bad input never fails: it falls back
to the default with a message for the form."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from app.timeutil import local_today

MIN_YEAR = 2000


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    #: "year", "project" or "custom"
    kind: str
    error: str | None = None

    @property
    def is_year(self) -> bool:
        return self.kind == "year"

    @property
    def year(self) -> int:
        return self.end.year

    def args(self) -> dict[str, str]:
        """Query-string arguments that give this period back (for links and exports)."""
        if self.kind == "year":
            return {"annee": str(self.start.year)}
        if self.kind == "project":
            return {"periode": "projet"}
        return {"du": self.start.isoformat(), "au": self.end.isoformat()}


def _year(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        year = int(value.strip())
        if MIN_YEAR <= year <= local_today().year + 5:
            return year
    return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def period_from_args(args, *, project=None, default_year: int | None = None) -> Period:
    """The period asked for in `args` (a MultiDict), else the calendar year `default_year`
    (this year by default). `project` is the centre's projet social, for `periode=projet`."""
    fallback_year = default_year or local_today().year
    fallback = Period(date(fallback_year, 1, 1), date(fallback_year, 12, 31), "year")
    if args.get("periode") == "projet":
        if project is None:
            return replace_error(fallback, _l("Aucun projet social n'est enregistré : voici l'année en cours."))
        return Period(project.starts_on, project.ends_on, "project")
    if args.get("du") or args.get("au"):
        start, end = _day(args.get("du")), _day(args.get("au"))
        if start is None or end is None:
            return replace_error(fallback, _l("Dates non reconnues : indiquez le début et la fin de la période."))
        if end < start:
            return replace_error(fallback, _l("La fin de la période doit suivre son début."))
        if (end - start).days > 366 * 6:
            return replace_error(fallback, _l("La période est limitée à six ans."))
        return Period(start, end, "custom")
    if args.get("annee"):
        year = _year(args.get("annee"))
        if year is None:
            return replace_error(fallback, _l("Année non reconnue."))
        return Period(date(year, 1, 1), date(year, 12, 31), "year")
    return fallback


def replace_error(period: Period, message) -> Period:
    return Period(period.start, period.end, period.kind, str(message))
