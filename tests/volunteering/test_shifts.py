"""Shifts: one-off and weekly (with the clock changes), edits of one or of the series, capacity
never below the people confirmed, cancellation with notifications; the shift pages."""

import html
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.notifications.models import Notification
from app.timeutil import utcnow
from app.volunteering import services
from app.volunteering.models import Shift, ShiftSeries, SignupStatus
from app.volunteering.services import MAX_OCCURRENCES, VolunteeringError, to_local
from tests.volunteering.factories import make_mission, make_shift


def text(response) -> str:
    return html.unescape(response.text)


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def next_year() -> int:
    return utcnow().year + 1


@pytest.fixture
def coordinator(make_user):
    return make_user(role=Role.COORDINATOR, display_name="Nadia")


@pytest.fixture
def mission(structure, coordinator):
    return make_mission(structure, "Aide aux devoirs", coordinator=coordinator)


def _shifts(mission) -> list[Shift]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Shift).where(Shift.mission_id == mission.id).order_by(Shift.starts_at)))


def _one_off(**overrides) -> dict:
    fields = {
        "day": date(next_year(), 1, 13),
        "start": time(14, 0),
        "end": time(16, 30),
        "place": "Salle des familles",
        "capacity": 4,
        "closes_hours": 24,
    }
    fields.update(overrides)
    return fields


# --- creating ------------------------------------------------------------------------------------


def test_one_off_shift_is_stored_in_utc_from_paris_time(mission, coordinator):
    shift = services.add_shift(mission, _one_off(), by=coordinator)
    db.session.commit()
    # January: Paris is UTC+1.
    assert shift.starts_at.hour == 13 and shift.ends_at.hour == 15 and shift.ends_at.minute == 30
    assert to_local(shift.starts_at).time() == time(14, 0)
    assert shift.signup_closes_at == shift.starts_at - timedelta(hours=24)
    assert shift.capacity == 4 and shift.confirmed_count == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"end": time(13, 0)}, "fin doit être après"),
        ({"day": date(2020, 1, 1)}, "passé"),
        ({"capacity": 0}, "entre 1 et 500"),
        ({"capacity": 501}, "entre 1 et 500"),
    ],
)
def test_one_off_shift_refusals(mission, coordinator, fields, message):
    with pytest.raises(VolunteeringError, match=message):
        services.add_shift(mission, _one_off(**fields), by=coordinator)


def test_weekly_series_stays_at_18h_local_across_the_october_clock_change(mission, coordinator):
    change = last_sunday(next_year(), 10)
    first = change - timedelta(days=11)  # a Wednesday… whatever weekday: the series keeps it
    series = services.add_weekly_shifts(
        mission,
        {
            "first_date": first,
            "last_date": change + timedelta(days=15),
            "start": time(18, 0),
            "end": time(20, 0),
            "place": "Gymnase",
            "capacity": 6,
            "closes_hours": 0,
        },
        by=coordinator,
    )
    db.session.commit()
    shifts = _shifts(mission)
    assert len(shifts) == 4
    assert all(s.series_id == series.id for s in shifts)
    assert {to_local(s.starts_at).time() for s in shifts} == {time(18, 0)}
    assert {to_local(s.ends_at).time() for s in shifts} == {time(20, 0)}
    assert {to_local(s.starts_at).weekday() for s in shifts} == {first.weekday()}
    # Summer time before the change (UTC+2), winter time after (UTC+1).
    before = [s for s in shifts if s.starts_at.date() < change]
    after = [s for s in shifts if s.starts_at.date() > change]
    assert before and after
    assert {s.starts_at.hour for s in before} == {16}
    assert {s.starts_at.hour for s in after} == {17}
    assert series.first_date == first and series.weekday == first.weekday()


def test_weekly_series_across_the_march_clock_change(mission, coordinator):
    change = last_sunday(next_year(), 3)
    services.add_weekly_shifts(
        mission,
        {
            "first_date": change - timedelta(days=7),
            "last_date": change + timedelta(days=7),
            "start": time(9, 30),
            "end": time(11, 0),
            "capacity": 3,
        },
        by=coordinator,
    )
    shifts = _shifts(mission)
    assert [to_local(s.starts_at).time() for s in shifts] == [time(9, 30)] * 3
    assert [s.starts_at.hour for s in shifts] == [8, 7, 7]  # UTC+1, then UTC+2 from the change day


