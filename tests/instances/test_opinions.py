"""Advisory opinions (metric P7): a consultative instance sends, a decision body answers; who may
do what, the figures of the year, and the pages."""

import html
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import opinions as service
from app.instances import votes
from app.instances.models import Instance, InstanceType, MotionKind, Nature, Opinion, ResponseKind
from app.instances.opinions import OpinionError
from app.notifications.models import Notification
from app.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.instances.factories import make_meeting
from tests.instances.votes_setup import make_body, online_motion, vote_all


@pytest.fixture
def pair(structure, make_user):
    """A comité d'usagers reporting to a CA, each with its officers and members."""
    ca = make_body(
        structure, make_user, name="Conseil d'administration", nature=Nature.DECISION, instance_type=InstanceType.BOARD
    )
    comite = make_body(structure, make_user, name="Comité d'usagers")
    db.session.get(Instance, comite.instance.id).reports_to_id = ca.instance.id
    db.session.commit()
    return comite, ca


def _send(comite, ca, title="Horaires de l'accueil", days_ago=0):
    opinion = service.send_opinion(
        comite.instance, ca.instance, title, "Le comité demande l'ouverture le samedi matin.", by=comite.secretary
    )
    opinion.sent_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return opinion


# --- services ------------------------------------------------------------------------------------


def test_send_an_opinion_to_the_decision_body(pair):
    comite, ca = pair
    opinion = service.send_opinion(comite.instance, None, " Horaires ", " Le texte. ", by=comite.secretary)
    db.session.commit()
    assert (opinion.from_instance_id, opinion.to_instance_id, opinion.title, opinion.text) == (
        comite.instance.id,
        ca.instance.id,
        "Horaires",
        "Le texte.",
    )
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "instance.opinion")))
    assert told == {p.id for p in ca.voters}


def test_send_refusals(structure, make_user, pair):
    comite, ca = pair
    with pytest.raises(OpinionError):  # a decision body does not send opinions
        service.send_opinion(ca.instance, comite.instance, "T", "Texte", by=ca.staff)
    with pytest.raises(OpinionError) as error:  # opinions go to decision bodies
        other_comite = make_body(structure, make_user, name="Commission jeunesse")
        service.send_opinion(comite.instance, other_comite.instance, "T", "Texte", by=comite.staff)
    assert error.value.field == "to_instance"
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    foreign = make_body(elsewhere, make_user, name="CA Voltaire", nature=Nature.DECISION)
    with pytest.raises(OpinionError):
        service.send_opinion(comite.instance, foreign.instance, "T", "Texte", by=comite.staff)
    with pytest.raises(OpinionError) as empty:
        service.send_opinion(comite.instance, ca.instance, "T", "  ", by=comite.staff)
    assert empty.value.field == "text"
    lonely = make_body(structure, make_user, name="Comité sans CA")
    with pytest.raises(OpinionError) as nowhere:
        service.send_opinion(lonely.instance, None, "T", "Texte", by=lonely.staff)
    assert nowhere.value.field == "to_instance"


def test_decision_bodies_put_reports_to_first(structure, make_user, pair):
    comite, ca = pair
    bureau = make_body(structure, make_user, name="Bureau", nature=Nature.DECISION)
    assert [b.id for b in service.decision_bodies(comite.instance)] == [ca.instance.id, bureau.instance.id]


def test_an_adopted_opinion_motion_becomes_an_opinion_once(pair):
    comite, ca = pair
    rejected = online_motion(comite, kind=MotionKind.OPINION, title="Avis rejeté")
    vote_all(rejected, comite.voters, "A")
    votes.close_motion(rejected, comite.staff)
    adopted = online_motion(comite, kind=MotionKind.OPINION, title="Avis sur la cour", text="Végétaliser la cour.")
    vote_all(adopted, comite.voters, "FF")
    votes.close_motion(adopted, comite.staff)
    decision = online_motion(comite, title="Décision interne")
    vote_all(decision, comite.voters, "F")
    votes.close_motion(decision, comite.staff)
    db.session.commit()
    for motion in (rejected, decision):
        with pytest.raises(OpinionError):
            service.send_opinion_from_motion(motion, by=comite.secretary)
    opinion = service.send_opinion_from_motion(adopted, by=comite.secretary)
    assert (opinion.title, opinion.text, opinion.motion_id, opinion.to_instance_id) == (
        "Avis sur la cour",
        "Végétaliser la cour.",
        adopted.id,
        ca.instance.id,
    )
    with pytest.raises(OpinionError, match="déjà été transmis"):
        service.send_opinion_from_motion(adopted, by=comite.secretary)
    # Two clicks racing past that check: the database's unique motion_id still lets only one through.
    with pytest.raises(OpinionError, match="déjà été transmis"):
        service.send_opinion(
            comite.instance, ca.instance, "Avis sur la cour", "Bis.", by=comite.secretary, motion=adopted
        )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Opinion.motion_id == adopted.id)) == 1


