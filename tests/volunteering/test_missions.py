"""Missions: creating, editing, coordinators, publishing and archiving; the role × status matrix
of who may see and manage them."""

import html

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.notifications.models import Notification
from app.volunteering import permissions as perm
from app.volunteering import services
from app.volunteering.models import Category, Mission, MissionStatus
from app.volunteering.services import VolunteeringError
from tests.initiatives.factories import make_initiative
from tests.volunteering.factories import make_mission, make_shift


def text(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
def people(make_user):
    return {
        "habitant": make_user(display_name="Rose"),
        "coordinator": make_user(role=Role.COORDINATOR, display_name="Nadia"),
        "other_coordinator": make_user(role=Role.COORDINATOR, display_name="Karim"),
        "staff": make_user(role=Role.STAFF, display_name="Julie"),
    }


def _fields(**overrides) -> dict:
    fields = {
        "title": "Accueil de l'aide aux devoirs",
        "description": "Accueillir les enfants et leurs parents.",
        "category": Category.ACTIVITY,
        "skills": "patience,  accueil ; Patience",
        "is_skill_based": False,
        "activity": "Aide aux devoirs",
    }
    fields.update(overrides)
    return fields


# --- services ------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_draft_they_coordinate(structure, people):
    mission = services.create_mission(structure, _fields(), by=people["coordinator"])
    db.session.commit()
    assert mission.status == MissionStatus.DRAFT
    assert mission.skills == "patience, accueil"
    assert [c.person_id for c in mission.coordinators] == [people["coordinator"].id]
    assert mission.created_by_id == people["coordinator"].id


def test_staff_create_a_published_mission_with_chosen_coordinators(structure, people):
    coordinators = [people["coordinator"].id, people["other_coordinator"].id]
    mission = services.create_mission(
        structure,
        _fields(status=MissionStatus.PUBLISHED, coordinator_ids=coordinators),
        by=people["staff"],
    )
    db.session.commit()
    assert mission.status == MissionStatus.PUBLISHED
    assert sorted(c.person_id for c in mission.coordinators) == sorted(coordinators)
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "volunteering.coordination"))
    assert sorted(told) == sorted(coordinators)


def test_only_coordinators_and_staff_may_coordinate(structure, people):
    with pytest.raises(VolunteeringError, match="coordinateurs"):
        services.create_mission(structure, _fields(coordinator_ids=[people["habitant"].id]), by=people["staff"])


def test_a_mission_links_to_an_initiative_of_the_same_centre_only(structure, people):
    initiative = make_initiative(structure, people["habitant"], people["staff"])
    mission = services.create_mission(structure, _fields(initiative_id=initiative.id), by=people["staff"])
    assert mission.initiative_id == initiative.id
    elsewhere = make_structure("Centre social de la Soie")
    foreign = make_initiative(elsewhere, people["habitant"], people["staff"])
    with pytest.raises(VolunteeringError, match="ne correspond à rien"):
        services.update_mission(mission, {"initiative_id": foreign.id}, by=people["staff"])


def test_a_coordinator_cannot_remove_themselves(structure, people):
    mission = services.create_mission(structure, _fields(), by=people["coordinator"])
    services.update_mission(mission, {"coordinator_ids": [people["other_coordinator"].id]}, by=people["coordinator"])
    db.session.commit()
    assert sorted(c.person_id for c in mission.coordinators) == sorted(
        [people["coordinator"].id, people["other_coordinator"].id]
    )


def test_archiving_is_refused_while_people_are_signed_up(structure, people):
    mission = make_mission(structure)
    shift = make_shift(mission)
    services.sign_up(shift, people["habitant"], by=people["habitant"])
    db.session.commit()
    with pytest.raises(VolunteeringError, match="annulez ces créneaux"):
        services.archive_mission(mission, by=people["staff"])
    db.session.rollback()
    services.cancel_shift(shift, by=people["staff"])
    services.archive_mission(mission, by=people["staff"])
    db.session.commit()
    assert mission.status == MissionStatus.ARCHIVED


# --- permissions matrix --------------------------------------------------------------------------

