"""Motions and votes, through the services: creation, eligibility, ballots, proxies, hand counts,
closing by the rules, results in French, turnout, initiatives, and the deadline command."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import Status
from app.instances import votes
from app.instances.models import (
    AgendaItem,
    AttendanceStatus,
    Majority,
    MeetingStatus,
    Motion,
    MotionKind,
    MotionStatus,
    Nature,
    OpenVote,
    Outcome,
    QuorumBase,
    Voter,
    VotingMode,
)
from app.instances.votes import VoteError
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from app.timeutil import utcnow
from tests.initiatives.factories import make_initiative
from tests.instances.factories import add_seat, make_meeting
from tests.instances.votes_setup import make_body, mark, meeting_motion, online_motion, vote_all

IN_3_DAYS = timedelta(days=3)


def _reload(motion: Motion) -> Motion:
    db.session.expire_all()
    return db.session.get(Motion, motion.id)


# --- creating -----------------------------------------------------------------------------------


def test_online_motion_is_a_draft_with_its_dates(structure, make_user):
    body = make_body(structure, make_user)
    closes = (utcnow() + IN_3_DAYS).replace(microsecond=0)
    motion = votes.create_motion(
        body.instance, {"title": "  Horaires  ", "kind": "opinion", "closes_at": closes}, body.staff
    )
    assert (motion.status, motion.is_online, motion.closes_at, motion.kind) == (
        MotionStatus.DRAFT,
        True,
        closes,
        MotionKind.OPINION,
    )
    assert motion.title == "Horaires"
    assert motion.rules_id == body.instance.rules.id
    assert motion.voting_mode == VotingMode.OPEN


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"closes_at": None}, "closes_at"),
        ({"closes_at": "past"}, "closes_at"),
        ({"opens_at": "later", "closes_at": "soon"}, "closes_at"),
    ],
)
def test_online_motion_refusals(structure, make_user, fields, field):
    body = make_body(structure, make_user)
    now = utcnow()
    dates = {"past": now - timedelta(hours=1), "later": now + timedelta(days=5), "soon": now + timedelta(days=1)}
    data = {"title": "Horaires", "closes_at": now + IN_3_DAYS}
    data.update({k: dates.get(v, v) if isinstance(v, str) else v for k, v in fields.items()})
    if fields.get("title") == " ":
        data["title"] = " "
    with pytest.raises(VoteError) as error:
        votes.create_motion(body.instance, data, body.staff)
    assert error.value.field == field


def test_secret_rules_force_a_secret_ballot_open_rules_let_choose(structure, make_user):
    secret = make_body(structure, make_user, name="CA", nature=Nature.DECISION, voting_mode=VotingMode.SECRET)
    motion = votes.create_motion(
        secret.instance,
        {"title": "Élection du bureau", "voting_mode": "open", "closes_at": utcnow() + IN_3_DAYS},
        secret.staff,
    )
    assert motion.voting_mode == VotingMode.SECRET
    open_body = make_body(structure, make_user, name="Commission jeunesse")
    chosen = votes.create_motion(
        open_body.instance,
        {"title": "Sortie", "voting_mode": "secret", "closes_at": utcnow() + IN_3_DAYS},
        open_body.staff,
    )
    assert chosen.voting_mode == VotingMode.SECRET


def test_meeting_motion_takes_the_meeting_rules_and_agenda_initiative(structure, make_user):
    body = make_body(structure, make_user)
    author = make_user()
    initiative = make_initiative(structure, author, body.staff)
    meeting = make_meeting(body.instance)
    item = AgendaItem(meeting_id=meeting.id, title="Projet de jardin partagé", initiative_id=initiative.id)
    db.session.add(item)
    db.session.commit()
    motion = votes.create_motion(
        body.instance,
        {"title": "Soutenir le jardin", "agenda_item_id": item.id, "initiative_id": None},
        body.chair,
        meeting=meeting,
    )
    assert (motion.meeting_id, motion.agenda_item_id, motion.is_online) == (meeting.id, item.id, False)
    assert (motion.initiative_id, motion.initiative_decision) == (initiative.id, "accepted")
    assert motion.rules_id == meeting.rules_id


def test_meeting_motion_refusals(structure, make_user):
    body = make_body(structure, make_user)
    other = make_body(structure, make_user, name="CA", nature=Nature.DECISION)
    meeting, elsewhere = make_meeting(body.instance), make_meeting(other.instance)
    stray = AgendaItem(meeting_id=elsewhere.id, title="Autre point")
    db.session.add(stray)
    db.session.commit()
    with pytest.raises(VoteError):
        votes.create_motion(body.instance, {"title": "X"}, body.staff, meeting=elsewhere)
    with pytest.raises(VoteError) as error:
        votes.create_motion(body.instance, {"title": "X", "agenda_item_id": stray.id}, body.staff, meeting=meeting)
    assert error.value.field == "agenda_item"
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    with pytest.raises(VoteError):
        votes.create_motion(body.instance, {"title": "X"}, body.staff, meeting=meeting)


def test_initiative_of_another_structure_is_refused(structure, make_user):
    from app.factories import make_structure

    body = make_body(structure, make_user)
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    author = make_user(elsewhere)
    staff = make_user(elsewhere, role=Role.STAFF)
    initiative = make_initiative(elsewhere, author, staff)
    with pytest.raises(VoteError) as error:
        online_motion(body, open_it=False, initiative_id=initiative.id)
    assert error.value.field == "initiative"
    with pytest.raises(VoteError):
        online_motion(
            body,
            open_it=False,
            initiative_id=make_initiative(structure, make_user(), body.staff).id,
            initiative_decision="declined",
        )


def test_update_only_while_draft(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body, open_it=False)
    votes.update_motion(motion, {"title": "Nouveau titre", "closes_at": utcnow() + IN_3_DAYS}, by=body.staff)
    assert motion.title == "Nouveau titre"
    votes.open_vote(motion, body.staff)
    with pytest.raises(VoteError):
        votes.update_motion(motion, {"title": "Encore", "closes_at": utcnow() + IN_3_DAYS}, by=body.staff)


# --- opening: the eligibility snapshot ------------------------------------------------------------


def _voter_ids(motion) -> set[int]:
    return set(db.session.scalars(sa.select(Voter.person_id).where(Voter.motion_id == motion.id)))


def test_opening_snapshots_the_voting_seats(structure, make_user):
    body = make_body(structure, make_user, members=2)
    no_vote, blocked, ended, asked = make_user(), make_user(), make_user(), make_user()
    add_seat(body.instance, no_vote, has_vote=False)
    add_seat(body.instance, blocked)
    blocked.is_blocked = True
    add_seat(body.instance, ended, end_date=utcnow().date() - timedelta(days=1))
    from app.instances.models import Seat, SeatStatus

    db.session.add(Seat(instance_id=body.instance.id, person_id=asked.id, status=SeatStatus.REQUESTED))
    db.session.commit()
    motion = online_motion(body, open_it=False)
    assert votes.open_vote(motion, body.staff) == 4
    db.session.commit()
    assert motion.status == MotionStatus.OPEN and motion.opens_at is not None
    assert _voter_ids(motion) == {p.id for p in body.voters}
    late = make_user()
    add_seat(body.instance, late)
    assert late.id not in _voter_ids(motion)  # a seat taken after the opening does not vote
    with pytest.raises(VoteError):
        votes.open_vote(motion, body.staff)


def test_consultation_opens_to_every_habitant_of_the_centre(structure, make_user):
    body = make_body(structure, make_user, members=1)
    habitants = [make_user() for _ in range(3)]
    blocked = make_user(is_blocked=True)
    motion = online_motion(body, is_consultation=True)
    ids = _voter_ids(motion)
    assert {h.id for h in habitants} <= ids
    assert {p.id for p in body.voters} | {body.staff.id} <= ids
    assert blocked.id not in ids


def test_opening_without_any_voter_is_refused(structure, make_user):
    body = make_body(structure, make_user, members=0)
    motion = online_motion(body, open_it=False)
    for person in (body.chair, body.secretary):
        person.is_blocked = True
    db.session.commit()
    with pytest.raises(VoteError):
        votes.open_vote(motion, body.staff)
    db.session.rollback()
    assert _reload(motion).status == MotionStatus.DRAFT


def test_opening_an_online_vote_tells_the_voters(structure, make_user):
    body = make_body(structure, make_user, members=1)
    online_motion(body)
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "instance.vote")))
    assert told == {p.id for p in body.voters}


def test_opening_past_the_deadline_is_refused(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body, open_it=False)
    motion.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(VoteError):
        votes.open_vote(motion, body.staff)


# --- casting ---------------------------------------------------------------------------------------


def test_open_ballot_records_choice_counters_and_ledger(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    votes.cast_vote(motion, body.chair, "for", body.chair)
    db.session.commit()
    motion = _reload(motion)
    assert (motion.for_count, motion.against_count, motion.abstain_count) == (1, 0, 0)
    row = db.session.scalar(sa.select(OpenVote))
    assert (row.person_id, row.choice.value) == (body.chair.id, "for")
    voter = db.session.scalar(sa.select(Voter).where(Voter.person_id == body.chair.id))
    assert voter.cast_at is not None and voter.cast_by_id is None
    entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.kind == "motion.vote"))
    assert (entry.person_id, entry.level, entry.object_type, entry.object_id) == (
        body.chair.id,
        Level.L4_CONCERTATION,
        "motion",
        motion.id,
    )


@pytest.mark.parametrize(
    ("nature", "consultation", "level"),
    [
        (Nature.DECISION, False, Level.L5_DECISION),
        (Nature.GRANT, False, Level.L5_DECISION),
        (Nature.ADVISORY, False, Level.L4_CONCERTATION),
        (Nature.DECISION, True, Level.L2_CONSULTATION),
    ],
)
def test_vote_level_in_the_ledger(structure, make_user, nature, consultation, level):
    body = make_body(structure, make_user, nature=nature)
    motion = online_motion(body, is_consultation=consultation)
    votes.cast_vote(motion, body.members[0], "against", body.members[0])
    db.session.commit()
    assert db.session.scalar(sa.select(LedgerEntry.level).where(LedgerEntry.kind == "motion.vote")) == level


def test_a_second_ballot_is_refused(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    votes.cast_vote(motion, body.chair, "for", body.chair)
    db.session.commit()
    with pytest.raises(VoteError, match="déjà voté"):
        votes.cast_vote(motion, body.chair, "against", body.chair)
    db.session.rollback()
    motion = _reload(motion)
    assert (motion.for_count, motion.against_count) == (1, 0)


def test_people_off_the_list_cannot_vote(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    with pytest.raises(VoteError, match="liste des votants"):
        votes.cast_vote(motion, make_user(), "for", body.staff)


def test_no_ballot_on_a_draft_a_closed_or_a_late_vote(structure, make_user):
    body = make_body(structure, make_user)
    draft = online_motion(body, open_it=False)
    with pytest.raises(VoteError):
        votes.cast_vote(draft, body.chair, "for", body.chair)
    late = online_motion(body)
    late.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(VoteError, match="terminé"):
        votes.cast_vote(late, body.chair, "for", body.chair)
    closed = online_motion(body)
    votes.close_motion(closed, body.staff)
    db.session.commit()
    with pytest.raises(VoteError):
        votes.cast_vote(closed, body.chair, "for", body.chair)


def test_staff_at_the_desk_cast_for_a_member_recorded_by_them(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    member = body.members[0]
    votes.cast_vote(motion, member, "for", body.staff)
    db.session.commit()
    voter = db.session.scalar(sa.select(Voter).where(Voter.person_id == member.id))
    assert voter.cast_by_id == body.staff.id
    entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.kind == "motion.vote"))
    assert (entry.person_id, entry.recorded_by_id) == (member.id, body.staff.id)


def test_secret_ballot_moves_only_the_counters(structure, make_user):
    body = make_body(structure, make_user, voting_mode=VotingMode.SECRET)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FAXF")
    motion = _reload(motion)
    assert (motion.for_count, motion.against_count, motion.abstain_count) == (2, 1, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenVote)) == 0


# --- proxies in a meeting --------------------------------------------------------------------------


def test_proxy_holder_votes_for_the_members_they_represent_within_the_limit(structure, make_user):
    body = make_body(structure, make_user, members=3, proxies_allowed=True, proxies_max=1)
    holder, first, second = body.members
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, holder, AttendanceStatus.PRESENT)
    mark(meeting, first, AttendanceStatus.REPRESENTED, holder)
    mark(meeting, second, AttendanceStatus.REPRESENTED, holder)  # over the limit of one
    motion = meeting_motion(body, meeting)
    assert votes.represented_by(meeting.id, holder.id, votes.rules_of(motion)) == [first.id]
    votes.cast_vote(motion, holder, "for", holder, for_person=first)
    db.session.commit()
    with pytest.raises(VoteError, match="pouvoir valable"):
        votes.cast_vote(motion, holder, "for", holder, for_person=second)
    db.session.rollback()
    with pytest.raises(VoteError, match="donné pouvoir"):
        votes.cast_vote(motion, first, "against", first)
    db.session.rollback()
    voter = db.session.scalar(sa.select(Voter).where(Voter.person_id == first.id, Voter.motion_id == motion.id))
    assert voter.cast_by_id == holder.id
    entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.kind == "motion.vote"))
    assert (entry.person_id, entry.recorded_by_id) == (first.id, holder.id)
    with pytest.raises(VoteError, match="déjà enregistré"):
        votes.cast_vote(motion, holder, "for", holder, for_person=first)


def test_proxies_refused_when_the_rules_do_not_allow_them(structure, make_user):
    body = make_body(structure, make_user, proxies_allowed=False)
    holder, member = body.members[:2]
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, member, AttendanceStatus.REPRESENTED, holder)
    motion = meeting_motion(body, meeting)
    with pytest.raises(VoteError):
        votes.cast_vote(motion, holder, "for", holder, for_person=member)


def test_members_marked_absent_do_not_vote_in_the_meeting(structure, make_user):
    body = make_body(structure, make_user)
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, body.members[0], AttendanceStatus.ABSENT)
    motion = meeting_motion(body, meeting)
    with pytest.raises(VoteError, match="absent"):
        votes.cast_vote(motion, body.members[0], "for", body.members[0])
    db.session.rollback()
    votes.cast_vote(motion, body.members[1], "for", body.members[1])  # not ticked yet: may vote


# --- show of hands ---------------------------------------------------------------------------------


def test_hand_count_then_close(structure, make_user):
    body = make_body(structure, make_user, members=8)
    motion = meeting_motion(body)
    votes.record_hand_count(motion, 6, 3, 1, body.secretary)
    closing = votes.close_motion(motion, body.secretary)
    db.session.commit()
    motion = _reload(motion)
    assert (motion.for_count, motion.against_count, motion.abstain_count, motion.counted_by_hand) == (6, 3, 1, True)
    assert motion.outcome == Outcome.ADOPTED and closing.closed
    summary = votes.summarise([motion])[motion.id]
    assert "Décompte à main levée saisi par le secrétariat de séance." in summary.explanation
    assert summary.turnout == 1.0


def test_hand_count_refusals(structure, make_user):
    body = make_body(structure, make_user, members=1)
    online = online_motion(body)
    with pytest.raises(VoteError):
        votes.record_hand_count(online, 1, 0, 0, body.secretary)
    motion = meeting_motion(body)
    with pytest.raises(VoteError, match="plus de voix"):
        votes.record_hand_count(motion, 3, 1, 0, body.secretary)
    with pytest.raises(VoteError):
        votes.record_hand_count(motion, -1, 0, 0, body.secretary)
    votes.cast_vote(motion, body.chair, "for", body.chair)
    with pytest.raises(VoteError, match="un par un"):
        votes.record_hand_count(motion, 1, 0, 0, body.secretary)
    secret = make_body(structure, make_user, name="CA", voting_mode=VotingMode.SECRET)
    secret_motion = meeting_motion(secret)
    with pytest.raises(VoteError):
        votes.record_hand_count(secret_motion, 1, 0, 0, secret.secretary)


# --- closing and the result --------------------------------------------------------------------------


def test_close_applies_the_rules_and_explains_in_french(structure, make_user):
    body = make_body(structure, make_user, members=8)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FFFFFFFAAX")
    closing = votes.close_motion(motion, body.staff)
    db.session.commit()
    assert closing.closed and closing.result.outcome == Outcome.ADOPTED
    summary = votes.summarise([_reload(motion)])[motion.id]
    assert summary.explanation[:2] == [
        "Adoptée : 7 pour, 2 contre, 1 abstention.",
        "Majorité simple, abstentions non comptées : 3 voix pour suffisaient.",
    ]
    assert (summary.cast, summary.eligible, summary.turnout) == (10, 10, 1.0)


def test_close_is_idempotent(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    assert votes.close_motion(motion, body.staff).closed
    db.session.commit()
    again = votes.close_motion(motion, body.staff)
    assert not again.closed
    results = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "instance.vote", Notification.message.like("Résultat%"))
    ).all()
    assert len(results) == len(body.voters)  # told once


def test_online_quorum_counts_the_voters_against_the_list(structure, make_user):
    body = make_body(structure, make_user, members=8, quorum_base=QuorumBase.PRESENT, quorum_threshold=50)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FFXX")  # 4 of 10: 5 needed
    votes.close_motion(motion, body.staff)
    db.session.commit()
    motion = _reload(motion)
    assert motion.outcome == Outcome.NO_QUORUM
    summary = votes.summarise([motion])[motion.id]
    assert summary.explanation[0] == "Pas de décision : le quorum n'est pas atteint (2 pour, 0 contre, 2 abstentions)."
    assert "Quorum non atteint : 4 votants sur 10, il en fallait 5." in summary.explanation
    assert summary.turnout == 0.4


def test_consultation_has_no_quorum(structure, make_user):
    body = make_body(structure, make_user, quorum_base=QuorumBase.PRESENT, quorum_threshold=90)
    motion = online_motion(body, is_consultation=True)
    vote_all(motion, [body.chair], "F")
    votes.close_motion(motion, body.staff)
    assert motion.outcome == Outcome.ADOPTED


def test_meeting_quorum_from_attendance_with_valid_proxies(structure, make_user):
    body = make_body(
        structure,
        make_user,
        members=8,
        quorum_base=QuorumBase.PRESENT_REPRESENTED,
        quorum_threshold=50,
        proxies_allowed=True,
        proxies_max=1,
    )
    meeting = make_meeting(body.instance, days_ahead=0)
    people = body.voters  # 10 voting members: 5 needed
    for person in people[:4]:
        mark(meeting, person, AttendanceStatus.PRESENT)
    mark(meeting, people[4], AttendanceStatus.REPRESENTED, people[0])
    mark(meeting, people[5], AttendanceStatus.REPRESENTED, people[0])  # over the limit: not counted
    motion = meeting_motion(body, meeting)
    vote_all(motion, people[:4], "FFFA")
    votes.cast_vote(motion, people[0], "for", people[0], for_person=people[4])
    votes.close_motion(motion, body.secretary)
    db.session.commit()
    summary = votes.summarise([_reload(motion)])[motion.id]
    assert summary.quorum.counted == 5 and summary.quorum.reached
    assert summary.result.outcome == Outcome.ADOPTED
    assert "Quorum atteint : 5 membres présents ou représentés, il en fallait 5." in summary.explanation


def test_meeting_quorum_missed_and_second_call(structure, make_user):
    body = make_body(structure, make_user, members=8, quorum_base=QuorumBase.PRESENT, quorum_threshold=50)
    first = make_meeting(body.instance, days_ahead=0)
    second = make_meeting(body.instance, days_ahead=0, is_second_call=True)
    for meeting in (first, second):
        for person in body.voters[:3]:
            mark(meeting, person, AttendanceStatus.PRESENT)
    missed, waived = meeting_motion(body, first), meeting_motion(body, second)
    for motion in (missed, waived):
        vote_all(motion, body.voters[:3], "FFF")
        votes.close_motion(motion, body.secretary)
    db.session.commit()
    assert (_reload(missed).outcome, _reload(waived).outcome) == (Outcome.NO_QUORUM, Outcome.ADOPTED)
    summary = votes.summarise([_reload(waived)])[waived.id]
    assert "Quorum non exigé : la réunion se tient sur deuxième convocation." in summary.explanation


def test_meeting_without_attendance_counts_the_ballots(structure, make_user):
    body = make_body(structure, make_user, members=2, quorum_base=QuorumBase.PRESENT, quorum_threshold=50)
    motion = meeting_motion(body)
    vote_all(motion, body.voters[:2], "FA")  # 2 of 4 ballots: quorum of 2 reached
    votes.close_motion(motion, body.secretary)
    assert motion.outcome == Outcome.REJECTED


def test_closed_meeting_quorum_decided_by_the_meeting_is_kept(structure, make_user):
    body = make_body(structure, make_user, members=8, quorum_base=QuorumBase.PRESENT, quorum_threshold=50)
    meeting = make_meeting(body.instance, days_ahead=0)
    for person in body.voters[:3]:
        mark(meeting, person, AttendanceStatus.PRESENT)
    meeting.closed_at, meeting.quorum_reached = utcnow(), True
    meeting.quorum_override_reason = "Deux membres arrivés après l'émargement."
    db.session.commit()
    motion = meeting_motion(body, meeting)
    vote_all(motion, body.voters[:3], "FFA")
    votes.close_motion(motion, body.secretary)
    db.session.commit()
    summary = votes.summarise([_reload(motion)])[motion.id]
    assert summary.result.outcome == Outcome.ADOPTED
    assert "Quorum retenu par la réunion : Deux membres arrivés après l'émargement." in summary.explanation


@pytest.mark.parametrize(("chair_choice", "outcome"), [("for", Outcome.ADOPTED), ("against", Outcome.REJECTED)])
def test_chair_casting_vote_decides_an_open_tie(structure, make_user, chair_choice, outcome):
    body = make_body(structure, make_user, members=2, chair_casting_vote=True)
    motion = meeting_motion(body)
    other = "against" if chair_choice == "for" else "for"
    votes.cast_vote(motion, body.chair, chair_choice, body.chair)
    votes.cast_vote(motion, body.secretary, chair_choice, body.secretary)
    for person in body.members:
        votes.cast_vote(motion, person, other, person)
    votes.close_motion(motion, body.secretary)
    db.session.commit()
    assert motion.outcome == outcome
    summary = votes.summarise([_reload(motion)])[motion.id]
    if outcome == Outcome.ADOPTED:
        assert any("voix prépondérante de la présidence l'emporte (pour)" in s for s in summary.explanation)


def test_secret_tie_is_rejected_even_with_a_casting_vote(structure, make_user):
    body = make_body(structure, make_user, members=2, chair_casting_vote=True, voting_mode=VotingMode.SECRET)
    motion = meeting_motion(body)
    vote_all(motion, body.voters, "FFAA")
    votes.close_motion(motion, body.secretary)
    assert motion.outcome == Outcome.REJECTED


def test_hand_count_tie_decided_by_the_chair_vote_typed(structure, make_user):
    body = make_body(structure, make_user, members=4, chair_casting_vote=True, majority=Majority.ABSOLUTE)
    motion = meeting_motion(body)
    votes.record_hand_count(motion, 3, 3, 0, body.secretary)
    votes.close_motion(motion, body.secretary, chair_vote="for")
    assert motion.outcome == Outcome.ADOPTED


def test_cancel_a_motion(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    votes.cancel_motion(motion, by=body.staff)
    assert motion.status == MotionStatus.CANCELLED
    with pytest.raises(VoteError):
        votes.cancel_motion(motion, by=body.staff)
    assert not votes.close_motion(motion, body.staff).closed


# --- initiatives ------------------------------------------------------------------------------------


def test_adopted_motion_records_the_decision_on_the_initiative(structure, make_user):
    body = make_body(structure, make_user, name="Comité FPH", nature=Nature.GRANT)
    initiative = make_initiative(structure, make_user(), body.staff)
    meeting = make_meeting(body.instance, days_ahead=0)
    motion = meeting_motion(
        body, meeting, initiative_id=initiative.id, initiative_decision="accepted_conditions", title="Subvention FPH"
    )
    vote_all(motion, body.voters, "FFFA")
    closing = votes.close_motion(motion, body.chair)
    db.session.commit()
    assert closing.notice is None
    db.session.refresh(initiative)
    assert initiative.status == Status.ACCEPTED_WITH_CONDITIONS
    assert initiative.decided_by_id == body.chair.id
    assert "Comité FPH" in initiative.decision_text
    assert "réunion du" in initiative.decision_text
    assert f"/instances/votes/{motion.id}" in initiative.decision_text
    assert "3 pour, 1 contre" in initiative.decision_text


def test_rejected_motion_declines_and_no_quorum_decides_nothing(structure, make_user):
    body = make_body(structure, make_user, quorum_base=QuorumBase.PRESENT, quorum_threshold=100)
    declined = make_initiative(structure, make_user(), body.staff, title="Cours de cuisine")
    untouched = make_initiative(structure, make_user(), body.staff, title="Vide-grenier")
    first = online_motion(body, initiative_id=declined.id)
    vote_all(first, body.voters, "AAAAF")
    second = online_motion(body, initiative_id=untouched.id)
    vote_all(second, body.voters, "F")
    votes.close_motion(first, body.staff)
    votes.close_motion(second, body.staff)
    db.session.commit()
    db.session.refresh(declined)
    db.session.refresh(untouched)
    assert (declined.status, untouched.status) == (Status.DECLINED, Status.OPEN)


def test_decision_impossible_for_the_initiative_gives_a_notice(structure, make_user):
    body = make_body(structure, make_user)
    initiative = make_initiative(structure, make_user(), body.staff, status=Status.ACCEPTED)
    motion = online_motion(body, initiative_id=initiative.id)
    vote_all(motion, body.voters, "F")
    closing = votes.close_motion(motion, body.staff)
    db.session.commit()
    assert closing.closed and motion.outcome == Outcome.ADOPTED
    assert "n'a pas été reportée" in closing.notice
    db.session.refresh(initiative)
    assert initiative.status == Status.ACCEPTED


# --- deadlines: lazily and from cron -----------------------------------------------------------------


def test_settle_opens_scheduled_votes_and_closes_due_ones(structure, make_user):
    body = make_body(structure, make_user)
    scheduled = online_motion(body, open_it=False, opens_at=utcnow() + timedelta(hours=1))
    due = online_motion(body)
    vote_all(due, body.voters, "FF")
    later = utcnow() + timedelta(hours=2)
    due.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert votes.settle_due_motions(now=later) == (1, 1, [])
    db.session.commit()
    assert (_reload(scheduled).status, _reload(due).status, _reload(due).outcome) == (
        MotionStatus.OPEN,
        MotionStatus.CLOSED,
        Outcome.ADOPTED,
    )
    assert votes.settle_due_motions(now=later) == (0, 0, [])


def test_close_votes_command(structure, make_user, runner, mail):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FA")
    motion.closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    motion_id, chair_email = motion.id, body.chair.email
    result = runner.invoke(args=["instances", "close-votes"])
    assert result.exit_code == 0, result.output
    assert "0 vote(s) ouvert(s), 1 vote(s) clos." in result.output
    db.session.remove()
    assert db.session.get(Motion, motion_id).outcome == Outcome.REJECTED
    assert mail.to(chair_email)  # the result reached the voters by e-mail
    again = runner.invoke(args=["instances", "close-votes"])
    assert "0 vote(s) ouvert(s), 0 vote(s) clos." in again.output


def test_notification_of_an_online_vote_names_no_choice(structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    vote_all(motion, body.voters, "F")
    votes.close_motion(motion, body.staff)
    db.session.commit()
    for note in db.session.scalars(sa.select(Notification)):
        assert "Pour" not in note.message and "Contre" not in note.message
    assert db.session.get(User, body.chair.id) is not None
