"""Hour entries: declare, validate (ledger + valuation snapshot), refuse, correct with a trace."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.instances.models import Attendance, AttendanceStatus, InstanceType, MeetingStatus, Nature
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from app.volunteering import hours as services
from app.volunteering.hours import HoursError, parse_hours
from app.volunteering.models import (
    Category,
    EntrySource,
    EntryStatus,
    HourEntry,
    HourRevision,
    MissionStatus,
    ValuationMethod,
)
from tests.instances.factories import make_instance, make_meeting
from tests.volunteering.factories import make_mission, make_shift
from tests.volunteering.hours_factories import attended, declared, proposed, validated

DAY = date(2026, 3, 14)


def _ledger(entry_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.object_type == "hourentry", LedgerEntry.object_id == entry_id)
        )
    )


@pytest.fixture
def people(make_user):
    return {
        "awa": make_user(display_name="Awa Diallo"),
        "lucien": make_user(display_name="Lucien Martin"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Bernard"),
    }


# --- typing hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("2", "2"),
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        (" 3 h ", "3"),
        ("1h30", "1.5"),
        ("1 h 30", "1.5"),
        ("1:30", "1.5"),
        ("0h45", "0.75"),
        ("45 min", "0.75"),
        ("1h20", "1.33"),
        ("2 heures", "2"),
        ("7,25", "7.25"),
    ],
)
def test_parse_hours_understands_what_people_type(text, hours):
    assert parse_hours(text) == Decimal(hours)


@pytest.mark.parametrize("text", ["", "deux", "1h75", "-2", "2,5,5", "1:2:3", "=1+1", "1e3"])
def test_parse_hours_refuses_the_rest(text):
    with pytest.raises(ValueError):
        parse_hours(text)


# --- declaring -----------------------------------------------------------------------------------


def test_declare_hours_proposes_an_entry(structure, people):
    mission = make_mission(structure, is_skill_based=True)
    entry = services.declare_hours(
        structure,
        people["awa"],
        {
            "day": DAY,
            "hours": Decimal("2.5"),
            "category": Category.EVENT,
            "description": "  Installation des stands  ",
            "mission_id": mission.id,
        },
        by=people["awa"],
    )
    db.session.commit()
    assert entry.status == EntryStatus.PROPOSED
    assert entry.source == EntrySource.DECLARED
    assert entry.declared_by_id == people["awa"].id
    assert entry.description == "Installation des stands"
    assert entry.mission_id == mission.id
    assert entry.is_skill_based  # from the mission
    assert entry.rate is None and entry.value is None  # valued at validation only
    assert _ledger(entry.id) == []  # counts once validated


def test_staff_declaring_for_a_person_is_recorded_as_declarer(structure, people):
    entry = services.declare_hours(
        structure,
        people["awa"],
        {"day": DAY, "hours": Decimal(3), "category": Category.ACTIVITY, "description": "Accueil"},
        by=people["staff"],
    )
    assert entry.person_id == people["awa"].id
    assert entry.declared_by_id == people["staff"].id


@pytest.mark.parametrize(
    ("hours", "day", "message"),
    [
        ("0", DAY, "supérieure à zéro"),
        ("24.01", DAY, "24 heures au plus"),
        ("2", date.today() + timedelta(days=2), "futur"),
        ("2", date(1999, 12, 31), "trop ancienne"),
    ],
)
def test_declare_hours_refuses_impossible_values(structure, people, hours, day, message):
    with pytest.raises(HoursError, match=message):
        services.declare_hours(
            structure,
            people["awa"],
            {"day": day, "hours": Decimal(hours), "category": Category.ACTIVITY, "description": "x"},
            by=people["awa"],
        )


def test_declare_hours_refuses_a_mission_of_another_centre_or_a_draft(structure, people):
    from app.factories import make_structure

    elsewhere = make_mission(make_structure("Espace de vie sociale Le Préau"))
    draft = make_mission(structure, "Brouillon", status=MissionStatus.DRAFT)
    for mission in (elsewhere, draft):
        with pytest.raises(HoursError, match="mission"):
            services.declare_hours(
                structure,
                people["awa"],
                {"day": DAY, "hours": 2, "category": Category.ACTIVITY, "description": "x", "mission_id": mission.id},
                by=people["awa"],
            )


def test_withdraw_a_declaration_until_it_is_validated(structure, people):
    entry = declared(structure, people["awa"], DAY)
    services.withdraw_entry(entry, people["awa"])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourEntry)) == 0
    done = validated(structure, people["awa"], people["staff"], DAY)
    with pytest.raises(HoursError, match="déjà été traitées"):
        services.withdraw_entry(done, people["awa"])


# --- validating ----------------------------------------------------------------------------------


def test_validation_snapshots_the_rate_and_writes_one_ledger_row(structure, people):
    entry = proposed(structure, people["awa"], DAY, "2.5", Category.ACTIVITY)
    services.validate_entry(entry, people["staff"])
    db.session.commit()
    db.session.refresh(entry)
    assert entry.status == EntryStatus.VALIDATED
    assert entry.validated_by_id == people["staff"].id
    assert entry.validated_at is not None
    assert (entry.rate, entry.rate_method, entry.rate_coefficient) == (
        Decimal("12.02"),
        ValuationMethod.SMIC_GROSS,
        Decimal("1"),
    )
    assert entry.value == Decimal("30.05")  # 2.5 × 12.02
    [row] = _ledger(entry.id)
    assert row.kind == "hours.validate"
    assert row.person_id == people["awa"].id
    assert row.level == Level.L3_CONTRIBUTION
    assert row.hours == Decimal("2.5")
    assert row.occurred_at == datetime(2026, 3, 14, 12, 0)
    assert row.recorded_by_id == people["staff"].id
    assert row.as_staff is False


def test_validation_uses_the_rate_of_the_entry_date_not_today(structure, people):
    entry = proposed(structure, people["awa"], date(2025, 12, 31), "2")
    services.validate_entry(entry, people["staff"])
    db.session.commit()
    assert entry.rate == Decimal("11.88")
    assert entry.value == Decimal("23.76")


@pytest.mark.parametrize(
    ("category", "level"),
    [
        (Category.GOVERNANCE, Level.L5_DECISION),
        (Category.STEERING, Level.L4_CONCERTATION),
        (Category.SUPERVISION, Level.L3_CONTRIBUTION),
        (Category.EVENT, Level.L3_CONTRIBUTION),
    ],
)
def test_ledger_level_follows_the_category(structure, people, category, level):
    entry = validated(structure, people["awa"], people["staff"], DAY, "1", category)
    assert _ledger(entry.id)[0].level == level


def test_validate_with_corrections(structure, people):
    entry = proposed(structure, people["awa"], DAY, "3", Category.ACTIVITY)
    services.validate_entry(
        entry, people["staff"], {"hours": Decimal("2.75"), "category": Category.GOVERNANCE, "day": date(2025, 6, 1)}
    )
    db.session.commit()
    assert (entry.hours, entry.category, entry.day) == (Decimal("2.75"), Category.GOVERNANCE, date(2025, 6, 1))
    assert entry.rate == Decimal("11.88")  # the corrected day's rate
    [row] = _ledger(entry.id)
    assert (row.hours, row.level, row.occurred_at) == (Decimal("2.75"), Level.L5_DECISION, datetime(2025, 6, 1, 12))
    assert entry.revisions == []  # a correction before validation is not a revision


def test_nobody_validates_their_own_hours(structure, people, make_user):
    admin = make_user(role=Role.ADMIN)
    entry = proposed(structure, admin, DAY)
    with pytest.raises(HoursError, match="propres heures"):
        services.validate_entry(entry, admin)
    assert entry.status == EntryStatus.PROPOSED


def test_validating_twice_is_refused_and_counts_once(structure, people, make_user):
    entry = proposed(structure, people["awa"], DAY)
    services.validate_entry(entry, people["staff"])
    db.session.commit()
    with pytest.raises(HoursError, match="déjà été traitées"):
        services.validate_entry(entry, make_user(role=Role.STAFF))
    db.session.rollback()
    assert len(_ledger(entry.id)) == 1
    assert entry.validated_by_id == people["staff"].id


def test_validate_entries_skips_own_other_missions_and_handled(structure, people, make_user):
    coordinator = make_user()
    mine = make_mission(structure, "Aide aux devoirs", coordinator=coordinator)
    other = make_mission(structure, "Jardin partagé")
    ok = proposed(structure, people["awa"], DAY, mission_id=mine.id)
    own = proposed(structure, coordinator, DAY, mission_id=mine.id)
    elsewhere = proposed(structure, people["lucien"], DAY, mission_id=other.id)
    meeting_like = proposed(structure, people["lucien"], DAY)
    done = validated(structure, people["lucien"], people["staff"], DAY, mission_id=mine.id)
    ids = [ok.id, own.id, elsewhere.id, meeting_like.id, done.id, "abc"]
    assert services.validate_entries(ids, coordinator, structure_id=structure.id) == (1, 4)
    db.session.commit()
    assert ok.status == EntryStatus.VALIDATED
    assert {own.status, elsewhere.status, meeting_like.status} == {EntryStatus.PROPOSED}
    # Staff validate the rest, except nothing of their own.
    assert services.validate_entries([own.id, elsewhere.id, meeting_like.id], people["staff"]) == (3, 0)


# --- refusing ------------------------------------------------------------------------------------


def test_reject_keeps_the_reason_and_tells_the_person(structure, people):
    entry = proposed(structure, people["awa"], DAY, "4")
    services.reject_entry(entry, "  Déjà compté   sur le créneau du samedi ", people["staff"])
    db.session.commit()
    assert entry.status == EntryStatus.REJECTED
    assert entry.reject_reason == "Déjà compté sur le créneau du samedi"
    assert _ledger(entry.id) == []
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == people["awa"].id))
    assert "Déjà compté sur le créneau du samedi" in note.message
    assert note.url == "/benevolat/heures/moi"
    with pytest.raises(HoursError, match="déjà été traitées"):
        services.reject_entry(entry, "Encore", people["staff"])
    with pytest.raises(HoursError, match="raison"):
        services.reject_entry(proposed(structure, people["awa"], DAY), "   ", people["staff"])


# --- correcting ----------------------------------------------------------------------------------


def test_correction_leaves_a_trace_and_moves_the_ledger(structure, people):
    entry = validated(structure, people["awa"], people["staff"], DAY, "3", Category.ACTIVITY)
    revision, revalued = services.correct_entry(
        entry, {"hours": Decimal("2"), "category": Category.ACTIVITY, "day": DAY}, "Parti·e à 16 h", people["staff"]
    )
    db.session.commit()
    assert revalued is False
    assert (revision.old_hours, revision.new_hours) == (Decimal("3"), Decimal("2"))
    assert (revision.old_day, revision.new_day) == (DAY, DAY)
    assert revision.reason == "Parti·e à 16 h"
    assert revision.changed_by_id == people["staff"].id
    assert entry.rate == Decimal("12.02")
    assert entry.value == Decimal("24.04")
    [row] = _ledger(entry.id)
    assert row.hours == Decimal("2")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hours_corrected"))
    details = json.loads(event.details)
    assert (details["old_hours"], details["new_hours"], details["revalued"]) == ("3.00", "2.00", False)
    assert "Parti" not in event.details  # free text stays in the revision, not the audit log


def test_correction_to_another_year_values_again(structure, people):
    entry = validated(structure, people["awa"], people["staff"], DAY, "2")
    _revision, revalued = services.correct_entry(entry, {"day": date(2025, 12, 20)}, "Mauvaise année", people["staff"])
    db.session.commit()
    assert revalued is True
    assert (entry.rate, entry.value) == (Decimal("11.88"), Decimal("23.76"))
    assert _ledger(entry.id)[0].occurred_at == datetime(2025, 12, 20, 12)


def test_correction_of_category_takes_its_own_rate_if_the_policy_has_one(structure, people):
    services.add_policy(
        structure,
        {"effective_from": date(2026, 1, 1), "default_rate": "12.02", "category_rates": {"gouvernance": "20"}},
        people["staff"],
    )
    entry = validated(structure, people["awa"], people["staff"], DAY, "2", Category.ACTIVITY)
    assert entry.value == Decimal("24.04")
    _revision, revalued = services.correct_entry(
        entry, {"category": Category.GOVERNANCE}, "C'était le CA", people["staff"]
    )
    assert revalued is True
    assert (entry.rate, entry.value) == (Decimal("20.00"), Decimal("40.00"))
    assert _ledger(entry.id)[0].level == Level.L5_DECISION
    _revision, revalued = services.correct_entry(
        entry, {"category": Category.STEERING}, "Non, le comité", people["staff"]
    )
    assert revalued is True and entry.rate == Decimal("12.02")


def test_correction_rules(structure, people):
    entry = validated(structure, people["awa"], people["staff"], DAY, "2")
    with pytest.raises(HoursError, match="raison"):
        services.correct_entry(entry, {"hours": Decimal(1)}, "  ", people["staff"])
    with pytest.raises(HoursError, match="Rien n'a changé"):
        services.correct_entry(entry, {"hours": Decimal(2), "day": DAY}, "Rien", people["staff"])
    with pytest.raises(HoursError, match="propres heures"):
        services.correct_entry(entry, {"hours": Decimal(1)}, "Moi", people["awa"])
    with pytest.raises(HoursError, match="24 heures"):
        services.correct_entry(entry, {"hours": Decimal(25)}, "Trop", people["staff"])
    with pytest.raises(HoursError, match="validées"):
        services.correct_entry(proposed(structure, people["awa"], DAY), {"hours": 1}, "x", people["staff"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRevision)) == 0


# --- from shifts and meetings to validated hours ---------------------------------------------------


def test_shift_hours_proposed_then_validated(structure, people):
    mission = make_mission(structure, "Buvette de la fête", category=Category.EVENT)
    shift = make_shift(mission, starts_at=datetime(2026, 6, 20, 13, 0), hours=3.5)
    signup = attended(shift, people["awa"])
    entry = db.session.scalar(sa.select(HourEntry).where(HourEntry.signup_id == signup.id))
    assert (entry.hours, entry.category, entry.source, entry.mission_id) == (
        Decimal("3.5"),
        Category.EVENT,
        EntrySource.SHIFT,
        mission.id,
    )
    services.validate_entry(entry, people["staff"])
    db.session.commit()
    assert entry.value == Decimal("42.07")  # 3.5 × 12.02
    assert _ledger(entry.id)[0].hours == Decimal("3.5")


def test_meeting_hours_proposed_then_validated(structure, people):
    board = make_instance(
        structure, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION
    )
    meeting = make_meeting(
        board, starts_at=datetime(2026, 4, 2, 17, 0), duration_minutes=150, status=MeetingStatus.HELD
    )
    db.session.add(Attendance(meeting_id=meeting.id, person_id=people["awa"].id, status=AttendanceStatus.PRESENT))
    db.session.add(Attendance(meeting_id=meeting.id, person_id=people["staff"].id, status=AttendanceStatus.PRESENT))
    db.session.commit()
    assert services.propose_meeting_hours(meeting) == 1  # staff are not volunteers
    db.session.commit()
    entry = db.session.scalar(sa.select(HourEntry).where(HourEntry.meeting_id == meeting.id))
    assert (entry.hours, entry.category) == (Decimal("2.5"), Category.GOVERNANCE)
    services.validate_entry(entry, people["staff"])
    db.session.commit()
    assert _ledger(entry.id)[0].level == Level.L5_DECISION
