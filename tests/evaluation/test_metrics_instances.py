"""Participation bodies metrics P1–P11 through the catalogue: meetings closed, votes counted and
opinions answered through the services (so the ledger is what the app writes), exact values,
period edges in local time, exclusions, ages at the time, two structures."""

from datetime import date
from decimal import Decimal

import pytest

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation import metrics
from app.extensions import db
from app.factories import make_structure, make_user
from app.instances import meetings
from app.instances.models import AttendanceStatus, InstanceType, Nature, QuorumBase
from app.ledger.models import Level
from tests.evaluation.factories import (
    act,
    anonymise,
    block,
    held_meeting,
    local,
    opinion,
    publish_minutes,
    voted_motion,
)
from tests.instances.factories import add_seat, make_instance, make_meeting

CODES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P7D", "P8", "P9", "P11")
PRESENT, REPRESENTED = AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED
SINCE = date(2024, 1, 1)


@pytest.fixture
def centres(structure):
    """Centre A (the `structure` fixture) and centre B, in 2025 unless said (ages in 2025).

    A's comité d'usagers (quorum 3 present or represented, proxies, minutes within 15 days): Awa
    (25), Bruno (45, account deleted since), Chantal (75), Julie (staff), an elected member by right,
    a test account and a blocked account, all voting.
    - M1 10/3 18:00: Awa, Bruno (proxy to Awa), Julie, the elected member, test and blocked accounts
      there → held; minutes published 26/3 at 00:30 (one day late); motion adopted 4-1.
    - M2 2/6: Chantal alone → adjourned for lack of quorum; motion 1-0-0 → quorum not reached.
    - M3 15/9: Awa, Bruno, Chantal → held; minutes published 20/9 (on time).
    A's CA (no quorum rule): Denise (40), Karim (26), Lucas (20).
    - M4 31/12/2025 at 23:30: Denise, Karim → held (2025); motion rejected 0-2 at 23:45.
    - M5 1/1/2026 at 00:30: Denise, Lucas → 2026; motion adopted at 00:45 (2026).
    - M6 31/12/2024 at 23:30: Lucas → 2024.
    A's commission: a meeting cancelled and one never closed.
    Opinions of the comité to the CA: sent 1/2 (answered 11/2), 1/4 (answered 5/4), 20/11 (not
    answered), 31/12/2024 at 23:30 and 1/1/2026 at 00:30 (outside 2025).
    Ledger acts at level L0: Awa and Mona.
    B's comité (no quorum rule): Nora at M7 on 5/5 → held.
    """
    a = structure
    b = make_structure("Espace de vie sociale Le Préau")
    staff = make_user(a, role=Role.STAFF, display_name="Julie (équipe)", birth_year=1990)
    p = {
        name: make_user(a, display_name=name, birth_year=year)
        for name, year in (
            ("Awa", 2000),
            ("Bruno", 1980),
            ("Chantal", 1950),
            ("Denise", 1985),
            ("Karim", 1999),
            ("Lucas", 2005),
            ("Mona", 1970),
        )
    }
    elected = make_user(a, display_name="Élu de la ville", birth_year=1960)
    tester = make_user(a, display_name="Compte de test", is_test=True, birth_year=2000)
    blocked = make_user(a, display_name="Compte bloqué", birth_year=2000)
    db.session.commit()

    board = make_instance(a, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    comite = make_instance(
        a,
        "Comité d'usagers",
        proxies_allowed=True,
        proxies_max=1,
        quorum_base=QuorumBase.PRESENT_REPRESENTED,
        quorum_is_percent=False,
        quorum_threshold=3,
        minutes_deadline_days=15,
    )
    commission = make_instance(a, "Commission animation", instance_type=InstanceType.COMMISSION)
    for person in (p["Awa"], p["Bruno"], p["Chantal"], staff, tester, blocked):
        add_seat(comite, person, start_date=SINCE)
    add_seat(comite, elected, start_date=SINCE, college="ex_officio", ex_officio=True)
    for name in ("Denise", "Karim", "Lucas"):
        add_seat(board, p[name], start_date=SINCE)
    add_seat(commission, p["Mona"], start_date=SINCE)

    m1 = held_meeting(
        comite,
        local(2025, 3, 10, 18),
        {
            p["Awa"]: PRESENT,
            p["Bruno"]: (REPRESENTED, p["Awa"]),
            staff: PRESENT,
            elected: PRESENT,
            tester: PRESENT,
            blocked: PRESENT,
        },
        by=staff,
    )
    m2 = held_meeting(comite, local(2025, 6, 2, 18), {p["Chantal"]: PRESENT}, by=staff)
    m3 = held_meeting(
        comite, local(2025, 9, 15, 18), {p["Awa"]: PRESENT, p["Bruno"]: PRESENT, p["Chantal"]: PRESENT}, by=staff
    )
    m4 = held_meeting(board, local(2025, 12, 31, 23, 30), {p["Denise"]: PRESENT, p["Karim"]: PRESENT}, by=staff)
    m5 = held_meeting(board, local(2026, 1, 1, 0, 30), {p["Denise"]: PRESENT, p["Lucas"]: PRESENT}, by=staff)
    held_meeting(board, local(2024, 12, 31, 23, 30), {p["Lucas"]: PRESENT}, by=staff)
    meetings.cancel_meeting(make_meeting(commission, starts_at=local(2025, 5, 5, 18)), "Salle indisponible", by=staff)
    make_meeting(commission, starts_at=local(2025, 10, 10, 18))
    publish_minutes(m1, local(2025, 3, 26, 0, 30), by=staff)
    publish_minutes(m3, local(2025, 9, 20, 10), by=staff)
    meetings.save_minutes(m4, "Brouillon.", by=staff)

    voted_motion(m1, (4, 1, 0), local(2025, 3, 10, 19), by=staff)
    voted_motion(m2, (1, 0, 0), local(2025, 6, 2, 19), by=staff)
    voted_motion(m4, (0, 2, 0), local(2025, 12, 31, 23, 45), by=staff)
    voted_motion(m5, (2, 0, 0), local(2026, 1, 1, 0, 45), by=staff)

    opinion(comite, board, local(2025, 2, 1), by=staff, answered_on=date(2025, 2, 11))
    opinion(comite, board, local(2025, 4, 1), by=staff, answered_on=date(2025, 4, 5))
    opinion(comite, board, local(2025, 11, 20), by=staff)
    opinion(comite, board, local(2024, 12, 31, 23, 30), by=staff, answered_on=date(2025, 1, 10))
    opinion(comite, board, local(2026, 1, 1, 0, 30), by=staff, answered_on=date(2026, 1, 5))

    act(p["Awa"], a, local(2025, 4, 4))
    act(p["Mona"], a, local(2025, 4, 4))
    block(blocked)
    anonymise(p["Bruno"])

    b_staff = make_user(b, role=Role.STAFF)
    nora = make_user(b, display_name="Nora", birth_year=1990)
    b_comite = make_instance(b, "Comité d'usagers")
    add_seat(b_comite, nora, start_date=SINCE)
    held_meeting(b_comite, local(2025, 5, 5, 18), {nora: PRESENT}, by=b_staff)
    return a, b


def figures(structure_ids, year=2025, **kwargs):
    return metrics.compute(CODES, metrics.Scope.year(structure_ids, year, **kwargs))


def test_values_of_each_centre_and_of_both(centres):
    a, b = centres
    expected = {
        # code: (A, B, A + B)
        "P1": (2, 1, 3),
        "P2": (3, 1, 4),
        "P3": (5, 1, 6),
        "P4": (Decimal("68.9"), Decimal("100.0"), Decimal("76.7")),
        "P5": (Decimal("66.7"), None, Decimal("66.7")),
        "P6": (Decimal("33.3"), Decimal("0.0"), Decimal("25.0")),
        "P7": (Decimal("66.7"), None, Decimal("66.7")),
        "P7D": (Decimal("7"), None, Decimal("7")),
        "P8": (3, 0, 3),
        "P9": (Decimal("47.1"), None, Decimal("47.1")),
        "P11": (7, 1, 8),
    }
    for index, ids in enumerate((a.id, b.id, (a.id, b.id))):
        got = figures(ids)
        assert {code: got[code].value for code in CODES} == {code: values[index] for code, values in expected.items()}


def test_counts_behind_the_ratios(centres):
    a, _b = centres
    got = figures(a.id)
    assert (got["P5"].numerator, got["P5"].denominator) == (2, 3)
    assert (got["P6"].numerator, got["P6"].denominator) == (1, 3)
    assert (got["P7"].numerator, got["P7"].denominator) == (2, 3)
    assert (got["P9"].numerator, got["P9"].denominator) == (8, 17)
    assert got["P4"].denominator == 3


def test_breakdowns(centres):
    a, b = centres
    both = figures((a.id, b.id))
    assert both["P1"].breakdown == [("Conseil d'administration", 1), ("Comité d'usagers", 2)]
    assert both["P2"].breakdown == [("Conseil d'administration", 1), ("Comité d'usagers", 3)]
    assert both["P8"].breakdown == [("Adoptées", 1), ("Rejetées", 1), ("Quorum non atteint", 1)]
    assert figures(a.id)["P11"].breakdown == [
        ("L0 Présence", 1),  # Mona (Awa's presence is outranked by her comité)
        ("L1 Information", 0),
        ("L2 Consultation", 0),
        ("L3 Contribution", 0),
        ("L4 Concertation, co-construction", 4),  # Awa, Bruno, Chantal, the elected member
        ("L5 Décision", 2),  # Denise, Karim
    ]


def test_meetings_belong_to_their_local_day(centres):
    """M4 (31/12/2025 23:30) is 2025; M5 (1/1/2026 00:30, still 2025 in UTC) is 2026; M6 is 2024."""
    a, _b = centres
    assert [figures(a.id, year)["P3"].value for year in (2024, 2025, 2026)] == [1, 5, 2]
    assert [figures(a.id, year)["P8"].value for year in (2024, 2025, 2026)] == [0, 3, 1]


def test_habitants_in_instances_by_age_at_the_meeting(centres):
    a, _b = centres
    assert figures(a.id, age_bracket=AgeBracket.YOUNG)["P3"].value == 1  # Awa (25); Karim is 26
    assert figures(a.id, age_bracket=AgeBracket.ADULT)["P3"].value == 3  # Bruno, Denise, Karim
    assert figures(a.id, age_bracket=AgeBracket.SENIOR)["P3"].value == 1  # Chantal


def test_left_out_of_p3(centres):
    """Staff, the elected member by right, the test and blocked accounts were there; not counted."""
    a, _b = centres
    from app.ledger.models import LedgerEntry

    rows = db.session.scalars(metrics.Scope.year(a.id, 2025).ledger().where(LedgerEntry.kind == "meeting.attend")).all()
    assert {row.level for row in rows} == {Level.L4_CONCERTATION, Level.L5_DECISION}
    assert figures(a.id)["P3"].value == 5