def test_respond_records_the_answer_and_tells_the_comite(pair):
    comite, ca = pair
    opinion = _send(comite, ca, days_ago=10)
    meeting = make_meeting(ca.instance, days_ahead=-2)
    service.respond_to_opinion(
        opinion, ResponseKind.PARTLY, "Le samedi matin un mois sur deux.", by=ca.chair, meeting=meeting
    )
    db.session.commit()
    assert (opinion.response, opinion.responded_by_id, opinion.response_meeting_id) == (
        ResponseKind.PARTLY,
        ca.chair.id,
        meeting.id,
    )
    assert service.days_waiting(opinion) == 10
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "instance.opinion", Notification.user_id == comite.chair.id)
    ).all()
    assert len(told) == 1 and "Retenu en partie" in told[0].message
    service.respond_to_opinion(opinion, ResponseKind.ACCEPTED, "Finalement oui.", by=ca.chair)
    db.session.commit()
    assert opinion.response == ResponseKind.ACCEPTED
    assert (
        db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == comite.chair.id)) == 1
    )  # a correction does not notify again


def test_respond_refusals(structure, make_user, pair):
    comite, ca = pair
    opinion = _send(comite, ca, days_ago=3)
    today = service.local_date(utcnow())  # the Paris date
    with pytest.raises(OpinionError) as empty:
        service.respond_to_opinion(opinion, "accepted", " ", by=ca.chair)
    assert empty.value.field == "text"
    with pytest.raises(OpinionError):
        service.respond_to_opinion(opinion, "accepted", "Oui", by=ca.chair, answered_on=today + timedelta(days=2))
    with pytest.raises(OpinionError):
        service.respond_to_opinion(opinion, "accepted", "Oui", by=ca.chair, answered_on=today - timedelta(days=9))
    with pytest.raises(OpinionError):
        service.respond_to_opinion(
            opinion, "accepted", "Oui", by=ca.chair, meeting=make_meeting(comite.instance, days_ahead=-1)
        )
    service.respond_to_opinion(opinion, "noted", "Pris en compte.", by=ca.chair, answered_on=today - timedelta(days=1))
    assert service.days_waiting(opinion) == 2


def test_stats_of_the_year(pair):
    comite, ca = pair
    this_year = utcnow().year
    delays = [7, 21, 40]
    for n, days in enumerate(delays):
        opinion = _send(comite, ca, title=f"Avis {n}")
        opinion.sent_at = datetime(this_year, 1, 2, 10)
        opinion.response, opinion.response_text = ResponseKind.ACCEPTED, "Oui"
        opinion.responded_at = datetime(this_year, 1, 2, 10) + timedelta(days=days)
    pending = _send(comite, ca, title="Sans réponse")
    pending.sent_at = datetime(this_year, 1, 3)
    old = _send(comite, ca, title="L'an dernier")
    old.sent_at = datetime(this_year - 1, 12, 30)
    db.session.commit()
    stats = service.opinion_stats(comite.instance)
    assert (stats.year, stats.sent, stats.answered, stats.median_days) == (this_year, 4, 3, 21)
    assert service.opinion_stats(ca.instance).sent == 0


def test_received_opinions_of_a_members_only_comite_stay_hidden(structure, make_user, pair):
    comite, ca = pair
    hidden = make_body(structure, make_user, name="Commission RH", is_public=False)
    db.session.get(Instance, hidden.instance.id).reports_to_id = ca.instance.id
    db.session.commit()
    _send(comite, ca, title="Avis public")
    service.send_opinion(hidden.instance, ca.instance, "Avis réservé", "Texte", by=hidden.staff)
    db.session.commit()
    habitant = make_user()
    assert [o.title for o in service.opinions_of(ca.instance, habitant)[1]] == ["Avis public"]
    assert {o.title for o in service.opinions_of(ca.instance, ca.members[0])[1]} == {"Avis public", "Avis réservé"}


# --- routes --------------------------------------------------------------------------------------


def _login(client, user):
    r = client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert r.status_code == 303
    return client


def _page(client, url):
    return html.unescape(client.get(url).text)


