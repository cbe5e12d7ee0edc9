"""Vote pages and actions: with and without JavaScript, who may do what (role × state), the
vote block's htmx contract, the lazy closing of online votes, sections and bounded queries."""

import html
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import votes
from app.instances.models import AttendanceStatus, Motion, MotionStatus, Outcome, Voter, VotingMode
from app.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.helpers import count_queries, hx
from tests.instances.factories import add_seat, make_meeting
from tests.instances.votes_setup import make_body, mark, meeting_motion, online_motion, vote_all


def _login(client, user):
    response = client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert response.status_code == 303
    return client


def _reload(motion_id: int) -> Motion:
    db.session.expire_all()
    return db.session.get(Motion, motion_id)


def _flash(client, response) -> str:
    return html.unescape(client.get(response.headers["Location"]).text)


def _page(client, url: str, **kwargs) -> str:
    return html.unescape(client.get(url, **kwargs).text)


def _ballot(motion_id, person_id, choice):
    return {f"vote-{motion_id}-{person_id}-choice": choice}


# --- voting without and with JavaScript --------------------------------------------------------------


def test_member_votes_without_javascript(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    member = body.members[0]
    _login(client, member)
    page = client.get(f"/instances/votes/{motion.id}")
    assert page.status_code == 200
    assert "Votre vote" in page.text and f'action="/instances/votes/{motion.id}/voter"' in page.text
    r = client.post(f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, member.id, "against"))
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/instances/votes/{motion.id}#motion-{motion.id}-vote")
    after = _flash(client, r)
    assert "Votre vote est enregistré." in after and "Vous avez voté le" in after
    again = client.post(f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, member.id, "for"))
    assert "Vous avez déjà voté." in _flash(client, again)
    motion = _reload(motion.id)
    assert (motion.for_count, motion.against_count) == (0, 1)


def test_member_votes_with_htmx_and_gets_the_block(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    member = body.members[0]
    _login(client, member)
    target = f"motion-{motion.id}-vote"
    r = client.post(
        f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, member.id, "for"), headers=hx(target)
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<section id="{target}"')
    assert "<html" not in r.text and "Votre vote est enregistré." in r.text
    assert 'name="vote-' not in r.text  # no ballot left to cast
    again = client.post(
        f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, member.id, "for"), headers=hx(target)
    )
    assert again.status_code == 422 and "Vous avez déjà voté." in html.unescape(again.text)
    assert again.text.lstrip().startswith(f'<section id="{target}"')


def test_a_ballot_without_a_choice_asks_for_one(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    member = body.members[0]
    _login(client, member)
    r = client.post(f"/instances/votes/{motion.id}/voter", data={}, headers=hx(f"motion-{motion.id}-vote"))
    assert r.status_code == 422 and "Choisissez Pour, Contre ou Abstention." in r.text
    plain = client.post(f"/instances/votes/{motion.id}/voter", data={})
    assert "Choisissez Pour, Contre ou Abstention." in _flash(client, plain)
    forged = client.post(f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, member.id, "peut-être"))
    assert "Choisissez Pour, Contre ou Abstention." in _flash(client, forged)
    assert _reload(motion.id).for_count == 0


def test_vote_goes_back_to_a_safe_next_page(client, structure, make_user):
    body = make_body(structure, make_user, members=2)
    meeting = make_meeting(body.instance, days_ahead=0)
    motion = meeting_motion(body, meeting)
    first, second = body.members
    _login(client, first)
    back = f"/instances/reunions/{meeting.id}#motion-{motion.id}-vote"
    r = client.post(f"/instances/votes/{motion.id}/voter", data={**_ballot(motion.id, first.id, "for"), "next": back})
    assert r.headers["Location"].endswith(back)
    client.post("/compte/deconnexion")
    _login(client, second)
    evil = client.post(
        f"/instances/votes/{motion.id}/voter", data={**_ballot(motion.id, second.id, "for"), "next": "//evil.example/"}
    )
    assert "evil.example" not in evil.headers["Location"]


