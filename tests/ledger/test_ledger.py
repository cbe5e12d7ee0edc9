"""The participation ledger: what is recorded, and who counts."""

from datetime import datetime
from decimal import Decimal

from app.accounts.models import AgeBracket
from app.accounts.services import delete_account
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.ledger.models import LedgerEntry, Level
from app.ledger.queries import count_participants, counted_entries, participants_by_highest_level
from app.ledger.services import record_participation

JAN = datetime(2026, 1, 1)
JUL = datetime(2026, 7, 1)
NEXT_JAN = datetime(2027, 1, 1)


def _record(person, structure, level=Level.L2_CONSULTATION, when=JUL, **kwargs):
    entry = record_participation(
        person, structure_id=structure.id, kind="test.act", level=level, occurred_at=when, **kwargs
    )
    db.session.commit()
    return entry


def test_entry_keeps_demographics_as_they_were(structure, make_user):
    qpv = next(q for q in structure.quartiers if q.is_qpv)
    other = next(q for q in structure.quartiers if not q.is_qpv)
    person = make_user(birth_year=2001, quartier=qpv, gender="femme")
    entry = _record(person, structure, when=datetime(2026, 3, 15))

    # The person moves and ages; the act keeps what was true then.
    person.membership_in(structure.id).quartier_id = other.id
    person.birth_year = 1990
    db.session.commit()
    entry = db.session.get(LedgerEntry, entry.id)
    assert (entry.age_at_act, entry.age_bracket) == (25, AgeBracket.YOUNG)
    assert entry.quartier_id == qpv.id and entry.in_qpv is True
    assert entry.gender == "femme"
    assert entry.as_staff is False and entry.recorded_by_id is None


def test_age_bracket_used_when_no_birth_year(structure, make_user):
    person = make_user(age_bracket=AgeBracket.SENIOR)
    entry = _record(person, structure)
    assert entry.age_at_act is None and entry.age_bracket == AgeBracket.SENIOR


def test_hours_object_and_recorder_are_kept(structure, make_user):
    person = make_user()
    staff = make_user(role=Role.STAFF)
    entry = _record(person, structure, hours=2.5, obj=structure, recorded_by=staff)
    assert entry.hours == Decimal("2.50")
    assert (entry.object_type, entry.object_id) == ("structure", structure.id)
    assert entry.recorded_by_id == staff.id
    assert entry.as_staff is False  # the person, not the staff member, took part


def test_staff_acts_are_kept_but_not_counted(structure, make_user):
    staff = make_user(role=Role.STAFF)
    habitant = make_user()
    staff_entry = _record(staff, structure)
    _record(habitant, structure)
    assert staff_entry.as_staff is True
    assert count_participants(structure.id) == 1


def test_test_and_blocked_accounts_are_not_counted_but_deleted_ones_are(structure, make_user):
    tester, blocked, leaving, regular = (
        make_user(is_test=True),
        make_user(),
        make_user(),
        make_user(),
    )
    for person in (tester, blocked, leaving, regular):
        _record(person, structure)
    blocked.is_blocked = True
    delete_account(leaving)
    db.session.commit()
    assert count_participants(structure.id) == 2  # regular + the anonymised account
    person_ids = {e.person_id for e in db.session.scalars(counted_entries(structure.id))}
    assert person_ids == {leaving.id, regular.id}


def test_period_is_half_open_and_persons_are_distinct(structure, make_user):
    alice, bob = make_user(), make_user()
    _record(alice, structure, when=JAN)  # first instant: in
    _record(alice, structure, when=JUL)  # same person again: counted once
    _record(bob, structure, when=NEXT_JAN)  # first instant of next year: out
    assert count_participants(structure.id, JAN, NEXT_JAN) == 1
    assert count_participants(structure.id, JAN, datetime(2027, 1, 2)) == 2
    assert count_participants(structure.id, JUL, NEXT_JAN) == 1


def test_counts_stay_within_their_structure(structure, make_user):
    other = make_structure("Espace de vie sociale Le Préau")
    db.session.commit()
    person = make_user()
    _record(person, structure)
    _record(person, other)
    assert count_participants(structure.id) == 1
    assert count_participants(other.id) == 1
    assert count_participants(None) == 1  # platform-wide: one distinct person


def test_highest_level_distribution(structure, make_user):
    a, b, c = make_user(), make_user(), make_user()
    _record(a, structure, Level.L0_PRESENCE)
    _record(a, structure, Level.L5_DECISION)
    _record(b, structure, Level.L3_CONTRIBUTION)
    _record(c, structure, Level.L3_CONTRIBUTION)
    dist = participants_by_highest_level(structure.id)
    assert dist[Level.L5_DECISION] == 1
    assert dist[Level.L3_CONTRIBUTION] == 2
    assert dist[Level.L0_PRESENCE] == 0
    assert count_participants(structure.id, min_level=Level.L3_CONTRIBUTION) == 3
    assert count_participants(structure.id, min_level=Level.L4_CONCERTATION) == 1


def test_entry_is_part_of_the_act_transaction(structure, make_user):
    person = make_user()
    record_participation(person, structure_id=structure.id, kind="test.act", level=Level.L2_CONSULTATION)
    db.session.rollback()
    assert count_participants(structure.id) == 0
