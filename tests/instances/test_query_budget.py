"""SQL budget of the instance and volunteering pages (architecture.md): at most 12 queries per page,
for every role, and the same count at 1× and 10× data (no N+1).

One world holds every section of the pages (members, requests, meetings to come, in session and
past with agenda, answers, proxies, attendance, minutes and motions, online votes, opinions both
ways, missions, hours, notifications); it is measured, grown nine times, then measured again.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import Status
from app.instances import meetings, opinions, services, votes
from app.instances.models import AttendanceStatus, Instance, InstanceType, Meeting, Nature, Office, RsvpAnswer
from app.notifications.services import notify
from app.timeutil import utcnow
from tests.initiatives.factories import make_initiative
from tests.instances.factories import add_seat, make_instance, make_meeting
from tests.instances.votes_setup import make_body, mark, meeting_motion, vote_all
from tests.volunteering.factories import make_mission, make_shift
from tests.volunteering.hours_factories import proposed

BUDGET = 12
#: The chair of the comité also chairs the members-only board (the opinions it receives).
ROLES = ("anonymous", "habitant", "member", "secretary", "chair", "staff")


@dataclass
class World:
    """Ids only: the requests run in their own sessions."""

    comite: int
    board: int
    reserved: int
    upcoming: int
    session: int
    past: int
    #: role -> user id (the login uses the username, kept in `logins`).
    people: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    grown: int = 0


def _get(model, id_):
    return db.session.get(model, id_)


def build(structure, make_user) -> World:
    """A public comité d'usagers (chair, secretary, members, a join request) reporting to a
    members-only board; a members-only commission; a meeting to come, one in session (a member
    represented by the secretary) and a past one with its minutes."""
    board = make_instance(
        structure, "Conseil d'administration", nature=Nature.DECISION, instance_type=InstanceType.BOARD, is_public=False
    )
    reserved = make_instance(structure, "Commission jeunesse", is_public=False)
    body = make_body(structure, make_user, members=3, proxies_allowed=True, proxies_max=1)
    comite = body.instance
    comite.reports_to_id = board.id
    add_seat(board, body.chair, office=Office.CHAIR)
    add_seat(reserved, body.members[2])
    services.request_seat(comite, make_user(display_name="Inès Candidate"), "Je voudrais participer.", by=body.staff)
    habitant = make_user(display_name="Awa Voisine")
    db.session.commit()

    starts = utcnow().replace(microsecond=0)
    upcoming = make_meeting(comite, days_ahead=10, title="Réunion de rentrée")
    session = make_meeting(comite, starts_at=starts - timedelta(hours=1), title="Réunion en cours")
    session.convened_at, session.convened_by_id = starts - timedelta(days=10), body.staff.id
    past = make_meeting(comite, starts_at=starts - timedelta(days=30), title="Réunion de juin")
    db.session.commit()
    for person in body.voters:
        mark(past, person, AttendanceStatus.PRESENT)
        if person != body.members[1]:
            mark(session, person, AttendanceStatus.PRESENT)
    mark(session, body.members[1], AttendanceStatus.REPRESENTED, holder=body.secretary, has_vote=True)
    motion = meeting_motion(body, past, title="Budget de la fête")
    vote_all(motion, body.voters, "FFAFX")
    votes.close_motion(motion, body.secretary)
    meetings.close_meeting(past, by=body.staff)
    minutes = meetings.save_minutes(past, "## Compte rendu\n\nLe budget de la fête est adopté.", by=body.secretary)
    meetings.publish_minutes(minutes, by=body.secretary)
    db.session.commit()
    people = {
        "habitant": habitant,
        "member": body.members[0],
        "secretary": body.secretary,
        "chair": body.chair,
        "staff": body.staff,
    }
    return World(
        comite=comite.id,
        board=board.id,
        reserved=reserved.id,
        upcoming=upcoming.id,
        session=session.id,
        past=past.id,
        people={role: person.id for role, person in people.items()},
        logins={role: person.username for role, person in people.items()},
    )


def grow(world: World, structure, make_user) -> None:
    """One more batch of everything, on the measured meetings too."""
    from app.accounts.models import User

    n = world.grown = world.grown + 1
    comite, board, reserved = _get(Instance, world.comite), _get(Instance, world.board), _get(Instance, world.reserved)
    staff, secretary = _get(User, world.people["staff"]), _get(User, world.people["secretary"])
    upcoming, session, past = _get(Meeting, world.upcoming), _get(Meeting, world.session), _get(Meeting, world.past)
    newcomers = [make_user(display_name=f"Membre {n}-{k}") for k in range(3)]
    for person in newcomers:
        add_seat(comite, person)
        add_seat(board, make_user(display_name=f"Administrateur {n}-{person.id}"))
        meetings.answer_rsvp(upcoming, person, RsvpAnswer.COMING, by=person)
        mark(session, person, AttendanceStatus.PRESENT)
        mark(past, person, AttendanceStatus.PRESENT)
    services.request_seat(comite, make_user(display_name=f"Candidat {n}"), "Bonjour.", by=staff)
    initiative = make_initiative(structure, newcomers[0], staff, title=f"Jardin partagé {n}")
    for meeting in (upcoming, session):
        meetings.add_agenda_item(meeting, {"title": f"Point {n}"}, by=staff)
        meetings.add_agenda_item(meeting, {"title": f"Initiative {n}", "initiative_id": initiative.id}, by=staff)
    make_initiative(structure, newcomers[1], staff, status=Status.SUBMITTED, title=f"Atelier vélo {n}")
    voters = [secretary, *newcomers]
    for meeting in (session, past):
        motion = votes.create_motion(comite, {"title": f"Motion close {n}"}, secretary, meeting=meeting)
        votes.open_vote(motion, secretary)
        vote_all(motion, voters, "FAF")
        votes.close_motion(motion, secretary)
    live = votes.create_motion(comite, {"title": f"Motion en cours {n}"}, secretary, meeting=session)
    votes.open_vote(live, secretary)
    vote_all(live, newcomers, "FA")
    votes.create_motion(comite, {"title": f"Motion préparée {n}"}, secretary, meeting=upcoming)
    meetings.add_follow_up(comite, {"text": f"Suite {n}"}, by=staff, meeting=past)
    # Other meetings of the comité: one to come, one held with its minutes.
    make_meeting(comite, days_ahead=20 + n, title=f"Réunion {n}")
    held = make_meeting(comite, starts_at=utcnow().replace(microsecond=0) - timedelta(days=60 + n), title=f"Passée {n}")
    mark(held, secretary, AttendanceStatus.PRESENT)
    meetings.close_meeting(held, by=staff)
    meetings.publish_minutes(meetings.save_minutes(held, "Compte rendu.", by=secretary), by=secretary)
    db.session.commit()
    # Online votes: open, closed, in preparation.
    online = _online(comite, staff, f"Vote en ligne {n}")
    vote_all(online, voters[:2], "FA")
    closed = _online(comite, staff, f"Vote clos {n}")
    vote_all(closed, voters, "FAX")
    votes.close_motion(closed, staff)
    _online(comite, staff, f"Brouillon {n}", open_it=False)
    # Opinions to the board, answered or not, and one from the members-only commission.
    for k in range(2):
        opinion = opinions.send_opinion(comite, board, f"Avis {n}-{k}", "Nous proposons…", by=staff)
        if k:
            opinions.respond_to_opinion(opinion, "accepted", "Retenu.", by=staff)
    opinions.send_opinion(reserved, board, f"Avis réservé {n}", "Entre nous.", by=staff)
    # Volunteering: a mission with a shift, hours waiting for validation.
    mission = make_mission(structure, f"Mission {n}", coordinator=staff)
    make_shift(mission)
    proposed(structure, newcomers[0], date.today() - timedelta(days=2))
    everyone = [_get(User, person_id) for person_id in world.people.values()]
    notify(everyone, "instance.opinion", lambda: "Du nouveau", url="/", structure_id=structure.id)
    db.session.commit()


def _online(instance, staff, title: str, *, open_it: bool = True):
    fields = {"title": title, "text": "Ouvrir l'accueil plus tôt.", "closes_at": utcnow() + timedelta(days=3)}
    motion = votes.create_motion(instance, fields, staff)
    if open_it:
        votes.open_vote(motion, staff)
    db.session.commit()
    return motion


def pages(world: World) -> dict[str, str]:
    return {
        "instance (comité)": f"/instances/{world.comite}",
        "instance (board)": f"/instances/{world.board}",
        "meeting (to come)": f"/instances/reunions/{world.upcoming}",
        "meeting (in session)": f"/instances/reunions/{world.session}",
        "meeting (past)": f"/instances/reunions/{world.past}",
        "meetings list": f"/instances/{world.comite}/reunions",
        "votes": f"/instances/{world.comite}/votes",
        "opinions (sent)": f"/instances/{world.comite}/avis",
        "opinions (received)": f"/instances/{world.board}/avis",
        "instances": "/instances/",
        "volunteering": "/benevolat/",
        "hours to validate": "/benevolat/heures/a-valider",
        "hours reports": "/benevolat/heures/rapports",
    }


def measure(app, world: World) -> dict[tuple[str, str], tuple[int, int, list[str]]]:
    """(page, role) -> (status, queries, statements); each role has its own logged-in client."""
    from tests.conftest import Auth
    from tests.helpers import count_queries

    found = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert Auth(client).login(world.logins[role]).status_code == 303
        for name, url in pages(world).items():
            with count_queries() as counter:
                status = client.get(url).status_code
            found[(name, role)] = (status, counter.count, list(counter.statements))
    return found


@pytest.fixture
def world(structure, make_user) -> World:
    found = build(structure, make_user)
    grow(found, structure, make_user)
    return found


def test_every_page_stays_within_the_budget_at_1x_and_10x(app, structure, make_user, world):
    small = measure(app, world)
    for _ in range(9):
        grow(world, structure, make_user)
    large = measure(app, world)
    problems = []
    for (name, role), (status, count, _statements) in large.items():
        print(f"{name:22} {role:10} {status} {small[(name, role)][1]:3} {count:3}")
    for key, (status, count, statements) in large.items():
        small_status, small_count, _ = small[key]
        assert status == small_status, key
        if count > BUDGET or count != small_count:
            problems.append(f"{key}: {small_count} queries at 1×, {count} at 10×\n  " + "\n  ".join(statements))
    assert not problems, "\n".join(problems)


def _client(app, world: World, role: str):
    from tests.conftest import Auth

    client = app.test_client()
    assert Auth(client).login(world.logins[role]).status_code == 303
    return client


def test_the_pages_show_what_is_measured(app, world):
    """The measure is only worth something if the sections are there."""
    secretary = _client(app, world, "secretary")
    comite = secretary.get(f"/instances/{world.comite}").text
    for text in ("Réunion de rentrée", "Réunion de juin", "Vote en ligne 1", "Vote clos 1", "Avis 1-0", "Membre 1-0"):
        assert text in comite, text
    session = secretary.get(f"/instances/reunions/{world.session}").text
    for text in ("Point 1", "Jardin partagé 1", "Motion en cours 1", "Motion close 1", "par Nadia Staff"):
        assert text in session, text
    assert "Vote pour Membre 2 (pouvoir)" in session  # the proxy the secretary holds
    past = secretary.get(f"/instances/reunions/{world.past}").text
    assert "Le budget de la fête est adopté." in past and "Budget de la fête" in past
    listed = secretary.get(f"/instances/{world.comite}/votes").text
    assert "Vote en ligne 1" in listed and "Brouillon 1" in listed and "Vote clos 1" in listed


def test_a_members_only_board_shows_every_opinion_it_receives_to_its_members(app, world):
    chair = _client(app, world, "chair").get(f"/instances/{world.board}/avis").text
    assert "Avis 1-0" in chair and "Avis réservé 1" in chair
    assert _client(app, world, "member").get(f"/instances/{world.board}/avis").status_code == 404


def test_opinions_from_a_members_only_body_show_to_its_own_members_only(structure, make_user):
    """Read in the same query as the list: whether the viewer sits in the (members-only) sender."""
    from flask_login import AnonymousUserMixin

    board = make_instance(
        structure, "Conseil d'administration", nature=Nature.DECISION, instance_type=InstanceType.BOARD
    )
    commission = make_instance(structure, "Commission jeunesse", is_public=False)
    staff, insider, habitant = make_user(role=Role.STAFF), make_user(), make_user()
    add_seat(commission, insider)
    opinions.send_opinion(commission, board, "Avis réservé", "Entre nous.", by=staff)
    opinions.send_opinion(make_instance(structure, "Comité d'usagers"), board, "Avis public", "Pour tous.", by=staff)
    db.session.commit()

    def received(viewer) -> set[str]:
        return {opinion.title for opinion in opinions.opinion_lists(board, viewer).received}

    assert received(AnonymousUserMixin()) == received(habitant) == {"Avis public"}
    assert received(insider) == received(staff) == {"Avis public", "Avis réservé"}