def test_proxy_holder_votes_for_the_represented_member(client, structure, make_user):
    body = make_body(structure, make_user, members=2, proxies_allowed=True, proxies_max=1)
    holder, represented = body.members
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, holder, AttendanceStatus.PRESENT)
    mark(meeting, represented, AttendanceStatus.REPRESENTED, holder)
    motion = meeting_motion(body, meeting)
    _login(client, holder)
    page = _page(client, f"/instances/votes/{motion.id}")
    assert f"Vote pour {represented.display_name} (pouvoir)" in page and "Votre vote" in page
    r = client.post(
        f"/instances/votes/{motion.id}/voter",
        data={**_ballot(motion.id, represented.id, "for"), "pour": represented.id},
    )
    assert f"Le vote de {represented.display_name} est enregistré." in _flash(client, r)
    assert f"Vote de {represented.display_name} (pouvoir) enregistré." in _page(client, f"/instances/votes/{motion.id}")
    voter = db.session.scalar(sa.select(Voter).where(Voter.motion_id == motion.id, Voter.person_id == represented.id))
    assert voter.cast_by_id == holder.id


def test_represented_member_is_told_the_holder_votes(client, structure, make_user):
    body = make_body(structure, make_user, members=2, proxies_allowed=True)
    holder, represented = body.members
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, represented, AttendanceStatus.REPRESENTED, holder)
    motion = meeting_motion(body, meeting)
    _login(client, represented)
    page = _page(client, f"/instances/votes/{motion.id}")
    assert "la personne qui vous représente vote pour vous" in page
    assert 'name="vote-' not in page


# --- who may do what -------------------------------------------------------------------------------

ROLES = ["anonymous", "habitant", "no_vote", "voter", "holder", "secretary", "staff", "other_staff"]


@pytest.fixture
def cast(structure, make_user):
    """Everyone around a public comité and a members-only CA, each with a draft, an open and a closed motion."""
    other = make_structure("Centre social Voltaire")
    db.session.commit()
    people = {
        "habitant": make_user(display_name="Awa Habitante"),
        "no_vote": make_user(display_name="Bruno Sans Voix"),
        "holder": make_user(display_name="Hélène Pouvoir"),
        "other_staff": make_user(other, role=Role.STAFF, display_name="Odile Ailleurs"),
    }
    bodies = {}
    for public in (True, False):
        body = make_body(structure, make_user, members=1, name="Comité" if public else "CA", is_public=public)
        add_seat(body.instance, people["no_vote"], has_vote=False)
        add_seat(body.instance, people["holder"])
        motions = {
            "draft": online_motion(body, open_it=False, title="En préparation"),
            "open": online_motion(body, title="Ouverte"),
            "closed": online_motion(body, title="Close"),
        }
        votes.close_motion(motions["closed"], body.staff)
        db.session.commit()
        bodies[public] = (body, motions)
    people.update(voter=bodies[True][0].members[0], secretary=bodies[True][0].secretary, staff=bodies[True][0].staff)
    # The comité's voter, secretary and staff also sit in the CA for the members-only cases.
    ca = bodies[False][0]
    add_seat(ca.instance, people["voter"])
    from app.instances.models import Office

    add_seat(ca.instance, people["secretary"], office=Office.SECRETARY)
    return people, bodies


def _client_for(app, role, people):
    client = app.test_client()
    if role != "anonymous":
        _login(client, people[role])
    return client


#: GET the motion page: public comité / members-only CA, by state.
VIEW = {
    True: {
        "draft": {"secretary": 200, "staff": 200},
        "open": {r: 200 for r in ROLES if r != "other_staff"},
        "closed": {r: 200 for r in ROLES if r != "other_staff"},
    },
    False: {
        "draft": {"secretary": 200, "staff": 200},
        "open": {"no_vote": 200, "voter": 200, "holder": 200, "secretary": 200, "staff": 200},
        "closed": {"no_vote": 200, "voter": 200, "holder": 200, "secretary": 200, "staff": 200},
    },
}


