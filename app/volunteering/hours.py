"""Volunteer hours: proposed from attended shifts and instance meetings, or declared; validated
with the valuation rate in force on their date (domain.md §6.2, metrics B6–B8).

Other features call `propose_meeting_hours(meeting)` (instances, when a meeting is closed) and
`propose_shift_hours(signup)` (roster, when a shift's attendance is marked). Both are idempotent:
the unique constraints (person, meeting) and (person, signup) keep one proposal per act.
"""

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import log_event
from app.centres.models import Role
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.ledger.services import record_participation, update_entries
from app.notifications.services import notify, register_kind
from app.timeutil import local_date, local_today, utcnow
from app.volunteering.models import (
    Category,
    EntrySource,
    EntryStatus,
    HourEntry,
    HourRevision,
    Mission,
    MissionStatus,
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
                day=local_date(meeting.starts_at),
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
        day=local_date(shift.starts_at),
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


# --- declaring, validating, correcting (the routes commit) ------------------------------------

register_kind("volunteering.hours", _l("Mes heures de bénévolat : refus et corrections"))

#: Where a bénévole sees their hours (notifications link there).
MY_HOURS_URL = "/benevolat/heures/moi"

#: The ledger kind of validated hours (one row per validated entry).
LEDGER_KIND = "hours.validate"

MAX_HOURS = Decimal(24)
#: The oldest day anyone may declare or move an entry to.
OLDEST_DAY = date(2000, 1, 1)


class HoursError(Exception):
    """An hours action refused, with a message for the person (shown as is)."""


_CLOCK = re.compile(r"^(\d{1,2})\s*(?:h|:|heures?)\s*(\d{1,2})?\s*(?:min|mn|m)?$")
_DECIMAL = re.compile(r"^(\d{1,3}(?:[.,]\d{1,4})?)\s*(?:h|heures?)?$")
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:min|mn|minutes?)$")


