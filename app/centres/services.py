"""Centre administration: settings, quartiers, themes, members' roles; platform: structures.

Every function takes model objects, plain data and the acting user (`by=`), checks the rules,
writes the audit line where it is a security event, and flushes. The route commits.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User, UserSession
from app.audit import log_event
from app.centres.models import Membership, Quartier, Role, Structure, StructureType, Theme
from app.extensions import db


class CentreError(Exception):
    """A rule refused the change; the message is shown next to `field` (or above the form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def _flush_or_duplicate(message, field: str = "name") -> None:
    """Flush in a savepoint: a unique constraint hit by a concurrent request becomes a CentreError."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise CentreError(message, field) from error


def _clean(text: str | None) -> str:
    return (text or "").strip()


# --- the structure's settings -------------------------------------------------------------------


def structure_name_taken(name: str, *, exclude: Structure | None = None) -> bool:
    """True if another structure already has this name (case-insensitive)."""
    query = sa.select(Structure.id).where(sa.func.lower(Structure.name) == _clean(name).lower())
    if exclude is not None and exclude.id is not None:
        query = query.where(Structure.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


_DUPLICATE_STRUCTURE = _l("Une autre structure porte déjà ce nom.")


def update_structure(
    structure: Structure,
    *,
    by: User,
    name: str,
    structure_type: StructureType | str,
    city: str,
    welcome: str,
    contact_email: str | None,
    contact_phone: str | None,
    support_threshold: int | None = None,
    premoderation: bool | None = None,
) -> Structure:
    """Change the centre's settings; the name stays unique across structures.

    :raise CentreError: (field ``name``) when another structure has the name.
    """
    name = _clean(name)
    if structure_name_taken(name, exclude=structure):
        raise CentreError(_DUPLICATE_STRUCTURE, "name")
    values = {
        "name": name,
        "structure_type": StructureType(structure_type),
        "city": _clean(city),
        "welcome": _clean(welcome),
        "contact_email": _clean(contact_email).lower() or None,
        "contact_phone": _clean(contact_phone) or None,
    }
    if support_threshold is not None:
        values["support_threshold"] = int(support_threshold)
    if premoderation is not None:
        values["premoderation"] = bool(premoderation)
    changed = sorted(key for key, value in values.items() if getattr(structure, key) != value)
    for key, value in values.items():
        setattr(structure, key, value)
    _flush_or_duplicate(_DUPLICATE_STRUCTURE)
    if changed:
        log_event("structure_updated", actor=by, structure_id=structure.id, target=structure, fields=changed)
    return structure


# --- quartiers and themes -----------------------------------------------------------------------


def _name_taken(model, structure_id: int, name: str, exclude_id: int | None) -> bool:
    """True if the structure already has a quartier/theme of that name (case-insensitive)."""
    query = sa.select(model.id).where(
        model.structure_id == structure_id, sa.func.lower(model.name) == _clean(name).lower()
    )
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


_DUPLICATE_QUARTIER = _l("Un quartier porte déjà ce nom dans votre structure.")
_DUPLICATE_THEME = _l("Un thème porte déjà ce nom dans votre structure.")


def _qpv_values(is_qpv: bool, qpv_code: str | None, qpv_list_version: str | None) -> dict:
    """Outside a QPV there is no code; a code is kept upper-case with its list version."""
    code = _clean(qpv_code).upper() or None
    if not is_qpv:
        return {"is_qpv": False, "qpv_code": None, "qpv_list_version": None}
    return {"is_qpv": True, "qpv_code": code, "qpv_list_version": (qpv_list_version or None) if code else None}


def add_quartier(
    structure: Structure,
    *,
    by: User,
    name: str,
    is_qpv: bool = False,
    qpv_code: str | None = None,
    qpv_list_version: str | None = None,
) -> Quartier:
    """Add a quartier to the structure's territory.

    :raise CentreError: (field ``name``) when the structure already has a quartier of that name.
    """
    if _name_taken(Quartier, structure.id, name, None):
        raise CentreError(_DUPLICATE_QUARTIER, "name")
    quartier = Quartier(structure_id=structure.id, name=_clean(name), **_qpv_values(is_qpv, qpv_code, qpv_list_version))
    db.session.add(quartier)
    _flush_or_duplicate(_DUPLICATE_QUARTIER)
    return quartier


def update_quartier(
    quartier: Quartier,
    *,
    by: User,
    name: str,
    is_qpv: bool = False,
    qpv_code: str | None = None,
    qpv_list_version: str | None = None,
) -> Quartier:
    """Rename a quartier or change its QPV data (people and ledger rows keep pointing at it)."""
    if _name_taken(Quartier, quartier.structure_id, name, quartier.id):
        raise CentreError(_DUPLICATE_QUARTIER, "name")
    quartier.name = _clean(name)
    for key, value in _qpv_values(is_qpv, qpv_code, qpv_list_version).items():
        setattr(quartier, key, value)
    _flush_or_duplicate(_DUPLICATE_QUARTIER)
    return quartier


def set_quartier_active(quartier: Quartier, active: bool, *, by: User) -> Quartier:
    """Deactivate (hide from choice lists) or reactivate a quartier; never deleted."""
    quartier.is_active = active
    db.session.flush()
    return quartier


def add_theme(structure: Structure, *, by: User, name: str) -> Theme:
    """Add a theme to the structure.

    :raise CentreError: (field ``name``) when the structure already has a theme of that name.
    """
    if _name_taken(Theme, structure.id, name, None):
        raise CentreError(_DUPLICATE_THEME, "name")
    theme = Theme(structure_id=structure.id, name=_clean(name))
    db.session.add(theme)
    _flush_or_duplicate(_DUPLICATE_THEME)
    return theme


def rename_theme(theme: Theme, *, by: User, name: str) -> Theme:
    """Rename a theme (initiatives tagged with it follow)."""
    if _name_taken(Theme, theme.structure_id, name, theme.id):
        raise CentreError(_DUPLICATE_THEME, "name")
    theme.name = _clean(name)
    _flush_or_duplicate(_DUPLICATE_THEME)
    return theme


def set_theme_active(theme: Theme, active: bool, *, by: User) -> Theme:
    """Deactivate or reactivate a theme; never deleted."""
    theme.is_active = active
    db.session.flush()
    return theme


# --- members and roles --------------------------------------------------------------------------


def _lock_structure(structure: Structure) -> None:
    """Serialise role changes of one structure (PostgreSQL row lock; SQLite writes take BEGIN IMMEDIATE).

    Without it, two admins demoting each other at the same moment could both see "another admin
    is left" and leave the structure with none.
    """
    db.session.execute(sa.select(Structure.id).where(Structure.id == structure.id).with_for_update())


def active_admin_count(structure: Structure) -> int:
    """Admins of the structure whose account can still log in (not blocked, not deleted)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.structure_id == structure.id,
            Membership.role == Role.ADMIN,
            User.is_blocked.is_(False),
            User.anonymised_at.is_(None),
        )
    )


