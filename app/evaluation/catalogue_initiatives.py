"""Resident initiatives metrics I1–I5 and I8–I10 (domain.md §9.3).

Dates come from the initiative's timeline (`InitiativeEvent.at`: when it was accepted, declined,
completed…) and its submission date. An initiative counts when its proposal counts in the ledger
(the author's `initiative.propose` row): initiatives of test or blocked accounts, or proposed by
staff acting as staff, are left out; those of anonymised accounts stay.
"""

from decimal import Decimal
from statistics import median

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.evaluation.metrics import REGISTRY, Figure, Scope, Unit, register
from app.evaluation.models import HeadCount
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeEvent, Status
from app.ledger.models import LedgerEntry
from app.ledger.queries import counted_entries
from app.timeutil import local_date

PROPOSE_KIND = "initiative.propose"
#: Ledger kinds of the leads (porteurs): the author and co-leads at submission, co-leads confirmed later.
LEAD_KINDS = (PROPOSE_KIND, "initiative.colead")
#: I2: an initiative is supported while in one of these statuses.
SUPPORTED = (Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.IN_PROGRESS, Status.COMPLETED)
#: I2: supported and not yet over (supported during the period if in it when the period starts).
ONGOING = (Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.IN_PROGRESS)
#: I3, I4: a decision of the centre or its committee (a postponement is not one).
ACCEPTED = (Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS)
DECIDED = (*ACCEPTED, Status.DECLINED)


def _counted() -> sa.Exists:
    """The initiative's proposal counts (see the module's docstring)."""
    return (
        counted_entries(None)
        .where(
            LedgerEntry.kind == PROPOSE_KIND,
            LedgerEntry.object_type == "initiative",
            LedgerEntry.object_id == Initiative.id,
            LedgerEntry.person_id == Initiative.author_id,
        )
        .exists()
        .correlate(Initiative)
    )


def _moved_in(scope: Scope, statuses) -> sa.Exists:
    """The initiative moved to one of `statuses` during the period (its timeline says when)."""
    return (
        sa.select(InitiativeEvent.id)
        .where(
            InitiativeEvent.initiative_id == Initiative.id,
            InitiativeEvent.to_status.in_(list(statuses)),
            InitiativeEvent.at >= scope.start_at,
            InitiativeEvent.at < scope.end_before,
        )
        .exists()
        .correlate(Initiative)
    )


def _initiatives(scope: Scope, *conditions, column=None) -> sa.ScalarSelect:
    """A count (or `column`) over the scope's counted initiatives meeting `conditions`."""
    return (
        sa.select(column if column is not None else sa.func.count(Initiative.id))
        .where(Initiative.structure_id.in_(scope.structure_ids), _counted(), *conditions)
        .scalar_subquery()
    )


def _submitted_in(scope: Scope) -> list:
    return [
        Initiative.submitted_at >= scope.start_at,
        Initiative.submitted_at < scope.end_before,
        Initiative.status != Status.DRAFT,
    ]


@register(
    "I1",
    _l("Initiatives proposées"),
    _l("Initiatives d'habitants envoyées (au-delà du brouillon) pendant la période, publiées ou non."),
    Unit.COUNT,
    maps_to="PS",
)
def i1(scope: Scope) -> sa.ScalarSelect:
    return _initiatives(scope, *_submitted_in(scope))


@register(
    "I2",
    _l("Initiatives d'habitants soutenues"),
    _l(
        "Initiatives acceptées (avec ou sans conditions), en cours ou réalisées pendant la période : acceptées, "
        "démarrées ou réalisées pendant la période, ou déjà acceptées ou en cours à son début."
    ),
    Unit.COUNT,
    maps_to="SEN; PS",
    senacs=True,
)
def i2(scope: Scope) -> sa.ScalarSelect:
    status_at_start = (
        sa.select(InitiativeEvent.to_status)
        .where(InitiativeEvent.initiative_id == Initiative.id, InitiativeEvent.at < scope.start_at)
        .order_by(InitiativeEvent.at.desc(), InitiativeEvent.id.desc())
        .limit(1)
        .correlate(Initiative)
        .scalar_subquery()
    )
    return _initiatives(scope, sa.or_(_moved_in(scope, SUPPORTED), status_at_start.in_(list(ONGOING))))


