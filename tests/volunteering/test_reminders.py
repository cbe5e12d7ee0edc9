"""`flask send-reminders`: the day-before reminder, sent once however often (or however many at
once) the command runs."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import set_preference
from app.timeutil import utcnow
from app.volunteering import services
from app.volunteering.models import MissionStatus, Signup
from app.volunteering.reminders import due_reminders, send_due_reminders
from tests.conftest import run_together
from tests.volunteering.factories import make_mission, make_shift


def _sent(result) -> int:
    assert result.exit_code == 0, result.output
    match = re.search(r"(\d+) rappel\(s\) envoyé\(s\)", result.output)
    assert match, result.output
    return int(match.group(1))


def _reminders() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == "volunteering.reminder")))


def _setup(structure, make_user):
    """Two people confirmed on a shift in 30 hours, one waiting; shifts outside the window."""
    mission = make_mission(structure, "Aide aux devoirs", coordinator=make_user(role=Role.COORDINATOR))
    soon = make_shift(mission, capacity=2, starts_at=utcnow() + timedelta(hours=30), place="Salle des familles")
    awa = make_user(display_name="Awa", email="awa@exemple.test")
    lucien = make_user(display_name="Lucien", email=None)  # no e-mail: the app's notification only
    rose = make_user(email="rose@exemple.test")
    for person in (awa, lucien, rose):
        services.sign_up(soon, person, by=person)
    too_soon = make_shift(mission, starts_at=utcnow() + timedelta(hours=10))
    too_far = make_shift(mission, starts_at=utcnow() + timedelta(hours=60))
    cancelled = make_shift(mission, starts_at=utcnow() + timedelta(hours=30))
    for shift in (too_soon, too_far, cancelled):
        services.sign_up(shift, rose, by=rose)
    services.cancel_shift(cancelled, by=mission.coordinators[0].person)
    db.session.commit()
    return {"awa": awa, "lucien": lucien, "rose": rose, "soon": soon}


def test_reminders_go_to_people_confirmed_on_shifts_in_24_to_48_hours(runner, structure, make_user, mail):
    data = _setup(structure, make_user)
    assert _sent(runner.invoke(args=["send-reminders"])) == 2
    db.session.expire_all()
    told = sorted(n.user_id for n in _reminders())
    assert told == sorted([data["awa"].id, data["lucien"].id])
    [message] = mail.to("awa@exemple.test")
    assert message["Subject"] == "Rappel : votre créneau de bénévolat « Aide aux devoirs »"
    body = mail.body(message)
    assert "vous êtes attendu·e pour « Aide aux devoirs »" in body
    assert "Salle des familles" in body
    assert f"/benevolat/creneaux/{data['soon'].id}" in body
    assert not [m for m in mail.to("rose@exemple.test") if m["Subject"].startswith("Rappel")]
    reminded = db.session.scalars(sa.select(Signup).where(Signup.reminded_at.is_not(None))).all()
    assert sorted(s.person_id for s in reminded) == told


def test_running_it_twice_sends_one_reminder(runner, structure, make_user, mail):
    _setup(structure, make_user)
    assert _sent(runner.invoke(args=["send-reminders"])) == 2
    assert _sent(runner.invoke(args=["send-reminders"])) == 0
    db.session.expire_all()
    assert len(_reminders()) == 2
    assert len(mail.to("awa@exemple.test")) == 1


def test_two_runs_at_the_same_time_send_one_reminder_each(app, structure, make_user, mail):
    mission = make_mission(structure, "Distribution alimentaire")
    shift = make_shift(mission, capacity=12, starts_at=utcnow() + timedelta(hours=36))
    people = [make_user(email=f"benevole{n}@exemple.test") for n in range(12)]
    for person in people:
        services.sign_up(shift, person, by=person)
    db.session.commit()
    emails = [person.email for person in people]
    db.session.remove()  # the test holds no transaction while the commands run

    def run():
        with app.app_context():
            try:
                return send_due_reminders()
            finally:
                db.session.remove()

    results = run_together([run for _ in range(3)])
    assert sum(results) == 12, results
    assert len(_reminders()) == 12
    for email in emails:
        assert len(mail.to(email)) == 1


def test_a_person_who_turned_reminder_emails_off_gets_the_notification_only(runner, structure, make_user, mail):
    data = _setup(structure, make_user)
    set_preference(data["awa"], "volunteering.reminder", in_app=True, email=False)
    db.session.commit()
    assert _sent(runner.invoke(args=["send-reminders"])) == 2
    assert mail.to("awa@exemple.test") == []
    assert data["awa"].id in [n.user_id for n in _reminders()]


def test_no_reminder_for_an_archived_mission_or_a_promoted_person_later(structure, make_user):
    mission = make_mission(structure, "Ancienne mission", status=MissionStatus.ARCHIVED)
    make_shift(mission, starts_at=utcnow() + timedelta(hours=30))
    db.session.commit()
    assert due_reminders() == []


def test_a_person_who_signs_up_again_gets_a_new_reminder(runner, structure, make_user):
    data = _setup(structure, make_user)
    assert _sent(runner.invoke(args=["send-reminders"])) == 2
    db.session.expire_all()
    signup = db.session.scalar(sa.select(Signup).where(Signup.person_id == data["awa"].id))
    services.cancel_signup(signup, by=data["awa"])  # Rose, waiting, is promoted
    services.sign_up(signup.shift, data["awa"], by=data["awa"])
    db.session.commit()
    assert signup.reminded_at is None
    assert _sent(runner.invoke(args=["send-reminders"])) == 1  # Rose (Awa now waits)
