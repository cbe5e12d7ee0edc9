"""Build missions and shifts for tests (directly from the models)."""

from datetime import timedelta

from app.extensions import db
from app.timeutil import utcnow
from app.volunteering.models import Category, Mission, MissionCoordinator, Shift


def make_mission(structure, title: str = "Aide aux devoirs", *, coordinator=None, **fields) -> Mission:
    mission = Mission(
        structure_id=structure.id,
        title=title,
        description=fields.pop("description", "Accompagner les enfants du CP au CM2 dans leurs devoirs."),
        category=fields.pop("category", Category.ACTIVITY),
        **fields,
    )
    if coordinator is not None:
        mission.coordinators.append(MissionCoordinator(person_id=coordinator.id))
    db.session.add(mission)
    db.session.commit()
    return mission


def make_shift(mission, *, days_ahead: int = 3, hours: float = 2, capacity: int = 5, **fields) -> Shift:
    starts = fields.pop("starts_at", utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=days_ahead))
    shift = Shift(
        mission_id=mission.id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        capacity=capacity,
        place=fields.pop("place", "Salle des familles"),
        **fields,
    )
    db.session.add(shift)
    db.session.commit()
    return shift
