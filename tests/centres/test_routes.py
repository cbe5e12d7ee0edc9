"""The administration pages over HTTP: PRG, 422 re-renders, the htmx people search, audit lines."""

import json

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent, log_event
from app.centres.models import Quartier, Role, Structure, Theme
from app.extensions import db
from app.factories import make_structure
from tests.helpers import count_queries, hx


@pytest.fixture
def admin(structure, make_user, auth):
    """The logged-in direction of the Tilleuls centre."""
    user = make_user(role=Role.ADMIN, display_name="Nadia Directrice")
    auth.login(user)
    return user


@pytest.fixture
def platform_admin(structure, make_user, auth):
    """A logged-in platform administrator (member of no structure)."""
    user = make_user(structure=None, is_platform_admin=True, display_name="Paul Plateforme")
    auth.login(user)
    return user


def _settings(**overrides) -> dict:
    data = {
        "name": "Centre social Les Tilleuls",
        "structure_type": "cs",
        "city": "Villeurbanne",
        "welcome": "Bienvenue à toutes et à tous.",
        "contact_email": "accueil@tilleuls.test",
        "contact_phone": "04 78 12 34 56",
    }
    return data | overrides


# --- settings -----------------------------------------------------------------------------------


def test_settings_page_shows_current_values(client, admin, structure):
    response = client.get("/gestion/")
    assert response.status_code == 200
    assert 'value="Centre social Les Tilleuls"' in response.text
    assert 'aria-current="page"' in response.text


def test_settings_saved_with_prg(client, admin, structure):
    response = client.post("/gestion/", data=_settings(city="Lyon 3e", structure_type="evs"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/gestion/")
    page = client.get(response.headers["Location"])
    assert "Les réglages du centre sont enregistrés." in page.text
    db.session.expire_all()
    saved = db.session.get(Structure, structure.id)
    assert (saved.city, saved.structure_type.value, saved.contact_phone) == ("Lyon 3e", "evs", "04 78 12 34 56")
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "structure_updated"))


def test_settings_invalid_input_is_422_with_values_kept(client, admin, structure):
    response = client.post("/gestion/", data=_settings(name="", contact_email="pas-une-adresse", city="Lyon 7e"))
    assert response.status_code == 422
    assert "Indiquez un nom." in response.text
    assert "n&#39;est pas valide" in response.text or "n'est pas valide" in response.text
    assert 'value="Lyon 7e"' in response.text
    assert 'value="pas-une-adresse"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_settings_duplicate_name_is_a_form_error(client, admin, structure):
    make_structure("Espace Jean Macé")
    db.session.commit()
    response = client.post("/gestion/", data=_settings(name="Espace Jean Macé", city="Lyon 7e"))
    assert response.status_code == 422
    assert "Une autre structure porte déjà ce nom." in response.text
    assert 'value="Espace Jean Macé"' in response.text
    # The page header still shows the saved name: the refused change was rolled back.
    assert "<span>Centre social Les Tilleuls</span>" in response.text
    db.session.expire_all()
    assert db.session.get(Structure, structure.id).city == "Villeurbanne"


# --- quartiers and themes -----------------------------------------------------------------------


