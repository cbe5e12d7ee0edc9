"""Indicators against their targets: the achieved value of each quantitative indicator computed from
the catalogue for a period, the evidence of each qualitative one, grouped by axis and objective."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.evaluation import metrics
from app.evaluation.models import Action, Axis, Indicator, IndicatorKind, Objective, SocialProject
from app.extensions import db


@dataclass
class IndicatorRow:
    indicator: Indicator
    axis: Axis
    objective: Objective
    action: Action | None
    metric: metrics.Metric | None
    achieved: metrics.Number | None

    @property
    def reached(self) -> bool | None:
        """True when the achieved value meets the target (quantitative with a target), else None.
        A target below the baseline means "go down to": reached when at or under it."""
        target, achieved = self.indicator.target, self.achieved
        if self.indicator.kind != IndicatorKind.QUANTITATIVE or target is None or achieved is None:
            return None
        baseline = self.indicator.baseline
        if baseline is not None and target < baseline:
            return Decimal(achieved) <= target
        return Decimal(achieved) >= target


def indicator_rows(project: SocialProject, start: date, end: date) -> list[IndicatorRow]:
    """Every indicator of the project, in the order of the tree, with its achieved value over
    [start, end] for the project's centre. The indicators with their action, objective, general
    objective and axis come in one query; quantitative indicators sharing a scope are computed
    together (one SELECT per distinct age filter, plus the query metrics asked for)."""
    parent = aliased(Objective)
    rows_query = (
        sa.select(Indicator, Objective, Axis, Action, parent)
        .outerjoin(Action, Action.id == Indicator.action_id)
        .join(Objective, Objective.id == sa.func.coalesce(Indicator.objective_id, Action.objective_id))
        .join(Axis, Axis.id == Objective.axis_id)
        .outerjoin(parent, parent.id == Objective.parent_id)
        .where(Indicator.project_id == project.id)
    )
    loaded = db.session.execute(rows_query).all()
    by_bracket: dict = {}
    for indicator, *_rest in loaded:
        if indicator.kind == IndicatorKind.QUANTITATIVE and indicator.metric_code:
            by_bracket.setdefault(indicator.age_bracket, set()).add(indicator.metric_code)
    values: dict = {}
    for bracket, codes in by_bracket.items():
        scope = metrics.Scope.of(project.structure_id, start, end, age_bracket=bracket)
        for code, figure in metrics.compute(codes, scope).items():
            values[(bracket, code)] = figure.value
    rows = []
    for indicator, objective, axis, action, _parent in loaded:
        metric = metrics.get(indicator.metric_code) if indicator.metric_code else None
        achieved = values.get((indicator.age_bracket, indicator.metric_code)) if metric else None
        rows.append(IndicatorRow(indicator, axis, objective, action, metric, achieved))
    rows.sort(key=_tree_key)
    return rows


def _tree_key(row: IndicatorRow) -> tuple:
    objective = row.objective
    parent = objective.parent
    general = parent or objective
    return (
        row.axis.position,
        row.axis.id,
        general.position,
        general.id,
        objective.position if parent else -1,
        objective.id if parent else -1,
        row.action.position if row.action else -1,
        row.action.id if row.action else -1,
        row.indicator.position,
        row.indicator.id,
    )