@pytest.mark.parametrize("public", [True, False], ids=["public", "members-only"])
@pytest.mark.parametrize("state", ["draft", "open", "closed"])
def test_who_sees_a_motion(app, cast, public, state):
    people, bodies = cast
    motion_id = bodies[public][1][state].id
    for role in ROLES:
        client = _client_for(app, role, people)
        expected = VIEW[public][state].get(role, 404)
        assert client.get(f"/instances/votes/{motion_id}").status_code == expected, (role, public, state)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("habitant", 403),
        ("no_vote", 403),
        ("voter", 403),
        ("holder", 403),
        ("secretary", 303),
        ("staff", 303),
        ("other_staff", 404),
    ],
)
def test_who_closes_an_open_vote(app, cast, role, expected):
    people, bodies = cast
    open_ = bodies[True][1]["open"]
    client = _client_for(app, role, people)
    assert client.post(f"/instances/votes/{open_.id}/clore").status_code == expected, role
    assert (_reload(open_.id).status == MotionStatus.CLOSED) == (expected == 303)
    withdraw = bodies[True][1]["draft"]
    refused = client.post(f"/instances/votes/{withdraw.id}/retirer").status_code
    assert refused == (expected if expected != 403 else 404), role


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("habitant", 404),
        ("no_vote", 404),
        ("voter", 404),
        ("holder", 404),
        ("secretary", 303),
        ("staff", 303),
        ("other_staff", 404),
    ],
)
def test_who_opens_a_draft(app, cast, role, expected):
    """A draft does not exist for those who do not run the meetings (404), let alone open."""
    people, bodies = cast
    draft = bodies[True][1]["draft"]
    client = _client_for(app, role, people)
    assert client.post(f"/instances/votes/{draft.id}/ouvrir").status_code == expected
    assert (_reload(draft.id).status == MotionStatus.OPEN) == (expected == 303)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("habitant", "Vous n'êtes pas sur la liste des votants de ce vote."),
        ("no_vote", "Vous n'êtes pas sur la liste des votants de ce vote."),
        ("staff", "Vous n'êtes pas sur la liste des votants de ce vote."),
        ("voter", "Votre vote est enregistré."),
        ("holder", "Votre vote est enregistré."),
        ("secretary", "Votre vote est enregistré."),
    ],
)
def test_who_may_cast_a_ballot(app, cast, role, message):
    people, bodies = cast
    motion = bodies[True][1]["open"]
    client = _client_for(app, role, people)
    page = _page(client, f"/instances/votes/{motion.id}")
    assert ('name="vote-' in page) == (message == "Votre vote est enregistré.")
    r = client.post(f"/instances/votes/{motion.id}/voter", data=_ballot(motion.id, people[role].id, "for"))
    assert r.status_code == 303
    assert message in _flash(client, r)


def test_anonymous_and_other_structures_cannot_vote(app, cast):
    people, bodies = cast
    motion = bodies[True][1]["open"]
    anonymous = app.test_client()
    assert anonymous.post(f"/instances/votes/{motion.id}/voter", data={}).status_code == 302
    assert "Se connecter pour voter" in _page(anonymous, f"/instances/votes/{motion.id}")
    other = _client_for(app, "other_staff", people)
    assert other.post(f"/instances/votes/{motion.id}/voter", data={}).status_code == 404
    members_only = bodies[False][1]["open"]
    assert _client_for(app, "habitant", people).post(f"/instances/votes/{members_only.id}/voter").status_code == 404


def test_no_ballot_after_closing(app, cast):
    people, bodies = cast
    closed = bodies[True][1]["closed"]
    client = _client_for(app, "voter", people)
    page = _page(client, f"/instances/votes/{closed.id}")
    assert 'name="vote-' not in page
    r = client.post(f"/instances/votes/{closed.id}/voter", data=_ballot(closed.id, people["voter"].id, "for"))
    assert "Ce vote n'est pas ouvert." in _flash(client, r)


