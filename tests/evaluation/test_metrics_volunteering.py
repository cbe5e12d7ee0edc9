"""Volunteering metrics B1–B14 through the catalogue, on a small hand-built pair of centres, with
exact values: period edges, exclusions, ages at the time of the acts, two structures."""

from datetime import date
from decimal import Decimal

import pytest

from app.centres.models import Role
from app.evaluation import metrics
from app.extensions import db
from app.factories import make_structure, make_user
from app.instances.models import InstanceType, Nature, SeatStatus
from app.volunteering import reports
from app.volunteering.models import Category, ValuationPolicy
from tests.evaluation.factories import anonymise, block, local
from tests.helpers import count_queries
from tests.instances.factories import add_seat, make_instance
from tests.volunteering.hours_factories import proposed, validated

CODES = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B12", "B13", "B14")


@pytest.fixture
def centres(structure):
    """Centre A (the `structure` fixture) and centre B. In A, for 2025 (ages in 2025):

    - Amina (22): 2 h activité on 1/1/2025 (first day), 3 h on 31/12/2024 (the day before);
    - Bernard (65): 4 h gouvernance on 31/12/2025 (last day);
    - Chloé (15): 5 h événement on 1/1/2026 (the day after);
    - Denise (40): CA seat (habitants, voting) since 1/6/2024;
    - Émile (no birth year, bracket 18-25): comité de pilotage seat since 1/3/2025, 1,5 h pilotage;
    - Fatou (age unknown): CA seat (associations) since 2024, ended on 30/12/2025;
    - Gaspard (13 then, birth year changed since): 10 h encadrement on 10/5/2025;
    - Hugo: hours proposed only; Iris (24): 6 h activité on 15/6/2025, account deleted since;
    - Karim (26): CA seat (habitants, no vote) since 1/9/2025; Léa: 2 h activité on 3/3/2024 only;
    - an elected member by right on the CA (voting);
    - left out: hours of staff acting as staff and their CA seat, a test account, a blocked account.
    A full-time reference of 100 h is in force in A from 31/12/2025.
    In B: Olga (25) 8 h activité on 6/6/2025 (and 4 h on 2/2/2026, under a reference of 8 h in force
    from 2026); Paul (75) CA seat (habitants) since 2024.
    """
    a = structure
    b = make_structure("Espace de vie sociale Le Préau")
    db.session.add(
        ValuationPolicy(
            structure_id=a.id, effective_from=date(2025, 12, 31), default_rate=Decimal("11.88"), full_time_hours=100
        )
    )
    staff, other_staff = make_user(a, role=Role.STAFF), make_user(a, role=Role.STAFF)
    p = {
        "Amina": make_user(a, display_name="Amina", birth_year=2003),
        "Bernard": make_user(a, display_name="Bernard", birth_year=1960),
        "Chloé": make_user(a, display_name="Chloé", birth_year=2010),
        "Denise": make_user(a, display_name="Denise", birth_year=1985),
        "Émile": make_user(a, display_name="Émile", age_bracket="18-25"),
        "Fatou": make_user(a, display_name="Fatou"),
        "Gaspard": make_user(a, display_name="Gaspard", birth_year=2012),
        "Hugo": make_user(a, display_name="Hugo", birth_year=1990),
        "Iris": make_user(a, display_name="Iris", birth_year=2001),
        "Karim": make_user(a, display_name="Karim", birth_year=1999),
        "Léa": make_user(a, display_name="Léa", birth_year=1995),
    }
    db.session.commit()
    validated(a, p["Amina"], staff, date(2025, 1, 1), "2", Category.ACTIVITY)
    validated(a, p["Amina"], staff, date(2024, 12, 31), "3", Category.ACTIVITY)
    validated(a, p["Bernard"], staff, date(2025, 12, 31), "4", Category.GOVERNANCE)
    validated(a, p["Chloé"], staff, date(2026, 1, 1), "5", Category.EVENT)
    validated(a, p["Émile"], staff, date(2025, 5, 11), "1.5", Category.STEERING)
    validated(a, p["Gaspard"], staff, date(2025, 5, 10), "10", Category.SUPERVISION)
    validated(a, p["Iris"], staff, date(2025, 6, 15), "6", Category.ACTIVITY)
    validated(a, p["Léa"], staff, date(2024, 3, 3), "2", Category.ACTIVITY)
    proposed(a, p["Hugo"], date(2025, 2, 2), "6")

    board = make_instance(a, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    steering = make_instance(a, "Comité de pilotage", instance_type=InstanceType.STEERING_COMMITTEE)
    add_seat(board, p["Denise"], start_date=date(2024, 6, 1))
    add_seat(steering, p["Émile"], start_date=date(2025, 3, 1))
    fatou = add_seat(board, p["Fatou"], start_date=date(2024, 1, 1), college="associations")
    fatou.status, fatou.ended_at = SeatStatus.ENDED, local(2025, 12, 30, 18)
    add_seat(board, p["Karim"], start_date=date(2025, 9, 1), has_vote=False)
    elected = make_user(a, display_name="Élue de la ville", birth_year=1975)
    add_seat(board, elected, start_date=date(2024, 1, 1), college="ex_officio", ex_officio=True)

    # Left out of every count.
    validated(a, staff, other_staff, date(2025, 4, 4), "7", Category.ACTIVITY)
    add_seat(board, staff, start_date=date(2024, 1, 1), college="salaries")
    tester = make_user(a, display_name="Compte de test", is_test=True, birth_year=2005)
    validated(a, tester, staff, date(2025, 4, 4), "7", Category.ACTIVITY)
    add_seat(board, tester, start_date=date(2024, 1, 1))
    blocked = make_user(a, display_name="Compte bloqué", birth_year=2005)
    validated(a, blocked, staff, date(2025, 4, 4), "7", Category.ACTIVITY)
    add_seat(board, blocked, start_date=date(2024, 1, 1))
    block(blocked)

    # Demographics as they were at the time: a corrected birth year, a deleted account.
    p["Gaspard"].birth_year = 1990
    anonymise(p["Iris"])

    # B's reference of 8 h comes into force after 2025: not used for 2025.
    db.session.add(
        ValuationPolicy(
            structure_id=b.id, effective_from=date(2026, 1, 1), default_rate=Decimal("12"), full_time_hours=8
        )
    )
    b_staff = make_user(b, role=Role.STAFF)
    olga = make_user(b, display_name="Olga", birth_year=2000)
    validated(b, olga, b_staff, date(2025, 6, 6), "8", Category.ACTIVITY)
    validated(b, olga, b_staff, date(2026, 2, 2), "4", Category.ACTIVITY)
    b_board = make_instance(b, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    add_seat(b_board, make_user(b, display_name="Paul", birth_year=1950), start_date=date(2024, 1, 1))
    db.session.commit()
    return a, b


def figures(structure_ids, year=2025):
    return metrics.compute(CODES, metrics.Scope.year(structure_ids, year))


def test_values_of_each_centre_and_of_both(centres):
    a, b = centres
    expected = {
        # code: (A, B, A + B)
        "B1": (8, 2, 10),
        "B2": (3, 1, 4),
        "B3": (5, 1, 6),
        "B4": (3, 1, 4),
        "B5": (Decimal("50.0"), Decimal("100.0"), Decimal("66.7")),
        "B6": (Decimal("23.5"), Decimal("8"), Decimal("31.5")),
        "B7": (Decimal("0.24"), Decimal("0.00"), Decimal("0.24")),
        "B8": (Decimal("279.18"), Decimal("95.04"), Decimal("374.22")),
        "B9": (5, 1, 6),
        "B10": (Decimal("75.0"), Decimal("100.0"), Decimal("80.0")),
        "B12": (4, 1, 5),
        "B13": (0, 0, 0),
        "B14": (8, 2, 10),
    }
    for index, ids in enumerate((a.id, b.id, (a.id, b.id))):
        got = figures(ids)
        assert {code: got[code].value for code in CODES} == {code: values[index] for code, values in expected.items()}


def test_ratios_keep_their_counts(centres):
    a, b = centres
    got = figures((a.id, b.id))
    assert (got["B5"].numerator, got["B5"].denominator) == (2, 3)
    assert (got["B10"].numerator, got["B10"].denominator) == (4, 5)


def test_board_by_college_on_the_last_day(centres):
    a, b = centres
    assert figures(a.id)["B4"].breakdown == [("Habitants", 2), ("Membres de droit", 1)]
    assert figures((a.id, b.id))["B4"].breakdown == [("Habitants", 3), ("Membres de droit", 1)]
    # On 30/12/2025 Fatou still sat (her seat ended that evening).
    day = metrics.compute(["B4"], metrics.Scope.of(a.id, date(2025, 1, 1), date(2025, 12, 30)))["B4"]
    assert day.breakdown == [("Habitants", 2), ("Associations", 1), ("Membres de droit", 1)]


def test_hours_by_category(centres):
    a, _b = centres
    assert figures(a.id)["B6"].breakdown == [
        ("Activité", Decimal("8")),
        ("Gouvernance (CA, bureau, AG)", Decimal("4")),
        ("Pilotage et instances consultatives", Decimal("1.5")),
        ("Encadrement de bénévoles", Decimal("10")),
        ("Ponctuel, événement", Decimal("0")),
    ]


def test_the_totals_alone_are_the_same_figures(centres):
    """`breakdowns=False` (the dashboard's key figures): B6 from the one SELECT, beside B1 and B3
    that read the same hours, gives the total of its breakdown."""
    a, b = centres
    for ids in (a.id, b.id, (a.id, b.id)):
        for year in (2024, 2025, 2026):
            full = figures(ids, year)
            with count_queries() as queries:
                alone = metrics.compute(("B1", "B3", "B6"), metrics.Scope.year(ids, year), breakdowns=False)
            assert queries.count == 1
            assert alone["B6"].breakdown == []
            assert {c: alone[c].value for c in alone} == {c: full[c].value for c in ("B1", "B3", "B6")}
            assert alone["B6"].value == sum(hours for _label, hours in full["B6"].breakdown)


def test_ages_are_those_of_the_acts(centres):
    """Gaspard's corrected birth year and Iris's deleted account do not change their ages then."""
    a, b = centres
    assert figures(a.id)["B14"].breakdown == [
        ("Moins de 11 ans", 0),
        ("11 à 17 ans", 1),  # Gaspard
        ("18 à 25 ans", 3),  # Amina, Émile (declared bracket), Iris
        ("26 à 59 ans", 2),  # Denise, Karim
        ("60 ans et plus", 1),  # Bernard
        ("Âge non renseigné", 1),  # Fatou
    ]
    # In 2026: Chloé (16, hours of 1/1/2026) is young; Denise and Karim (27), still on the CA, are not.
    got = figures(a.id, 2026)
    assert (got["B1"].value, got["B12"].value) == (3, 1)


def test_fte_is_the_volunteering_report_s(centres):
    """One query here, the same figure as the volunteering reports (reference in force at the end)."""
    a, b = centres
    for ids in (a.id, b.id, (a.id, b.id)):
        assert figures(ids)["B7"].value == reports.b7_fte(ids, date(2025, 1, 1), date(2025, 12, 31))
    assert figures(b.id, 2026)["B7"].value == Decimal("0.50")  # 4 h ÷ 8 h


def test_period_edges(centres):
    a, _b = centres
    # Amina's hours of 31/12/2024 belong to 2024, Chloé's of 1/1/2026 to 2026.
    assert figures(a.id, 2024)["B6"].value == Decimal("5")
    assert metrics.compute(["B2"], metrics.Scope.of(a.id, date(2026, 1, 1), date(2026, 1, 1)))["B2"].value == 1


def test_cec_eligible(structure):
    staff = make_user(structure, role=Role.STAFF)
    chair = make_user(structure, display_name="Présidente")
    db.session.commit()
    for day in range(1, 10):
        validated(structure, chair, staff, date(2025, 3, day), "23", Category.GOVERNANCE)
    got = metrics.compute(["B13", "B6"], metrics.Scope.year(structure.id, 2025))
    assert (got["B13"].value, got["B6"].value) == (1, Decimal("207"))
