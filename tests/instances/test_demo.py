"""Demo instances: the four bodies, their past meetings and what came of them, an upcoming meeting,
votes and opinions; idempotent, dated in the past, the ledger counted once, and the pages render."""

from datetime import timedelta

import sqlalchemy as sa

from app.centres.models import Structure
from app.demo import CENTRE, DEMO_PASSWORD, seed_demo
from app.extensions import db
from app.initiatives.models import Initiative, InitiativeEvent, Status
from app.instances.demo import CA_NAME, COMITE_NAME, FPH_NAME, JEUNESSE_NAME, seed_instances
from app.instances.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    FollowUp,
    FollowUpStatus,
    Instance,
    JoinPolicy,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Motion,
    MotionKind,
    MotionStatus,
    Nature,
    Office,
    OpenVote,
    Opinion,
    Outcome,
    QuorumBase,
    ResponseKind,
    Rsvp,
    Seat,
    SeatStatus,
    Voter,
    VotingMode,
)
from app.ledger.models import LedgerEntry
from app.mail import OutboxEmail
from app.notifications.models import Notification
from app.timeutil import utcnow
from app.volunteering.models import EntrySource, HourEntry

COUNTED = (Instance, Seat, Meeting, AgendaItem, Attendance, Motion, Voter, OpenVote, Minutes, FollowUp, Opinion, Rsvp)


def _structure() -> Structure:
    return db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))


def _counts() -> dict:
    counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}
    counts["ledger"] = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    counts["hours"] = db.session.scalar(sa.select(sa.func.count()).select_from(HourEntry))
    return counts


def _instance(name: str) -> Instance:
    return db.session.scalar(sa.select(Instance).where(Instance.name == name))


def _seat(instance: Instance, email: str) -> Seat:
    return next(s for s in instance.seats if s.person.email == email and s.status != SeatStatus.ENDED)


def _meetings(instance: Instance) -> list[Meeting]:
    query = sa.select(Meeting).where(Meeting.instance_id == instance.id).order_by(Meeting.starts_at)
    return list(db.session.scalars(query))


def test_seed_twice_gives_the_same_bodies_meetings_and_ledger():
    seed_demo()
    db.session.commit()
    before = _counts()
    assert before["Instance"] == 4 and before["Meeting"] == 7 and before["Motion"] == 7
    assert seed_instances(_structure()) == 0  # already there: nothing added
    seed_demo()
    db.session.commit()
    assert _counts() == before
    # No e-mail about a made-up past (nor about the convocation the demo sends).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_the_bodies_and_their_members():
    seed_demo()
    db.session.commit()
    ca, comite, jeunesse, fph = (_instance(n) for n in (CA_NAME, COMITE_NAME, JEUNESSE_NAME, FPH_NAME))

    assert ca.nature == Nature.DECISION and ca.join_policy == JoinPolicy.APPOINTED
    assert [c["code"] for c in ca.rules.colleges] == ["habitants", "associations", "ex_officio"]
    assert ca.rules.quorum_base == QuorumBase.PRESENT_REPRESENTED and ca.rules.quorum_threshold == 50
    assert ca.rules.proxies_allowed and ca.rules.proxies_max == 1 and ca.rules.version == 2  # amended
    assert ca.rules.voting_mode == VotingMode.OPEN
    assert _seat(ca, "gerard.moreau@ensemble.test").office == Office.CHAIR
    assert _seat(ca, "fatou.sow@ensemble.test").office == Office.TREASURER
    assert _seat(ca, "ousmane.diop@ensemble.test").office == Office.VICE_CHAIR  # elected at the last CA
    director = _seat(ca, "admin@ensemble.test")
    assert director.ex_officio and not director.has_vote and director.college == "ex_officio"

    assert comite.nature == Nature.ADVISORY and comite.join_policy == JoinPolicy.OPEN
    assert comite.reports_to_id == ca.id and comite.rules.quorum_base == QuorumBase.NONE
    assert _seat(comite, "coord@ensemble.test").office == Office.SECRETARY
    members = {s.person.email for s in comite.seats if s.status == SeatStatus.ACTIVE}
    assert {"habitant@ensemble.test", "benevole@ensemble.test", "coord@ensemble.test"} <= members
    assert len(members) == 8

    assert jeunesse.join_policy == JoinPolicy.ON_REQUEST
    pending = [s for s in jeunesse.seats if s.status == SeatStatus.REQUESTED]
    assert [s.person.email for s in pending] == ["thi-lan.nguyen@ensemble.test"]
    assert pending[0].request_message
    assert fph.nature == Nature.GRANT and len([s for s in fph.seats if s.status == SeatStatus.ACTIVE]) == 5
    for instance in (ca, comite, jeunesse, fph):
        assert "lorem" not in instance.description.lower()


