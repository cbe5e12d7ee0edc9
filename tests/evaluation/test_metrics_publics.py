"""Publics metrics U1–U9 through the catalogue: ledger acts as the app writes them (demographics of
the time), anonymous headcounts beside, the plan d'action's actions, manual figures; exact values,
period edges in local time, exclusions, two structures."""

from datetime import date
from decimal import Decimal

import pytest

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation import metrics
from app.evaluation.models import Action, Axis, ManualFigure, Objective, SocialProject
from app.extensions import db
from app.factories import make_structure, make_user
from app.ledger.models import Level
from tests.evaluation.factories import act, anonymise, block, headcount, local

CODES = ("U1", "U2", "U3", "U5", "U6", "U7", "U8", "U9")


def _project(structure, starts_on, ends_on, actions):
    """A projet social with one axis and objective holding `actions`: (title, theme name, start, end)."""
    themes = {theme.name: theme.id for theme in structure.themes}
    project = SocialProject(structure_id=structure.id, title="Projet social", starts_on=starts_on, ends_on=ends_on)
    axis = Axis(title="Participation des habitants")
    objective = Objective(title="Favoriser le pouvoir d'agir")
    for title, theme, start, end in actions:
        objective.actions.append(Action(title=title, theme_id=themes.get(theme), starts_on=start, ends_on=end))
    axis.objectives.append(objective)
    project.axes.append(axis)
    db.session.add(project)
    db.session.commit()


@pytest.fixture
def centres(structure):
    """Centre A (the `structure` fixture: Les Buers is a QPV, Gratte-Ciel is not) and centre B.

    In A, acts (ages in 2025):
    - Awa (25, QPV): a presence on 1/1/2025 at 00:30 (still 2024 in UTC), two volunteer shifts;
    - Bruno (45, Gratte-Ciel): an act on 31/12/2025 at 23:30; account deleted since;
    - Chantal (75): acts on 31/12/2024 at 23:30 and 1/1/2026 at 00:30 only;
    - Denise (11, Gratte-Ciel); Eva (declared 0-10, QPV) at a meeting; Farid (age unknown, QPV);
    - Gilles (61 and in the QPV then; birth year corrected and moved to Gratte-Ciel since);
    - left out: Julie (staff, at a shift), a test account and a blocked account.
    Headcounts: 30 on 1/1/2025 (10 under 11, 5 aged 11-25), 12 on 31/12/2025 (2 aged 60+), and
    100 on 31/12/2024, 50 on 1/1/2026.
    Actions of A's projet social (2024-2027): Jeunesse (no dates), Jeunesse (2023-2024), Cadre de vie
    (from 31/12/2025), no theme (until 1/1/2025), Jeunesse (from 2026).
    In B: Olga (35) at a meeting on 3/3; a headcount of 8; one Jeunesse action.
    Manual figures: U3 402 (A, 2025), 380 (A, 2024), 30 (B, 2025); R1_CDI 71,4 (A, 2025).
    """
    a = structure
    b = make_structure("Espace de vie sociale Le Préau", themes=("Jeunesse",))
    qpv = next(q for q in a.quartiers if q.is_qpv)
    elsewhere = next(q for q in a.quartiers if not q.is_qpv)
    staff = make_user(a, role=Role.STAFF, display_name="Julie (équipe)", birth_year=1990)
    p = {
        "Awa": make_user(a, display_name="Awa", birth_year=2000, quartier=qpv),
        "Bruno": make_user(a, display_name="Bruno", birth_year=1980, quartier=elsewhere),
        "Chantal": make_user(a, display_name="Chantal", birth_year=1950, quartier=qpv),
        "Denise": make_user(a, display_name="Denise", birth_year=2014, quartier=elsewhere),
        "Eva": make_user(a, display_name="Eva", age_bracket=AgeBracket.CHILD, quartier=qpv),
        "Farid": make_user(a, display_name="Farid", quartier=qpv),
        "Gilles": make_user(a, display_name="Gilles", birth_year=1964, quartier=qpv),
    }
    tester = make_user(a, display_name="Compte de test", is_test=True, quartier=qpv)
    blocked = make_user(a, display_name="Compte bloqué", quartier=qpv)
    db.session.commit()

    act(p["Awa"], a, local(2025, 1, 1, 0, 30))
    act(p["Awa"], a, local(2025, 6, 7, 9), kind="shift.attend", level=Level.L3_CONTRIBUTION)
    act(p["Awa"], a, local(2025, 6, 14, 9), kind="shift.attend", level=Level.L3_CONTRIBUTION)
    act(p["Bruno"], a, local(2025, 12, 31, 23, 30))
    act(p["Chantal"], a, local(2024, 12, 31, 23, 30))
    act(p["Chantal"], a, local(2026, 1, 1, 0, 30))
    act(p["Denise"], a, local(2025, 5, 5))
    act(p["Eva"], a, local(2025, 2, 2, 18), kind="meeting.attend", level=Level.L4_CONCERTATION)
    act(p["Farid"], a, local(2025, 3, 3), kind="initiative.support", level=Level.L2_CONSULTATION)
    act(p["Gilles"], a, local(2025, 7, 7))
    act(staff, a, local(2025, 6, 7, 9), kind="shift.attend", level=Level.L3_CONTRIBUTION)
    act(tester, a, local(2025, 6, 7, 9), kind="shift.attend", level=Level.L3_CONTRIBUTION)
    act(blocked, a, local(2025, 6, 7, 9))
    block(blocked)
    anonymise(p["Bruno"])
    p["Gilles"].birth_year = 1990
    p["Gilles"].membership_in(a.id).quartier_id = elsewhere.id
    headcount(a, date(2025, 1, 1), 30, under_11=10, age_11_25=5)
    headcount(a, date(2025, 12, 31), 12, age_60_plus=2)
    headcount(a, date(2024, 12, 31), 100)
    headcount(a, date(2026, 1, 1), 50)
    _project(
        a,
        date(2024, 1, 1),
        date(2027, 12, 31),
        [
            ("Accueil jeunes", "Jeunesse", None, None),
            ("Chantier jeunes", "Jeunesse", date(2023, 1, 1), date(2024, 12, 31)),
            ("Jardin partagé", "Cadre de vie", date(2025, 12, 31), None),
            ("Café des parents", None, None, date(2025, 1, 1)),
            ("Conseil de jeunes", "Jeunesse", date(2026, 1, 1), None),
        ],
    )

    olga = make_user(b, display_name="Olga", birth_year=1990)
    act(olga, b, local(2025, 3, 3, 18), kind="meeting.attend", level=Level.L4_CONCERTATION)
    headcount(b, date(2025, 4, 4), 8)
    _project(b, date(2025, 1, 1), date(2028, 12, 31), [("Aide aux devoirs", "Jeunesse", None, None)])
    for structure_id, year, code, value in (
        (a.id, 2025, "U3", "402"),
        (a.id, 2024, "U3", "380"),
        (b.id, 2025, "U3", "30"),
        (a.id, 2025, "R1_CDI", "71.4"),
    ):
        db.session.add(ManualFigure(structure_id=structure_id, year=year, code=code, value=Decimal(value)))
    db.session.commit()
    return a, b


def figures(structure_ids, year=2025, codes=CODES, **kwargs):
    return metrics.compute(codes, metrics.Scope.year(structure_ids, year, **kwargs))


def test_values_of_each_centre_and_of_both(centres):
    a, b = centres
    expected = {
        # code: (A, B, A + B)
        "U1": (6, 1, 7),
        "U2": (6, 1, 7),
        "U3": (Decimal("402"), Decimal("30"), Decimal("432")),
        "U5": (3, 1, 4),
        "U6": (Decimal("66.7"), Decimal("0.0"), Decimal("57.1")),
        "U7": (None, None, None),
        "U8": (None, None, None),
        "U9": (3, 1, 4),
    }
    for index, ids in enumerate((a.id, b.id, (a.id, b.id))):
        got = figures(ids)
        assert {code: got[code].value for code in CODES} == {code: values[index] for code, values in expected.items()}


def test_anonymous_headcounts_beside_never_added(centres):
    a, b = centres
    for ids, anonymous in ((a.id, 42), (b.id, 8), ((a.id, b.id), 50)):
        got = figures(ids)
        assert (got["U1"].anonymous, got["U2"].anonymous, got["U5"].anonymous) == (anonymous,) * 3
    assert figures(a.id, 2024)["U1"].anonymous == 100


def test_persons_by_senacs_age_at_the_act(centres):
    """Gilles's corrected birth year and Bruno's deleted account do not change their ages then."""
    a, b = centres
    assert figures(a.id)["U2"].breakdown == [
        ("0 à 10 ans", 1),  # Eva (declared bracket)
        ("11 à 25 ans", 2),  # Awa, Denise
        ("26 à 59 ans", 1),  # Bruno
        ("60 ans et plus", 1),  # Gilles
        ("Âge non renseigné", 1),  # Farid
    ]
    assert [n for _label, n in figures((a.id, b.id))["U2"].breakdown] == [1, 2, 2, 1, 1]


def test_age_filter_and_qpv_at_the_act(centres):
    a, _b = centres
    young = figures(a.id, age_bracket=AgeBracket.YOUNG)
    assert (young["U1"].value, young["U6"].value) == (1, Decimal("100.0"))  # Awa, in the QPV
    teen = figures(a.id, age_bracket=AgeBracket.TEEN)
    assert (teen["U1"].value, teen["U6"].value) == (1, Decimal("0.0"))  # Denise, not in the QPV
    got = figures(a.id)
    assert (got["U6"].numerator, got["U6"].denominator) == (4, 6)  # Gilles lived in the QPV then


def test_period_edges(centres):
    """1/1/2025 00:30 is 2025 (UTC 2024); 31/12/2025 23:30 is 2025; 1/1/2026 00:30 is 2026."""
    a, _b = centres
    assert [figures(a.id, year)["U1"].value for year in (2024, 2025, 2026)] == [1, 6, 1]


def test_actions_by_theme(centres):
    a, b = centres
    assert figures(a.id)["U9"].breakdown == [("Cadre de vie", 1), ("Jeunesse", 1), ("Sans thème", 1)]
    assert figures((a.id, b.id))["U9"].breakdown == [("Cadre de vie", 1), ("Jeunesse", 2), ("Sans thème", 1)]
    assert figures(a.id, 2026)["U9"].value == 3  # Accueil jeunes, Jardin partagé, Conseil de jeunes


def test_manual_figures_are_entered_never_invented(centres):
    a, b = centres
    got = figures(a.id, codes=("U3", "U7", "R1_CDI", "R2_BUDGET"))
    assert [got[code].value for code in ("U3", "U7", "R1_CDI", "R2_BUDGET")] == [
        Decimal("402"),
        None,
        Decimal("71.4"),
        None,
    ]
    assert figures(a.id, 2024, codes=("U3",))["U3"].value == Decimal("380")
