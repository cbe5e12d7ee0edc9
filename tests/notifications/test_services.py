"""notify(): in-app rows, e-mails to confirmed addresses only, per-recipient locale, preferences, after commit."""

import pytest
import sqlalchemy as sa
from flask_babel import get_locale

from app.extensions import db
from app.mail import OutboxEmail
from app.notifications import services
from app.notifications.models import Notification


def notes_of(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)))


def test_notify_creates_rows_and_mails_only_confirmed_addresses(make_user, mail, structure):
    confirmed = make_user(email="confirmee@exemple.test", display_name="Awa")
    unconfirmed = make_user(email="pas-confirmee@exemple.test", confirmed=False)
    no_email = make_user(email=None)
    created = services.notify(
        [confirmed, unconfirmed, no_email],
        "centre.news",
        "La fête de quartier a lieu samedi.",
        url="/",
        structure_id=structure.id,
    )
    db.session.commit()

    assert len(created) == 3
    for user in (confirmed, unconfirmed, no_email):
        [note] = notes_of(user)
        assert note.message == "La fête de quartier a lieu samedi."
        assert note.kind == "centre.news"
        assert note.url == "/"
        assert note.structure_id == structure.id
        assert note.read_at is None
    assert [m["To"] for m in mail.messages] == ["confirmee@exemple.test"]
    message = mail.last_to("confirmee@exemple.test")
    assert message["Subject"] == "La fête de quartier a lieu samedi."
    body = mail.body(message)
    assert "Bonjour Awa," in body
    assert "La fête de quartier a lieu samedi." in body
    assert "\nhttp://localhost/\r\n" in body
    assert message["Auto-Submitted"] == "auto-generated"


def test_notify_skips_blocked_and_deleted_accounts(make_user, mail):
    from app.timeutil import utcnow

    blocked = make_user(is_blocked=True, email="bloque@exemple.test")
    gone = make_user(anonymised_at=utcnow(), email="parti@exemple.test")
    assert services.notify([blocked, gone], "centre.news", "Bonjour") == []
    db.session.commit()
    assert notes_of(blocked) == notes_of(gone) == []
    assert mail.messages == []


def test_message_is_rendered_in_each_recipients_locale(app, make_user, mail):
    french = make_user(locale="fr", email="fr@exemple.test")
    english = make_user(locale="en", email="en@exemple.test")
    with app.test_request_context():
        services.notify([french, english], "centre.news", lambda: f"locale={get_locale()}")
        db.session.commit()
    assert notes_of(french)[0].message == "locale=fr"
    assert notes_of(english)[0].message == "locale=en"
    assert mail.last_to("fr@exemple.test")["Subject"] == "locale=fr"
    assert mail.last_to("en@exemple.test")["Subject"] == "locale=en"


def test_french_recipients_get_french_text(app, make_user, mail):
    from flask_babel import gettext as _

    user = make_user(locale="fr", email="fr@exemple.test")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.notify(
            [user],
            "account.security",
            lambda: _("Le mot de passe de votre compte a été changé. Si ce n'est pas vous, contactez le centre."),
        )
        db.session.commit()
    assert notes_of(user)[0].message.startswith("Le mot de passe de votre compte a été changé.")
    body = mail.body(mail.last_to("fr@exemple.test"))
    assert body.startswith("Bonjour ")
    assert "Pour ne plus recevoir ce type d'e-mail" in body


def test_subject_can_differ_from_the_message(make_user, mail):
    user = make_user(email="awa@exemple.test")
    services.notify([user], "centre.news", "Un long message", subject=lambda: "Court")
    db.session.commit()
    assert mail.last_to("awa@exemple.test")["Subject"] == "Court"


def test_preferences_are_respected_per_kind(make_user, mail):
    user = make_user(email="awa@exemple.test")
    services.set_preference(user, "centre.news", in_app=False, email=True)
    services.set_preference(user, "account.security", in_app=True, email=False)
    db.session.commit()

    services.notify([user], "centre.news", "Nouvelle")
    services.notify([user], "account.security", "Sécurité")
    db.session.commit()

    assert [n.kind for n in notes_of(user)] == ["account.security"]
    assert [m["Subject"] for m in mail.to("awa@exemple.test")] == ["Nouvelle"]


