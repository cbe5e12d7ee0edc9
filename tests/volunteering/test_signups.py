"""Signing up: places, waitlist, cancellation with promotion, deadline, pages (htmx and no-JS),
my shifts, the agenda and the home block."""

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts import on_behalf
from app.calendar.feeds import personal_events
from app.centres.models import Role
from app.extensions import db
from app.notifications.models import Notification
from app.timeutil import utcnow
from app.volunteering import services
from app.volunteering.models import MissionStatus, Shift, Signup, SignupStatus
from app.volunteering.services import VolunteeringError
from tests.helpers import count_queries, hx
from tests.volunteering.factories import make_mission, make_shift


@pytest.fixture
def coordinator(make_user):
    return make_user(role=Role.COORDINATOR, display_name="Nadia Coordination")


@pytest.fixture
def mission(structure, coordinator):
    return make_mission(structure, "Aide aux devoirs", coordinator=coordinator)


def _reload_shift(shift_id: int) -> Shift:
    db.session.expire_all()
    return db.session.get(Shift, shift_id)


def text(response) -> str:
    """The page as a reader sees it (Jinja escapes apostrophes)."""
    return html.unescape(response.text)


def _notes(person) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.message).where(Notification.user_id == person.id)))


# --- services ------------------------------------------------------------------------------------


def test_places_then_waitlist_in_arrival_order(mission, make_user):
    shift = make_shift(mission, capacity=2)
    people = [make_user() for _ in range(4)]
    signups = [services.sign_up(shift, p, by=p) for p in people]
    db.session.commit()
    assert [s.status for s in signups] == [SignupStatus.CONFIRMED] * 2 + [SignupStatus.WAITLIST] * 2
    assert _reload_shift(shift.id).confirmed_count == 2
    assert [services.waitlist_position(s) for s in signups] == [None, None, 1, 2]
    queued = [s.queued_at for s in signups]
    assert queued == sorted(queued) and len(set(queued)) == 4


def test_signing_up_twice_keeps_one_row(mission, make_user):
    shift = make_shift(mission, capacity=3)
    person = make_user()
    first = services.sign_up(shift, person, by=person)
    again = services.sign_up(shift, person, by=person)
    db.session.commit()
    assert first.id == again.id
    assert _reload_shift(shift.id).confirmed_count == 1


def test_cancelling_a_place_promotes_the_first_waiting_and_tells_them(mission, make_user, mail):
    shift = make_shift(mission, capacity=1)
    awa, lucien, rose = make_user(display_name="Awa"), make_user(email="lucien@exemple.test"), make_user()
    first = services.sign_up(shift, awa, by=awa)
    services.sign_up(shift, lucien, by=lucien)
    services.sign_up(shift, rose, by=rose)
    db.session.commit()
    promoted = services.cancel_signup(first, by=awa)
    db.session.commit()
    assert promoted.person_id == lucien.id
    assert promoted.status == SignupStatus.CONFIRMED and promoted.promoted_at is not None
    assert _reload_shift(shift.id).confirmed_count == 1
    rows = {s.person_id: s.status for s in db.session.scalars(sa.select(Signup))}
    assert rows == {awa.id: SignupStatus.CANCELLED, lucien.id: SignupStatus.CONFIRMED, rose.id: SignupStatus.WAITLIST}
    [note] = _notes(lucien)
    assert note.startswith("Une place s'est libérée : vous êtes inscrit·e")
    assert "Aide aux devoirs" in note
    assert "Une place s'est libérée" in mail.body(mail.last_to("lucien@exemple.test"))
    assert _notes(rose) == []


def test_cancelling_a_waitlist_place_promotes_nobody(mission, make_user):
    shift = make_shift(mission, capacity=1)
    a, b, c = make_user(), make_user(), make_user()
    services.sign_up(shift, a, by=a)
    waiting = services.sign_up(shift, b, by=b)
    services.sign_up(shift, c, by=c)
    db.session.commit()
    assert services.cancel_signup(waiting, by=b) is None
    db.session.commit()
    assert _reload_shift(shift.id).confirmed_count == 1
    third = db.session.scalar(sa.select(Signup).where(Signup.person_id == c.id))
    assert services.waitlist_position(third) == 1


