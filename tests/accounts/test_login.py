"""Login and sessions: identifiers, same answer for every failure, `next`, revocable sessions."""

import html
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import UserSession
from app.extensions import db
from app.notifications.models import Notification
from tests.helpers import PASSWORD

WRONG = "Identifiant ou mot de passe incorrect."


def field_errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>(.*?)</p>', html.unescape(response.text))


def stays_on_site(location: str) -> bool:
    """A browser resolving this Location stays on our origin (backslashes count as slashes)."""
    return location.startswith("/") and not location.replace("\\", "/").startswith("//")


def logged_in_as(client) -> str | None:
    """The username shown on the profile page, or None when the client is not logged in."""
    r = client.get("/compte/profil")
    if r.status_code != 200:
        return None
    match = re.search(r"Identifiant de connexion : (\S+)</p>", html.unescape(r.text))
    return match.group(1) if match else None


def sessions_of(user) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)))


def test_login_page(client, structure):
    r = client.get("/compte/connexion")
    assert r.status_code == 200
    assert 'name="identifier"' in r.text


def test_login_by_email_any_case(client, auth, make_user):
    user = make_user(email="awa@exemple.test")
    r = auth.login(" AWA@Exemple.test ")
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert logged_in_as(client) == user.username


def test_login_by_username(client, auth, make_user):
    user = make_user(username="awa.1234")
    assert auth.login("Awa.1234").status_code == 303
    assert logged_in_as(client) == user.username


def test_two_accounts_sharing_one_phone_each_log_in_with_their_own_password(app, make_user):
    mother = make_user(phone="+33612345678", password="mot de passe de maman")
    son = make_user(phone="+33612345678", password="mot de passe du fils")
    first, second = app.test_client(), app.test_client()
    r = first.post("/compte/connexion", data={"identifier": "06 12 34 56 78", "password": "mot de passe du fils"})
    assert r.status_code == 303
    r = second.post("/compte/connexion", data={"identifier": "06.12.34.56.78", "password": "mot de passe de maman"})
    assert r.status_code == 303
    assert logged_in_as(first) == son.username
    assert logged_in_as(second) == mother.username