def test_preferences_default_to_both_channels(make_user):
    user = make_user()
    prefs = services.preferences_for(user)
    assert set(prefs) == set(services.KINDS)
    assert all(p.in_app and p.email for p in prefs.values())


def test_set_preference_updates_one_row(make_user):
    from app.notifications.models import NotificationPreference

    user = make_user()
    services.set_preference(user, "centre.news", in_app=True, email=False)
    services.set_preference(user, "centre.news", in_app=False, email=True)
    db.session.commit()
    rows = list(db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)))
    assert [(r.kind, r.in_app, r.email) for r in rows] == [("centre.news", False, True)]


def test_unknown_kind_is_refused(make_user):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify([make_user()], "nimporte.quoi", "x")


def test_email_leaves_only_after_commit(make_user, mail):
    user = make_user(email="awa@exemple.test")
    services.notify([user], "centre.news", "Annulé")
    assert mail.messages == []
    db.session.rollback()
    assert mail.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0
    assert notes_of(user) == []

    # A later commit does not send what was rolled back.
    services.notify([user], "centre.news", "Confirmé")
    assert mail.messages == []
    db.session.commit()
    assert [m["Subject"] for m in mail.to("awa@exemple.test")] == ["Confirmé"]
    sent = db.session.scalar(sa.select(OutboxEmail))
    assert sent.sent_at is not None
    assert sent.attempts == 1


def test_rolled_back_request_sends_nothing(app, make_user, mail):
    """A request that fails after notify() rolls back: no mail, no row."""
    user = make_user(email="awa@exemple.test")
    with app.test_request_context():
        services.notify([user], "centre.news", "Jamais envoyé")
        db.session.rollback()
    db.session.commit()
    assert mail.messages == []
    assert notes_of(user) == []


def test_unsubscribe_tokens_round_trip_and_refuse_tampering(make_user):
    token = services.unsubscribe_token(42, "centre.news")
    assert services.read_unsubscribe_token(token) == (42, "centre.news")
    assert services.read_unsubscribe_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert services.read_unsubscribe_token("garbage") is None
    assert services.read_unsubscribe_token(services.unsubscribe_token(42, "inconnu")) is None


def test_unread_count_and_mark_all_read(make_user):
    user, other = make_user(), make_user()
    services.notify([user, user, other], "centre.news", "x")
    db.session.commit()
    assert services.unread_count(user) == 2
    services.mark_read(notes_of(user)[0])
    assert services.unread_count(user) == 1
    assert services.mark_all_read(user) == 1
    db.session.commit()
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1


def test_english_recipients_get_english_text(app, make_user, mail):
    """The English catalogue is compiled by `make install` (flask translate compile)."""
    from flask_babel import gettext as _

    french = make_user(locale="fr", email="fr@exemple.test", display_name="Awa")
    english = make_user(locale="en", email="en@exemple.test", display_name="John")
    with app.test_request_context():
        services.notify(
            [french, english],
            "account.security",
            lambda: _("Le mot de passe de votre compte a été changé. Si ce n'est pas vous, contactez le centre."),
        )
        db.session.commit()
    assert (
        notes_of(english)[0].message
        == "Your account password has been changed. If this was not you, contact the centre."
    )
    assert notes_of(french)[0].message.startswith("Le mot de passe de votre compte a été changé.")
    english_body = mail.body(mail.last_to("en@exemple.test"))
    assert english_body.startswith("Hello John,")
    assert "Your account password has been changed." in english_body
    assert mail.body(mail.last_to("fr@exemple.test")).startswith("Bonjour Awa,")


def test_email_leaves_at_the_real_commit_not_when_a_savepoint_ends(mail):
    """A savepoint released or rolled back inside the transaction neither sends the e-mails queued
    before it nor forgets them: they leave once, at the real commit."""
    from app.mail import queue_email

    queue_email("avant@exemple.test", "Convocation", "Réunion jeudi.")
    with db.session.begin_nested():
        pass  # released savepoint
    assert mail.messages == []
    try:
        with db.session.begin_nested():
            raise ValueError("refused inside the savepoint")
    except ValueError:
        pass
    assert mail.messages == []
    db.session.commit()
    assert [m["To"] for m in mail.messages] == ["avant@exemple.test"]
