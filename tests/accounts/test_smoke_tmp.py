from app.centres.models import Role


def test_home_anonymous(client, structure):
    r = client.get("/")
    assert r.status_code == 200
    assert "Centre social Les Tilleuls" in r.text


def test_login_and_home(client, auth, make_user):
    user = make_user(role=Role.STAFF)
    r = auth.login(user)
    assert r.status_code == 303, r.text
    r = client.get("/")
    assert user.display_name in r.text
    for url in [
        "/compte/profil",
        "/notifications/",
        "/notifications/reglages",
        "/accueil/personnes",
        "/accueil/nouveau-compte",
        "/compte/mes-donnees",
        "/compte/supprimer",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text)
