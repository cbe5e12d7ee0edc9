"""Registration: with or without e-mail, confirmation link, no enumeration, 422 with values kept."""

import html

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.audit import AuditEvent
from app.centres.models import Membership
from app.extensions import db

GOOD_PASSWORD = "le marché du jeudi"


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


@pytest.fixture
def register(client, structure):
    """POST the registration form with sensible defaults, overridden by keyword arguments."""

    def post(**fields):
        data = {
            "display_name": "Fatou Diop",
            "email": "",
            "phone": "",
            "password": GOOD_PASSWORD,
            "quartier_id": str(structure.quartiers[0].id),
            "birth_year": "",
            "age_bracket": "",
            "guardian_name": "",
            "locale": "fr",
            "accept": "y",
        }
        data.update(fields)
        return client.post("/compte/inscription", data=data)

    return post


def test_registration_page_is_a_form(client, structure):
    r = client.get("/compte/inscription")
    assert r.status_code == 200
    assert 'id="register-form"' in r.text
    assert 'name="csrf_token"' in r.text


def test_registration_without_email_logs_in_and_shows_username(client, register):
    r = register(display_name="Fatou Diop")
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/bienvenue"
    user = db.session.scalar(sa.select(User))
    assert user.display_name == "Fatou Diop"
    assert user.username.startswith("fatou.")
    assert user.email is None
    assert user.password_hash and GOOD_PASSWORD not in user.password_hash
    assert db.session.scalar(sa.select(Membership.user_id)) == user.id

    r = client.get("/compte/bienvenue")
    assert r.status_code == 200
    assert "Bienvenue, Fatou Diop !" in r.text
    assert user.username in r.text
    # Logged in: the profile opens.
    assert client.get("/compte/profil").status_code == 200


def test_registration_with_phone_normalises_it(client, register):
    r = register(phone="06 12 34 56 78")
    assert r.status_code == 303
    assert db.session.scalar(sa.select(User.phone)) == "+33612345678"


def test_registration_with_email_waits_for_confirmation(client, register, mail):
    r = register(email="Fatou@Exemple.test")
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/inscription/verifiez-vos-e-mails"
    user = db.session.scalar(sa.select(User))
    assert user.email == "fatou@exemple.test"
    assert user.email_confirmed_at is None

    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    assert "Vérifiez vos e-mails" in page.text
    # Not logged in.
    assert client.get("/compte/profil").status_code == 302

    message = mail.last_to("fatou@exemple.test")
    assert message["Subject"] == "Confirmez votre adresse e-mail — Ensemble"
    assert user.username in mail.body(message)
    path = mail.link_in_last("fatou@exemple.test", "/compte/confirmer/")

    # Opening the link (as a mail scanner would) changes nothing: it shows a button.
    page = client.get(path)
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert "Confirmer et me connecter" in page.text
    db.session.refresh(user)
    assert user.email_confirmed_at is None

    r = client.post(path)
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    assert client.get("/compte/profil").status_code == 200

    # The link works once.
    again = client.get(path)
    assert "Ce lien n'est plus valable" in html.unescape(again.text)
    assert "Confirmer et me connecter" not in again.text


def test_confirmation_link_flashes_after_confirming(client, register, mail):
    register(email="awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/confirmer/")
    r = client.post(path, follow_redirects=True)
    assert r.status_code == 200
    assert "Votre adresse est confirmée. Bienvenue !" in r.text


def test_used_confirmation_link_posted_again_goes_to_login(client, register, mail):
    register(email="awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/confirmer/")
    other = client.application.test_client()
    assert other.post(path).status_code == 303
    r = client.post(path)
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/connexion"


def test_registering_twice_with_one_address_gives_the_same_page_and_warns_the_owner(client, register, mail):
    first = register(email="awa@exemple.test", display_name="Awa")
    assert count_users() == 1
    mail.clear()

    second = register(email="AWA@exemple.test", display_name="Quelqu'un d'autre", password="une autre phrase longue")
    assert second.status_code == first.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert count_users() == 1
    assert db.session.scalar(sa.select(User.display_name)) == "Awa"

    messages = mail.to("awa@exemple.test")
    assert [m["Subject"] for m in messages] == ["Vous avez déjà un compte — Ensemble"]
    assert "/compte/mot-de-passe-oublie" in mail.body(messages[0])
    # Not logged in as anyone.
    assert client.get("/compte/profil").status_code == 302


