"""Build instances, seats and meetings for tests (directly from the models: short and explicit)."""

from datetime import date, timedelta

from app.extensions import db
from app.instances.models import (
    Instance,
    InstanceRules,
    InstanceType,
    JoinPolicy,
    Meeting,
    Nature,
    Office,
    Seat,
    SeatStatus,
)
from app.timeutil import utcnow


def make_instance(
    structure,
    name: str = "Comité d'usagers",
    *,
    instance_type: InstanceType = InstanceType.USERS_COMMITTEE,
    nature: Nature = Nature.ADVISORY,
    is_public: bool = True,
    join_policy: JoinPolicy = JoinPolicy.ON_REQUEST,
    **rules,
) -> Instance:
    """An instance with version 1 of its rules (keyword arguments are `InstanceRules` fields)."""
    instance = Instance(
        structure_id=structure.id,
        name=name,
        instance_type=instance_type,
        nature=nature,
        is_public=is_public,
        join_policy=join_policy,
        description="Le comité donne son avis sur les activités et l'accueil du centre.",
    )
    rules.setdefault("colleges", [{"code": "habitants", "label": "Habitants", "seats": 12}])
    instance.rules_versions.append(InstanceRules(version=1, **rules))
    db.session.add(instance)
    db.session.commit()
    return instance


def add_seat(instance, person, *, office: Office = Office.MEMBER, has_vote: bool = True, **fields) -> Seat:
    """An active seat for `person`."""
    seat = Seat(
        instance_id=instance.id,
        person_id=person.id,
        status=SeatStatus.ACTIVE,
        office=office,
        has_vote=has_vote,
        start_date=fields.pop("start_date", date.today() - timedelta(days=30)),
        **fields,
    )
    db.session.add(seat)
    db.session.commit()
    return seat


def make_meeting(instance, *, days_ahead: int = 14, title: str = "Réunion de décembre", **fields) -> Meeting:
    """A planned meeting under the instance's current rules."""
    meeting = Meeting(
        instance_id=instance.id,
        rules_id=instance.rules.id,
        title=title,
        starts_at=fields.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=days_ahead)),
        place=fields.pop("place", "Salle polyvalente du centre"),
        **fields,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting
