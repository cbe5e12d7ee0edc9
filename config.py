"""Settings, read from the environment with safe development defaults (see .env.example)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

#: The development key. The app refuses to start outside debug/testing while it is in use.
DEV_SECRET_KEY = "dev-only-not-secret-change-me"  # noqa: S105 (refused outside development)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    return _database_url_from("DATABASE_URL", default)


def _database_url_from(variable: str, default: str) -> str:
    url = os.environ.get(variable) or default
    # Heroku-style URLs and plain postgresql:// both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{BASE_DIR / 'instance' / 'ensemble.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": True,
        "pool_size": int(os.environ.get("DB_POOL_SIZE", "10")),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "20")),
    }

    LANGUAGES = ["fr", "en"]
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Paris")
    ITEMS_PER_PAGE = int(os.environ.get("ITEMS_PER_PAGE", "20"))

    # Sessions: signed cookie holding a server-side session token (revocable, see accounts).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION_DAYS = 30
    SESSION_HOURS = int(os.environ.get("SESSION_HOURS", "12"))
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    #: Public address used in e-mails (links must work outside a request).
    SERVER_BASE_URL = os.environ.get("SERVER_BASE_URL", "http://127.0.0.1:5000")
    HSTS = _bool("HSTS", False)
    #: Number of reverse proxies in front of the app (X-Forwarded-For/Proto trusted from them).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Throttling: in memory by default, shared in Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes")

    # E-mail: real SMTP. In development `make run` starts a local sink (flask mail-sink).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Ensemble <ne-pas-repondre@ensemble.test>")
    #: Deliver queued e-mails in a background thread after commit (False: only `flask mail send`).
    MAIL_SEND_AFTER_COMMIT = _bool("MAIL_SEND_AFTER_COMMIT", True)
    MAIL_SINK_DIR = os.environ.get("MAIL_SINK_DIR", str(BASE_DIR / "instance" / "mail"))

    #: Largest request body: a 5 MB photo plus the form (bigger uploads get the 413 page).
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    #: The form fields themselves stay small (Werkzeug's default limit, made explicit).
    MAX_FORM_MEMORY_SIZE = 500_000

    PASSWORD_MIN_LENGTH = 12
    RESET_TOKEN_MINUTES = 60


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _database_url_from("TEST_DATABASE_URL", "sqlite://")
    #: In-memory SQLite has a single static connection: no pool sizing (tests/conftest.py sets it).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_BASE_URL = "http://localhost"
    MAIL_SEND_AFTER_COMMIT = True
    #: Tests deliver synchronously (still after commit, still through SMTP) so they can read the sink.
    MAIL_SYNCHRONOUS = True
    #: Test code reads between requests; a held write lock would stall the live server under test.
    SQLITE_WRITE_LOCK_OUTSIDE_REQUESTS = False
