"""My skills and availability, and "Qui pourrait venir ?": only people who agreed to share, free at
the shift's time, with a skill the mission asks for, and only the contact details they allowed."""

import html
from datetime import date, time, timedelta

import pytest

from app.centres.models import Role
from app.extensions import db
from app.timeutil import utcnow
from app.volunteering import queries, services
from app.volunteering.models import ContactSharing, VolunteerProfile
from tests.volunteering.factories import make_mission, make_shift


def text(response) -> str:
    return html.unescape(response.text)


def _next(weekday: int, at: time, hours: float = 2):
    """Arguments for a shift next week on `weekday` (0 = Monday) at local time `at`."""
    day = utcnow().date() + timedelta(days=7)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return {"starts_at": services.to_utc(day, at), "hours": hours}


@pytest.fixture
def coordinator(make_user):
    return make_user(role=Role.COORDINATOR, display_name="Nadia")


@pytest.mark.parametrize(
    ("start", "hours", "slots"),
    [
        (time(14, 0), 2, {"wed_pm"}),
        (time(11, 0), 2, {"wed_am", "wed_pm"}),
        (time(12, 0), 6, {"wed_pm"}),
        (time(18, 0), 2, {"wed_ev"}),
        (time(9, 0), 10, {"wed_am", "wed_pm", "wed_ev"}),
    ],
)
def test_shift_slots_in_local_time(structure, start, hours, slots):
    shift = make_shift(make_mission(structure), **_next(2, start, hours))
    assert services.shift_slots(shift) == slots


def test_save_profile_keeps_known_slots_in_order(structure, make_user):
    person = make_user()
    profile = services.save_profile(
        person,
        structure,
        {
            "skills": "Cuisine, couture, cuisine",
            "availability": ["sat_am", "mon_ev", "nope"],
            "note": "  Pas pendant les vacances.  ",
            "share_with_coordinators": True,
            "contact_sharing": ContactSharing.EMAIL,
        },
    )
    db.session.commit()
    assert profile.skills == "Cuisine, couture"
    assert profile.availability == ["mon_ev", "sat_am"]
    assert profile.note == "Pas pendant les vacances."
    again = services.save_profile(person, structure, {"availability": []})
    assert again.id == profile.id and again.availability == []


def test_profile_page_saves_the_grid(client, auth, structure, make_user):
    person = make_user()
    auth.login(person)
    r = client.get("/benevolat/mon-profil")
    assert r.status_code == 200
    page = text(r)
    assert "<legend>Mercredi</legend>" in page and 'id="slot-wed_pm"' in page
    assert "<legend>Quand je suis disponible</legend>" in page
    r = client.post(
        "/benevolat/mon-profil",
        data={
            "skills": "bricolage",
            "availability": ["wed_pm", "sat_am"],
            "note": "",
            "share_with_coordinators": "y",
            "contact_sharing": "phone",
        },
    )
    assert r.status_code == 303
    profile = services.profile_of(person.id, structure.id)
    assert profile.availability == ["wed_pm", "sat_am"] and profile.share_with_coordinators
    assert profile.contact_sharing == ContactSharing.PHONE
    page = text(client.get("/benevolat/mon-profil"))
    assert "Votre profil de bénévole est enregistré." in page
    assert 'id="slot-wed_pm" name="availability" value="wed_pm" checked' in page


def test_profile_page_refuses_unknown_values(client, auth, structure, make_user):
    auth.login(make_user())
    r = client.post(
        "/benevolat/mon-profil",
        data={"skills": "jardinage", "availability": ["funday_am"], "contact_sharing": "phone"},
    )
    assert r.status_code == 422
    assert 'value="jardinage"' in r.text
    r = client.post("/benevolat/mon-profil", data={"contact_sharing": "everything"})
    assert r.status_code == 422
    assert db.session.query(VolunteerProfile).count() == 0


def _profile(structure, make_user, name, *, slots, skills="", share=True, contact=ContactSharing.NONE, **user):
    person = make_user(display_name=name, **user)
    services.save_profile(
        person,
        structure,
        {"skills": skills, "availability": slots, "share_with_coordinators": share, "contact_sharing": contact},
    )
    return person


def test_who_could_come(structure, coordinator, make_user):
    mission = make_mission(structure, "Atelier cuisine", coordinator=coordinator, skills="cuisine, pâtisserie")
    shift = make_shift(mission, **_next(2, time(14, 0)))
    fits = _profile(
        structure,
        make_user,
        "Awa",
        slots=["wed_pm"],
        skills="Patisserie, chant",
        contact=ContactSharing.PHONE,
        phone="06 11 22 33 44",
    )
    _profile(structure, make_user, "Pas dispo", slots=["wed_am"], skills="cuisine")
    _profile(structure, make_user, "Sans la compétence", slots=["wed_pm"], skills="bricolage")
    _profile(structure, make_user, "Ne partage pas", slots=["wed_pm"], skills="cuisine", share=False)
    already = _profile(structure, make_user, "Déjà inscrite", slots=["wed_pm"], skills="cuisine")
    services.sign_up(shift, already, by=already)
    db.session.commit()
    found = queries.candidates(shift)
    assert [c.person.id for c in found] == [fits.id]
    assert found[0].skills == ["Patisserie"]
    assert found[0].contact == {"phone": "06 11 22 33 44"}


def test_without_skills_asked_availability_is_enough(structure, make_user):
    mission = make_mission(structure, "Accueil", skills="")
    shift = make_shift(mission, **_next(5, time(9, 0)))
    person = _profile(structure, make_user, "Lucien", slots=["sat_am"])
    db.session.commit()
    assert [c.person.id for c in queries.candidates(shift)] == [person.id]


def test_candidates_page_shows_only_what_people_share(client, auth, structure, coordinator, make_user):
    mission = make_mission(structure, "Atelier cuisine", coordinator=coordinator, skills="cuisine")
    shift = make_shift(mission, **_next(2, time(14, 0)))
    _profile(
        structure,
        make_user,
        "Awa Diallo",
        slots=["wed_pm"],
        skills="cuisine",
        contact=ContactSharing.EMAIL,
        phone="06 11 22 33 44",
        email="awa@exemple.test",
    )
    _profile(structure, make_user, "Lucien Martin", slots=["wed_pm"], skills="cuisine", phone="06 55 55 55 55")
    db.session.commit()
    auth.login(coordinator)
    r = client.get(f"/benevolat/creneaux/{shift.id}/qui-pourrait-venir")
    assert r.status_code == 200
    page = text(r)
    assert "Awa Diallo" in page and "awa@exemple.test" in page and "06 11 22 33 44" not in page
    assert "Lucien Martin" in page and "06 55 55 55 55" not in page
    assert "Mercredi après-midi" in page


def test_candidates_page_empty_state(client, auth, structure, coordinator):
    shift = make_shift(make_mission(structure, coordinator=coordinator), **_next(0, time(10, 0)))
    auth.login(coordinator)
    assert "Personne ne correspond pour l'instant." in text(
        client.get(f"/benevolat/creneaux/{shift.id}/qui-pourrait-venir")
    )


def test_weekday_names_follow_the_local_date(structure):
    """A Sunday 23:30 shift in Paris is still Sunday, though Saturday/Sunday in UTC differ."""
    day = date(utcnow().year + 1, 6, 6)
    day += timedelta(days=(6 - day.weekday()) % 7)
    shift = make_shift(make_mission(structure), starts_at=services.to_utc(day, time(23, 30)), hours=0.5)
    assert services.shift_slots(shift) == {"sun_ev"}
