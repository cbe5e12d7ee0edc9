"""Resident initiatives metrics I1–I10 through the catalogue: initiatives moved along their lifecycle
by the services at chosen local times (timeline and ledger as the app writes them), exact values,
period edges, exclusions, two structures."""

from datetime import date
from decimal import Decimal

import pytest

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation import metrics
from app.extensions import db
from app.factories import make_structure, make_user
from app.initiatives import services as initiatives
from app.initiatives.models import RejectReason, Status
from tests.evaluation.factories import accepted, advance, anonymise, block, headcount, local, propose

CODES = ("I1", "I2", "I3", "I4", "I5", "I8", "I9", "I10")


def _done(initiative, started, completed, participants, bilan, *, by):
    advance(initiative, started, "start", by=by)
    return advance(initiative, completed, "complete", participants, bilan, by=by)


@pytest.fixture
def centres(structure):
    """Centre A (the `structure` fixture) and centre B; decisions by Julie (staff) at noon.

    In A:
    - N1 Awa: sent 15/11/2024, accepted 10/12/2024, started 1/2, completed 30/6/2025 (40, bilan);
    - N2 Bruno with co-lead Chantal: sent 1/1/2025 at 00:30 (31/12/2024 in UTC), accepted with
      conditions 21/1 (20 days), started 1/3, still in progress;
    - N3 Chantal: sent 1/3, declined 31/3 (30 days);
    - N4 Denise: sent 31/12/2025 at 23:30, awaiting review; N5 Karim: sent 1/1/2026 at 00:30;
    - N6 Awa: sent 1/5, accepted 11/5 (10 days), completed 1/10 (25 participants, no bilan);
    - N10 Emma (account deleted since): sent 1/7, accepted 8/7 (7 days);
    - N11 Fred: accepted 2023, completed 2024; N12 Gina: accepted then abandoned in 2024;
    - N13 Hana: sent 1/8, postponed 1/9; N14 Awa: a draft; N15 Ivan: sent 1/6, not published 5/6;
    - left out: N7 by a test account, N8 by Julie herself, N9 by Lucas (blocked since), all accepted.
    - headcounts: events on 21/6 and 31/12/2025 (and on 31/12/2024, 1/1/2026), plus an accueil tally.
    In B: Olga sent 3/3, accepted 13/3, completed 4/4/2025 (12, bilan); one event on 9/9.
    """
    a = structure
    b = make_structure("Espace de vie sociale Le Préau")
    staff = make_user(a, role=Role.STAFF, display_name="Julie (équipe)")
    p = {
        name: make_user(a, display_name=name, birth_year=year)
        for name, year in (
            ("Awa", 2000),
            ("Bruno", 1980),
            ("Chantal", 1950),
            ("Denise", 1985),
            ("Karim", 1999),
            ("Emma", 2003),
            ("Fred", 1970),
            ("Gina", 1975),
            ("Hana", 1990),
            ("Ivan", 2004),
            ("Lucas", 2001),
        )
    }
    tester = make_user(a, display_name="Compte de test", is_test=True)
    db.session.commit()

    n1 = accepted(a, p["Awa"], local(2024, 11, 15), local(2024, 12, 10), by=staff)
    _done(n1, local(2025, 2, 1), local(2025, 6, 30), 40, "Une belle fête, 40 voisins.", by=staff)
    n2 = propose(a, p["Bruno"], local(2025, 1, 1, 0, 30), coleads=[p["Chantal"]])
    advance(n2, local(2025, 1, 2), "publish", by=staff)
    advance(n2, local(2025, 1, 21), "decide", Status.ACCEPTED_WITH_CONDITIONS, by=staff)
    advance(n2, local(2025, 3, 1), "start", by=staff)
    n3 = propose(a, p["Chantal"], local(2025, 3, 1))
    advance(n3, local(2025, 3, 2), "publish", by=staff)
    advance(n3, local(2025, 3, 31), "decide", Status.DECLINED, by=staff)
    propose(a, p["Denise"], local(2025, 12, 31, 23, 30))
    propose(a, p["Karim"], local(2026, 1, 1, 0, 30))
    n6 = accepted(a, p["Awa"], local(2025, 5, 1), local(2025, 5, 11), by=staff)
    _done(n6, local(2025, 6, 1), local(2025, 10, 1), 25, "", by=staff)
    accepted(a, p["Emma"], local(2025, 7, 1), local(2025, 7, 8), by=staff)
    n11 = accepted(a, p["Fred"], local(2023, 5, 1), local(2023, 6, 1), by=staff)
    _done(n11, local(2023, 7, 1), local(2024, 5, 1), 10, "Bilan.", by=staff)
    n12 = accepted(a, p["Gina"], local(2024, 3, 1), local(2024, 4, 1), by=staff)
    advance(n12, local(2024, 9, 1), "abandon", by=staff)
    n13 = propose(a, p["Hana"], local(2025, 8, 1))
    advance(n13, local(2025, 8, 2), "publish", by=staff)
    advance(n13, local(2025, 9, 1), "decide", Status.POSTPONED, by=staff)
    initiatives.create_initiative(a, p["Awa"], {"title": "Brouillon", "summary": "À finir."}, by=p["Awa"])
    n15 = propose(a, p["Ivan"], local(2025, 6, 1))
    advance(n15, local(2025, 6, 5), "reject", RejectReason.OFF_TOPIC, "Hors du champ du centre.", by=staff)
    for author in (tester, staff, p["Lucas"]):
        accepted(a, author, local(2025, 4, 1), local(2025, 4, 15), by=staff)
    block(p["Lucas"])
    anonymise(p["Emma"])
    for day, is_event in (
        (date(2025, 6, 21), True),
        (date(2025, 12, 31), True),
        (date(2024, 12, 31), True),
        (date(2026, 1, 1), True),
        (date(2025, 3, 3), False),
    ):
        headcount(a, day, 30, label="Fête de quartier" if is_event else "Accueil", is_event=is_event)

    b_staff = make_user(b, role=Role.STAFF)
    olga = make_user(b, display_name="Olga", birth_year=1990)
    b1 = accepted(b, olga, local(2025, 3, 3), local(2025, 3, 13), by=b_staff)
    _done(b1, local(2025, 3, 20), local(2025, 4, 4), 12, "Repair café réussi.", by=b_staff)
    headcount(b, date(2025, 9, 9), 80, label="Fête du Préau", is_event=True)
    db.session.commit()
    return a, b