def test_weekly_series_is_capped_with_a_clear_message(mission, coordinator):
    start = date(next_year(), 1, 4)
    with pytest.raises(VolunteeringError, match=f"au plus {MAX_OCCURRENCES} créneaux"):
        services.add_weekly_shifts(
            mission,
            {
                "first_date": start,
                "last_date": start + timedelta(weeks=MAX_OCCURRENCES),
                "start": time(10, 0),
                "end": time(12, 0),
                "capacity": 3,
            },
            by=coordinator,
        )
    db.session.rollback()
    series = services.add_weekly_shifts(
        mission,
        {
            "first_date": start,
            "last_date": start + timedelta(weeks=MAX_OCCURRENCES - 1),
            "start": time(10, 0),
            "end": time(12, 0),
            "capacity": 3,
        },
        by=coordinator,
    )
    assert len(_shifts(mission)) == MAX_OCCURRENCES
    assert series.last_date == start + timedelta(weeks=MAX_OCCURRENCES - 1)


def test_weekly_dates_with_an_explicit_weekday():
    monday = date(2027, 3, 1)
    assert services.weekly_dates(monday, monday + timedelta(days=20), weekday=2) == [
        date(2027, 3, 3),
        date(2027, 3, 10),
        date(2027, 3, 17),
    ]
    assert services.weekly_dates(monday, monday + timedelta(days=1), weekday=4) == []


def test_weekly_series_refusals(mission, coordinator):
    start = date(next_year(), 2, 1)
    base = {"start": time(10, 0), "end": time(12, 0), "capacity": 3}
    with pytest.raises(VolunteeringError, match="après sa date de début"):
        services.add_weekly_shifts(
            mission, {**base, "first_date": start, "last_date": start - timedelta(days=1)}, by=coordinator
        )
    with pytest.raises(VolunteeringError, match="passé"):
        services.add_weekly_shifts(
            mission, {**base, "first_date": date(2020, 1, 1), "last_date": date(2020, 2, 1)}, by=coordinator
        )


# --- editing -------------------------------------------------------------------------------------


def _series(mission, coordinator, weeks=4, capacity=3):
    start = date(next_year(), 2, 3)
    services.add_weekly_shifts(
        mission,
        {
            "first_date": start,
            "last_date": start + timedelta(weeks=weeks - 1),
            "start": time(14, 0),
            "end": time(16, 0),
            "place": "Salle 1",
            "capacity": capacity,
        },
        by=coordinator,
    )
    db.session.commit()
    return _shifts(mission)


def _edit(shift, **overrides) -> dict:
    local = to_local(shift.starts_at)
    fields = {
        "day": local.date(),
        "start": local.time(),
        "end": to_local(shift.ends_at).time(),
        "place": shift.place,
        "capacity": shift.capacity,
        "closes_hours": 0,
    }
    fields.update(overrides)
    return fields


def test_edit_one_shift_of_a_series(mission, coordinator):
    shifts = _series(mission, coordinator)
    services.update_shift(shifts[1], _edit(shifts[1], start=time(15, 0), place="Salle 2"), by=coordinator)
    db.session.commit()
    after = _shifts(mission)
    assert [to_local(s.starts_at).time() for s in after] == [time(14, 0), time(15, 0), time(14, 0), time(14, 0)]
    assert [s.place for s in after] == ["Salle 1", "Salle 2", "Salle 1", "Salle 1"]


def test_edit_the_series_from_this_one_on(mission, coordinator):
    shifts = _series(mission, coordinator)
    services.update_shift(
        shifts[1],
        _edit(shifts[1], start=time(13, 30), end=time(15, 30), capacity=5, place="Préau"),
        by=coordinator,
        whole_series=True,
    )
    db.session.commit()
    after = _shifts(mission)
    assert [to_local(s.starts_at).time() for s in after] == [time(14, 0)] + [time(13, 30)] * 3
    assert [s.capacity for s in after] == [3, 5, 5, 5]
    assert [to_local(s.starts_at).date() for s in after] == [to_local(s.starts_at).date() for s in shifts]
    series = db.session.get(ShiftSeries, shifts[0].series_id)
    assert (series.start_time, series.capacity, series.place) == (time(13, 30), 5, "Préau")


