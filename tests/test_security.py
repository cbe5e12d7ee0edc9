"""Security rules of architecture.md: CSRF on every POST, headers, cookies, startup guard, errors, audit."""

import html
import json
import re

import pytest
import sqlalchemy as sa
from flask import url_for

from app import create_app
from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from config import DEV_SECRET_KEY, TestConfig
from tests.helpers import PASSWORD, hx


def post_rules(app):
    """Every (endpoint, url) that accepts POST, with placeholder values for URL parameters."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods:
                found.append((rule.endpoint, url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1))))
    return sorted(found)


def test_the_post_routes_are_all_found(app):
    endpoints = {endpoint for endpoint, _url in post_rules(app)}
    # A sample that must be there: if iteration broke, the CSRF test below would pass vacuously.
    assert {
        "accounts.login",
        "accounts.logout",
        "accounts.register",
        "accounts.delete_account",
        "accounts.act_for",
        "notifications.unsubscribe",
        "core.set_language",
    } <= endpoints


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_post_route_rejects_a_request_without_csrf_token(app, client, auth, make_user, who):
    user = make_user(role=Role.STAFF)
    if who == "staff":
        auth.login(user)
    rules = post_rules(app)
    assert rules
    for endpoint, url in rules:
        r = client.post(url, data={"confirm": "SUPPRIMER", "identifier": user.username}, csrf=False)
        assert r.status_code == 400, (endpoint, url, r.status_code)
        assert "Le formulaire a expiré" in html.unescape(r.text), endpoint
    if who == "staff":
        # Still logged in: the logout without a token did nothing.
        assert client.get("/compte/profil").status_code == 200
    db.session.refresh(user)
    assert user.anonymised_at is None


def test_a_wrong_csrf_token_is_refused(client, auth, make_user):
    auth.login(make_user())
    r = client.post("/compte/deconnexion", data={"csrf_token": "faux"}, csrf=False)
    assert r.status_code == 400
    r = client.post("/compte/deconnexion", headers={"X-CSRFToken": "faux"}, csrf=False)
    assert r.status_code == 400
    assert client.get("/compte/profil").status_code == 200


def test_another_sessions_csrf_token_is_refused(app, client, auth, make_user):
    auth.login(make_user())
    attacker = app.test_client()
    token = attacker.csrf_token()
    r = client.post("/compte/deconnexion", data={"csrf_token": token}, csrf=False)
    assert r.status_code == 400


def test_htmx_post_with_the_csrf_header_works(client, auth, make_user):
    from app.notifications import services

    user = make_user()
    services.notify([user], "centre.news", "x")
    db.session.commit()
    auth.login(user)
    headers = {**hx("notification-list"), "X-CSRFToken": client.csrf_token()}
    r = client.post("/notifications/tout-lu", headers=headers, csrf=False)
    assert r.status_code == 200
    assert "HX-Location" in r.headers
    assert services.unread_count(user) == 0


def test_the_page_carries_the_csrf_header_for_htmx(client, auth, make_user):
    auth.login(make_user())
    body = client.get("/").text
    match = re.search(r"<body[^>]*hx-headers='([^']+)'", body)
    assert match
    assert json.loads(match.group(1))["X-CSRFToken"]


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/compte/connexion", "/page-qui-n-existe-pas", "/sante", "/static/css/app.css"])
def test_security_headers(client, structure, path):
    r = client.get(path)
    r.close()  # static files are streamed
    csp = csp_directives(r)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'"
    policy = r.headers["Content-Security-Policy"]
    for unsafe in ("unsafe-inline", "unsafe-eval", "*", "http:", "https:"):
        assert unsafe not in policy
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in r.headers  # only when HSTS is configured


def test_html_pages_are_not_cached(client, structure):
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_hsts_when_configured(app, client, structure, monkeypatch):
    monkeypatch.setitem(app.config, "HSTS", True)
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/", "/compte/connexion", "/compte/inscription", "/compte/profil", "/notifications/"])
def test_pages_need_no_inline_script_or_style(client, auth, make_user, path):
    if path.startswith(("/compte/profil", "/notifications")):
        auth.login(make_user(role=Role.ADMIN))
    body = client.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline <script>"
    assert "<style" not in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"\son[a-z]+=", body)
    assert "javascript:" not in body


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    r = client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production, where SESSION_COOKIE_SECURE is set


def test_session_cookie_holds_no_user_id(client, make_user):
    """The cookie carries a revocable random token, never the user's id."""
    user = make_user()
    client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    cookie = client.get_cookie("session").value
    serializer = client.application.session_interface.get_signing_serializer(client.application)
    data = serializer.loads(cookie)
    assert data["_user_id"] != str(user.id)
    assert len(data["_user_id"]) >= 40


