"""Writing what the evaluation needs: the projet social (period, axes, general and operational
objectives, actions, indicators), the objectives initiatives, instances and missions serve, anonymous
headcounts and the direction's manual figures.

Services check the rules, write, log the act in the audit log and flush; the route commits.
A rule broken raises `ProjectError` naming the form field it is about.
Deleting relies on the foreign keys (ON DELETE CASCADE, SET NULL for headcounts' actions), which
both databases enforce: deleting an axis takes its objectives, actions, indicators and links.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import log_event
from app.centres.models import Structure, Theme
from app.evaluation import metrics
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    IndicatorKind,
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
from app.timeutil import local_today, utcnow
from app.volunteering.models import Mission

#: An agrément lasts four years at most.
MAX_PROJECT_YEARS = 4
HEADCOUNT_BRACKETS = ("under_11", "age_11_25", "age_26_59", "age_60_plus")


class ProjectError(ValueError):
    """A rule of the evaluation is broken; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyLinked(ProjectError):
    """The item already serves this objective (a double click, two tabs)."""


def add_years(day: date, years: int) -> date:
    """The same day `years` later (29 February gives 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _short(day: date) -> str:
    return format_date(day, "short")


# --- the project ---------------------------------------------------------------------------------


def check_period(structure_id: int, starts_on: date, ends_on: date, *, exclude_id: int | None = None) -> None:
    """The agrément period: an end after the start, four years at most, no overlap with another
    projet social of the same centre (successive agréments follow each other)."""
    if ends_on <= starts_on:
        raise ProjectError(_("La fin de l'agrément doit être après son début."), "ends_on")
    latest = add_years(starts_on, MAX_PROJECT_YEARS)
    if ends_on > latest:
        raise ProjectError(
            _(
                "Un agrément dure quatre ans au plus : la fin doit être au plus tard le %(day)s.",
                day=_short(latest),
            ),
            "ends_on",
        )
    query = sa.select(SocialProject).where(
        SocialProject.structure_id == structure_id,
        SocialProject.starts_on <= ends_on,
        SocialProject.ends_on >= starts_on,
    )
    if exclude_id is not None:
        query = query.where(SocialProject.id != exclude_id)
    other = db.session.scalars(query.order_by(SocialProject.starts_on).limit(1)).first()
    if other is not None:
        raise ProjectError(
            _(
                "Cette période chevauche celle du projet social « %(title)s » (du %(start)s au %(end)s) : "
                "les périodes d'agrément d'un centre ne peuvent pas se recouvrir.",
                title=other.title,
                start=_short(other.starts_on),
                end=_short(other.ends_on),
            ),
            "starts_on",
        )


def _project_fields(data: Mapping) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ProjectError(_("Indiquez le titre du projet social."), "title")
    if not data.get("starts_on"):
        raise ProjectError(_("Indiquez la date de début de l'agrément."), "starts_on")
    if not data.get("ends_on"):
        raise ProjectError(_("Indiquez la date de fin de l'agrément."), "ends_on")
    return {
        "title": title,
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "summary": (data.get("summary") or "").strip(),
    }


def create_project(structure: Structure, data: Mapping, *, by: User) -> SocialProject:
    fields = _project_fields(data)
    check_period(structure.id, fields["starts_on"], fields["ends_on"])
    project = SocialProject(structure_id=structure.id, **fields)
    db.session.add(project)
    db.session.flush()
    log_event("social_project_created", actor=by, structure_id=structure.id, target=project)
    return project


def update_project(project: SocialProject, data: Mapping, *, by: User) -> SocialProject:
    fields = _project_fields(data)
    check_period(project.structure_id, fields["starts_on"], fields["ends_on"], exclude_id=project.id)
    changed = sorted(name for name, value in fields.items() if getattr(project, name) != value)
    for name, value in fields.items():
        setattr(project, name, value)
    db.session.flush()
    if changed:
        log_event("social_project_updated", actor=by, structure_id=project.structure_id, target=project, fields=changed)
    return project


def delete_project(project: SocialProject, *, by: User) -> None:
    """Delete the project with its whole tree (axes, objectives, actions, indicators, links, snapshots)."""
    log_event(
        "social_project_deleted",
        actor=by,
        structure_id=project.structure_id,
        target=project,
        starts_on=project.starts_on,
        ends_on=project.ends_on,
    )
    db.session.execute(sa.delete(SocialProject).where(SocialProject.id == project.id))
    db.session.flush()


# --- ordering ------------------------------------------------------------------------------------


def _next_position(model, *where) -> int:
    highest = db.session.scalar(sa.select(sa.func.max(model.position)).where(*where))
    return 0 if highest is None else highest + 1


def _move(item, siblings: sa.Select, step: int) -> None:
    """Swap `item` with its previous (step < 0) or next sibling, then renumber them 0, 1, 2…"""
    items = list(db.session.scalars(siblings))
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items):
        other.position = position
    db.session.flush()


def _log_item(action: str, item, project: SocialProject, by: User) -> None:
    log_event(action, actor=by, structure_id=project.structure_id, target=item, project_id=project.id)


def _text_fields(data: Mapping, required_message: str) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ProjectError(required_message, "title")
    return {"title": title, "description": (data.get("description") or "").strip()}


# --- axes ----------------------------------------------------------------------------------------


def add_axis(project: SocialProject, data: Mapping, *, by: User) -> Axis:
    fields = _text_fields(data, _("Indiquez l'intitulé de l'axe."))
    axis = Axis(project_id=project.id, position=_next_position(Axis, Axis.project_id == project.id), **fields)
    db.session.add(axis)
    db.session.flush()
    _log_item("project_item_created", axis, project, by)
    return axis


def update_axis(axis: Axis, data: Mapping, *, by: User) -> Axis:
    for name, value in _text_fields(data, _("Indiquez l'intitulé de l'axe.")).items():
        setattr(axis, name, value)
    db.session.flush()
    _log_item("project_item_updated", axis, axis.project, by)
    return axis


def delete_axis(axis: Axis, *, by: User) -> None:
    """Delete the axis with its objectives, their actions, indicators and links."""
    _log_item("project_item_deleted", axis, axis.project, by)
    db.session.execute(sa.delete(Axis).where(Axis.id == axis.id))
    db.session.flush()


def move_axis(axis: Axis, step: int, *, by: User) -> None:
    siblings = sa.select(Axis).where(Axis.project_id == axis.project_id).order_by(Axis.position, Axis.id)
    _move(axis, siblings, step)


# --- objectives ----------------------------------------------------------------------------------


def add_objective(axis: Axis, data: Mapping, *, by: User, parent: Objective | None = None) -> Objective:
    """A general objective of `axis`, or an operational objective under the general one `parent`."""
    fields = _text_fields(data, _("Indiquez l'intitulé de l'objectif."))
    if parent is not None and (parent.axis_id != axis.id or parent.parent_id is not None):
        raise ProjectError(_("Un objectif opérationnel se range sous un objectif général de son axe."))
    parent_id = parent.id if parent is not None else None
    position = _next_position(
        Objective,
        Objective.axis_id == axis.id,
        Objective.parent_id == parent_id if parent_id is not None else Objective.parent_id.is_(None),
    )
    objective = Objective(axis_id=axis.id, parent_id=parent_id, position=position, **fields)
    db.session.add(objective)
    db.session.flush()
    _log_item("project_item_created", objective, axis.project, by)
    return objective


def update_objective(objective: Objective, data: Mapping, *, by: User) -> Objective:
    for name, value in _text_fields(data, _("Indiquez l'intitulé de l'objectif.")).items():
        setattr(objective, name, value)
    db.session.flush()
    _log_item("project_item_updated", objective, objective.axis.project, by)
    return objective


def delete_objective(objective: Objective, *, by: User) -> None:
    """Delete the objective with its operational objectives, actions, indicators and links."""
    _log_item("project_item_deleted", objective, objective.axis.project, by)
    db.session.execute(sa.delete(Objective).where(Objective.id == objective.id))
    db.session.flush()


def move_objective(objective: Objective, step: int, *, by: User) -> None:
    parent = (
        Objective.parent_id == objective.parent_id if objective.parent_id is not None else Objective.parent_id.is_(None)
    )
    siblings = (
        sa.select(Objective)
        .where(Objective.axis_id == objective.axis_id, parent)
        .order_by(Objective.position, Objective.id)
    )
    _move(objective, siblings, step)


# --- actions -------------------------------------------------------------------------------------


def _action_fields(structure_id: int, data: Mapping) -> dict:
    fields = _text_fields(data, _("Indiquez l'intitulé de l'action."))
    theme_id = data.get("theme_id")
    if theme_id is not None:
        known = db.session.scalar(sa.select(Theme.id).where(Theme.id == theme_id, Theme.structure_id == structure_id))
        if known is None:
            raise ProjectError(_("Choisissez un thème du centre."), "theme")
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ProjectError(_("La fin de l'action ne peut pas précéder son début."), "ends_on")
    return {
        **fields,
        "publics": (data.get("publics") or "").strip(),
        "partners": (data.get("partners") or "").strip(),
        "theme_id": theme_id,
        "is_family": bool(data.get("is_family")),
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


def add_action(objective: Objective, data: Mapping, *, by: User) -> Action:
    project = objective.axis.project
    fields = _action_fields(project.structure_id, data)
    position = _next_position(Action, Action.objective_id == objective.id)
    action = Action(objective_id=objective.id, position=position, **fields)
    db.session.add(action)
    db.session.flush()
    _log_item("project_item_created", action, project, by)
    return action


def update_action(action: Action, data: Mapping, *, by: User) -> Action:
    project = action.objective.axis.project
    for name, value in _action_fields(project.structure_id, data).items():
        setattr(action, name, value)
    db.session.flush()
    _log_item("project_item_updated", action, project, by)
    return action


def delete_action(action: Action, *, by: User) -> None:
    """Delete the action and its indicators; its headcounts stay, without an action."""
    _log_item("project_item_deleted", action, action.objective.axis.project, by)
    db.session.execute(sa.delete(Action).where(Action.id == action.id))
    db.session.flush()


def move_action(action: Action, step: int, *, by: User) -> None:
    siblings = sa.select(Action).where(Action.objective_id == action.objective_id).order_by(Action.position, Action.id)
    _move(action, siblings, step)


# --- indicators ----------------------------------------------------------------------------------


def _indicator_fields(data: Mapping) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ProjectError(_("Indiquez l'intitulé de l'indicateur."), "title")
    kind = IndicatorKind(data.get("kind") or IndicatorKind.QUANTITATIVE)
    fields = {
        "title": title,
        "kind": kind,
        "comment": (data.get("comment") or "").strip(),
        "evidence": (data.get("evidence") or "").strip(),
        "metric_code": None,
        "age_bracket": None,
        "baseline": None,
        "target": None,
    }
    if kind == IndicatorKind.QUALITATIVE:
        return fields
    code = data.get("metric_code")
    metric = metrics.get(code) if code else None
    if metric is None:
        raise ProjectError(_("Choisissez le chiffre du catalogue que suit cet indicateur."), "metric_code")
    bracket = data.get("age_bracket")
    if bracket is not None and not metric.age_filter:
        raise ProjectError(
            _(
                "Le chiffre « %(code)s — %(label)s » ne se calcule pas par tranche d'âge : "
                "choisissez « Tous les âges » ou un autre chiffre.",
                code=metric.code,
                label=metric.label,
            ),
            "age_bracket",
        )
    for name in ("baseline", "target"):
        value = data.get(name)
        if value is not None and abs(Decimal(value)) >= Decimal("10000000000"):
            raise ProjectError(_("Ce nombre est trop grand."), name)
    fields.update(
        metric_code=metric.code, age_bracket=bracket, baseline=data.get("baseline"), target=data.get("target")
    )
    return fields


def add_indicator(
    data: Mapping, *, by: User, objective: Objective | None = None, action: Action | None = None
) -> Indicator:
    """An indicator on an objective or (exclusively) an action."""
    if (objective is None) == (action is None):
        raise ProjectError(_("Un indicateur porte sur un objectif ou sur une action."))
    owner_objective = objective if objective is not None else action.objective
    project = owner_objective.axis.project
    fields = _indicator_fields(data)
    where = Indicator.objective_id == objective.id if objective is not None else Indicator.action_id == action.id
    indicator = Indicator(
        project_id=project.id,
        objective_id=objective.id if objective is not None else None,
        action_id=action.id if action is not None else None,
        position=_next_position(Indicator, where),
        **fields,
    )
    db.session.add(indicator)
    db.session.flush()
    _log_item("project_item_created", indicator, project, by)
    return indicator


def update_indicator(indicator: Indicator, data: Mapping, *, by: User) -> Indicator:
    for name, value in _indicator_fields(data).items():
        setattr(indicator, name, value)
    indicator.updated_at = utcnow()
    db.session.flush()
    project = db.session.get(SocialProject, indicator.project_id)
    _log_item("project_item_updated", indicator, project, by)
    return indicator


def delete_indicator(indicator: Indicator, *, by: User) -> None:
    project = db.session.get(SocialProject, indicator.project_id)
    _log_item("project_item_deleted", indicator, project, by)
    db.session.execute(sa.delete(Indicator).where(Indicator.id == indicator.id))
    db.session.flush()


def move_indicator(indicator: Indicator, step: int, *, by: User) -> None:
    owner = (
        Indicator.objective_id == indicator.objective_id
        if indicator.objective_id is not None
        else Indicator.action_id == indicator.action_id
    )
    siblings = sa.select(Indicator).where(owner).order_by(Indicator.position, Indicator.id)
    _move(indicator, siblings, step)


# --- what serves an objective --------------------------------------------------------------------

LINKABLE = {
    LinkTarget.INITIATIVE: (Initiative, Initiative.title),
    LinkTarget.INSTANCE: (Instance, Instance.name),
    LinkTarget.MISSION: (Mission, Mission.title),
}


def linkable_exists(structure_id: int, target_type: LinkTarget, target_id: int) -> bool:
    """An initiative (not a private draft), an instance or a mission of the centre."""
    model, _title = LINKABLE[target_type]
    query = sa.select(model.id).where(model.id == target_id, model.structure_id == structure_id)
    if model is Initiative:
        query = query.where(Initiative.status != InitiativeStatus.DRAFT)
    return db.session.scalar(query) is not None


def link_objective(objective: Objective, target_type: LinkTarget, target_id: int, *, by: User) -> ObjectiveLink:
    """Tag an item of the same centre with the objective it serves. Raises LookupError for an item
    that is not the centre's, AlreadyLinked for a double (the unique constraint settles races)."""
    project = objective.axis.project
    if not linkable_exists(project.structure_id, target_type, target_id):
        raise LookupError(target_id)
    already = _("Déjà lié : cet élément sert déjà cet objectif.")
    existing = db.session.scalar(
        sa.select(ObjectiveLink.id).where(
            ObjectiveLink.objective_id == objective.id,
            ObjectiveLink.target_type == target_type,
            ObjectiveLink.target_id == target_id,
        )
    )
    if existing is not None:
        raise AlreadyLinked(already, "target")
    link = ObjectiveLink(objective_id=objective.id, target_type=target_type, target_id=target_id)
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError as error:
        # Two submits at the same instant: the other one's row stands.
        raise AlreadyLinked(already, "target") from error
    log_event(
        "objective_linked",
        actor=by,
        structure_id=project.structure_id,
        target=objective,
        linked=f"{target_type.value}:{target_id}",
    )
    return link


