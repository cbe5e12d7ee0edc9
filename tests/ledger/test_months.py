"""The monthly summary of the ledger (`LedgerMonth`): always what the acts say, whatever writes them
(recorded, undone, moved, at the same time), and the dashboard reads the same figures from it as
from the acts."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.accounts.models import AgeBracket
from app.centres.models import Role
from app.evaluation import queries
from app.evaluation.metrics import Scope
from app.extensions import db
from app.factories import make_structure
from app.ledger import months
from app.ledger.models import LedgerEntry, LedgerMonth, Level
from app.ledger.services import delete_entries, record_participation, update_entries
from tests.conftest import PASSWORD, run_together
from tests.evaluation.factories import anonymise, block
from tests.initiatives.factories import make_initiative


def _act(person, structure, at, level=Level.L2_CONSULTATION, *, commit=True, **kwargs):
    entry = record_participation(
        person, structure_id=structure.id, kind="test.act", level=level, occurred_at=at, **kwargs
    )
    if commit:
        db.session.commit()
    return entry


def _summary() -> list[tuple]:
    db.session.expire_all()
    return sorted(tuple(row) for row in db.session.execute(sa.select(*LedgerMonth.__table__.c)).all())


def _assert_in_step() -> list[tuple]:
    """The summary as kept equals the summary recomputed from every act."""
    kept = _summary()
    months.rebuild(db.session)
    db.session.commit()
    assert kept == _summary()
    return kept


def _row(structure, person, month: date) -> LedgerMonth | None:
    db.session.expire_all()
    return db.session.get(LedgerMonth, (structure.id, month, person.id))


def test_a_month_sums_up_the_counted_acts_of_a_person(structure, make_user):
    qpv = next(q for q in structure.quartiers if q.is_qpv)
    other = next(q for q in structure.quartiers if not q.is_qpv)
    awa = make_user(birth_year=1990, quartier=qpv)
    _act(awa, structure, datetime(2025, 3, 3, 10))
    _act(awa, structure, datetime(2025, 3, 20, 10), Level.L5_DECISION)
    _act(awa, structure, datetime(2025, 3, 25, 10), as_staff=True)  # never counted: not summed
    # She moves: her next act is in another quartier.
    awa.membership_in(structure.id).quartier_id = other.id
    db.session.commit()
    last = _act(awa, structure, datetime(2025, 3, 28, 10), Level.L0_PRESENCE)

    row = _row(structure, awa, date(2025, 3, 1))
    assert (row.acts, row.level) == (3, Level.L5_DECISION)
    assert (row.quartier_given, row.quartier_min, row.quartier_max) == (3, min(qpv.id, other.id), max(qpv.id, other.id))
    assert (row.qpv_given, row.qpv_min, row.qpv_max) == (3, 0, 1)
    assert (row.last_at, row.last_id, row.last_quartier_id, row.last_qpv) == (last.occurred_at, last.id, other.id, 0)
    assert (row.bracket_given, row.bracket_min, row.last_bracket) == (3, "26-59", "26-59")
    _assert_in_step()


def test_months_are_local_and_staff_only_months_have_no_row(structure, make_user):
    lea = make_user(age_bracket=AgeBracket.SENIOR)
    # 31 January 23:30 UTC is 1 February 00:30 in Paris.
    _act(lea, structure, datetime(2025, 1, 31, 23, 30))
    _act(lea, structure, datetime(2025, 4, 10, 9), as_staff=True)
    assert _row(structure, lea, date(2025, 2, 1)).acts == 1
    assert _row(structure, lea, date(2025, 1, 1)) is None
    assert _row(structure, lea, date(2025, 4, 1)) is None
    _assert_in_step()


def test_two_acts_at_the_same_instant_the_newer_row_is_the_latest(structure, make_user):
    qpv = next(q for q in structure.quartiers if q.is_qpv)
    other = next(q for q in structure.quartiers if not q.is_qpv)
    sami = make_user(quartier=qpv)
    when = datetime(2025, 6, 5, 12)
    _act(sami, structure, when)
    sami.membership_in(structure.id).quartier_id = other.id
    db.session.commit()
    newer = _act(sami, structure, when)
    row = _row(structure, sami, date(2025, 6, 1))
    assert (row.last_id, row.last_quartier_id) == (newer.id, other.id)
    _assert_in_step()


def test_undone_and_moved_acts_leave_the_summary_in_step(structure, make_user):
    awa, bob = make_user(), make_user()
    first = _act(awa, structure, datetime(2025, 5, 2, 12))
    _act(awa, structure, datetime(2025, 5, 9, 12), Level.L3_CONTRIBUTION)
    lone = _act(bob, structure, datetime(2025, 5, 9, 12))

    delete_entries(LedgerEntry.id == first.id)
    db.session.commit()
    assert _row(structure, awa, date(2025, 5, 1)).acts == 1
    delete_entries(LedgerEntry.id == lone.id)  # bob's only act of May: his row goes
    db.session.commit()
    assert _row(structure, bob, date(2025, 5, 1)) is None

    # Moved to another month (an hour entry corrected to another day): both months follow.
    moved = db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.person_id == awa.id))
    update_entries((LedgerEntry.id == moved,), occurred_at=datetime(2025, 7, 14, 12), level=Level.L4_CONCERTATION)
    db.session.commit()
    assert _row(structure, awa, date(2025, 5, 1)) is None
    assert (_row(structure, awa, date(2025, 7, 1)).acts, _row(structure, awa, date(2025, 7, 1)).level) == (1, 4)
    _assert_in_step()


def test_a_rolled_back_act_leaves_nothing_and_a_reader_sees_its_own_transaction(structure, make_user):
    awa = make_user()
    _act(awa, structure, datetime(2025, 9, 1, 12), commit=False)
    db.session.rollback()
    assert _summary() == []
    assert months.PENDING not in db.session.info

    # Recorded but not committed yet: the figures of this transaction include it.
    _act(awa, structure, datetime(2025, 9, 1, 12), commit=False)
    september = [m.persons for m in queries.persons_by_month(Scope.year(structure.id, 2025)) if m.month.month == 9]
    assert september == [1]
    db.session.commit()
    _assert_in_step()


def test_the_features_keep_it_in_step(structure, make_user):
    """Support given then taken back, help offered then withdrawn: through the services."""
    from app.initiatives import services

    author, staff, fan = make_user(), make_user(role=Role.STAFF), make_user()
    initiative = make_initiative(structure, author, staff)
    services.add_support(initiative, fan, by=fan)
    services.offer_help(initiative, fan, "Je peux porter les tables.", by=fan)
    db.session.commit()
    month = months.month_of(db.session.scalar(sa.select(sa.func.max(LedgerEntry.occurred_at))))
    assert _row(structure, fan, month).acts == 2
    services.remove_support(initiative, fan, by=fan)
    services.withdraw_help(initiative, fan)
    db.session.commit()
    assert _row(structure, fan, month) is None
    _assert_in_step()


@pytest.fixture
def varied(structure, make_user):
    """Two centres; moves, birthdays, staff acts, test, blocked and anonymised accounts, over two
    years, and acts on the edges of months."""
    qpv = next(q for q in structure.quartiers if q.is_qpv)
    other = next(q for q in structure.quartiers if not q.is_qpv)
    second = make_structure("Espace de vie sociale La Passerelle", quartiers=(("Le Centre", False),))
    db.session.commit()
    people = [
        make_user(birth_year=year, quartier=qpv if i % 2 else other) for i, year in enumerate(range(1950, 2016, 5))
    ]
    people += [make_user(age_bracket=AgeBracket.YOUNG), make_user()]
    staff = make_user(role=Role.STAFF)
    for i, person in enumerate(people):
        for month in range(1, 13, 1 + i % 4):
            for year in (2024, 2025):
                _act(person, structure, datetime(year, month, 1 + (i * 3) % 27, 8 + i % 10), Level(i % 6), commit=False)
        if i % 3 == 0:  # moves in the summer
            person.membership_in(structure.id).quartier_id = (
                qpv.id if person.membership_in(structure.id).quartier_id == other.id else other.id
            )
            _act(
                person, structure, datetime(2025, 8, 31, 22, 30), Level.L1_INFORMATION, commit=False
            )  # 1 Sept in Paris
        if i % 4 == 0:
            _act(person, second, datetime(2025, 11, 30, 23, 15), Level.L2_CONSULTATION, commit=False)
    _act(staff, structure, datetime(2025, 3, 3, 10), commit=False)
    # A birthday inside the year: 2007 turns 18 in 2025 (17 in 2024).
    young = make_user(birth_year=2007, quartier=qpv)
    _act(young, structure, datetime(2024, 12, 31, 12), commit=False)
    _act(young, structure, datetime(2025, 2, 1, 12), commit=False)
    db.session.commit()
    block(people[1])
    people[2].is_test = True
    db.session.commit()
    anonymise(people[3])
    return structure, second


@pytest.mark.parametrize(
    "period",
    [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2024, 3, 1), date(2025, 8, 31)),
    ],
)
def test_the_dashboard_reads_the_same_figures_from_the_summary_as_from_the_acts(varied, period, monkeypatch):
    structure, second = varied
    for ids in ([structure.id], [structure.id, second.id]):
        scope = Scope.of(ids, *period)
        assert queries._whole_months(scope)
        from_summary = (queries.reach_profile(scope), queries.persons_by_month(scope))
        with monkeypatch.context() as patched:
            patched.setattr(queries, "_whole_months", lambda _scope: False)
            from_acts = (queries.reach_profile(scope), queries.persons_by_month(scope))
        assert from_summary == from_acts
        assert from_summary[0].persons > 5 and from_summary[0].previous_persons > 5
    _assert_in_step()


def test_a_period_cut_mid_month_reads_the_acts(varied):
    structure, _second = varied
    scope = Scope.of(structure.id, date(2025, 2, 15), date(2025, 3, 14))
    assert not queries._whole_months(scope)
    assert not queries._whole_months(Scope.year(structure.id, 2025, age_bracket=AgeBracket.YOUNG))
    assert queries.reach_profile(scope).persons > 0


def test_rebuild_command(runner, structure, make_user):
    _act(make_user(), structure, datetime(2025, 2, 3, 12))
    db.session.execute(sa.delete(LedgerMonth))
    db.session.commit()
    result = runner.invoke(args=["ledger", "rebuild-months"])
    assert result.exit_code == 0, result.output
    assert "1 ligne(s)" in result.output
    assert len(_summary()) == 1


def test_one_person_acting_in_many_places_at_once_is_summed_up_once_each(
    structure, make_user, web_user, no_login_throttle
):
    """Real concurrency against a running server: one habitant supports ten initiatives and takes
    back her support of ten others, all at the same instant: her month counts what stays."""
    author, staff, fan = make_user(), make_user(role=Role.STAFF), make_user()
    initiatives = [make_initiative(structure, author, staff, title=f"Projet {n}").id for n in range(20)]
    from app.initiatives import services
    from app.initiatives.models import Initiative

    for initiative_id in initiatives[10:]:
        services.add_support(db.session.get(Initiative, initiative_id), fan, by=fan)
    db.session.commit()
    username, fan_id = fan.username, fan.id
    db.session.remove()
    person = web_user()
    person.post("/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion"))
    token = person.token(f"/initiatives/{initiatives[0]}")
    db.session.remove()
    actions = [lambda i=i: person.post(f"/initiatives/{i}/soutenir", {}, token) for i in initiatives[:10]]
    actions += [lambda i=i: person.post(f"/initiatives/{i}/retirer-soutien", {}, token) for i in initiatives[10:]]
    results = run_together(actions)
    assert {r[0] if isinstance(r, tuple) else r for r in results} == {303}
    db.session.remove()
    supports = db.session.scalar(
        sa.select(sa.func.count()).where(LedgerEntry.kind == "initiative.support", LedgerEntry.as_staff.is_(False))
    )
    assert supports == 10
    kept = _assert_in_step()
    assert sum(row[3] for row in kept if row[2] == fan_id) == 10


def test_the_demo_data_leaves_the_summary_in_step():
    """The demo (`flask seed`) drives every feature and backdates their acts: the summary follows."""
    from app.demo import seed_demo

    seed_demo()
    db.session.commit()
    kept = _assert_in_step()
    assert len(kept) > 40


def test_the_generated_centre_has_its_summary():
    from app.benchdata import generate

    generate(1, scale=0.01, seed=7)
    db.session.commit()
    counted = db.session.scalar(sa.select(sa.func.count()).where(LedgerEntry.as_staff.is_(False)))
    assert db.session.scalar(sa.select(sa.func.sum(LedgerMonth.acts))) == counted > 1000
    _assert_in_step()


def test_acts_changed_or_deleted_as_objects_are_followed_too(structure, make_user):
    awa = make_user()
    entry = _act(awa, structure, datetime(2025, 10, 7, 12))
    entry.occurred_at = datetime(2025, 12, 2, 12)  # e.g. the demo backdating its acts
    db.session.commit()
    assert _row(structure, awa, date(2025, 10, 1)) is None
    assert _row(structure, awa, date(2025, 12, 1)).acts == 1
    db.session.delete(db.session.get(LedgerEntry, entry.id))
    db.session.commit()
    assert _summary() == []


def test_hours_corrected_to_another_month_move_with_their_act(structure, make_user):
    from app.volunteering.hours import correct_entry
    from tests.volunteering.hours_factories import validated

    awa, staff = make_user(), make_user(role=Role.STAFF)
    entry = validated(structure, awa, staff, date(2025, 3, 14), "2")
    assert _row(structure, awa, date(2025, 3, 1)).acts == 1
    correct_entry(entry, {"day": date(2025, 4, 2)}, "Mauvais jour", staff)
    db.session.commit()
    assert _row(structure, awa, date(2025, 3, 1)) is None
    assert _row(structure, awa, date(2025, 4, 1)).acts == 1
    _assert_in_step()