def test_wrong_password_and_unknown_account_get_the_same_422(client, auth, make_user):
    user = make_user(email="awa@exemple.test")
    wrong = auth.login(user, "pas le bon mot de passe")
    unknown = auth.login("personne@exemple.test", "pas le bon mot de passe")
    unknown_name = auth.login("inconnu.0000", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == unknown_name.status_code == 422
    assert field_errors(wrong) == field_errors(unknown) == field_errors(unknown_name) == [WRONG]
    assert logged_in_as(client) is None


def test_blocked_account_cannot_log_in(client, auth, make_user):
    user = make_user(is_blocked=True)
    r = auth.login(user)
    assert r.status_code == 422
    assert field_errors(r) == [WRONG]
    assert logged_in_as(client) is None
    assert sessions_of(user) == []


def test_blocked_account_loses_its_open_session(client, auth, make_user):
    user = make_user()
    auth.login(user)
    user.is_blocked = True
    db.session.commit()
    assert logged_in_as(client) is None


def test_unconfirmed_address_gets_the_link_again(client, auth, make_user, mail):
    user = make_user(email="awa@exemple.test", confirmed=False)
    r = auth.login("awa@exemple.test")
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/inscription/verifiez-vos-e-mails"
    assert mail.last_to("awa@exemple.test")["Subject"] == "Confirmez votre adresse e-mail — Ensemble"
    assert logged_in_as(client) is None
    assert sessions_of(user) == []
    # The link in that message logs in.
    path = mail.link_in_last("awa@exemple.test", "/compte/confirmer/")
    assert client.post(path).status_code == 303
    assert logged_in_as(client) == user.username


def test_unconfirmed_address_with_wrong_password_sends_nothing(client, auth, make_user, mail):
    make_user(email="awa@exemple.test", confirmed=False)
    assert auth.login("awa@exemple.test", "pas le bon mot de passe").status_code == 422
    assert mail.to("awa@exemple.test") == []


def test_login_required_pages_send_to_login_with_next(client, structure):
    r = client.get("/compte/profil")
    assert r.status_code == 302
    assert r.headers["Location"] == "/compte/connexion?next=%2Fcompte%2Fprofil"


def test_next_is_honoured_for_our_own_path(client, make_user):
    user = make_user()
    r = client.post("/compte/connexion?next=/compte/profil", data={"identifier": user.username, "password": PASSWORD})
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/profil"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/compte/profil",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()
    r = client.post(
        "/compte/connexion", query_string={"next": target}, data={"identifier": user.username, "password": PASSWORD}
    )
    assert r.status_code == 303
    # `/\evil.example` comes back percent-encoded (`/%5Cevil.example`): a path of our own site.
    assert stays_on_site(r.headers["Location"])


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_logged_in_visit_to_login_with_hostile_next_goes_home(client, auth, make_user, target):
    auth.login(make_user())
    r = client.get("/compte/connexion", query_string={"next": target})
    assert r.status_code == 302
    assert stays_on_site(r.headers["Location"])


def test_session_token_is_rotated_at_each_login(client, auth, make_user):
    user = make_user()
    auth.login(user)
    [first_hash] = [row.token_hash for row in sessions_of(user)]
    first_cookie = client.get_cookie("session").value

    auth.logout()
    assert sessions_of(user) == []
    auth.login(user)
    [second_hash] = [row.token_hash for row in sessions_of(user)]
    assert second_hash != first_hash
    assert client.get_cookie("session").value != first_cookie


def test_old_cookie_no_longer_authenticates_after_logout(client, auth, make_user):
    user = make_user()
    auth.login(user)
    stolen = client.get_cookie("session").value
    assert auth.logout().status_code == 303
    assert logged_in_as(client) is None

    thief = client.application.test_client()
    thief.set_cookie("session", stolen, domain="localhost")
    assert logged_in_as(thief) is None


def test_session_cookie_taken_before_login_is_not_logged_in(client, auth, make_user):
    user = make_user()
    client.get("/compte/connexion")
    before = client.get_cookie("session").value
    auth.login(user)
    other = client.application.test_client()
    other.set_cookie("session", before, domain="localhost")
    assert logged_in_as(other) is None
    assert logged_in_as(client) == user.username


def test_logout_ends_only_this_session(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        assert (
            device.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD}).status_code
            == 303
        )
    assert len(sessions_of(user)) == 2

    r = phone.post("/compte/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté·e. À bientôt !" in r.text
    assert logged_in_as(phone) is None
    assert logged_in_as(laptop) == user.username
    assert len(sessions_of(user)) == 1


def test_logout_needs_post(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/compte/deconnexion").status_code == 405


def test_changing_password_ends_other_sessions_and_notifies(app, make_user, mail):
    user = make_user(email="awa@exemple.test")
    here, elsewhere = app.test_client(), app.test_client()
    for device in (here, elsewhere):
        device.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    mail.clear()

    r = here.post(
        "/compte/mot-de-passe",
        data={"pw-current": PASSWORD, "pw-password": "une nouvelle phrase", "pw-confirm": "une nouvelle phrase"},
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/profil"
    assert logged_in_as(here) == user.username
    assert logged_in_as(elsewhere) is None
    assert len(sessions_of(user)) == 1

    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == user.id))
    assert note.kind == "account.security"
    assert "mot de passe de votre compte a été changé" in note.message
    assert "mot de passe de votre compte a été changé" in mail.body(mail.last_to("awa@exemple.test"))

    fresh = app.test_client()
    old = fresh.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert old.status_code == 422
    new = fresh.post("/compte/connexion", data={"identifier": user.username, "password": "une nouvelle phrase"})
    assert new.status_code == 303


def test_changing_password_needs_the_current_one(client, auth, make_user):
    user = make_user()
    auth.login(user)
    r = client.post(
        "/compte/mot-de-passe",
        data={"pw-current": "pas le bon", "pw-password": "une nouvelle phrase", "pw-confirm": "une nouvelle phrase"},
    )
    assert r.status_code == 422
    assert "Le mot de passe actuel est incorrect." in html.unescape(r.text)


def test_changing_password_rejects_short_or_different(client, auth, make_user):
    auth.login(make_user())
    r = client.post(
        "/compte/mot-de-passe", data={"pw-current": PASSWORD, "pw-password": "court", "pw-confirm": "court"}
    )
    assert r.status_code == 422
    assert "Au moins 12 caractères" in r.text
    r = client.post(
        "/compte/mot-de-passe",
        data={"pw-current": PASSWORD, "pw-password": "une nouvelle phrase", "pw-confirm": "une autre phrase"},
    )
    assert r.status_code == 422
    assert "Les deux mots de passe sont différents." in r.text


def test_logout_everywhere_keeps_this_device(app, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    for device in (here, elsewhere):
        device.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert here.post("/compte/deconnecter-partout").status_code == 303
    assert logged_in_as(here) == user.username
    assert logged_in_as(elsewhere) is None


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_remember_me_cookie_only_when_asked(app, make_user):
    user = make_user()
    plain = app.test_client().post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    assert not any(c.startswith("remember_token=") for c in _set_cookies(plain))

    remembered = app.test_client().post(
        "/compte/connexion", data={"identifier": user.username, "password": PASSWORD, "remember": "y"}
    )
    cookies = [c for c in _set_cookies(remembered) if c.startswith("remember_token=")]
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0]
    assert "SameSite=Lax" in cookies[0]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookies[0]).group(1))
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    # A remembered login lasts 30 days on the server too; a plain one, a working day.
    longest, shortest = sorted(s.expires_at - s.created_at for s in sessions_of(user))[::-1]
    assert 29 <= longest.days <= 30
    assert shortest.days == 0


def test_remember_cookie_alone_logs_in_and_dies_with_logout(app, make_user):
    user = make_user()
    device = app.test_client()
    device.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD, "remember": "y"})
    remember = device.get_cookie("remember_token").value

    reopened = app.test_client()  # the browser was closed: only the remember cookie is left
    reopened.set_cookie("remember_token", remember, domain="localhost")
    assert logged_in_as(reopened) == user.username

    device.post("/compte/deconnexion")
    again = app.test_client()
    again.set_cookie("remember_token", remember, domain="localhost")
    assert logged_in_as(again) is None


def test_expired_session_no_longer_authenticates(client, auth, make_user):
    from app.timeutil import utcnow

    user = make_user()
    auth.login(user)
    [row] = sessions_of(user)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert logged_in_as(client) is None


def test_login_with_control_characters_never_500(client, structure):
    for identifier in ["nul\x00byte@exemple.test", "nul\x00byte", "06\x0012345678", "x" * 300]:
        r = client.post("/compte/connexion", data={"identifier": identifier, "password": "peu importe ici"})
        assert r.status_code == 422, identifier
