"""Supports under real concurrency against a running server (SQLite and PostgreSQL)."""

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import Initiative, Support
from app.ledger.models import LedgerEntry
from tests.conftest import PASSWORD, run_together
from tests.initiatives.factories import make_initiative

pytestmark = pytest.mark.usefixtures("no_login_throttle")


def _logged_in(web_user, username: str):
    person = web_user()
    status, _ = person.post(
        "/compte/connexion",
        {"identifier": username, "password": PASSWORD},
        person.token("/compte/connexion"),
    )
    assert status == 303
    return person


def _counts(initiative_id):
    db.session.remove()
    supports = db.session.scalar(sa.select(sa.func.count()).select_from(Support))
    counter = db.session.get(Initiative, initiative_id).support_count
    ledger = db.session.scalar(
        sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "initiative.support")
    )
    return supports, counter, ledger


def test_fifty_people_supporting_at_once_give_fifty(structure, make_user, web_user):
    author, staff = make_user(), make_user(role=Role.STAFF)
    initiative = make_initiative(structure, author, staff)
    initiative_id = initiative.id
    usernames = [make_user().username for _ in range(50)]
    db.session.remove()  # the test holds no transaction while the server works
    people = [_logged_in(web_user, name) for name in usernames]
    path = f"/initiatives/{initiative_id}"
    tokens = [p.token(path) for p in people]
    db.session.remove()
    results = run_together(
        [lambda p=p, t=t: p.post(f"{path}/soutenir", {}, t) for p, t in zip(people, tokens, strict=True)]
    )
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [303] * 50
    assert _counts(initiative_id) == (50, 50, 50)


def test_one_person_clicking_twenty_times_at_once_gives_one(structure, make_user, web_user):
    author, staff, fan = make_user(), make_user(role=Role.STAFF), make_user()
    initiative_id = make_initiative(structure, author, staff).id
    fan_name = fan.username
    db.session.remove()
    person = _logged_in(web_user, fan_name)
    path = f"/initiatives/{initiative_id}"
    token = person.token(path)
    db.session.remove()
    results = run_together([lambda: person.post(f"{path}/soutenir", {}, token) for _ in range(20)])
    assert {r[0] if isinstance(r, tuple) else r for r in results} == {303}
    assert _counts(initiative_id) == (1, 1, 1)
