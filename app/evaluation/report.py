"""The projet social evaluation report (domain.md §3, §9.5): per axis its objectives, the actions table
(action / publics / sessions / participants / partners), the indicators against their targets and the
qualitative evidence; then the key figures and the definitions of every figure used.

Sessions and participants of an action come from the anonymous headcounts linked to it; the named
participants come from the ledger, for the initiatives, instances and missions an objective is linked
to. Both are given side by side, never added.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.evaluation import metrics
from app.evaluation.indicators import IndicatorRow
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    IndicatorKind,
    LinkTarget,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.evaluation.project_queries import current_project
from app.extensions import db
from app.initiatives.models import Initiative
from app.instances.models import Instance, Meeting, Motion, Seat
from app.ledger.models import LedgerEntry
from app.ledger.queries import counted_entries
from app.timeutil import local_today
from app.volunteering.models import HourEntry, Mission, Shift

#: Key figures of the report ("Chiffres clés"), skipped when not in the catalogue.
KEY_CODES = ("U1", "B1", "B6", "B8", "P3", "I2", "I10")

LINK_LABELS = {
    LinkTarget.INITIATIVE: _l("Initiative"),
    LinkTarget.INSTANCE: _l("Instance"),
    LinkTarget.MISSION: _l("Mission bénévole"),
}


def find_project(structure_id: int) -> SocialProject | None:
    """The centre's projet social in force today, else the most recent one (one query)."""
    return current_project(structure_id, local_today())


@dataclass
class Tree:
    """A project's axes → objectives → actions, loaded in one query, in the order of the plan."""

    axes: list[Axis]
    #: axis id → its objectives, each general one followed by its operational ones
    objectives: dict[int, list[Objective]]
    #: objective id → its actions
    actions: dict[int, list[Action]]


def load_tree(project: SocialProject) -> Tree:
    """The project's tree in ONE query (no relationship is touched afterwards: no lazy loads)."""
    rows = db.session.execute(
        sa.select(Axis, Objective, Action)
        .outerjoin(Objective, Objective.axis_id == Axis.id)
        .outerjoin(Action, Action.objective_id == Objective.id)
        .where(Axis.project_id == project.id)
        .order_by(Axis.position, Axis.id, Objective.position, Objective.id, Action.position, Action.id)
    ).all()
    axes: dict[int, Axis] = {}
    objectives: dict[int, dict[int, Objective]] = {}
    actions: dict[int, list[Action]] = {}
    for axis, objective, action in rows:
        axes.setdefault(axis.id, axis)
        found = objectives.setdefault(axis.id, {})
        if objective is not None:
            found.setdefault(objective.id, objective)
            actions.setdefault(objective.id, [])
            if action is not None:
                actions[objective.id].append(action)
    return Tree(
        list(axes.values()),
        {axis_id: _objectives_in_order(list(found.values())) for axis_id, found in objectives.items()},
        actions,
    )


def _objectives_in_order(objectives: list[Objective]) -> list[Objective]:
    """General objectives, each followed by its operational ones (orphans last)."""
    ordered = []
    for general in objectives:
        if general.parent_id is None:
            ordered.append(general)
            ordered += [o for o in objectives if o.parent_id == general.id]
    return ordered + [o for o in objectives if o not in ordered]


@dataclass
class ActionLine:
    """One row of the actions table: an action of the plan, or an initiative / instance / mission an
    objective is linked to."""

    axis: Axis
    objective: Objective
    title: str
    action: Action | None = None
    link_type: LinkTarget | None = None
    publics: str = ""
    partners: str = ""
    #: Headcounts recorded for the action in the period (actions only).
    sessions: int | None = None
    #: Σ of those headcounts' totals: people counted without names (actions only).
    participants: int | None = None
    #: Distinct registered persons in the ledger on the linked thing (links only).
    named: int | None = None

    @property
    def label(self) -> str:
        if self.link_type is None:
            return self.title
        return f"{LINK_LABELS[self.link_type]} : {self.title}"


