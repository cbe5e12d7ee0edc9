"""Builders shared by the vote and opinion tests: an instance with its people, motions, attendance."""

from dataclasses import dataclass, field
from datetime import timedelta

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.instances import votes
from app.instances.models import (
    Attendance,
    AttendanceStatus,
    Instance,
    InstanceType,
    Meeting,
    Motion,
    Nature,
    Office,
)
from app.timeutil import utcnow
from tests.instances.factories import add_seat, make_instance, make_meeting


@dataclass
class Body:
    """An instance with a staff member, a chair, a secretary and voting members."""

    instance: Instance
    staff: User
    chair: User
    secretary: User
    members: list[User] = field(default_factory=list)

    @property
    def voters(self) -> list[User]:
        """Everyone with a vote: chair, secretary, members."""
        return [self.chair, self.secretary, *self.members]


def make_body(
    structure,
    make_user,
    *,
    members: int = 3,
    name: str = "Comité d'usagers",
    nature: Nature = Nature.ADVISORY,
    instance_type: InstanceType = InstanceType.USERS_COMMITTEE,
    is_public: bool = True,
    **rules,
) -> Body:
    """An instance of `structure` (rules as keyword arguments) with its officers and members."""
    instance = make_instance(structure, name, nature=nature, instance_type=instance_type, is_public=is_public, **rules)
    staff = make_user(role=Role.STAFF, display_name="Nadia Staff")
    chair = make_user(display_name="Claire Présidente")
    secretary = make_user(display_name="Samir Secrétaire")
    add_seat(instance, chair, office=Office.CHAIR)
    add_seat(instance, secretary, office=Office.SECRETARY)
    people = []
    for n in range(members):
        person = make_user(display_name=f"Membre {n + 1}")
        add_seat(instance, person)
        people.append(person)
    return Body(instance=instance, staff=staff, chair=chair, secretary=secretary, members=people)


def online_motion(body: Body, *, open_it: bool = True, **fields) -> Motion:
    """An online vote closing in three days (opened unless `open_it=False`)."""
    data = {"title": "Horaires d'été de l'accueil", "text": "Ouvrir l'accueil de 9 h à 13 h en juillet.", **fields}
    data.setdefault("closes_at", utcnow() + timedelta(days=3))
    motion = votes.create_motion(body.instance, data, body.staff)
    if open_it:
        votes.open_vote(motion, body.staff)
    db.session.commit()
    return motion


def meeting_motion(body: Body, meeting: Meeting | None = None, *, open_it: bool = True, **fields) -> Motion:
    """A motion voted in a meeting (a new one unless given)."""
    meeting = meeting or make_meeting(body.instance, days_ahead=0)
    data = {"title": "Achat d'un barnum pour la fête de quartier", "text": "Budget : 450 €.", **fields}
    motion = votes.create_motion(body.instance, data, body.secretary, meeting=meeting)
    if open_it:
        votes.open_vote(motion, body.secretary)
    db.session.commit()
    return motion


def mark(meeting: Meeting, person: User, status: AttendanceStatus, holder: User | None = None, **fields) -> Attendance:
    """An attendance row (present, represented by `holder`…)."""
    row = Attendance(
        meeting_id=meeting.id,
        person_id=person.id,
        status=status,
        proxy_holder_id=holder.id if holder is not None else None,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def vote_all(motion: Motion, people: list[User], choices: str) -> None:
    """Each person casts the choice at the same position: "FFAX" = for, for, against, abstain."""
    letters = {"F": "for", "A": "against", "X": "abstain"}
    for person, letter in zip(people, choices, strict=False):
        votes.cast_vote(motion, person, letters[letter], person)
    db.session.commit()
