"""Instances de participation (domain.md §4.2, §10): bodies, their versioned rules, seats,
meetings, attendance, motions and votes, minutes, decisions and advisory opinions."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.centres.models import Structure
from app.dbtypes import str_enum
from app.extensions import db
from app.ledger.models import Level
from app.timeutil import utcnow


class _Labelled(enum.StrEnum):
    """A string enum whose members have a translated label in `LABELS[cls][member]`."""

    @property
    def label(self) -> str:
        return str(LABELS[type(self)][self])


class InstanceType(_Labelled):
    GENERAL_ASSEMBLY = "general_assembly"
    BOARD = "board"
    EXECUTIVE_COMMITTEE = "executive_committee"
    USERS_COMMITTEE = "users_committee"
    COMMISSION = "commission"
    HOUSE_COUNCIL = "house_council"
    STEERING_COMMITTEE = "steering_committee"
    GRANT_COMMITTEE = "grant_committee"
    RESIDENTS_GROUP = "residents_group"

    @property
    def is_governance(self) -> bool:
        """AG, CA, bureau: governance bodies of the association (volunteer hours category
        `gouvernance`, metric B3/B4)."""
        return self in {InstanceType.GENERAL_ASSEMBLY, InstanceType.BOARD, InstanceType.EXECUTIVE_COMMITTEE}


class Nature(_Labelled):
    DECISION = "decision"
    ADVISORY = "advisory"
    STEERING = "steering"
    GRANT = "grant"

    @property
    def level(self) -> Level:
        """Participation level of a seat or an attendance (issue 4): L4 advisory, L5 decision."""
        return Level.L5_DECISION if self in {Nature.DECISION, Nature.GRANT} else Level.L4_CONCERTATION


class JoinPolicy(_Labelled):
    OPEN = "open"  # a habitant joins directly
    ON_REQUEST = "on_request"  # a habitant asks; the chair or staff accept
    APPOINTED = "appointed"  # only staff add members (elected CA, bureau…)


class RulesSource(_Labelled):
    STATUTES = "statutes"
    INTERNAL_RULES = "internal_rules"
    CHARTER = "charter"
    NONE = "none"


class QuorumBase(_Labelled):
    NONE = "none"  # no quorum rule
    PRESENT = "present"  # present voting members count
    PRESENT_REPRESENTED = "present_represented"  # present + represented (by proxy) count


class Majority(_Labelled):
    SIMPLE = "simple"  # more for than against
    ABSOLUTE = "absolute"  # more than half of the votes cast
    QUALIFIED = "qualified"  # at least num/den of the votes cast


class VotingMode(_Labelled):
    OPEN = "open"
    SECRET = "secret"  # noqa: S105  (a voting mode, not a password)


class Office(_Labelled):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    SECRETARY = "secretary"
    TREASURER = "treasurer"
    MEMBER = "member"


class SeatStatus(_Labelled):
    REQUESTED = "requested"
    ACTIVE = "active"
    ENDED = "ended"
    DECLINED = "declined"


class EndReason(_Labelled):
    LEFT = "left"
    MANDATE_END = "mandate_end"
    REMOVED = "removed"


class MeetingStatus(_Labelled):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"
    ADJOURNED = "adjourned_no_quorum"


class RsvpAnswer(_Labelled):
    COMING = "coming"
    EXCUSED = "excused"
    PROXY = "proxy"  # gives a proxy (pouvoir) to another member


class AttendanceStatus(_Labelled):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"
    REPRESENTED = "represented"


class MotionKind(_Labelled):
    DECISION = "decision"
    OPINION = "opinion"
    PROPOSAL = "proposal"
    ELECTION = "election"


class MotionStatus(_Labelled):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Outcome(_Labelled):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


class Choice(_Labelled):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class MinutesStatus(_Labelled):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class FollowUpStatus(_Labelled):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class ResponseKind(_Labelled):
    ACCEPTED = "accepted"
    PARTLY = "partly"
    REFUSED = "refused"
    NOTED = "noted"


LABELS: dict[type, dict] = {
    InstanceType: {
        InstanceType.GENERAL_ASSEMBLY: _l("Assemblée générale"),
        InstanceType.BOARD: _l("Conseil d'administration"),
        InstanceType.EXECUTIVE_COMMITTEE: _l("Bureau"),
        InstanceType.USERS_COMMITTEE: _l("Comité d'usagers"),
        InstanceType.COMMISSION: _l("Commission"),
        InstanceType.HOUSE_COUNCIL: _l("Conseil de maison"),
        InstanceType.STEERING_COMMITTEE: _l("Comité de pilotage du projet social"),
        InstanceType.GRANT_COMMITTEE: _l("Comité FPH (attribution)"),
        InstanceType.RESIDENTS_GROUP: _l("Collectif d'habitants"),
    },
    Nature: {
        Nature.DECISION: _l("Décisionnelle"),
        Nature.ADVISORY: _l("Consultative"),
        Nature.STEERING: _l("Pilotage"),
        Nature.GRANT: _l("Attribution de fonds"),
    },
    JoinPolicy: {
        JoinPolicy.OPEN: _l("Ouverte : on rejoint directement"),
        JoinPolicy.ON_REQUEST: _l("Sur demande, acceptée par la présidence ou l'équipe"),
        JoinPolicy.APPOINTED: _l("Sur désignation ou élection uniquement"),
    },
    RulesSource: {
        RulesSource.STATUTES: _l("Statuts"),
        RulesSource.INTERNAL_RULES: _l("Règlement intérieur"),
        RulesSource.CHARTER: _l("Charte"),
        RulesSource.NONE: _l("Aucun texte"),
    },
    QuorumBase: {
        QuorumBase.NONE: _l("Pas de quorum"),
        QuorumBase.PRESENT: _l("Membres présents"),
        QuorumBase.PRESENT_REPRESENTED: _l("Membres présents et représentés"),
    },
    Majority: {
        Majority.SIMPLE: _l("Majorité simple (plus de pour que de contre)"),
        Majority.ABSOLUTE: _l("Majorité absolue (plus de la moitié des voix)"),
        Majority.QUALIFIED: _l("Majorité qualifiée"),
    },
    VotingMode: {VotingMode.OPEN: _l("Vote à main levée"), VotingMode.SECRET: _l("Vote à bulletin secret")},
    Office: {
        Office.CHAIR: _l("Président·e"),
        Office.VICE_CHAIR: _l("Vice-président·e"),
        Office.SECRETARY: _l("Secrétaire"),
        Office.TREASURER: _l("Trésorier·e"),
        Office.MEMBER: _l("Membre"),
    },
    SeatStatus: {
        SeatStatus.REQUESTED: _l("Demande en attente"),
        SeatStatus.ACTIVE: _l("Membre"),
        SeatStatus.ENDED: _l("Ancien·ne membre"),
        SeatStatus.DECLINED: _l("Demande refusée"),
    },
    EndReason: {
        EndReason.LEFT: _l("A quitté l'instance"),
        EndReason.MANDATE_END: _l("Fin de mandat"),
        EndReason.REMOVED: _l("Retiré·e par l'équipe"),
    },
    MeetingStatus: {
        MeetingStatus.PLANNED: _l("Prévue"),
        MeetingStatus.HELD: _l("Tenue"),
        MeetingStatus.CANCELLED: _l("Annulée"),
        MeetingStatus.ADJOURNED: _l("Reportée faute de quorum"),
    },
    RsvpAnswer: {
        RsvpAnswer.COMING: _l("Je viens"),
        RsvpAnswer.EXCUSED: _l("Excusé·e"),
        RsvpAnswer.PROXY: _l("Je donne pouvoir"),
    },
    AttendanceStatus: {
        AttendanceStatus.PRESENT: _l("Présent·e"),
        AttendanceStatus.EXCUSED: _l("Excusé·e"),
        AttendanceStatus.ABSENT: _l("Absent·e"),
        AttendanceStatus.REPRESENTED: _l("Représenté·e"),
    },
    MotionKind: {
        MotionKind.DECISION: _l("Décision"),
        MotionKind.OPINION: _l("Avis"),
        MotionKind.PROPOSAL: _l("Proposition"),
        MotionKind.ELECTION: _l("Élection"),
    },
    MotionStatus: {
        MotionStatus.DRAFT: _l("En préparation"),
        MotionStatus.OPEN: _l("Vote ouvert"),
        MotionStatus.CLOSED: _l("Vote clos"),
        MotionStatus.CANCELLED: _l("Retirée"),
    },
    Outcome: {
        Outcome.ADOPTED: _l("Adoptée"),
        Outcome.REJECTED: _l("Rejetée"),
        Outcome.NO_QUORUM: _l("Quorum non atteint"),
    },
    Choice: {Choice.FOR: _l("Pour"), Choice.AGAINST: _l("Contre"), Choice.ABSTAIN: _l("Abstention")},
    MinutesStatus: {
        MinutesStatus.DRAFT: _l("Brouillon"),
        MinutesStatus.APPROVED: _l("Approuvé"),
        MinutesStatus.PUBLISHED: _l("Publié"),
    },
    FollowUpStatus: {
        FollowUpStatus.TODO: _l("À faire"),
        FollowUpStatus.IN_PROGRESS: _l("En cours"),
        FollowUpStatus.DONE: _l("Fait"),
        FollowUpStatus.DROPPED: _l("Abandonné"),
    },
    ResponseKind: {
        ResponseKind.ACCEPTED: _l("Retenu"),
        ResponseKind.PARTLY: _l("Retenu en partie"),
        ResponseKind.REFUSED: _l("Non retenu"),
        ResponseKind.NOTED: _l("Pris en compte pour information"),
    },
}


class Instance(db.Model):
    """A participation body of one structure: comité d'usagers, commission, CA, AG…"""

    __table_args__ = (sa.UniqueConstraint("structure_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    instance_type: Mapped[InstanceType] = mapped_column(str_enum(InstanceType, 24))
    nature: Mapped[Nature] = mapped_column(str_enum(Nature, 12))
    #: Plain text (shown with line breaks, escaped).
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Public: anyone sees it, its meetings and its published minutes; otherwise members and staff only.
    is_public: Mapped[bool] = mapped_column(default=True)
    join_policy: Mapped[JoinPolicy] = mapped_column(str_enum(JoinPolicy, 12), default=JoinPolicy.ON_REQUEST)
    #: The decision body advisory opinions are sent to by default (e.g. the CA for a comité d'usagers).
    reports_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("instance.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    structure: Mapped[Structure] = relationship()
    reports_to: Mapped["Instance | None"] = relationship(remote_side=[id])
    rules_versions: Mapped[list["InstanceRules"]] = relationship(
        back_populates="instance", order_by="InstanceRules.version.desc()", cascade="all, delete-orphan"
    )
    seats: Mapped[list["Seat"]] = relationship(back_populates="instance", cascade="all, delete-orphan")

    @property
    def rules(self) -> "InstanceRules | None":
        """The rules in force (the latest version)."""
        return self.rules_versions[0] if self.rules_versions else None


class InstanceRules(db.Model):
    """One version of an instance's rules. A change writes a new version; meetings and motions keep
    the version they were held under."""

    __table_args__ = (
        sa.UniqueConstraint("instance_id", "version"),
        sa.CheckConstraint("notice_days >= 0", name="notice_days_not_negative"),
        sa.CheckConstraint("quorum_threshold >= 0", name="quorum_threshold_not_negative"),
        sa.CheckConstraint("proxies_max >= 0", name="proxies_max_not_negative"),
        sa.CheckConstraint(
            "qualified_num > 0 AND qualified_den > 0 AND qualified_num <= qualified_den", name="qualified_fraction"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    source: Mapped[RulesSource] = mapped_column(str_enum(RulesSource, 16), default=RulesSource.NONE)
    #: Collèges and their seats: [{"code": "habitants", "label": "Habitants", "seats": 8}, …].
    colleges: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Mandate length in months (None: no fixed term).
    mandate_months: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: Days of notice between the convocation and the meeting.
    notice_days: Mapped[int] = mapped_column(sa.SmallInteger, default=7)
    quorum_base: Mapped[QuorumBase] = mapped_column(str_enum(QuorumBase, 20), default=QuorumBase.NONE)
    #: True: the threshold is a percentage of the voting members; False: a number of members.
    quorum_is_percent: Mapped[bool] = mapped_column(default=True)
    quorum_threshold: Mapped[int] = mapped_column(sa.SmallInteger, default=50)
    #: At a second call (after a meeting without quorum), the meeting deliberates whatever the attendance.
    second_call_without_quorum: Mapped[bool] = mapped_column(default=True)
    majority: Mapped[Majority] = mapped_column(str_enum(Majority, 12), default=Majority.SIMPLE)
    qualified_num: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    qualified_den: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    #: True: abstentions count in the votes cast (so they weigh like "against" for absolute/qualified).
    abstentions_counted: Mapped[bool] = mapped_column(default=False)
    #: The chair's vote decides a tie (voix prépondérante), open votes only.
    chair_casting_vote: Mapped[bool] = mapped_column(default=False)
    proxies_allowed: Mapped[bool] = mapped_column(default=False)
    proxies_max: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    voting_mode: Mapped[VotingMode] = mapped_column(str_enum(VotingMode, 8), default=VotingMode.OPEN)
    #: Days after the meeting by which the minutes should be published (metric P6).
    minutes_deadline_days: Mapped[int] = mapped_column(sa.SmallInteger, default=30)
    #: Topics the instance does not decide on (e.g. "budget et ressources humaines").
    excluded_topics: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    instance: Mapped[Instance] = relationship(back_populates="rules_versions")


class Seat(db.Model):
    """A person's membership of an instance (a seat), with its collège, office and mandate.
    Ended seats are kept: they are the history of the instance."""

    __table_args__ = (
        # At most one current (requested or active) seat per person and instance.
        sa.Index(
            "uq_seat_current",
            "instance_id",
            "person_id",
            unique=True,
            sqlite_where=sa.text("status IN ('requested', 'active')"),
            postgresql_where=sa.text("status IN ('requested', 'active')"),
        ),
        sa.Index("ix_seat_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    status: Mapped[SeatStatus] = mapped_column(str_enum(SeatStatus, 12), default=SeatStatus.REQUESTED)
    #: Code of a collège of the rules (habitants, usagers, associations, salaries, ex_officio, partenaires).
    college: Mapped[str] = mapped_column(sa.String(32), default="habitants")
    office: Mapped[Office] = mapped_column(str_enum(Office, 12), default=Office.MEMBER)
    has_vote: Mapped[bool] = mapped_column(default=True)
    #: Member by right (élu·e, partenaire, direction): not counted as habitant participation (P3).
    ex_officio: Mapped[bool] = mapped_column(default=False)
    #: The person's message when asking to join.
    request_message: Mapped[str] = mapped_column(sa.String(500), default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    start_date: Mapped[date | None]
    #: Planned end of the mandate (from the rules' mandate length).
    end_date: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[EndReason | None] = mapped_column(str_enum(EndReason, 12))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: The meeting (AG…) that elected the person, if any.
    elected_at_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    #: Under-16 board members: parental authorisation recorded by staff (domain.md §10).
    parental_authorisation_at: Mapped[date | None]
    parental_authorisation_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    instance: Mapped[Instance] = relationship(back_populates="seats")
    person: Mapped[User] = relationship(foreign_keys=[person_id])


class Meeting(db.Model):
    """A meeting (séance) of an instance. Times are naive UTC like every datetime we store."""

    __table_args__ = (
        sa.Index("ix_meeting_instance_starts", "instance_id", "starts_at"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    #: The rules version in force when the meeting was scheduled (quorum, majority, proxies).
    rules_id: Mapped[int] = mapped_column(sa.ForeignKey("instance_rules.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=120)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    online_url: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[MeetingStatus] = mapped_column(str_enum(MeetingStatus, 20), default=MeetingStatus.PLANNED)
    #: Second convocation after a meeting without quorum (the rules may waive the quorum).
    is_second_call: Mapped[bool] = mapped_column(default=False)
    convened_at: Mapped[datetime | None]
    convened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Set when the attendance list is closed; None while the meeting is still being recorded.
    closed_at: Mapped[datetime | None]
    #: Quorum as computed when the meeting was closed; staff may override it with a reason.
    quorum_reached: Mapped[bool | None]
    quorum_override_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    cancel_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instance: Mapped[Instance] = relationship()
    rules: Mapped[InstanceRules] = relationship()
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    minutes: Mapped["Minutes | None"] = relationship(
        back_populates="meeting", uselist=False, cascade="all, delete-orphan", foreign_keys="Minutes.meeting_id"
    )


class AgendaItem(db.Model):
    """A point of the agenda (ordre du jour), possibly about an initiative."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


class Rsvp(db.Model):
    """A member's answer to a convocation: coming, excused, or giving a proxy to another member."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(str_enum(RsvpAnswer, 8))
    proxy_holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class Attendance(db.Model):
    """Who was there: one row per member and meeting, ticked by the secretary or staff."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, 12))
    #: For `represented`: the member holding the proxy.
    proxy_holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Snapshot of the seat at the meeting (P3 and P4 need them as they were).
    has_vote: Mapped[bool] = mapped_column(default=True)
    ex_officio: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[person_id])


class Motion(db.Model):
    """A question put to the vote: in a meeting, or online between meetings until a deadline.

    Results live in the counters: for a secret vote they are the only record of the choices
    (no ballot row exists), so nothing links a choice to a voter."""

    __table_args__ = (
        sa.Index("ix_motion_instance_status", "instance_id", "status"),
        sa.CheckConstraint("for_count >= 0 AND against_count >= 0 AND abstain_count >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    #: None for an online vote between meetings.
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_item.id", ondelete="SET NULL"))
    rules_id: Mapped[int] = mapped_column(sa.ForeignKey("instance_rules.id", ondelete="RESTRICT"))
    kind: Mapped[MotionKind] = mapped_column(str_enum(MotionKind, 12), default=MotionKind.DECISION)
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    voting_mode: Mapped[VotingMode] = mapped_column(str_enum(VotingMode, 8), default=VotingMode.OPEN)
    #: Online vote: members vote on their phone until `closes_at`.
    is_online: Mapped[bool] = mapped_column(default=False)
    #: Open to every registered habitant of the structure (a consultation, ledger L2), not only members.
    is_consultation: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    status: Mapped[MotionStatus] = mapped_column(str_enum(MotionStatus, 12), default=MotionStatus.DRAFT)
    for_count: Mapped[int] = mapped_column(default=0)
    against_count: Mapped[int] = mapped_column(default=0)
    abstain_count: Mapped[int] = mapped_column(default=0)
    #: True when the counts were typed by the secretary (show of hands) rather than cast one by one.
    counted_by_hand: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 12))
    #: About an initiative (FPH committee, CA): the outcome records a decision on it.
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id", ondelete="SET NULL"))
    #: The initiative status an adopted motion leads to (accepted / accepted_conditions / declined / postponed).
    initiative_decision: Mapped[str | None] = mapped_column(sa.String(20))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    instance: Mapped[Instance] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    rules: Mapped[InstanceRules] = relationship()


class Voter(db.Model):
    """Eligibility and cast flag: who may vote on a motion, and whether they did. Written when the
    vote opens (the eligibility snapshot). It never says what was chosen."""

    __table_args__ = (sa.UniqueConstraint("motion_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motion.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    #: Set once, atomically (UPDATE … WHERE cast_at IS NULL): one ballot per member.
    cast_at: Mapped[datetime | None]
    #: The proxy holder or the staff member who cast it for the person, if not the person.
    cast_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class OpenVote(db.Model):
    """The recorded choice of one member in an open (non-secret) vote. Never written for a secret vote."""

    __table_args__ = (sa.UniqueConstraint("motion_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(sa.ForeignKey("motion.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    choice: Mapped[Choice] = mapped_column(str_enum(Choice, 8))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[User] = relationship()


class Minutes(db.Model):
    """The compte-rendu of a meeting: drafted, approved at the next meeting, then published."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    #: Markdown, rendered through the sanitizer.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[MinutesStatus] = mapped_column(str_enum(MinutesStatus, 12), default=MinutesStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    #: The meeting at which the minutes were approved.
    approved_at_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="minutes", foreign_keys=[meeting_id])


class FollowUp(db.Model):
    """An entry of the decisions log: what was decided, who carries it, by when, where it stands."""

    __table_args__ = (sa.Index("ix_follow_up_instance_status", "instance_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    motion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("motion.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: When the owner is not a user of the platform ("la mairie", "l'équipe jeunesse").
    owner_text: Mapped[str] = mapped_column(sa.String(120), default="")
    due_date: Mapped[date | None]
    status: Mapped[FollowUpStatus] = mapped_column(str_enum(FollowUpStatus, 12), default=FollowUpStatus.TODO)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()


class Opinion(db.Model):
    """An advisory opinion (avis) sent by a consultative body to a decision body, and its response
    (metric P7: share of opinions answered, days to answer)."""

    __table_args__ = (sa.Index("ix_opinion_to_instance", "to_instance_id", "responded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    to_instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    #: The adopted "avis" motion it was sent from: at most one opinion per motion (double clicks).
    motion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("motion.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    response: Mapped[ResponseKind | None] = mapped_column(str_enum(ResponseKind, 12))
    response_text: Mapped[str] = mapped_column(sa.Text, default="")
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: The decision body's meeting where the answer was given, if any.
    response_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))

    from_instance: Mapped[Instance] = relationship(foreign_keys=[from_instance_id])
    to_instance: Mapped[Instance] = relationship(foreign_keys=[to_instance_id])
