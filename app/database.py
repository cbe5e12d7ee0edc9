"""Database behaviour shared by SQLite and PostgreSQL.

SQLite needs help to give the guarantees the app relies on: foreign keys, WAL, a busy timeout
so that waiting beats failing, and write transactions that take the write lock up front
(`BEGIN IMMEDIATE`), otherwise two concurrent read-then-write transactions deadlock and one
fails with "database is locked". This is the "serializable isolation / savepoints /
transactional DDL" recipe of the SQLAlchemy SQLite dialect documentation.
"""

import sqlite3

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy, not the driver, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_on_connect(dbapi_connection, _record):
    """PostgreSQL: no JIT compilation. The app's queries last milliseconds; the planner's cost
    estimates for correlated subqueries that never run can still exceed `jit_above_cost`, and
    compiling then costs far more than the query (seen: 0.9 s added to a 100 ms dashboard query)."""
    if _is_sqlite(dbapi_connection) or not hasattr(dbapi_connection, "autocommit"):
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.autocommit = autocommit


def _wants_write_lock() -> bool:
    """Requests that change state (and CLI commands) take the SQLite write lock at BEGIN."""
    if has_app_context() and g.get("sqlite_write_lock"):
        return True
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    # CLI commands write; the test suite's own reads must not block the live server under test.
    return not has_app_context() or current_app.config.get("SQLITE_WRITE_LOCK_OUTSIDE_REQUESTS", True)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def like_pattern(text: str) -> str:
    """`%text%` for `LIKE … ESCAPE '\\'`: typed `%` and `_` are searched for, not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
