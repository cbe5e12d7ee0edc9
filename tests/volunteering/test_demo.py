"""Demo volunteering: missions and shifts done and to come, hours validated and valued, a few
waiting for validation; idempotent, dated in the past, the ledger counted once, and the pages render."""

from datetime import time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.centres.models import Structure
from app.demo import CENTRE, DEMO_PASSWORD, seed_demo
from app.extensions import db
from app.instances.models import Instance
from app.ledger.models import LedgerEntry
from app.mail import OutboxEmail
from app.timeutil import local_today, to_local, utcnow
from app.volunteering.demo import AG_TITLE, AIDE_TITLE, CAFE_TITLE, EPICERIE_TITLE, FETE_TITLE, seed_volunteering
from app.volunteering.models import (
    Category,
    EntrySource,
    EntryStatus,
    HourEntry,
    Mission,
    MissionStatus,
    Presence,
    Shift,
    ShiftSeries,
    Signup,
    SignupStatus,
    ValuationPolicy,
    VolunteerProfile,
)

COUNTED = (Mission, ShiftSeries, Shift, Signup, HourEntry, VolunteerProfile, ValuationPolicy, LedgerEntry)


def _counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _missions() -> dict[str, Mission]:
    return {m.title: m for m in db.session.scalars(sa.select(Mission))}


def test_seed_twice_gives_the_same_missions_shifts_and_hours():
    seed_demo()
    db.session.commit()
    before = _counts()
    assert before["Mission"] == 5 and before["Shift"] > 40
    structure = db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))
    assert seed_volunteering(structure) == 0  # already there: nothing added
    seed_demo()
    db.session.commit()
    assert _counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_missions_and_shifts():
    seed_demo()
    db.session.commit()
    now = utcnow()
    missions = _missions()
    assert set(missions) == {AIDE_TITLE, EPICERIE_TITLE, FETE_TITLE, CAFE_TITLE, AG_TITLE}
    assert all(m.status == MissionStatus.PUBLISHED and "lorem" not in m.description.lower() for m in missions.values())
    assert missions[FETE_TITLE].category == Category.EVENT
    governance = missions[AG_TITLE]
    assert governance.category == Category.GOVERNANCE
    assert db.session.get(Instance, governance.instance_id).name == "Conseil d'administration"
    coord = _user("coord@ensemble.test")
    assert {AIDE_TITLE, EPICERIE_TITLE} <= {
        m.title for m in missions.values() if coord.id in {c.person_id for c in m.coordinators}
    }

    # Aide aux devoirs: two weekly series, Tuesday and Thursday 16:30–18:00, four places.
    aide = missions[AIDE_TITLE]
    series = db.session.scalars(sa.select(ShiftSeries).where(ShiftSeries.mission_id == aide.id)).all()
    assert sorted(s.weekday for s in series) == [1, 3]
    assert all((s.start_time, s.end_time, s.capacity) == (time(16, 30), time(18), 4) for s in series)
    for shift in aide.shifts:
        local = to_local(shift.starts_at)
        assert local.weekday() in (1, 3) and local.time() == time(16, 30) and shift.series_id is not None
    done = [s for s in aide.shifts if s.starts_at < now]
    assert len(done) >= 10 and all(s.attendance_done_at is not None for s in done)
    assert any(s.starts_at > now for s in aide.shifts)

    # The party: the morning shift is full, one person waits.
    fete = sorted(missions[FETE_TITLE].shifts, key=lambda s: s.starts_at)
    assert fete[0].starts_at > now and fete[0].confirmed_count == fete[0].capacity == 3
    statuses = [s.status for s in fete[0].signups]
    assert statuses.count(SignupStatus.CONFIRMED) == 3 and statuses.count(SignupStatus.WAITLIST) == 1

    # Counters agree with the sign-ups; nothing was created in the future.
    for shift in db.session.scalars(sa.select(Shift)):
        confirmed = sum(1 for s in shift.signups if s.status == SignupStatus.CONFIRMED)
        assert shift.confirmed_count == confirmed
        assert shift.created_at < now and all(s.queued_at < now for s in shift.signups)

    profiles = db.session.scalars(sa.select(VolunteerProfile)).all()
    assert len(profiles) == 3 and all(p.share_with_coordinators and p.skills and p.availability for p in profiles)