def parse_hours(text: str) -> Decimal:
    """A duration typed by a person: "2", "2,5", "2.5", "2h", "1h30", "1 h 30", "1:30", "45 min".
    Returns hours rounded to the hundredth; raises ValueError on anything else."""
    value = " ".join(str(text or "").lower().split())
    if match := _CLOCK.match(value):
        minutes = int(match.group(2) or 0)
        if minutes >= 60:
            raise ValueError(value)
        return (Decimal(int(match.group(1))) + Decimal(minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)
    if match := _MINUTES.match(value):
        return (Decimal(int(match.group(1))) / 60).quantize(CENT, rounding=ROUND_HALF_UP)
    if match := _DECIMAL.match(value):
        try:
            return Decimal(match.group(1).replace(",", ".")).quantize(CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation as error:
            raise ValueError(value) from error
    raise ValueError(value)


def check_hours(hours: Decimal) -> None:
    """Raise HoursError unless 0 < hours ≤ 24 (one entry is one day)."""
    if hours <= 0:
        raise HoursError(_("La durée doit être supérieure à zéro."))
    if hours > MAX_HOURS:
        raise HoursError(_("Une journée compte 24 heures au plus : déclarez plusieurs jours séparément."))


def check_day(day: date, today: date | None = None) -> None:
    """Raise HoursError for a day in the future or before 2000."""
    if day > (today or local_today()):
        raise HoursError(_("La date ne peut pas être dans le futur."))
    if day < OLDEST_DAY:
        raise HoursError(_("Cette date est trop ancienne."))


def _ledger_time(day: date) -> datetime:
    """Validated hours count on their own day (at noon, so no time zone moves them to another day).

    `reports.counted_hours` relies on it to read only the period's ledger rows: keep the ledger
    row's time on the entry's day whenever the day changes."""
    return datetime.combine(day, time(12, 0))


def declare_hours(structure, person: User, fields: dict, by: User) -> HourEntry:
    """A bénévole declares hours (or staff for them at the accueil, recorded as `declared_by`).

    `fields`: day, hours (Decimal), category (Category), description, optional mission_id and
    is_skill_based. The entry is proposed: staff or the mission's coordinators validate it.
    """
    hours = Decimal(fields["hours"])
    check_hours(hours)
    check_day(fields["day"])
    category = Category(fields["category"])
    mission = None
    if fields.get("mission_id"):
        mission = db.session.get(Mission, fields["mission_id"])
        if mission is None or mission.structure_id != structure.id or mission.status == MissionStatus.DRAFT:
            raise HoursError(_("Cette mission n'existe pas dans ce centre."))
    entry = HourEntry(
        structure_id=structure.id,
        person_id=person.id,
        day=fields["day"],
        hours=hours,
        category=category,
        description=(fields.get("description") or "").strip()[:300],
        is_skill_based=bool(fields.get("is_skill_based")) or bool(mission and mission.is_skill_based),
        source=EntrySource.DECLARED,
        mission_id=mission.id if mission else None,
        status=EntryStatus.PROPOSED,
        declared_by_id=by.id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def withdraw_entry(entry: HourEntry, by: User) -> None:
    """The person takes back their own declaration while it is still to validate."""
    result = db.session.execute(
        sa.delete(HourEntry).where(
            HourEntry.id == entry.id,
            HourEntry.status == EntryStatus.PROPOSED,
            HourEntry.source == EntrySource.DECLARED,
        )
    )
    if result.rowcount != 1:
        raise HoursError(_("Ces heures ont déjà été traitées : elles ne peuvent plus être retirées."))
    db.session.expunge(entry)


def _clean_changes(entry: HourEntry, changes: dict | None) -> dict:
    """The fields of `changes` (hours, category, day) that differ from the entry, checked."""
    clean = {}
    for key in ("hours", "category", "day"):
        if changes and changes.get(key) is not None:
            value = changes[key]
            if key == "hours":
                value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
                check_hours(value)
            elif key == "category":
                value = Category(value)
            else:
                check_day(value)
            if value != getattr(entry, key):
                clean[key] = value
    return clean


def validate_entry(entry: HourEntry, by: User, changes: dict | None = None) -> HourEntry:
    """Validate a proposed entry, after correcting its hours, category or day if asked.

    One conditional UPDATE (… WHERE status = 'proposed') decides: a second validation at the
    same instant finds nothing to update and is refused, so the ledger gets exactly one row.
    The valuation rate in force on the entry's day is written into it, never recomputed later.
    """
    if entry.person_id == by.id:
        raise HoursError(_("Vous ne pouvez pas valider vos propres heures."))
    values = {
        **_clean_changes(entry, changes),
        "status": EntryStatus.VALIDATED,
        "validated_by_id": by.id,
        "validated_at": utcnow(),
    }
    result = db.session.execute(
        sa.update(HourEntry)
        .where(HourEntry.id == entry.id, HourEntry.status == EntryStatus.PROPOSED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(entry)
        raise HoursError(_("Ces heures ont déjà été traitées."))
    db.session.refresh(entry)
    snapshot_valuation(entry)
    person = db.session.get(User, entry.person_id)
    record_participation(
        person,
        structure_id=entry.structure_id,
        kind=LEDGER_KIND,
        level=entry.category.level,
        obj=entry,
        hours=entry.hours,
        occurred_at=_ledger_time(entry.day),
        recorded_by=by,
    )
    db.session.flush()
    return entry


def validate_entries(ids, by: User, *, structure_id: int | None = None) -> tuple[int, int]:
    """Validate the chosen proposed entries that `by` may validate. Returns (validated, skipped):
    entries already handled, someone's own or outside `by`'s missions are skipped."""
    from app.volunteering.hours_permissions import can_validate_entry, coordinated_missions

    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        return 0, 0
    query = sa.select(HourEntry).where(HourEntry.id.in_(wanted)).order_by(HourEntry.day, HourEntry.id)
    if structure_id is not None:
        query = query.where(HourEntry.structure_id == structure_id)
    entries = list(db.session.scalars(query))
    missions = coordinated_missions(by)
    done = 0
    for entry in entries:
        if not can_validate_entry(by, entry, missions):
            continue
        try:
            validate_entry(entry, by)
        except HoursError:
            continue
        done += 1
    return done, len(wanted) - done


def reject_entry(entry: HourEntry, reason: str, by: User) -> HourEntry:
    """Refuse a proposed entry with a reason the bénévole reads (it never counts)."""
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise HoursError(_("Indiquez la raison du refus."))
    if entry.person_id == by.id:
        raise HoursError(_("Vous ne pouvez pas traiter vos propres heures."))
    result = db.session.execute(
        sa.update(HourEntry)
        .where(HourEntry.id == entry.id, HourEntry.status == EntryStatus.PROPOSED)
        .values(status=EntryStatus.REJECTED, reject_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(entry)
        raise HoursError(_("Ces heures ont déjà été traitées."))
    db.session.refresh(entry)
    log_event("hours_rejected", actor=by, structure_id=entry.structure_id, target=entry)
    person = db.session.get(User, entry.person_id)
    day, hours = entry.day, entry.hours
    notify(
        [person],
        "volunteering.hours",
        lambda: _(
            "Vos %(hours)s h du %(day)s n'ont pas été validées : %(reason)s",
            hours=_format_hours(hours),
            day=day.strftime("%d/%m/%Y"),
            reason=reason,
        ),
        url=MY_HOURS_URL,
        structure_id=entry.structure_id,
    )
    return entry


def _format_hours(hours: Decimal) -> str:
    from flask_babel import format_decimal

    return format_decimal(Decimal(hours), format="#,##0.##")


def _valuation_basis(structure_id: int, day: date) -> tuple:
    """What the rate of `day` comes from: the centre's policy in force, or the SMIC period."""
    policy = policy_on(structure_id, day)
    if policy is not None:
        return ("policy", policy.id)
    return ("smic", max((since for since, _rate in SMIC_GROSS_HOURLY if since <= day), default=None))


def correct_entry(entry: HourEntry, changes: dict, reason: str, by: User) -> tuple[HourRevision, bool]:
    """Change a validated entry's hours, category or day, with a reason: an HourRevision keeps
    before, after, who, when and why; the ledger row follows. The rate snapshot is kept, unless
    the day moves to another year or under another valuation policy, or the new category has a
    rate of its own: then the entry is valued again. Returns (revision, revalued)."""
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise HoursError(_("Indiquez la raison de la correction."))
    if entry.status != EntryStatus.VALIDATED:
        raise HoursError(_("Seules des heures validées se corrigent ; les autres se valident ou se refusent."))
    if entry.person_id == by.id:
        raise HoursError(_("Vous ne pouvez pas corriger vos propres heures."))
    clean = _clean_changes(entry, changes)
    if not clean:
        raise HoursError(_("Rien n'a changé : modifiez la durée, la catégorie ou la date."))
    old_hours, old_category, old_day = entry.hours, entry.category, entry.day
    new_hours = clean.get("hours", old_hours)
    new_category = clean.get("category", old_category)
    new_day = clean.get("day", old_day)
    revalue = new_day.year != old_day.year or _valuation_basis(entry.structure_id, old_day) != _valuation_basis(
        entry.structure_id, new_day
    )
    if not revalue and new_category != old_category:
        revalue = (
            valuation_for(entry.structure_id, new_day, new_category)[0]
            != valuation_for(entry.structure_id, new_day, old_category)[0]
        )
    revision = HourRevision(
        entry_id=entry.id,
        changed_by_id=by.id,
        reason=reason,
        old_hours=old_hours,
        new_hours=new_hours,
        old_category=old_category.value,
        new_category=new_category.value,
        old_day=old_day,
        new_day=new_day,
    )
    db.session.add(revision)
    entry.hours, entry.category, entry.day = new_hours, new_category, new_day
    old_value = entry.value
    if revalue:
        rate, method, coefficient = valuation_for(entry.structure_id, new_day, new_category)
        entry.rate, entry.rate_method, entry.rate_coefficient = rate, method, coefficient
    entry.value = value_of(new_hours, entry.rate, entry.rate_coefficient)
    update_entries(
        (
            LedgerEntry.kind == LEDGER_KIND,
            LedgerEntry.object_type == "hourentry",
            LedgerEntry.object_id == entry.id,
        ),
        hours=new_hours,
        level=new_category.level,
        occurred_at=_ledger_time(new_day),
    )
    log_event(
        "hours_corrected",
        actor=by,
        structure_id=entry.structure_id,
        target=entry,
        old_hours=old_hours,
        new_hours=new_hours,
        old_category=old_category.value,
        new_category=new_category.value,
        old_day=old_day,
        new_day=new_day,
        old_value=old_value,
        new_value=entry.value,
        revalued=revalue,
    )
    person = db.session.get(User, entry.person_id)
    notify(
        [person],
        "volunteering.hours",
        lambda: _(
            "Vos heures du %(day)s ont été corrigées : %(old)s h → %(new)s h. Raison : %(reason)s",
            day=old_day.strftime("%d/%m/%Y"),
            old=_format_hours(old_hours),
            new=_format_hours(new_hours),
            reason=reason,
        ),
        url=MY_HOURS_URL,
        structure_id=entry.structure_id,
    )
    db.session.flush()
    return revision, revalue


# --- valuation policy ---------------------------------------------------------------------------


def policies_of(structure_id: int) -> list[ValuationPolicy]:
    """The centre's policies, newest first."""
    return list(
        db.session.scalars(
            sa.select(ValuationPolicy)
            .where(ValuationPolicy.structure_id == structure_id)
            .order_by(ValuationPolicy.effective_from.desc())
        )
    )


def full_time_hours_on(structure_id: int, day: date) -> int:
    """The annual full-time reference (ETP, metric B7) in force on `day`."""
    policy = policy_on(structure_id, day)
    return policy.full_time_hours if policy is not None else DEFAULT_FULL_TIME_HOURS


def add_policy(structure, fields: dict, by: User) -> ValuationPolicy:
    """A new valuation policy from `effective_from` on (the older ones stay, for the past).

    `fields`: effective_from, method, default_rate, optional category_rates {Category|code:
    Decimal|None}, coefficient (default 1), full_time_hours (default 1,607). Entries already
    validated keep the rate they got; entries validated from now on take the rate of their day.
    """
    rate = Decimal(fields["default_rate"])
    coefficient = Decimal(1 if fields.get("coefficient") is None else fields["coefficient"])
    full_time = int(DEFAULT_FULL_TIME_HOURS if fields.get("full_time_hours") is None else fields["full_time_hours"])
    if rate < 0 or rate >= Decimal("100000"):
        raise HoursError(_("Le taux horaire doit être compris entre 0 et 99 999,99 €."))
    if coefficient <= 0 or coefficient >= 100:
        raise HoursError(_("Le coefficient doit être compris entre 0,01 et 99,99."))
    if not 1 <= full_time <= 8784:
        raise HoursError(_("La référence temps plein doit être comprise entre 1 et 8 784 heures par an."))
    category_rates = {}
    for key, value in (fields.get("category_rates") or {}).items():
        if value is None or value == "":
            continue
        value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
        if value < 0 or value >= Decimal("100000"):
            raise HoursError(_("Le taux horaire doit être compris entre 0 et 99 999,99 €."))
        category_rates[Category(key).value] = str(value)
    policy = ValuationPolicy(
        structure_id=structure.id,
        effective_from=fields["effective_from"],
        method=ValuationMethod(fields.get("method") or ValuationMethod.SMIC_GROSS),
        default_rate=rate.quantize(CENT, rounding=ROUND_HALF_UP),
        category_rates=category_rates,
        coefficient=coefficient.quantize(CENT, rounding=ROUND_HALF_UP),
        full_time_hours=full_time,
        created_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(policy)
            db.session.flush()
    except IntegrityError as error:
        raise HoursError(_("Une valorisation commence déjà à cette date : choisissez un autre jour.")) from error
    log_event(
        "valuation_policy_added",
        actor=by,
        structure_id=structure.id,
        target=policy,
        effective_from=policy.effective_from,
        rate=policy.default_rate,
        method=policy.method.value,
    )
    return policy
