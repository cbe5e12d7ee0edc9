"""Profile, my data (RGPD access and portability) and account deletion (anonymisation)."""

import html
import json

import sqlalchemy as sa

from app.accounts.models import EmailToken, User, UserSession
from app.audit import AuditEvent
from app.centres.models import Membership
from app.extensions import db
from app.ledger.models import LedgerEntry, Level
from app.ledger.queries import count_participants
from app.ledger.services import record_participation
from app.notifications.models import Notification
from tests.helpers import hx


def profile_data(structure, **fields):
    data = {
        "display_name": "Awa Traoré",
        "email": "",
        "phone": "",
        "quartier_id": str(structure.quartiers[1].id),
        "birth_year": "1985",
        "age_bracket": "",
        "gender": "femme",
        "locale": "fr",
    }
    data.update(fields)
    return data


def test_profile_page_shows_the_person(client, auth, make_user):
    user = make_user(display_name="Awa", email="awa@exemple.test", phone="+33612345678")
    auth.login(user)
    r = client.get("/compte/profil")
    assert r.status_code == 200
    assert 'value="Awa"' in r.text
    assert 'value="awa@exemple.test"' in r.text
    assert user.username in r.text


def test_profile_edit_is_post_redirect_get_with_flash(client, auth, make_user, structure):
    user = make_user(email="awa@exemple.test")
    auth.login(user)
    r = client.post("/compte/profil", data=profile_data(structure, email="awa@exemple.test", phone="06 12 34 56 78"))
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/profil"
    page = client.get("/compte/profil")
    assert "Profil enregistré." in page.text
    assert "Un lien de confirmation" not in page.text

    db.session.refresh(user)
    assert user.display_name == "Awa Traoré"
    assert user.phone == "+33612345678"
    assert user.birth_year == 1985
    assert user.gender == "femme"
    assert user.email_confirmed_at is not None
    assert user.membership_in(structure.id).quartier_id == structure.quartiers[1].id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_updated"))
    assert event.actor_id == user.id
    assert event.on_behalf_of_id is None


def test_profile_error_is_422_with_values_kept(client, auth, make_user, structure):
    auth.login(make_user())
    r = client.post("/compte/profil", data=profile_data(structure, display_name="", gender="non-binaire", phone="12"))
    assert r.status_code == 422
    assert "Indiquez un nom." in r.text
    assert "Ce numéro ne semble pas valide" in html.unescape(r.text)
    assert 'value="non-binaire"' in r.text
    assert "<html" in r.text


def test_htmx_profile_error_returns_the_fragment(client, auth, make_user, structure):
    auth.login(make_user())
    r = client.post("/compte/profil", data=profile_data(structure, display_name=""), headers=hx("profile-form"))
    assert r.status_code == 422
    assert "<html" not in r.text
    assert r.text.lstrip().startswith('<form id="profile-form"')
    assert "Indiquez un nom." in r.text


def test_htmx_profile_success_redirects_with_hx_location(client, auth, make_user, structure):
    user = make_user()
    auth.login(user)
    r = client.post("/compte/profil", data=profile_data(structure, display_name="Awa"), headers=hx("profile-form"))
    assert r.status_code == 200
    assert "/compte/profil" in r.headers["HX-Location"]
    assert "Location" not in r.headers
    db.session.refresh(user)
    assert user.display_name == "Awa"


def test_boosted_profile_post_takes_the_no_js_path(client, auth, make_user, structure):
    auth.login(make_user())
    r = client.post("/compte/profil", data=profile_data(structure), headers=hx(boosted=True))
    assert r.status_code == 303
    assert "HX-Location" not in r.headers


def test_changing_email_sends_a_confirmation_to_the_new_address(client, auth, make_user, structure, mail):
    user = make_user(email="ancienne@exemple.test")
    auth.login(user)
    r = client.post(
        "/compte/profil", data=profile_data(structure, email="Nouvelle@Exemple.test"), follow_redirects=True
    )
    assert "Un lien de confirmation a été envoyé à la nouvelle adresse e-mail." in html.unescape(r.text)
    db.session.refresh(user)
    assert user.email == "nouvelle@exemple.test"
    assert user.email_confirmed_at is None
    assert mail.last_to("nouvelle@exemple.test")["Subject"] == "Confirmez votre adresse e-mail — Ensemble"
    assert mail.to("ancienne@exemple.test") == []
    path = mail.link_in_last("nouvelle@exemple.test", "/compte/confirmer/")
    assert client.post(path).status_code == 303
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_taking_someone_elses_address_changes_nothing(client, auth, make_user, structure, mail):
    make_user(email="prise@exemple.test")
    user = make_user(email="awa@exemple.test")
    auth.login(user)
    assert client.post("/compte/profil", data=profile_data(structure, email="prise@exemple.test")).status_code == 303
    db.session.refresh(user)
    assert user.email == "awa@exemple.test"
    assert mail.to("prise@exemple.test") == []


