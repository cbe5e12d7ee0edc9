"""The projet social and what the evaluation needs beside the other features' data.

A projet social (agrément period, up to four years) holds axes → general objectives → operational
objectives → actions. Indicators hang on an objective or an action. Snapshots freeze the figures
of a date. Headcounts are anonymous tallies ("42 people at the party, 10 under 11"); manual figures
are what the platform cannot know (staff, budget), entered by the direction for a year.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import AgeBracket, User
from app.centres.models import Structure
from app.dbtypes import str_enum
from app.extensions import db
from app.timeutil import utcnow


class IndicatorKind(enum.StrEnum):
    QUANTITATIVE = "quantitative"  # a metric of the catalogue, with baseline and target
    QUALITATIVE = "qualitative"  # evidence: text, links to minutes or initiatives

    @property
    def label(self) -> str:
        return str({"quantitative": _l("Quantitatif"), "qualitative": _l("Qualitatif")}[self.value])


class SnapshotKind(enum.StrEnum):
    ANNUAL = "annual"
    MID_TERM = "mid_term"
    FINAL = "final"

    @property
    def label(self) -> str:
        labels = {
            "annual": _l("Bilan annuel"),
            "mid_term": _l("Évaluation à mi-parcours"),
            "final": _l("Évaluation finale"),
        }
        return str(labels[self.value])


class LinkTarget(enum.StrEnum):
    """What can be tagged with the objectives it serves."""

    INITIATIVE = "initiative"
    INSTANCE = "instance"
    MISSION = "mission"


class SocialProject(db.Model):
    """A projet social over its agrément period (dates of the CAF agrément, both included)."""

    __table_args__ = (sa.CheckConstraint("ends_on > starts_on", name="project_period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: The project's finalities and context, in plain text.
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    structure: Mapped[Structure] = relationship()
    axes: Mapped[list["Axis"]] = relationship(
        back_populates="project", order_by="(Axis.position, Axis.id)", cascade="all, delete-orphan"
    )


class Axis(db.Model):
    """An axe prioritaire (orientation) of the projet social."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("social_project.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    project: Mapped[SocialProject] = relationship(back_populates="axes")
    objectives: Mapped[list["Objective"]] = relationship(
        back_populates="axis", order_by="(Objective.position, Objective.id)", cascade="all, delete-orphan"
    )


class Objective(db.Model):
    """A general objective (no parent) or an operational objective (under a general one)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(sa.ForeignKey("axis.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("objective.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    axis: Mapped[Axis] = relationship(back_populates="objectives")
    parent: Mapped["Objective | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Objective"]] = relationship(
        back_populates="parent", order_by="(Objective.position, Objective.id)"
    )
    actions: Mapped[list["Action"]] = relationship(
        back_populates="objective", order_by="(Action.position, Action.id)", cascade="all, delete-orphan"
    )

    @property
    def is_general(self) -> bool:
        return self.parent_id is None


class Action(db.Model):
    """A fiche action of the plan d'action, serving an objective."""

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(sa.ForeignKey("objective.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Target publics, as the team writes them ("familles du quartier", "11-17 ans").
    publics: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Partners of the action, as the team writes them ("Caf, école Jean-Moulin").
    partners: Mapped[str] = mapped_column(sa.String(300), default="")
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="SET NULL"))
    #: Collective family action (projet familles, ACF): counts for U4.
    is_family: Mapped[bool] = mapped_column(default=False)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    objective: Mapped[Objective] = relationship(back_populates="actions")


class Indicator(db.Model):
    """What tells whether an objective or an action is reached: a metric with a target, or evidence."""

    __table_args__ = (
        sa.CheckConstraint("(objective_id IS NULL) <> (action_id IS NULL)", name="indicator_on_objective_or_action"),
        sa.CheckConstraint("kind <> 'quantitative' OR metric_code IS NOT NULL", name="quantitative_has_metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Denormalised for scoping: every indicator of a project in one query.
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("social_project.id", ondelete="CASCADE"), index=True)
    objective_id: Mapped[int | None] = mapped_column(sa.ForeignKey("objective.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[IndicatorKind] = mapped_column(str_enum(IndicatorKind, 16), default=IndicatorKind.QUANTITATIVE)
    #: Code of a metric of the catalogue (app/evaluation/metrics.py), e.g. "P3".
    metric_code: Mapped[str | None] = mapped_column(sa.String(8))
    #: Optional filter of the metric to one age bracket at the time of the act ("P3 among 18-25s").
    age_bracket: Mapped[AgeBracket | None] = mapped_column(str_enum(AgeBracket, 8))
    baseline: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    target: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    #: Qualitative indicators: what shows it (surveys, verbatims, links to minutes or initiatives).
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    #: The team's reading: points forts, difficultés, ajustements.
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    objective: Mapped[Objective | None] = relationship()
    action: Mapped[Action | None] = relationship()


class ObjectiveLink(db.Model):
    """An initiative, an instance or a mission tagged with an objective it serves."""

    __table_args__ = (sa.UniqueConstraint("objective_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(sa.ForeignKey("objective.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[LinkTarget] = mapped_column(str_enum(LinkTarget, 12))
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    objective: Mapped[Objective] = relationship()


class EvaluationSnapshot(db.Model):
    """The figures of a date, frozen: indicator values and key metrics as computed then (JSON)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("social_project.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SnapshotKind] = mapped_column(str_enum(SnapshotKind, 12))
    period_start: Mapped[date]
    period_end: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: {"metrics": {code: value-as-string}, "indicators": [{id, title, target, achieved, comment…}]}
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    project: Mapped[SocialProject] = relationship()
    taken_by: Mapped[User | None] = relationship()


class HeadCount(db.Model):
    """An anonymous tally: how many people came, without names, with optional age brackets
    (SENACS brackets). Shown beside named counts, never added to them."""

    __table_args__ = (
        sa.CheckConstraint("total >= 0", name="headcount_total_not_negative"),
        sa.CheckConstraint(
            "coalesce(under_11, 0) + coalesce(age_11_25, 0) + coalesce(age_26_59, 0) + coalesce(age_60_plus, 0)"
            " <= total",
            name="headcount_brackets_within_total",
        ),
        sa.CheckConstraint(
            "coalesce(under_11, 0) >= 0 AND coalesce(age_11_25, 0) >= 0 AND coalesce(age_26_59, 0) >= 0"
            " AND coalesce(age_60_plus, 0) >= 0",
            name="headcount_brackets_not_negative",
        ),
        sa.Index("ix_head_count_structure_day", "structure_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"))
    occurred_on: Mapped[date]
    #: What it was: "Fête de quartier", "Sortie familles à la mer"…
    label: Mapped[str] = mapped_column(sa.String(200))
    total: Mapped[int]
    under_11: Mapped[int | None]
    age_11_25: Mapped[int | None]
    age_26_59: Mapped[int | None]
    age_60_plus: Mapped[int | None]
    #: A local event carried or supported by the centre (metric I10).
    is_event: Mapped[bool] = mapped_column(default=False)
    #: The plan d'action's action it belongs to, if any (sessions and participants in the report).
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[Action | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class ManualFigure(db.Model):
    """A figure the platform cannot know (staff, ETP, budget, partners…), entered for a year."""

    __table_args__ = (sa.UniqueConstraint("structure_id", "year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(sa.ForeignKey("structure.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Code of a manual metric of the catalogue (R1_STAFF, R2_BUDGET, U3, U7…).
    code: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
