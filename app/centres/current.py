"""Which structure the current request is about."""

import sqlalchemy as sa
from flask import g, session
from flask_login import current_user

from app.centres.models import Structure
from app.extensions import db


def active_structures() -> list[Structure]:
    """All active structures, by name (cached for the request)."""
    if "active_structures" not in g:
        g.active_structures = list(
            db.session.scalars(sa.select(Structure).where(Structure.is_active.is_(True)).order_by(Structure.name))
        )
    return g.active_structures


def current_structure() -> Structure | None:
    """The structure chosen in the picker, else the person's first, else the only/first one."""
    if "current_structure" in g:
        return g.current_structure
    structures = active_structures()
    by_id = {s.id: s for s in structures}
    chosen = by_id.get(session.get("structure_id"))
    if chosen is None and current_user.is_authenticated:
        for membership in sorted(current_user.memberships, key=lambda m: m.joined_at):
            if membership.structure_id in by_id:
                chosen = by_id[membership.structure_id]
                break
    if chosen is None and structures:
        chosen = min(structures, key=lambda s: s.id)
    g.current_structure = chosen
    return chosen


def choose_structure(structure: Structure) -> None:
    """Remember the structure picked by the person (multi-centre installs)."""
    session["structure_id"] = structure.id
    g.current_structure = structure
