"""Notifications page, badge, mark read, preferences and the unsubscribe link from the e-mail."""

import html
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification, NotificationPreference
from tests.helpers import hx


@pytest.fixture
def awa(make_user):
    return make_user(email="awa@exemple.test", display_name="Awa")


@pytest.fixture
def logged(client, auth, awa):
    auth.login(awa)
    return client


def note_for(user, message="Bonjour", url=None, kind="centre.news") -> Notification:
    [note] = services.notify([user], kind, message, url=url)
    db.session.commit()
    return note


def pref(user, kind):
    return db.session.scalar(
        sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )


def badge(response) -> str | None:
    match = re.search(r'<span class="badge">(\d+)', response.text)
    return match.group(1) if match else None


def test_index_lists_my_notifications_newest_first(logged, awa, make_user):
    note_for(awa, "Premier message")
    note_for(awa, "Second message")
    note_for(make_user(), "Pas pour Awa")
    r = logged.get("/notifications/")
    assert r.status_code == 200
    assert r.text.index("Second message") < r.text.index("Premier message")
    assert "Pas pour Awa" not in r.text


def test_index_fragment_for_htmx(logged, awa):
    note_for(awa, "Un message")
    r = logged.get("/notifications/", headers=hx("notification-list"))
    assert "<html" not in r.text
    assert r.text.lstrip().startswith('<section id="notification-list"')
    assert "Un message" in r.text


def test_badge_counts_unread_notifications(logged, awa):
    assert badge(logged.get("/")) is None
    note_for(awa)
    note_for(awa)
    assert badge(logged.get("/")) == "2"
    assert logged.post("/notifications/tout-lu").status_code == 303
    assert badge(logged.get("/")) is None


def test_opening_a_notification_marks_it_read_and_follows_its_path(logged, awa):
    note = note_for(awa, url="/compte/profil")
    r = logged.post(f"/notifications/{note.id}/ouvrir")
    assert r.status_code == 303
    assert r.headers["Location"] == "/compte/profil"
    db.session.refresh(note)
    assert note.read_at is not None


@pytest.mark.parametrize(
    "url", ["//evil.example", "https://evil.example/x", "javascript:alert(1)", "/\\evil.example", None]
)
def test_opening_never_leaves_the_site(logged, awa, url):
    note = note_for(awa, url=url)
    r = logged.post(f"/notifications/{note.id}/ouvrir")
    assert r.status_code == 303
    location = r.headers["Location"]
    # `/\evil.example` comes back percent-encoded (`/%5Cevil.example`): a path of our own site.
    assert location == "/notifications/" or location.startswith("/%5C")


def test_opening_needs_post(logged, awa):
    note = note_for(awa, url="/compte/profil")
    assert logged.get(f"/notifications/{note.id}/ouvrir").status_code == 405
    db.session.refresh(note)
    assert note.read_at is None


def test_another_persons_notification_is_404(logged, make_user):
    note = note_for(make_user(), url="/compte/profil")
    assert logged.post(f"/notifications/{note.id}/ouvrir").status_code == 404
    assert logged.post("/notifications/999999/ouvrir").status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def test_mark_all_read_only_touches_mine(logged, awa, make_user):
    other = make_user()
    note_for(awa)
    note_for(awa)
    theirs = note_for(other)
    r = logged.post("/notifications/tout-lu", follow_redirects=True)
    assert "Toutes vos notifications sont marquées comme lues." in r.text
    assert services.unread_count(awa) == 0
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_with_htmx_redirects_by_hx_location(logged, awa):
    note_for(awa)
    r = logged.post("/notifications/tout-lu", headers=hx("notification-list"))
    assert r.status_code == 200
    assert "/notifications/" in r.headers["HX-Location"]


def test_notifications_need_login(client, structure):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/reglages").status_code == 302
    assert client.post("/notifications/tout-lu").status_code == 302


def settings_data(**overrides) -> dict:
    """Every kind on, both channels; overrides as {"centre.news": (in_app, email)}."""
    data = {}
    for index, kind in enumerate(services.KINDS):
        in_app, email = overrides.get(kind, (True, True))
        if in_app:
            data[f"k{index}-in_app"] = "y"
        if email:
            data[f"k{index}-email"] = "y"
    return data


def test_settings_page_shows_every_kind(logged):
    r = logged.get("/notifications/reglages")
    assert r.status_code == 200
    for label in services.KINDS.values():
        assert html.escape(str(label), quote=False) in r.text or str(label) in html.unescape(r.text)
    # Defaults: every box ticked.
    assert r.text.count("checked") == 2 * len(services.KINDS)


