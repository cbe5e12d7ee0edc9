"""The accueil desk: assisted accounts with a one-time code, and acting on a person's behalf."""

import html
import re

import pytest
import sqlalchemy as sa

from app.accounts.models import CreatedVia, User, UserSession
from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.notifications.models import Notification
from tests.helpers import PASSWORD, hx

NEW = "ma phrase à moi seule"


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Martin")


@pytest.fixture
def staff_client(app, staff):
    c = app.test_client()
    assert c.post("/compte/connexion", data={"identifier": staff.username, "password": PASSWORD}).status_code == 303
    return c


def create_assisted(staff_client, structure, **fields) -> tuple[User, str]:
    data = {
        "display_name": "Mme Rose Petit",
        "quartier_id": str(structure.quartiers[0].id),
        "phone": "",
        "birth_year": "1948",
        "age_bracket": "",
        "guardian_name": "",
        "locale": "fr",
        "consent": "y",
    }
    data.update(fields)
    r = staff_client.post("/accueil/nouveau-compte", data=data)
    assert r.status_code == 303, r.text
    person = db.session.scalar(sa.select(User).where(User.created_via == CreatedVia.ASSISTED).order_by(User.id.desc()))
    assert r.headers["Location"] == f"/accueil/fiche/{person.id}"
    sheet = staff_client.get(r.headers["Location"])
    assert sheet.status_code == 200
    codes = re.findall(r'<dd class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</dd>', sheet.text)
    assert len(codes) == 1, sheet.text
    assert f'<dd class="code">{person.username}</dd>' in sheet.text
    return person, codes[0]


def login(client, identifier, secret):
    return client.post("/compte/connexion", data={"identifier": identifier, "password": secret})


def test_staff_creates_an_assisted_account_and_the_code_is_shown_once(staff_client, staff, structure):
    person, code = create_assisted(staff_client, structure)
    assert person.must_set_password is True
    assert person.created_by_id == staff.id
    assert person.email is None
    assert person.membership_in(structure.id).role == Role.HABITANT
    assert code.replace("-", "") not in (person.password_hash or "")

    reloaded = staff_client.get(f"/accueil/fiche/{person.id}")
    assert reloaded.status_code == 200
    assert code not in reloaded.text
    assert not re.search(r'<dd class="code">[A-Z0-9]{5}-', reloaded.text)
    assert person.username in reloaded.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assisted_account_created"))
    assert event.actor_id == staff.id
    assert event.target_id == person.id


def test_assisted_form_errors_are_422(staff_client, structure):
    r = staff_client.post("/accueil/nouveau-compte", data={"display_name": "Rose", "locale": "fr"})
    assert r.status_code == 422
    assert "La personne doit être présente et d" in html.unescape(r.text)
    from app.timeutil import utcnow

    r = staff_client.post(
        "/accueil/nouveau-compte",
        data={"display_name": "Petit Léo", "birth_year": str(utcnow().year - 9), "locale": "fr", "consent": "y"},
    )
    assert r.status_code == 422
    assert "Avant 15 ans, un parent doit donner son accord avec la personne." in r.text
    assert 'value="Petit Léo"' in r.text
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.created_via == CreatedVia.ASSISTED))
        == 0
    )


@pytest.mark.parametrize("typed", ["exact", "lower", "no-dash", "spaces"])
def test_person_logs_in_with_code_in_any_form_and_must_choose_a_password(app, staff_client, structure, typed):
    person, code = create_assisted(staff_client, structure)
    secret = {
        "exact": code,
        "lower": code.lower(),
        "no-dash": code.replace("-", ""),
        "spaces": " " + code.replace("-", " ").lower() + " ",
    }[typed]
    client = app.test_client()
    assert login(client, person.username, secret).status_code == 303

    for path in ["/", "/compte/profil", "/notifications/", "/compte/mes-donnees", "/compte/supprimer"]:
        r = client.get(path)
        assert r.status_code == 302, path
        assert r.headers["Location"] == "/compte/premier-mot-de-passe"
    # A POST elsewhere is turned away too.
    assert client.post("/compte/supprimer", data={"confirm": "SUPPRIMER"}).status_code == 302
    db.session.refresh(person)
    assert person.anonymised_at is None


def test_first_password_replaces_the_code(app, staff_client, structure):
    person, code = create_assisted(staff_client, structure)
    client = app.test_client()
    login(client, person.username.upper(), code)
    page = client.get("/compte/premier-mot-de-passe")
    assert page.status_code == 200
    assert (
        client.post("/compte/premier-mot-de-passe", data={"password": "court", "confirm": "court"}).status_code == 422
    )
    r = client.post("/compte/premier-mot-de-passe", data={"password": NEW, "confirm": NEW})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/compte/premier-mot-de-passe").status_code == 302

    db.session.refresh(person)
    assert person.must_set_password is False
    fresh = app.test_client()
    assert login(fresh, person.username, code).status_code == 422
    assert login(fresh, person.username, NEW).status_code == 303


