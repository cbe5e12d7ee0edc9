"""The coordinator's roster: who comes, who waits, contact details as each person allowed, and
attendance (ledger row + hours proposal, taken back when changed to no-show: never counted twice)."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.ledger.models import LedgerEntry, Level
from app.timeutil import utcnow
from app.volunteering import services
from app.volunteering.models import (
    ContactSharing,
    EntrySource,
    EntryStatus,
    HourEntry,
    Presence,
    Shift,
    Signup,
    SignupStatus,
)
from app.volunteering.services import VolunteeringError
from tests.helpers import hx
from tests.volunteering.factories import make_mission, make_shift


def text(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
def coordinator(make_user):
    return make_user(role=Role.COORDINATOR, display_name="Nadia")


@pytest.fixture
def mission(structure, coordinator):
    return make_mission(structure, "Accueil du repair café", coordinator=coordinator)


def _started_shift(mission, **fields) -> Shift:
    """A shift that began an hour ago (2 h 30 long), with people signed up before it started."""
    return make_shift(mission, starts_at=utcnow().replace(microsecond=0) - timedelta(hours=1), hours=2.5, **fields)


def _sign_up_before_start(shift, person, status=SignupStatus.CONFIRMED) -> Signup:
    signup = Signup(shift_id=shift.id, person_id=person.id, status=status, queued_at=utcnow())
    db.session.add(signup)
    if status == SignupStatus.CONFIRMED:
        shift.confirmed_count += 1
    db.session.commit()
    return signup


def _ledger(person) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.person_id == person.id, LedgerEntry.kind == "shift.attend")
        )
    )


def _hours(signup) -> list[HourEntry]:
    return list(db.session.scalars(sa.select(HourEntry).where(HourEntry.signup_id == signup.id)))


# --- services ------------------------------------------------------------------------------------


def test_attended_writes_the_ledger_and_proposes_hours(mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    assert services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    db.session.commit()
    [entry] = _ledger(person)
    assert entry.level == Level.L3_CONTRIBUTION
    assert (entry.object_type, entry.object_id) == ("shift", shift.id)
    assert entry.occurred_at == shift.starts_at
    assert entry.recorded_by_id == coordinator.id
    [hours] = _hours(signup)
    assert hours.hours == Decimal("2.50") and hours.source == EntrySource.SHIFT
    assert hours.status == EntryStatus.PROPOSED


def test_marking_attended_twice_counts_once(mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    assert not services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    db.session.commit()
    assert len(_ledger(person)) == 1 and len(_hours(signup)) == 1


def test_back_to_no_show_takes_back_the_ledger_row_and_the_proposal(mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    db.session.commit()
    services.mark_presence(signup, Presence.NO_SHOW, by=coordinator)
    db.session.commit()
    assert _ledger(person) == [] and _hours(signup) == []
    services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    db.session.commit()
    assert len(_ledger(person)) == 1 and len(_hours(signup)) == 1


def test_no_show_first_writes_nothing(mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    services.mark_presence(signup, Presence.NO_SHOW, by=coordinator)
    db.session.commit()
    assert signup.presence == Presence.NO_SHOW
    assert _ledger(person) == [] and _hours(signup) == []


def test_validated_hours_block_the_change_to_no_show(mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    [entry] = _hours(signup)
    entry.status = EntryStatus.VALIDATED
    db.session.commit()
    with pytest.raises(VolunteeringError, match="déjà validées"):
        services.mark_presence(signup, Presence.NO_SHOW, by=coordinator)


def test_presence_only_once_started_and_for_confirmed_people(mission, coordinator, make_user):
    later = make_shift(mission)
    person = make_user()
    signup = services.sign_up(later, person, by=person)
    db.session.commit()
    with pytest.raises(VolunteeringError, match="une fois le créneau commencé"):
        services.mark_presence(signup, Presence.ATTENDED, by=coordinator)
    shift = _started_shift(mission)
    waiting = _sign_up_before_start(shift, make_user(), status=SignupStatus.WAITLIST)
    with pytest.raises(VolunteeringError, match="pas inscrite"):
        services.mark_presence(waiting, Presence.ATTENDED, by=coordinator)


def test_finish_attendance(mission, coordinator):
    shift = _started_shift(mission)
    services.finish_attendance(shift, by=coordinator)
    db.session.commit()
    assert shift.attendance_done_at is not None
    with pytest.raises(VolunteeringError):
        services.finish_attendance(make_shift(mission), by=coordinator)


# --- pages ---------------------------------------------------------------------------------------


def test_roster_shows_people_waitlist_and_only_shared_contacts(
    client, auth, structure, mission, coordinator, make_user
):
    shift = make_shift(mission, capacity=2)
    sharing = make_user(display_name="Awa Diallo", phone="06 12 34 56 78", email="awa@exemple.test")
    private = make_user(display_name="Lucien Martin", phone="06 99 99 99 99", email="lucien@exemple.test")
    waiting = make_user(display_name="Rose Petit", email="rose@exemple.test")
    services.save_profile(sharing, structure, {"contact_sharing": ContactSharing.PHONE})
    services.save_profile(waiting, structure, {"contact_sharing": ContactSharing.BOTH})
    for person in (sharing, private, waiting):
        services.sign_up(shift, person, by=person)
    db.session.commit()
    auth.login(coordinator)
    r = client.get(f"/benevolat/creneaux/{shift.id}/equipe")
    assert r.status_code == 200
    page = text(r)
    assert "2 personnes viennent" in page
    assert "Awa Diallo" in page and "06 12 34 56 78" in page and "awa@exemple.test" not in page
    assert "Lucien Martin" in page and "06 99 99 99 99" not in page and "lucien@exemple.test" not in page
    assert "Coordonnées non partagées" in page
    assert "Rose Petit" in page and "rose@exemple.test" in page and "n° 1" in page
    assert "Venu·e" not in page  # not started yet: no attendance buttons


def test_marking_presence_with_htmx_returns_the_row(client, auth, mission, coordinator, make_user):
    shift = _started_shift(mission)
    person = make_user(display_name="Awa")
    signup = _sign_up_before_start(shift, person)
    auth.login(coordinator)
    page = text(client.get(f"/benevolat/creneaux/{shift.id}/equipe"))
    assert "Venu·e" in page and f'id="signup-{signup.id}"' in page
    target = f"signup-{signup.id}"
    r = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "attended"}, headers=hx(target))
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<li id="{target}"')
    assert 'aria-pressed="true"' in r.text and "présence notée" in text(r)
    assert len(_ledger(person)) == 1
    r = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "bof"}, headers=hx(target))
    assert r.status_code == 422 and "Choisissez venu·e ou pas venu·e." in text(r)


def test_marking_presence_without_js_and_finishing(client, auth, mission, coordinator, make_user):
    shift = _started_shift(mission)
    came, absent = make_user(display_name="Awa"), make_user(display_name="Lucien")
    s1, s2 = _sign_up_before_start(shift, came), _sign_up_before_start(shift, absent)
    auth.login(coordinator)
    r = client.post(f"/benevolat/inscriptions/{s1.id}/presence", data={"presence": "attended"})
    assert r.status_code == 303 and r.headers["Location"].endswith(
        f"/benevolat/creneaux/{shift.id}/equipe#signup-{s1.id}"
    )
    client.post(f"/benevolat/inscriptions/{s2.id}/presence", data={"presence": "no_show"})
    r = client.post(f"/benevolat/creneaux/{shift.id}/presences-terminees")
    assert r.status_code == 303
    page = text(client.get(r.headers["Location"]))
    assert "Présences enregistrées" in page and "Présences notées le" in page
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).attendance_done_at is not None
    assert len(_ledger(came)) == 1 and _ledger(absent) == []


def test_before_the_start_presence_is_refused_with_a_message(client, auth, mission, coordinator, make_user):
    shift = make_shift(mission)
    person = make_user()
    signup = services.sign_up(shift, person, by=person)
    db.session.commit()
    auth.login(coordinator)
    r = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "attended"})
    assert r.status_code == 303
    assert "une fois le créneau commencé" in text(client.get(r.headers["Location"]))


def test_coordinator_takes_someone_off_and_the_first_waiting_gets_the_place(
    client, auth, mission, coordinator, make_user
):
    shift = make_shift(mission, capacity=1)
    leaving, waiting = make_user(display_name="Awa"), make_user(display_name="Rose")
    signup = services.sign_up(shift, leaving, by=leaving)
    services.sign_up(shift, waiting, by=waiting)
    shift.signup_closes_at = utcnow() - timedelta(hours=1)  # too late for Awa alone
    db.session.commit()
    auth.login(coordinator)
    r = client.post(f"/benevolat/inscriptions/{signup.id}/retirer")
    assert r.status_code == 303
    assert "Awa n'est plus inscrit·e" in text(client.get(r.headers["Location"]))
    rows = {s.person_id: s.status for s in db.session.scalars(sa.select(Signup))}
    assert rows == {leaving.id: SignupStatus.CANCELLED, waiting.id: SignupStatus.CONFIRMED}


def test_only_managers_reach_the_roster_and_presence(client, auth, structure, mission, make_user):
    shift = _started_shift(mission)
    person = make_user()
    signup = _sign_up_before_start(shift, person)
    other_coordinator = make_user(role=Role.COORDINATOR)
    auth.login(other_coordinator)
    assert client.get(f"/benevolat/creneaux/{shift.id}/equipe").status_code == 403
    r = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "attended"})
    assert r.status_code == 403
    auth.logout()
    elsewhere = make_structure("Centre social de la Soie")
    db.session.commit()
    auth.login(make_user(elsewhere, role=Role.STAFF))
    r = client.post(f"/benevolat/inscriptions/{signup.id}/presence", data={"presence": "attended"})
    assert r.status_code == 404
    auth.logout()
    auth.login(make_user(role=Role.STAFF))
    assert client.get(f"/benevolat/creneaux/{shift.id}/equipe").status_code == 200
    assert _ledger(person) == []


def test_roster_is_bounded(client, auth, structure, mission, coordinator, make_user):
    from tests.helpers import count_queries

    shift = make_shift(mission, capacity=5)

    def measure() -> int:
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/benevolat/creneaux/{shift.id}/equipe").status_code == 200
        return counter.count

    first = make_user()
    services.save_profile(first, structure, {"contact_sharing": ContactSharing.BOTH})
    services.sign_up(shift, first, by=first)
    auth.login(coordinator)
    one = measure()
    for _ in range(9):
        person = make_user()
        services.save_profile(person, structure, {"contact_sharing": ContactSharing.PHONE})
        services.sign_up(shift, person, by=person)
    ten = measure()
    assert one == ten and ten <= 12, (one, ten)
