"""Secret ballots are unlinkable (domain.md "Product decisions"): no column, row, ordering, log line
or message links a choice to a voter.

The strongest proof is a permutation: the same people vote the same set of choices, but who chose
what is swapped. If nothing in the database links a ballot to its voter, the two databases are
identical (times aside). The same comparison on an open vote does tell them apart, which shows the
test can see a link when there is one.
"""

import logging
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.instances import votes
from app.instances.models import (
    AttendanceStatus,
    Choice,
    Motion,
    Nature,
    OpenVote,
    Voter,
    VotingMode,
)
from app.timeutil import utcnow
from tests.conftest import PASSWORD, _truncate_all
from tests.instances.factories import add_seat, make_instance, make_meeting
from tests.instances.votes_setup import mark

NAMES = ["alice", "bruno", "chloe", "djamel", "emma"]
CHOICE_VALUES = {c.value for c in Choice}
CLOSES_AT = datetime(2031, 6, 30, 16, 0)


def _scenario(online_choices: str, meeting_choices: str, mode: VotingMode) -> None:
    """A CA of five with secret (or open) rules: an online vote, and a meeting vote with a proxy
    (emma is represented by alice). Letters: F for, A against, X abstain, in the order of NAMES."""
    letters = {"F": "for", "A": "against", "X": "abstain"}
    structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
    staff = make_user(structure, role=Role.STAFF, display_name="Nadia", username="nadia", email="nadia@exemple.test")
    people = [
        make_user(structure, display_name=name.title(), username=name, email=f"{name}@exemple.test") for name in NAMES
    ]
    db.session.commit()
    instance = make_instance(
        structure,
        "Conseil d'administration",
        nature=Nature.DECISION,
        voting_mode=mode,
        proxies_allowed=True,
        proxies_max=1,
    )
    for person in people:
        add_seat(instance, person)
    online = votes.create_motion(instance, {"title": "Budget 2032", "closes_at": CLOSES_AT}, staff)
    votes.open_vote(online, staff)
    db.session.commit()
    for person, letter in zip(people, online_choices, strict=True):
        votes.cast_vote(online, person, letters[letter], person)
        db.session.commit()
    meeting = make_meeting(instance, starts_at=datetime(2031, 6, 1, 17, 0))
    for person in people[:4]:
        mark(meeting, person, AttendanceStatus.PRESENT)
    mark(meeting, people[4], AttendanceStatus.REPRESENTED, people[0])
    in_meeting = votes.create_motion(instance, {"title": "Élection de la présidence"}, staff, meeting=meeting)
    votes.open_vote(in_meeting, staff)
    db.session.commit()
    for person, letter in zip(people, meeting_choices, strict=True):
        holder = people[0] if person is people[4] else person
        votes.cast_vote(
            in_meeting, holder, letters[letter], holder, for_person=person if holder is not person else None
        )
        db.session.commit()
    votes.close_motion(online, staff)
    votes.close_motion(in_meeting, staff)
    db.session.commit()


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table; times, password hashes and random tokens replaced by markers."""
    db.session.remove()
    found = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings().all()
            found[table.name] = [
                tuple(
                    "<time>"
                    if isinstance(value, datetime)
                    else "<secret>"
                    if key in ("password_hash", "claim_token", "token_hash")
                    else value
                    for key, value in row.items()
                )
                for row in rows
            ]
    return found


def _differences(first: dict, second: dict) -> set[str]:
    return {name for name in first if first[name] != second[name]}


@pytest.mark.parametrize("mode", [VotingMode.SECRET, VotingMode.OPEN])
def test_swapping_who_chose_what_leaves_no_trace(app, mode):
    _truncate_all()
    _scenario("FAXFA", "FFAXA", mode)
    first = _snapshot()
    _truncate_all()
    _scenario("AFAXF", "AXFFA", mode)  # the same choices, worn by other people
    second = _snapshot()
    assert first["voter"] and first["ledger_entry"] and first["notification"]  # the scenario did run
    if mode == VotingMode.SECRET:
        assert _differences(first, second) == set()
    else:
        assert _differences(first, second) == {"open_vote"}  # the open vote is linkable, as it should be


def _secret_votes(structure_fixture, make_user_fixture):
    instance = make_instance(
        structure_fixture, "Conseil d'administration", nature=Nature.DECISION, voting_mode="secret"
    )
    staff = make_user_fixture(role=Role.STAFF)
    people = [make_user_fixture(display_name=f"Votant {n}") for n in range(6)]
    for person in people:
        add_seat(instance, person)
    motions = []
    for title, choices in [("Rapport moral", "FFFAXF"), ("Rapport financier", "AAFXFF"), ("Cotisation", "XXAFFA")]:
        motion = votes.create_motion(instance, {"title": title, "closes_at": datetime(2031, 1, 1)}, staff)
        votes.open_vote(motion, staff)
        for person, letter in zip(people, choices, strict=True):
            votes.cast_vote(motion, person, {"F": "for", "A": "against", "X": "abstain"}[letter], person)
        motions.append(motion)
    votes.close_motion(motions[0], staff)
    db.session.commit()
    return motions, people


def test_no_table_keeps_a_choice_next_to_a_person(structure, make_user):
    motions, people = _secret_votes(structure, make_user)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenVote)) == 0
    # The table of voters says who voted, never what: no column could hold a choice.
    assert {c.name for c in Voter.__table__.columns} == {"id", "motion_id", "person_id", "cast_at", "cast_by_id"}
    # The motion keeps nothing but the counters.
    motion = db.session.get(Motion, motions[1].id)
    assert (motion.for_count, motion.against_count, motion.abstain_count) == (3, 2, 1)
    footer = re.compile(r"Pour ne plus recevoir ce type d'e-mail")
    words = re.compile(r"\b(Pour|Contre|Abstention|pour|contre|abstention)\b")
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name == "open_vote":
                continue
            for row in conn.execute(sa.select(table)).mappings():
                for key, value in row.items():
                    assert not (isinstance(value, str) and value in CHOICE_VALUES), (table.name, key, value)
                    if isinstance(value, str) and table.name not in ("instance_rules", "motion", "instance"):
                        assert not words.search(footer.sub("", value)), (table.name, key, value)


def test_voter_rows_are_written_at_opening_not_when_voting(structure, make_user):
    """The voter rows (and their ids) exist from the opening: voting only flags them, so neither a
    row nor its position tells when, let alone how, someone voted."""
    instance = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION, voting_mode="secret")
    people = [make_user() for _ in range(4)]
    for person in people:
        add_seat(instance, person)
    motion = votes.create_motion(instance, {"title": "Cotisation", "closes_at": datetime(2031, 1, 1)}, people[0])
    votes.open_vote(motion, people[0])
    db.session.commit()

    def rows():
        db.session.expire_all()
        return db.session.execute(
            sa.select(Voter.id, Voter.person_id).where(Voter.motion_id == motion.id).order_by(Voter.id)
        ).all()

    before = rows()
    for person, choice in zip(reversed(people), ["for", "against", "for", "abstain"], strict=True):
        votes.cast_vote(motion, person, choice, person)
    db.session.commit()
    assert rows() == before and len(before) == 4
    entries = db.session.execute(
        sa.text("SELECT object_type, object_id FROM ledger_entry WHERE kind = 'motion.vote'")
    ).all()
    assert set(entries) == {("motion", motion.id)}  # who took part, about the motion, nothing more


def test_logs_name_no_choice(live_server, web_user, structure, make_user, caplog, app):
    """Real requests to a real server: the logs show the requests, never a choice."""
    instance = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION, voting_mode="secret")
    staff = make_user(role=Role.STAFF)
    people = [make_user(display_name=f"Votant {n}") for n in range(3)]
    for person in people:
        add_seat(instance, person)
    motion = votes.create_motion(instance, {"title": "Rapport moral", "closes_at": datetime(2031, 1, 1)}, staff)
    votes.open_vote(motion, staff)
    db.session.commit()
    motion_id, users = motion.id, [(p.id, p.username) for p in people]
    db.session.remove()
    assert not app.config.get("SQLALCHEMY_ECHO")
    caplog.set_level(logging.DEBUG)
    for (person_id, username), choice in zip(users, ["for", "against", "abstain"], strict=True):
        client = web_user()
        token = client.token("/compte/connexion")
        assert client.post("/compte/connexion", {"identifier": username, "password": PASSWORD}, token)[0] == 303
        path = f"/instances/votes/{motion_id}"
        status, _ = client.post(f"{path}/voter", {f"vote-{motion_id}-{person_id}-choice": choice}, client.token(path))
        assert status == 303
    db.session.remove()
    assert db.session.get(Motion, motion_id).for_count == 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("/voter" in m for m in messages)  # the request log was captured
    for message in messages:
        for token in ("for", "against", "abstain", "Pour", "Contre", "Abstention"):
            assert not re.search(rf"\b{token}\b", message), message


def test_secret_ballot_notice_and_page_never_echo_the_choice(client, structure, make_user):
    instance = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION, voting_mode="secret")
    member = make_user()
    add_seat(instance, member)
    motion = votes.create_motion(
        instance, {"title": "Rapport moral", "closes_at": utcnow() + timedelta(days=2)}, member
    )
    votes.open_vote(motion, member)
    db.session.commit()
    client.post("/compte/connexion", data={"identifier": member.username, "password": PASSWORD})
    r = client.post(f"/instances/votes/{motion.id}/voter", data={f"vote-{motion.id}-{member.id}-choice": "against"})
    page = client.get(r.headers["Location"]).text
    assert "Votre vote est enregistré. Il est secret" in page.replace("&#39;", "'")
    block = page[page.index(f'id="motion-{motion.id}-vote"') :]
    block = block[: block.index("</section>")]
    assert "Contre" not in block and "1 contre" not in block
