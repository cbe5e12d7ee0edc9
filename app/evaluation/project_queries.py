"""Reading the projet social and the figures people enter: the centre's projects, the tree of one
project in a fixed number of queries, what serves each objective, headcounts and manual figures.

Every loader of one object takes the current centre's id and returns None for another centre's
object, which the route turns into a 404.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from app.centres.models import Theme
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    LinkTarget,
    ManualFigure,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.extensions import db
from app.initiatives.models import Initiative
from app.initiatives.models import Status as InitiativeStatus
from app.instances.models import Instance
from app.pagination import Page, page_count
from app.volunteering.models import Mission

#: How many initiatives and missions the "link" select offers (the latest first); a search narrows.
LINK_CHOICES_LIMIT = 200
HEADCOUNTS_PER_PAGE = 50


# --- projects ------------------------------------------------------------------------------------


def projects_of(structure_id: int) -> list[SocialProject]:
    """The centre's projets sociaux, the latest agrément first."""
    return list(
        db.session.scalars(
            sa.select(SocialProject)
            .where(SocialProject.structure_id == structure_id)
            .order_by(SocialProject.starts_on.desc(), SocialProject.id.desc())
        )
    )


def pick_current(projects: list[SocialProject], today: date) -> SocialProject | None:
    """The project whose period contains `today`, else the latest one (`projects` newest first)."""
    for project in projects:
        if project.starts_on <= today <= project.ends_on:
            return project
    return projects[0] if projects else None


def current_project(structure_id: int, today: date) -> SocialProject | None:
    """The centre's current projet social (one query): the one of `today`, else the latest."""
    covering = sa.case((sa.and_(SocialProject.starts_on <= today, SocialProject.ends_on >= today), 0), else_=1)
    return db.session.scalars(
        sa.select(SocialProject)
        .where(SocialProject.structure_id == structure_id)
        .order_by(covering, SocialProject.starts_on.desc(), SocialProject.id.desc())
        .limit(1)
    ).first()


def get_project(project_id: int, structure_id: int) -> SocialProject | None:
    return db.session.scalars(
        sa.select(SocialProject).where(SocialProject.id == project_id, SocialProject.structure_id == structure_id)
    ).first()


def get_axis(axis_id: int, structure_id: int) -> Axis | None:
    return db.session.scalars(
        sa.select(Axis)
        .join(SocialProject, Axis.project_id == SocialProject.id)
        .where(Axis.id == axis_id, SocialProject.structure_id == structure_id)
        .options(joinedload(Axis.project))
    ).first()


def get_objective(objective_id: int, structure_id: int) -> Objective | None:
    return db.session.scalars(
        sa.select(Objective)
        .join(Axis, Objective.axis_id == Axis.id)
        .join(SocialProject, Axis.project_id == SocialProject.id)
        .where(Objective.id == objective_id, SocialProject.structure_id == structure_id)
        .options(joinedload(Objective.axis).joinedload(Axis.project), joinedload(Objective.parent))
    ).first()


def get_action(action_id: int, structure_id: int) -> Action | None:
    return db.session.scalars(
        sa.select(Action)
        .join(Objective, Action.objective_id == Objective.id)
        .join(Axis, Objective.axis_id == Axis.id)
        .join(SocialProject, Axis.project_id == SocialProject.id)
        .where(Action.id == action_id, SocialProject.structure_id == structure_id)
        .options(joinedload(Action.objective).joinedload(Objective.axis).joinedload(Axis.project))
    ).first()


def get_indicator(indicator_id: int, structure_id: int) -> Indicator | None:
    return db.session.scalars(
        sa.select(Indicator)
        .join(SocialProject, Indicator.project_id == SocialProject.id)
        .where(Indicator.id == indicator_id, SocialProject.structure_id == structure_id)
        .options(joinedload(Indicator.objective), joinedload(Indicator.action))
    ).first()