def test_hours_validated_valued_and_waiting():
    seed_demo()
    db.session.commit()
    now = utcnow()
    monique = _user("benevole@ensemble.test")
    entries = db.session.scalars(sa.select(HourEntry)).all()
    validated = [e for e in entries if e.status == EntryStatus.VALIDATED]
    assert {e.source for e in validated} == {EntrySource.SHIFT, EntrySource.MEETING, EntrySource.DECLARED}
    assert {e.category for e in validated} >= {Category.ACTIVITY, Category.GOVERNANCE, Category.STEERING}
    for entry in validated:
        assert entry.rate is not None and entry.value == (entry.hours * entry.rate * entry.rate_coefficient)
        assert entry.validated_by_id is not None and entry.validated_at <= now and entry.created_at <= now
        assert entry.validated_by_id != entry.person_id
    mine = [e for e in validated if e.person_id == monique.id]
    assert sum(e.hours for e in mine) > Decimal(15)
    assert {e.category for e in mine} >= {Category.ACTIVITY, Category.GOVERNANCE}

    waiting = [e for e in entries if e.status == EntryStatus.PROPOSED]
    assert 3 <= len(waiting) <= 8
    declared = [e for e in waiting if e.source == EntrySource.DECLARED]
    assert [e.person_id for e in declared] == [monique.id]
    assert any(e.source == EntrySource.MEETING for e in waiting)
    assert len([e for e in entries if e.status == EntryStatus.REJECTED]) == 1

    # The ledger: one row per attended shift and per validated entry, at the time of the act.
    attended = db.session.scalar(
        sa.select(sa.func.count()).select_from(Signup).where(Signup.presence == Presence.ATTENDED)
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(LedgerEntry.kind == "shift.attend")) == attended
    rows = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == "hours.validate")).all()
    assert sorted(r.object_id for r in rows) == sorted(e.id for e in validated)
    assert all(r.occurred_at < now and r.created_at < now for r in rows)
    # Every attended shift proposed its hours once.
    assert db.session.scalar(sa.select(sa.func.count()).where(HourEntry.source == EntrySource.SHIFT)) == attended


def test_the_pages_render_with_the_demo(client, auth):
    seed_demo()
    db.session.commit()
    monique = _user("benevole@ensemble.test")
    year = max(e.day for e in db.session.scalars(sa.select(HourEntry).where(HourEntry.person_id == monique.id))).year
    missions = _missions()
    aide_id = missions[AIDE_TITLE].id
    fete_shift = min(missions[FETE_TITLE].shifts, key=lambda s: s.starts_at).id
    db.session.remove()

    auth.login("benevole@ensemble.test", DEMO_PASSWORD)
    for path, text in (
        ("/benevolat/", FETE_TITLE),
        (f"/benevolat/missions/{aide_id}", "Salle 2"),
        (f"/benevolat/creneaux/{fete_shift}", "attente"),
        ("/benevolat/mes-creneaux", EPICERIE_TITLE),
        (f"/benevolat/heures/moi?annee={year}", "À valider"),
        (f"/benevolat/heures/moi/attestation/{year}", "Monique Lefèvre"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True), path
    attestation = client.get(f"/benevolat/heures/moi/attestation/{year}").get_data(as_text=True)
    assert "heures validées" in attestation and "€" in attestation
    auth.logout()

    auth.login("staff@ensemble.test", DEMO_PASSWORD)
    for path, text in (
        ("/benevolat/heures/a-valider", "Commission jeunesse"),
        (f"/benevolat/heures/rapports?annee={year}", "B8"),
        (f"/benevolat/creneaux/{fete_shift}/equipe", "Yanis Meziane"),
        (f"/benevolat/heures/personnes/{monique.id}", "Monique Lefèvre"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True), path
    auth.logout()

    auth.login("coord@ensemble.test", DEMO_PASSWORD)
    assert client.get("/benevolat/heures/a-valider").status_code == 200
    assert client.get("/benevolat/gestion").status_code == 200


def test_the_current_year_shows_hours_unless_it_just_began():
    seed_demo()
    db.session.commit()
    today = local_today()
    monique = _user("benevole@ensemble.test")
    this_year = db.session.scalar(
        sa.select(sa.func.sum(HourEntry.hours)).where(
            HourEntry.person_id == monique.id,
            HourEntry.status == EntryStatus.VALIDATED,
            HourEntry.day >= today.replace(month=1, day=1),
        )
    )
    if today - timedelta(days=45) >= today.replace(month=1, day=1):
        assert this_year and this_year > Decimal(10)


def test_seed_volunteering_without_the_demo_people_does_nothing(structure):
    assert seed_volunteering(structure) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mission)) == 0