def test_signing_up_again_after_cancelling_requeues_the_same_row_at_the_back(mission, make_user):
    shift = make_shift(mission, capacity=1)
    a, b, c = make_user(), make_user(), make_user()
    services.sign_up(shift, a, by=a)
    mine = services.sign_up(shift, b, by=b)
    services.sign_up(shift, c, by=c)
    db.session.commit()
    services.cancel_signup(mine, by=b)
    again = services.sign_up(shift, b, by=b)
    db.session.commit()
    assert again.id == mine.id
    assert again.status == SignupStatus.WAITLIST and again.cancelled_at is None
    assert services.waitlist_position(again) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 3


def test_no_sign_up_on_closed_cancelled_or_unpublished_shifts(structure, mission, make_user):
    person = make_user()
    closed = make_shift(mission, signup_closes_at=utcnow() - timedelta(hours=1))
    cancelled = make_shift(mission, cancelled_at=utcnow())
    draft = make_shift(make_mission(structure, "Brouillon", status=MissionStatus.DRAFT))
    for shift, message in (
        (closed, "closes"),
        (cancelled, "annulé"),
        (draft, "pas ouverte"),
    ):
        with pytest.raises(VolunteeringError, match=message):
            services.sign_up(shift, person, by=person)
        db.session.rollback()


def test_after_the_deadline_a_confirmed_person_must_ask_the_coordinator(mission, make_user):
    shift = make_shift(mission, capacity=2)
    person = make_user()
    signup = services.sign_up(shift, person, by=person)
    shift.signup_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(VolunteeringError, match="prévenez Nadia Coordination"):
        services.cancel_signup(signup, by=person)
    db.session.rollback()
    # The coordinator may still take the person off; the person is told.
    coordinator = mission.coordinators[0].person
    services.cancel_signup(signup, by=coordinator, as_manager=True)
    db.session.commit()
    assert signup.status == SignupStatus.CANCELLED
    assert any("désinscription par Nadia Coordination" in n for n in _notes(person))


def test_staff_at_the_accueil_sign_up_for_a_habitant(mission, make_user):
    shift = make_shift(mission)
    staff, habitant = make_user(role=Role.STAFF), make_user()
    signup = services.sign_up(shift, habitant, by=staff)
    db.session.commit()
    assert signup.person_id == habitant.id and signup.recorded_by_id == staff.id
    own = services.sign_up(make_shift(mission), habitant, by=habitant)
    assert own.recorded_by_id is None


# --- pages ---------------------------------------------------------------------------------------


def test_list_shows_published_missions_with_free_places(client, structure, mission, make_user):
    shift = make_shift(mission, capacity=5)
    for _ in range(3):
        person = make_user()
        services.sign_up(shift, person, by=person)
    make_mission(structure, "Mission en préparation", status=MissionStatus.DRAFT)
    make_mission(structure, "Ancienne mission", status=MissionStatus.ARCHIVED)
    db.session.commit()
    r = client.get("/benevolat/")
    assert r.status_code == 200
    assert "Aide aux devoirs" in text(r)
    assert "2 places sur 5" in text(r)
    assert "Mission en préparation" not in text(r) and "Ancienne mission" not in text(r)
    assert "Connectez-vous pour vous inscrire" in text(r)
    assert "HX-Request" in r.headers["Vary"]


def test_list_filters_by_category_and_has_an_empty_state(client, structure, mission):
    make_mission(structure, "Bureau du centre", category="gouvernance")
    r = client.get("/benevolat/?categorie=gouvernance")
    assert "Bureau du centre" in text(r) and "Aide aux devoirs" not in text(r)
    fragment = client.get("/benevolat/?categorie=ponctuel_evenement", headers=hx("mission-list"))
    assert "<html" not in text(fragment)
    assert fragment.text.lstrip().startswith('<section id="mission-list"')
    assert "Aucune mission dans cette catégorie" in text(fragment)
    assert client.get("/benevolat/?categorie=nimporte").status_code == 200


