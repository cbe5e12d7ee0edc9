"""Publics metrics U1, U2, U5, U6, U9 and the manual U3, U7, U8 (domain.md §9.4).

Named figures read the ledger (who counts: `Scope.ledger()`); anonymous headcounts (`HeadCount`)
are given beside them (`Figure.anonymous`), never added.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import AgeBracket
from app.centres.models import Theme
from app.evaluation.metrics import REGISTRY, Figure, Scope, Unit, count_persons, register, register_manual
from app.evaluation.models import Action, Axis, HeadCount, Objective, SocialProject
from app.extensions import db
from app.ledger.models import LedgerEntry

#: U5: acts of being there (a meeting attended, a volunteer shift done).
PRESENCE_KINDS = ("meeting.attend", "shift.attend")
#: U2: the SENACS brackets (plaquettes: 0-10 / 11-25 / 26-59 / 60+), from the ledger's brackets.
SENACS_BRACKETS = (
    ("0-10", _l("0 à 10 ans"), (AgeBracket.CHILD,)),
    ("11-25", _l("11 à 25 ans"), (AgeBracket.TEEN, AgeBracket.YOUNG)),
    ("26-59", _l("26 à 59 ans"), (AgeBracket.ADULT,)),
    ("60+", _l("60 ans et plus"), (AgeBracket.SENIOR,)),
)
UNKNOWN_AGE = _l("Âge non renseigné")
NO_THEME = _l("Sans thème")
#: U2's line of the anonymous total in its one query (not a bracket code).
ANONYMOUS = "anonymous"


def anonymous_total(scope: Scope) -> sa.ScalarSelect:
    """Σ of the anonymous headcounts of the scope's days."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(HeadCount.total), 0))
        .where(
            HeadCount.structure_id.in_(scope.structure_ids),
            HeadCount.occurred_on >= scope.start,
            HeadCount.occurred_on <= scope.end,
        )
        .scalar_subquery()
    )


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
    named, tallied = db.session.execute(sa.select(count_persons(scope.ledger()), anonymous_total(scope))).one()
    return Figure(REGISTRY["U1"], named or 0, anonymous=int(tallied or 0))


def u1_of(named: int, scope: Scope) -> Figure:
    """U1 when the named persons are already counted (the dashboard's profile counts them with the
    same definition): only the anonymous headcounts are read."""
    tallied = db.session.scalar(sa.select(anonymous_total(scope)))
    return Figure(REGISTRY["U1"], named, anonymous=int(tallied or 0))


@register(
    "U2",
    _l("Personnes touchées par âge"),
    _l(
        "Personnes touchées (U1) par tranche d'âge SENACS (0-10, 11-25, 26-59, 60 ans et plus), selon leur âge "
        "au moment de leur dernier acte de la période. Les comptages anonymes sont donnés à côté."
    ),
    Unit.PERSONS,
    maps_to="SEN",
    senacs=True,
    kind="query",
)
def u2(scope: Scope) -> Figure:
    acts = scope.ledger().subquery()
    # The brackets sort in age order as text ("0-10" < "11-17" < … < "60+"): the last act's is the max.
    per_person = (
        sa.select(sa.type_coerce(sa.func.max(acts.c.age_bracket), sa.String).label("bracket"))
        .group_by(acts.c.person_id)
        .subquery()
    )
    senacs = sa.case(
        *[(per_person.c.bracket.in_([b.value for b in brackets]), code) for code, _label, brackets in SENACS_BRACKETS],
        else_=None,
    )
    grouped = sa.select(senacs.label("bracket")).subquery()
    # One round trip: the named counts by bracket, and a last line with the anonymous total.
    rows = db.session.execute(
        sa.union_all(
            sa.select(grouped.c.bracket, sa.func.count().label("n")).group_by(grouped.c.bracket),
            sa.select(sa.literal(ANONYMOUS, sa.String).label("bracket"), anonymous_total(scope).label("n")),
        )
    ).all()
    found = {code: count for code, count in rows if code != ANONYMOUS}
    tallied = next(count for code, count in rows if code == ANONYMOUS)
    breakdown = [(str(label), found.get(code, 0)) for code, label, _brackets in SENACS_BRACKETS]
    breakdown.append((str(UNKNOWN_AGE), found.get(None, 0)))
    return Figure(REGISTRY["U2"], sum(found.values()), breakdown=breakdown, anonymous=int(tallied or 0))


