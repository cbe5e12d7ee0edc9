import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.centres.models import Membership, Role
from app.dbtypes import str_enum
from app.extensions import db
from app.timeutil import utcnow


class CreatedVia(enum.StrEnum):
    SELF = "self"
    ASSISTED = "assisted"
    IMPORT = "import"
    SEED = "seed"


class AgeBracket(enum.StrEnum):
    """Brackets offered when a person prefers not to give a birth year."""

    CHILD = "0-10"
    TEEN = "11-17"
    YOUNG = "18-25"
    ADULT = "26-59"
    SENIOR = "60+"

    @property
    def label(self) -> str:
        return str(AGE_BRACKET_LABELS[self])


AGE_BRACKET_LABELS = {
    AgeBracket.CHILD: _l("Moins de 11 ans"),
    AgeBracket.TEEN: _l("11 à 17 ans"),
    AgeBracket.YOUNG: _l("18 à 25 ans"),
    AgeBracket.ADULT: _l("26 à 59 ans"),
    AgeBracket.SENIOR: _l("60 ans et plus"),
}


def bracket_for_age(age: int) -> AgeBracket:
    """The bracket an age falls in."""
    if age <= 10:
        return AgeBracket.CHILD
    if age <= 17:
        return AgeBracket.TEEN
    if age <= 25:
        return AgeBracket.YOUNG
    if age <= 59:
        return AgeBracket.ADULT
    return AgeBracket.SENIOR


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a database leak does not hand out sessions or reset links."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    """A person with an account: habitant, bénévole, staff or admin (roles are per structure)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    #: Login identifier, always set: generated from the name, or chosen by staff (assisted accounts).
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    email_confirmed_at: Mapped[datetime | None]
    #: Not unique: a household often shares one phone; login by phone tries each account on it.
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: True while the person still logs in with a staff-issued one-time code.
    must_set_password: Mapped[bool] = mapped_column(default=False)
    birth_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: Used when no birth year is given.
    age_bracket: Mapped[AgeBracket | None] = mapped_column(str_enum(AgeBracket, 8))
    #: Optional, self-described.
    gender: Mapped[str | None] = mapped_column(sa.String(40))
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    #: Under 15: name of the parent who consented with the minor, and when (RGPD art. 8 / LIL art. 45).
    guardian_name: Mapped[str | None] = mapped_column(sa.String(80))
    guardian_consent_at: Mapped[datetime | None]
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    #: Test and demo accounts are left out of every participation figure.
    is_test: Mapped[bool] = mapped_column(default=False)
    is_blocked: Mapped[bool] = mapped_column(default=False)
    created_via: Mapped[CreatedVia] = mapped_column(str_enum(CreatedVia, 8), default=CreatedVia.SELF)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Set when the account was deleted: personal data are gone, counted acts stay counted.
    anonymised_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    #: The server-side session this request is authenticated by (set by the user loader).
    current_session = None

    def get_id(self) -> str | None:
        # Flask-Login stores this in the session and the remember cookie: a revocable token.
        return self.current_session.token if self.current_session else None

    @property
    def is_active(self) -> bool:
        return not self.is_blocked and self.anonymised_at is None

    def membership_in(self, structure_id: int | None) -> Membership | None:
        for membership in self.memberships:
            if membership.structure_id == structure_id:
                return membership
        return None

    def role_in(self, structure_id: int | None) -> Role | None:
        membership = self.membership_in(structure_id)
        return membership.role if membership else None

    def has_role(self, structure_id: int | None, role: Role) -> bool:
        """True if the person holds `role` or above in the structure (platform admins: always)."""
        if self.is_platform_admin:
            return True
        current = self.role_in(structure_id)
        return current is not None and current >= role

    def age_in(self, year: int) -> int | None:
        return None if self.birth_year is None else year - self.birth_year

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class UserSession(db.Model):
    """A login on one device. Deleting the row ends that session at its next request."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()

    #: The clear token, only known in the request that created the row.
    token = None


class TokenPurpose(enum.StrEnum):
    RESET = "reset"
    CONFIRM = "confirm"


class EmailToken(db.Model):
    """A single-use, expiring link sent by e-mail (password reset, address confirmation)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, 8))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