def test_comite_secretary_writes_an_opinion(client, pair):
    comite, ca = pair
    _login(client, comite.secretary)
    form = client.get(f"/instances/{comite.instance.id}/avis/nouveau")
    assert form.status_code == 200 and "Conseil d&#39;administration" in form.text
    bad = client.post(
        f"/instances/{comite.instance.id}/avis/nouveau",
        data={"to_instance": str(ca.instance.id), "title": "", "text": "Un avis à garder"},
    )
    assert bad.status_code == 422 and "Un avis à garder" in bad.text
    r = client.post(
        f"/instances/{comite.instance.id}/avis/nouveau",
        data={"to_instance": str(ca.instance.id), "title": "Sécurité de la cour", "text": "Installer un éclairage."},
    )
    assert r.status_code == 303
    opinion = db.session.scalar(sa.select(Opinion))
    assert r.headers["Location"].endswith(f"/instances/avis/{opinion.id}")
    page = _page(client, f"/instances/avis/{opinion.id}")
    assert "Sécurité de la cour" in page and "En attente de réponse" in page
    assert "Enregistrer la réponse" not in page  # the comité does not answer its own opinion


@pytest.mark.parametrize(
    ("who", "status"),
    [("comite_member", 403), ("ca_member", 403), ("ca_secretary", 403), ("comite_staff", 200), ("habitant", 403)],
)
def test_who_writes_opinions(app, make_user, pair, who, status):
    comite, ca = pair
    people = {
        "comite_member": comite.members[0],
        "ca_member": ca.members[0],
        "ca_secretary": ca.secretary,
        "comite_staff": comite.staff,
        "habitant": make_user(),
    }
    client = _login(app.test_client(), people[who])
    assert client.get(f"/instances/{comite.instance.id}/avis/nouveau").status_code == status


def test_ca_answers_and_both_pages_show_it(client, pair):
    comite, ca = pair
    opinion = _send(comite, ca, days_ago=21)
    _login(client, ca.secretary)
    page = _page(client, f"/instances/avis/{opinion.id}")
    assert "Enregistrer la réponse" in page and "Pas encore de réponse, 21 jours après l'envoi." in page
    bad = client.post(f"/instances/avis/{opinion.id}/reponse", data={"response": "partly", "text": ""})
    assert bad.status_code == 422
    r = client.post(
        f"/instances/avis/{opinion.id}/reponse",
        data={"response": "partly", "text": "Oui pour l'éclairage, la vidéo non.", "answered_on": ""},
    )
    assert r.status_code == 303
    answered = _page(client, f"/instances/avis/{opinion.id}")
    assert "Retenu en partie" in answered and "21 jours après l'envoi" in answered
    comite_page = _page(client, f"/instances/{comite.instance.id}")
    assert "Avis envoyés" in comite_page and "Réponse en 21 jours" in comite_page
    year = utcnow().year
    assert f"Avis de {year} ayant reçu une réponse : 1 sur 1 ; délai médian 21 jours." in comite_page
    ca_page = _page(client, f"/instances/{ca.instance.id}")
    assert "Avis reçus" in ca_page and "Horaires de l'accueil" in ca_page


@pytest.mark.parametrize(
    ("who", "status"),
    [("ca_staff", 303), ("ca_chair", 303), ("ca_member", 403), ("comite_secretary", 403), ("other_staff", 404)],
)
def test_who_answers(app, make_user, pair, who, status):
    comite, ca = pair
    opinion = _send(comite, ca)
    other = make_structure("Centre social Voltaire")
    db.session.commit()
    people = {
        "ca_staff": ca.staff,
        "ca_chair": ca.chair,
        "ca_member": ca.members[0],
        "comite_secretary": comite.secretary,
        "other_staff": make_user(other, role=Role.STAFF),
    }
    client = _login(app.test_client(), people[who])
    r = client.post(f"/instances/avis/{opinion.id}/reponse", data={"response": "accepted", "text": "Oui."})
    assert r.status_code == status


def test_opinion_of_a_members_only_comite_is_invisible_to_others(app, structure, make_user, pair):
    comite, ca = pair
    hidden = make_body(structure, make_user, name="Commission RH", is_public=False)
    opinion = service.send_opinion(hidden.instance, ca.instance, "Avis réservé", "Texte", by=hidden.staff)
    db.session.commit()
    habitant = _login(app.test_client(), make_user())
    assert habitant.get(f"/instances/avis/{opinion.id}").status_code == 404
    assert "Avis réservé" not in _page(habitant, f"/instances/{ca.instance.id}/avis")
    ca_member = _login(app.test_client(), ca.members[0])
    assert ca_member.get(f"/instances/avis/{opinion.id}").status_code == 200
    anonymous = app.test_client()
    assert anonymous.get(f"/instances/{hidden.instance.id}/avis").status_code == 404


def test_opinion_lists(client, pair):
    comite, ca = pair
    _send(comite, ca, title="Premier avis", days_ago=3)
    comite_list = _page(client, f"/instances/{comite.instance.id}/avis")
    assert "Avis envoyés" in comite_list and "Premier avis" in comite_list and "depuis 3 jours" in comite_list
    ca_list = _page(client, f"/instances/{ca.instance.id}/avis")
    assert "Avis reçus" in ca_list and "Premier avis" in ca_list
