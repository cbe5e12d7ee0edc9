"""Read side of instances and seats: lists, members, history (each in a fixed number of queries)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.centres.models import Role, Structure
from app.centres.queries import people_page
from app.extensions import db
from app.instances.models import (
    Instance,
    InstanceRules,
    JoinPolicy,
    Meeting,
    MeetingStatus,
    Nature,
    Office,
    Seat,
    SeatStatus,
)
from app.instances.permissions import remember_active_seats
from app.instances.services import college_choices
from app.timeutil import utcnow

#: Offices in the order members are listed (président·e first).
OFFICE_ORDER = [Office.CHAIR, Office.VICE_CHAIR, Office.SECRETARY, Office.TREASURER, Office.MEMBER]

CURRENT = (SeatStatus.REQUESTED, SeatStatus.ACTIVE)


@dataclass
class InstanceCard:
    """An instance as the list shows it."""

    instance: Instance
    member_count: int
    #: The viewer's seat status (requested / active), or None.
    my_status: SeatStatus | None
    next_meeting_at: datetime | None


def _member_count():
    return (
        sa.select(sa.func.count(Seat.id))
        .where(Seat.instance_id == Instance.id, Seat.status == SeatStatus.ACTIVE)
        .correlate(Instance)
        .scalar_subquery()
    )


def _next_meeting():
    return (
        sa.select(sa.func.min(Meeting.starts_at))
        .where(
            Meeting.instance_id == Instance.id,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at >= utcnow(),
        )
        .correlate(Instance)
        .scalar_subquery()
    )


def _my_status(person_id: int | None):
    return (
        sa.select(Seat.status)
        .where(Seat.instance_id == Instance.id, Seat.person_id == person_id, Seat.status.in_(CURRENT))
        .correlate(Instance)
        .limit(1)
        .scalar_subquery()
    )


def _seated(person_id: int | None):
    return sa.exists().where(
        Seat.instance_id == Instance.id, Seat.person_id == person_id, Seat.status == SeatStatus.ACTIVE
    )


def instance_cards(structure_id: int, user, *, person=None, archived: bool = False) -> list[InstanceCard]:
    """The instances `user` may see in the structure (one query).

    Public ones and the members-only ones they sit on; staff see them all. `archived=True` lists
    the archived ones instead (staff only: others get an empty list). `my_status` is the seat of
    `person` (the person staff act for at the accueil), `user` by default.
    """
    user_id = user.id if user.is_authenticated else None
    person = person if person is not None else user
    person_id = person.id if person.is_authenticated else None
    staff = bool(user_id and user.has_role(structure_id, Role.STAFF))
    if archived and not staff:
        return []
    query = sa.select(
        Instance,
        _member_count().label("members"),
        _my_status(person_id).label("mine"),
        _next_meeting().label("next_at"),
    ).where(Instance.structure_id == structure_id)
    query = query.where(Instance.archived_at.is_not(None) if archived else Instance.archived_at.is_(None))
    if not staff:
        query = query.where(sa.or_(Instance.is_public.is_(True), _seated(user_id)))
    query = query.order_by(sa.func.lower(Instance.name), Instance.id)
    return [
        InstanceCard(instance, members or 0, SeatStatus(mine) if mine else None, next_at)
        for instance, members, mine, next_at in db.session.execute(query)
    ]


def get_instance(instance_id: int, structure_id: int) -> Instance | None:
    """The structure's instance with its rules versions and the body it reports to (one query), or None.

    Visibility is the caller's check (`can_view_instance`).
    """
    return (
        db.session.execute(
            sa.select(Instance)
            .options(joinedload(Instance.rules_versions), joinedload(Instance.reports_to))
            .where(Instance.id == instance_id, Instance.structure_id == structure_id)
        )
        .unique()
        .scalar_one_or_none()
    )


def _office_rank():
    return sa.case({office: rank for rank, office in enumerate(OFFICE_ORDER)}, value=Seat.office, else_=99)


def active_seats(instance: Instance) -> list[Seat]:
    """Current members, office first then name, with the person loaded."""
    return list(
        db.session.scalars(
            sa.select(Seat)
            .join(User, User.id == Seat.person_id)
            .options(joinedload(Seat.person))
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ACTIVE)
            .order_by(_office_rank(), sa.func.lower(User.display_name), Seat.id)
        )
    )


@dataclass
class CurrentSeats:
    """The instance's current seats, read once for its page: members and join requests."""

    #: Active seats, office first then name, with the person loaded.
    active: list[Seat]
    #: Join requests waiting for an answer (the page counts them; `pending_requests` lists them oldest first).
    requested: list[Seat]

    def of(self, person) -> Seat | None:
        """The person's requested or active seat (as `services.current_seat`)."""
        if person is None or not getattr(person, "is_authenticated", True):
            return None
        return next((seat for seat in self.active + self.requested if seat.person_id == person.id), None)


def current_seats(instance: Instance) -> CurrentSeats:
    """Active seats and join requests of the instance, with their person (one query).

    On a GET request, `permissions.active_seat` then answers from these seats for this instance.
    """
    rows = list(
        db.session.scalars(
            sa.select(Seat)
            .join(User, User.id == Seat.person_id)
            .options(joinedload(Seat.person))
            .where(Seat.instance_id == instance.id, Seat.status.in_(CURRENT))
            .order_by(_office_rank(), sa.func.lower(User.display_name), Seat.id)
        )
    )
    active = [seat for seat in rows if seat.status == SeatStatus.ACTIVE]
    requested = [seat for seat in rows if seat.status == SeatStatus.REQUESTED]
    remember_active_seats(instance.id, active)
    return CurrentSeats(active=active, requested=requested)


