"""Plain factory functions: used by the tests (tests/factories.py) and by `flask seed`.

Each one adds to the session and flushes; the caller commits.
"""

import itertools

from app.accounts.models import CreatedVia, User
from app.accounts.passwords import hash_password
from app.centres.models import Membership, Quartier, Role, Structure, Theme
from app.extensions import db
from app.timeutil import utcnow

_counter = itertools.count(1)

#: One hash reused by every factory user: argon2 is slow on purpose, tests need not be.
_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


def make_structure(name: str | None = None, *, quartiers=(("Centre-ville", False),), themes=(), **fields) -> Structure:
    """A structure with quartiers given as (name, is_qpv) pairs and theme names."""
    structure = Structure(
        name=name or f"Centre social n°{next(_counter)}", city=fields.pop("city", "Villeurbanne"), **fields
    )
    for quartier_name, is_qpv in quartiers:
        structure.quartiers.append(Quartier(name=quartier_name, is_qpv=is_qpv))
    for theme in themes:
        structure.themes.append(Theme(name=theme))
    db.session.add(structure)
    db.session.flush()
    return structure


def make_user(
    structure: Structure | None = None,
    *,
    role: Role = Role.HABITANT,
    password: str = "motdepasse-de-test",
    email: str | None = "auto",
    quartier: Quartier | None = None,
    confirmed: bool = True,
    **fields,
) -> User:
    """A person with a confirmed e-mail, member of `structure` with `role`."""
    n = next(_counter)
    user = User(
        display_name=fields.pop("display_name", f"Personne {n}"),
        username=fields.pop("username", f"personne.{n}"),
        email=f"personne{n}@exemple.test" if email == "auto" else email,
        password_hash=_hash(password),
        created_via=fields.pop("created_via", CreatedVia.SEED),
        **fields,
    )
    if user.email and confirmed:
        user.email_confirmed_at = utcnow()
    if structure is not None:
        if quartier is None and structure.quartiers:
            quartier = structure.quartiers[0]
        user.memberships.append(
            Membership(structure_id=structure.id, role=role, quartier_id=quartier.id if quartier else None)
        )
    db.session.add(user)
    db.session.flush()
    return user
