"""Password reset: no enumeration, the real e-mailed link works once, expires, ends old sessions."""

import html
from datetime import timedelta

import sqlalchemy as sa

from app.accounts.models import EmailToken, TokenPurpose, UserSession
from app.extensions import db
from app.timeutil import utcnow
from tests.helpers import PASSWORD

NEW = "une phrase toute neuve"
SENT = "Si un compte avec une adresse e-mail correspond, un lien vient d'y être envoyé."


def ask(client, identifier):
    return client.post("/compte/mot-de-passe-oublie", data={"identifier": identifier}, follow_redirects=True)


def test_same_answer_for_known_and_unknown_identifiers(client, make_user, mail):
    make_user(email="awa@exemple.test", username="awa.1000")
    answers = [ask(client, who) for who in ["awa@exemple.test", "awa.1000", "inconnue@exemple.test", "personne.0"]]
    for r in answers:
        assert r.status_code == 200
        assert r.request.path == "/compte/connexion"
        assert SENT in html.unescape(r.text)
    assert [m["Subject"] for m in mail.to("awa@exemple.test")] == ["Réinitialiser votre mot de passe — Ensemble"] * 2
    assert mail.to("inconnue@exemple.test") == []


def test_account_without_email_gets_nothing(client, make_user, mail):
    make_user(email=None, username="sans.mail")
    assert SENT in html.unescape(ask(client, "sans.mail").text)
    assert mail.messages == []


def test_reset_link_works_once_and_logs_in(client, make_user, mail):
    user = make_user(email="awa@exemple.test")
    ask(client, "awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/")

    form = client.get(path)
    assert form.status_code == 200
    assert 'name="password"' in form.text

    short = client.post(path, data={"password": "court", "confirm": "court"})
    assert short.status_code == 422  # a mistake does not use the link up

    r = client.post(path, data={"password": NEW, "confirm": NEW})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert client.get("/compte/profil").status_code == 200

    again = client.get(path)
    assert again.status_code == 404
    assert "Ce lien n'est plus valable" in html.unescape(again.text)
    assert (
        client.application.test_client()
        .post(path, data={"password": "encore une autre", "confirm": "encore une autre"})
        .status_code
        == 404
    )

    fresh = client.application.test_client()
    assert fresh.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD}).status_code == 422
    assert fresh.post("/compte/connexion", data={"identifier": user.username, "password": NEW}).status_code == 303


def test_expired_link_is_404(client, make_user, mail):
    make_user(email="awa@exemple.test")
    ask(client, "awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/")
    row = db.session.scalar(sa.select(EmailToken).where(EmailToken.purpose == TokenPurpose.RESET))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 404


def test_unknown_or_confirmation_token_is_404(client, make_user, mail, structure):
    assert client.get("/compte/reinitialiser/nimporte-quoi").status_code == 404
    # A confirmation link's token cannot be used to reset a password.
    user = make_user(email="awa@exemple.test", confirmed=False)
    client.post("/compte/connexion", data={"identifier": "awa@exemple.test", "password": PASSWORD})
    confirm_path = mail.link_in_last("awa@exemple.test", "/compte/confirmer/")
    token = confirm_path.rsplit("/", 1)[1]
    assert client.get(f"/compte/reinitialiser/{token}").status_code == 404
    assert user.email_confirmed_at is None


def test_reset_ends_every_old_session(app, make_user, mail):
    user = make_user(email="awa@exemple.test")
    old_device = app.test_client()
    old_device.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert old_device.get("/compte/profil").status_code == 200

    browser = app.test_client()
    ask(browser, "awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/")
    assert browser.post(path, data={"password": NEW, "confirm": NEW}).status_code == 303

    assert old_device.get("/compte/profil").status_code == 302
    assert browser.get("/compte/profil").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1


def test_reset_confirms_an_unconfirmed_address(client, make_user, mail):
    user = make_user(email="awa@exemple.test", confirmed=False)
    ask(client, "awa@exemple.test")
    path = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/")
    client.post(path, data={"password": NEW, "confirm": NEW})
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_tokens_are_stored_hashed(client, make_user, mail):
    make_user(email="awa@exemple.test")
    ask(client, "awa@exemple.test")
    token = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/").rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(EmailToken.token_hash))
    assert token not in stored
    assert len(stored) == 64


def test_control_characters_in_the_identifier_never_500(client, structure, mail):
    for identifier in ["nul\x00byte@exemple.test", "nul\x00byte", "06\x0012345678"]:
        r = client.post("/compte/mot-de-passe-oublie", data={"identifier": identifier})
        assert r.status_code == 422, identifier
        assert "Ce texte contient des caractères non autorisés." in r.text
    assert mail.messages == []