def get_link(link_id: int, structure_id: int) -> ObjectiveLink | None:
    return db.session.scalars(
        sa.select(ObjectiveLink)
        .join(Objective, ObjectiveLink.objective_id == Objective.id)
        .join(Axis, Objective.axis_id == Axis.id)
        .join(SocialProject, Axis.project_id == SocialProject.id)
        .where(ObjectiveLink.id == link_id, SocialProject.structure_id == structure_id)
        .options(joinedload(ObjectiveLink.objective).joinedload(Objective.axis).joinedload(Axis.project))
    ).first()


# --- the tree ------------------------------------------------------------------------------------


@dataclass
class Consequences:
    """What goes with a deletion: counts of the items below."""

    axes: int = 0
    objectives: int = 0
    actions: int = 0
    indicators: int = 0
    links: int = 0

    def __add__(self, other: "Consequences") -> "Consequences":
        return Consequences(
            self.axes + other.axes,
            self.objectives + other.objectives,
            self.actions + other.actions,
            self.indicators + other.indicators,
            self.links + other.links,
        )

    def sentence(self) -> str:
        """ "Supprime aussi 3 objectifs et 5 indicateurs." or "Rien d'autre n'est supprimé." """
        parts = []
        if self.axes:
            parts.append(ngettext("%(num)d axe", "%(num)d axes", self.axes))
        if self.objectives:
            parts.append(ngettext("%(num)d objectif", "%(num)d objectifs", self.objectives))
        if self.actions:
            parts.append(ngettext("%(num)d action", "%(num)d actions", self.actions))
        if self.indicators:
            parts.append(ngettext("%(num)d indicateur", "%(num)d indicateurs", self.indicators))
        if self.links:
            parts.append(
                ngettext(
                    "%(num)d lien avec une initiative, une instance ou une mission",
                    "%(num)d liens avec des initiatives, instances ou missions",
                    self.links,
                )
            )
        if not parts:
            return _("Rien d'autre n'est supprimé.")
        listed = parts[0] if len(parts) == 1 else _("%(list)s et %(last)s", list=", ".join(parts[:-1]), last=parts[-1])
        return _("Supprime aussi %(what)s.", what=listed)


@dataclass
class LinkedItem:
    link: ObjectiveLink
    title: str

    @property
    def kind(self) -> LinkTarget:
        return self.link.target_type


@dataclass
class ActionNode:
    action: Action
    theme: str | None = None
    indicators: list[Indicator] = field(default_factory=list)

    def consequences(self) -> Consequences:
        return Consequences(indicators=len(self.indicators))


@dataclass
class ObjectiveNode:
    objective: Objective
    #: Operational objectives under a general one (always empty for an operational one).
    children: list["ObjectiveNode"] = field(default_factory=list)
    actions: list[ActionNode] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    links: list[LinkedItem] = field(default_factory=list)

    def consequences(self) -> Consequences:
        """What deleting this objective takes with it (children count as objectives)."""
        total = Consequences(indicators=len(self.indicators), links=len(self.links), actions=len(self.actions))
        for action in self.actions:
            total += action.consequences()
        for child in self.children:
            total += Consequences(objectives=1) + child.consequences()
        return total


@dataclass
class AxisNode:
    axis: Axis
    objectives: list[ObjectiveNode] = field(default_factory=list)

    def consequences(self) -> Consequences:
        total = Consequences()
        for node in self.objectives:
            total += Consequences(objectives=1) + node.consequences()
        return total


@dataclass
class ProjectTree:
    project: SocialProject
    axes: list[AxisNode]
    objectives: dict[int, ObjectiveNode]
    actions: dict[int, ActionNode]
    indicators: dict[int, Indicator]

    def consequences(self) -> Consequences:
        total = Consequences(axes=len(self.axes))
        for node in self.axes:
            total += node.consequences()
        return total

    @property
    def is_empty(self) -> bool:
        return not self.axes


