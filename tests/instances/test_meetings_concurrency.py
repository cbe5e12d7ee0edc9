"""Proxies under real concurrency against a running server (SQLite and PostgreSQL): members giving
their proxy to the same holder at the same instant cannot exceed the rules' limit."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.instances.models import Rsvp, RsvpAnswer
from tests.conftest import PASSWORD, run_together
from tests.instances.factories import add_seat, make_meeting
from tests.instances.meeting_setup import committee


@pytest.fixture(autouse=True)
def _no_throttle(app):
    previous = app.config["LOGIN_LIMIT_PER_IP"]
    app.config["LOGIN_LIMIT_PER_IP"] = "1000 per minute"
    yield
    app.config["LOGIN_LIMIT_PER_IP"] = previous


def _logged_in(web_user, username: str):
    person = web_user()
    status, _ = person.post(
        "/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion")
    )
    assert status == 303
    return person


def _proxies_to(meeting_id, holder_id) -> int:
    db.session.remove()
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Rsvp.meeting_id == meeting_id, Rsvp.answer == RsvpAnswer.PROXY, Rsvp.proxy_holder_id == holder_id
        )
    )


def test_many_proxies_to_one_holder_at_once_stay_within_the_limit(structure, make_user, web_user):
    c = committee(structure, make_user, members=1, proxies_max=2)
    holder = c.members[0]
    givers = [make_user(display_name=f"Membre {n}") for n in range(12)]
    for person in givers:
        add_seat(c.instance, person)
    meeting_id, holder_id = make_meeting(c.instance).id, holder.id
    usernames = [p.username for p in givers]
    db.session.remove()  # the test holds no transaction while the server works
    people = [_logged_in(web_user, name) for name in usernames]
    path = f"/instances/reunions/{meeting_id}"
    tokens = [p.token(path) for p in people]
    db.session.remove()
    data = {"rsvp-answer": "proxy", "rsvp-proxy_holder": str(holder_id)}
    results = run_together(
        [lambda p=p, t=t: p.post(f"{path}/reponse", data, t) for p, t in zip(people, tokens, strict=True)]
    )
    assert {r[0] if isinstance(r, tuple) else r for r in results} == {303}
    assert _proxies_to(meeting_id, holder_id) == 2
    answered = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.meeting_id == meeting_id))
    assert answered == 2  # the others were refused, with a message, and nothing was written for them


def test_two_proxies_to_the_same_holder_at_once_give_one(structure, make_user, web_user):
    c = committee(structure, make_user, members=3, proxies_max=1)
    awa, bernard, chloe = c.members
    meeting_id, holder_id = make_meeting(c.instance).id, bernard.id
    names = [awa.username, chloe.username]
    db.session.remove()
    people = [_logged_in(web_user, name) for name in names]
    path = f"/instances/reunions/{meeting_id}"
    tokens = [p.token(path) for p in people]
    db.session.remove()
    data = {"rsvp-answer": "proxy", "rsvp-proxy_holder": str(holder_id)}
    for _ in range(3):  # a few rounds: the race window is small
        results = run_together(
            [lambda p=p, t=t: p.post(f"{path}/reponse", data, t) for p, t in zip(people, tokens, strict=True)]
        )
        assert {r[0] if isinstance(r, tuple) else r for r in results} == {303}
        assert _proxies_to(meeting_id, holder_id) == 1
        db.session.execute(sa.delete(Rsvp))
        db.session.commit()