def members_by_college(instance: Instance, seats: list[Seat]) -> list[tuple[str, list[Seat]]]:
    """Seats grouped by the rules' collèges, in the rules' order (unknown codes after, as is)."""
    groups: dict[str, list[Seat]] = {code: [] for code, _label in college_choices(instance.rules)}
    labels = dict(college_choices(instance.rules))
    for seat in seats:
        groups.setdefault(seat.college, []).append(seat)
    return [(labels.get(code, code), members) for code, members in groups.items() if members]


def past_seats(instance: Instance, limit: int = 200) -> list[Seat]:
    """Ended seats (the instance's history), most recent first."""
    return list(
        db.session.scalars(
            sa.select(Seat)
            .options(joinedload(Seat.person))
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.ENDED)
            .order_by(Seat.ended_at.desc(), Seat.id.desc())
            .limit(limit)
        )
    )


def pending_requests(instance: Instance) -> list[Seat]:
    """Join requests waiting for an answer, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Seat)
            .options(joinedload(Seat.person))
            .where(Seat.instance_id == instance.id, Seat.status == SeatStatus.REQUESTED)
            .order_by(Seat.requested_at, Seat.id)
        )
    )


def get_seat(instance: Instance, seat_id: int) -> Seat | None:
    """A seat of this instance, with its person."""
    return db.session.scalar(
        sa.select(Seat).options(joinedload(Seat.person)).where(Seat.id == seat_id, Seat.instance_id == instance.id)
    )


def rules_history(instance: Instance) -> list[tuple[InstanceRules, User | None]]:
    """Every version of the rules, newest first, with who wrote it."""
    return list(
        db.session.execute(
            sa.select(InstanceRules, User)
            .outerjoin(User, User.id == InstanceRules.created_by_id)
            .where(InstanceRules.instance_id == instance.id)
            .order_by(InstanceRules.version.desc())
        ).tuples()
    )


def decision_bodies(structure_id: int, exclude_id: int | None = None) -> list[Instance]:
    """Instances an advisory body may send its opinions to: the structure's decision bodies."""
    query = sa.select(Instance).where(
        Instance.structure_id == structure_id,
        Instance.archived_at.is_(None),
        Instance.nature.in_([Nature.DECISION, Nature.GRANT]),
    )
    if exclude_id is not None:
        query = query.where(Instance.id != exclude_id)
    return list(db.session.scalars(query.order_by(sa.func.lower(Instance.name))))


def ranked(model, part: int, where, order_by, *, limit: int | None = None, offset: int = 0) -> sa.Select:
    """One list of a several-lists query (`several_lists`): the ids of the `model` rows matching
    `where`, in `order_by` order (LIMIT and OFFSET applied by the database), tagged with `part`."""
    query = (
        sa.select(
            model.id.label("id"),
            sa.literal(part, sa.Integer).label("part"),
            sa.func.row_number().over(order_by=order_by).label("rank"),
        )
        .where(*where)
        .order_by(*order_by)
        .offset(offset or None)
        .limit(limit)
    )
    # Wrapped, as SQLite refuses ORDER BY/LIMIT inside a member of a UNION.
    return sa.select(query.subquery())


def several_lists(model, *parts: sa.Select, columns=()) -> sa.Select:
    """Several lists of `model` in one statement: rows `(model, part, *columns)` ordered by part,
    then each part's own order. A row in two parts comes twice."""
    union = sa.union_all(*parts).subquery()
    return (
        sa.select(model, union.c.part, *columns)
        .join(union, union.c.id == model.id)
        .order_by(union.c.part, union.c.rank)
    )


@dataclass
class MyInstance:
    instance: Instance
    seat: Seat
    next_meeting_at: datetime | None


def my_instances(structure_id: int, person_id: int) -> list[MyInstance]:
    """The instances the person sits on in the structure, with their next meeting (one query)."""
    rows = db.session.execute(
        sa.select(Instance, Seat, _next_meeting().label("next_at"))
        .join(Seat, Seat.instance_id == Instance.id)
        .where(
            Instance.structure_id == structure_id,
            Instance.archived_at.is_(None),
            Seat.person_id == person_id,
            Seat.status == SeatStatus.ACTIVE,
        )
        .order_by(sa.func.lower(Instance.name))
    )
    return [MyInstance(instance, seat, next_at) for instance, seat, next_at in rows]


def open_instances(structure_id: int, person_id: int | None, limit: int = 3) -> list[Instance]:
    """Public instances a person can join or ask to join, where they have no current seat."""
    query = sa.select(Instance).where(
        Instance.structure_id == structure_id,
        Instance.archived_at.is_(None),
        Instance.is_public.is_(True),
        Instance.join_policy != JoinPolicy.APPOINTED,
    )
    if person_id is not None:
        query = query.where(
            ~sa.exists().where(Seat.instance_id == Instance.id, Seat.person_id == person_id, Seat.status.in_(CURRENT))
        )
    return list(db.session.scalars(query.order_by(Instance.created_at.desc(), Instance.id.desc()).limit(limit)))


def candidates(structure: Structure, instance: Instance, q: str, page: int = 1) -> tuple[Pagination, dict[int, Seat]]:
    """Members of the structure matching `q` (name, login name…), and the current seats among them."""
    found = people_page(structure, q, page=page, per_page=10)
    ids = [membership.user_id for membership in found.items]
    seats = {}
    if ids:
        seats = {
            seat.person_id: seat
            for seat in db.session.scalars(
                sa.select(Seat).where(
                    Seat.instance_id == instance.id, Seat.person_id.in_(ids), Seat.status.in_(CURRENT)
                )
            )
        }
    return found, seats
