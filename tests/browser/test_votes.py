"""The vote journey on a phone, with and without JavaScript (issue 4): the secretary opens a motion
in the meeting, a member votes on the phone, the secretary closes the vote and everyone reads the
result in plain French; then the CA answers the comité's opinion. Every page is screenshot and
checked with axe (conftest `Audit`)."""

import pytest
from playwright.sync_api import Page, expect

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure, make_user
from app.instances import opinions, votes
from app.instances.models import Instance, InstanceType, Nature, Office
from tests.browser.conftest import PHONE, Audit
from tests.browser.test_accounts import PASSWORD, heading, log_in, submit
from tests.instances.factories import add_seat, make_instance, make_meeting

pytestmark = pytest.mark.browser


def seed(app) -> dict:
    """A comité d'usagers reporting to the CA, a meeting today with a motion in preparation."""
    with app.app_context():
        structure = make_structure("Centre social Les Tilleuls", quartiers=(("Les Buers", True),))
        staff = make_user(structure, display_name="Lucie Garnier", role=Role.STAFF)
        secretary = make_user(structure, display_name="Samir Haddad")
        member = make_user(structure, display_name="Awa Traoré")
        others = [make_user(structure, display_name=name) for name in ("Bernard Morel", "Chloé Petit")]
        ca = make_instance(
            structure, "Conseil d'administration", nature=Nature.DECISION, instance_type=InstanceType.BOARD
        )
        comite = make_instance(structure, "Comité d'usagers", proxies_allowed=True)
        db.session.get(Instance, comite.id).reports_to_id = ca.id
        add_seat(comite, secretary, office=Office.SECRETARY)
        for person in (member, *others):
            add_seat(comite, person)
        add_seat(ca, staff, office=Office.CHAIR)
        meeting = make_meeting(comite, days_ahead=0, title="Comité de mars")
        motion = votes.create_motion(
            comite,
            {
                "title": "Ouvrir l'accueil le samedi matin",
                "text": "De 9 h à 12 h, à partir d'avril.",
                "kind": "opinion",
            },
            secretary,
            meeting=meeting,
        )
        votes.open_vote(motion, secretary)
        for person in others:
            votes.cast_vote(motion, person, "for", person)
        opinion = opinions.send_opinion(
            comite, ca, "Éclairage de la cour", "Le comité demande un éclairage de la cour le soir.", by=secretary
        )
        db.session.commit()
        return {
            "comite": comite.id,
            "motion": motion.id,
            "meeting": meeting.id,
            "opinion": opinion.id,
            "secretary": secretary.email,
            "member": member.email,
            "staff": staff.email,
        }


def test_vote_on_a_phone(app, browser, live_server, page: Page, audit, js):
    data = seed(app)
    log_in(page, data["member"], PASSWORD)
    expect(heading(page, "Bonjour Awa Traoré")).to_be_visible()
    page.goto(f"/instances/reunions/{data['meeting']}")
    expect(page.get_by_role("heading", name="Motions et votes")).to_be_visible()
    audit("meeting")
    block = page.locator(f"#motion-{data['motion']}-vote")
    block.get_by_label("Pour").check()
    block.get_by_role("button", name="Voter").click()
    expect(page.locator(f"#motion-{data['motion']}-vote").get_by_text("Vous avez voté le")).to_be_visible()
    audit("voted")

    secretary = browser.new_context(base_url=live_server, java_script_enabled=js, bypass_csp=True, **PHONE)
    tab = secretary.new_page()
    checker = Audit(browser, tab, js, "vote-on-a-phone-secretary")
    try:
        log_in(tab, data["secretary"], PASSWORD)
        expect(heading(tab, "Bonjour Samir Haddad")).to_be_visible()
        tab.goto(f"/instances/votes/{data['motion']}")
        expect(heading(tab, "Ouvrir l'accueil le samedi matin")).to_be_visible()
        checker("motion")
        tab.get_by_role("link", name="Clore le vote").click()
        expect(heading(tab, "Clore le vote ?")).to_be_visible()
        checker("confirm")
        submit(tab, "Oui, clore le vote")
        expect(tab.get_by_text("Adoptée : 3 pour, 0 contre")).to_be_visible()
        expect(tab.get_by_text("Majorité simple, abstentions non comptées : 1 voix pour suffisait.")).to_be_visible()
        checker("result")
        submit(tab, "Transmettre l'avis")
        expect(tab.get_by_text("Avis transmis à « Conseil d'administration ».")).to_be_visible()
        checker("forwarded")
    finally:
        checker.close()
        secretary.close()


def test_ca_answers_an_opinion(app, page: Page, audit):
    data = seed(app)
    log_in(page, data["staff"], PASSWORD)
    expect(heading(page, "Bonjour Lucie Garnier")).to_be_visible()
    page.goto(f"/instances/avis/{data['opinion']}")
    expect(heading(page, "Éclairage de la cour")).to_be_visible()
    audit("opinion")
    page.get_by_label("Retenu en partie").check()
    page.get_by_label("Explication").fill("L'éclairage sera posé à l'automne ; la caméra n'est pas retenue.")
    submit(page, "Enregistrer la réponse")
    expect(page.get_by_text("Réponse enregistrée")).to_be_visible()
    audit("answered")


def test_secretary_opens_an_online_vote(app, page: Page, audit):
    data = seed(app)
    log_in(page, data["secretary"], PASSWORD)
    expect(heading(page, "Bonjour Samir Haddad")).to_be_visible()
    page.goto(f"/instances/{data['comite']}/votes")
    expect(heading(page, "Votes et motions")).to_be_visible()
    audit("list")
    page.get_by_role("link", name="Nouveau vote en ligne").click()
    expect(heading(page, "Nouveau vote en ligne")).to_be_visible()
    submit(page, "Enregistrer la motion")
    expect(page.get_by_text("Donnez un titre à la motion.").first).to_be_visible()
    audit("form-errors")
    page.get_by_label("Intitulé de la motion").fill("Choisir la sortie familiale de juin")
    page.get_by_label("Texte soumis au vote").fill("Une journée à la mer, au Grau-du-Roi, le samedi 14 juin.")
    page.get_by_label("Vote à bulletin secret").check()
    page.get_by_label("Fin du vote").fill("2031-06-30T18:00")
    submit(page, "Enregistrer la motion")
    expect(heading(page, "Choisir la sortie familiale de juin")).to_be_visible()
    expect(
        page.get_by_text("En préparation : vote en ligne jusqu'au 30 juin à 18:00, une fois ouvert.")
    ).to_be_visible()
    submit(page, "Ouvrir le vote")
    expect(page.get_by_text("Le vote est ouvert : 4 personne(s) peuvent voter.")).to_be_visible()
    expect(page.get_by_role("group", name="Votre vote")).to_be_visible()
    audit("opened")
