"""Meetings on a phone, with and without JavaScript: a member answers the convocation, the
secretary ticks the attendance (rows saved one by one by htmx, the quorum updated live; one
"Enregistrer" without JavaScript) and closes the meeting. Every page is screenshot and checked with
axe (tests/browser/conftest.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.instances import meetings as services
from tests.browser.test_accounts import log_in
from tests.instances.factories import make_meeting
from tests.instances.meeting_setup import committee, past_meeting

pytestmark = pytest.mark.browser
PASSWORD = "motdepasse-de-test"


def _log_in(tab: Page, username: str) -> None:
    log_in(tab, username, PASSWORD)
    expect(tab).not_to_have_url(re.compile("connexion"))


def test_member_answers_the_convocation(page: Page, audit, js, structure, make_user):  # noqa: F811
    c = committee(structure, make_user)
    meeting = make_meeting(c.instance, title="Comité d'usagers de décembre")
    services.add_agenda_item(meeting, {"title": "Horaires d'ouverture pendant les vacances"}, by=c.staff)
    services.convene(meeting, by=c.staff)
    db.session.commit()
    meeting_id, member = meeting.id, c.members[0].username
    db.session.remove()
    _log_in(page, member)
    page.goto(f"/instances/reunions/{meeting_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Comité d'usagers de décembre")
    audit("meeting")
    page.get_by_role("radio", name="Je donne pouvoir").check()
    page.get_by_label("Je donne pouvoir à").select_option(label="Bernard Martin")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    rsvp = page.locator(f"#meeting-{meeting_id}-rsvp")
    expect(rsvp).to_contain_text("Votre réponse : Je donne pouvoir (pouvoir à Bernard Martin)")
    expect(rsvp).to_contain_text("1 pouvoir donné")
    audit("answered")


def test_secretary_records_attendance_and_closes(page: Page, audit, js, structure, make_user):  # noqa: F811
    c = committee(structure, make_user)  # 5 voting members, quorum: 3 present or represented
    meeting = past_meeting(c.instance, title="Séance de novembre")
    db.session.commit()
    meeting_id, secretary = meeting.id, c.secretary.username
    awa, bernard, chloe = (m.display_name for m in c.members[:3])
    db.session.remove()
    _log_in(page, secretary)
    page.goto(f"/instances/reunions/{meeting_id}")
    page.get_by_role("link", name="Feuille de présence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Présences")
    quorum = page.locator("#quorum-status")
    expect(quorum).to_contain_text("Il manque 3 membres")
    audit("sheet")

    def row(name: str):
        return page.get_by_role("group", name=name, exact=True)

    row("Samia Secrétaire").get_by_label("Présent·e").check()
    row(awa).get_by_label("Présent·e").check()
    row(chloe).get_by_label("Excusé·e").check()
    row(bernard).get_by_label("Représenté·e").check()
    row(bernard).get_by_label("Pouvoir confié à").select_option(label=awa)
    if js:  # each row saved as it changes, the quorum follows
        expect(quorum).to_contain_text("Quorum atteint : 3 présents ou représentés sur 3 nécessaires")
        page.reload()
    else:
        page.get_by_role("button", name="Enregistrer les présences").click()
        expect(page.locator("#flash")).to_contain_text("Les présences sont enregistrées")
    expect(quorum).to_contain_text("Quorum atteint : 3 présents ou représentés sur 3 nécessaires")
    expect(row(bernard).get_by_label("Représenté·e")).to_be_checked()
    audit("ticked")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clore la séance").click()
    expect(page.locator("#flash")).to_contain_text("La séance est close : le quorum est atteint.")
    attendance = page.locator(f"#meeting-{meeting_id}-attendance")
    expect(attendance).to_contain_text("Présent·e : 2")
    expect(attendance).to_contain_text("Représenté·e : 1")
    audit("closed")
