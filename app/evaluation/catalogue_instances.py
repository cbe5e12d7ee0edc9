"""Participation bodies metrics P1–P9 and P11 (domain.md §9.2).

A meeting belongs to the period when it starts in it (local time); a motion when its vote closes
in it; an opinion when it is sent in it. "Held" is the status `held` (P1, P2, P4, P6): planned,
cancelled and adjourned meetings are not held; P5 looks at held and adjourned meetings (an
adjourned meeting is one where the quorum was not reached). P3 and P11 read the ledger (who counts),
so presence at an adjourned meeting counts there. P4 reads the attendance sheet as it was at the
meeting (voting right snapshot); test and blocked accounts are left out of it.
"""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.evaluation.metrics import REGISTRY, Figure, Scope, Unit, count_persons, percent, register
from app.extensions import db
from app.instances import opinions
from app.instances.meetings import LEDGER_KINDS
from app.instances.models import (
    Attendance,
    AttendanceStatus,
    Instance,
    InstanceRules,
    InstanceType,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Motion,
    MotionStatus,
    Opinion,
    Outcome,
    QuorumBase,
    Voter,
)
from app.ledger.models import LedgerEntry, Level
from app.timeutil import local_date

#: Minutes deadline when the rules say none (domain.md §9.2 P6).
DEFAULT_MINUTES_DAYS = 30
#: What a meeting's close writes to the ledger for a member present or represented.
MEETING_KINDS = tuple(LEDGER_KINDS.values())
#: P8's lines, one per outcome.
OUTCOME_LABELS = {
    Outcome.ADOPTED: _l("Adoptées"),
    Outcome.REJECTED: _l("Rejetées"),
    Outcome.NO_QUORUM: _l("Quorum non atteint"),
}


def _meetings_in(scope: Scope, *statuses: MeetingStatus) -> list:
    """Conditions: meetings of the scope's instances starting in the period, with one of `statuses`."""
    return [
        Instance.structure_id.in_(scope.structure_ids),
        Meeting.starts_at >= scope.start_at,
        Meeting.starts_at < scope.end_before,
        Meeting.status.in_(list(statuses)),
    ]


def _by_instance_type(scope: Scope, counted) -> list[tuple[InstanceType, int]]:
    rows = db.session.execute(
        sa.select(Instance.instance_type, counted)
        .select_from(Meeting)
        .join(Instance, Instance.id == Meeting.instance_id)
        .where(*_meetings_in(scope, MeetingStatus.HELD))
        .group_by(Instance.instance_type)
    ).all()
    found = {InstanceType(kind): count for kind, count in rows}
    return [(kind, found[kind]) for kind in InstanceType if found.get(kind)]


@register(
    "P1",
    _l("Instances actives"),
    _l("Instances ayant tenu au moins une réunion pendant la période, par type d'instance."),
    Unit.COUNT,
    maps_to="AGR-2",
    kind="query",
)
def p1(scope: Scope) -> Figure:
    rows = _by_instance_type(scope, sa.func.count(sa.distinct(Instance.id)))
    return Figure(REGISTRY["P1"], sum(n for _k, n in rows), breakdown=[(k.label, n) for k, n in rows])


@register(
    "P2",
    _l("Réunions tenues"),
    _l("Réunions d'instances tenues pendant la période (ni annulées, ni ajournées faute de quorum), par type."),
    Unit.COUNT,
    maps_to="AGR-2; PS",
    kind="query",
)
def p2(scope: Scope) -> Figure:
    rows = _by_instance_type(scope, sa.func.count(Meeting.id))
    return Figure(REGISTRY["P2"], sum(n for _k, n in rows), breakdown=[(k.label, n) for k, n in rows])


def meeting_presence(scope: Scope) -> sa.Select:
    """Counted ledger rows of presence (present or represented) at a meeting of the scope, for a
    member who did not sit by right (ex officio, from the attendance sheet)."""
    ex_officio = (
        sa.select(Attendance.id)
        .where(
            Attendance.meeting_id == LedgerEntry.object_id,
            Attendance.person_id == LedgerEntry.person_id,
            Attendance.ex_officio.is_(True),
        )
        .exists()
    )
    return scope.ledger().where(LedgerEntry.kind.in_(MEETING_KINDS), LedgerEntry.object_type == "meeting", ~ex_officio)


@register(
    "P3",
    _l("Habitants dans les instances"),
    _l(
        "Personnes présentes ou représentées à au moins une réunion d'instance pendant la période, hors "
        "salariés et membres de droit."
    ),
    Unit.PERSONS,
    maps_to="SEN; AGR-1; AGR-2; PS",
    senacs=True,
    age_filter=True,
)
def p3(scope: Scope) -> sa.ScalarSelect:
    return count_persons(meeting_presence(scope))


@register(
    "P4",
    _l("Taux de présence moyen"),
    _l(
        "Moyenne, sur les réunions tenues, de la part des membres avec voix délibérative présents ou "
        "représentés parmi les membres avec voix délibérative convoqués."
    ),
    Unit.PERCENT,
    maps_to="PS",
    kind="ratio",
)
def p4(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """Numerator: the sum of each meeting's rate (a fraction); denominator: the meetings."""

    def rates():
        voting = sa.func.sum(sa.case((Attendance.has_vote.is_(True), 1), else_=0))
        came = sa.func.sum(
            sa.case(
                (
                    sa.and_(
                        Attendance.has_vote.is_(True),
                        Attendance.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED]),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        return (
            sa.select((sa.cast(came, sa.Float) / voting).label("rate"))
            .select_from(Attendance)
            .join(Meeting, Meeting.id == Attendance.meeting_id)
            .join(Instance, Instance.id == Meeting.instance_id)
            .join(User, User.id == Attendance.person_id)
            .where(*_meetings_in(scope, MeetingStatus.HELD), User.is_test.is_(False), User.is_blocked.is_(False))
            .group_by(Attendance.meeting_id)
            .having(voting > 0)
            .subquery()
        )

    summed, counted = rates(), rates()
    return (
        sa.select(sa.func.coalesce(sa.func.sum(summed.c.rate), 0)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(counted).scalar_subquery(),
    )


@register(
    "P5",
    _l("Quorum atteint"),
    _l(
        "Réunions où le quorum a été atteint, divisées par les réunions closes (tenues ou ajournées faute de "
        "quorum) des instances dont les règles prévoient un quorum."
    ),
    Unit.PERCENT,
    maps_to="PS",
    kind="ratio",
)
def p5(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    closed = (
        sa.select(sa.func.count(Meeting.id))
        .select_from(Meeting)
        .join(Instance, Instance.id == Meeting.instance_id)
        .join(InstanceRules, InstanceRules.id == Meeting.rules_id)
        .where(
            *_meetings_in(scope, MeetingStatus.HELD, MeetingStatus.ADJOURNED),
            InstanceRules.quorum_base != QuorumBase.NONE,
        )
    )
    return closed.where(Meeting.quorum_reached.is_(True)).scalar_subquery(), closed.scalar_subquery()


@register(
    "P6",
    _l("Comptes rendus publiés à temps"),
    _l(
        "Réunions tenues dont le compte rendu a été publié au plus tard le dernier jour du délai prévu par "
        "les règles de l'instance (30 jours par défaut), divisées par les réunions tenues."
    ),
    Unit.PERCENT,
    maps_to="PS",
    kind="query",
)
def p6(scope: Scope) -> Figure:
    """One query; the deadline is a local calendar day (as `meetings.minutes_due`), hence Python."""
    published = sa.case((Minutes.status == MinutesStatus.PUBLISHED, Minutes.published_at), else_=None)
    rows = db.session.execute(
        sa.select(Meeting.starts_at, published, InstanceRules.minutes_deadline_days)
        .select_from(Meeting)
        .join(Instance, Instance.id == Meeting.instance_id)
        .join(InstanceRules, InstanceRules.id == Meeting.rules_id)
        .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
        .where(*_meetings_in(scope, MeetingStatus.HELD))
    ).all()
    on_time = sum(
        1
        for starts_at, published_at, days in rows
        if published_at is not None
        and local_date(published_at)
        <= local_date(starts_at) + timedelta(days=DEFAULT_MINUTES_DAYS if days is None else days)
    )
    return Figure(REGISTRY["P6"], percent(on_time, len(rows)), numerator=on_time, denominator=len(rows))


def _opinions_sent(scope: Scope, *columns) -> sa.Select:
    return (
        sa.select(*(columns or (sa.func.count(Opinion.id),)))
        .select_from(Opinion)
        .join(Instance, Instance.id == Opinion.from_instance_id)
        .where(
            Instance.structure_id.in_(scope.structure_ids),
            Opinion.sent_at >= scope.start_at,
            Opinion.sent_at < scope.end_before,
        )
    )


@register(
    "P7",
    _l("Suites données aux avis"),
    _l(
        "Avis émis pendant la période par les instances consultatives qui ont reçu une réponse de l'instance "
        "de décision, divisés par les avis émis pendant la période."
    ),
    Unit.PERCENT,
    maps_to="AGR-2; PS",
    kind="ratio",
)
def p7(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    sent = _opinions_sent(scope)
    return sent.where(Opinion.responded_at.is_not(None)).scalar_subquery(), sent.scalar_subquery()


@register(
    "P7D",
    _l("Délai médian de réponse aux avis"),
    _l(
        "Nombre médian de jours entre l'envoi d'un avis et la réponse de l'instance de décision, pour les "
        "avis émis pendant la période qui ont reçu une réponse (complète P7)."
    ),
    Unit.DAYS,
    maps_to="AGR-2; PS",
    kind="query",
)
def p7_days(scope: Scope) -> Figure:
    """The instance page's figure (`opinions.opinion_stats`) for the scope: one query."""
    rows = db.session.execute(_opinions_sent(scope, Opinion.sent_at, Opinion.responded_at)).all()
    median = opinions._stats(scope.end.year, [(sent, responded) for sent, responded in rows]).median_days
    return Figure(REGISTRY["P7D"], None if median is None else Decimal(str(median)))


def _closed_motions(scope: Scope, *columns) -> sa.Select:
    return (
        sa.select(*columns)
        .select_from(Motion)
        .join(Instance, Instance.id == Motion.instance_id)
        .where(
            Instance.structure_id.in_(scope.structure_ids),
            Motion.status == MotionStatus.CLOSED,
            Motion.closed_at >= scope.start_at,
            Motion.closed_at < scope.end_before,
        )
    )


@register(
    "P8",
    _l("Décisions votées"),
    _l("Motions dont le vote a été clos pendant la période, par résultat : adoptées, rejetées, quorum non atteint."),
    Unit.COUNT,
    maps_to="PS",
    kind="query",
)
def p8(scope: Scope) -> Figure:
    rows = db.session.execute(
        _closed_motions(scope, Motion.outcome, sa.func.count(Motion.id)).group_by(Motion.outcome)
    ).all()
    found = {Outcome(outcome): count for outcome, count in rows if outcome is not None}
    return Figure(
        REGISTRY["P8"],
        sum(found.values()),
        breakdown=[(str(label), found.get(outcome, 0)) for outcome, label in OUTCOME_LABELS.items()],
    )


@register(
    "P9",
    _l("Participation aux votes"),
    _l(
        "Voix exprimées (pour, contre, abstention) divisées par les personnes appelées à voter, sur les votes "
        "clos pendant la période (en réunion, en ligne et consultations)."
    ),
    Unit.PERCENT,
    maps_to="PS",
    kind="ratio",
)
def p9(scope: Scope) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    cast = sa.func.coalesce(sa.func.sum(Motion.for_count + Motion.against_count + Motion.abstain_count), 0)
    return (
        _closed_motions(scope, cast).scalar_subquery(),
        # Voters of those motions, counted in the (motion_id, person_id) unique index alone.
        sa.select(sa.func.count())
        .select_from(Voter)
        .where(Voter.motion_id.in_(_closed_motions(scope, Motion.id)))
        .scalar_subquery(),
    )


@register(
    "P11",
    _l("Niveaux de participation"),
    _l(
        "Personnes ayant au moins un acte compté pendant la période, réparties selon le plus haut niveau de "
        "participation atteint (de L0 présence à L5 décision)."
    ),
    Unit.PERSONS,
    maps_to="PS; AGR-2",
    age_filter=True,
    kind="query",
)
def p11(scope: Scope) -> Figure:
    acts = scope.ledger().subquery()
    highest = sa.select(sa.func.max(acts.c.level).label("level")).group_by(acts.c.person_id).subquery()
    rows = db.session.execute(sa.select(highest.c.level, sa.func.count()).group_by(highest.c.level)).all()
    found = {Level(int(level)): count for level, count in rows}
    breakdown = [(f"{level.name[:2]} {level.label}", found.get(level, 0)) for level in Level]
    return Figure(REGISTRY["P11"], sum(found.values()), breakdown=breakdown)