def test_the_series_keeps_its_dates(mission, coordinator):
    shifts = _series(mission, coordinator)
    with pytest.raises(VolunteeringError, match="modifiez ce créneau seul"):
        services.update_shift(
            shifts[0],
            _edit(shifts[0], day=to_local(shifts[0].starts_at).date() + timedelta(days=1)),
            by=coordinator,
            whole_series=True,
        )


def test_capacity_never_below_the_people_confirmed(mission, coordinator, make_user):
    shifts = _series(mission, coordinator, capacity=3)
    for _ in range(2):
        person = make_user()
        services.sign_up(shifts[2], person, by=person)
    db.session.commit()
    with pytest.raises(VolunteeringError, match="compte déjà 2 personnes inscrites"):
        services.update_shift(shifts[0], _edit(shifts[0], capacity=1), by=coordinator, whole_series=True)
    db.session.rollback()
    # Nothing changed, not even the shifts before the one that refused.
    assert [s.capacity for s in _shifts(mission)] == [3, 3, 3, 3]
    services.update_shift(shifts[2], _edit(shifts[2], capacity=2), by=coordinator)
    db.session.commit()
    assert _shifts(mission)[2].capacity == 2


def test_more_places_promote_the_waitlist(mission, coordinator, make_user):
    shift = make_shift(mission, capacity=1)
    people = [make_user() for _ in range(3)]
    for person in people:
        services.sign_up(shift, person, by=person)
    db.session.commit()
    services.update_shift(shift, _edit(shift, capacity=2), by=coordinator)
    db.session.commit()
    statuses = {s.person_id: s.status for s in shift.signups}
    assert statuses == {
        people[0].id: SignupStatus.CONFIRMED,
        people[1].id: SignupStatus.CONFIRMED,
        people[2].id: SignupStatus.WAITLIST,
    }
    assert db.session.get(Shift, shift.id).confirmed_count == 2


def test_a_change_of_time_tells_the_people_signed_up(mission, coordinator, make_user):
    shift = make_shift(mission)
    person = make_user()
    services.sign_up(shift, person, by=person)
    db.session.commit()
    services.update_shift(shift, _edit(shift, capacity=8), by=coordinator)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0  # places only
    new_start = (to_local(shift.starts_at) + timedelta(hours=1)).time()
    new_end = (to_local(shift.ends_at) + timedelta(hours=1)).time()
    services.update_shift(shift, _edit(shift, start=new_start, end=new_end), by=coordinator)
    db.session.commit()
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == person.id))
    assert note.message.startswith("Le créneau « Aide aux devoirs » change")


def test_cancel_a_shift_tells_everyone_signed_up(mission, coordinator, make_user, mail):
    shift = make_shift(mission, capacity=1)
    confirmed, waiting = make_user(email="awa@exemple.test"), make_user()
    services.sign_up(shift, confirmed, by=confirmed)
    services.sign_up(shift, waiting, by=waiting)
    db.session.commit()
    services.cancel_shift(shift, by=coordinator, reason="La salle est prise.")
    db.session.commit()
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "volunteering.shift")).all()
    assert sorted(told) == sorted([confirmed.id, waiting.id])
    assert "La salle est prise." in mail.body(mail.last_to("awa@exemple.test"))
    with pytest.raises(VolunteeringError, match="déjà annulé"):
        services.cancel_shift(shift, by=coordinator)
    with pytest.raises(VolunteeringError, match="annulé"):
        services.sign_up(shift, make_user(), by=coordinator)


def test_cancel_the_rest_of_a_series(mission, coordinator):
    shifts = _series(mission, coordinator)
    cancelled = services.cancel_shift(shifts[2], by=coordinator, whole_series=True)
    db.session.commit()
    assert len(cancelled) == 2
    assert [s.cancelled_at is not None for s in _shifts(mission)] == [False, False, True, True]


def test_started_shifts_cannot_be_changed(mission, coordinator):
    shift = make_shift(mission, starts_at=utcnow() - timedelta(minutes=30))
    with pytest.raises(VolunteeringError, match="commencé"):
        services.update_shift(shift, _edit(shift), by=coordinator)
    with pytest.raises(VolunteeringError, match="commencé"):
        services.cancel_shift(shift, by=coordinator)


# --- pages ---------------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    data = {
        "day": f"{next_year()}-03-03",
        "start": "14:00",
        "end": "16:00",
        "place": "Salle des familles",
        "capacity": "5",
        "closes_hours": "24",
        "repeat": "once",
        "until": "",
    }
    data.update(overrides)
    return data


