"""Advisory opinions (avis) and the decision body's responses (metric P7).

A consultative instance (nature `advisory`: comité d'usagers, commission…) sends an opinion to a
decision body of its structure (its `reports_to` by default); those who run the decision body's
meetings record the response (retenu, retenu en partie, non retenu, pris en compte), its date and
the meeting where it was given. Services flush; the route commits; refusals raise `OpinionError`.

- `send_opinion(from_instance, to_instance, title, text, *, by, motion=None, meeting=None)`
- `send_opinion_from_motion(motion, *, by, to_instance=None)` — an adopted "avis" motion, in one click.
- `respond_to_opinion(opinion, kind, text, *, by, answered_on=None, meeting=None)`
- `opinion_stats(instance, year)` — sent, answered, median days to answer (the instance page figure).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from statistics import median

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.extensions import db
from app.instances.models import (
    Instance,
    Meeting,
    Motion,
    MotionKind,
    MotionStatus,
    Nature,
    Opinion,
    Outcome,
    ResponseKind,
    Seat,
    SeatStatus,
)
from app.notifications.services import notify, register_kind
from app.timeutil import local_date, utcnow

register_kind("instance.opinion", _l("Avis des instances consultatives : avis reçus et réponses apportées"))


class OpinionError(Exception):
    """A rule refused the action; the message is shown to the person (`field`: the form field at fault)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def opinion_path(opinion: Opinion) -> str:
    return f"/instances/avis/{opinion.id}"


def decision_bodies(instance: Instance) -> list[Instance]:
    """The instances of the structure an opinion may be sent to (the `reports_to` one first)."""
    bodies = list(
        db.session.scalars(
            sa.select(Instance)
            .where(
                Instance.structure_id == instance.structure_id,
                Instance.id != instance.id,
                Instance.nature != Nature.ADVISORY,
                Instance.archived_at.is_(None),
            )
            .order_by(Instance.name)
        )
    )
    return sorted(bodies, key=lambda body: body.id != instance.reports_to_id)


def _members(instance: Instance) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Seat, Seat.person_id == User.id)
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ACTIVE)
            .distinct()
        )
    )


def send_opinion(
    from_instance: Instance,
    to_instance: Instance | None,
    title: str,
    text: str,
    *,
    by: User,
    motion: Motion | None = None,
    meeting: Meeting | None = None,
) -> Opinion:
    """Send an opinion from a consultative instance to a decision body of the same structure."""
    if from_instance.nature != Nature.ADVISORY:
        raise OpinionError(_("Seule une instance consultative envoie des avis."))
    if from_instance.archived_at is not None:
        raise OpinionError(_("Cette instance est archivée."))
    to_instance = to_instance or from_instance.reports_to
    if to_instance is None:
        raise OpinionError(_("Choisissez l'instance qui doit répondre à cet avis."), "to_instance")
    if to_instance.id not in {body.id for body in decision_bodies(from_instance)}:
        raise OpinionError(_("Un avis s'adresse à une instance de décision du même centre."), "to_instance")
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise OpinionError(_("Donnez un titre à l'avis."), "title")
    if not text:
        raise OpinionError(_("Écrivez l'avis."), "text")
    opinion = Opinion(
        from_instance_id=from_instance.id,
        to_instance_id=to_instance.id,
        meeting_id=meeting.id if meeting is not None else (motion.meeting_id if motion is not None else None),
        motion_id=motion.id if motion is not None else None,
        title=title[:200],
        text=text,
        sent_at=utcnow(),
        sent_by_id=by.id,
    )
    opinion.from_instance, opinion.to_instance = from_instance, to_instance
    try:
        with db.session.begin_nested():  # two clicks at once: the unique motion_id lets one through
            db.session.add(opinion)
    except IntegrityError:
        raise OpinionError(_("Cet avis a déjà été transmis.")) from None
    notify(
        _members(to_instance),
        "instance.opinion",
        lambda: _(
            "Nouvel avis de l'instance « %(source)s » : « %(title)s ». Une réponse est attendue.",
            source=from_instance.name,
            title=opinion.title,
        ),
        url=opinion_path(opinion),
        structure_id=from_instance.structure_id,
    )
    return opinion


def opinion_for_motion(motion: Motion) -> Opinion | None:
    """The opinion already sent from this motion, if any."""
    return db.session.scalar(sa.select(Opinion).where(Opinion.motion_id == motion.id).limit(1))


def can_become_opinion(motion: Motion) -> bool:
    """An adopted "avis" motion of a consultative instance."""
    return (
        motion.kind == MotionKind.OPINION
        and motion.status == MotionStatus.CLOSED
        and motion.outcome == Outcome.ADOPTED
        and motion.instance.nature == Nature.ADVISORY
    )


def send_opinion_from_motion(motion: Motion, *, by: User, to_instance: Instance | None = None) -> Opinion:
    """Send an adopted "avis" motion as the instance's opinion (once)."""
    if not can_become_opinion(motion):
        raise OpinionError(_("Seule une motion d'avis adoptée par une instance consultative peut être transmise."))
    if opinion_for_motion(motion) is not None:
        raise OpinionError(_("Cet avis a déjà été transmis."))
    text = motion.text or motion.title
    return send_opinion(motion.instance, to_instance, motion.title, text, by=by, motion=motion)