def test_short_password_is_422_with_message_and_values_kept(client, register):
    r = register(display_name="Mireille", email="mireille@exemple.test", phone="06 11 22 33 44", password="court")
    assert r.status_code == 422
    assert "Au moins 12 caractères" in r.text
    assert 'value="Mireille"' in r.text
    assert 'value="mireille@exemple.test"' in r.text
    assert 'value="06 11 22 33 44"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert count_users() == 0


def test_missing_consent_box_is_422(client, register):
    r = register(accept="")
    assert r.status_code == 422
    assert "Cochez cette case pour continuer." in r.text
    assert count_users() == 0


def test_under_15_without_guardian_is_422(client, register):
    from app.timeutil import utcnow

    r = register(display_name="Lina", birth_year=str(utcnow().year - 12))
    assert r.status_code == 422
    assert "Avant 15 ans, un parent doit donner son accord avec vous." in r.text
    assert 'value="Lina"' in r.text
    assert count_users() == 0


def test_under_15_age_bracket_without_guardian_is_422(client, register):
    r = register(age_bracket="0-10")
    assert r.status_code == 422
    assert count_users() == 0


def test_under_15_with_guardian_is_registered_with_consent(client, register):
    from app.timeutil import utcnow

    r = register(display_name="Lina", birth_year=str(utcnow().year - 12), guardian_name="Samia Benali")
    assert r.status_code == 303
    user = db.session.scalar(sa.select(User))
    assert user.guardian_name == "Samia Benali"
    assert user.guardian_consent_at is not None


def test_registration_is_audited(client, register):
    register()
    user = db.session.scalar(sa.select(User))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "register"))
    assert event is not None
    assert event.actor_id == user.id


def test_logged_in_person_is_sent_home_from_registration(client, register):
    register()
    r = client.get("/compte/inscription")
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


def test_htmx_registration_error_returns_the_form_fragment(client, structure):
    from tests.helpers import hx

    r = client.post(
        "/compte/inscription",
        data={"display_name": "Awa", "password": "court", "locale": "fr", "accept": "y"},
        headers=hx("register-form"),
    )
    assert r.status_code == 422
    assert "<html" not in r.text
    assert r.text.lstrip().startswith('<form id="register-form"')
    assert 'value="Awa"' in r.text


HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    '<a hx-get="/compte/supprimer" hx-trigger="load">x</a>',
    "N'Diaye",
    "\u202eRTL\u202c Ahmed",
    "x" * 5000,
    "nul\x00byte",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_500_and_is_escaped(client, register, text):
    r = register(display_name=text, email="", phone=text[:30], gender=text)
    assert r.status_code in (303, 422), r.text[:500]
    if r.status_code == 303:
        page = client.get("/compte/bienvenue")
        body = page.text
    else:
        body = r.text
    assert "<script>alert(1)</script>" not in body
    assert '" onmouseover="' not in body
    assert 'hx-get="/compte/supprimer"' not in body


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "N'Diaye", "\u202eRTL\u202c Ahmed"])
def test_hostile_names_that_are_accepted_are_stored_as_typed_and_escaped(client, register, text):
    r = register(display_name=text)
    assert r.status_code == 303
    assert db.session.scalar(sa.select(User.display_name)) == text
    body = client.get("/compte/bienvenue").text
    from markupsafe import escape

    assert str(escape(text)) in body


@pytest.mark.parametrize("field", ["email", "phone", "password", "guardian_name", "birth_year", "quartier_id"])
def test_hostile_values_in_every_field_never_500(client, register, field):
    for text in HOSTILE:
        r = register(**{field: text})
        assert r.status_code in (303, 422), (field, text, r.status_code)
        client.post("/compte/deconnexion")


def test_confirmation_email_is_in_the_chosen_language(client, register, mail):
    register(email="john@exemple.test", locale="en")
    assert mail.last_to("john@exemple.test")["Subject"] == "Confirm your email address — Ensemble"
    register(email="awa@exemple.test", locale="fr")
    assert mail.last_to("awa@exemple.test")["Subject"] == "Confirmez votre adresse e-mail — Ensemble"