def action_lines(project: SocialProject, tree: Tree, start: date, end: date) -> list[ActionLine]:
    """Every action of the tree with its sessions and participants over [start, end], and after an
    objective's actions the things linked to it with their named participants. Two queries."""
    counts = {
        action_id: (sessions, participants)
        for action_id, sessions, participants in db.session.execute(
            sa.select(HeadCount.action_id, sa.func.count(), sa.func.coalesce(sa.func.sum(HeadCount.total), 0))
            .join(Action, Action.id == HeadCount.action_id)
            .join(Objective, Objective.id == Action.objective_id)
            .join(Axis, Axis.id == Objective.axis_id)
            .where(
                Axis.project_id == project.id,
                HeadCount.structure_id == project.structure_id,
                HeadCount.occurred_on >= start,
                HeadCount.occurred_on <= end,
            )
            .group_by(HeadCount.action_id)
        )
    }
    links = _linked_things(project, start, end)
    lines = []
    for axis in tree.axes:
        for objective in tree.objectives.get(axis.id, []):
            for action in tree.actions.get(objective.id, []):
                sessions, participants = counts.get(action.id, (0, 0))
                lines.append(
                    ActionLine(
                        axis,
                        objective,
                        action.title,
                        action=action,
                        publics=action.publics,
                        partners=action.partners,
                        sessions=sessions,
                        participants=int(participants),
                    )
                )
            for link_type, title, named in links.get(objective.id, []):
                lines.append(ActionLine(axis, objective, title, link_type=link_type, named=named))
    return lines


def _linked_things(project: SocialProject, start: date, end: date) -> dict[int, list[tuple[LinkTarget, str, int]]]:
    """objective id → [(type, title, distinct named participants)] for the project's links, in one query.

    The ledger records acts on an initiative, on a meeting, seat or motion of an instance, and on a
    shift or hour entry of a mission: each is brought back to the linked thing. Each branch starts
    from the project's links and reaches their acts through the ledger's index on the object (a
    LEFT JOIN keeps that order on SQLite; a link without acts gives a NULL person, not counted):
    reading the period's acts of the whole centre for each branch took seconds over four years."""
    scope = metrics.Scope.of(project.structure_id, start, end)
    # The centre's counted acts of the period; `structure_id + 0` so that SQLite does not read them
    # all through the (structure, time) index but looks up each object's acts.
    counted = sa.and_(
        counted_entries(None, scope.start_at, scope.end_before).whereclause,
        (LedgerEntry.structure_id + 0) == project.structure_id,
    )
    link = ObjectiveLink
    in_project = sa.select(Objective.id).join(Axis, Axis.id == Objective.axis_id).where(Axis.project_id == project.id)

    def on(kind: LinkTarget, object_type: str, via=None, via_column=None) -> sa.Select:
        query = (
            sa.select(link.id.label("link_id"), LedgerEntry.person_id)
            .select_from(link)
            .where(link.target_type == kind, link.objective_id.in_(in_project))
        )
        target = link.target_id
        if via is not None:
            query, target = query.join(via, via_column == link.target_id), via.id
        acts = sa.and_(LedgerEntry.object_type == object_type, LedgerEntry.object_id == target, counted)
        return query.outerjoin(LedgerEntry, acts)

    pairs = sa.union_all(
        on(LinkTarget.INITIATIVE, "initiative"),
        on(LinkTarget.INSTANCE, "meeting", Meeting, Meeting.instance_id),
        on(LinkTarget.INSTANCE, "seat", Seat, Seat.instance_id),
        on(LinkTarget.INSTANCE, "motion", Motion, Motion.instance_id),
        on(LinkTarget.MISSION, "shift", Shift, Shift.mission_id),
        on(LinkTarget.MISSION, "hourentry", HourEntry, HourEntry.mission_id),
    ).subquery()
    named = (
        sa.select(pairs.c.link_id, sa.func.count(sa.distinct(pairs.c.person_id)).label("persons"))
        .group_by(pairs.c.link_id)
        .subquery()
    )
    title = sa.func.coalesce(Initiative.title, Instance.name, Mission.title)
    rows = db.session.execute(
        sa.select(link.objective_id, link.target_type, title, sa.func.coalesce(named.c.persons, 0))
        .select_from(link)
        .outerjoin(
            Initiative,
            sa.and_(
                link.target_type == LinkTarget.INITIATIVE,
                Initiative.id == link.target_id,
                Initiative.structure_id == project.structure_id,
            ),
        )
        .outerjoin(
            Instance,
            sa.and_(
                link.target_type == LinkTarget.INSTANCE,
                Instance.id == link.target_id,
                Instance.structure_id == project.structure_id,
            ),
        )
        .outerjoin(
            Mission,
            sa.and_(
                link.target_type == LinkTarget.MISSION,
                Mission.id == link.target_id,
                Mission.structure_id == project.structure_id,
            ),
        )
        .outerjoin(named, named.c.link_id == link.id)
        .where(link.objective_id.in_(in_project), title.is_not(None))
        .order_by(link.objective_id, link.target_type, title)
    )
    result: dict[int, list[tuple[LinkTarget, str, int]]] = {}
    for objective_id, target_type, name, persons in rows:
        result.setdefault(objective_id, []).append((LinkTarget(target_type), name, int(persons)))
    return result