def test_who_voted_what_is_for_members_in_open_votes_only(app, structure, make_user):
    body = make_body(structure, make_user, members=2)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FA")
    votes.close_motion(motion, body.staff)
    db.session.commit()
    member = _client_for(app, "voter", {"voter": body.members[0]})
    page = _page(member, f"/instances/votes/{motion.id}")
    assert "Qui a voté quoi" in page and body.chair.display_name in page
    habitant = _client_for(app, "habitant", {"habitant": make_user()})
    assert "Qui a voté quoi" not in _page(habitant, f"/instances/votes/{motion.id}")


def test_secret_vote_shows_no_running_count(app, structure, make_user):
    body = make_body(structure, make_user, members=2, voting_mode=VotingMode.SECRET)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FA")
    staff = _client_for(app, "staff", {"staff": body.staff})
    page = _page(staff, f"/instances/votes/{motion.id}")
    assert "2 votes enregistrés sur 4 personnes ayant le droit de vote." in page
    assert "Le détail reste secret jusqu'à la clôture." in page
    assert "Qui a voté quoi" not in page and "1 pour" not in page and "Adoptée" not in page
    votes.close_motion(_reload(motion.id), body.staff)
    db.session.commit()
    closed = _page(staff, f"/instances/votes/{motion.id}")
    assert "Rejetée : 1 pour, 1 contre" in closed and "Qui a voté quoi" not in closed
    assert "Participation : 2 sur 4 (50" in closed


# --- creating, opening, counting by hand, closing ------------------------------------------------------


def test_secretary_creates_an_online_vote_in_paris_time(client, structure, make_user):
    body = make_body(structure, make_user)
    _login(client, body.secretary)
    page = client.get(f"/instances/{body.instance.id}/votes/nouveau")
    assert page.status_code == 200 and "Fin du vote" in page.text
    r = client.post(
        f"/instances/{body.instance.id}/votes/nouveau",
        data={
            "title": "Fermeture estivale",
            "kind": "opinion",
            "text": "Fermer le centre du 5 au 20 août.",
            "voting_mode": "secret",
            "closes_at": "2030-07-01T18:30",
            "initiative_decision": "accepted",
        },
    )
    assert r.status_code == 303
    motion = db.session.scalar(sa.select(Motion).where(Motion.title == "Fermeture estivale"))
    assert motion.closes_at == datetime(2030, 7, 1, 16, 30)  # 18:30 in Paris in summer is 16:30 UTC
    assert (motion.status, motion.voting_mode, motion.is_online) == (MotionStatus.DRAFT, VotingMode.SECRET, True)
    edit = _page(client, f"/instances/votes/{motion.id}/modifier")
    assert 'value="2030-07-01T18:30"' in edit


def test_invalid_motion_is_shown_again_with_its_values(client, structure, make_user):
    body = make_body(structure, make_user)
    _login(client, body.staff)
    r = client.post(
        f"/instances/{body.instance.id}/votes/nouveau",
        data={"title": "", "kind": "decision", "text": "Un texte gardé", "voting_mode": "open", "closes_at": "demain"},
    )
    assert r.status_code == 422
    assert "Donnez un titre à la motion." in r.text and "Un texte gardé" in r.text
    past = client.post(
        f"/instances/{body.instance.id}/votes/nouveau",
        data={"title": "Trop tard", "kind": "decision", "voting_mode": "open", "closes_at": "2001-01-01T10:00"},
    )
    assert past.status_code == 422 and "La fin du vote doit venir après son ouverture" in past.text