def load_tree(project: SocialProject) -> ProjectTree:
    """The project's axes → general objectives → operational objectives → actions, the indicators
    under their objective or action, and what is tagged to each objective: five queries whatever
    the size of the project."""
    axes = list(
        db.session.scalars(sa.select(Axis).where(Axis.project_id == project.id).order_by(Axis.position, Axis.id))
    )
    objectives = list(
        db.session.scalars(
            sa.select(Objective)
            .join(Axis, Objective.axis_id == Axis.id)
            .where(Axis.project_id == project.id)
            .order_by(Objective.position, Objective.id)
        )
    )
    action_rows = db.session.execute(
        sa.select(Action, Theme.name)
        .join(Objective, Action.objective_id == Objective.id)
        .join(Axis, Objective.axis_id == Axis.id)
        .outerjoin(Theme, Action.theme_id == Theme.id)
        .where(Axis.project_id == project.id)
        .order_by(Action.position, Action.id)
    ).all()
    indicators = list(
        db.session.scalars(
            sa.select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position, Indicator.id)
        )
    )
    links = _links_of_project(project)

    objective_nodes = {o.id: ObjectiveNode(o) for o in objectives}
    action_nodes = {a.id: ActionNode(a, theme) for a, theme in action_rows}
    axis_nodes = {a.id: AxisNode(a) for a in axes}
    for objective in objectives:
        node = objective_nodes[objective.id]
        if objective.parent_id is None:
            axis_nodes[objective.axis_id].objectives.append(node)
        elif objective.parent_id in objective_nodes:
            objective_nodes[objective.parent_id].children.append(node)
    for action, _theme in action_rows:
        objective_nodes[action.objective_id].actions.append(action_nodes[action.id])
    for indicator in indicators:
        if indicator.action_id is not None and indicator.action_id in action_nodes:
            action_nodes[indicator.action_id].indicators.append(indicator)
        elif indicator.objective_id in objective_nodes:
            objective_nodes[indicator.objective_id].indicators.append(indicator)
    for item in links:
        objective_nodes[item.link.objective_id].links.append(item)
    return ProjectTree(
        project,
        [axis_nodes[a.id] for a in axes],
        objective_nodes,
        action_nodes,
        {i.id: i for i in indicators},
    )


def _title_of_target():
    """Outer joins giving the title of a link's initiative, instance or mission of the same centre."""
    return (
        sa.func.coalesce(Initiative.title, Instance.name, Mission.title),
        [
            (
                Initiative,
                sa.and_(
                    ObjectiveLink.target_type == LinkTarget.INITIATIVE,
                    Initiative.id == ObjectiveLink.target_id,
                    Initiative.structure_id == SocialProject.structure_id,
                ),
            ),
            (
                Instance,
                sa.and_(
                    ObjectiveLink.target_type == LinkTarget.INSTANCE,
                    Instance.id == ObjectiveLink.target_id,
                    Instance.structure_id == SocialProject.structure_id,
                ),
            ),
            (
                Mission,
                sa.and_(
                    ObjectiveLink.target_type == LinkTarget.MISSION,
                    Mission.id == ObjectiveLink.target_id,
                    Mission.structure_id == SocialProject.structure_id,
                ),
            ),
        ],
    )


def _links_query(*where) -> sa.Select:
    title, joins = _title_of_target()
    query = (
        sa.select(ObjectiveLink, title)
        .join(Objective, ObjectiveLink.objective_id == Objective.id)
        .join(Axis, Objective.axis_id == Axis.id)
        .join(SocialProject, Axis.project_id == SocialProject.id)
    )
    for model, condition in joins:
        query = query.outerjoin(model, condition)
    return query.where(*where).order_by(ObjectiveLink.target_type, title, ObjectiveLink.id)


def _links_of_project(project: SocialProject) -> list[LinkedItem]:
    rows = db.session.execute(_links_query(Axis.project_id == project.id)).all()
    # An item deleted since (no foreign key can follow a polymorphic link) is shown as such.
    return [LinkedItem(link, title or _("Élément supprimé")) for link, title in rows]


