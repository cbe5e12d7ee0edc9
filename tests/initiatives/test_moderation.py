"""The staff moderation queue: who may open it, what it lists, inline actions, the menu badge."""

import pytest
import sqlalchemy as sa
from flask import url_for

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.initiatives import comments as service
from app.initiatives.models import CommentReport, Status
from tests.initiatives.factories import make_initiative

QUEUE = "/initiatives/moderation"


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(display_name="Awa"),
        "other": make_user(display_name="Lucien"),
        "staff": make_user(role=Role.STAFF, display_name="Julie"),
    }


def _reported_comment(structure, people, body="Tous des incapables", reason="Insultant"):
    initiative = make_initiative(structure, people["author"], people["staff"], title="Jardin partagé")
    comment = service.add_comment(initiative, people["other"], body, by=people["other"])
    service.report_comment(comment, people["author"], reason, by=people["author"])
    db.session.commit()
    return initiative, comment


def test_only_staff_open_the_queue(client, auth, people):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    auth.login(people["other"])
    assert client.get(QUEUE).status_code == 403
    page = client.get("/").get_data(as_text=True)
    assert QUEUE not in page


def test_empty_queue(client, auth, people):
    auth.login(people["staff"])
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Initiatives à relire (0)" in page and "Aucune initiative à relire." in page
    assert "Commentaires signalés (0)" in page and "Aucun commentaire signalé." in page


def test_queue_lists_waiting_initiatives_and_reported_comments(app, client, auth, structure, people):
    waiting = make_initiative(structure, people["author"], status=Status.SUBMITTED, title="Repair café")
    initiative, comment = _reported_comment(structure, people)
    auth.login(people["staff"])
    response = client.get(QUEUE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Initiatives à relire (1)" in page and "Repair café" in page and "Awa" in page
    with app.test_request_context():
        actions = [url_for(f"initiatives.{verb}", initiative_id=waiting.id) for verb in ("publish", "request_changes")]
        actions.append(url_for("initiatives.reject", initiative_id=waiting.id))
    assert all(f'action="{action}"' in page for action in actions)
    assert 'name="changes-message"' in page and 'value="duplicate"' in page
    assert "Commentaires signalés (1)" in page
    assert "Tous des incapables" in page and "Insultant" in page and "Jardin partagé" in page
    assert f'action="/initiatives/commentaires/{comment.id}/masquer"' in page
    assert f'action="/initiatives/commentaires/{comment.id}/garder"' in page


def test_menu_badge_counts_what_waits_for_staff(client, auth, structure, people):
    make_initiative(structure, people["author"], status=Status.SUBMITTED)
    _reported_comment(structure, people)
    auth.login(people["staff"])
    page = client.get("/").get_data(as_text=True)
    assert f'href="{QUEUE}"' in page
    assert '<span class="badge">2<span class="visually-hidden"> éléments à traiter</span>' in page


def test_hiding_from_the_queue_goes_back_to_it(client, auth, structure, people):
    initiative, comment = _reported_comment(structure, people)
    auth.login(people["staff"])
    response = client.post(
        f"/initiatives/commentaires/{comment.id}/masquer", data={"reason": "Propos blessants", "back": "queue"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(QUEUE)
    assert "Commentaires signalés (0)" in client.get(QUEUE).get_data(as_text=True)
    assert db.session.scalar(sa.select(CommentReport.resolved_at)) is not None


def test_keeping_a_comment_closes_its_reports(client, auth, structure, people):
    initiative, comment = _reported_comment(structure, people)
    auth.login(people["staff"])
    response = client.post(f"/initiatives/commentaires/{comment.id}/garder", data={"back": "queue"})
    assert response.status_code == 303 and response.headers["Location"].endswith(QUEUE)
    db.session.expire_all()
    assert db.session.get(type(comment), comment.id).hidden_at is None
    assert "Commentaires signalés (0)" in client.get(QUEUE).get_data(as_text=True)


def test_staff_of_another_centre_see_nothing_of_ours(client, auth, structure, people, make_user):
    make_initiative(structure, people["author"], status=Status.SUBMITTED, title="Repair café")
    initiative, comment = _reported_comment(structure, people)
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    auth.login(make_user(elsewhere, role=Role.STAFF))
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Repair café" not in page and "Tous des incapables" not in page
    assert client.post(f"/initiatives/commentaires/{comment.id}/masquer", data={"reason": "x"}).status_code == 404
    assert client.post(f"/initiatives/commentaires/{comment.id}/garder").status_code == 404


def test_queue_forms_post_what_the_actions_read(client, auth, make_user, structure):
    """The inline forms of the queue really ask for changes and really refuse (field names match)."""
    import re

    from app.initiatives.models import Initiative, Status
    from tests.initiatives.factories import make_initiative

    staff = make_user(role=Role.STAFF)
    first = make_initiative(structure, make_user(), staff, status=Status.SUBMITTED, title="Boîte à livres")
    second = make_initiative(structure, make_user(), staff, status=Status.SUBMITTED, title="Vide-grenier")
    auth.login(staff)
    page = client.get("/initiatives/moderation").text
    names = set(re.findall(r'name="([a-z-]+)"', page))
    assert {"changes-message", "reject-reason", "reject-message"} <= names
    r = client.post(f"/initiatives/{first.id}/demander-complements", data={"changes-message": "Quel jour ?"})
    assert r.status_code == 303
    r = client.post(
        f"/initiatives/{second.id}/refuser-publication",
        data={"reject-reason": "duplicate", "reject-message": "Déjà proposée en mai."},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, first.id).status == Status.CHANGES_REQUESTED
    assert db.session.get(Initiative, second.id).status == Status.REJECTED