def test_create_app_refuses_the_development_key_in_production(monkeypatch):
    for name in ("FLASK_DEBUG", "FLASK_TESTING", "FLASK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)

    class ProductionWithDevKey(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        TESTING = False
        DEBUG = False
        SECRET_KEY = DEV_SECRET_KEY

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionWithDevKey)

    class Production(ProductionWithDevKey):
        SECRET_KEY = "a-real-production-key-from-the-environment"

    assert create_app(Production).config["SECRET_KEY"] == Production.SECRET_KEY

    class Development(ProductionWithDevKey):
        DEBUG = True

    assert create_app(Development).debug is True


@pytest.fixture
def production_like_app(app):
    """A throwaway app on the test database that turns exceptions into the 500 page."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        MAIL_PORT = app.config["MAIL_PORT"]
        PROPAGATE_EXCEPTIONS = False

    throwaway = create_app(Config)

    @throwaway.route("/boom")
    def boom():
        raise RuntimeError("secret-detail-from-the-code")

    yield throwaway
    with throwaway.app_context():
        db.session.remove()
        db.engine.dispose()


def test_no_stack_trace_in_a_500_page(production_like_app, structure):
    client = production_like_app.test_client()
    r = client.get("/boom")
    assert r.status_code == 500
    assert "Erreur du serveur" in r.text
    assert "<html" in r.text
    for leak in ("Traceback", "secret-detail", "RuntimeError", "Werkzeug", "Debugger", "File &#34;", 'File "'):
        assert leak not in r.text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")

    fragment = client.get("/boom", headers=hx("main"))
    assert fragment.status_code == 500
    assert "<html" not in fragment.text
    assert "secret-detail" not in fragment.text


def test_404_is_the_french_error_page(client, structure):
    r = client.get("/cette-page-n-existe-pas")
    assert r.status_code == 404
    assert '<html lang="fr">' in r.text
    assert "Page introuvable" in r.text
    assert "Cette page n'existe pas ou n'est pas visible pour vous." in html.unescape(r.text)


def test_405_is_a_page_too(client, structure):
    r = client.get("/compte/deconnexion")
    assert r.status_code == 405
    assert "Action impossible" in r.text


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_audit_log_records_login_failure_and_logout(client, auth, make_user):
    user = make_user()
    auth.login(user, "pas le bon mot de passe")
    [failed] = audit("login_failed")
    details = json.loads(failed.details)
    assert details["identifier"] == user.username
    assert details["ip"] == "127.0.0.1"
    assert "pas le bon mot de passe" not in failed.details
    assert failed.actor_id is None

    auth.login(user)
    [login] = audit("login")
    assert login.actor_id == user.id
    assert PASSWORD not in login.details

    auth.logout()
    [logout] = audit("logout")
    assert logout.actor_id == user.id


def test_password_change_is_audited(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.post(
        "/compte/mot-de-passe",
        data={"pw-current": PASSWORD, "pw-password": "une nouvelle phrase", "pw-confirm": "une nouvelle phrase"},
    )
    [event] = audit("password_changed")
    assert event.actor_id == user.id
    assert "une nouvelle phrase" not in event.details


def test_passwords_are_hashed_with_argon2id(client, structure):
    client.post(
        "/compte/inscription",
        data={"display_name": "Awa", "password": "une phrase assez longue", "locale": "fr", "accept": "y"},
    )
    from app.accounts.models import User

    stored = db.session.scalar(sa.select(User.password_hash))
    assert stored.startswith("$argon2id$")