def test_add_quartier(client, admin, structure):
    data = {"name": "Saint-Jean", "is_qpv": "y", "qpv_code": "qn06902m", "qpv_list_version": "2024"}
    response = client.post("/gestion/quartiers", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Le quartier « Saint-Jean » est ajouté." in page.text
    quartier = db.session.scalar(sa.select(Quartier).where(Quartier.name == "Saint-Jean"))
    assert (quartier.structure_id, quartier.is_qpv, quartier.qpv_code) == (structure.id, True, "QN06902M")


def test_duplicate_quartier_is_422_not_500(client, admin, structure):
    response = client.post("/gestion/quartiers", data={"name": "Les Buers", "qpv_list_version": ""})
    assert response.status_code == 422
    assert "Un quartier porte déjà ce nom dans votre structure." in response.text
    assert 'value="Les Buers"' in response.text


def test_qpv_code_without_qpv_is_422(client, admin, structure):
    response = client.post("/gestion/quartiers", data={"name": "Cusset", "qpv_code": "QN06902M"})
    assert response.status_code == 422
    assert "Cochez « QPV »" in response.text
    assert 'value="Cusset"' in response.text


def test_edit_quartier(client, admin, structure):
    quartier = structure.quartiers[0]
    assert client.get(f"/gestion/quartiers/{quartier.id}/modifier").status_code == 200
    response = client.post(f"/gestion/quartiers/{quartier.id}/modifier", data={"name": "Buers Nord", "is_qpv": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Quartier, quartier.id).name == "Buers Nord"


def test_deactivate_and_reactivate_quartier(client, admin, structure):
    quartier = structure.quartiers[0]
    response = client.post(f"/gestion/quartiers/{quartier.id}/desactiver")
    assert response.status_code == 303
    assert "est désactivé" in client.get("/gestion/quartiers").text
    db.session.expire_all()
    assert db.session.get(Quartier, quartier.id).is_active is False
    client.post(f"/gestion/quartiers/{quartier.id}/reactiver")
    db.session.expire_all()
    assert db.session.get(Quartier, quartier.id).is_active is True


def test_themes_add_rename_deactivate(client, admin, structure):
    response = client.post("/gestion/themes", data={"name": "Famille"})
    assert response.status_code == 303
    theme = db.session.scalar(sa.select(Theme).where(Theme.name == "Famille"))
    assert client.post("/gestion/themes", data={"name": "famille"}).status_code == 422
    response = client.post(f"/gestion/themes/{theme.id}/modifier", data={"name": "Familles"})
    assert response.status_code == 303
    assert "Le thème « Familles » est enregistré." in client.get("/gestion/themes").text
    client.post(f"/gestion/themes/{theme.id}/desactiver")
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).is_active is False


def test_rename_theme_to_existing_name_is_422(client, admin, structure):
    theme = structure.themes[0]
    other = structure.themes[1]
    response = client.post(f"/gestion/themes/{theme.id}/modifier", data={"name": other.name})
    assert response.status_code == 422
    assert f'value="{other.name}"' in response.text


# --- people and roles ---------------------------------------------------------------------------


def test_people_list_is_paginated_and_searchable(client, admin, structure, make_user):
    for n in range(22):
        make_user(display_name=f"Habitante {n:02d}")
    make_user(display_name="Zoé Martin")
    first = client.get("/gestion/personnes")
    assert first.status_code == 200
    assert first.text.count('<tr id="people-') == 20
    assert "Page 1 sur 2" in first.text
    second = client.get("/gestion/personnes?page=2")
    assert second.text.count('<tr id="people-') == 4  # 24 members: 22 + Zoé + the admin
    found = client.get("/gestion/personnes?q=zo%C3%A9")
    assert "Zoé Martin" in found.text
    assert "Habitante 00" not in found.text


def test_people_search_with_htmx_returns_the_fragment(client, admin, structure, make_user):
    make_user(display_name="Zoé Martin")
    response = client.get("/gestion/personnes?q=zo", headers=hx("people-list"))
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="people-list"')
    assert "Zoé Martin" in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("headers", [{}, hx("people-list", boosted=True), hx("people-list", history_restore=True)])
def test_people_full_page_otherwise(client, admin, structure, headers):
    response = client.get("/gestion/personnes", headers=headers)
    assert "<html" in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_people_list_query_count_does_not_grow(client, admin, structure, make_user):
    client.get("/gestion/personnes")
    with count_queries() as few:
        client.get("/gestion/personnes")
    for n in range(15):
        make_user(display_name=f"Personne {n}", role=Role.STAFF)
    with count_queries() as many:
        client.get("/gestion/personnes")
    assert many.count == few.count
    assert many.count <= 12


def test_change_role_with_prg_and_audit(client, admin, structure, make_user):
    person = make_user(display_name="Karim")
    response = client.post(f"/gestion/personnes/{person.id}", data={"role": "3", "job_title": "Accueil"})
    assert response.status_code == 303
    assert "Le rôle de Karim est enregistré." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    membership = person.membership_in(structure.id)
    assert (membership.role, membership.job_title) == (Role.STAFF, "Accueil")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "role_changed"))
    assert (event.actor_id, event.target_id, event.structure_id) == (admin.id, person.id, structure.id)
    assert json.loads(event.details)["new"] == "staff"


def test_last_admin_cannot_demote_themself_over_http(client, admin, structure):
    response = client.post(f"/gestion/personnes/{admin.id}", data={"role": "1", "job_title": "Directrice"})
    assert response.status_code == 422
    assert "au moins une personne à la direction" in response.text
    assert 'value="Directrice"' in response.text
    db.session.expire_all()
    assert admin.role_in(structure.id) == Role.ADMIN


def test_invalid_role_is_422(client, admin, structure, make_user):
    person = make_user()
    assert client.post(f"/gestion/personnes/{person.id}", data={"role": "9"}).status_code == 422


def test_member_of_another_structure_is_404(client, admin, structure, make_user):
    stranger = make_user(structure=make_structure("Autre centre"))
    assert client.get(f"/gestion/personnes/{stranger.id}").status_code == 404
    assert client.post(f"/gestion/personnes/{stranger.id}", data={"role": "4"}).status_code == 404
    assert client.get("/gestion/personnes/999999").status_code == 404


def test_block_and_unblock(client, admin, structure, make_user):
    person = make_user(display_name="Karim")
    response = client.post(f"/gestion/personnes/{person.id}/bloquer")
    assert response.status_code == 303
    assert "Le compte de Karim est bloqué." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert person.is_blocked
    client.post(f"/gestion/personnes/{person.id}/debloquer")
    db.session.expire_all()
    assert not person.is_blocked
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == person.id)))
    assert "account_blocked" in actions and "account_unblocked" in actions


