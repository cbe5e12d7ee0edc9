"""The day-before reminder: everyone confirmed on a shift starting in 24 to 48 hours gets one
notification (in the app and by e-mail, as they chose), once.

Each reminder is claimed with `UPDATE signup SET reminded_at = now WHERE id = … AND reminded_at
IS NULL`: only the run whose statement changed the row sends it, so running the command twice,
or twice at the same time, sends one reminder per person and shift.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.notifications.services import notify
from app.timeutil import utcnow
from app.volunteering.models import Mission, MissionStatus, Shift, Signup, SignupStatus
from app.volunteering.services import describe_when, shift_url

#: Shifts starting between these two delays from now get their reminder.
WINDOW = (timedelta(hours=24), timedelta(hours=48))


def due_reminders(now: datetime | None = None) -> list[int]:
    """Ids of the confirmed sign-ups whose shift starts in 24 to 48 hours and that had no reminder."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Signup.id)
            .join(Shift, Shift.id == Signup.shift_id)
            .join(Mission, Mission.id == Shift.mission_id)
            .where(
                Signup.status == SignupStatus.CONFIRMED,
                Signup.reminded_at.is_(None),
                Shift.cancelled_at.is_(None),
                Shift.starts_at >= now + WINDOW[0],
                Shift.starts_at < now + WINDOW[1],
                Mission.status == MissionStatus.PUBLISHED,
            )
            .order_by(Shift.starts_at, Signup.id)
        )
    )


def send_reminder(signup_id: int, now: datetime | None = None) -> bool:
    """Claim the sign-up's reminder and send it; False if another run already did."""
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(Signup)
        .where(Signup.id == signup_id, Signup.reminded_at.is_(None), Signup.status == SignupStatus.CONFIRMED)
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    signup = db.session.scalar(
        sa.select(Signup)
        .options(joinedload(Signup.person), joinedload(Signup.shift).joinedload(Shift.mission))
        .where(Signup.id == signup_id)
    )
    shift, mission = signup.shift, signup.shift.mission

    def message() -> str:
        text = _(
            "Rappel : vous êtes attendu·e pour « %(title)s » le %(when)s.",
            title=mission.title,
            when=describe_when(shift),
        )
        if shift.place:
            text += " " + _("Lieu : %(place)s.", place=shift.place)
        return text + " " + _("Un empêchement ? Désinscrivez-vous ou prévenez la personne qui coordonne.")

    notify(
        [signup.person],
        "volunteering.reminder",
        message,
        url=shift_url(shift),
        structure_id=mission.structure_id,
        subject=lambda: _("Rappel : votre créneau de bénévolat « %(title)s »", title=mission.title),
    )
    return True


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder due now; returns how many this run sent. The command's job: it commits
    each reminder on its own, so a failure never un-sends the earlier ones, then hands the
    e-mails to the SMTP server."""
    from app.mail import deliver

    previous = g.get("sqlite_write_lock")
    g.sqlite_write_lock = True  # this job writes: take SQLite's write lock at BEGIN
    sent = 0
    try:
        due = due_reminders(now)
        db.session.commit()
        for signup_id in due:
            if send_reminder(signup_id, now):
                sent += 1
            db.session.commit()
        deliver()  # now, rather than whenever the background sender gets round to it
    finally:
        g.sqlite_write_lock = previous
    return sent