def respond_to_opinion(
    opinion: Opinion,
    kind: ResponseKind | str,
    text: str,
    *,
    by: User,
    answered_on: date | None = None,
    meeting: Meeting | None = None,
) -> Opinion:
    """Record (or correct) the decision body's response. The advisory body's members hear of it."""
    kind = ResponseKind(kind)
    text = (text or "").strip()
    if not text:
        raise OpinionError(_("Expliquez la réponse : ce qui est retenu, ce qui ne l'est pas et pourquoi."), "text")
    today = local_date(utcnow())
    answered_on = answered_on or today
    if answered_on > today:
        raise OpinionError(_("La date de réponse ne peut pas être dans le futur."), "answered_on")
    if answered_on < local_date(opinion.sent_at):
        raise OpinionError(_("La réponse ne peut pas précéder l'envoi de l'avis."), "answered_on")
    if meeting is not None and meeting.instance_id != opinion.to_instance_id:
        raise OpinionError(_("Cette réunion n'est pas celle de l'instance qui répond."), "meeting")
    first_time = opinion.responded_at is None
    opinion.response, opinion.response_text = kind, text
    opinion.responded_at = utcnow() if answered_on == today else datetime.combine(answered_on, time(12))
    opinion.responded_by_id = by.id
    opinion.response_meeting_id = meeting.id if meeting is not None else None
    db.session.flush()
    if first_time:
        source, target = opinion.from_instance, opinion.to_instance
        notify(
            _members(source),
            "instance.opinion",
            lambda: _(
                "Réponse de l'instance « %(target)s » à votre avis « %(title)s » : %(kind)s.",
                target=target.name,
                title=opinion.title,
                kind=kind.label,
            ),
            url=opinion_path(opinion),
            structure_id=source.structure_id,
        )
    return opinion


def days_waiting(opinion: Opinion, today: date | None = None) -> int:
    """Days from sending to the response, or to today while it is unanswered."""
    end = local_date(opinion.responded_at) if opinion.responded_at else (today or local_date(utcnow()))
    return max(0, (end - local_date(opinion.sent_at)).days)


@dataclass
class OpinionStats:
    """Metric P7 for one consultative instance and one year (opinions sent that year)."""

    year: int
    sent: int
    answered: int
    median_days: float | None


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def _stats(year: int, dates: list[tuple[datetime, datetime | None]]) -> OpinionStats:
    """The figures from the (sent, responded) moments of the opinions sent in `year`."""
    delays = [(responded.date() - sent.date()).days for sent, responded in dates if responded is not None]
    return OpinionStats(
        year=year, sent=len(dates), answered=len(delays), median_days=median(delays) if delays else None
    )


def opinion_stats(instance: Instance, year: int | None = None) -> OpinionStats:
    """Opinions sent in `year` (the current one by default): how many, how many answered, and the
    median days to answer. One query over that instance's year (a handful of rows)."""
    year = year or utcnow().year
    start, end = _year_bounds(year)
    rows = db.session.execute(
        sa.select(Opinion.sent_at, Opinion.responded_at).where(
            Opinion.from_instance_id == instance.id, Opinion.sent_at >= start, Opinion.sent_at < end
        )
    ).all()
    return _stats(year, [(sent, responded) for sent, responded in rows])


@dataclass
class OpinionLists:
    """What an instance's opinions section or page shows."""

    sent: list[Opinion]
    received: list[Opinion]
    #: This year's figures (consultative instances only), else None.
    stats: OpinionStats | None


def opinion_lists(instance: Instance, viewer, *, insider: bool | None = None, limit: int | None = None) -> OpinionLists:
    """Sent and received opinions of the instance that `viewer` may see, newest first, and for a
    consultative instance this year's figures (as `opinion_stats`), all in one query (`insider`:
    the viewer is a member or staff of the instance, if already known).

    Received opinions coming from a members-only instance are left out for people who are neither
    members nor staff of the receiving instance (they may not know that instance exists)."""
    from app.instances.permissions import is_member, is_staff, sees_instance
    from app.instances.queries import ranked, several_lists

    if insider is None:
        insider = is_staff(viewer, instance) or is_member(viewer, instance)
    order = (Opinion.sent_at.desc(), Opinion.id.desc())
    mine = [sa.or_(Opinion.from_instance_id == instance.id, Opinion.to_instance_id == instance.id)]
    parts = [ranked(Opinion, 0, mine, order, limit=limit * 2 if limit else None)]
    advisory = instance.nature == Nature.ADVISORY
    year = utcnow().year
    if advisory:
        start, end = _year_bounds(year)
        this_year = [Opinion.from_instance_id == instance.id, Opinion.sent_at >= start, Opinion.sent_at < end]
        parts.append(ranked(Opinion, 1, this_year, order))
    # Whether the viewer sits in the sending instance (members-only senders are shown to their members).
    seated = sa.exists().where(
        Seat.instance_id == Opinion.from_instance_id,
        Seat.person_id == (viewer.id if viewer.is_authenticated else None),
        Seat.status == SeatStatus.ACTIVE,
    )
    query = several_lists(Opinion, *parts, columns=(seated.label("seated"),)).options(
        joinedload(Opinion.from_instance), joinedload(Opinion.to_instance)
    )
    sent, received, dates = [], [], []
    for opinion, part, in_source in db.session.execute(query):
        if part == 1:
            dates.append((opinion.sent_at, opinion.responded_at))
        elif opinion.from_instance_id == instance.id:
            sent.append(opinion)
        elif insider or sees_instance(viewer, opinion.from_instance, seated=in_source):
            received.append(opinion)
    if limit:
        sent, received = sent[:limit], received[:limit]
    return OpinionLists(sent=sent, received=received, stats=_stats(year, dates) if advisory else None)


def opinions_of(
    instance: Instance, viewer, *, insider: bool | None = None, limit: int | None = None
) -> tuple[list[Opinion], list[Opinion]]:
    """(sent, received) opinions of the instance, newest first, that `viewer` may see, in one query
    (see `opinion_lists`)."""
    lists = opinion_lists(instance, viewer, insider=insider, limit=limit)
    return lists.sent, lists.received