def test_coordinator_adds_a_weekly_shift_from_the_form(client, auth, mission, coordinator):
    auth.login(coordinator)
    assert client.get(f"/benevolat/missions/{mission.id}/creneaux/nouveau").status_code == 200
    r = client.post(
        f"/benevolat/missions/{mission.id}/creneaux/nouveau",
        data=_form(repeat="weekly", until=f"{next_year()}-03-31", start="14h30", end="16h"),
    )
    assert r.status_code == 303
    page = text(client.get(r.headers["Location"]))
    assert "5 créneaux ajoutés, chaque mercredi" in page
    shifts = _shifts(mission)
    assert len(shifts) == 5 and {to_local(s.starts_at).time() for s in shifts} == {time(14, 30)}


def test_shift_form_errors_are_422_and_clear(client, auth, mission, coordinator):
    auth.login(coordinator)
    url = f"/benevolat/missions/{mission.id}/creneaux/nouveau"
    r = client.post(url, data=_form(end="13:00"))
    assert r.status_code == 422 and "L'heure de fin doit être après l'heure de début." in text(r)
    r = client.post(url, data=_form(repeat="weekly"))
    assert r.status_code == 422 and "Indiquez jusqu'à quand" in text(r)
    r = client.post(url, data=_form(repeat="weekly", until=f"{next_year() + 3}-01-01"))
    assert r.status_code == 422 and "au plus 60 créneaux" in text(r)
    r = client.post(url, data=_form(day="pas une date", capacity="beaucoup"))
    assert r.status_code == 422
    assert 'value="Salle des familles"' in r.text
    assert _shifts(mission) == []


def test_edit_page_refuses_capacity_below_confirmed(client, auth, mission, coordinator, make_user):
    shift = make_shift(mission, capacity=3)
    for _ in range(2):
        person = make_user()
        services.sign_up(shift, person, by=person)
    db.session.commit()
    auth.login(coordinator)
    assert client.get(f"/benevolat/creneaux/{shift.id}/modifier").status_code == 200
    local = to_local(shift.starts_at)
    data = {
        "day": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "end": to_local(shift.ends_at).strftime("%H:%M"),
        "place": "Salle des familles",
        "capacity": "1",
        "closes_hours": "0",
        "scope": "one",
    }
    r = client.post(f"/benevolat/creneaux/{shift.id}/modifier", data=data)
    assert r.status_code == 422
    assert "compte déjà 2 personnes inscrites" in text(r)
    r = client.post(f"/benevolat/creneaux/{shift.id}/modifier", data={**data, "capacity": "6"})
    assert r.status_code == 303
    assert db.session.get(Shift, shift.id).capacity == 6


def test_cancel_page_confirms_then_cancels(client, auth, mission, coordinator, make_user):
    shift = make_shift(mission)
    person = make_user()
    services.sign_up(shift, person, by=person)
    db.session.commit()
    auth.login(coordinator)
    page = client.get(f"/benevolat/creneaux/{shift.id}/annuler")
    assert page.status_code == 200 and "1 personne inscrite sera prévenue" in text(page)
    r = client.post(f"/benevolat/creneaux/{shift.id}/annuler", data={"reason": "", "scope": "one"})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).cancelled_at is not None
    assert "Ce créneau est annulé" in text(client.get(f"/benevolat/creneaux/{shift.id}"))


def test_habitants_cannot_manage_shifts(client, auth, mission, make_user):
    shift = make_shift(mission)
    auth.login(make_user())
    assert client.get(f"/benevolat/creneaux/{shift.id}").status_code == 200
    for path in ("modifier", "annuler", "equipe", "qui-pourrait-venir"):
        assert client.get(f"/benevolat/creneaux/{shift.id}/{path}").status_code == 403, path
    assert client.post(f"/benevolat/creneaux/{shift.id}/annuler", data={"scope": "one"}).status_code == 403


def test_shift_page_shows_places_and_deadline(client, mission):
    shift = make_shift(mission, capacity=5, signup_closes_at=utcnow() + timedelta(days=1))
    page = text(client.get(f"/benevolat/creneaux/{shift.id}"))
    assert "5 places sur 5" in page and "Inscriptions jusqu'au" in page and "Salle des familles" in page