@dataclass
class AxisReport:
    axis: Axis
    objectives: list[Objective]
    actions: list[ActionLine]
    #: Quantitative indicators (and qualitative ones, which have no achieved value) of the axis.
    indicators: list[IndicatorRow]

    @property
    def action_groups(self) -> list[tuple[Objective, list[ActionLine]]]:
        """The actions table's rows by objective, in the order of the tree."""
        groups: list[tuple[Objective, list[ActionLine]]] = []
        for line in self.actions:
            if not groups or groups[-1][0].id != line.objective.id:
                groups.append((line.objective, []))
            groups[-1][1].append(line)
        return groups

    @property
    def quantitative(self) -> list[IndicatorRow]:
        return [r for r in self.indicators if r.indicator.kind == IndicatorKind.QUANTITATIVE]

    @property
    def qualitative(self) -> list[IndicatorRow]:
        return [r for r in self.indicators if r.indicator.kind == IndicatorKind.QUALITATIVE]


@dataclass
class Report:
    project: SocialProject
    start: date
    end: date
    axes: list[AxisReport]
    key_figures: list[metrics.Figure]
    #: Every metric used in the report (key figures and indicators), by code.
    definitions: list[metrics.Metric] = field(default_factory=list)


def indicator_lines(
    project: SocialProject, tree: Tree, start: date, end: date, extra_codes=()
) -> tuple[list[IndicatorRow], dict[str, metrics.Figure]]:
    """The project's indicators in the order of the tree with their achieved values over [start, end]
    (one query, then one `metrics.compute` per age filter), and the figures of `extra_codes` for the
    whole public, computed in the same pass."""
    indicators = list(
        db.session.scalars(
            sa.select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position, Indicator.id)
        )
    )
    by_bracket: dict = {None: set(extra_codes)}
    for indicator in indicators:
        if indicator.kind == IndicatorKind.QUANTITATIVE and indicator.metric_code:
            by_bracket.setdefault(indicator.age_bracket, set()).add(indicator.metric_code)
    computed: dict = {}
    for bracket, codes in by_bracket.items():
        scope = metrics.Scope.of(project.structure_id, start, end, age_bracket=bracket)
        computed[bracket] = metrics.compute(sorted(codes), scope) if codes else {}

    place: dict[tuple[str, int], tuple] = {}
    for a, axis in enumerate(tree.axes):
        for o, objective in enumerate(tree.objectives.get(axis.id, [])):
            place[("objective", objective.id)] = (axis, objective, None, (a, o, -1))
            for n, action in enumerate(tree.actions.get(objective.id, [])):
                place[("action", action.id)] = (axis, objective, action, (a, o, n))
    rows = []
    for indicator in indicators:
        key = ("action", indicator.action_id) if indicator.action_id else ("objective", indicator.objective_id)
        if key not in place:
            continue
        axis, objective, action, order = place[key]
        metric = metrics.get(indicator.metric_code) if indicator.metric_code else None
        figure = computed.get(indicator.age_bracket, {}).get(indicator.metric_code) if metric else None
        row = IndicatorRow(indicator, axis, objective, action, metric, figure.value if figure else None)
        rows.append((order, indicator.position, indicator.id, row))
    rows.sort(key=lambda item: item[:3])
    return [item[3] for item in rows], computed[None]


def build_report(project: SocialProject, start: date, end: date) -> Report:
    """Everything the printed report shows, for [start, end], in a fixed number of queries:
    tree 1, headcounts 1, links 1, indicators 1, figures 1 + one per query metric."""
    tree = load_tree(project)
    lines = action_lines(project, tree, start, end)
    rows, figures = indicator_lines(project, tree, start, end, KEY_CODES)
    reports = []
    for axis in tree.axes:
        reports.append(
            AxisReport(
                axis,
                tree.objectives.get(axis.id, []),
                [line for line in lines if line.axis.id == axis.id],
                [row for row in rows if row.axis.id == axis.id],
            )
        )
    key_figures = [figures[code] for code in KEY_CODES if code in figures]
    used = {figure.metric.code: figure.metric for figure in key_figures}
    used.update({row.metric.code: row.metric for row in rows if row.metric is not None})
    return Report(
        project,
        start,
        end,
        reports,
        key_figures,
        sorted(used.values(), key=lambda m: m.sort_key),
    )
