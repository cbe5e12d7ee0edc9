"""The annual SENACS aide-à-la-saisie sheet (domain.md §9.5): the figures of the previous calendar year
that the survey asks about, each with the definition we used, for staff to copy into senacs.fr.

The exact wording of the SENACS questions is not public: every line says so. Manual figures (members,
partners, hosted associations) are entered by the direction, never invented. Anonymous headcounts are
given beside the named counts of U1 and U2, never added to them.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.evaluation import metrics
from app.evaluation.models import HeadCount
from app.extensions import db

#: The sheet's codes, in the order of domain.md §9.5.
SENACS_CODES = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "P3", "I2", "I10", "U1", "U2", "U3", "U7", "U8", "U9")

#: The SENACS socle topic each figure feeds (domain.md §9 "Maps to").
TOPICS = {
    "benevolat": _l("Bénévolat"),
    "actions": _l("Actions"),
    "partenariats": _l("Partenariats"),
    "publics": _l("Publics"),
}
TOPIC_OF = {
    "B1": "benevolat",
    "B2": "benevolat",
    "B3": "benevolat",
    "B4": "benevolat",
    "B5": "benevolat",
    "B6": "benevolat",
    "B7": "benevolat",
    "P3": "benevolat",
    "I2": "actions",
    "I10": "actions",
    "U9": "actions",
    "U7": "partenariats",
    "U8": "partenariats",
    "U1": "publics",
    "U2": "publics",
    "U3": "publics",
}

#: Anonymous headcounts by SENACS age bracket (HeadCount columns), shown beside U2.
HEADCOUNT_BRACKETS = (
    ("under_11", _l("0 à 10 ans")),
    ("age_11_25", _l("11 à 25 ans")),
    ("age_26_59", _l("26 à 59 ans")),
    ("age_60_plus", _l("60 ans et plus")),
)


@dataclass
class SenacsLine:
    code: str
    topic: str
    metric: metrics.Metric
    figure: metrics.Figure
    #: Anonymous headcount of the year, beside U1 (never added).
    anonymous: int | None = None
    #: Anonymous headcounts by age bracket, beside U2: (label, count).
    anonymous_brackets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def topic_label(self) -> str:
        return str(TOPICS[self.topic])

    @property
    def not_entered(self) -> bool:
        """A manual figure the direction has not entered for the year."""
        return self.metric.manual and self.figure.value is None


def sheet(structure_ids: list[int] | tuple[int, ...], year: int, *, brackets: bool = False) -> list[SenacsLine]:
    """The sheet's lines for `year` over the given centres, skipping codes not in the catalogue:
    one SELECT for every scalar figure, one per query metric, one for the manual figures. With
    `brackets`, one more for the anonymous headcounts by age bracket (beside U2, in the files)."""
    scope = metrics.Scope.year(structure_ids, year)
    figures = metrics.compute(SENACS_CODES, scope)
    by_bracket, total = _headcount_brackets(scope) if brackets and "U2" in figures else ([], None)
    lines = []
    for code in SENACS_CODES:
        figure = figures.get(code)
        if figure is None:
            continue
        line = SenacsLine(code, TOPIC_OF[code], figure.metric, figure)
        if code in ("U1", "U2"):
            line.anonymous = figure.anonymous if figure.anonymous is not None else total
        if code == "U2":
            line.anonymous_brackets = by_bracket
        lines.append(line)
    return lines


def by_topic(lines: list[SenacsLine]) -> list[tuple[str, str, list[SenacsLine]]]:
    """The lines grouped by SENACS topic, topics in the sheet's order: (key, label, lines)."""
    groups = []
    for key, label in TOPICS.items():
        found = [line for line in lines if line.topic == key]
        if found:
            groups.append((key, str(label), found))
    return groups


def _headcount_brackets(scope: metrics.Scope) -> tuple[list[tuple[str, int]], int]:
    """The anonymous headcounts of the scope by SENACS age bracket, with "age not given" last,
    and their total."""
    columns = [sa.func.coalesce(sa.func.sum(getattr(HeadCount, name)), 0) for name, _label in HEADCOUNT_BRACKETS]
    row = db.session.execute(
        sa.select(*columns, sa.func.coalesce(sa.func.sum(HeadCount.total), 0)).where(
            HeadCount.structure_id.in_(scope.structure_ids),
            HeadCount.occurred_on >= scope.start,
            HeadCount.occurred_on <= scope.end,
        )
    ).one()
    values = [int(v) for v in row]
    total = values.pop()
    brackets = [(str(label), value) for (_name, label), value in zip(HEADCOUNT_BRACKETS, values, strict=True)]
    brackets.append((str(_l("âge non précisé")), total - sum(values)))
    return brackets, total
