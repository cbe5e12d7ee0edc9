"""A much-discussed initiative shows its latest conversations, the older ones behind a link; links
to a comment (after acting on it, from a notification or the moderation queue) always reach it."""

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.initiatives import comments as service
from app.initiatives.models import Status
from app.notifications.models import Notification
from tests.helpers import hx
from tests.initiatives.factories import make_initiative

OLDER = 3


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(display_name="Awa"),
        "other": make_user(display_name="Lucien"),
        "staff": make_user(role=Role.STAFF, display_name="Julie"),
    }


@pytest.fixture
def discussed(structure, people):
    """An initiative with THREADS_SHOWN + 3 conversations, the first one with a reply."""
    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.OPEN)
    threads = [
        service.add_comment(initiative, people["other"], f"Message numéro {n}", by=people["other"])
        for n in range(service.THREADS_SHOWN + OLDER)
    ]
    service.add_comment(initiative, people["author"], "Réponse au tout premier", by=people["author"], parent=threads[0])
    db.session.commit()
    return initiative, threads


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_the_latest_conversations_and_a_link_to_the_older_ones(client, discussed):
    initiative, threads = discussed
    page = _page(client, f"/initiatives/{initiative.id}")
    shown = [t for t in threads if f'id="comment-{t.id}"' in page]
    assert shown == threads[OLDER:]
    assert f"Commentaires ({len(threads) + 1})" in page  # the count is of every comment
    assert "Voir les 3 conversations plus anciennes" in page
    assert f'href="/initiatives/{initiative.id}?commentaires=tous#initiative-{initiative.id}-comments"' in page

    everything = _page(client, f"/initiatives/{initiative.id}?commentaires=tous")
    assert all(f'id="comment-{t.id}"' in everything for t in threads)
    assert "Réponse au tout premier" in everything and "conversations plus anciennes" not in everything


def test_a_few_conversations_have_no_link(client, structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.OPEN)
    service.add_comment(initiative, people["other"], "Seul message", by=people["other"])
    db.session.commit()
    page = _page(client, f"/initiatives/{initiative.id}")
    assert "Seul message" in page and "conversation plus ancienne" not in page


def test_replying_in_an_older_conversation_comes_back_to_the_reply(client, auth, discussed, people):
    initiative, threads = discussed
    auth.login(people["other"])
    url = f"/initiatives/{initiative.id}/commentaires"
    response = client.post(url, data={"body": "Je reviens sur ce point", "parent_id": threads[1].id})
    reply = db.session.scalar(sa.select(service.Comment).order_by(service.Comment.id.desc()).limit(1))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}?commentaires=tous#comment-{reply.id}")
    assert f'id="comment-{reply.id}"' in _page(client, response.headers["Location"])

    # In a recent conversation: the plain page.
    response = client.post(url, data={"body": "Et ici aussi", "parent_id": threads[-1].id})
    latest = db.session.scalar(sa.select(service.Comment).order_by(service.Comment.id.desc()).limit(1))
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}#comment-{latest.id}")


def test_htmx_keeps_the_comment_acted_on_in_view(client, auth, discussed, people):
    initiative, threads = discussed
    region = f"initiative-{initiative.id}-comments"
    auth.login(people["other"])
    url = f"/initiatives/{initiative.id}/commentaires"
    response = client.post(url, data={"body": "Réponse tardive", "parent_id": threads[0].id}, headers=hx(region))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Réponse tardive" in page and f'id="comment-{threads[0].id}"' in page

    # A recent one, from the page with every conversation open: they stay open.
    headers = {**hx(region), "HX-Current-URL": f"http://localhost/initiatives/{initiative.id}?commentaires=tous"}
    response = client.post(url, data={"body": "Encore un mot", "parent_id": threads[-1].id}, headers=headers)
    page = response.get_data(as_text=True)
    assert all(f'id="comment-{t.id}"' in page for t in threads)

    # Invalid (empty reply) in an older conversation: 422 with that conversation and its error.
    response = client.post(url, data={"body": "", "parent_id": threads[2].id}, headers=hx(region))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="comment-{threads[2].id}-reply-error"' in page


def test_notifications_and_the_moderation_queue_link_to_every_conversation(client, auth, discussed, people):
    initiative, threads = discussed
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "initiative.reply"))
    assert note.url.endswith(f"/initiatives/{initiative.id}?commentaires=tous#comment-{note.url.split('-')[-1]}")
    service.report_comment(threads[0], people["author"], "Hors sujet", by=people["author"])
    db.session.commit()
    auth.login(people["staff"])
    queue = _page(client, "/initiatives/moderation")
    assert f"?commentaires=tous#comment-{threads[0].id}" in queue
