"""Build hour entries for the hours, valuation, reports and exports tests."""

from datetime import date, datetime
from decimal import Decimal

from app.extensions import db
from app.volunteering.hours import declare_hours, propose_shift_hours, validate_entry
from app.volunteering.models import Category, EntrySource, EntryStatus, HourEntry, Presence, Signup, SignupStatus


def proposed(structure, person, day: date, hours="2", category=Category.ACTIVITY, **fields) -> HourEntry:
    """A proposed entry written directly (source: declared unless said otherwise)."""
    entry = HourEntry(
        structure_id=structure.id,
        person_id=person.id,
        day=day,
        hours=Decimal(str(hours)),
        category=category,
        description=fields.pop("description", "Permanence d'accueil"),
        source=fields.pop("source", EntrySource.DECLARED),
        status=EntryStatus.PROPOSED,
        declared_by_id=fields.pop("declared_by_id", person.id),
        **fields,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def declared(structure, person, day: date, hours="2", category=Category.ACTIVITY, **fields) -> HourEntry:
    """Hours declared through the service."""
    entry = declare_hours(
        structure,
        person,
        {
            "day": day,
            "hours": Decimal(str(hours)),
            "category": category,
            "description": fields.pop("description", "Préparation de la fête de quartier"),
            **fields,
        },
        by=person,
    )
    db.session.commit()
    return entry


def validated(structure, person, by, day: date, hours="2", category=Category.ACTIVITY, **fields) -> HourEntry:
    """Hours declared, then validated by `by` (ledger row and valuation snapshot included)."""
    entry = proposed(structure, person, day, hours, category, **fields)
    validate_entry(entry, by)
    db.session.commit()
    return entry


def attended(shift, person) -> Signup:
    """A confirmed sign-up marked as attended, with its hours proposed (as the roster does)."""
    signup = Signup(
        shift_id=shift.id,
        person_id=person.id,
        status=SignupStatus.CONFIRMED,
        presence=Presence.ATTENDED,
        queued_at=datetime(2026, 1, 1),
    )
    db.session.add(signup)
    db.session.flush()
    propose_shift_hours(signup)
    db.session.commit()
    return signup