def test_settings_save_preferences(logged, awa):
    r = logged.post("/notifications/reglages", data=settings_data(**{"centre.news": (True, False)}))
    assert r.status_code == 303
    assert r.headers["Location"] == "/notifications/reglages"
    news = pref(awa, "centre.news")
    assert (news.in_app, news.email) == (True, False)
    security = pref(awa, "account.security")
    assert (security.in_app, security.email) == (True, True)
    page = logged.get("/notifications/reglages")
    assert "Vos choix de notifications sont enregistrés." in page.text
    assert page.text.count("checked") == 2 * len(services.KINDS) - 1

    logged.post("/notifications/reglages", data=settings_data(**{"account.security": (False, False)}))
    security = pref(awa, "account.security")
    assert (security.in_app, security.email) == (False, False)
    news = pref(awa, "centre.news")
    assert (news.in_app, news.email) == (True, True)


def test_settings_without_email_explain_it(client, auth, make_user):
    auth.login(make_user(email=None))
    assert "Vous n'avez pas d'adresse e-mail" in html.unescape(client.get("/notifications/reglages").text)


def unsubscribe_path(mail, address) -> str:
    message = mail.last_to(address)
    header = message["List-Unsubscribe"]
    match = re.fullmatch(r"<http://localhost(/notifications/desabonnement/[^>]+)>", header)
    assert match, header
    assert match.group(1) == mail.link_in_last(address, "/notifications/desabonnement/")
    return match.group(1)


def test_unsubscribe_link_confirms_on_get_and_acts_on_post(app, awa, mail):
    note_for(awa, "Nouvelle du centre", kind="centre.news")
    path = unsubscribe_path(mail, "awa@exemple.test")

    browser = app.test_client()  # from the mail client: not logged in
    r = browser.get(path)
    assert r.status_code == 200
    assert "Ne plus recevoir ces e-mails ?" in r.text
    assert pref(awa, "centre.news") is None  # GET changes nothing

    r = browser.post(path)
    assert r.status_code == 200
    assert "C'est fait" in html.unescape(r.text)
    news = pref(awa, "centre.news")
    assert (news.in_app, news.email) == (True, False)
    assert pref(awa, "account.security") is None

    mail.clear()
    services.notify([awa], "centre.news", "Encore une nouvelle")
    services.notify([awa], "account.security", "Sécurité")
    db.session.commit()
    assert [m["Subject"] for m in mail.to("awa@exemple.test")] == ["Sécurité"]


def test_unsubscribe_keeps_in_app_choice(app, awa, mail):
    services.set_preference(awa, "centre.news", in_app=False, email=True)
    db.session.commit()
    services.notify([awa], "centre.news", "x")
    db.session.commit()
    path = unsubscribe_path(mail, "awa@exemple.test")
    app.test_client().post(path)
    news = pref(awa, "centre.news")
    assert (news.in_app, news.email) == (False, False)


def test_unsubscribe_post_needs_csrf(app, awa, mail):
    note_for(awa)
    path = unsubscribe_path(mail, "awa@exemple.test")
    assert app.test_client().post(path, csrf=False).status_code == 400
    assert pref(awa, "centre.news") is None


def test_tampered_or_forged_unsubscribe_token_is_404(app, awa, mail):
    from itsdangerous import URLSafeSerializer

    note_for(awa)
    path = unsubscribe_path(mail, "awa@exemple.test")
    token = path.rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    forged = URLSafeSerializer("not-our-key", salt="notifications-unsubscribe").dumps({"u": awa.id, "k": "centre.news"})
    other_user = URLSafeSerializer("test-secret-key", salt="autre-usage").dumps({"u": awa.id, "k": "centre.news"})
    browser = app.test_client()
    for bad in [
        payload + "." + signature[::-1],
        payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature,
        forged,
        other_user,
        "nimporte-quoi",
    ]:
        assert browser.get(f"/notifications/desabonnement/{bad}").status_code == 404, bad
        assert browser.post(f"/notifications/desabonnement/{bad}").status_code == 404, bad
    assert pref(awa, "centre.news") is None


def test_unsubscribe_for_a_deleted_account_is_404(app, awa, mail):
    from app.timeutil import utcnow

    note_for(awa)
    path = unsubscribe_path(mail, "awa@exemple.test")
    awa.anonymised_at = utcnow()
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
