"""The app factory, the demo seed command and the cost of the home page."""

import sqlalchemy as sa

from app import create_app
from app.accounts.models import User
from app.centres.models import Membership, Role, Structure
from app.demo import PEOPLE
from app.extensions import db
from app.notifications import services
from config import TestConfig
from tests.helpers import PASSWORD, count_queries


class BareConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # these apps are built, never served


DEMO_EMAILS = {
    "admin@ensemble.test",
    "staff@ensemble.test",
    "coord@ensemble.test",
    "benevole@ensemble.test",
    "habitant@ensemble.test",
} | {email for email, *_ in PEOPLE}  # the people of the demo instances and missions


def test_factory_builds_with_test_config():
    app = create_app(BareConfig)
    assert app.testing is True
    assert app.config["SECRET_KEY"] == "test-secret-key"
    assert {"accounts", "core", "centres", "notifications"} <= set(app.blueprints)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_DURATION_DAYS"] <= 30


def test_factory_reads_prefixed_environment(monkeypatch):
    monkeypatch.setenv("FLASK_ITEMS_PER_PAGE", "7")
    assert create_app(BareConfig).config["ITEMS_PER_PAGE"] == 7


def emails() -> set[str]:
    return set(db.session.scalars(sa.select(User.email)))


def test_seed_twice_creates_the_demo_accounts_once(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert f"{5 + len(PEOPLE)} compte(s) créé(s)" in first.output
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "0 compte(s) créé(s)" in second.output

    db.session.remove()
    assert emails() == DEMO_EMAILS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Structure)) == 1
    roles = dict(
        db.session.execute(sa.select(User.email, Membership.role).join(Membership, Membership.user_id == User.id)).all()
    )
    assert roles["admin@ensemble.test"] == Role.ADMIN
    assert roles["staff@ensemble.test"] == Role.STAFF
    assert roles["habitant@ensemble.test"] == Role.HABITANT


def test_seed_with_habitants(runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    r = runner.invoke(args=["seed", "--habitants", "3"])
    assert r.exit_code == 0, r.output
    assert "3 compte(s) créé(s)" in r.output
    db.session.remove()
    assert emails() == DEMO_EMAILS | {f"habitant{n}@ensemble.test" for n in (1, 2, 3)}


def test_demo_accounts_can_log_in_and_edit_their_profile(app, runner):
    """The demo's `.test` addresses must pass the forms, or a demo profile could never be saved."""
    runner.invoke(args=["seed"])
    db.session.remove()
    client = app.test_client()
    r = client.post("/compte/connexion", data={"identifier": "habitant@ensemble.test", "password": "ensemble-demo"})
    assert r.status_code == 303
    r = client.post(
        "/compte/profil",
        data={"display_name": "Sofiane H.", "email": "habitant@ensemble.test", "locale": "fr", "quartier_id": "0"},
    )
    assert r.status_code == 303, r.text


def _home_queries(client) -> tuple[int, list[str]]:
    client.get("/")  # warm up (first request of the session)
    with count_queries() as counter:
        r = client.get("/")
    assert r.status_code == 200
    return counter.count, counter.statements


def _grow(structure, make_user, factor: int) -> None:
    """Add other people, each with notifications, and notifications for the habitant."""
    others = [make_user() for _ in range(3 * factor)]
    services.notify(others, "centre.news", "Nouvelle")
    db.session.commit()


def test_home_page_makes_a_bounded_number_of_queries(app, make_user, structure):
    habitant = make_user(display_name="Sofiane")
    client = app.test_client()
    assert (
        client.post("/compte/connexion", data={"identifier": habitant.username, "password": PASSWORD}).status_code
        == 303
    )

    _grow(structure, make_user, 1)
    services.notify([habitant], "centre.news", "Pour vous")
    db.session.commit()
    small, statements = _home_queries(client)
    # One or two per feature block (notifications, initiatives, instances, volunteering) plus the session.
    assert small <= 12, statements

    _grow(structure, make_user, 10)
    for _ in range(9):
        services.notify([habitant], "centre.news", "Pour vous")
    db.session.commit()
    large, statements = _home_queries(client)
    assert large == small, statements


def test_anonymous_home_page_is_cheap(app, structure):
    client = app.test_client()
    count, statements = _home_queries(client)
    assert count <= 4, statements  # the centre, initiatives to support, missions looking for people, instances


def test_audit_purge_keeps_only_the_retention_period(runner):
    """`flask audit purge --days N` deletes older security events and keeps the recent ones."""
    from datetime import timedelta

    import sqlalchemy as sa

    from app.audit import AuditEvent, log_event
    from app.timeutil import utcnow

    old = log_event("login")
    recent = log_event("logout")
    old.at = utcnow() - timedelta(days=40)
    db.session.commit()
    old_id, recent_id = old.id, recent.id
    result = runner.invoke(args=["audit", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "1 événement" in result.output
    db.session.remove()
    ids = set(db.session.scalars(sa.select(AuditEvent.id)))
    assert ids == {recent_id} and old_id not in ids
