"""Metrics B1–B3, B6–B10, B13 on a small hand-built centre, with exact values and period edges."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances.models import InstanceType, Nature, SeatStatus
from app.volunteering import hours as services
from app.volunteering import reports
from app.volunteering.models import Category
from tests.instances.factories import add_seat, make_instance
from tests.volunteering.hours_factories import proposed, validated

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def centre(structure, make_user):
    """The data set (names by initial):

    - Amina: 2 h activité on 1/1/2026 (first day) and 3 h on 31/12/2025 (the day before);
    - Bernard: 4 h gouvernance on 31/12/2026 (last day);
    - Chloé: 5 h événement on 1/1/2027 (the day after);
    - Denise: CA seat since 1/6/2025, no hours;
    - Émile: comité de pilotage seat since 1/3/2026, no hours;
    - Fatou: CA seat from 1/1/2025, ended on 31/12/2025 at 18:00;
    - Gaspard: 10 h encadrement on 10/5 and 1,5 h pilotage on 11/5/2026;
    - Hugo: hours proposed and refused only;
    - left out: a staff member's validated hours and CA seat, a test account, a blocked account,
      an ex officio CA seat, an AG seat, and a person of another centre.
    """
    staff = make_user(role=Role.STAFF, display_name="Julie (équipe)")
    other_staff = make_user(role=Role.STAFF, display_name="Marc (équipe)")
    p = {name: make_user(display_name=name) for name in ("Amina", "Bernard", "Chloé", "Denise", "Émile", "Fatou")}
    p["Gaspard"], p["Hugo"] = make_user(display_name="Gaspard"), make_user(display_name="Hugo")

    validated(structure, p["Amina"], staff, date(2026, 1, 1), "2", Category.ACTIVITY)
    validated(structure, p["Amina"], staff, date(2025, 12, 31), "3", Category.ACTIVITY)
    validated(structure, p["Bernard"], staff, date(2026, 12, 31), "4", Category.GOVERNANCE)
    validated(structure, p["Chloé"], staff, date(2027, 1, 1), "5", Category.EVENT)
    validated(structure, p["Gaspard"], staff, date(2026, 5, 10), "10", Category.SUPERVISION)
    validated(structure, p["Gaspard"], staff, date(2026, 5, 11), "1.5", Category.STEERING)
    proposed(structure, p["Hugo"], date(2026, 2, 2), "6")
    services.reject_entry(proposed(structure, p["Hugo"], date(2026, 2, 3), "6"), "Doublon", staff)

    board = make_instance(
        structure, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION
    )
    steering = make_instance(
        structure, "Comité de pilotage du projet social", instance_type=InstanceType.STEERING_COMMITTEE
    )
    assembly = make_instance(structure, "Assemblée générale", instance_type=InstanceType.GENERAL_ASSEMBLY)
    add_seat(board, p["Denise"], start_date=date(2025, 6, 1))
    add_seat(steering, p["Émile"], start_date=date(2026, 3, 1))
    fatou = add_seat(board, p["Fatou"], start_date=date(2025, 1, 1))
    fatou.status, fatou.ended_at = SeatStatus.ENDED, datetime(2025, 12, 31, 18, 0)

    # Left out of every count.
    validated(structure, staff, other_staff, date(2026, 4, 4), "7", Category.ACTIVITY)  # staff acting as staff
    add_seat(board, staff, start_date=date(2024, 1, 1))
    tester = make_user(display_name="Compte de test", is_test=True)
    validated(structure, tester, staff, date(2026, 4, 4), "7", Category.ACTIVITY)
    add_seat(board, tester, start_date=date(2024, 1, 1))
    blocked = make_user(display_name="Compte bloqué")
    validated(structure, blocked, staff, date(2026, 4, 4), "7", Category.ACTIVITY)
    blocked.is_blocked = True
    add_seat(board, make_user(display_name="Élue (membre de droit)"), start_date=date(2024, 1, 1), ex_officio=True)
    add_seat(assembly, make_user(display_name="Adhérent à l'AG"), start_date=date(2024, 1, 1))
    elsewhere = make_structure("Espace de vie sociale Le Préau")
    outsider = make_user(elsewhere, display_name="Olga")
    validated(elsewhere, outsider, make_user(elsewhere, role=Role.STAFF), date(2026, 6, 6), "8", Category.ACTIVITY)
    db.session.commit()
    return {"people": p, "staff": staff, "elsewhere": elsewhere, "structure": structure}


def test_b1_volunteers(centre):
    ids = [centre["structure"].id]
    assert reports.b1_volunteers(ids, *YEAR) == 4  # Amina, Bernard, Denise (seat), Gaspard
    assert reports.b1_volunteers(ids, date(2026, 1, 1), date(2026, 1, 1)) == 2  # Amina's first day, Denise
    assert reports.b1_volunteers(ids, date(2025, 12, 31), date(2025, 12, 31)) == 3  # Amina, Denise, Fatou's last day
    assert reports.b1_volunteers(ids, date(2026, 12, 31), date(2026, 12, 31)) == 2  # Bernard, Denise
    assert reports.b1_volunteers(ids, date(2027, 1, 1), date(2027, 12, 31)) == 2  # Chloé, Denise
    assert reports.b1_volunteers([centre["structure"].id, centre["elsewhere"].id], *YEAR) == 5  # + Olga
    assert reports.b1_volunteers(centre["structure"].id, *YEAR) == 4  # one id is fine too


def test_b2_activity_volunteers(centre):
    ids = [centre["structure"].id]
    assert reports.b2_activity_volunteers(ids, *YEAR) == 2  # Amina (activité), Gaspard (encadrement)
    assert reports.b2_activity_volunteers(ids, date(2026, 1, 2), date(2026, 12, 31)) == 1  # Gaspard


def test_b3_governance_volunteers(centre):
    ids = [centre["structure"].id]
    assert reports.b3_governance_volunteers(ids, *YEAR) == 3  # Bernard (hours), Denise (CA), Émile (pilotage)
    assert reports.b3_governance_volunteers(ids, date(2026, 1, 1), date(2026, 2, 28)) == 1  # Denise
    assert reports.b3_governance_volunteers(ids, date(2026, 3, 1), date(2026, 3, 1)) == 2  # + Émile's first day
    # Pilotage hours alone are not governance (Gaspard): B3 counts gouvernance entries only.


def test_b6_hours_and_b8_value(centre):
    ids = [centre["structure"].id]
    result = reports.b6_hours(ids, *YEAR)
    assert result.hours == {
        Category.ACTIVITY: Decimal("2"),
        Category.GOVERNANCE: Decimal("4"),
        Category.STEERING: Decimal("1.5"),
        Category.SUPERVISION: Decimal("10"),
        Category.EVENT: Decimal("0"),
    }
    assert result.total_hours == Decimal("17.5")
    assert result.entries == 4
    assert result.value[Category.SUPERVISION] == Decimal("120.20")
    assert result.total_value == Decimal("210.35")  # 17.5 h × 12.02 €
    assert reports.b8_valuation(ids, *YEAR) == Decimal("210.35")
    assert reports.b6_hours(ids, date(2026, 1, 2), date(2026, 12, 30)).total_hours == Decimal("11.5")
    assert reports.b8_valuation(ids, date(2025, 1, 1), date(2025, 12, 31)) == Decimal("35.64")  # 3 × 11.88


def test_b7_fte_uses_the_reference_in_force_at_the_end(centre):
    ids = [centre["structure"].id]
    assert reports.b7_fte(ids, *YEAR) == Decimal("0.01")  # 17.5 ÷ 1,607
    services.add_policy(
        centre["structure"],
        {"effective_from": date(2026, 6, 1), "default_rate": Decimal(20), "full_time_hours": 100},
        centre["staff"],
    )
    db.session.commit()
    assert reports.b7_fte(ids, *YEAR) == Decimal("0.18")  # 17.5 ÷ 100 = 0.175
    assert reports.b7_fte(ids, date(2026, 1, 1), date(2026, 5, 31)) == Decimal("0.01")  # 13.5 ÷ 1,607
    # The new policy changed no past value.
    assert reports.b8_valuation(ids, *YEAR) == Decimal("210.35")


def test_b9_new_volunteers(centre):
    ids = [centre["structure"].id]
    # Bernard and Gaspard; not Amina (hours in 2025) nor Denise (CA seat since 2025).
    assert reports.b9_new_volunteers(ids, *YEAR) == 2
    # From 31/12/2025 on, Amina's first hours are inside the period: she is new too.
    assert reports.b9_new_volunteers(ids, date(2025, 12, 31), date(2026, 12, 31)) == 3
    assert reports.b9_new_volunteers(ids, date(2025, 1, 1), date(2025, 12, 31)) == 3  # Amina, Denise, Fatou


def test_b10_retention(centre):
    ids = [centre["structure"].id]
    retention = reports.b10_retention(ids, *YEAR)
    # B1(2025) = Amina, Denise, Fatou; still there in 2026: Amina and Denise.
    assert (retention.kept, retention.previous, retention.rate) == (2, 3, Decimal("0.6667"))
    nobody = reports.b10_retention(ids, date(2024, 1, 1), date(2024, 12, 31))
    assert (nobody.kept, nobody.previous, nobody.rate) == (0, 0, None)


def test_volunteer_counts_in_one_query_agree(centre):
    from tests.helpers import count_queries

    ids = [centre["structure"].id]
    with count_queries() as queries:
        counts = reports.volunteer_counts(ids, *YEAR)
    assert queries.count == 1
    assert (counts.b1, counts.b2, counts.b3, counts.b9) == (4, 2, 3, 2)
    assert (counts.retention.kept, counts.retention.previous) == (2, 3)


def test_hours_by_month(centre):
    months = reports.hours_by_month([centre["structure"].id], *YEAR)
    assert [m.month for m, _hours, _total in months] == list(range(1, 13))
    by_month = {m.month: (hours, total) for m, hours, total in months}
    assert by_month[1][1] == Decimal("2") and by_month[1][0][Category.ACTIVITY] == Decimal("2")
    assert by_month[5][0][Category.SUPERVISION] == Decimal("10")
    assert by_month[5][1] == Decimal("11.5")
    assert by_month[12][0][Category.GOVERNANCE] == Decimal("4")
    assert by_month[2][1] == Decimal("0")  # Hugo's hours are not validated
    across = reports.hours_by_month([centre["structure"].id], date(2025, 12, 15), date(2026, 1, 15))
    assert [(m, total) for m, _hours, total in across] == [
        (date(2025, 12, 1), Decimal("3")),
        (date(2026, 1, 1), Decimal("2")),
    ]


def test_statements(centre):
    rows = reports.statements([centre["structure"].id], *YEAR)
    assert [(s.name, s.total_hours, s.value, s.entries, s.cec_hours) for s in rows] == [
        ("Amina", Decimal("2"), Decimal("24.04"), 1, Decimal("0")),
        ("Bernard", Decimal("4"), Decimal("48.08"), 1, Decimal("4")),
        ("Gaspard", Decimal("11.5"), Decimal("138.23"), 2, Decimal("10")),
    ]


def test_b13_cec_eligible(structure, make_user):
    staff = make_user(role=Role.STAFF)
    elsewhere = make_structure("Centre social La Passerelle")
    other_staff = make_user(elsewhere, role=Role.STAFF)
    quentin, rose, sami = (
        make_user(display_name="Quentin"),
        make_user(display_name="Rose"),
        make_user(display_name="Sami"),
    )
    for day in range(1, 10):  # 9 × 23 h = 207 h of governance in 2026
        validated(structure, quentin, staff, date(2026, 3, day), "23", Category.GOVERNANCE)
    for day in range(1, 6):  # 5 × 22 h = 110 h of supervision here…
        validated(structure, rose, staff, date(2026, 4, day), "22", Category.SUPERVISION)
    for day in range(1, 6):  # … and 5 × 19 h = 95 h in another association
        validated(elsewhere, rose, other_staff, date(2026, 4, day), "19", Category.GOVERNANCE)
    for day in range(1, 10):  # 9 × 23 h = 207 h, but of activité: not eligible
        validated(structure, sami, staff, date(2026, 5, day), "23", Category.ACTIVITY)
    validated(structure, quentin, staff, date(2025, 12, 31), "23", Category.GOVERNANCE)  # another year
    here = [structure.id]
    rows = reports.cec_statements(here, *YEAR)
    assert [(r.name, r.hours, r.eligible, r.needs_other_association) for r in rows] == [
        ("Quentin", Decimal("207"), True, False),
        ("Rose", Decimal("110"), False, True),
    ]
    assert reports.b13_cec_eligible(here, *YEAR) == 1
    # Both associations together: Rose has 205 h, 110 h of them in one association.
    assert reports.b13_cec_eligible([structure.id, elsewhere.id], *YEAR) == 2
    assert reports.b13_cec_eligible(here, date(2025, 1, 1), date(2025, 12, 31)) == 0