def test_motion_for_a_meeting_offers_its_agenda(client, structure, make_user):
    from app.instances.models import AgendaItem

    body = make_body(structure, make_user)
    other = make_body(structure, make_user, name="CA")
    meeting = make_meeting(body.instance)
    item = AgendaItem(meeting_id=meeting.id, title="Travaux de la cour")
    db.session.add(item)
    db.session.commit()
    _login(client, body.secretary)
    page = client.get(f"/instances/{body.instance.id}/votes/nouveau?reunion={meeting.id}")
    assert "Travaux de la cour" in page.text and "Fin du vote" not in page.text
    from_item = client.get(f"/instances/{body.instance.id}/votes/nouveau?reunion={meeting.id}&point={item.id}").text
    assert 'value="Travaux de la cour"' in from_item and f'<option selected value="{item.id}">' in from_item
    assert client.get(f"/instances/{other.instance.id}/votes/nouveau?reunion={meeting.id}").status_code == 403
    client.post("/compte/deconnexion")
    _login(client, other.staff)
    assert client.get(f"/instances/{other.instance.id}/votes/nouveau?reunion={meeting.id}").status_code == 404
    client.post("/compte/deconnexion")
    _login(client, body.secretary)
    r = client.post(
        f"/instances/{body.instance.id}/votes/nouveau?reunion={meeting.id}",
        data={"title": "Peindre la cour", "kind": "decision", "voting_mode": "open", "initiative_decision": "accepted"},
    )
    assert r.status_code == 303
    assert db.session.scalar(sa.select(Motion.meeting_id).where(Motion.title == "Peindre la cour")) == meeting.id


def test_voter_cannot_create_motions(client, structure, make_user):
    body = make_body(structure, make_user)
    _login(client, body.members[0])
    assert client.get(f"/instances/{body.instance.id}/votes/nouveau").status_code == 403


def test_open_then_close_with_confirmation(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body, open_it=False)
    _login(client, body.secretary)
    opened = client.post(f"/instances/votes/{motion.id}/ouvrir")
    assert "Le vote est ouvert : 5 personne(s) peuvent voter." in _flash(client, opened)
    confirm = client.get(f"/instances/votes/{motion.id}/clore")
    assert confirm.status_code == 200 and "Oui, clore le vote" in confirm.text
    closed = client.post(f"/instances/votes/{motion.id}/clore")
    assert "Vote clos : Rejetée." in _flash(client, closed)
    assert "Aucun suffrage exprimé" in _page(client, f"/instances/votes/{motion.id}")
    again = client.post(f"/instances/votes/{motion.id}/clore")
    assert "Ce vote n'est pas ouvert." in _flash(client, again)
    assert client.get(f"/instances/votes/{motion.id}/clore").status_code == 303