ROLES = ("anonymous", "habitant", "coordinator", "own_coordinator", "staff", "other_staff")
#: status -> predicate -> roles for which it holds.
MATRIX = {
    MissionStatus.DRAFT: {
        "can_view_mission": {"own_coordinator", "staff"},
        "can_edit_mission": {"own_coordinator", "staff"},
        "can_sign_up": set(),
    },
    MissionStatus.PUBLISHED: {
        "can_view_mission": set(ROLES),
        "can_edit_mission": {"own_coordinator", "staff"},
        "can_sign_up": {"habitant", "coordinator", "own_coordinator", "staff", "other_staff"},
    },
    MissionStatus.ARCHIVED: {
        "can_view_mission": {"own_coordinator", "staff"},
        "can_edit_mission": {"own_coordinator", "staff"},
        "can_sign_up": set(),
    },
}


def _actors(structure, make_user):
    elsewhere = make_structure("Centre social Saint-Jean")
    db.session.commit()
    return {
        "anonymous": AnonymousUserMixin(),
        "habitant": make_user(),
        "coordinator": make_user(role=Role.COORDINATOR),
        "own_coordinator": make_user(role=Role.COORDINATOR),
        "staff": make_user(role=Role.STAFF),
        "other_staff": make_user(elsewhere, role=Role.STAFF),
    }


@pytest.mark.parametrize("status", list(MATRIX), ids=[s.value for s in MATRIX])
def test_matrix(structure, make_user, status):
    actors = _actors(structure, make_user)
    mission = make_mission(structure, status=status, coordinator=actors["own_coordinator"])
    shift = make_shift(mission)
    for predicate, allowed in MATRIX[status].items():
        check = getattr(perm, predicate)
        obj = shift if predicate == "can_sign_up" else mission
        for role, actor in actors.items():
            assert check(actor, obj) == (role in allowed), (status, predicate, role)
        if predicate == "can_edit_mission":
            for role, actor in actors.items():
                assert perm.can_manage_shift(actor, shift) == (role in allowed), (status, role)


def test_who_may_create_missions(structure, make_user):
    actors = _actors(structure, make_user)
    allowed = {"coordinator", "own_coordinator", "staff"}
    for role, actor in actors.items():
        assert perm.can_create_mission(actor, structure) == (role in allowed), role


# --- pages ---------------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    data = {
        "title": "Tenir la buvette de la fête de quartier",
        "description": "Servir les boissons.\n\nEt sourire !",
        "category": "ponctuel_evenement",
        "activity": "Fête de quartier",
        "skills": "accueil, caisse",
        "link": "",
        "publish": "1",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_and_publishes_a_mission(client, auth, structure, people):
    auth.login(people["coordinator"])
    assert client.get("/benevolat/missions/nouvelle").status_code == 200
    r = client.post("/benevolat/missions/nouvelle", data=_form())
    assert r.status_code == 303
    mission = db.session.scalar(sa.select(Mission))
    assert r.headers["Location"].endswith(f"/benevolat/missions/{mission.id}")
    assert mission.status == MissionStatus.PUBLISHED and mission.category == Category.EVENT
    page = text(client.get(f"/benevolat/missions/{mission.id}"))
    assert "Mission enregistrée et publiée" in page
    assert "Servir les boissons." in page and "Ajouter un créneau" in page
    assert "Tenir la buvette" in text(client.get("/benevolat/"))


def test_invalid_mission_form_is_a_422_with_values_kept(client, auth, structure, people):
    auth.login(people["staff"])
    r = client.post("/benevolat/missions/nouvelle", data=_form(title="", skills="cuisine"))
    assert r.status_code == 422
    assert "Donnez un titre à la mission." in text(r)
    assert 'value="cuisine"' in r.text
    r = client.post("/benevolat/missions/nouvelle", data=_form(coordinators=str(people["habitant"].id)))
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mission)) == 0


def test_habitants_cannot_create_missions(client, auth, structure, people):
    auth.login(people["habitant"])
    assert client.get("/benevolat/missions/nouvelle").status_code == 403
    assert client.post("/benevolat/missions/nouvelle", data=_form()).status_code == 403
    assert client.get("/benevolat/gestion").status_code == 403