def links_of_objective(objective: Objective) -> list[LinkedItem]:
    rows = db.session.execute(_links_query(ObjectiveLink.objective_id == objective.id)).all()
    return [LinkedItem(link, title or _("Élément supprimé")) for link, title in rows]


@dataclass
class ServedItem:
    """An initiative, instance or mission and the objectives of the project it serves."""

    kind: LinkTarget
    target_id: int
    title: str
    objectives: list[Objective]


def served_items(project: SocialProject) -> list[ServedItem]:
    """Every item tagged in the project, with the objectives it serves (two queries)."""
    rows = db.session.execute(_links_query(Axis.project_id == project.id)).all()
    objectives = (
        {
            o.id: o
            for o in db.session.scalars(
                sa.select(Objective).where(Objective.id.in_({link.objective_id for link, _title in rows}))
            )
        }
        if rows
        else {}
    )
    items: dict[tuple[LinkTarget, int], ServedItem] = {}
    for link, title in rows:
        key = (link.target_type, link.target_id)
        if key not in items:
            items[key] = ServedItem(link.target_type, link.target_id, title or _("Élément supprimé"), [])
        items[key].objectives.append(objectives[link.objective_id])
    return list(items.values())


def objectives_served(structure_id: int, target_type: LinkTarget, target_id: int) -> list[Objective]:
    """The objectives (of any projet social of the centre) an initiative, instance or mission
    serves, with their axis and project loaded: for pages that show what an item serves."""
    return list(
        db.session.scalars(
            sa.select(Objective)
            .join(ObjectiveLink, ObjectiveLink.objective_id == Objective.id)
            .join(Axis, Objective.axis_id == Axis.id)
            .join(SocialProject, Axis.project_id == SocialProject.id)
            .where(
                SocialProject.structure_id == structure_id,
                ObjectiveLink.target_type == target_type,
                ObjectiveLink.target_id == target_id,
            )
            .order_by(SocialProject.starts_on.desc(), Axis.position, Objective.position, Objective.id)
            .options(joinedload(Objective.axis).joinedload(Axis.project))
        )
    )


def link_choices(structure_id: int, search: str = "", limit: int = LINK_CHOICES_LIMIT) -> dict[LinkTarget, list]:
    """What can be tagged: the centre's latest initiatives (no private drafts), instances and
    missions, `limit` of each at most, optionally those whose title contains `search`."""
    from app.database import like_pattern

    pattern = like_pattern(search.strip().lower()) if search and search.strip() else None
    choices: dict[LinkTarget, list] = {}
    queries = {
        LinkTarget.INITIATIVE: sa.select(Initiative.id, Initiative.title)
        .where(Initiative.structure_id == structure_id, Initiative.status != InitiativeStatus.DRAFT)
        .order_by(Initiative.created_at.desc(), Initiative.id.desc()),
        LinkTarget.INSTANCE: sa.select(Instance.id, Instance.name)
        .where(Instance.structure_id == structure_id)
        .order_by(Instance.archived_at.is_not(None), Instance.name),
        LinkTarget.MISSION: sa.select(Mission.id, Mission.title)
        .where(Mission.structure_id == structure_id)
        .order_by(Mission.created_at.desc(), Mission.id.desc()),
    }
    titles = {
        LinkTarget.INITIATIVE: Initiative.title,
        LinkTarget.INSTANCE: Instance.name,
        LinkTarget.MISSION: Mission.title,
    }
    for kind, query in queries.items():
        if pattern:
            query = query.where(sa.func.lower(titles[kind]).like(pattern, escape="\\"))
        choices[kind] = [(row[0], row[1]) for row in db.session.execute(query.limit(limit))]
    return choices


# --- headcounts ----------------------------------------------------------------------------------