def test_meetings_attendance_minutes_and_follow_ups():
    seed_demo()
    db.session.commit()
    now = utcnow()
    ca, comite = _instance(CA_NAME), _instance(COMITE_NAME)

    held = db.session.scalars(sa.select(Meeting).where(Meeting.status == MeetingStatus.HELD)).all()
    assert len(held) == 6
    for meeting in held:
        assert meeting.starts_at < now and meeting.closed_at <= now and meeting.convened_at < meeting.starts_at
        assert meeting.quorum_reached and meeting.minutes is not None
    statuses = set(db.session.scalars(sa.select(Attendance.status)))
    assert {AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.REPRESENTED} <= statuses
    represented = db.session.scalars(sa.select(Attendance).where(Attendance.status == AttendanceStatus.REPRESENTED))
    assert all(a.proxy_holder_id is not None for a in represented)

    ca1, ca2 = _meetings(ca)
    assert ca1.minutes.approved_at_meeting_id == ca2.id  # the CA approved the previous minutes
    assert ca1.minutes.status == MinutesStatus.PUBLISHED and ca2.minutes.status == MinutesStatus.PUBLISHED
    cu1, cu2, upcoming = _meetings(comite)
    assert cu1.minutes.approved_at_meeting_id == cu2.id
    assert cu2.minutes.published_at is not None and cu2.minutes.approved_at is None  # the next comité will
    published = db.session.scalars(sa.select(Minutes).where(Minutes.status == MinutesStatus.PUBLISHED)).all()
    assert len(published) == 5 and all(m.published_at <= now and m.updated_at <= now for m in published)

    # The next comité: convened, with its agenda (one point about an initiative) and first answers.
    assert upcoming.status == MeetingStatus.PLANNED and upcoming.starts_at > now + timedelta(days=7)
    assert upcoming.convened_at is not None and upcoming.convened_at < now
    initiative_items = [i for i in upcoming.agenda_items if i.initiative_id]
    assert len(upcoming.agenda_items) == 4 and len(initiative_items) == 1
    fete = db.session.get(Initiative, initiative_items[0].initiative_id)
    assert fete.title == "Fête des voisins rue Branly"
    answers = db.session.scalars(sa.select(Rsvp).where(Rsvp.meeting_id == upcoming.id)).all()
    assert len(answers) == 4 and all(a.updated_at < now for a in answers)

    # The decisions log: done, in progress, late.
    follow_ups = db.session.scalars(sa.select(FollowUp).where(FollowUp.instance_id == comite.id)).all()
    by_status = {f.status: f for f in follow_ups}
    assert set(by_status) == {FollowUpStatus.DONE, FollowUpStatus.IN_PROGRESS, FollowUpStatus.TODO}
    assert by_status[FollowUpStatus.TODO].due_date < upcoming.starts_at.date() - timedelta(days=7)  # late

    # Governance hours were proposed from the attendance (the volunteering demo validates them).
    proposals = db.session.scalar(
        sa.select(sa.func.count()).select_from(HourEntry).where(HourEntry.source == EntrySource.MEETING)
    )
    assert proposals > 10


def test_votes_and_opinions():
    seed_demo()
    db.session.commit()
    now = utcnow()
    motions = {m.title: m for m in db.session.scalars(sa.select(Motion))}

    closed = [m for m in motions.values() if m.status == MotionStatus.CLOSED]
    assert len(closed) == 6 and all(m.outcome == Outcome.ADOPTED and m.closed_at < now for m in closed)
    election = next(m for m in closed if m.kind == MotionKind.ELECTION)
    assert election.voting_mode == VotingMode.SECRET and election.instance.name == CA_NAME
    # A secret ballot leaves counters and cast flags, never a choice next to a name.
    assert db.session.scalar(sa.select(sa.func.count()).where(OpenVote.motion_id == election.id)) == 0
    assert db.session.scalar(
        sa.select(sa.func.count()).where(Voter.motion_id == election.id, Voter.cast_at.is_not(None))
    ) == (election.for_count + election.against_count + election.abstain_count)
    last_comite = _meetings(_instance(COMITE_NAME))[1]
    assert {m.kind for m in closed if m.meeting_id == last_comite.id} == {MotionKind.PROPOSAL, MotionKind.OPINION}

    online = next(m for m in motions.values() if m.is_online)
    assert online.status == MotionStatus.OPEN and online.opens_at < now
    assert now + timedelta(days=4) < online.closes_at < now + timedelta(days=8)
    assert 0 < online.for_count + online.against_count + online.abstain_count < 7

    # The FPH committee's motion recorded its decision on the initiative, dated at the meeting.
    about = next(m for m in closed if m.initiative_id)
    tournoi = db.session.get(Initiative, about.initiative_id)
    assert tournoi.status == Status.POSTPONED and about.instance.name == FPH_NAME
    event = db.session.scalars(
        sa.select(InitiativeEvent).where(InitiativeEvent.initiative_id == tournoi.id).order_by(InitiativeEvent.id)
    ).all()[-1]
    assert f"/instances/votes/{about.id}" in event.message
    assert about.meeting.starts_at < event.at < about.meeting.starts_at + timedelta(hours=2)

    opinions = db.session.scalars(sa.select(Opinion).order_by(Opinion.sent_at)).all()
    answered, waiting = opinions
    assert answered.response == ResponseKind.PARTLY and answered.response_text
    assert answered.sent_at < answered.responded_at < now and answered.response_meeting_id is not None
    assert waiting.response is None and waiting.motion_id is not None
    assert {o.from_instance.name for o in opinions} == {COMITE_NAME}
    assert {o.to_instance.name for o in opinions} == {CA_NAME}