def test_coordinators_manage_their_missions_only(client, auth, structure, people):
    theirs = make_mission(structure, "Jardin partagé", coordinator=people["coordinator"])
    others = make_mission(structure, "Repair café", coordinator=people["other_coordinator"])
    auth.login(people["coordinator"])
    assert client.get(f"/benevolat/missions/{theirs.id}/modifier").status_code == 200
    assert client.get(f"/benevolat/missions/{others.id}/modifier").status_code == 403
    assert client.post(f"/benevolat/missions/{others.id}/archiver").status_code == 403
    assert client.get(f"/benevolat/missions/{others.id}/creneaux/nouveau").status_code == 403
    manage = text(client.get("/benevolat/gestion"))
    assert "Jardin partagé" in manage and "Repair café" not in manage


def test_staff_edit_any_mission_and_see_drafts(client, auth, structure, people):
    draft = make_mission(structure, "Atelier couture", status=MissionStatus.DRAFT, coordinator=people["coordinator"])
    auth.login(people["staff"])
    assert "Atelier couture" in text(client.get("/benevolat/gestion"))
    r = client.post(
        f"/benevolat/missions/{draft.id}/modifier",
        data=_form(title="Atelier couture du jeudi", coordinators=str(people["coordinator"].id), publish=""),
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Mission, draft.id).title == "Atelier couture du jeudi"
    assert db.session.get(Mission, draft.id).status == MissionStatus.DRAFT
    assert client.post(f"/benevolat/missions/{draft.id}/publier").status_code == 303
    db.session.expire_all()
    assert db.session.get(Mission, draft.id).status == MissionStatus.PUBLISHED


def test_another_centres_staff_get_404(client, auth, structure, make_user):
    mission = make_mission(structure, "Aide aux devoirs")
    shift = make_shift(mission)
    elsewhere = make_structure("Centre social Saint-Jean")
    db.session.commit()
    auth.login(make_user(elsewhere, role=Role.STAFF))
    for path in (
        f"/benevolat/missions/{mission.id}",
        f"/benevolat/missions/{mission.id}/modifier",
        f"/benevolat/creneaux/{shift.id}",
        f"/benevolat/creneaux/{shift.id}/equipe",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/benevolat/missions/{mission.id}/archiver").status_code == 404


def test_archive_then_hidden_from_habitants(client, auth, structure, people):
    mission = make_mission(structure, "Vide-grenier", coordinator=people["coordinator"])
    auth.login(people["coordinator"])
    assert client.post(f"/benevolat/missions/{mission.id}/archiver").status_code == 303
    auth.logout()
    auth.login(people["habitant"])
    assert client.get(f"/benevolat/missions/{mission.id}").status_code == 404
    assert "Vide-grenier" not in text(client.get("/benevolat/"))


def test_mission_page_shows_the_linked_initiative(client, structure, people):
    initiative = make_initiative(structure, people["habitant"], people["staff"], title="Fête des voisins")
    mission = make_mission(structure, "Installer les tables", initiative_id=initiative.id)
    page = text(client.get(f"/benevolat/missions/{mission.id}"))
    assert "Fête des voisins" in page and f"/initiatives/{initiative.id}" in page


def test_user_text_is_escaped_everywhere(client, auth, structure, people):
    mission = make_mission(
        structure,
        '<script>alert("titre")</script>',
        coordinator=people["coordinator"],
        description="<img src=x onerror=alert(1)>\nligne 2",
    )
    shift = make_shift(mission, place="<b>Salle</b>")
    services.sign_up(shift, people["habitant"], by=people["habitant"])
    db.session.commit()
    auth.login(people["coordinator"])
    for path in (
        "/benevolat/",
        f"/benevolat/missions/{mission.id}",
        f"/benevolat/creneaux/{shift.id}",
        f"/benevolat/creneaux/{shift.id}/equipe",
        f"/benevolat/creneaux/{shift.id}/annuler",
    ):
        body = client.get(path).text
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>Salle" not in body, path
    assert "&lt;script&gt;" in client.get(f"/benevolat/missions/{mission.id}").text
