"""Fixtures for the whole suite: one app and database per session, cleaned after each test.

The database is a temporary SQLite file (so a live server in another thread sees it), or the
PostgreSQL database named by TEST_DATABASE_URL. CSRF stays on: the test client adds the token.
E-mails go through real SMTP to an in-process aiosmtpd sink that tests read.
"""

import os
import re
import socket
import tempfile
import threading
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.extensions import db, limiter
from config import TestConfig


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the SMTP sink ----------------------------------------------------------------------------


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def clear(self):
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()

    def link_in_last(self, address: str, path_fragment: str) -> str:
        """The path of the first link in the last e-mail to `address` that contains `path_fragment`."""
        body = self.body(self.last_to(address))
        paths = [p for p in re.findall(r"https?://[^/\s]+(/\S+)", body) if path_fragment in p]
        assert paths, f"no link with {path_fragment!r} in: {body}"
        return paths[0]


@pytest.fixture(scope="session")
def mailbox():
    """The SMTP sink the app sends to for the whole session."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


# --- app and database ---------------------------------------------------------------------------


class CsrfClient(FlaskClient):
    """A test client that adds the CSRF token to form POSTs, as the browser form would."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            if "csrf_token" not in session:
                session["csrf_token"] = os.urandom(20).hex()
            raw = session["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        # Each request gets its own app context (fresh `g`, fresh db session), as in production.
        # Without this, requests reuse the test's app context: Flask-Login's cached user and
        # every `g` cache leak from one request (and one client) to the next. The test's own
        # session commits first: on SQLite it would otherwise hold the write lock the request needs.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "json" not in kwargs:
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture(scope="session")
def app(mailbox):
    """The application, with its schema created once for the session."""
    _box, port = mailbox
    url = os.environ.get("TEST_DATABASE_URL")
    tmpdir = None
    if not url:
        tmpdir = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmpdir.name}/test.db"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 40}
        MAIL_PORT = port
        MAIL_SINK_DIR = tmpdir.name if tmpdir else tempfile.gettempdir()

    application = create_app(Config)
    application.test_client_class = CsrfClient
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    if tmpdir:
        tmpdir.cleanup()


def _truncate_all() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean(app, mailbox):
    """Each test starts with empty tables, an empty mailbox and fresh rate limits."""
    mailbox[0].clear()
    with app.app_context():
        limiter.reset()
        yield
        _truncate_all()


@pytest.fixture
def mail(mailbox) -> Mailbox:
    """The messages sent during this test."""
    return mailbox[0]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories and helpers ----------------------------------------------------------------------


@pytest.fixture
def structure():
    """A centre social with two quartiers (one QPV) and two themes."""
    from app.factories import make_structure

    s = make_structure(
        "Centre social Les Tilleuls",
        quartiers=(("Les Buers", True), ("Gratte-Ciel", False)),
        themes=("Jeunesse", "Cadre de vie"),
    )
    db.session.commit()
    return s


@pytest.fixture
def make_user(structure):
    """Factory: `make_user(role=Role.STAFF, **fields)`; member of `structure` by default."""
    from app.factories import make_user as factory

    def make(*args, **kwargs):
        if not args:
            kwargs.setdefault("structure", structure)
        user = factory(*args, **kwargs)
        db.session.commit()
        return user

    return make


PASSWORD = "motdepasse-de-test"


class Auth:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_identifier, password: str = PASSWORD, **extra):
        identifier = getattr(user_or_identifier, "username", user_or_identifier)
        return self.client.post("/compte/connexion", data={"identifier": identifier, "password": password, **extra})

    def logout(self):
        return self.client.post("/compte/deconnexion")


@pytest.fixture
def auth(client):
    return Auth(client)


def hx(target: str | None = None, *, boosted: bool = False, history_restore: bool = False) -> dict:
    """The headers htmx sends for a request aimed at `target`."""
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    if boosted:
        headers["HX-Boosted"] = "true"
    if history_restore:
        headers["HX-History-Restore-Request"] = "true"
    return headers


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block: `with count_queries() as q: ...; q.count`."""

    class Counter:
        count = 0
        statements: list[str] = []

    counter = Counter()
    counter.statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            counter.count += 1
            counter.statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


# --- a real server, for browser journeys and concurrency tests ---------------------------------


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by a threaded WSGI server on 127.0.0.1 (same database as the tests)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class WebUser:
    """A browser-like HTTP client (own cookies) that fills forms with their CSRF token."""

    def __init__(self, base_url: str):
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path)

    def token(self, path: str) -> str:
        status, body = self.get(path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict, token: str) -> tuple[int, str]:
        from urllib.parse import urlencode

        return self._open(path, urlencode({**data, "csrf_token": token}).encode())

    def _open(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        import urllib.error

        try:
            with self.opener.open(self.base_url + path, data=data, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(__import__("urllib.request").request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def no_login_throttle(app):
    """Many people log in from 127.0.0.1 within a second (concurrency tests): lift the per-IP limit."""
    previous = app.config["LOGIN_LIMIT_PER_IP"]
    app.config["LOGIN_LIMIT_PER_IP"] = "1000 per minute"
    yield
    app.config["LOGIN_LIMIT_PER_IP"] = previous


@pytest.fixture
def web_user(live_server):
    """Factory of independent HTTP clients talking to the live server."""
    return lambda: WebUser(live_server)


def run_together(functions) -> list:
    """Run callables at the same instant in threads; return their results in order."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def worker(index, func):
        barrier.wait()
        try:
            results[index] = func()
        except Exception as error:  # reported to the test, which asserts on results
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
