"""Per-request measures for the benchmark (`make bench`): how many SQL statements a page ran and
how long the app and the database took, sent back as response headers.

Off unless `QUERY_COUNT_HEADER` is set in the config or the environment has `BENCH=1`: then
every response carries `X-Query-Count: 7` and `Server-Timing: app;dur=12.3, db;dur=4.1`.
Statements are counted like the tests' `count_queries` fixture (BEGIN, SAVEPOINT, RELEASE and
PRAGMA are not queries).
"""

import os
import time

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_NOT_QUERIES = ("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")
_listening = False


def enabled(app: Flask) -> bool:
    return bool(app.config.get("QUERY_COUNT_HEADER")) or os.environ.get("BENCH") == "1"


def init_app(app: Flask) -> None:
    """Send the query count and timings with every response, when enabled."""
    if not enabled(app):
        return
    _listen()

    @app.before_request
    def _start() -> None:
        g.profile_queries = 0
        g.profile_db_seconds = 0.0
        g.profile_started = time.perf_counter()

    @app.after_request
    def _headers(response):
        started = g.get("profile_started")
        if started is not None:
            app_ms = (time.perf_counter() - started) * 1000
            response.headers["X-Query-Count"] = str(g.get("profile_queries", 0))
            response.headers["Server-Timing"] = f"app;dur={app_ms:.1f}, db;dur={g.profile_db_seconds * 1000:.1f}"
        return response


def _listen() -> None:
    """One listener for every engine (a process may build several apps, as the tests do)."""
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        if has_request_context() and "profile_queries" in g:
            conn.info["profile_started"] = time.perf_counter()
            if not statement.lstrip().upper().startswith(_NOT_QUERIES):
                g.profile_queries += 1

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        started = conn.info.pop("profile_started", None)
        if started is not None and has_request_context() and "profile_db_seconds" in g:
            g.profile_db_seconds += time.perf_counter() - started