def unlink_objective(link: ObjectiveLink, *, by: User) -> None:
    objective = link.objective
    log_event(
        "objective_unlinked",
        actor=by,
        structure_id=objective.axis.project.structure_id,
        target=objective,
        linked=f"{link.target_type.value}:{link.target_id}",
    )
    db.session.execute(sa.delete(ObjectiveLink).where(ObjectiveLink.id == link.id))
    db.session.flush()


# --- anonymous headcounts ------------------------------------------------------------------------


def _headcount_fields(structure_id: int, data: Mapping, today: date | None = None) -> dict:
    day = data.get("occurred_on")
    if day is None:
        raise ProjectError(_("Indiquez la date."), "occurred_on")
    if day > (today or local_today()):
        raise ProjectError(_("La date ne peut pas être dans le futur."), "occurred_on")
    label = (data.get("label") or "").strip()
    if not label:
        raise ProjectError(_("Dites ce que c'était, par exemple « Fête de quartier »."), "label")
    total = data.get("total")
    if total is None:
        raise ProjectError(_("Indiquez le nombre total de personnes."), "total")
    if total < 0:
        raise ProjectError(_("Indiquez un nombre de personnes positif ou nul."), "total")
    brackets = {name: data.get(name) for name in HEADCOUNT_BRACKETS}
    for name, value in brackets.items():
        if value is not None and value < 0:
            raise ProjectError(_("Indiquez un nombre de personnes positif ou nul."), name)
    counted = sum(v for v in brackets.values() if v is not None)
    if counted > total:
        raise ProjectError(
            _(
                "Les tranches d'âge additionnées (%(counted)d) dépassent le total (%(total)d) : "
                "corrigez le total ou les tranches.",
                counted=counted,
                total=total,
            ),
            "total",
        )
    action_id = data.get("action_id")
    if action_id is not None:
        found = db.session.scalar(
            sa.select(Action.id)
            .join(Objective, Action.objective_id == Objective.id)
            .join(Axis, Objective.axis_id == Axis.id)
            .join(SocialProject, Axis.project_id == SocialProject.id)
            .where(Action.id == action_id, SocialProject.structure_id == structure_id)
        )
        if found is None:
            raise ProjectError(_("Choisissez une action du projet social du centre."), "action")
    return {
        "occurred_on": day,
        "label": label,
        "total": total,
        **brackets,
        "is_event": bool(data.get("is_event")),
        "action_id": action_id,
    }


