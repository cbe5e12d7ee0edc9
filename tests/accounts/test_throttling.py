"""Login throttling, per account and per IP address (limits read from the config at request time)."""

import html

from tests.helpers import PASSWORD


def attempt(client, identifier, password="pas le bon mot de passe", **kwargs):
    return client.post("/compte/connexion", data={"identifier": identifier, "password": password}, **kwargs)


def test_sixth_failed_login_for_one_account_is_429(app, client, make_user):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 10 minutes"
    user = make_user(email="awa@exemple.test")
    # The same account, typed in different cases, is one key.
    for identifier in [
        "awa@exemple.test",
        "AWA@exemple.test",
        " awa@exemple.test",
        "Awa@Exemple.test",
        "awa@exemple.test",
    ]:
        assert attempt(client, identifier).status_code == 422
    r = attempt(client, "awa@exemple.test", PASSWORD)
    assert r.status_code == 429
    assert "Trop de tentatives" in html.unescape(r.text)
    assert "<html" in r.text
    # Another account from the same client is not blocked by this one's limit.
    other = make_user()
    assert attempt(client, other.username, PASSWORD).status_code == 303
    assert user.last_login_at is None


def test_account_limit_holds_across_clients(app, make_user):
    user = make_user()
    for _ in range(5):
        assert attempt(app.test_client(), user.username).status_code == 422
    assert attempt(app.test_client(), user.username, PASSWORD).status_code == 429


def test_per_ip_limit(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per 10 minutes")
    user = make_user()
    for n in range(3):
        assert attempt(client, f"inconnu.{n}").status_code == 422
    assert attempt(client, user.username, PASSWORD).status_code == 429
    # Another address is not concerned.
    r = attempt(app.test_client(), user.username, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert r.status_code == 303


def test_per_ip_limit_covers_registration_and_reset(app, client, structure, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "2 per 10 minutes")
    for _ in range(2):
        assert client.post("/compte/mot-de-passe-oublie", data={"identifier": "x@exemple.test"}).status_code == 303
    assert client.post("/compte/mot-de-passe-oublie", data={"identifier": "x@exemple.test"}).status_code == 429
    for _ in range(2):
        assert client.post("/compte/inscription", data={"display_name": ""}).status_code == 422
    assert client.post("/compte/inscription", data={"display_name": ""}).status_code == 429


def test_pages_are_not_throttled_by_get(app, client, structure, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "1 per 10 minutes")
    for _ in range(5):
        assert client.get("/compte/connexion").status_code == 200


def test_throttled_htmx_request_gets_a_fragment(app, client, make_user, monkeypatch):
    from tests.helpers import hx

    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "1 per 10 minutes")
    attempt(client, "inconnu")
    r = attempt(client, "inconnu", headers=hx("main"))
    assert r.status_code == 429
    assert "<html" not in r.text
    assert 'id="error"' in r.text


def test_reformatting_a_phone_number_does_not_bypass_the_account_limit(client, make_user):
    user = make_user(phone="+33612345678")
    spellings = ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"]
    for spelling in spellings:
        assert attempt(client, spelling).status_code == 422
    assert attempt(client, "06-12-34-56-78", PASSWORD).status_code == 429
    assert user.last_login_at is None
