"""The metrics of domain.md §9, registered into `app.evaluation.metrics.REGISTRY`.

Definitions are the domain's, in French (msgids), shown next to every figure.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.evaluation.metrics import Figure, Scope, Unit, register
from app.evaluation.models import HeadCount
from app.extensions import db
from app.volunteering import reports as volunteering


def _count_distinct_persons(query: sa.Select) -> sa.ScalarSelect:
    sub = query.subquery()
    return sa.select(sa.func.count(sa.distinct(sub.c.person_id))).scalar_subquery()


# --- 9.1 Volunteering ------------------------------------------------------------------------------


@register(
    "B1",
    _l("Bénévoles"),
    volunteering.DEFINITIONS["B1"],
    Unit.PERSONS,
    maps_to="SEN; PS",
    senacs=True,
)
def b1(scope: Scope) -> sa.ScalarSelect:
    return volunteering._count(volunteering.b1_persons(list(scope.structure_ids), scope.start, scope.end))


# --- 9.4 Publics -----------------------------------------------------------------------------------


@register(
    "U1",
    _l("Personnes touchées"),
    _l(
        "Personnes inscrites distinctes ayant au moins une présence ou une participation comptée pendant la "
        "période. Les comptages anonymes sont donnés à côté, jamais additionnés."
    ),
    Unit.PERSONS,
    maps_to="SEN",
    senacs=True,
    age_filter=True,
    kind="query",
)
def u1(scope: Scope) -> Figure:
    from app.evaluation.metrics import REGISTRY

    persons = _count_distinct_persons(scope.ledger())
    anonymous = (
        sa.select(sa.func.coalesce(sa.func.sum(HeadCount.total), 0))
        .where(
            HeadCount.structure_id.in_(scope.structure_ids),
            HeadCount.occurred_on >= scope.start,
            HeadCount.occurred_on <= scope.end,
        )
        .scalar_subquery()
    )
    named, tallied = db.session.execute(sa.select(persons, anonymous)).one()
    return Figure(REGISTRY["U1"], named, anonymous=int(tallied or 0))