def get_headcount(headcount_id: int, structure_id: int) -> HeadCount | None:
    return db.session.scalars(
        sa.select(HeadCount)
        .where(HeadCount.id == headcount_id, HeadCount.structure_id == structure_id)
        .options(joinedload(HeadCount.action))
    ).first()


@dataclass
class HeadCountTotals:
    """The period's tallies added up: how many records, people, and people per age bracket."""

    records: int = 0
    total: int = 0
    under_11: int = 0
    age_11_25: int = 0
    age_26_59: int = 0
    age_60_plus: int = 0
    events: int = 0


def _period(structure_id: int, start: date, end: date):
    return (HeadCount.structure_id == structure_id, HeadCount.occurred_on >= start, HeadCount.occurred_on <= end)


def headcount_totals(structure_id: int, start: date, end: date) -> HeadCountTotals:
    """One aggregate query over the period."""
    zero = 0
    row = db.session.execute(
        sa.select(
            sa.func.count(HeadCount.id),
            sa.func.coalesce(sa.func.sum(HeadCount.total), zero),
            sa.func.coalesce(sa.func.sum(HeadCount.under_11), zero),
            sa.func.coalesce(sa.func.sum(HeadCount.age_11_25), zero),
            sa.func.coalesce(sa.func.sum(HeadCount.age_26_59), zero),
            sa.func.coalesce(sa.func.sum(HeadCount.age_60_plus), zero),
            sa.func.count(HeadCount.id).filter(HeadCount.is_event.is_(True)),
        ).where(*_period(structure_id, start, end))
    ).one()
    return HeadCountTotals(*(int(value or 0) for value in row))


def headcount_page(
    structure_id: int, start: date, end: date, page: int, records: int, per_page: int = HEADCOUNTS_PER_PAGE
) -> Page:
    """The period's headcounts, newest first, one page (`records`: the count from the totals)."""
    page = min(max(1, page), page_count(records, per_page))
    items = (
        list(
            db.session.scalars(
                sa.select(HeadCount)
                .where(*_period(structure_id, start, end))
                .order_by(HeadCount.occurred_on.desc(), HeadCount.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
                .options(selectinload(HeadCount.action))
            )
        )
        if records
        else []
    )
    return Page(items, page, per_page, records)


def headcount_years(structure_id: int, today: date) -> list[int]:
    """Years that have headcounts, plus this year, newest first."""
    year = sa.extract("year", HeadCount.occurred_on)
    found = {
        int(y)
        for y in db.session.scalars(sa.select(year).where(HeadCount.structure_id == structure_id).distinct())
        if y is not None
    }
    return sorted(found | {today.year}, reverse=True)


def action_choices(structure_id: int) -> dict[str, list[tuple[int, str]]]:
    """The actions of the centre's projets sociaux, grouped by project (the latest first)."""
    rows = db.session.execute(
        sa.select(SocialProject.title, SocialProject.starts_on, SocialProject.ends_on, Action.id, Action.title)
        .join(Axis, Axis.project_id == SocialProject.id)
        .join(Objective, Objective.axis_id == Axis.id)
        .join(Action, Action.objective_id == Objective.id)
        .where(SocialProject.structure_id == structure_id)
        .order_by(
            SocialProject.starts_on.desc(),
            Axis.position,
            Axis.id,
            Objective.position,
            Objective.id,
            Action.position,
            Action.id,
        )
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for title, starts_on, ends_on, action_id, action_title in rows:
        group = f"{title} ({starts_on.year}-{ends_on.year})"
        groups.setdefault(group, []).append((action_id, action_title))
    return groups


# --- manual figures ------------------------------------------------------------------------------


def manual_figures_of(structure_id: int, year: int) -> dict[str, ManualFigure]:
    return {
        figure.code: figure
        for figure in db.session.scalars(
            sa.select(ManualFigure).where(ManualFigure.structure_id == structure_id, ManualFigure.year == year)
        )
    }
