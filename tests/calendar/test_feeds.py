"""Personal calendar feeds: my agenda page, the private subscription link (shown once, a new one
revokes the old), the download, and what each person's feed contains (members-only instances only
in their members' feeds)."""

import re

import icalendar
import pytest

from app.extensions import db
from app.instances import meetings
from tests.instances.factories import make_meeting
from tests.instances.meeting_setup import committee, past_meeting


def _feed_link(response) -> str:
    match = re.search(r'value="https?://[^/"]+(/agenda/flux/[^"]+\.ics)"', response.text)
    assert match, response.text[:500]
    return match.group(1)


def _uids(ics: bytes) -> set[str]:
    return {str(event["uid"]) for event in icalendar.Calendar.from_ical(ics).walk("VEVENT")}


@pytest.fixture
def c(structure, make_user):
    return committee(structure, make_user, is_public=False)


def test_agenda_page_needs_login(client):
    r = client.get("/agenda/")
    assert r.status_code == 302 and "/compte/connexion" in r.headers["Location"]


def test_agenda_page_lists_my_next_meetings(client, auth, c):
    make_meeting(c.instance, title="Comité de printemps")
    auth.login(c.members[0])
    page = client.get("/agenda/")
    assert page.status_code == 200 and "Comité de printemps" in page.text


def test_feed_with_token_then_a_new_link_revokes_the_old(client, auth, c):
    meeting = make_meeting(c.instance, title="Comité de mai", place="Salle B")
    auth.login(c.members[0])
    first = _feed_link(client.post("/agenda/lien"))
    auth.logout()
    r = client.get(first)  # the phone fetches it without a session
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    assert r.headers["Cache-Control"] == "private, no-store"
    calendar = icalendar.Calendar.from_ical(r.data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"meeting-{meeting.id}@ensemble"
    assert "Comité de mai" in str(event["summary"]) and str(event["location"]) == "Salle B"
    assert event.decoded("dtstart").replace(tzinfo=None) == meeting.starts_at
    assert str(event["url"]).endswith(f"/instances/reunions/{meeting.id}")

    auth.login(c.members[0])
    second = _feed_link(client.post("/agenda/lien"))
    auth.logout()
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_bad_token_is_404(client, structure):
    assert client.get("/agenda/flux/pas-un-vrai-jeton.ics").status_code == 404
    assert client.get("/agenda/flux/.ics").status_code == 404


def test_new_link_needs_the_csrf_token(client, auth, c):
    auth.login(c.members[0])
    assert client.post("/agenda/lien", csrf=False).status_code == 400
    assert "agenda/flux" not in client.get("/agenda/").text


def test_blocked_person_feed_stops(client, auth, c):
    auth.login(c.members[0])
    link = _feed_link(client.post("/agenda/lien"))
    auth.logout()
    c.members[0].is_blocked = True
    db.session.commit()
    assert client.get(link).status_code == 404


def test_members_only_meetings_never_reach_others_feeds(client, auth, structure, make_user, c):
    secret = make_meeting(c.instance, title="Réunion réservée")
    cancelled = make_meeting(c.instance, title="Réunion annulée")
    meetings.cancel_meeting(cancelled, "Salle prise", by=c.staff)
    held = past_meeting(c.instance, hours_ago=48, title="Réunion tenue")
    meetings.close_meeting(held, by=c.staff)
    public = committee(structure, make_user, members=1, name="Commission jeunesse")
    open_meeting = make_meeting(public.instance, title="Réunion publique")
    db.session.commit()

    def feed_of(person) -> set[str]:
        auth.login(person)
        link = _feed_link(client.post("/agenda/lien"))
        auth.logout()
        return _uids(client.get(link).data)

    member_feed = feed_of(c.members[0])
    assert member_feed == {f"meeting-{m.id}@ensemble" for m in (secret, cancelled, held)}
    for person in (c.outsider, c.staff, public.members[0]):
        uids = feed_of(person)
        assert not uids & member_feed, person.display_name
    assert feed_of(public.members[0]) == {f"meeting-{open_meeting.id}@ensemble"}


def test_cancelled_meetings_are_marked_cancelled(client, auth, c):
    cancelled = make_meeting(c.instance, title="Réunion annulée")
    meetings.cancel_meeting(cancelled, "Salle prise", by=c.staff)
    db.session.commit()
    auth.login(c.members[0])
    r = client.get("/agenda/mon-agenda.ics")
    assert r.status_code == 200
    (event,) = icalendar.Calendar.from_ical(r.data).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED" and "Annulée" in str(event["summary"])