def _is_last_admin(membership: Membership) -> bool:
    user = membership.user
    if membership.role != Role.ADMIN or user.is_blocked or user.anonymised_at is not None:
        return False
    return active_admin_count(membership.structure) <= 1


_LAST_ADMIN = _l("La structure doit garder au moins une personne à la direction : nommez d'abord une autre personne.")


def change_member_role(membership: Membership, *, by: User, role: Role | int, job_title: str | None) -> Membership:
    """Set a member's role and job title; a role change is audited.

    :raise CentreError: (field ``role``) when it would leave the structure without an admin.
    """
    role = Role(role)
    old = membership.role
    if role != old and old == Role.ADMIN:
        _lock_structure(membership.structure)
        if _is_last_admin(membership):
            raise CentreError(_LAST_ADMIN, "role")
    membership.role = role
    membership.job_title = _clean(job_title) or None
    db.session.flush()
    if role != old:
        log_event(
            "role_changed",
            actor=by,
            structure_id=membership.structure_id,
            target=membership.user,
            old=old.name.lower(),
            new=role.name.lower(),
        )
    return membership


def set_member_blocked(membership: Membership, blocked: bool, *, by: User) -> User:
    """Block (no login, sessions ended) or unblock a member's account; audited.

    The block is on the account, so it holds in every structure the person belongs to: a
    centre's direction may only block people who take part in no other centre.

    :raise CentreError: for one's own account, a platform administrator, a person who also
        belongs to another centre (unless `by` is a platform admin), or the last admin.
    """
    person = membership.user
    if person.id == by.id:
        raise CentreError(_l("Vous ne pouvez pas bloquer votre propre compte."))
    if blocked and person.is_platform_admin:
        raise CentreError(_l("Un compte d'administration de la plateforme ne peut pas être bloqué ici."))
    if blocked and not by.is_platform_admin and len(person.memberships) > 1:
        raise CentreError(
            _l(
                "Cette personne participe aussi à un autre centre : seul un administrateur de la "
                "plateforme peut bloquer son compte."
            )
        )
    if person.is_blocked == blocked:
        return person
    if blocked:
        _lock_structure(membership.structure)
        if _is_last_admin(membership):
            raise CentreError(_LAST_ADMIN)
        db.session.execute(sa.delete(UserSession).where(UserSession.user_id == person.id))
    person.is_blocked = blocked
    db.session.flush()
    log_event(
        "account_blocked" if blocked else "account_unblocked",
        actor=by,
        structure_id=membership.structure_id,
        target=person,
    )
    return person


# --- platform: structures -----------------------------------------------------------------------


def create_structure(
    *,
    by: User,
    name: str,
    structure_type: StructureType | str,
    city: str,
    admin_email: str | None = None,
) -> Structure:
    """Create a structure, and make the account with `admin_email` (if given) its first admin.

    :raise CentreError: (``name``) duplicate name; (``admin_email``) no account has that address.
    """
    name = _clean(name)
    if structure_name_taken(name):
        raise CentreError(_DUPLICATE_STRUCTURE, "name")
    admin = None
    email = _clean(admin_email).lower()
    if email:
        admin = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == email, User.anonymised_at.is_(None))
        )
        if admin is None:
            raise CentreError(
                _l("Aucun compte n'utilise cette adresse : la personne doit d'abord créer son compte."),
                "admin_email",
            )
    structure = Structure(name=name, structure_type=StructureType(structure_type), city=_clean(city))
    db.session.add(structure)
    _flush_or_duplicate(_DUPLICATE_STRUCTURE)
    log_event("structure_created", actor=by, structure_id=structure.id, target=structure)
    if admin is not None:
        db.session.add(Membership(user_id=admin.id, structure_id=structure.id, role=Role.ADMIN))
        db.session.flush()
        log_event("role_changed", actor=by, structure_id=structure.id, target=admin, old=None, new="admin")
    return structure


def set_structure_active(structure: Structure, active: bool, *, by: User) -> Structure:
    """Close (hidden from pickers and pages; data kept) or reopen a structure; audited."""
    if structure.is_active != active:
        structure.is_active = active
        db.session.flush()
        log_event(
            "structure_reopened" if active else "structure_closed",
            actor=by,
            structure_id=structure.id,
            target=structure,
        )
    return structure