def test_empty_list(client, structure):
    r = client.get("/benevolat/")
    assert "Pas encore de mission de bénévolat publiée" in text(r)


def test_list_runs_the_same_number_of_queries_for_1_and_10_missions(client, auth, structure, make_user):
    person = make_user()
    auth.login(person)

    def measure():
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/benevolat/").status_code == 200
        return counter.count

    first = make_mission(structure, "Mission 1")
    services.sign_up(make_shift(first), person, by=person)
    db.session.commit()
    one = measure()
    for n in range(2, 11):
        mission = make_mission(structure, f"Mission {n}")
        for days in (2, 3, 4, 5):
            shift = make_shift(mission, days_ahead=days)
        services.sign_up(shift, person, by=person)
    db.session.commit()
    ten = measure()
    assert one == ten, (one, ten)
    assert ten <= 12


def test_draft_mission_is_a_404_for_habitants(client, auth, structure, make_user, coordinator):
    draft = make_mission(structure, "En préparation", status=MissionStatus.DRAFT, coordinator=coordinator)
    shift = make_shift(draft)
    assert client.get(f"/benevolat/missions/{draft.id}").status_code == 404
    auth.login(make_user())
    assert client.get(f"/benevolat/missions/{draft.id}").status_code == 404
    assert client.get(f"/benevolat/creneaux/{shift.id}").status_code == 404
    assert client.post(f"/benevolat/creneaux/{shift.id}/inscription").status_code == 404
    auth.logout()
    auth.login(coordinator)
    assert client.get(f"/benevolat/missions/{draft.id}").status_code == 200


def test_anonymous_must_log_in_to_sign_up(client, mission):
    shift = make_shift(mission)
    r = client.get(f"/benevolat/missions/{mission.id}")
    assert r.status_code == 200 and "Connectez-vous pour vous inscrire" in text(r)
    r = client.post(f"/benevolat/creneaux/{shift.id}/inscription")
    assert r.status_code in (302, 303) and "/compte/connexion" in r.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signup)) == 0


def test_sign_up_without_js_is_a_303_back_with_a_flash(client, auth, mission, make_user):
    shift = make_shift(mission, capacity=1)
    auth.login(make_user())
    back = f"/benevolat/missions/{mission.id}"
    r = client.post(f"/benevolat/creneaux/{shift.id}/inscription", data={"next": back})
    assert r.status_code == 303 and r.headers["Location"].endswith(back)
    page = client.get(back)
    assert "vous êtes inscrit·e" in text(page) and "Vous êtes inscrit·e" in text(page)
    assert _reload_shift(shift.id).confirmed_count == 1


def test_next_is_only_one_of_our_paths(client, auth, mission, make_user):
    shift = make_shift(mission)
    auth.login(make_user())
    r = client.post(f"/benevolat/creneaux/{shift.id}/inscription", data={"next": "https://evil.example/"})
    assert r.headers["Location"].endswith(f"/benevolat/creneaux/{shift.id}")


