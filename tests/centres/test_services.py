"""Rules of centre administration, without HTTP."""

import json

import pytest
import sqlalchemy as sa

from app.accounts.models import UserSession
from app.audit import AuditEvent
from app.centres import services
from app.centres.models import Quartier, Role, Structure, Theme
from app.extensions import db
from app.factories import make_structure


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_last_admin_cannot_demote_themself(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    membership = admin.membership_in(structure.id)
    with pytest.raises(services.CentreError) as caught:
        services.change_member_role(membership, by=admin, role=Role.STAFF, job_title="")
    assert caught.value.field == "role"
    assert membership.role == Role.ADMIN
    assert _events("role_changed") == []


def test_admin_can_step_down_when_another_admin_remains(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    make_user(role=Role.ADMIN)
    services.change_member_role(admin.membership_in(structure.id), by=admin, role=Role.STAFF, job_title="Animatrice")
    assert admin.role_in(structure.id) == Role.STAFF
    assert admin.membership_in(structure.id).job_title == "Animatrice"


def test_blocked_admins_do_not_count_as_remaining_admins(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    make_user(role=Role.ADMIN, is_blocked=True)
    with pytest.raises(services.CentreError):
        services.change_member_role(admin.membership_in(structure.id), by=admin, role=Role.HABITANT, job_title=None)


def test_admins_of_other_structures_do_not_count(structure, make_user):
    other = make_structure("Autre centre")
    admin = make_user(role=Role.ADMIN)
    make_user(structure=other, role=Role.ADMIN)
    with pytest.raises(services.CentreError):
        services.change_member_role(admin.membership_in(structure.id), by=admin, role=Role.STAFF, job_title=None)


def test_role_change_is_audited_with_old_and_new(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    person = make_user()
    services.change_member_role(person.membership_in(structure.id), by=admin, role=Role.STAFF, job_title="Accueil")
    (event,) = _events("role_changed")
    assert (event.actor_id, event.structure_id, event.target_type, event.target_id) == (
        admin.id,
        structure.id,
        "user",
        person.id,
    )
    details = json.loads(event.details)
    assert (details["old"], details["new"]) == ("habitant", "staff")


def test_job_title_alone_writes_no_role_event(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    person = make_user(role=Role.STAFF)
    services.change_member_role(person.membership_in(structure.id), by=admin, role=Role.STAFF, job_title="Accueil")
    assert _events("role_changed") == []


def test_block_ends_sessions_and_is_audited(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    person = make_user()
    services.set_member_blocked(person.membership_in(structure.id), True, by=admin)
    assert person.is_blocked
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == person.id)) == 0
    assert len(_events("account_blocked")) == 1
    services.set_member_blocked(person.membership_in(structure.id), False, by=admin)
    assert not person.is_blocked
    assert len(_events("account_unblocked")) == 1


@pytest.mark.parametrize("who", ["self", "platform_admin"])
def test_cannot_block_self_or_a_platform_admin(structure, make_user, who):
    admin = make_user(role=Role.ADMIN)
    make_user(role=Role.ADMIN)  # so the last-admin rule is not what refuses
    target = admin if who == "self" else make_user(is_platform_admin=True)
    with pytest.raises(services.CentreError):
        services.set_member_blocked(target.membership_in(structure.id), True, by=admin)
    assert not target.is_blocked


def test_platform_admin_cannot_block_the_last_admin(structure, make_user):
    platform = make_user(structure=None, is_platform_admin=True)
    admin = make_user(role=Role.ADMIN)
    with pytest.raises(services.CentreError):
        services.set_member_blocked(admin.membership_in(structure.id), True, by=platform)


def test_quartier_names_are_unique_per_structure_case_insensitive(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    with pytest.raises(services.CentreError) as caught:
        services.add_quartier(structure, by=admin, name="  les buers ")
    assert caught.value.field == "name"
    other = make_structure("Autre centre", quartiers=())
    quartier = services.add_quartier(other, by=admin, name="Les Buers")
    assert quartier.structure_id == other.id


def test_renaming_a_quartier_onto_another_name_is_refused(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    buers, gratte_ciel = sorted(structure.quartiers, key=lambda q: q.name)[::-1]
    with pytest.raises(services.CentreError):
        services.update_quartier(gratte_ciel, by=admin, name=buers.name)
    services.update_quartier(gratte_ciel, by=admin, name="Gratte-Ciel Nord")
    assert gratte_ciel.name == "Gratte-Ciel Nord"


def test_quartier_qpv_code_is_dropped_outside_qpv(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    quartier = services.add_quartier(
        structure, by=admin, name="Saint-Jean", is_qpv=True, qpv_code="qn06902m", qpv_list_version="2024"
    )
    assert (quartier.qpv_code, quartier.qpv_list_version) == ("QN06902M", "2024")
    services.update_quartier(quartier, by=admin, name="Saint-Jean", is_qpv=False, qpv_code="QN06902M")
    assert (quartier.is_qpv, quartier.qpv_code, quartier.qpv_list_version) == (False, None, None)


def test_deactivation_keeps_the_row(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    person = make_user()
    quartier = person.membership_in(structure.id).quartier
    services.set_quartier_active(quartier, False, by=admin)
    theme = structure.themes[0]
    services.set_theme_active(theme, False, by=admin)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Quartier, quartier.id).is_active is False
    assert db.session.get(Theme, theme.id).is_active is False
    assert person.membership_in(structure.id).quartier_id == quartier.id
    services.set_quartier_active(quartier, True, by=admin)
    assert quartier.is_active


def test_theme_names_are_unique(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    with pytest.raises(services.CentreError):
        services.add_theme(structure, by=admin, name="JEUNESSE")
    theme = services.add_theme(structure, by=admin, name="Famille")
    with pytest.raises(services.CentreError):
        services.rename_theme(theme, by=admin, name="Cadre de vie")


def test_structure_name_stays_unique(structure, make_user):
    admin = make_user(role=Role.ADMIN)
    other = make_structure("Espace Jean Macé")
    data = {
        "structure_type": "evs",
        "city": "Lyon",
        "welcome": "",
        "contact_email": None,
        "contact_phone": None,
    }
    with pytest.raises(services.CentreError) as caught:
        services.update_structure(other, by=admin, name="centre social les tilleuls", **data)
    assert caught.value.field == "name"
    services.update_structure(other, by=admin, name="Espace Jean Macé", **data)
    assert other.city == "Lyon"
    assert len(_events("structure_updated")) == 1


def test_create_structure_with_first_admin(structure, make_user):
    platform = make_user(structure=None, is_platform_admin=True)
    future_admin = make_user(structure=None, email="directrice@exemple.test")
    created = services.create_structure(
        by=platform,
        name="Centre social Croix-Luizet",
        structure_type="cs",
        city="Villeurbanne",
        admin_email="Directrice@Exemple.test",
    )
    db.session.expire_all()
    assert future_admin.role_in(created.id) == Role.ADMIN
    assert {e.action for e in db.session.scalars(sa.select(AuditEvent))} >= {"structure_created", "role_changed"}


def test_create_structure_with_unknown_email_is_refused(structure, make_user):
    platform = make_user(structure=None, is_platform_admin=True)
    with pytest.raises(services.CentreError) as caught:
        services.create_structure(
            by=platform, name="Nouveau centre", structure_type="cs", city="", admin_email="personne@nulle.part"
        )
    assert caught.value.field == "admin_email"
    assert db.session.scalar(sa.select(Structure).where(Structure.name == "Nouveau centre")) is None


def test_close_and_reopen_structure(structure, make_user):
    platform = make_user(structure=None, is_platform_admin=True)
    services.set_structure_active(structure, False, by=platform)
    assert not structure.is_active
    services.set_structure_active(structure, True, by=platform)
    assert structure.is_active
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))] == [
        "structure_closed",
        "structure_reopened",
    ]


def test_direction_cannot_block_a_person_of_another_centre_too(structure, make_user):
    """A block holds everywhere, so only a platform admin may block a person shared by two centres."""
    import pytest

    from app.centres import services
    from app.centres.models import Membership, Role
    from app.extensions import db
    from app.factories import make_structure

    other = make_structure("Espace de vie sociale Le Préau")
    admin = make_user(role=Role.ADMIN)
    person = make_user()
    person.memberships.append(Membership(structure_id=other.id, role=Role.HABITANT))
    db.session.commit()
    membership = person.membership_in(structure.id)
    with pytest.raises(services.CentreError, match="autre centre"):
        services.set_member_blocked(membership, True, by=admin)
    platform = make_user(is_platform_admin=True)
    services.set_member_blocked(membership, True, by=platform)
    assert person.is_blocked is True