def record_headcount(structure: Structure, data: Mapping, *, by: User, today: date | None = None) -> HeadCount:
    """Record an anonymous tally: how many came, without names, with optional age brackets."""
    headcount = HeadCount(
        structure_id=structure.id, recorded_by_id=by.id, **_headcount_fields(structure.id, data, today)
    )
    db.session.add(headcount)
    db.session.flush()
    log_event("headcount_recorded", actor=by, structure_id=structure.id, target=headcount, total=headcount.total)
    return headcount


def update_headcount(headcount: HeadCount, data: Mapping, *, by: User, today: date | None = None) -> HeadCount:
    for name, value in _headcount_fields(headcount.structure_id, data, today).items():
        setattr(headcount, name, value)
    db.session.flush()
    log_event(
        "headcount_updated", actor=by, structure_id=headcount.structure_id, target=headcount, total=headcount.total
    )
    return headcount


def delete_headcount(headcount: HeadCount, *, by: User) -> None:
    log_event(
        "headcount_deleted",
        actor=by,
        structure_id=headcount.structure_id,
        target=headcount,
        occurred_on=headcount.occurred_on,
        total=headcount.total,
    )
    db.session.execute(sa.delete(HeadCount).where(HeadCount.id == headcount.id))
    db.session.flush()


# --- manual figures ------------------------------------------------------------------------------