def test_person_with_a_code_can_log_out(app, staff_client, structure):
    person, code = create_assisted(staff_client, structure)
    client = app.test_client()
    login(client, person.username, code)
    assert client.post("/compte/deconnexion").status_code == 303
    assert client.get("/compte/profil").headers["Location"].startswith("/compte/connexion")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accueil/personnes"),
        ("get", "/accueil/nouveau-compte"),
        ("post", "/accueil/nouveau-compte"),
        ("get", "/accueil/fiche/{id}"),
        ("post", "/accueil/fiche/{id}/nouveau-code"),
        ("post", "/accueil/agir-pour/{id}"),
    ],
)
def test_habitant_cannot_use_the_desk(client, auth, make_user, method, path):
    neighbour = make_user()
    auth.login(make_user(role=Role.COORDINATOR))
    r = getattr(client, method)(path.format(id=neighbour.id))
    assert r.status_code == 403


def test_anonymous_is_sent_to_login_from_the_desk(client, structure):
    r = client.get("/accueil/personnes")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/compte/connexion")


@pytest.fixture
def other_staff_client(app, make_user):
    other = make_structure("Centre social Ailleurs")
    db.session.commit()
    outsider = make_user(other, role=Role.STAFF)
    c = app.test_client()
    assert login(c, outsider.username, PASSWORD).status_code == 303
    return c


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accueil/fiche/{id}"),
        ("post", "/accueil/fiche/{id}/nouveau-code"),
        ("post", "/accueil/agir-pour/{id}"),
    ],
)
def test_staff_of_another_structure_cannot_see_the_person(make_user, other_staff_client, method, path):
    person = make_user()
    password_hash = person.password_hash
    r = getattr(other_staff_client, method)(path.format(id=person.id))
    assert r.status_code == 404
    db.session.refresh(person)
    assert person.password_hash == password_hash


def test_staff_of_another_structure_does_not_find_the_person(make_user, other_staff_client):
    person = make_user(display_name="Rose Petit")
    r = other_staff_client.get("/accueil/personnes", query_string={"q": "rose"})
    assert r.status_code == 200
    assert "Rose Petit" not in r.text
    assert person.username not in r.text


def test_staff_of_another_structure_switching_centre_gets_403(make_user, structure, other_staff_client):
    assert other_staff_client.post("/centre", data={"structure_id": str(structure.id)}).status_code == 303
    person = make_user()
    assert other_staff_client.get("/accueil/personnes").status_code == 403
    assert other_staff_client.post(f"/accueil/agir-pour/{person.id}").status_code == 403


def test_desk_search_finds_people_of_the_structure(staff_client, make_user):
    rose = make_user(display_name="Rose Petit", phone="+33612345678")
    make_user(display_name="Marc Durand")
    r = staff_client.get("/accueil/personnes", query_string={"q": "ROSE"})
    assert "Rose Petit" in r.text
    assert "Marc Durand" not in r.text
    by_phone = staff_client.get("/accueil/personnes", query_string={"q": "06 12 34 56 78"})
    assert rose.username in by_phone.text
    fragment = staff_client.get("/accueil/personnes", query_string={"q": "rose"}, headers=hx("desk-results"))
    assert fragment.text.lstrip().startswith('<section id="desk-results"')
    assert "Rose Petit" in fragment.text


@pytest.mark.parametrize("q", ["%", "_", "\x00", "<script>", "x" * 500])
def test_desk_search_with_odd_text_never_500(staff_client, make_user, q):
    make_user(display_name="Rose Petit")
    r = staff_client.get("/accueil/personnes", query_string={"q": q})
    assert r.status_code == 200
    assert "<script>" not in r.text.split('id="desk-q"')[1][:200]


def test_reissued_code_works_and_invalidates_the_old_password(app, staff_client, structure):
    person, code = create_assisted(staff_client, structure)
    device = app.test_client()
    login(device, person.username, code)
    device.post("/compte/premier-mot-de-passe", data={"password": NEW, "confirm": NEW})
    assert device.get("/compte/profil").status_code == 200

    r = staff_client.post(f"/accueil/fiche/{person.id}/nouveau-code")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/accueil/fiche/{person.id}"
    sheet = staff_client.get(r.headers["Location"])
    [new_code] = re.findall(r'<dd class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</dd>', sheet.text)

    assert device.get("/compte/profil").headers["Location"].startswith("/compte/connexion")  # sessions ended
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == person.id))
        == 0
    )
    fresh = app.test_client()
    assert login(fresh, person.username, NEW).status_code == 422
    assert login(fresh, person.username, code).status_code == 422
    assert login(fresh, person.username, new_code).status_code == 303
    assert fresh.get("/").headers["Location"] == "/compte/premier-mot-de-passe"
    assert (
        db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "one_time_code_issued")) is not None
    )


def test_staff_cannot_reissue_a_code_for_another_staff_member(staff_client, make_user):
    colleague = make_user(role=Role.STAFF)
    assert staff_client.post(f"/accueil/fiche/{colleague.id}/nouveau-code").status_code == 403
    assert login(staff_client.application.test_client(), colleague.username, PASSWORD).status_code == 303


def test_acting_on_behalf(app, staff_client, staff, make_user, structure):
    person = make_user(display_name="Rose Petit")
    r = staff_client.post(f"/accueil/agir-pour/{person.id}")
    assert r.status_code == 303
    assert r.headers["Location"] == "/"

    for path in ["/", "/compte/profil", "/notifications/"]:
        page = html.unescape(staff_client.get(path).text)
        assert "Vous agissez pour Rose Petit." in page, path
    assert "Profil de Rose Petit" in html.unescape(staff_client.get("/compte/profil").text)

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "on_behalf_start"))
    assert event.actor_id == staff.id
    assert event.on_behalf_of_id == person.id
    assert event.structure_id == structure.id
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == person.id))
    assert note.kind == "account.security"
    assert "Julie Martin" in note.message

    # Editing the profile while acting changes the person's profile, recorded as done by staff.
    r = staff_client.post(
        "/compte/profil",
        data={
            "display_name": "Rose Petit-Martin",
            "email": "",
            "phone": "06 98 76 54 32",
            "quartier_id": str(structure.quartiers[1].id),
            "birth_year": "1950",
            "age_bracket": "",
            "gender": "",
            "locale": "fr",
        },
    )
    assert r.status_code == 303
    db.session.refresh(person)
    db.session.refresh(staff)
    assert person.display_name == "Rose Petit-Martin"
    assert person.phone == "+33698765432"
    assert person.membership_in(structure.id).quartier_id == structure.quartiers[1].id
    assert staff.display_name == "Julie Martin"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_updated"))
    assert event.actor_id == staff.id
    assert event.on_behalf_of_id == person.id
    assert event.target_id == person.id

    # Stop acting.
    r = staff_client.post("/accueil/arreter")
    assert r.status_code == 303
    assert r.headers["Location"] == "/accueil/personnes"
    page = html.unescape(staff_client.get("/compte/profil").text)
    assert "Vous agissez pour" not in page
    assert "Mon compte" in page
    stop = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "on_behalf_stop"))
    assert stop.actor_id == staff.id
    assert stop.on_behalf_of_id == person.id


def test_the_person_never_sees_the_banner(app, staff_client, make_user):
    person = make_user()
    staff_client.post(f"/accueil/agir-pour/{person.id}")
    own = app.test_client()
    login(own, person.username, PASSWORD)
    assert "Vous agissez pour" not in own.get("/").text


def test_acting_needs_post(staff_client, make_user):
    person = make_user()
    assert staff_client.get(f"/accueil/agir-pour/{person.id}").status_code == 405
    assert "Vous agissez pour" not in staff_client.get("/").text


def test_staff_cannot_act_for_another_staff_member(staff_client, make_user):
    colleague = make_user(role=Role.STAFF)
    director = make_user(role=Role.ADMIN)
    for other in (colleague, director):
        assert staff_client.post(f"/accueil/agir-pour/{other.id}").status_code == 403
    assert "Vous agissez pour" not in staff_client.get("/").text
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "on_behalf_start")) is None


def test_staff_cannot_act_for_themselves_or_a_deleted_account(staff_client, staff, make_user):
    assert staff_client.post(f"/accueil/agir-pour/{staff.id}").status_code == 403
    assert staff_client.post("/accueil/agir-pour/999999").status_code == 404


def test_acting_ends_when_the_person_is_promoted_to_staff(staff_client, make_user, structure):
    person = make_user()
    staff_client.post(f"/accueil/agir-pour/{person.id}")
    person.membership_in(structure.id).role = Role.STAFF
    db.session.commit()
    assert "Vous agissez pour" not in staff_client.get("/").text


def test_own_account_pages_are_closed_while_acting_for_someone(client, auth, make_user):
    """Deleting or exporting while the banner says "acting for X" would hit the wrong person."""
    from app.accounts.models import User
    from app.audit import AuditEvent
    from app.centres.models import Role
    from app.extensions import db

    staff = make_user(role=Role.STAFF)
    person = make_user()
    auth.login(staff)
    assert client.post(f"/accueil/agir-pour/{person.id}").status_code == 303
    for url in ("/compte/supprimer", "/compte/mes-donnees", "/compte/mes-donnees.json"):
        r = client.get(url)
        assert r.status_code == 303 and r.headers["Location"] == "/compte/profil", url
    r = client.post("/compte/supprimer", data={"confirm": "SUPPRIMER"})
    assert r.status_code == 303
    assert db.session.get(User, staff.id).anonymised_at is None
    # Logging out while acting ends the mode in the journal too.
    auth.logout()
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert "on_behalf_stop" in actions