@register(
    "I3",
    _l("Taux d'acceptation des initiatives"),
    _l(
        "Initiatives acceptées (avec ou sans conditions) pendant la période, divisées par les initiatives sur "
        "lesquelles une décision a été prise pendant la période (acceptées ou refusées ; un report n'est pas "
        "une décision)."
    ),
    Unit.PERCENT,
    maps_to="PS",
    kind="ratio",
)
def i3(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    return _initiatives(scope, _moved_in(scope, ACCEPTED)), _initiatives(scope, _moved_in(scope, DECIDED))


@register(
    "I4",
    _l("Délai de décision des initiatives"),
    _l(
        "Nombre médian de jours entre l'envoi d'une initiative et la décision (acceptée ou refusée), pour les "
        "initiatives décidées pendant la période."
    ),
    Unit.DAYS,
    maps_to="PS",
    kind="query",
)
def i4(scope: Scope) -> Figure:
    """One query; days are counted between local calendar days, the median in Python."""
    rows = db.session.execute(
        sa.select(Initiative.submitted_at, InitiativeEvent.at)
        .join(InitiativeEvent, InitiativeEvent.initiative_id == Initiative.id)
        .where(
            Initiative.structure_id.in_(scope.structure_ids),
            _counted(),
            Initiative.submitted_at.is_not(None),
            InitiativeEvent.to_status.in_(list(DECIDED)),
            InitiativeEvent.at >= scope.start_at,
            InitiativeEvent.at < scope.end_before,
        )
    ).all()
    days = [(local_date(decided) - local_date(submitted)).days for submitted, decided in rows]
    return Figure(REGISTRY["I4"], Decimal(str(median(days))) if days else None)


@register(
    "I5",
    _l("Porteurs d'initiatives"),
    _l(
        "Personnes portant (autrice ou auteur, co-porteurs confirmés) une initiative envoyée pendant la "
        "période ; dont celles qui n'avaient porté aucune initiative envoyée avant la période."
    ),
    Unit.PERSONS,
    maps_to="PS",
    age_filter=True,
    kind="query",
)
def i5(scope: Scope) -> Figure:
    def submitted(*conditions):
        return sa.select(Initiative.id).where(Initiative.structure_id.in_(scope.structure_ids), *conditions)

    def leads(initiatives, *, aged: bool):
        query = counted_entries(None).where(
            LedgerEntry.structure_id.in_(scope.structure_ids),
            LedgerEntry.kind.in_(LEAD_KINDS),
            LedgerEntry.object_type == "initiative",
            LedgerEntry.object_id.in_(initiatives),
        )
        if aged and scope.age_bracket is not None:
            query = query.where(LedgerEntry.age_bracket == scope.age_bracket)
        return query.subquery()

    current = leads(submitted(*_submitted_in(scope)), aged=True)
    again = leads(submitted(*_submitted_in(scope)), aged=True)
    earlier = leads(submitted(Initiative.submitted_at < scope.start_at), aged=False)
    total = sa.select(sa.func.count(sa.distinct(current.c.person_id))).scalar_subquery()
    first_time = (
        sa.select(sa.func.count(sa.distinct(again.c.person_id)))
        .where(again.c.person_id.not_in(sa.select(earlier.c.person_id)))
        .scalar_subquery()
    )
    persons, newcomers = db.session.execute(sa.select(total, first_time)).one()
    return Figure(
        REGISTRY["I5"], persons or 0, breakdown=[(str(_l("dont porteurs pour la première fois")), newcomers or 0)]
    )


@register(
    "I8",
    _l("Bilans des initiatives réalisées"),
    _l("Initiatives réalisées pendant la période dont le bilan est rédigé, divisées par les initiatives réalisées."),
    Unit.PERCENT,
    maps_to="PS",
    kind="ratio",
)
def i8(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    completed = _moved_in(scope, [Status.COMPLETED])
    return _initiatives(scope, completed, Initiative.bilan_text != ""), _initiatives(scope, completed)


@register(
    "I9",
    _l("Personnes touchées par les initiatives"),
    _l(
        "Somme des nombres de participants déclarés dans les bilans des initiatives réalisées pendant la "
        "période (déclarés, non dédoublonnés)."
    ),
    Unit.PERSONS,
    maps_to="PS",
)
def i9(scope: Scope) -> sa.ScalarSelect:
    return _initiatives(
        scope,
        _moved_in(scope, [Status.COMPLETED]),
        column=sa.func.coalesce(sa.func.sum(Initiative.participants_count), 0),
    )


@register(
    "I10",
    _l("Événements locaux"),
    _l("Événements locaux portés ou soutenus par le centre pendant la période (comptages marqués « événement »)."),
    Unit.COUNT,
    maps_to="SEN",
    senacs=True,
)
def i10(scope: Scope) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(HeadCount.id))
        .where(
            HeadCount.structure_id.in_(scope.structure_ids),
            HeadCount.is_event.is_(True),
            HeadCount.occurred_on >= scope.start,
            HeadCount.occurred_on <= scope.end,
        )
        .scalar_subquery()
    )