def test_withdraw_with_confirmation(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    _login(client, body.staff)
    assert "Oui, retirer la motion" in _page(client, f"/instances/votes/{motion.id}/retirer")
    r = client.post(f"/instances/votes/{motion.id}/retirer")
    assert "La motion est retirée." in _flash(client, r)
    assert _reload(motion.id).status == MotionStatus.CANCELLED


def test_secretary_types_the_show_of_hands(client, structure, make_user):
    body = make_body(structure, make_user, members=6)
    motion = meeting_motion(body)
    _login(client, body.secretary)
    page = _page(client, f"/instances/votes/{motion.id}")
    assert "saisir le décompte" in page
    bad = client.post(
        f"/instances/votes/{motion.id}/main-levee",
        data={
            f"hands-{motion.id}-for_count": "12",
            f"hands-{motion.id}-against_count": "0",
            f"hands-{motion.id}-abstain_count": "0",
        },
    )
    assert "plus de voix (12)" in _flash(client, bad)
    r = client.post(
        f"/instances/votes/{motion.id}/main-levee",
        data={
            f"hands-{motion.id}-for_count": "5",
            f"hands-{motion.id}-against_count": "2",
            f"hands-{motion.id}-abstain_count": "1",
        },
        headers=hx(f"motion-{motion.id}-vote"),
    )
    assert r.status_code == 200 and "Adoptée : 5 pour, 2 contre, 1 abstention." in r.text
    assert _reload(motion.id).counted_by_hand


def test_online_vote_past_its_deadline_closes_when_viewed(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    vote_all(motion, body.voters, "FFA")
    motion.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/instances/votes/{motion.id}")
    assert page.status_code == 200
    assert "Adoptée : 2 pour, 1 contre" in page.text
    assert _reload(motion.id).status == MotionStatus.CLOSED
    listing = client.get(f"/instances/{body.instance.id}/votes")
    assert listing.status_code == 200 and "Adoptée" in listing.text


def test_scheduled_vote_opens_when_its_list_is_viewed(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body, open_it=False, opens_at=utcnow() + timedelta(hours=1))
    motion.opens_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/instances/{body.instance.id}/votes").status_code == 200
    assert _reload(motion.id).status == MotionStatus.OPEN


def test_adopted_opinion_motion_is_forwarded_in_one_click(client, structure, make_user):
    from app.instances.models import Instance, Nature, Opinion

    body = make_body(structure, make_user)
    ca = make_body(structure, make_user, name="Conseil d'administration", nature=Nature.DECISION)
    db.session.get(Instance, body.instance.id).reports_to_id = ca.instance.id
    db.session.commit()
    motion = online_motion(body, kind="opinion", title="Avis sur les horaires")
    vote_all(motion, body.voters, "FF")
    votes.close_motion(motion, body.staff)
    db.session.commit()
    _login(client, body.secretary)
    page = _page(client, f"/instances/votes/{motion.id}")
    assert "Transmettre cet avis" in page
    r = client.post(f"/instances/votes/{motion.id}/transmettre", data={"to_instance": str(ca.instance.id)})
    assert r.status_code == 303
    opinion = db.session.scalar(sa.select(Opinion))
    assert (opinion.motion_id, opinion.to_instance_id, opinion.title) == (
        motion.id,
        ca.instance.id,
        "Avis sur les horaires",
    )
    assert "Avis transmis" in _page(client, f"/instances/votes/{motion.id}")
    twice = client.post(f"/instances/votes/{motion.id}/transmettre", data={"to_instance": str(ca.instance.id)})
    assert "déjà été transmis" in _flash(client, twice)


# --- the instance page and the meeting page ---------------------------------------------------------


def test_instance_page_sections(client, structure, make_user):
    body = make_body(structure, make_user)
    open_motion = online_motion(body, title="Vote en cours ici")
    done = online_motion(body, title="Vote terminé là")
    vote_all(done, body.voters, "FFA")
    votes.close_motion(done, body.staff)
    db.session.commit()
    _login(client, body.members[0])
    page = _page(client, f"/instances/{body.instance.id}")
    assert "Votes en cours" in page and "Vote en cours ici" in page
    assert "Derniers résultats" in page and "Vote terminé là" in page
    assert "Participation : 3 sur 5 (60" in page
    assert f'href="/instances/votes/{open_motion.id}#motion-{open_motion.id}-vote">Voter</a>' in page


def _render_meeting_partial(app, client_user, meeting_id):
    from flask_login import login_user

    from app.instances.models import Meeting

    with app.app_context(), app.test_request_context("/"):  # a fresh `g`, as in a real request
        if client_user is not None:
            login_user(client_user)
        meeting = db.session.get(Meeting, meeting_id)
        return render_template_string('{% include "instances/votes/_meeting_motions.html" %}', meeting=meeting)


def test_meeting_partial_lists_its_motions_and_ballots(app, structure, make_user):
    body = make_body(structure, make_user)
    meeting = make_meeting(body.instance, days_ahead=0)
    first = meeting_motion(body, meeting, title="Première motion")
    meeting_motion(body, meeting, title="Deuxième motion", open_it=False)
    html = _render_meeting_partial(app, body.members[0], meeting.id)
    assert "Motions et votes" in html and "Première motion" in html and "Deuxième motion" not in html
    assert f'id="motion-{first.id}-vote"' in html
    assert f'name="next" value="/instances/reunions/{meeting.id}#motion-{first.id}-vote"' in html
    runner = _render_meeting_partial(app, body.secretary, meeting.id)
    assert "Deuxième motion" in runner and "Ajouter une motion" in runner


def test_meeting_partial_queries_do_not_grow_with_motions(app, structure, make_user):
    body = make_body(structure, make_user, members=4)
    meeting = make_meeting(body.instance, days_ahead=0)

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            _render_meeting_partial(app, body.members[0], meeting.id)
        return counter.count

    motion = meeting_motion(body, meeting)
    vote_all(motion, body.voters[:2], "FA")
    closed = meeting_motion(body, meeting, title="Déjà votée")
    votes.close_motion(closed, body.secretary)
    db.session.commit()
    few = measure()
    for n in range(5):
        extra = meeting_motion(body, meeting, title=f"Motion {n}")
        vote_all(extra, body.voters[:3], "FAX")
        if n % 2:
            votes.close_motion(extra, body.secretary)
            db.session.commit()
    assert measure() == few


def test_motion_page_queries_are_bounded(client, structure, make_user):
    body = make_body(structure, make_user, members=10)
    motion = online_motion(body)
    _login(client, body.members[0])
    vote_all(motion, body.voters[:2], "FA")
    with count_queries() as small:
        assert client.get(f"/instances/votes/{motion.id}").status_code == 200
    vote_all(motion, body.voters[2:], "FAXFAXFAXF")
    with count_queries() as large:
        assert client.get(f"/instances/votes/{motion.id}").status_code == 200
    assert large.count == small.count <= 12


def _motions_of_every_kind(body, meeting, n: int) -> None:
    """Online: open (two ballots), closed, in preparation; in the meeting: open and closed."""
    online = online_motion(body, title=f"En ligne {n}")
    vote_all(online, body.voters[:2], "FA")
    votes.close_motion(online_motion(body, title=f"Clos {n}"), body.staff)
    online_motion(body, open_it=False, title=f"Préparé {n}")
    meeting_motion(body, meeting, title=f"En séance {n}")
    votes.close_motion(meeting_motion(body, meeting, title=f"Votée en séance {n}"), body.secretary)
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "secretary", "member"])
def test_votes_list_queries_do_not_grow(client, structure, make_user, role):
    body = make_body(structure, make_user, members=3, proxies_allowed=True)
    meeting = make_meeting(body.instance, days_ahead=0)
    mark(meeting, body.members[1], AttendanceStatus.REPRESENTED, body.secretary, has_vote=True)
    _motions_of_every_kind(body, meeting, 0)
    _login(client, {"staff": body.staff, "secretary": body.secretary, "member": body.members[0]}[role])
    url = f"/instances/{body.instance.id}/votes"
    with count_queries() as small:
        page = client.get(url)
    for title in ("En ligne 0", "Clos 0", "En séance 0", "Votée en séance 0"):
        assert title in page.text, title
    for n in range(1, 10):
        for _ in range(3):
            add_seat(body.instance, make_user())
        _motions_of_every_kind(body, meeting, n)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count <= 12, large.statements


