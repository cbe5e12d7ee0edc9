"""Validating the same hours at the same instant counts them once (real server, real threads)."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.volunteering.models import EntryStatus, HourEntry
from tests.conftest import PASSWORD, run_together
from tests.volunteering.hours_factories import proposed

pytestmark = pytest.mark.usefixtures("no_login_throttle")


def _logged_in(web_user, username: str):
    person = web_user()
    status, _ = person.post(
        "/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion")
    )
    assert status == 303
    return person


def _ledger_count(entry_ids) -> int:
    db.session.remove()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.kind == "hours.validate", LedgerEntry.object_id.in_(entry_ids))
    )


def test_ten_validations_of_one_entry_at_once_count_once(structure, make_user, web_user):
    validators = [make_user(role=Role.STAFF).username for _ in range(2)]
    entry_id = proposed(structure, make_user(), date(2026, 3, 14), "3").id
    db.session.remove()
    clients = [_logged_in(web_user, validators[i % 2]) for i in range(10)]
    path = f"/benevolat/heures/{entry_id}"
    tokens = [c.token(path) for c in clients]
    form = {"validate-day": "2026-03-14", "validate-hours": "3", "validate-category": "activite"}
    db.session.remove()
    results = run_together(
        [lambda c=c, t=t: c.post(f"{path}/valider", form, t) for c, t in zip(clients, tokens, strict=True)]
    )
    statuses = [r[0] if isinstance(r, tuple) else r for r in results]
    assert set(statuses) <= {303, 403}, statuses  # the late ones: "already handled" or no longer proposed
    assert statuses.count(303) >= 1
    assert _ledger_count([entry_id]) == 1
    entry = db.session.get(HourEntry, entry_id)
    assert entry.status == EntryStatus.VALIDATED and entry.value is not None


def test_two_staff_validating_the_same_selection_at_once(structure, make_user, web_user):
    staff = [make_user(role=Role.STAFF).username for _ in range(2)]
    ids = [proposed(structure, make_user(), date(2026, 3, day), "2").id for day in range(1, 7)]
    db.session.remove()
    clients = [_logged_in(web_user, name) for name in staff for _ in range(2)]
    tokens = [c.token("/benevolat/heures/a-valider") for c in clients]
    db.session.remove()
    data = {"entry": [str(i) for i in ids]}
    from urllib.parse import urlencode

    def post(client, token):
        return client._open("/benevolat/heures/valider", urlencode({**data, "csrf_token": token}, doseq=True).encode())

    results = run_together([lambda c=c, t=t: post(c, t) for c, t in zip(clients, tokens, strict=True)])
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [303] * 4
    assert _ledger_count(ids) == 6
