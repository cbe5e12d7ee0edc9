"""Read side of centre administration: member search, the security journal, the structures list."""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, joinedload

from app.accounts.models import User
from app.accounts.services import looks_like_phone, normalise_phone
from app.audit import AuditEvent
from app.centres.models import Membership, Quartier, Role, Structure, Theme
from app.database import like_pattern
from app.extensions import db

PEOPLE_PER_PAGE = 20
JOURNAL_PER_PAGE = 50


def quartiers_of(structure: Structure) -> list[Quartier]:
    """Every quartier of the structure, active ones first, by name."""
    return list(
        db.session.scalars(
            sa.select(Quartier)
            .where(Quartier.structure_id == structure.id)
            .order_by(Quartier.is_active.desc(), Quartier.name)
        )
    )


def themes_of(structure: Structure) -> list[Theme]:
    """Every theme of the structure, active ones first, by name."""
    return list(
        db.session.scalars(
            sa.select(Theme).where(Theme.structure_id == structure.id).order_by(Theme.is_active.desc(), Theme.name)
        )
    )


def get_quartier(structure: Structure, quartier_id: int) -> Quartier | None:
    """The structure's quartier with this id; None for another structure's (so: 404)."""
    return db.session.scalar(
        sa.select(Quartier).where(Quartier.id == quartier_id, Quartier.structure_id == structure.id)
    )


def get_theme(structure: Structure, theme_id: int) -> Theme | None:
    """The structure's theme with this id; None for another structure's (so: 404)."""
    return db.session.scalar(sa.select(Theme).where(Theme.id == theme_id, Theme.structure_id == structure.id))


def get_membership(structure: Structure, user_id: int) -> Membership | None:
    """The membership of a (not deleted) person in the structure, with the person loaded."""
    return db.session.scalar(
        sa.select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user), joinedload(Membership.quartier))
        .where(
            Membership.structure_id == structure.id,
            Membership.user_id == user_id,
            User.anonymised_at.is_(None),
        )
    )


def people_page(structure: Structure, q: str = "", page: int = 1, per_page: int = PEOPLE_PER_PAGE) -> Pagination:
    """Members of the structure by name, filtered by `q` (name, username, e-mail, phone, job title).

    Person, quartier and the person's memberships are loaded in the same round trips (no N+1).
    """
    query = (
        sa.select(Membership)
        .join(Membership.user)
        .options(
            contains_eager(Membership.user).selectinload(User.memberships),
            joinedload(Membership.quartier),
        )
        .where(Membership.structure_id == structure.id, User.anonymised_at.is_(None))
        .order_by(sa.func.lower(User.display_name), User.id)
    )
    # No control characters: PostgreSQL refuses NUL in a parameter (a 500 otherwise).
    q = "".join(ch for ch in q if ord(ch) >= 32).strip()[:80]
    if q:
        pattern = like_pattern(q.lower())
        conditions = [
            sa.func.lower(User.display_name).like(pattern, escape="\\"),
            sa.func.lower(User.username).like(pattern, escape="\\"),
            sa.func.lower(User.email).like(pattern, escape="\\"),
            sa.func.lower(Membership.job_title).like(pattern, escape="\\"),
        ]
        phone = normalise_phone(q) if looks_like_phone(q) else None
        if phone:
            conditions.append(User.phone.like(like_pattern(phone), escape="\\"))
        query = query.where(sa.or_(*conditions))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass
class StructureRow:
    structure: Structure
    members: int
    admins: int


def structures_overview() -> list[StructureRow]:
    """Every structure with its member and admin counts (one query), open ones first."""
    counts = (
        sa.select(
            Membership.structure_id,
            sa.func.count().label("members"),
            sa.func.count().filter(Membership.role == Role.ADMIN).label("admins"),
        )
        .group_by(Membership.structure_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Structure, counts.c.members, counts.c.admins)
        .outerjoin(counts, counts.c.structure_id == Structure.id)
        .order_by(Structure.is_active.desc(), Structure.name)
    )
    return [StructureRow(structure, members or 0, admins or 0) for structure, members, admins in rows]


# --- the security journal -----------------------------------------------------------------------

ACTION_LABELS = {
    "login": _l("Connexion"),
    "login_failed": _l("Échec de connexion"),
    "logout": _l("Déconnexion"),
    "logout_others": _l("Déconnexion des autres appareils"),
    "register": _l("Création de compte"),
    "email_confirmed": _l("Adresse e-mail confirmée"),
    "password_reset_requested": _l("Demande de nouveau mot de passe"),
    "password_changed": _l("Mot de passe changé"),
    "account_deleted": _l("Compte supprimé"),
    "assisted_account_created": _l("Compte créé à l'accueil"),
    "one_time_code_issued": _l("Code à usage unique remis"),
    "on_behalf_start": _l("Début d'une action pour une personne"),
    "on_behalf_stop": _l("Fin d'une action pour une personne"),
    "profile_updated": _l("Profil modifié"),
    "data_export": _l("Export de données"),
    "role_changed": _l("Rôle modifié"),
    "account_blocked": _l("Compte bloqué"),
    "account_unblocked": _l("Compte débloqué"),
    "structure_created": _l("Structure créée"),
    "structure_updated": _l("Réglages de la structure modifiés"),
    "structure_closed": _l("Structure fermée"),
    "structure_reopened": _l("Structure rouverte"),
}


def action_label(action: str) -> str:
    """The action in words; unknown codes are shown as they are."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _role_label(name: str | None) -> str:
    if not name:
        return str(_l("aucun"))
    try:
        return Role[name.upper()].label
    except KeyError:
        return name


@dataclass
class JournalEntry:
    event: AuditEvent
    action: str
    actor: User | None
    on_behalf_of: User | None
    target: str
    structure: str
    detail: str

    @property
    def at(self) -> datetime:
        return self.event.at


def _detail(event: AuditEvent) -> str:
    """A short, safe reading of the details (never the free text a person typed)."""
    try:
        details = json.loads(event.details or "{}")
    except ValueError:
        return ""
    if event.action == "role_changed":
        return str(
            _l("De « %(old)s » à « %(new)s »", old=_role_label(details.get("old")), new=_role_label(details.get("new")))
        )
    return ""


def journal_page(structure: Structure | None, page: int = 1) -> tuple[Pagination, list[JournalEntry]]:
    """Audit events, newest first, 50 a page: one structure's, or every one when `structure` is None.

    Three queries whatever the page size: the page, then the people and structures it names.
    """
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if structure is not None:
        query = query.where(AuditEvent.structure_id == structure.id)
    pagination = db.paginate(query, page=page, per_page=JOURNAL_PER_PAGE, error_out=False)
    events: list[AuditEvent] = list(pagination.items)
    user_ids = {e.actor_id for e in events} | {e.on_behalf_of_id for e in events}
    user_ids |= {e.target_id for e in events if e.target_type == "user"}
    user_ids.discard(None)
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    structure_ids = {e.structure_id for e in events} | {e.target_id for e in events if e.target_type == "structure"}
    structure_ids.discard(None)
    structures = (
        dict(db.session.execute(sa.select(Structure.id, Structure.name).where(Structure.id.in_(structure_ids))).all())
        if structure_ids
        else {}
    )

    def target_of(event: AuditEvent) -> str:
        if event.target_type == "user":
            person = users.get(event.target_id)
            return person.display_name if person else ""
        if event.target_type == "structure":
            return structures.get(event.target_id, "")
        return ""

    entries = [
        JournalEntry(
            event=e,
            action=action_label(e.action),
            actor=users.get(e.actor_id),
            on_behalf_of=users.get(e.on_behalf_of_id),
            target=target_of(e),
            structure=structures.get(e.structure_id, ""),
            detail=_detail(e),
        )
        for e in events
    ]
    return pagination, entries
