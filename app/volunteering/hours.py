"""Volunteer hours: proposed from attended shifts and instance meetings, or declared; validated
with the valuation rate in force on their date (domain.md §6.2, metrics B6–B8).

Other features call `propose_meeting_hours(meeting)` (instances, when a meeting is closed) and
`propose_shift_hours(signup)` (roster, when a shift's attendance is marked). Both are idempotent:
the unique constraints (person, meeting) and (person, signup) keep one proposal per act.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.timeutil import utcnow
from app.volunteering.models import (
    Category,
    EntrySource,
    EntryStatus,
    HourEntry,
    Presence,
    Signup,
    ValuationMethod,
    ValuationPolicy,
)

#: SMIC horaire brut by date of effect (default valuation when a centre has set no policy).
SMIC_GROSS_HOURLY: tuple[tuple[date, Decimal], ...] = (
    (date(2024, 11, 1), Decimal("11.88")),
    (date(2026, 1, 1), Decimal("12.02")),
)

#: Full-time reference for ETP bénévoles (metric B7) when the centre has not set its own.
DEFAULT_FULL_TIME_HOURS = 1607

CENT = Decimal("0.01")


def default_smic(day: date) -> Decimal:
    """The SMIC horaire brut in force on `day` (the oldest known rate before our table starts)."""
    rate = SMIC_GROSS_HOURLY[0][1]
    for since, value in SMIC_GROSS_HOURLY:
        if day >= since:
            rate = value
    return rate


def policy_on(structure_id: int, day: date) -> ValuationPolicy | None:
    """The centre's valuation policy in force on `day`, if it has set one."""
    return db.session.scalar(
        sa.select(ValuationPolicy)
        .where(ValuationPolicy.structure_id == structure_id, ValuationPolicy.effective_from <= day)
        .order_by(ValuationPolicy.effective_from.desc())
        .limit(1)
    )


def valuation_for(structure_id: int, day: date, category: Category) -> tuple[Decimal, ValuationMethod, Decimal]:
    """(rate €/h, method, coefficient) in force on `day` for `category`."""
    policy = policy_on(structure_id, day)
    if policy is None:
        return default_smic(day), ValuationMethod.SMIC_GROSS, Decimal("1")
    rate = Decimal(str(policy.category_rates.get(category.value, policy.default_rate)))
    return rate, policy.method, Decimal(policy.coefficient)


def value_of(hours: Decimal, rate: Decimal, coefficient: Decimal) -> Decimal:
    return (Decimal(hours) * rate * coefficient).quantize(CENT, rounding=ROUND_HALF_UP)


def _hours(minutes: float) -> Decimal:
    return (Decimal(str(minutes)) / Decimal(60)).quantize(CENT, rounding=ROUND_HALF_UP)


def _is_staff(person_id: int, structure_id: int) -> bool:
    from app.centres.models import Membership

    role = db.session.scalar(
        sa.select(Membership.role).where(Membership.user_id == person_id, Membership.structure_id == structure_id)
    )
    return role is not None and role >= Role.STAFF


def propose_meeting_hours(meeting) -> int:
    """Propose governance or steering hours (meeting duration) to every member present at a held
    meeting, except staff and ex officio members (they are not volunteers). Returns how many were
    added; running it again adds none."""
    from app.instances.models import Attendance, AttendanceStatus

    instance = meeting.instance
    category = Category.GOVERNANCE if instance.instance_type.is_governance else Category.STEERING
    present = db.session.scalars(
        sa.select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.status == AttendanceStatus.PRESENT,
            Attendance.ex_officio.is_(False),
        )
    ).all()
    already = set(db.session.scalars(sa.select(HourEntry.person_id).where(HourEntry.meeting_id == meeting.id)).all())
    added = 0
    for attendance in present:
        if attendance.person_id in already or _is_staff(attendance.person_id, instance.structure_id):
            continue
        db.session.add(
            HourEntry(
                structure_id=instance.structure_id,
                person_id=attendance.person_id,
                day=meeting.starts_at.date(),
                hours=_hours(meeting.duration_minutes),
                category=category,
                description=f"{instance.name} — {meeting.title}"[:300],
                source=EntrySource.MEETING,
                instance_id=instance.id,
                meeting_id=meeting.id,
                status=EntryStatus.PROPOSED,
            )
        )
        added += 1
    db.session.flush()
    return added


def propose_shift_hours(signup: Signup) -> HourEntry | None:
    """Propose the shift's duration to a person marked as attended (once per sign-up)."""
    if signup.presence != Presence.ATTENDED:
        return None
    existing = db.session.scalar(sa.select(HourEntry).where(HourEntry.signup_id == signup.id))
    if existing is not None:
        return existing
    shift = signup.shift
    mission = shift.mission
    minutes = (shift.ends_at - shift.starts_at).total_seconds() / 60
    entry = HourEntry(
        structure_id=mission.structure_id,
        person_id=signup.person_id,
        day=shift.starts_at.date(),
        hours=min(_hours(minutes), Decimal(24)),
        category=mission.category,
        description=mission.title[:300],
        is_skill_based=mission.is_skill_based,
        source=EntrySource.SHIFT,
        mission_id=mission.id,
        signup_id=signup.id,
        status=EntryStatus.PROPOSED,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def withdraw_shift_proposal(signup: Signup) -> None:
    """A person first marked as attended, then as no-show: drop the still-unvalidated proposal."""
    db.session.execute(
        sa.delete(HourEntry).where(HourEntry.signup_id == signup.id, HourEntry.status == EntryStatus.PROPOSED)
    )


def snapshot_valuation(entry: HourEntry) -> None:
    """Write the rate in force on the entry's date into it (done once, at validation)."""
    rate, method, coefficient = valuation_for(entry.structure_id, entry.day, entry.category)
    entry.rate, entry.rate_method, entry.rate_coefficient = rate, method, coefficient
    entry.value = value_of(entry.hours, rate, coefficient)
    entry.validated_at = entry.validated_at or utcnow()
