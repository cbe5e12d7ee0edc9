"""Home page, language switch, centre picker, health check, static assets."""

import re

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure


def test_visitor_home_explains_and_leads_to_registration(client, structure):
    r = client.get("/")
    assert r.status_code == 200
    assert "Centre social Les Tilleuls" in r.text
    assert 'href="/compte/inscription"' in r.text
    assert 'lang="fr"' in r.text


def test_home_with_no_structure_says_so(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Aucun centre n'est encore ouvert" in r.text


def test_logged_in_home_greets_and_shows_blocks(client, auth, make_user, structure):
    from app.notifications.services import notify

    habitant = make_user(display_name="Awa")
    notify([habitant], "centre.news", "La fête de quartier a lieu samedi.", structure_id=structure.id)
    db.session.commit()
    auth.login(habitant)
    r = client.get("/")
    assert "Bonjour Awa" in r.text
    assert "La fête de quartier a lieu samedi." in r.text  # notifications block
    assert "Accueil du public" not in r.text  # the desk block is for staff


def test_staff_home_shows_the_desk_block(client, auth, make_user):
    auth.login(make_user(role=Role.STAFF))
    r = client.get("/")
    assert "Créer un compte pour une personne" in r.text


def test_language_switch_is_a_post_and_stays_on_our_site(client, structure):
    r = client.post("/langue", data={"lang": "en", "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert 'lang="en"' in client.get("/").text
    r = client.post("/langue", data={"lang": "fr", "next": "/compte/connexion"})
    assert r.headers["Location"] == "/compte/connexion"
    assert 'lang="fr"' in client.get("/").text


def test_language_switch_is_saved_on_the_account(client, auth, make_user):
    user = make_user()
    auth.login(user)
    client.post("/langue", data={"lang": "en"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_browser_language_is_used_for_visitors(client, structure):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "de-DE"}).text


def test_one_centre_install_has_no_picker(client, structure):
    assert 'name="structure_id"' not in client.get("/").text


def test_picker_appears_with_two_centres_and_switches(client, structure):
    other = make_structure("Espace de vie sociale Le Préau")
    db.session.commit()
    page = client.get("/").text
    assert 'name="structure_id"' in page
    r = client.post("/centre", data={"structure_id": other.id, "next": "/"})
    assert r.status_code == 303
    assert "Espace de vie sociale Le Préau" in client.get("/").text.split("</title>")[0]


def test_picker_refuses_closed_or_unknown_centres(client, structure):
    closed = make_structure("Centre fermé", is_active=False)
    db.session.commit()
    assert client.post("/centre", data={"structure_id": closed.id}).status_code == 404
    assert client.post("/centre", data={"structure_id": "abc"}).status_code == 404


def test_health(client):
    r = client.get("/sante")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_static_assets_are_versioned_and_immutable(client, structure):
    page = client.get("/").text
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert css, "the stylesheet URL carries a content hash"
    with client.get(css.group(1)) as r:
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/css/app.css") as r:
        assert "immutable" not in r.headers.get("Cache-Control", "")


def test_pages_are_never_cached_by_shared_caches(client, structure):
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_legal_pages(client, structure):
    assert "Déclaration d'accessibilité" in client.get("/accessibilite").text
    assert "Vos données personnelles" in client.get("/donnees-personnelles").text


def test_french_plurals_follow_the_french_rule(app):
    """0 and 1 take the singular in French ("0 saisie à valider"), the plural from 2 on; English keeps its rule."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context():
        with force_locale("fr"):
            said = [ngettext("%(num)d saisie à valider", "%(num)d saisies à valider", n) for n in (0, 1, 2)]
        assert said == ["0 saisie à valider", "1 saisie à valider", "2 saisies à valider"]
        with force_locale("en"):
            assert ngettext("%(num)d saisie à valider", "%(num)d saisies à valider", 0).endswith("entries to approve")