def figures(structure_ids, year=2025, **kwargs):
    return metrics.compute(CODES, metrics.Scope.year(structure_ids, year, **kwargs))


def test_values_of_each_centre_and_of_both(centres):
    a, b = centres
    expected = {
        # code: (A, B, A + B)
        "I1": (7, 1, 8),
        "I2": (4, 1, 5),
        "I3": (Decimal("75.0"), Decimal("100.0"), Decimal("80.0")),
        "I4": (Decimal("15"), Decimal("10"), Decimal("10")),
        "I5": (7, 1, 8),
        "I8": (Decimal("50.0"), Decimal("100.0"), Decimal("66.7")),
        "I9": (65, 12, 77),
        "I10": (2, 1, 3),
    }
    for index, ids in enumerate((a.id, b.id, (a.id, b.id))):
        got = figures(ids)
        assert {code: got[code].value for code in CODES} == {code: values[index] for code, values in expected.items()}


def test_counts_behind_the_ratios(centres):
    a, b = centres
    got = figures((a.id, b.id))
    assert (got["I3"].numerator, got["I3"].denominator) == (4, 5)
    assert (got["I8"].numerator, got["I8"].denominator) == (2, 3)


def test_first_time_porteurs(centres):
    """Awa carried N1 (sent in 2024): she is a porteur of 2025, not a new one."""
    a, b = centres
    assert figures(a.id)["I5"].breakdown == [("dont porteurs pour la première fois", 6)]
    assert figures((a.id, b.id))["I5"].breakdown == [("dont porteurs pour la première fois", 7)]


def test_porteurs_by_age_at_the_proposal(centres):
    a, _b = centres
    assert figures(a.id, age_bracket=AgeBracket.YOUNG)["I5"].value == 3  # Awa, Emma, Ivan


def test_period_edges_and_supported_through_the_year(centres):
    """N4 (31/12/2025 23:30) is 2025, N5 (1/1/2026 00:30) is 2026; in 2026, N2 (in progress) and
    N10 (accepted) are still supported though nothing happened to them that year."""
    a, _b = centres
    assert [figures(a.id, year)["I1"].value for year in (2024, 2025, 2026)] == [2, 7, 1]
    assert figures(a.id, 2026)["I2"].value == 2
    assert figures(a.id, 2024)["I2"].value == 3  # N1 (accepted), N11 (completed), N12 (accepted, then abandoned)
    assert figures(a.id, 2024)["I9"].value == 10