def test_sign_up_with_htmx_returns_the_block(client, auth, mission, make_user):
    shift = make_shift(mission, capacity=1)
    first = make_user()
    services.sign_up(shift, first, by=first)
    db.session.commit()
    auth.login(make_user())
    target = f"shift-{shift.id}-signup"
    r = client.post(f"/benevolat/creneaux/{shift.id}/inscription", headers=hx(target), data={"next": "/benevolat/"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<div id="{target}"')
    assert "liste d'attente (position 1)" in text(r)
    assert 'aria-live="polite"' in text(r)
    r = client.post(f"/benevolat/creneaux/{shift.id}/desinscription", headers=hx(target), data={"next": "/benevolat/"})
    assert r.status_code == 200 and "Vous avez quitté la liste d'attente" in text(r)
    assert "Rejoindre la liste d'attente" in text(r)


def test_refused_sign_up_with_htmx_is_a_422_block(client, auth, mission, make_user):
    shift = make_shift(mission)
    auth.login(make_user())
    shift.signup_closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    r = client.post(f"/benevolat/creneaux/{shift.id}/inscription", headers=hx(f"shift-{shift.id}-signup"))
    assert r.status_code == 422
    assert "closes" in text(r)


def test_cancel_after_the_deadline_says_to_contact_the_coordinator(client, auth, mission, make_user):
    shift = make_shift(mission)
    person = make_user()
    services.sign_up(shift, person, by=person)
    shift.signup_closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    auth.login(person)
    r = client.post(f"/benevolat/creneaux/{shift.id}/desinscription")
    assert r.status_code == 303
    assert "prévenez Nadia Coordination" in text(client.get(r.headers["Location"]))
    assert _reload_shift(shift.id).confirmed_count == 1


def test_staff_acting_for_a_habitant_signs_them_up(client, auth, structure, mission, make_user):
    shift = make_shift(mission)
    staff, habitant = make_user(role=Role.STAFF), make_user()
    auth.login(staff)
    with client.session_transaction() as session:
        session[on_behalf.SESSION_KEY] = {"user_id": habitant.id, "structure_id": structure.id}
    assert client.post(f"/benevolat/creneaux/{shift.id}/inscription").status_code == 303
    signup = db.session.scalar(sa.select(Signup))
    assert signup.person_id == habitant.id and signup.recorded_by_id == staff.id


def test_my_shifts_lists_upcoming_waitlist_position_and_past(client, auth, mission, make_user):
    person = make_user()
    full = make_shift(mission, capacity=1, days_ahead=2)
    other = make_user()
    services.sign_up(full, other, by=other)
    services.sign_up(full, person, by=person)
    coming = make_shift(mission, days_ahead=5, place="Salle polyvalente")
    services.sign_up(coming, person, by=person)
    past = make_shift(mission, days_ahead=1)
    services.sign_up(past, person, by=person)
    past.starts_at, past.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=2) + timedelta(hours=2)
    db.session.commit()
    auth.login(person)
    r = client.get("/benevolat/mes-creneaux")
    assert r.status_code == 200
    assert "Liste d'attente : position 1" in text(r)
    assert "Salle polyvalente" in text(r)
    assert "Déjà faits" in text(r)
    assert 'href="/agenda/"' in text(r)


def test_my_shifts_is_empty_with_a_way_to_missions(client, auth, structure, make_user):
    auth.login(make_user())
    r = client.get("/benevolat/mes-creneaux")
    assert "Aucun créneau à venir" in text(r) and 'href="/benevolat/"' in text(r)


def test_agenda_has_confirmed_shifts_and_marks_cancelled_ones(mission, make_user):
    person = make_user()
    kept, dropped, waiting = make_shift(mission), make_shift(mission, days_ahead=4), make_shift(mission, capacity=1)
    other = make_user()
    services.sign_up(waiting, other, by=other)
    for shift in (kept, dropped, waiting):
        services.sign_up(shift, person, by=person)
    services.cancel_shift(dropped, by=mission.coordinators[0].person)
    db.session.commit()
    events = {e.uid: e for e in personal_events(person)}
    assert set(events) == {f"shift-{kept.id}@ensemble", f"shift-{dropped.id}@ensemble"}
    assert events[f"shift-{dropped.id}@ensemble"].cancelled
    assert not events[f"shift-{kept.id}@ensemble"].cancelled
    assert events[f"shift-{kept.id}@ensemble"].summary == "Bénévolat : Aide aux devoirs"


def test_agenda_page_and_ics_show_my_shifts(client, auth, mission, make_user):
    person = make_user()
    services.sign_up(make_shift(mission, place="Salle des familles"), person, by=person)
    db.session.commit()
    auth.login(person)
    assert "Bénévolat : Aide aux devoirs" in text(client.get("/agenda/"))
    ics = client.get("/agenda/mon-agenda.ics")
    assert b"SUMMARY:B\xc3\xa9n\xc3\xa9volat : Aide aux devoirs" in ics.data


def test_home_block_shows_my_next_shift_or_missions_needing_people(client, auth, structure, mission, make_user):
    make_shift(mission, capacity=3)
    person = make_user()
    auth.login(person)
    r = client.get("/")
    assert "Des missions cherchent des bénévoles" in text(r) and "3 places libres" in text(r)
    services.sign_up(make_shift(mission, days_ahead=1, place="Préau de l'école"), person, by=person)
    db.session.commit()
    r = client.get("/")
    assert "Mon prochain créneau de bénévolat" in text(r) and "Préau de l'école" in text(r)


def test_home_block_is_absent_without_open_shifts(client, auth, structure, mission, make_user):
    full = make_shift(mission, capacity=1)
    other = make_user()
    services.sign_up(full, other, by=other)
    db.session.commit()
    auth.login(make_user())
    assert "Des missions cherchent des bénévoles" not in text(client.get("/"))


def _count(client, path: str) -> int:
    db.session.commit()
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_mission_page_and_my_shifts_are_bounded(client, auth, structure, mission, coordinator, make_user):
    person = make_user()
    services.sign_up(make_shift(mission, days_ahead=2), person, by=person)
    auth.login(person)
    one = (_count(client, f"/benevolat/missions/{mission.id}"), _count(client, "/benevolat/mes-creneaux"))
    for days in range(3, 12):
        services.sign_up(make_shift(mission, days_ahead=days, capacity=1), person, by=person)
        other = make_user()
        services.sign_up(make_shift(mission, days_ahead=days, capacity=1), other, by=other)
        services.sign_up(db.session.scalars(sa.select(Shift).order_by(Shift.id.desc())).first(), person, by=person)
    ten = (_count(client, f"/benevolat/missions/{mission.id}"), _count(client, "/benevolat/mes-creneaux"))
    assert one == ten, (one, ten)
    assert max(ten) <= 12
    auth.logout()
    auth.login(coordinator)  # the coordinator's view adds waitlist counts and past shifts
    assert _count(client, f"/benevolat/missions/{mission.id}") <= 12


def test_without_javascript_cancelling_asks_first(client, auth, mission, make_user):
    """The "Me désinscrire" button GETs a confirmation page; only its POST frees the place."""
    shift = make_shift(mission, capacity=1)
    person, waiting = make_user(), make_user()
    services.sign_up(shift, person, by=person)
    services.sign_up(shift, waiting, by=waiting)
    db.session.commit()
    auth.login(person)
    page = client.get(f"/benevolat/creneaux/{shift.id}/desinscription?next=/benevolat/mes-creneaux")
    assert page.status_code == 200
    assert "Vous désinscrire de ce créneau ?" in text(page)
    assert "Votre place ira à la première personne de la liste d'attente" in text(page)
    assert 'href="/benevolat/mes-creneaux"' in page.text  # "Garder ma place" goes back
    assert _reload_shift(shift.id).confirmed_count == 1
    r = client.post(f"/benevolat/creneaux/{shift.id}/desinscription", data={"next": "/benevolat/mes-creneaux"})
    assert r.status_code == 303
    statuses = dict(
        db.session.execute(sa.select(Signup.person_id, Signup.status).where(Signup.shift_id == shift.id)).all()
    )
    assert statuses == {person.id: SignupStatus.CANCELLED, waiting.id: SignupStatus.CONFIRMED}


def test_cancel_confirmation_page_for_someone_not_signed_up(client, auth, mission, make_user):
    shift = make_shift(mission)
    auth.login(make_user())
    page = client.get(f"/benevolat/creneaux/{shift.id}/desinscription")
    assert page.status_code == 200
    assert "Vous n'êtes pas inscrit·e à ce créneau." in text(page)
    assert f'action="/benevolat/creneaux/{shift.id}/desinscription"' not in page.text