def manual_metrics() -> list[metrics.Metric]:
    """The figures the direction enters for a year (the catalogue's manual metrics)."""
    return [m for m in metrics.catalogue() if m.manual]


def _manual_figures_of(structure_id: int, year: int) -> dict[str, ManualFigure]:
    return {
        figure.code: figure
        for figure in db.session.scalars(
            sa.select(ManualFigure).where(ManualFigure.structure_id == structure_id, ManualFigure.year == year)
        )
    }


def save_manual_figures(
    structure: Structure, year: int, entries: Mapping[str, tuple[Decimal | None, str]], *, by: User
) -> list[str]:
    """Upsert the year's manual figures: a value writes it (with its note), None removes it.
    Returns the codes that changed. Two saves at once never fail: a row inserted meanwhile by the
    other one (unique structure, year, code) is updated instead."""
    allowed = {m.code for m in manual_metrics()}
    unknown = sorted(set(entries) - allowed)
    if unknown:
        raise ProjectError(_("Chiffre inconnu : %(codes)s.", codes=", ".join(unknown)))
    existing = _manual_figures_of(structure.id, year)
    changed = []
    for code, (value, note) in entries.items():
        note = (note or "").strip()[:300]
        if value is not None and value < 0:
            raise ProjectError(_("Indiquez un nombre positif ou nul."), f"value_{code}")
        figure = existing.get(code)
        if value is None:
            if figure is not None:
                db.session.execute(sa.delete(ManualFigure).where(ManualFigure.id == figure.id))
                changed.append(code)
            continue
        value = Decimal(value).quantize(Decimal("0.01"))
        if figure is None:
            figure = ManualFigure(
                structure_id=structure.id, year=year, code=code, value=value, note=note, updated_by_id=by.id
            )
            try:
                with db.session.begin_nested():
                    db.session.add(figure)
            except IntegrityError:
                # Saved at the same instant by someone else: theirs becomes ours.
                figure = db.session.scalars(
                    sa.select(ManualFigure)
                    .where(
                        ManualFigure.structure_id == structure.id, ManualFigure.year == year, ManualFigure.code == code
                    )
                    .execution_options(populate_existing=True)
                ).one()
                figure.value, figure.note, figure.updated_by_id, figure.updated_at = value, note, by.id, utcnow()
            changed.append(code)
        elif figure.value != value or figure.note != note:
            figure.value, figure.note, figure.updated_by_id, figure.updated_at = value, note, by.id, utcnow()
            changed.append(code)
    db.session.flush()
    if changed:
        log_event("manual_figures_saved", actor=by, structure_id=structure.id, year=year, codes=changed)
    return changed
