"""Ballots under real concurrency against a running server (SQLite and PostgreSQL): one ballot per
member per motion however many clicks arrive at once, and every member's ballot counted."""

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.instances import votes
from app.instances.models import Motion, MotionStatus, Nature, OpenVote, Voter, VotingMode
from app.ledger.models import LedgerEntry
from app.timeutil import utcnow
from tests.conftest import PASSWORD, run_together
from tests.instances.factories import add_seat, make_instance

pytestmark = pytest.mark.usefixtures("no_login_throttle")


def _logged_in(web_user, username: str):
    person = web_user()
    status, _ = person.post(
        "/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion")
    )
    assert status == 303
    return person


def _motion(structure, make_user, members: int, mode: VotingMode):
    from datetime import timedelta

    instance = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION, voting_mode=mode)
    staff = make_user(role=Role.STAFF)
    people = [make_user() for _ in range(members)]
    for person in people:
        add_seat(instance, person)
    motion = votes.create_motion(instance, {"title": "Budget", "closes_at": utcnow() + timedelta(days=2)}, staff)
    votes.open_vote(motion, staff)
    db.session.commit()
    return motion.id, [(p.id, p.username) for p in people], staff


def _state(motion_id: int):
    db.session.remove()
    motion = db.session.get(Motion, motion_id)
    cast = db.session.scalar(
        sa.select(sa.func.count()).select_from(Voter).where(Voter.motion_id == motion_id, Voter.cast_at.is_not(None))
    )
    ledger = db.session.scalar(
        sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "motion.vote")
    )
    ballots = db.session.scalar(sa.select(sa.func.count()).select_from(OpenVote).where(OpenVote.motion_id == motion_id))
    return (motion.for_count, motion.against_count, motion.abstain_count), cast, ledger, ballots


def _statuses(results) -> list:
    return [r[0] if isinstance(r, tuple) else r for r in results]


@pytest.mark.parametrize("mode", [VotingMode.OPEN, VotingMode.SECRET])
def test_one_member_voting_ten_times_at_once_counts_once(structure, make_user, web_user, mode):
    motion_id, people, _staff = _motion(structure, make_user, 2, mode)
    (person_id, username) = people[0]
    db.session.remove()
    member = _logged_in(web_user, username)
    path = f"/instances/votes/{motion_id}"
    token = member.token(path)
    db.session.remove()
    field = f"vote-{motion_id}-{person_id}-choice"
    choices = ["for", "against", "abstain", "for", "against", "for", "abstain", "against", "for", "for"]
    results = run_together([lambda c=c: member.post(f"{path}/voter", {field: c}, token) for c in choices])
    assert set(_statuses(results)) == {303}
    counts, cast, ledger, ballots = _state(motion_id)
    assert sum(counts) == 1 and cast == 1 and ledger == 1
    assert ballots == (1 if mode == VotingMode.OPEN else 0)


@pytest.mark.parametrize("mode", [VotingMode.OPEN, VotingMode.SECRET])
def test_ten_members_voting_at_once_are_all_counted(structure, make_user, web_user, mode):
    motion_id, people, _staff = _motion(structure, make_user, 10, mode)
    db.session.remove()
    members = [(_logged_in(web_user, username), person_id) for person_id, username in people]
    path = f"/instances/votes/{motion_id}"
    tokens = [member.token(path) for member, _ in members]
    db.session.remove()
    choices = ["for"] * 5 + ["against"] * 3 + ["abstain"] * 2
    results = run_together(
        [
            lambda m=m, pid=pid, t=t, c=c: m.post(f"{path}/voter", {f"vote-{motion_id}-{pid}-choice": c}, t)
            for (m, pid), t, c in zip(members, tokens, choices, strict=True)
        ]
    )
    assert _statuses(results) == [303] * 10
    counts, cast, ledger, ballots = _state(motion_id)
    assert counts == (5, 3, 2) and cast == 10 and ledger == 10
    assert ballots == (10 if mode == VotingMode.OPEN else 0)


def test_closing_while_members_vote_keeps_the_result_consistent(structure, make_user, web_user):
    """Ballots racing the closing either count before it or are refused: the stored result always
    matches the counters, and the counters match the voters flagged."""
    motion_id, people, staff = _motion(structure, make_user, 8, VotingMode.SECRET)
    staff_name = staff.username
    db.session.remove()
    members = [(_logged_in(web_user, username), person_id) for person_id, username in people]
    closer = _logged_in(web_user, staff_name)
    path = f"/instances/votes/{motion_id}"
    tokens = [member.token(path) for member, _ in members]
    close_token = closer.token(f"{path}/clore")
    db.session.remove()
    calls = [
        lambda m=m, pid=pid, t=t: m.post(f"{path}/voter", {f"vote-{motion_id}-{pid}-choice": "for"}, t)
        for (m, pid), t in zip(members, tokens, strict=True)
    ]
    calls.insert(4, lambda: closer.post(f"{path}/clore", {}, close_token))
    results = run_together(calls)
    assert set(_statuses(results)) == {303}
    counts, cast, ledger, _ = _state(motion_id)
    assert counts[0] == cast == ledger
    motion = db.session.get(Motion, motion_id)
    assert motion.status == MotionStatus.CLOSED and motion.outcome is not None