def test_the_ledger_is_dated_and_counts_each_act_once():
    seed_demo()
    db.session.commit()
    now = utcnow()
    assert db.session.scalar(sa.select(sa.func.max(LedgerEntry.occurred_at))) < now
    assert db.session.scalar(sa.select(sa.func.max(LedgerEntry.created_at))) < now
    assert db.session.scalar(sa.select(sa.func.max(Notification.created_at))) <= now
    duplicates = db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.person_id, LedgerEntry.object_type, LedgerEntry.object_id)
        .group_by(LedgerEntry.kind, LedgerEntry.person_id, LedgerEntry.object_type, LedgerEntry.object_id)
        .having(sa.func.count() > 1)
    ).all()
    assert duplicates == []
    present = db.session.scalar(
        sa.select(sa.func.count()).select_from(Attendance).where(Attendance.status == AttendanceStatus.PRESENT)
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(LedgerEntry.kind == "meeting.attend")) == present
    ballots = db.session.scalar(sa.select(sa.func.count()).where(Voter.cast_at.is_not(None)))
    assert db.session.scalar(sa.select(sa.func.count()).where(LedgerEntry.kind == "motion.vote")) == ballots
    # Votes in a meeting are dated with the meeting.
    for entry, meeting in db.session.execute(
        sa.select(LedgerEntry, Meeting)
        .join(Motion, sa.and_(LedgerEntry.object_type == "motion", LedgerEntry.object_id == Motion.id))
        .join(Meeting, Meeting.id == Motion.meeting_id)
    ):
        assert meeting.starts_at <= entry.occurred_at <= meeting.starts_at + timedelta(hours=2)


def test_the_pages_render_with_the_demo(client, auth):
    seed_demo()
    db.session.commit()
    ca, comite, jeunesse = _instance(CA_NAME), _instance(COMITE_NAME), _instance(JEUNESSE_NAME)
    cu1, cu2, upcoming = _meetings(comite)
    ca2 = _meetings(ca)[1]
    online = db.session.scalar(sa.select(Motion).where(Motion.is_online.is_(True)))
    waiting = db.session.scalar(sa.select(Opinion).where(Opinion.responded_at.is_(None)))
    ids = {
        "ca": ca.id,
        "comite": comite.id,
        "jeunesse": jeunesse.id,
        "cu2": cu2.id,
        "upcoming": upcoming.id,
        "ca2": ca2.id,
        "online": online.id,
        "waiting": waiting.id,
    }
    db.session.remove()

    auth.login("benevole@ensemble.test", DEMO_PASSWORD)
    for path, text in (
        ("/instances/", "Comité FPH"),
        (f"/instances/{ids['comite']}", "Avis sur l&#39;accueil des familles dans le hall"),
        (f"/instances/{ids['ca']}", "Essai d&#39;une permanence d&#39;accueil bénévole le samedi matin"),
        (f"/instances/reunions/{ids['upcoming']}", "Fête des voisins rue Branly"),
        (f"/instances/reunions/{ids['cu2']}", "Troc de vêtements d&#39;enfants"),
        (f"/instances/reunions/{ids['ca2']}", "bulletin secret"),
        (f"/instances/votes/{ids['online']}", "samedi"),
        (f"/instances/avis/{ids['waiting']}", "hall"),
        (f"/instances/{ids['comite']}/suivi", "En retard"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True), path
    auth.logout()

    auth.login("staff@ensemble.test", DEMO_PASSWORD)
    response = client.get(f"/instances/{ids['jeunesse']}/membres")
    assert response.status_code == 200
    assert "Thi Lan Nguyen" in response.get_data(as_text=True)
    assert client.get(f"/instances/reunions/{ids['ca2']}/compte-rendu").status_code == 200


def test_seed_instances_without_the_demo_people_does_nothing(structure):
    assert seed_instances(structure) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Instance)) == 0