def test_votes_list_paginates_results_with_htmx(client, structure, make_user):
    body = make_body(structure, make_user)
    for n in range(23):
        motion = online_motion(body, title=f"Vote numéro {n}")
        votes.close_motion(motion, body.staff)
    db.session.commit()
    page = client.get(f"/instances/{body.instance.id}/votes")
    assert page.status_code == 200 and "Plus anciens" in page.text and "Plus récents" not in page.text
    fragment = client.get(f"/instances/{body.instance.id}/votes?page=2", headers=hx("motion-results"))
    assert fragment.text.lstrip().startswith('<section id="motion-results"')
    assert "Vote numéro 0" in fragment.text and "Plus récents" in fragment.text and "Plus anciens" not in fragment.text


def test_vote_block_is_part_of_the_motion_page(client, structure, make_user):
    body = make_body(structure, make_user)
    motion = online_motion(body)
    _login(client, body.members[0])
    full = _page(client, f"/instances/votes/{motion.id}")
    fragment = client.get(f"/instances/votes/{motion.id}", headers=hx(f"motion-{motion.id}-vote"))
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="motion-{motion.id}-vote"' in full
    assert fragment.text.strip().split("\n")[0] in full


def test_result_of_a_closed_meeting_vote_with_a_tie_decided_by_the_chair(client, structure, make_user):
    body = make_body(structure, make_user, members=2, chair_casting_vote=True)
    motion = meeting_motion(body)
    vote_all(motion, body.voters, "FAAF")
    votes.close_motion(motion, body.secretary)
    db.session.commit()
    assert _reload(motion.id).outcome == Outcome.ADOPTED
    page = _page(client, f"/instances/votes/{motion.id}")
    assert "la voix prépondérante de la présidence l'emporte (pour)" in page
