"""Meeting pages: scheduling, the meeting page, convocation e-mail, RSVP, attendance on a phone
(htmx rows with the quorum out of band, and without JavaScript), closing, minutes, follow-up, ICS."""

import re
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.instances import meetings as services
from app.instances.models import (
    Attendance,
    AttendanceStatus,
    FollowUp,
    FollowUpStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Rsvp,
    RsvpAnswer,
)
from app.ledger.models import LedgerEntry
from app.timeutil import utcnow
from tests.helpers import count_queries, hx
from tests.instances.factories import make_meeting
from tests.instances.meeting_setup import committee, past_meeting, reload


@pytest.fixture
def c(structure, make_user):
    return committee(structure, make_user)


def _text(html: str) -> str:
    """The page's words, without tags and extra spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _detail(meeting_id):
    return f"/instances/reunions/{meeting_id}"


# --- scheduling ---------------------------------------------------------------------------------


def test_schedule_in_paris_time(client, auth, c):
    auth.login(c.secretary)
    url = f"/instances/{c.instance.id}/reunions/nouvelle"
    page = client.get(url)
    assert page.status_code == 200 and 'type="date"' in page.text and 'type="time"' in page.text
    r = client.post(
        url,
        data={
            "title": "Comité de juillet",
            "day": "2030-07-04",
            "start": "18h30",
            "duration": "90",
            "place": "Salle polyvalente",
            "online_url": "",
        },
    )
    assert r.status_code == 303
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title == "Comité de juillet"))
    assert meeting.starts_at.isoformat() == "2030-07-04T16:30:00"  # 18:30 in Paris, summer time
    assert meeting.rules_id == c.instance.rules.id
    assert r.headers["Location"].endswith(_detail(meeting.id))


def test_schedule_refuses_a_bad_link_and_keeps_the_input(client, auth, c):
    auth.login(c.staff)
    r = client.post(
        f"/instances/{c.instance.id}/reunions/nouvelle",
        data={
            "title": "Réunion",
            "day": "12/03/2030",
            "start": "18:00",
            "duration": "120",
            "online_url": "javascript:alert(1)",
        },
    )
    assert r.status_code == 422
    assert "https://" in r.text and 'value="Réunion"' in r.text
    r = client.post(
        f"/instances/{c.instance.id}/reunions/nouvelle",
        data={"title": "Réunion", "day": "", "start": "", "duration": "120"},
    )
    assert r.status_code == 422 and "Indiquez un lieu ou un lien" in r.text and "Indiquez la date" in r.text


def test_members_cannot_schedule(client, auth, c):
    auth.login(c.members[0])
    assert client.get(f"/instances/{c.instance.id}/reunions/nouvelle").status_code == 403


def test_second_call_is_prefilled(client, auth, c):
    first = past_meeting(c.instance, title="Comité de mars")
    services.close_meeting(first, by=c.staff)
    db.session.commit()
    auth.login(c.staff)
    page = client.get(_detail(first.id))
    assert "Programmer une seconde convocation" in page.text
    form = client.get(f"/instances/{c.instance.id}/reunions/nouvelle?seconde-convocation={first.id}")
    assert "Comité de mars (seconde convocation)" in form.text
    assert re.search(r'name="is_second_call"[^>]*checked|checked[^>]*name="is_second_call"', form.text)


def test_edit_of_a_convened_meeting_sends_the_update(client, auth, c, mail):
    meeting = make_meeting(c.instance, days_ahead=20)
    services.convene(meeting, by=c.staff)
    db.session.commit()
    mail.clear()
    auth.login(c.staff)
    local = services.utc_to_local(meeting.starts_at)
    r = client.post(
        f"{_detail(meeting.id)}/modifier",
        data={
            "title": meeting.title,
            "day": local.date().isoformat(),
            "start": "20:00",
            "duration": "120",
            "place": "Gymnase Jean Moulin",
            "notify_members": "y",
        },
    )
    assert r.status_code == 303
    assert "Gymnase Jean Moulin" in mail.body(mail.last_to(c.members[0].email))


def test_cancel_asks_a_reason(client, auth, c):
    meeting = make_meeting(c.instance)
    auth.login(c.staff)
    assert client.get(f"{_detail(meeting.id)}/annuler").status_code == 200
    assert client.post(f"{_detail(meeting.id)}/annuler", data={"reason": ""}).status_code == 422
    r = client.post(f"{_detail(meeting.id)}/annuler", data={"reason": "Salle inondée"})
    assert r.status_code == 303
    page = client.get(_detail(meeting.id))
    assert "Salle inondée" in page.text and "Annulée" in page.text


# --- the meeting page and its permissions --------------------------------------------------------


def test_public_meeting_page_for_anyone_with_counts_not_names(client, auth, c):
    meeting = make_meeting(c.instance, title="Comité de décembre")
    services.answer_rsvp(meeting, c.members[0], RsvpAnswer.COMING, by=c.members[0])
    db.session.commit()
    page = client.get(_detail(meeting.id))
    assert page.status_code == 200 and "Comité de décembre" in page.text
    assert "1 membre vient" in page.text and "Awa Diallo" not in page.text
    auth.login(c.members[1])
    page = client.get(_detail(meeting.id))
    assert "Awa Diallo" in page.text and "Envoyer ma réponse" in page.text


def test_members_only_meeting_is_invisible_to_others(client, auth, structure, make_user):
    from app.centres.models import Role
    from app.factories import make_structure

    c = committee(structure, make_user, is_public=False)
    meeting = make_meeting(c.instance)
    other = make_structure("Centre social du Parc")
    other_staff = make_user(other, role=Role.STAFF)
    paths = [_detail(meeting.id), f"/instances/{c.instance.id}/reunions", f"/instances/{c.instance.id}/suivi"]
    for path in paths:
        assert client.get(path).status_code == 404, path
    auth.login(c.outsider)
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert client.post(f"{_detail(meeting.id)}/reponse", data={"rsvp-answer": "coming"}).status_code == 404
    auth.logout()
    auth.login(other_staff)
    assert client.get(_detail(meeting.id)).status_code == 404
    auth.logout()
    auth.login(c.members[0])
    for path in paths:
        assert client.get(path).status_code == 200, path


def _meeting_motions(c, meeting, voters, n: int) -> None:
    """An open motion (some ballots cast) and a closed one on the meeting."""
    from app.instances import votes

    for title in ("Motion ouverte", "Motion votée"):
        motion = votes.create_motion(c.instance, {"title": f"{title} {n}"}, c.staff, meeting=meeting)
        votes.open_vote(motion, c.staff)
        for person in voters:
            votes.cast_vote(motion, person, "for", person)
    votes.close_motion(motion, c.staff)
    db.session.commit()


@pytest.mark.parametrize("role", ["secretary", "staff", "member"])
def test_meeting_page_queries_are_bounded(client, auth, c, structure, make_user, role):
    from tests.initiatives.factories import make_initiative

    meeting = make_meeting(c.instance)
    initiative = make_initiative(structure, c.members[1], c.staff, title="Jardin partagé")
    for n in range(3):
        services.add_agenda_item(meeting, {"title": f"Point {n}", "initiative_id": initiative.id}, by=c.staff)
    _meeting_motions(c, meeting, c.members[2:], 0)
    viewer = {"secretary": c.secretary, "staff": c.staff, "member": c.members[0]}[role]
    auth.login(viewer)
    with count_queries() as few:
        page = client.get(_detail(meeting.id))
    assert "Motion ouverte 0" in page.text and "Motion votée 0" in page.text and "Jardin partagé" in page.text
    for person in c.members:
        services.answer_rsvp(meeting, person, RsvpAnswer.COMING, by=person)
    from tests.instances.factories import add_seat

    for _ in range(10):
        person = make_user()
        add_seat(c.instance, person)
        services.answer_rsvp(meeting, person, RsvpAnswer.EXCUSED, by=person)
    for n in range(10):
        services.add_follow_up(c.instance, {"text": f"Action {n}"}, by=c.staff, meeting=meeting)
        services.add_agenda_item(meeting, {"title": f"Point {n}", "initiative_id": initiative.id}, by=c.staff)
        _meeting_motions(c, meeting, c.members[2:], n + 1)
    db.session.commit()
    with count_queries() as many:
        r = client.get(_detail(meeting.id))
    assert r.status_code == 200
    assert many.count == few.count, many.statements
    assert many.count <= 12, many.statements


@pytest.mark.parametrize("role", ["secretary", "staff", "member"])
def test_closed_meeting_page_queries_are_bounded(client, auth, c, make_user, role):
    """A held meeting: attendance, minutes, voted motions (their quorum reads the attendance)."""
    meeting = past_meeting(c.instance)
    for person in c.everyone:
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=c.staff)
    _meeting_motions(c, meeting, c.members, 0)
    services.close_meeting(meeting, by=c.staff)
    services.publish_minutes(services.save_minutes(meeting, "Le budget est adopté.", by=c.secretary), by=c.staff)
    db.session.commit()
    viewer = {"secretary": c.secretary, "staff": c.staff, "member": c.members[0]}[role]
    auth.login(viewer)
    with count_queries() as few:
        page = client.get(_detail(meeting.id))
    assert "Le budget est adopté." in page.text and "Motion votée 0" in page.text
    from app.instances.models import Attendance
    from tests.instances.factories import add_seat

    for n in range(10):
        person = make_user()
        add_seat(c.instance, person)
        db.session.add(Attendance(meeting_id=meeting.id, person_id=person.id, status=AttendanceStatus.EXCUSED))
        _meeting_motions(c, meeting, c.members, n + 1)
        services.add_follow_up(c.instance, {"text": f"Action {n}"}, by=c.staff, meeting=meeting)
    db.session.commit()
    with count_queries() as many:
        assert client.get(_detail(meeting.id)).status_code == 200
    assert many.count == few.count, many.statements
    assert many.count <= 12, many.statements


# --- convocation --------------------------------------------------------------------------------


def test_convocation_e_mail_reaches_the_members(client, auth, c, mail):
    meeting = make_meeting(c.instance, days_ahead=15, place="Maison des Tilleuls")
    services.add_agenda_item(meeting, {"title": "Bilan de l'été"}, by=c.staff)
    db.session.commit()
    auth.login(c.secretary)
    r = client.post(f"{_detail(meeting.id)}/convoquer", data={})
    assert r.status_code == 303
    body = mail.body(mail.last_to(c.members[2].email))
    assert "Maison des Tilleuls" in body and "Bilan de l'été" in body
    link = mail.link_in_last(c.members[2].email, f"/instances/reunions/{meeting.id}")
    assert link.endswith(f"#meeting-{meeting.id}-rsvp")
    assert reload(Meeting, meeting.id).convened_by_id == c.secretary.id


def test_short_notice_warns_and_asks_to_confirm(client, auth, c, mail):
    meeting = make_meeting(c.instance, days_ahead=2)
    auth.login(c.staff)
    page = client.get(_detail(meeting.id))
    assert "Je confirme convoquer avec un délai plus court que les 7 jours prévus" in page.text
    r = client.post(f"{_detail(meeting.id)}/convoquer", data={})
    assert r.status_code == 422 and "confirmez" in r.text
    assert reload(Meeting, meeting.id).convened_at is None and not mail.messages
    r = client.post(f"{_detail(meeting.id)}/convoquer", data={"convene-confirm_short": "y"})
    assert r.status_code == 303 and reload(Meeting, meeting.id).convened_at is not None


# --- RSVP ---------------------------------------------------------------------------------------


def test_rsvp_with_htmx_returns_the_block(client, auth, c):
    meeting = make_meeting(c.instance)
    auth.login(c.members[0])
    target = f"meeting-{meeting.id}-rsvp"
    r = client.post(f"{_detail(meeting.id)}/reponse", data={"rsvp-answer": "coming"}, headers=hx(target))
    assert r.status_code == 200 and "<html" not in r.text
    assert re.match(rf'\s*<section id="{target}"', r.text)
    assert "votre réponse est enregistrée" in r.text
    assert db.session.scalar(sa.select(Rsvp.answer).where(Rsvp.person_id == c.members[0].id)) == RsvpAnswer.COMING


def test_rsvp_proxy_over_the_limit_is_refused_clearly(client, auth, c):
    meeting = make_meeting(c.instance)
    awa, bernard, chloe, _ = c.members
    services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, bernard, by=awa)
    db.session.commit()
    auth.login(chloe)
    data = {"rsvp-answer": "proxy", "rsvp-proxy_holder": str(bernard.id)}
    r = client.post(f"{_detail(meeting.id)}/reponse", data=data, headers=hx(f"meeting-{meeting.id}-rsvp"))
    assert r.status_code == 422 and "porte déjà 1 pouvoir" in r.text
    r = client.post(f"{_detail(meeting.id)}/reponse", data=data)  # without JavaScript
    assert r.status_code == 303
    assert "porte déjà 1 pouvoir" in client.get(r.headers["Location"]).text
    r = client.post(f"{_detail(meeting.id)}/reponse", data={"rsvp-answer": "proxy", "rsvp-proxy_holder": ""})
    assert r.status_code == 422 and "Choisissez la personne" in r.text


def test_non_members_cannot_answer(client, auth, c):
    meeting = make_meeting(c.instance)
    auth.login(c.outsider)
    assert client.post(f"{_detail(meeting.id)}/reponse", data={"rsvp-answer": "coming"}).status_code == 403


# --- attendance ---------------------------------------------------------------------------------


def test_attendance_page_lists_members_prefilled(client, auth, c):
    meeting = make_meeting(c.instance, days_ahead=1)
    services.answer_rsvp(meeting, c.members[0], RsvpAnswer.COMING, by=c.members[0])
    db.session.commit()
    auth.login(c.secretary)
    page = client.get(f"{_detail(meeting.id)}/presences")
    assert page.status_code == 200
    for person in c.everyone:
        assert f'id="attendance-row-{person.id}"' in page.text
    assert re.search(rf'id="status-{c.members[0].id}-present"[^>]*checked', page.text)
    assert "D&#39;après sa réponse" in page.text or "D'après sa réponse" in page.text
    assert 'id="quorum-status"' in page.text and "Quorum" in page.text
    fragment = client.get(f"{_detail(meeting.id)}/presences", headers=hx("quorum-status"))
    assert fragment.text.lstrip().startswith('<div id="quorum-status"')


def test_attendance_row_with_htmx_swaps_the_row_and_the_quorum(client, auth, c):
    meeting = past_meeting(c.instance)
    auth.login(c.secretary)
    url = f"{_detail(meeting.id)}/presences"
    for person in c.everyone[:2]:
        r = client.post(
            f"{url}/{person.id}", data={f"status-{person.id}": "present"}, headers=hx(f"attendance-row-{person.id}")
        )
        assert r.status_code == 200
    assert "Quorum non atteint : 2 présents ou représentés sur 3 nécessaires. Il manque 1 membre." in _text(r.text)
    awa, bernard = c.members[1], c.members[2]
    # Represented without a holder yet: nothing saved, nothing swapped (204) until the holder is picked.
    r = client.post(
        f"{url}/{bernard.id}", data={f"status-{bernard.id}": "represented"}, headers=hx(f"attendance-row-{bernard.id}")
    )
    assert r.status_code == 204 and r.text == ""
    assert db.session.scalar(sa.select(Attendance).where(Attendance.person_id == bernard.id)) is None
    r = client.post(
        f"{url}/{bernard.id}",
        data={f"status-{bernard.id}": "represented", f"proxy-{bernard.id}": str(c.secretary.id)},
        headers=hx(f"attendance-row-{bernard.id}"),
    )
    assert r.status_code == 200
    assert re.match(rf'\s*<fieldset id="attendance-row-{bernard.id}"', r.text)
    assert '<div id="quorum-status"' in r.text and 'hx-swap-oob="true"' in r.text
    assert "Quorum atteint : 3 présents ou représentés sur 3 nécessaires" in _text(r.text)
    row = db.session.scalar(sa.select(Attendance).where(Attendance.person_id == bernard.id))
    assert (row.status, row.proxy_holder_id, row.recorded_by_id) == (
        AttendanceStatus.REPRESENTED,
        c.secretary.id,
        c.secretary.id,
    )
    assert awa  # unused member keeps no row


def test_attendance_without_javascript_saves_every_row(client, auth, c):
    meeting = past_meeting(c.instance)
    auth.login(c.secretary)
    url = f"{_detail(meeting.id)}/presences"
    data = {f"status-{p.id}": "present" for p in c.everyone[:3]}
    data[f"status-{c.members[3].id}"] = "represented"  # holder missing
    r = client.post(url, data=data)
    assert r.status_code == 422 and "Choisissez qui porte le pouvoir" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    data[f"proxy-{c.members[3].id}"] = str(c.secretary.id)
    r = client.post(url, data=data)
    assert r.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 4
    page = client.get(url)
    assert "Quorum atteint" in page.text


def test_close_and_reopen_through_the_pages(client, auth, c):
    meeting = past_meeting(c.instance)
    for person in c.everyone[:3]:
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=c.staff)
    db.session.commit()
    auth.login(c.secretary)
    r = client.post(f"{_detail(meeting.id)}/clore", data={"close-quorum": "not_reached", "close-reason": "x"})
    assert r.status_code == 403  # only staff correct the quorum
    r = client.post(f"{_detail(meeting.id)}/clore", data={})
    assert r.status_code == 303
    assert reload(Meeting, meeting.id).status == MeetingStatus.HELD
    assert client.get(f"{_detail(meeting.id)}/presences").status_code == 303  # closed: back to the meeting
    assert client.get(f"{_detail(meeting.id)}/rouvrir").status_code == 403  # staff only
    auth.logout()
    auth.login(c.staff)
    assert client.get(f"{_detail(meeting.id)}/rouvrir").status_code == 200
    assert client.post(f"{_detail(meeting.id)}/rouvrir").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
    r = client.post(f"{_detail(meeting.id)}/clore", data={"close-quorum": "not_reached", "close-reason": ""})
    assert r.status_code == 422 and "pourquoi" in r.text
    r = client.post(f"{_detail(meeting.id)}/clore", data={"close-quorum": "not_reached", "close-reason": "Erreur"})
    assert r.status_code == 303
    meeting = reload(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.ADJOURNED and meeting.quorum_override_reason == "Erreur"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 3


def test_add_a_member_on_the_spot(client, auth, c, make_user):
    from datetime import date

    from tests.instances.factories import add_seat

    meeting = past_meeting(c.instance)
    newcomer = make_user(display_name="Nadia Nouvelle")
    add_seat(c.instance, newcomer, start_date=date.today() + timedelta(days=1))
    auth.login(c.secretary)
    page = client.get(f"{_detail(meeting.id)}/presences")
    assert "Nadia Nouvelle" in page.text and 'name="person_id"' in page.text
    r = client.post(f"{_detail(meeting.id)}/presences/ajouter", data={"person_id": str(newcomer.id)})
    assert r.status_code == 303
    assert f'id="attendance-row-{newcomer.id}"' in client.get(f"{_detail(meeting.id)}/presences").text


# --- minutes ------------------------------------------------------------------------------------


def test_minutes_are_written_published_and_read(client, auth, c, mail):
    meeting = past_meeting(c.instance)
    services.close_meeting(meeting, by=c.staff)
    db.session.commit()
    assert "Le compte rendu n'est pas encore publié" in client.get(_detail(meeting.id)).text
    auth.login(c.secretary)
    url = f"{_detail(meeting.id)}/compte-rendu"
    assert client.get(url).status_code == 200
    r = client.post(url, data={"body": "## Décisions\n\n- **Fête** le 21 juin <script>x</script>"})
    assert r.status_code == 303
    page = client.get(_detail(meeting.id))
    assert "<strong>Fête</strong>" in page.text and "<script>x" not in page.text and "Brouillon" in page.text
    auth.logout()
    assert "<strong>Fête</strong>" not in client.get(_detail(meeting.id)).text  # drafts: runners only
    auth.login(c.secretary)
    assert client.post(f"{url}/publier").status_code == 303
    auth.logout()
    assert "<strong>Fête</strong>" in client.get(_detail(meeting.id)).text  # public instance: everyone
    assert "compte rendu" in mail.body(mail.last_to(c.members[0].email))
    assert db.session.scalar(sa.select(Minutes.status)) == MinutesStatus.PUBLISHED


def test_minutes_late_is_said_in_words(client, auth, c):
    meeting = past_meeting(c.instance, hours_ago=24 * 45)
    services.close_meeting(meeting, by=c.staff)
    db.session.commit()
    auth.login(c.secretary)
    page = client.get(_detail(meeting.id))
    assert 'class="late"' in page.text and "En retard : à publier avant le" in page.text


def test_next_meeting_approves_the_minutes(client, auth, c):
    first = past_meeting(c.instance, hours_ago=24 * 20, title="Comité de janvier")
    services.close_meeting(first, by=c.staff)
    minutes = services.save_minutes(first, "Compte rendu de janvier", by=c.secretary)
    later = past_meeting(c.instance, title="Comité de février")
    db.session.commit()
    auth.login(c.secretary)
    page = client.get(_detail(later.id))
    assert "Comité de janvier" in page.text and "Approuvé par cette réunion" in page.text
    r = client.post(f"{_detail(later.id)}/approuver/{minutes.id}")
    assert r.status_code == 303
    minutes = reload(Minutes, minutes.id)
    assert minutes.approved_at and minutes.approved_at_meeting_id == later.id
    assert client.post(f"{_detail(first.id)}/approuver/{minutes.id}").status_code == 303  # refused, flashed
    assert reload(Minutes, minutes.id).approved_at_meeting_id == later.id


# --- follow-up ----------------------------------------------------------------------------------


def test_follow_up_from_the_meeting_and_inline_status(client, auth, c):
    meeting = past_meeting(c.instance)
    auth.login(c.secretary)
    r = client.post(
        f"{_detail(meeting.id)}/suivi",
        data={
            "follow-up-text": "Demander un second banc",
            "follow-up-owner": str(c.members[0].id),
            "follow-up-due_date": "2030-05-01",
            "follow-up-status": "todo",
        },
    )
    assert r.status_code == 303
    entry = db.session.scalar(sa.select(FollowUp))
    assert entry.meeting_id == meeting.id and entry.owner_id == c.members[0].id
    page = client.get(f"/instances/{c.instance.id}/suivi")
    assert "Demander un second banc" in page.text and "Awa Diallo" in page.text
    r = client.post(
        f"/instances/suivi/{entry.id}/statut",
        data={f"status-{entry.id}-status": "in_progress"},
        headers=hx(f"follow-up-{entry.id}"),
    )
    assert r.status_code == 200 and r.text.lstrip().startswith(f'<li id="follow-up-{entry.id}"')
    assert reload(FollowUp, entry.id).status == FollowUpStatus.IN_PROGRESS
    r = client.post(f"/instances/suivi/{entry.id}/statut", data={f"status-{entry.id}-status": "nope"})
    assert r.status_code == 303
    fragment = client.get(f"/instances/{c.instance.id}/suivi?statut=done", headers=hx("follow-up-list"))
    assert fragment.text.lstrip().startswith('<section id="follow-up-list"') and "second banc" not in fragment.text
    r = client.post(f"{_detail(meeting.id)}/suivi", data={"follow-up-text": "", "follow-up-status": "todo"})
    assert r.status_code == 422


def test_follow_up_needs_a_runner(client, auth, c):
    meeting = past_meeting(c.instance)
    entry = services.add_follow_up(c.instance, {"text": "Affiche"}, by=c.staff)
    db.session.commit()
    auth.login(c.members[0])
    assert client.post(f"{_detail(meeting.id)}/suivi", data={"follow-up-text": "X"}).status_code == 403
    assert client.post(f"/instances/suivi/{entry.id}/statut", data={}).status_code == 403
    assert client.get(f"/instances/suivi/{entry.id}/modifier").status_code == 403


# --- the instance's ICS feed --------------------------------------------------------------------


def test_instance_feed_parses_back(client, c):
    meeting = make_meeting(c.instance, title="Comité d'avril", place="Salle A")
    cancelled = make_meeting(c.instance, title="Sortie annulée")
    services.cancel_meeting(cancelled, "Pluie", by=c.staff)
    db.session.commit()
    r = client.get(f"/instances/{c.instance.id}/agenda.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(r.data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    event = events[f"meeting-{meeting.id}@ensemble"]
    assert "Comité d'avril" in str(event["summary"]) and str(event["location"]) == "Salle A"
    assert event.decoded("dtstart").replace(tzinfo=None) == meeting.starts_at
    assert str(events[f"meeting-{cancelled.id}@ensemble"]["status"]) == "CANCELLED"


def test_members_only_instance_feed(client, auth, structure, make_user):
    c = committee(structure, make_user, is_public=False)
    make_meeting(c.instance)
    db.session.commit()
    url = f"/instances/{c.instance.id}/agenda.ics"
    assert client.get(url).status_code == 404
    auth.login(c.outsider)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(c.members[0])
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(c.staff)
    assert client.get(url).status_code == 200


def test_meetings_list_and_section(client, auth, c):
    past = past_meeting(c.instance, hours_ago=24 * 3, title="Comité passé")
    services.close_meeting(past, by=c.staff)
    minutes = services.save_minutes(past, "Tout s'est bien passé.", by=c.staff)
    services.publish_minutes(minutes, by=c.staff)
    upcoming = make_meeting(c.instance, title="Comité à venir")
    services.answer_rsvp(upcoming, c.members[0], RsvpAnswer.EXCUSED, by=c.members[0])
    db.session.commit()
    page = client.get(f"/instances/{c.instance.id}/reunions")
    assert "Comité passé" in page.text and "Comité à venir" in page.text and "Compte rendu" in page.text
    from app.instances.meeting_routes import meetings_section

    section = meetings_section(c.instance, c.members[0])
    assert [m.id for m in section["upcoming"]] == [upcoming.id]
    assert section["my_rsvps"][upcoming.id].answer == RsvpAnswer.EXCUSED
    assert [m.id for m in section["past"]] == [past.id]
    assert utcnow()  # keep the import used


def test_instance_page_shows_the_meetings_section(client, auth, c):
    upcoming = make_meeting(c.instance, title="Comité de janvier")
    services.answer_rsvp(upcoming, c.members[0], RsvpAnswer.COMING, by=c.members[0])
    past = past_meeting(c.instance, hours_ago=24 * 5, title="Comité de novembre")
    services.close_meeting(past, by=c.staff)
    services.publish_minutes(services.save_minutes(past, "Tout va bien.", by=c.staff), by=c.staff)
    db.session.commit()
    auth.login(c.members[0])
    page = client.get(f"/instances/{c.instance.id}")
    assert page.status_code == 200
    section = page.text[page.text.index(f'id="instance-{c.instance.id}-meetings"') :]
    assert "Comité de janvier" in section and "Ma réponse : Je viens" in section
    assert "Comité de novembre" in section and f"#meeting-{past.id}-minutes" in section
    assert "Programmer une réunion" not in section
    auth.logout()
    auth.login(c.secretary)
    section = client.get(f"/instances/{c.instance.id}").text
    assert "Programmer une réunion" in section and "Répondre à la convocation" in section


def test_attendance_page_queries_do_not_grow_with_members(client, auth, c, make_user):
    from tests.instances.factories import add_seat

    meeting = past_meeting(c.instance)
    auth.login(c.secretary)
    url = f"{_detail(meeting.id)}/presences"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(15):
        person = make_user(display_name=f"Membre {n:02d}")
        add_seat(c.instance, person)
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=c.staff)
    db.session.commit()
    with count_queries() as many:
        r = client.get(url)
    assert r.status_code == 200 and "Membre 14" in r.text
    assert many.count == few.count <= 12, many.statements


def test_user_text_is_escaped(client, auth, c):
    meeting = make_meeting(c.instance, title="<b>Réunion</b>", place="<img src=x onerror=alert(1)>")
    services.add_agenda_item(meeting, {"title": "<script>alert(1)</script>"}, by=c.staff)
    services.cancel_meeting(meeting, "<i>Grève</i>", by=c.staff)
    db.session.commit()
    page = client.get(_detail(meeting.id)).text
    assert "<b>Réunion</b>" not in page and "&lt;b&gt;Réunion&lt;/b&gt;" in page
    assert "<img src=x" not in page and "<script>alert" not in page and "<i>Grève</i>" not in page
    auth.login(c.staff)
    assert "<b>Réunion</b>" not in client.get(f"{_detail(meeting.id)}/modifier").text
