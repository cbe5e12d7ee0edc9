"""Nothing lost: 50 people tap "Je m'inscris" at the same instant for a 5-place shift, against a
running server (SQLite and PostgreSQL), then 5 people cancel at the same instant."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications.models import Notification
from app.volunteering.models import Shift, Signup, SignupStatus
from tests.conftest import PASSWORD, run_together
from tests.volunteering.factories import make_mission, make_shift

PEOPLE = 50
PLACES = 5


pytestmark = pytest.mark.usefixtures("no_login_throttle")


def _logged_in(web_user, username: str):
    person = web_user()
    status, _ = person.post(
        "/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion")
    )
    assert status == 303
    return person


def _signups(shift_id: int) -> list[Signup]:
    db.session.remove()
    return list(db.session.scalars(sa.select(Signup).where(Signup.shift_id == shift_id).order_by(Signup.queued_at)))


def _status(result) -> int | Exception:
    return result[0] if isinstance(result, tuple) else result


def test_fifty_at_once_for_five_places_then_five_cancellations(structure, make_user, web_user):
    mission = make_mission(structure, "Buvette de la fête de quartier")
    shift_id = make_shift(mission, capacity=PLACES).id
    users = [make_user() for _ in range(PEOPLE)]
    names = {u.id: u.username for u in users}
    db.session.remove()  # the test holds no transaction while the server works

    people = {user_id: _logged_in(web_user, name) for user_id, name in names.items()}
    page = f"/benevolat/creneaux/{shift_id}"
    tokens = {user_id: person.token(page) for user_id, person in people.items()}
    db.session.remove()
    order = list(people)
    results = run_together(
        [lambda u=u: people[u].post(f"{page}/inscription", {"next": page}, tokens[u]) for u in order]
    )
    assert [_status(r) for r in results] == [303] * PEOPLE, [_status(r) for r in results]

    signups = _signups(shift_id)
    assert len(signups) == PEOPLE
    statuses = [s.status for s in signups]
    # In queue order: the first five got the places, the 45 others wait, in the order served.
    assert statuses == [SignupStatus.CONFIRMED] * PLACES + [SignupStatus.WAITLIST] * (PEOPLE - PLACES)
    queued = [s.queued_at for s in signups]
    assert all(a < b for a, b in zip(queued, queued[1:], strict=False)), "queued_at strictly increasing"
    # Rows were written in the order the server handled the requests (ids follow the queue).
    assert [s.id for s in signups] == sorted(s.id for s in signups)
    assert db.session.get(Shift, shift_id).confirmed_count == PLACES

    confirmed = [s.person_id for s in signups[:PLACES]]
    first_waiting = [s.person_id for s in signups[PLACES : 2 * PLACES]]
    db.session.remove()
    results = run_together(
        [lambda u=u: people[u].post(f"{page}/desinscription", {"next": page}, tokens[u]) for u in confirmed]
    )
    assert [_status(r) for r in results] == [303] * PLACES

    after = _signups(shift_id)
    by_person = {s.person_id: s for s in after}
    assert all(by_person[p].status == SignupStatus.CANCELLED for p in confirmed)
    # Exactly five promoted, one per cancellation: the first five who were waiting.
    promoted = [s for s in after if s.promoted_at is not None]
    assert sorted(s.person_id for s in promoted) == sorted(first_waiting)
    assert all(by_person[p].status == SignupStatus.CONFIRMED for p in first_waiting)
    assert sum(s.status == SignupStatus.CONFIRMED for s in after) == PLACES
    assert sum(s.status == SignupStatus.WAITLIST for s in after) == PEOPLE - 2 * PLACES
    assert db.session.get(Shift, shift_id).confirmed_count == PLACES
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.message.like("Une place s%libérée%"))
    ).all()
    assert sorted(told) == sorted(first_waiting)


def test_one_person_tapping_ten_times_at_once_gets_one_place(structure, make_user, web_user):
    shift_id = make_shift(make_mission(structure), capacity=PLACES).id
    name = make_user().username
    db.session.remove()
    person = _logged_in(web_user, name)
    page = f"/benevolat/creneaux/{shift_id}"
    token = person.token(page)
    db.session.remove()
    results = run_together([lambda: person.post(f"{page}/inscription", {}, token) for _ in range(10)])
    assert {_status(r) for r in results} == {303}
    signups = _signups(shift_id)
    assert len(signups) == 1 and signups[0].status == SignupStatus.CONFIRMED
    assert db.session.get(Shift, shift_id).confirmed_count == 1