def test_removing_email(client, auth, make_user, structure):
    user = make_user(email="awa@exemple.test")
    auth.login(user)
    client.post("/compte/profil", data=profile_data(structure, email=""))
    db.session.refresh(user)
    assert user.email is None
    assert user.email_confirmed_at is None


def test_my_data_page_lists_the_account(client, auth, make_user, structure):
    user = make_user(display_name="Awa Traoré", email="awa@exemple.test", phone="+33612345678", birth_year=1985)
    auth.login(user)
    r = client.get("/compte/mes-donnees")
    assert r.status_code == 200
    text = html.unescape(r.text)
    for value in [
        "Awa Traoré",
        user.username,
        "awa@exemple.test",
        "+33612345678",
        "1985",
        structure.name,
        structure.quartiers[0].name,
    ]:
        assert value in text, value


def test_my_data_json_download(client, auth, make_user, structure):
    user = make_user(email="awa@exemple.test")
    record_participation(user, structure_id=structure.id, kind="meeting.attend", level=Level.L0_PRESENCE)
    db.session.commit()
    auth.login(user)
    r = client.get("/compte/mes-donnees.json")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(r.text)
    assert data["compte"]["identifiant"] == user.username
    assert data["compte"]["email"] == "awa@exemple.test"
    assert data["centres"][0]["centre"] == structure.name
    assert [p["quoi"] for p in data["participation"]] == ["meeting.attend"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "data_export"))
    assert event is not None
    assert event.actor_id == user.id
    assert event.target_id == user.id


def test_my_data_needs_login(client, structure):
    assert client.get("/compte/mes-donnees.json").status_code == 302
    assert client.get("/compte/mes-donnees").status_code == 302


def test_delete_account_wrong_word_is_422(client, auth, make_user):
    user = make_user()
    auth.login(user)
    assert client.get("/compte/supprimer").status_code == 200
    r = client.post("/compte/supprimer", data={"confirm": "oui"})
    assert r.status_code == 422
    assert "Tapez SUPPRIMER pour confirmer." in r.text
    db.session.refresh(user)
    assert user.anonymised_at is None
    assert client.get("/compte/profil").status_code == 200


def test_delete_account_anonymises_and_keeps_counted_acts(app, client, auth, make_user, structure):
    user = make_user(
        display_name="Awa Traoré", email="awa@exemple.test", phone="+33612345678", birth_year=1985, gender="femme"
    )
    user_id = user.id
    record_participation(user, structure_id=structure.id, kind="meeting.attend", level=Level.L0_PRESENCE)
    db.session.commit()
    assert count_participants(structure.id) == 1
    other_device = app.test_client()
    other_device.post("/compte/connexion", data={"identifier": user.username, "password": "motdepasse-de-test"})
    auth.login(user)
    client.post("/compte/mot-de-passe-oublie", data={"identifier": "awa@exemple.test"})  # a pending token

    r = client.post("/compte/supprimer", data={"confirm": " supprimer "})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert client.get("/compte/profil").status_code == 302
    assert other_device.get("/compte/profil").status_code == 302

    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.anonymised_at is not None
    assert user.username == f"supprime-{user_id}"
    assert user.email is None and user.email_confirmed_at is None
    assert user.phone is None
    assert user.birth_year is None and user.age_bracket is None and user.gender is None
    assert user.password_hash is None
    assert user.display_name != "Awa Traoré"
    for model in (Membership, UserSession, EmailToken, Notification):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.user_id == user_id)) == 0

    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 1
    assert count_participants(structure.id) == 1

    # The old identifiers lead nowhere.
    fresh = app.test_client()
    for identifier in ["awa@exemple.test", "06 12 34 56 78", f"supprime-{user_id}"]:
        assert (
            fresh.post(
                "/compte/connexion", data={"identifier": identifier, "password": "motdepasse-de-test"}
            ).status_code
            == 422
        )


def test_deleted_address_can_register_again(client, auth, make_user, structure):
    user = make_user(email="awa@exemple.test")
    auth.login(user)
    client.post("/compte/supprimer", data={"confirm": "SUPPRIMER"})
    r = client.post(
        "/compte/inscription",
        data={
            "display_name": "Awa",
            "email": "awa@exemple.test",
            "password": "une phrase assez longue",
            "locale": "fr",
            "accept": "y",
        },
    )
    assert r.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "awa@exemple.test")) == 1


HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    '<b hx-get="/compte/supprimer">',
    "N'Diaye",
    "x" * 5000,
    "a\x00b",
]


def test_hostile_profile_values_never_500_and_are_escaped(client, auth, make_user, structure):
    auth.login(make_user())
    for text in HOSTILE:
        for field in ("display_name", "gender", "email", "phone", "birth_year", "quartier_id", "locale"):
            r = client.post("/compte/profil", data=profile_data(structure, **{field: text}))
            assert r.status_code in (303, 422), (field, text, r.status_code)
            page = client.get("/compte/profil").text if r.status_code == 303 else r.text
            assert "<script>alert(1)</script>" not in page
            assert '" onmouseover="' not in page
            assert '<b hx-get="/compte/supprimer">' not in page