def test_admin_cannot_block_themself(client, admin, structure):
    response = client.post(f"/gestion/personnes/{admin.id}/bloquer")
    assert response.status_code == 303
    assert "Vous ne pouvez pas bloquer votre propre compte." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert not admin.is_blocked


# --- journal ------------------------------------------------------------------------------------


def test_journal_shows_this_structures_events_in_words(client, admin, structure, make_user):
    person = make_user(display_name="Karim")
    client.post(f"/gestion/personnes/{person.id}", data={"role": "3"})
    other = make_structure("Autre centre")
    log_event("structure_updated", structure_id=other.id, target=other)
    db.session.commit()
    assert client.get("/gestion/journal").status_code == 200
    response = client.get("/gestion/journal", headers=hx("journal-list"))
    assert "Rôle modifié" in response.text
    assert "De « Habitant·e » à « Équipe (salarié·e) »" in response.text
    assert "Nadia Directrice" in response.text and "Karim" in response.text
    assert "Autre centre" not in response.text
    assert "Connexion" not in response.text  # logins belong to no structure: platform journal only


def test_platform_journal_shows_everything(client, platform_admin, structure):
    other = make_structure("Autre centre")
    log_event("structure_updated", structure_id=other.id, target=other)
    db.session.commit()
    response = client.get("/plateforme/journal")
    assert response.status_code == 200
    assert "Autre centre" in response.text
    assert "Connexion" in response.text
    fragment = client.get("/plateforme/journal", headers=hx("journal-list"))
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="journal-list"')


# --- platform -----------------------------------------------------------------------------------


def test_platform_creates_structure_with_first_admin(client, platform_admin, structure, make_user):
    future = make_user(structure=None, email="directrice@exemple.test")
    data = {"name": "Centre social Croix-Luizet", "structure_type": "cs", "city": "Villeurbanne"}
    response = client.post("/plateforme/centres", data=data | {"admin_email": "directrice@exemple.test"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "La structure « Centre social Croix-Luizet » est créée." in page.text
    created = db.session.scalar(sa.select(Structure).where(Structure.name == "Centre social Croix-Luizet"))
    db.session.expire_all()
    assert future.role_in(created.id) == Role.ADMIN


def test_platform_unknown_admin_email_is_422(client, platform_admin, structure):
    data = {"name": "Nouveau centre", "structure_type": "evs", "city": "Vaulx", "admin_email": "x@nulle.part"}
    response = client.post("/plateforme/centres", data=data)
    assert response.status_code == 422
    assert "Aucun compte n&#39;utilise cette adresse" in response.text or "Aucun compte n'utilise" in response.text
    assert 'value="Nouveau centre"' in response.text
    assert db.session.scalar(sa.select(Structure).where(Structure.name == "Nouveau centre")) is None


def test_platform_duplicate_structure_name_is_422(client, platform_admin, structure):
    data = {"name": "Centre social Les Tilleuls", "structure_type": "cs", "city": ""}
    response = client.post("/plateforme/centres", data=data)
    assert response.status_code == 422
    assert "Une autre structure porte déjà ce nom." in response.text


def test_platform_close_and_reopen(client, platform_admin, structure):
    response = client.post(f"/plateforme/centres/{structure.id}/fermer")
    assert response.status_code == 303
    assert "est fermée" in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert db.session.get(Structure, structure.id).is_active is False
    client.post(f"/plateforme/centres/{structure.id}/rouvrir")
    db.session.expire_all()
    assert db.session.get(Structure, structure.id).is_active is True
    assert client.post("/plateforme/centres/999999/fermer").status_code == 404


def test_subnav_is_accessible(client, admin, structure):
    page = client.get("/gestion/quartiers").text
    assert '<nav class="admin-nav" aria-label="Administration">' in page
    assert 'href="/gestion/quartiers" aria-current="page"' in page
    assert "/plateforme/centres" not in page  # platform links only for platform admins


def test_admin_sets_the_initiative_rules(client, auth, make_user, structure):
    """The support threshold and pre-moderation are centre settings."""
    from app.centres.models import Role, Structure
    from app.extensions import db

    auth.login(make_user(role=Role.ADMIN))
    page = client.get("/gestion/")
    assert 'name="support_threshold"' in page.text and 'name="premoderation"' in page.text
    data = {"name": structure.name, "structure_type": "cs", "city": "Lyon", "support_threshold": "25"}
    r = client.post("/gestion/", data=data)
    assert r.status_code == 303
    saved = db.session.get(Structure, structure.id)
    assert saved.support_threshold == 25 and saved.premoderation is False  # unchecked box
    r = client.post("/gestion/", data={**data, "support_threshold": "0", "premoderation": "y"})
    assert r.status_code == 422
