"""Demo evaluation: La Passerelle's projet social with its tree, the objectives the demo initiatives,
instances and missions serve, headcounts and manual figures; idempotent; indicators name real metrics."""

import sqlalchemy as sa

from app.centres.models import Structure
from app.demo import CENTRE, seed_demo
from app.evaluation import metrics
from app.evaluation.demo import AXES, HEADCOUNTS, MANUAL, seed_evaluation
from app.evaluation.models import (
    Action,
    Axis,
    HeadCount,
    Indicator,
    IndicatorKind,
    ManualFigure,
    Objective,
    ObjectiveLink,
    SocialProject,
)
from app.extensions import db
from app.timeutil import local_today

COUNTED = (SocialProject, Axis, Objective, Action, Indicator, ObjectiveLink, HeadCount, ManualFigure)


def _counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}


def test_seed_builds_the_projet_social_once():
    seed_demo()
    db.session.commit()
    before = _counts()
    assert before["SocialProject"] == 1
    assert before["Axis"] == len(AXES) == 3
    assert before["HeadCount"] == len(HEADCOUNTS)
    assert before["ManualFigure"] == 2 * len(MANUAL)
    # Every tag of the demo found its initiative, instance or mission.
    assert before["ObjectiveLink"] == 9
    structure = db.session.scalar(sa.select(Structure).where(Structure.name == CENTRE["name"]))
    assert seed_evaluation(structure) == 0
    seed_demo()
    db.session.commit()
    assert _counts() == before


def test_the_project_covers_today_and_its_indicators_name_registered_metrics():
    seed_demo()
    db.session.commit()
    project = db.session.scalar(sa.select(SocialProject))
    assert project.starts_on <= local_today() <= project.ends_on
    for indicator in db.session.scalars(sa.select(Indicator)):
        if indicator.kind == IndicatorKind.QUANTITATIVE:
            metric = metrics.get(indicator.metric_code)
            assert metric is not None, indicator.metric_code
            assert indicator.age_bracket is None or metric.age_filter
    for code in MANUAL:
        assert metrics.get(code) is not None and metrics.get(code).manual, code
