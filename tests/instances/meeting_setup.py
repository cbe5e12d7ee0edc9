"""A comité with a staff member, a secretary and members, for the meeting tests (plain functions)."""

from dataclasses import dataclass, field
from datetime import timedelta

from app.accounts.models import User
from app.centres.models import Role
from app.extensions import db
from app.instances.models import Instance, Meeting, Office, QuorumBase
from app.timeutil import utcnow
from tests.instances.factories import add_seat, make_instance, make_meeting


@dataclass
class Committee:
    instance: Instance
    staff: User
    secretary: User
    members: list[User] = field(default_factory=list)
    outsider: User | None = None

    @property
    def everyone(self) -> list[User]:
        return [self.secretary, *self.members]


def committee(
    structure, make_user, *, members: int = 4, is_public: bool = True, name: str = "Comité d'usagers", **rules
) -> Committee:
    """A comité d'usagers: a secretary (voting) and `members` voting members; proxies allowed (1 per
    holder) and a quorum of 3 present or represented, unless `rules` say otherwise."""
    rules.setdefault("proxies_allowed", True)
    rules.setdefault("proxies_max", 1)
    rules.setdefault("quorum_base", QuorumBase.PRESENT_REPRESENTED)
    rules.setdefault("quorum_is_percent", False)
    rules.setdefault("quorum_threshold", 3)
    rules.setdefault("notice_days", 7)
    instance = make_instance(structure, name, is_public=is_public, **rules)
    staff = make_user(role=Role.STAFF, display_name="Julie Animatrice")
    secretary = make_user(display_name="Samia Secrétaire")
    add_seat(instance, secretary, office=Office.SECRETARY)
    names = ["Awa Diallo", "Bernard Martin", "Chloé Petit", "Driss Benali", "Élise Roux", "Fatou Sy", "Gaston Blanc"]
    people = []
    for n in range(members):
        person = make_user(display_name=names[n % len(names)] + ("" if n < len(names) else f" {n}"))
        add_seat(instance, person)
        people.append(person)
    outsider = make_user(display_name="Olivier Voisin")
    return Committee(instance=instance, staff=staff, secretary=secretary, members=people, outsider=outsider)


def past_meeting(instance, *, hours_ago: int = 2, **fields) -> Meeting:
    """A planned meeting that started a little while ago (ready to record and close)."""
    starts = utcnow().replace(microsecond=0) - timedelta(hours=hours_ago)
    return make_meeting(instance, starts_at=starts, **fields)


def reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)
