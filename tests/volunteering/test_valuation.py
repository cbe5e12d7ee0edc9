"""Valuation of volunteer time: SMIC by default, centre policies versioned by date, snapshots kept."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.volunteering import hours as services
from app.volunteering import reports
from app.volunteering.hours import HoursError
from app.volunteering.models import Category, ValuationMethod, ValuationPolicy
from tests.volunteering.hours_factories import proposed, validated


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Bernard")


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN, display_name="Nadia Haddad")


def test_default_is_the_smic_of_the_day(structure):
    assert services.valuation_for(structure.id, date(2025, 12, 31), Category.ACTIVITY) == (
        Decimal("11.88"),
        ValuationMethod.SMIC_GROSS,
        Decimal("1"),
    )
    assert services.valuation_for(structure.id, date(2026, 1, 1), Category.GOVERNANCE)[0] == Decimal("12.02")
    assert services.full_time_hours_on(structure.id, date(2026, 1, 1)) == 1607


def test_policy_with_category_rates_and_coefficient(structure, admin, staff, make_user):
    services.add_policy(
        structure,
        {
            "effective_from": date(2026, 1, 1),
            "method": ValuationMethod.SMIC_LOADED,
            "default_rate": Decimal("12.02"),
            "category_rates": {Category.GOVERNANCE: Decimal("18.5"), Category.EVENT: None, "activite": ""},
            "coefficient": Decimal("1.45"),
            "full_time_hours": 1645,
        },
        admin,
    )
    db.session.commit()
    policy = db.session.scalar(sa.select(ValuationPolicy))
    assert policy.category_rates == {"gouvernance": "18.50"}
    person = make_user()
    governance = validated(structure, person, staff, date(2026, 2, 3), "3", Category.GOVERNANCE)
    activity = validated(structure, person, staff, date(2026, 2, 3), "3", Category.ACTIVITY)
    assert (governance.rate, governance.rate_coefficient, governance.value) == (
        Decimal("18.50"),
        Decimal("1.45"),
        Decimal("80.48"),  # 3 × 18.50 × 1.45 = 80.475 → 80.48
    )
    assert (activity.rate, activity.rate_method, activity.value) == (
        Decimal("12.02"),
        ValuationMethod.SMIC_LOADED,
        Decimal("52.29"),  # 3 × 12.02 × 1.45 = 52.287
    )
    assert services.full_time_hours_on(structure.id, date(2026, 12, 31)) == 1645
    assert services.full_time_hours_on(structure.id, date(2025, 12, 31)) == 1607
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "valuation_policy_added"))


def test_a_rate_change_never_alters_past_values(structure, admin, staff, make_user):
    person = make_user()
    before = validated(structure, person, staff, date(2026, 3, 2), "10")
    assert before.value == Decimal("120.20")
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert reports.b8_valuation([structure.id], start, end) == Decimal("120.20")

    # The centre decides, afterwards and retroactively, to value 2026 at 15 €/h.
    services.add_policy(structure, {"effective_from": date(2026, 1, 1), "default_rate": Decimal(15)}, admin)
    db.session.commit()
    db.session.expire_all()
    assert (before.rate, before.value) == (Decimal("12.02"), Decimal("120.20"))
    assert reports.b8_valuation([structure.id], start, end) == Decimal("120.20")

    # Hours validated from now on take the new rate of their day.
    after = validated(structure, person, staff, date(2026, 3, 9), "10")
    assert after.value == Decimal("150.00")
    assert reports.b8_valuation([structure.id], start, end) == Decimal("270.20")

    # Correcting the old entry's hours keeps its own rate.
    _revision, revalued = services.correct_entry(before, {"hours": Decimal(5)}, "Demi-journée", staff)
    db.session.commit()
    assert revalued is False
    assert (before.rate, before.value) == (Decimal("12.02"), Decimal("60.10"))


def test_a_later_policy_does_not_touch_earlier_days(structure, admin, staff, make_user):
    services.add_policy(structure, {"effective_from": date(2026, 7, 1), "default_rate": Decimal(14)}, admin)
    person = make_user()
    june = validated(structure, person, staff, date(2026, 6, 30), "1")
    july = validated(structure, person, staff, date(2026, 7, 1), "1")
    assert (june.rate, july.rate) == (Decimal("12.02"), Decimal("14.00"))
    # Moving June's entry into July puts it under the other policy: valued again.
    _revision, revalued = services.correct_entry(june, {"day": date(2026, 7, 2)}, "Erreur de date", staff)
    assert revalued is True and june.rate == Decimal("14.00")


def test_policy_rules(structure, admin):
    services.add_policy(structure, {"effective_from": date(2026, 1, 1), "default_rate": Decimal(12)}, admin)
    with pytest.raises(HoursError, match="déjà à cette date"):
        services.add_policy(structure, {"effective_from": date(2026, 1, 1), "default_rate": Decimal(13)}, admin)
    for bad in (
        {"default_rate": Decimal(-1)},
        {"default_rate": Decimal(12), "coefficient": Decimal(0)},
        {"default_rate": Decimal(12), "full_time_hours": 9000},
        {"default_rate": Decimal(12), "category_rates": {"gouvernance": Decimal(-2)}},
    ):
        with pytest.raises(HoursError):
            services.add_policy(structure, {"effective_from": date(2026, 2, 1), **bad}, admin)
    db.session.commit()
    assert [p.default_rate for p in services.policies_of(structure.id)] == [Decimal("12.00")]


# --- the admin page ------------------------------------------------------------------------------


def test_valuation_page_is_for_the_direction(client, auth, structure, staff, admin):
    auth.login(staff)
    assert client.get("/benevolat/heures/valorisation").status_code == 403
    assert client.post("/benevolat/heures/valorisation", data={}).status_code == 403
    auth.logout()
    auth.login(admin)
    page = client.get("/benevolat/heures/valorisation")
    assert page.status_code == 200
    assert "SMIC horaire brut" in page.text
    assert "12,02\xa0€" in page.text and "11,88\xa0€" in page.text
    assert "1 607" in page.text or "1607" in page.text


def test_admin_adds_a_policy(client, auth, structure, admin):
    auth.login(admin)
    data = {
        "effective_from": "2026-09-01",
        "method": "smic_charge",
        "default_rate": "17,43",
        "rate_gouvernance": "20",
        "rate_activite": "",
        "coefficient": "1",
        "full_time_hours": "1607",
    }
    r = client.post("/benevolat/heures/valorisation", data=data)
    assert r.status_code == 303
    policy = db.session.scalar(sa.select(ValuationPolicy))
    assert (policy.default_rate, policy.method, policy.category_rates) == (
        Decimal("17.43"),
        ValuationMethod.SMIC_LOADED,
        {"gouvernance": "20.00"},
    )
    page = client.get("/benevolat/heures/valorisation")
    assert "17,43\xa0€" in page.text
    again = client.post("/benevolat/heures/valorisation", data=data)
    assert again.status_code == 422
    assert "commence déjà à cette date" in again.text


def test_bad_policy_input_is_a_clear_422(client, auth, structure, admin):
    auth.login(admin)
    r = client.post(
        "/benevolat/heures/valorisation",
        data={
            "effective_from": "demain",
            "method": "x",
            "default_rate": "douze",
            "coefficient": "",
            "full_time_hours": "0",
        },
    )
    assert r.status_code == 422
    assert "Données incorrectes" not in r.text  # the page itself, with messages next to the fields
    assert 'value="douze"' in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValuationPolicy)) == 0


def test_proposed_entries_are_not_valued_until_validated(structure, staff, make_user):
    entry = proposed(structure, make_user(), date(2026, 5, 5))
    assert entry.rate is None and entry.value is None
