"""Who may open the administration pages: a role matrix, asserted on predicates and over HTTP."""

import pytest

from app.centres.models import Role
from app.centres.permissions import can_manage_platform, can_manage_roles, can_manage_structure
from app.extensions import db
from app.factories import make_structure

ROLES = ["habitant", "coordinator", "staff", "admin", "platform_admin", "other_admin"]


@pytest.fixture
def person(structure, make_user):
    """Factory: a user in the given role (`other_admin` = admin of another structure)."""

    def make(role: str):
        if role == "platform_admin":
            return make_user(structure=None, is_platform_admin=True)
        if role == "other_admin":
            other = make_structure("Espace de vie sociale du Tonkin", structure_type="evs")
            db.session.commit()
            return make_user(structure=other, role=Role.ADMIN)
        return make_user(role=Role[role.upper()])

    return make


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("habitant", False),
        ("coordinator", False),
        ("staff", False),
        ("admin", True),
        ("platform_admin", True),
        ("other_admin", False),
    ],
)
def test_manage_structure_predicates(structure, person, role, expected):
    user = person(role)
    assert can_manage_structure(user, structure) is expected
    assert can_manage_roles(user, structure) is expected
    assert can_manage_platform(user) is (role == "platform_admin")


CENTRE_PAGES = ["/gestion/", "/gestion/quartiers", "/gestion/themes", "/gestion/personnes", "/gestion/journal"]
PLATFORM_PAGES = ["/plateforme/centres", "/plateforme/journal"]


@pytest.mark.parametrize("url", CENTRE_PAGES + PLATFORM_PAGES)
def test_anonymous_is_sent_to_login(client, structure, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("url", CENTRE_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("habitant", 403),
        ("coordinator", 403),
        ("staff", 403),
        ("admin", 200),
        ("platform_admin", 200),
        ("other_admin", 403),
    ],
)
def test_centre_pages_matrix(client, auth, structure, person, url, role, status):
    user = person(role)
    auth.login(user)
    # Look at the Tilleuls centre (an admin of another centre picks it in the footer picker).
    client.post("/centre", data={"structure_id": structure.id, "next": "/"})
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", PLATFORM_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("habitant", 403), ("staff", 403), ("admin", 403), ("platform_admin", 200)],
)
def test_platform_pages_matrix(client, auth, structure, person, url, role, status):
    auth.login(person(role))
    assert client.get(url).status_code == status


def test_admin_of_another_structure_gets_404_on_its_objects(client, auth, structure, person, make_user):
    other_admin = person("other_admin")
    member = make_user()
    quartier = structure.quartiers[0]
    theme = structure.themes[0]
    auth.login(other_admin)  # their own centre is the current one
    assert client.get("/gestion/").status_code == 200
    for url in [
        f"/gestion/quartiers/{quartier.id}/modifier",
        f"/gestion/themes/{theme.id}/modifier",
        f"/gestion/personnes/{member.id}",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/gestion/quartiers/{quartier.id}/desactiver",
        f"/gestion/themes/{theme.id}/desactiver",
        f"/gestion/personnes/{member.id}/bloquer",
    ]:
        assert client.post(url).status_code == 404, url
    db.session.expire_all()
    assert quartier.is_active and theme.is_active and not member.is_blocked


@pytest.mark.parametrize(
    "url",
    [
        "/gestion/quartiers/1/desactiver",
        "/gestion/themes/1/desactiver",
        "/gestion/personnes/1/bloquer",
        "/plateforme/centres/1/fermer",
    ],
)
def test_staff_cannot_post_admin_actions(client, auth, structure, make_user, url):
    auth.login(make_user(role=Role.STAFF))
    assert client.post(url).status_code == 403


def test_post_without_csrf_is_refused(client, auth, structure, make_user):
    auth.login(make_user(role=Role.ADMIN))
    quartier = structure.quartiers[0]
    response = client.post(f"/gestion/quartiers/{quartier.id}/desactiver", csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert quartier.is_active