register_manual(
    "U3",
    _l("Adhérents"),
    _l(
        "Personnes ayant une adhésion valide pendant l'année (familles adhérentes : à préciser dans la note), "
        "saisies par la direction : la plateforme ne gère pas les adhésions."
    ),
    Unit.PERSONS,
    maps_to="SEN; quorum de l'AG",
    senacs=True,
)


@register(
    "U5",
    _l("Volume de présences"),
    _l(
        "Nombre de présences comptées pendant la période (réunions d'instances, créneaux de bénévolat). "
        "Les comptages anonymes sont donnés à côté, jamais additionnés."
    ),
    Unit.COUNT,
    maps_to="PS",
    kind="query",
)
def u5(scope: Scope) -> Figure:
    acts = scope.ledger().where(LedgerEntry.kind.in_(PRESENCE_KINDS)).subquery()
    named, tallied = db.session.execute(
        sa.select(sa.select(sa.func.count()).select_from(acts).scalar_subquery(), anonymous_total(scope))
    ).one()
    return Figure(REGISTRY["U5"], named or 0, anonymous=int(tallied or 0))


@register(
    "U6",
    _l("Part des personnes touchées habitant un QPV"),
    _l(
        "Personnes touchées (U1) habitant un quartier prioritaire de la politique de la ville au moment d'au "
        "moins un de leurs actes de la période, divisées par les personnes touchées."
    ),
    Unit.PERCENT,
    maps_to="PS; contrat de ville",
    age_filter=True,
    kind="ratio",
)
def u6(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    return count_persons(scope.ledger().where(LedgerEntry.in_qpv.is_(True))), count_persons(scope.ledger())


register_manual(
    "U7",
    _l("Partenaires actifs"),
    _l("Partenaires avec au moins une action commune ou une convention dans l'année, saisis par la direction."),
    Unit.COUNT,
    maps_to="SEN partenariats",
    senacs=True,
)
register_manual(
    "U8",
    _l("Associations accueillies"),
    _l(
        "Associations hébergées ou bénéficiant d'une mise à disposition de salles dans l'année, saisies par la "
        "direction."
    ),
    Unit.COUNT,
    maps_to="SEN",
    senacs=True,
)


@register(
    "U9",
    _l("Actions du projet social"),
    _l(
        "Actions du plan d'action du projet social en cours pendant la période (leurs dates, sinon celles du "
        "projet social), par thème."
    ),
    Unit.COUNT,
    maps_to="SEN actions; AGR-7",
    senacs=True,
    kind="query",
)
def u9(scope: Scope) -> Figure:
    rows = db.session.execute(
        sa.select(Theme.name, sa.func.count(Action.id))
        .select_from(Action)
        .join(Objective, Objective.id == Action.objective_id)
        .join(Axis, Axis.id == Objective.axis_id)
        .join(SocialProject, SocialProject.id == Axis.project_id)
        .outerjoin(Theme, Theme.id == Action.theme_id)
        .where(
            SocialProject.structure_id.in_(scope.structure_ids),
            sa.func.coalesce(Action.starts_on, SocialProject.starts_on) <= scope.end,
            sa.func.coalesce(Action.ends_on, SocialProject.ends_on) >= scope.start,
        )
        .group_by(Theme.name)
    ).all()
    themed = sorted(((name, count) for name, count in rows if name is not None), key=lambda r: r[0].casefold())
    breakdown = [(name, count) for name, count in themed]
    unthemed = sum(count for name, count in rows if name is None)
    if unthemed:
        breakdown.append((str(NO_THEME), unthemed))
    return Figure(REGISTRY["U9"], sum(count for _name, count in rows), breakdown=breakdown)
