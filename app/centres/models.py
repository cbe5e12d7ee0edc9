import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dbtypes import IntEnumType, str_enum
from app.extensions import db
from app.timeutil import utcnow


class StructureType(enum.StrEnum):
    CENTRE_SOCIAL = "cs"
    EVS = "evs"

    @property
    def label(self) -> str:
        return str({"cs": _l("Centre social"), "evs": _l("Espace de vie sociale")}[self.value])


class Role(enum.IntEnum):
    """Roles in one structure, each including the rights of the ones below it."""

    HABITANT = 1
    COORDINATOR = 2
    STAFF = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.HABITANT: _l("Habitant·e"),
    Role.COORDINATOR: _l("Bénévole coordinateur·rice"),
    Role.STAFF: _l("Équipe (salarié·e)"),
    Role.ADMIN: _l("Direction (administration)"),
}


class Structure(db.Model):
    """A centre social or espace de vie sociale: owns every participatory object."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    structure_type: Mapped[StructureType] = mapped_column(
        str_enum(StructureType, 8), default=StructureType.CENTRE_SOCIAL
    )
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Short welcome text shown on the home page (plain text).
    welcome: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Supports an initiative needs to be studied by the committee ("10 soutiens → étudiée en comité").
    support_threshold: Mapped[int] = mapped_column(default=10, server_default="10")
    #: True: staff read every initiative before it is public; False: published at once, moderated after.
    premoderation: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    quartiers: Mapped[list["Quartier"]] = relationship(
        back_populates="structure", order_by="Quartier.name", cascade="all, delete-orphan"
    )
    themes: Mapped[list["Theme"]] = relationship(
        back_populates="structure", order_by="Theme.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Structure {self.id} {self.name!r}>"


class Quartier(db.Model):
    """A neighbourhood of the structure's territory, with its QPV flag (politique de la ville)."""

    __table_args__ = (sa.UniqueConstraint("structure_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_qpv: Mapped[bool] = mapped_column(default=False)
    #: Official QPV code (e.g. QN06902M) in the list version below; None outside QPV.
    qpv_code: Mapped[str | None] = mapped_column(sa.String(16))
    #: QPV list the code belongs to (2015 or 2024 decree).
    qpv_list_version: Mapped[str | None] = mapped_column(sa.String(8))
    is_active: Mapped[bool] = mapped_column(default=True)

    structure: Mapped[Structure] = relationship(back_populates="quartiers")


class Theme(db.Model):
    """A theme of the centre (famille, jeunesse, cadre de vie…), used to tag initiatives and actions."""

    __table_args__ = (sa.UniqueConstraint("structure_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)

    structure: Mapped[Structure] = relationship(back_populates="themes")


class Membership(db.Model):
    """A person's link to one structure: their role there and their quartier in its territory."""

    __table_args__ = (sa.UniqueConstraint("user_id", "structure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(IntEnumType(Role), default=Role.HABITANT)
    #: Job title for staff (animatrice, référent famille, accueil, directeur…), free text.
    job_title: Mapped[str | None] = mapped_column(sa.String(80))
    quartier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quartier.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    structure: Mapped[Structure] = relationship()
    quartier: Mapped[Quartier | None] = relationship()
