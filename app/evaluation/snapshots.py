"""Evaluation snapshots (bilans): the figures of a date, frozen.

An annual review, the mid-term evaluation or the final evaluation of a projet social keeps every
figure of the catalogue (computed, and the manual ones as entered) and every indicator against its
target as they were when the snapshot was taken. The snapshot page shows what was stored, never a
recomputation: later corrections of the data do not change a bilan already presented to the CA.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from app.accounts.models import User
from app.evaluation import metrics
from app.evaluation.indicators import indicator_rows
from app.evaluation.metrics import Family, Unit
from app.evaluation.models import EvaluationSnapshot, SnapshotKind, SocialProject
from app.extensions import db

#: Version of the layout of `EvaluationSnapshot.data` (read back by `FrozenMetric` / `FrozenIndicator`).
DATA_VERSION = 1


def _text(value) -> str | None:
    """A figure as a string for JSON ("12", "42.5"), None when not available."""
    return None if value is None else str(value)


def take_snapshot(
    project: SocialProject, kind: SnapshotKind, start: date, end: date, user: User | None, note: str = ""
) -> EvaluationSnapshot:
    """Compute every metric of the catalogue and every indicator of `project` over [start, end] for
    its centre, and store them in a new snapshot (flushed, not committed)."""
    scope = metrics.Scope.of(project.structure_id, start, end)
    catalogue = metrics.catalogue()
    figures = metrics.compute([m.code for m in catalogue], scope)
    frozen_metrics = []
    for metric in catalogue:
        figure = figures.get(metric.code)
        frozen_metrics.append(
            {
                "code": metric.code,
                "family": metric.family.value,
                "label": str(metric.label),
                "definition": str(metric.definition),
                "unit": metric.unit.value,
                "manual": metric.manual,
                "value": _text(figure.value if figure else None),
                "anonymous": figure.anonymous if figure else None,
                "breakdown": [[str(label), _text(value)] for label, value in (figure.breakdown if figure else [])],
            }
        )
    frozen_indicators = []
    for row in indicator_rows(project, start, end):
        indicator = row.indicator
        frozen_indicators.append(
            {
                "id": indicator.id,
                "title": indicator.title,
                "kind": indicator.kind.value,
                "axis": row.axis.title,
                "objective": row.objective.title,
                "action": row.action.title if row.action else None,
                "metric": row.metric.code if row.metric else None,
                "metric_label": str(row.metric.label) if row.metric else None,
                "unit": row.metric.unit.value if row.metric else None,
                "age_bracket": indicator.age_bracket.value if indicator.age_bracket else None,
                "baseline": _text(indicator.baseline),
                "target": _text(indicator.target),
                "achieved": _text(row.achieved),
                "reached": row.reached,
                "comment": indicator.comment,
                "evidence": indicator.evidence,
            }
        )
    snapshot = EvaluationSnapshot(
        project=project,
        kind=kind,
        period_start=start,
        period_end=end,
        taken_by=user,
        note=note.strip(),
        data={
            "version": DATA_VERSION,
            "project": project.title,
            "metrics": frozen_metrics,
            "indicators": frozen_indicators,
        },
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


# --- reading snapshots back ----------------------------------------------------------------------


def snapshots_of(structure_id: int) -> list[EvaluationSnapshot]:
    """The centre's snapshots, newest first (their frozen data not loaded)."""
    return list(
        db.session.scalars(
            sa.select(EvaluationSnapshot)
            .join(SocialProject, SocialProject.id == EvaluationSnapshot.project_id)
            .where(SocialProject.structure_id == structure_id)
            .order_by(EvaluationSnapshot.taken_at.desc(), EvaluationSnapshot.id.desc())
            .options(
                defer(EvaluationSnapshot.data),
                selectinload(EvaluationSnapshot.project),
                selectinload(EvaluationSnapshot.taken_by),
            )
        )
    )


def find_snapshot(snapshot_id: int, structure_id: int) -> EvaluationSnapshot | None:
    """The snapshot if it belongs to a projet social of the centre (else None: a 404)."""
    return db.session.scalar(
        sa.select(EvaluationSnapshot)
        .join(SocialProject, SocialProject.id == EvaluationSnapshot.project_id)
        .where(EvaluationSnapshot.id == snapshot_id, SocialProject.structure_id == structure_id)
        .options(selectinload(EvaluationSnapshot.project), selectinload(EvaluationSnapshot.taken_by))
    )


def _number(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _unit(value: str | None) -> Unit:
    try:
        return Unit(value)
    except ValueError:
        return Unit.COUNT


@dataclass
class FrozenMetric:
    code: str
    family: str
    label: str
    definition: str
    unit: Unit
    manual: bool
    value: Decimal | None
    anonymous: int | None
    breakdown: list[tuple[str, Decimal | None]]


@dataclass
class FrozenIndicator:
    title: str
    kind: str
    axis: str
    objective: str
    action: str | None
    metric: str | None
    metric_label: str | None
    unit: Unit
    baseline: Decimal | None
    target: Decimal | None
    achieved: Decimal | None
    reached: bool | None
    comment: str
    evidence: str

    @property
    def is_qualitative(self) -> bool:
        return self.kind == "qualitative"


def frozen_metrics(snapshot: EvaluationSnapshot) -> list[tuple[str, list[FrozenMetric]]]:
    """The stored figures grouped by family label, in the stored order."""
    families: dict[str, list[FrozenMetric]] = {}
    for item in (snapshot.data or {}).get("metrics", []):
        metric = FrozenMetric(
            code=item.get("code", ""),
            family=item.get("family", ""),
            label=item.get("label", ""),
            definition=item.get("definition", ""),
            unit=_unit(item.get("unit")),
            manual=bool(item.get("manual")),
            value=_number(item.get("value")),
            anonymous=item.get("anonymous"),
            breakdown=[(label, _number(value)) for label, value in item.get("breakdown") or []],
        )
        families.setdefault(metric.family, []).append(metric)
    return [(_family_label(code), items) for code, items in families.items()]


def _family_label(code: str) -> str:
    try:
        return Family(code).label
    except ValueError:
        return code


def frozen_indicators(snapshot: EvaluationSnapshot) -> list[FrozenIndicator]:
    return [
        FrozenIndicator(
            title=item.get("title", ""),
            kind=item.get("kind", ""),
            axis=item.get("axis", ""),
            objective=item.get("objective", ""),
            action=item.get("action"),
            metric=item.get("metric"),
            metric_label=item.get("metric_label"),
            unit=_unit(item.get("unit")),
            baseline=_number(item.get("baseline")),
            target=_number(item.get("target")),
            achieved=_number(item.get("achieved")),
            reached=item.get("reached"),
            comment=item.get("comment") or "",
            evidence=item.get("evidence") or "",
        )
        for item in (snapshot.data or {}).get("indicators", [])
    ]
