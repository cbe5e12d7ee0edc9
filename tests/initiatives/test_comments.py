"""Comments on initiatives: services (rules, ledger, notifications) and routes (PRG, 422, htmx, 404/403)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template

from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.initiatives import comments as service
from app.initiatives.models import Comment, CommentReport, Status
from app.initiatives.services import InitiativeError
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from tests.helpers import count_queries, hx
from tests.initiatives.factories import make_initiative


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(display_name="Awa"),
        "other": make_user(display_name="Lucien"),
        "third": make_user(display_name="Mina"),
        "staff": make_user(role=Role.STAFF, display_name="Julie"),
    }


@pytest.fixture
def initiative(structure, people):
    return make_initiative(structure, people["author"], people["staff"], status=Status.OPEN)


def _notes(user, kind=None):
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def _comment(initiative, author, body="Bonne idée !", parent=None):
    comment = service.add_comment(initiative, author, body, by=author, parent=parent)
    db.session.commit()
    return comment


# --- services ------------------------------------------------------------------------------------


def test_comment_is_counted_and_the_leads_hear_of_it(initiative, people):
    comment = _comment(initiative, people["other"], "  Je peux prêter des tables.\nEt des chaises.  ")
    assert comment.body == "Je peux prêter des tables.\nEt des chaises."
    [entry] = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == "initiative.comment"))
    assert entry.person_id == people["other"].id and entry.level == Level.L2_CONSULTATION
    assert entry.object_id == initiative.id
    [note] = _notes(people["author"], "initiative.activity")
    assert "Lucien" in note.message and note.url.endswith(f"#comment-{comment.id}")


def test_the_author_commenting_is_not_told_about_it(initiative, people):
    _comment(initiative, people["author"])
    assert _notes(people["author"], "initiative.activity") == []


def test_replies_go_one_level_deep_and_tell_the_parent_author(initiative, people):
    top = _comment(initiative, people["other"])
    reply = _comment(initiative, people["third"], "Moi aussi", parent=top)
    deeper = _comment(initiative, people["author"], "Merci à vous deux", parent=reply)
    assert reply.parent_id == top.id and deeper.parent_id == top.id
    assert len(_notes(people["other"], "initiative.reply")) == 2
    [tree] = service.comment_tree(initiative)
    assert tree.id == top.id and [r.id for r in tree.replies] == [reply.id, deeper.id]


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (service.MAX_LENGTH + 1)])
def test_empty_or_too_long_comments_are_refused(initiative, people, body):
    with pytest.raises(InitiativeError):
        service.add_comment(initiative, people["other"], body, by=people["other"])


def test_no_comment_before_publication(structure, people):
    waiting = make_initiative(structure, people["author"], status=Status.SUBMITTED)
    with pytest.raises(InitiativeError):
        service.add_comment(waiting, people["author"], "Bonjour", by=people["author"])


def test_edit_only_by_the_author_within_the_window(initiative, people):
    comment = _comment(initiative, people["other"])
    service.edit_comment(comment, "Très bonne idée !", by=people["other"])
    assert comment.body == "Très bonne idée !" and comment.edited_at is not None
    with pytest.raises(InitiativeError):
        service.edit_comment(comment, "Pirate", by=people["third"])
    comment.created_at -= timedelta(minutes=service.EDIT_MINUTES + 1)
    with pytest.raises(InitiativeError, match="Le délai pour modifier ce commentaire est passé."):
        service.edit_comment(comment, "Trop tard", by=people["other"])
    assert not service.can_edit_comment(people["other"], comment)


def test_delete_is_soft_and_forgets_the_text(app, initiative, people):
    top = _comment(initiative, people["other"], "Mon numéro : 06 12 34 56 78")
    reply = _comment(initiative, people["third"], parent=top)
    with pytest.raises(InitiativeError):
        service.delete_comment(top, by=people["third"])
    service.delete_comment(top, by=people["other"])
    db.session.commit()
    assert top.deleted_at is not None and top.body == ""
    [tree] = service.comment_tree(initiative)
    assert [r.id for r in tree.replies] == [reply.id]
    with app.test_request_context():
        assert service.comments_context(initiative, people["other"])["comment_count"] == 1


def test_one_report_per_person_and_staff_are_told(initiative, people):
    comment = _comment(initiative, people["other"])
    assert service.report_comment(comment, people["third"], "Propos blessants", by=people["third"]) is True
    assert service.report_comment(comment, people["third"], "Encore", by=people["third"]) is False
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentReport)) == 1
    assert len([n for n in _notes(people["staff"], "initiative.moderation") if "signalé" in n.message]) == 1
    with pytest.raises(InitiativeError):
        service.report_comment(comment, people["other"], "Le mien", by=people["other"])


def test_hiding_needs_staff_and_a_reason_and_closes_the_reports(initiative, people):
    comment = _comment(initiative, people["other"])
    service.report_comment(comment, people["third"], "Hors sujet", by=people["third"])
    service.report_comment(comment, people["author"], "Agressif", by=people["author"])
    with pytest.raises(InitiativeError):
        service.hide_comment(comment, "Non", by=people["third"])
    with pytest.raises(InitiativeError):
        service.hide_comment(comment, "  ", by=people["staff"])
    service.hide_comment(comment, "Propos contraires à la charte", by=people["staff"])
    db.session.commit()
    assert comment.hidden_at is not None and comment.hidden_by_id == people["staff"].id
    reports = list(db.session.scalars(sa.select(CommentReport)))
    assert all(r.resolved_at is not None and r.resolved_by_id == people["staff"].id for r in reports)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "comment_hidden")) is not None


def test_dismissing_keeps_the_comment_and_closes_the_reports(initiative, people):
    comment = _comment(initiative, people["other"])
    service.report_comment(comment, people["third"], "Bof", by=people["third"])
    with pytest.raises(InitiativeError):
        service.dismiss_reports(comment, by=people["author"])
    assert service.dismiss_reports(comment, by=people["staff"]) == 1
    db.session.commit()
    assert comment.hidden_at is None
    assert db.session.scalar(sa.select(CommentReport.resolved_at)) is not None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "comment_reports_dismissed"))


def test_the_comments_region_costs_the_same_queries_at_any_size(app, initiative, people):
    def render_count():
        with app.test_request_context(), count_queries() as q:
            context = service.comments_context(initiative, people["staff"])
            html = render_template("initiatives/_comments.html", **context)
        return q.count, html

    for _ in range(2):
        top = _comment(initiative, people["other"])
        _comment(initiative, people["third"], parent=top)
    small, _html = render_count()
    for _ in range(10):
        top = _comment(initiative, people["third"])
        _comment(initiative, people["other"], parent=top)
    large, html = render_count()
    assert large == small <= 4
    assert html.count('class="comment"') == 24


# --- routes --------------------------------------------------------------------------------------


def _region(initiative) -> str:
    return f"initiative-{initiative.id}-comments"


def test_adding_a_comment_redirects_to_it(client, auth, initiative, people):
    auth.login(people["other"])
    response = client.post(f"/initiatives/{initiative.id}/commentaires", data={"body": "Super <b>idée</b>"})
    comment = db.session.scalar(sa.select(Comment))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}#comment-{comment.id}")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Super &lt;b&gt;idée&lt;/b&gt;" in page and f'id="comment-{comment.id}"' in page


def test_an_empty_comment_is_a_422_with_the_message_by_the_field(client, auth, initiative, people):
    auth.login(people["other"])
    response = client.post(f"/initiatives/{initiative.id}/commentaires", data={"body": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Écrivez votre commentaire." in page and 'id="comment-body-error"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_htmx_gets_the_comments_region_back(client, auth, initiative, people):
    auth.login(people["other"])
    url = f"/initiatives/{initiative.id}/commentaires"
    response = client.post(url, data={"body": "Avec htmx"}, headers=hx(_region(initiative)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<section id="{_region(initiative)}"') and "<html" not in page
    assert "Avec htmx" in page and 'aria-live="polite"' in page and "Commentaires (1)" in page

    top = db.session.scalar(sa.select(Comment))
    response = client.post(url, data={"body": "", "parent_id": top.id}, headers=hx(_region(initiative)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="comment-{top.id}-reply-error"' in page and "<details open>" in page


def test_replying_without_js(client, auth, initiative, people):
    top = _comment(initiative, people["other"])
    auth.login(people["third"])
    response = client.post(f"/initiatives/{initiative.id}/commentaires", data={"body": "Oui !", "parent_id": top.id})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Comment).where(Comment.parent_id == top.id)).body == "Oui !"


def test_anonymous_people_are_sent_to_log_in(client, initiative):
    response = client.post(f"/initiatives/{initiative.id}/commentaires", data={"body": "Bonjour"})
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Connectez-vous pour commenter" in page and "Pas encore de commentaire." in page


def test_hidden_initiatives_and_other_centres_are_404(client, auth, structure, people, make_user):
    waiting = make_initiative(structure, people["author"], status=Status.SUBMITTED)
    elsewhere = make_structure("Centre social Voltaire")
    db.session.commit()
    outsider = make_user(elsewhere, display_name="Sam")
    foreign = make_initiative(elsewhere, outsider, make_user(elsewhere, role=Role.STAFF))
    foreign_comment = _comment(foreign, outsider)
    auth.login(people["other"])
    assert client.post(f"/initiatives/{waiting.id}/commentaires", data={"body": "Hop"}).status_code == 404
    assert client.post(f"/initiatives/{foreign.id}/commentaires", data={"body": "Hop"}).status_code == 404
    assert client.get(f"/initiatives/commentaires/{foreign_comment.id}/signaler").status_code == 404
    assert client.post(f"/initiatives/commentaires/{foreign_comment.id}/supprimer").status_code == 404


def test_edit_page_then_save(client, auth, initiative, people):
    comment = _comment(initiative, people["other"])
    auth.login(people["other"])
    url = f"/initiatives/commentaires/{comment.id}/modifier"
    assert "Bonne idée !" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"body": ""}).status_code == 422
    response = client.post(url, data={"body": "Très bonne idée"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Très bonne idée" in page and "modifié" in page


def test_editing_late_or_someone_else_is_forbidden(client, auth, initiative, people):
    comment = _comment(initiative, people["other"])
    auth.login(people["third"])
    assert client.get(f"/initiatives/commentaires/{comment.id}/modifier").status_code == 403
    auth.logout()
    comment.created_at -= timedelta(minutes=service.EDIT_MINUTES + 1)
    db.session.commit()
    auth.login(people["other"])
    late = client.post(f"/initiatives/commentaires/{comment.id}/modifier", data={"body": "Trop tard"})
    assert late.status_code == 422 and "Le délai pour modifier ce commentaire est passé." in late.text
    assert db.session.get(Comment, comment.id).body == "Bonne idée !"
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert f"/initiatives/commentaires/{comment.id}/modifier" not in page


def test_delete_confirms_without_js_then_deletes(client, auth, initiative, people):
    comment = _comment(initiative, people["other"], "À effacer")
    auth.login(people["other"])
    url = f"/initiatives/commentaires/{comment.id}/supprimer"
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'method="post"' in confirm.get_data(as_text=True)
    assert client.post(url).status_code == 303
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Commentaire supprimé par son auteur·rice." in page and "À effacer" not in page


def test_delete_with_htmx_uses_the_header_token(client, auth, initiative, people):
    comment = _comment(initiative, people["other"])
    auth.login(people["other"])
    headers = {**hx(_region(initiative)), "X-CSRFToken": client.csrf_token()}
    response = client.post(f"/initiatives/commentaires/{comment.id}/supprimer", csrf=False, headers=headers)
    assert response.status_code == 200 and "Commentaire supprimé" in response.get_data(as_text=True)


def test_report_needs_a_reason(client, auth, initiative, people):
    comment = _comment(initiative, people["other"])
    auth.login(people["third"])
    url = f"/initiatives/commentaires/{comment.id}/signaler"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"reason": ""})
    assert response.status_code == 422 and "Dites en quelques mots" in response.get_data(as_text=True)
    assert client.post(url, data={"reason": "Insultant"}).status_code == 303
    assert db.session.scalar(sa.select(CommentReport.reason)) == "Insultant"


def test_habitants_cannot_hide_and_hidden_text_stays_hidden(client, auth, initiative, people):
    comment = _comment(initiative, people["other"], "Texte injurieux")
    url = f"/initiatives/commentaires/{comment.id}/masquer"
    auth.login(people["third"])
    assert client.post(url, data={"reason": "Non"}).status_code == 403
    assert client.post(f"/initiatives/commentaires/{comment.id}/garder").status_code == 403
    auth.logout()
    auth.login(people["staff"])
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert client.post(url, data={"reason": "Propos injurieux"}).status_code == 303
    auth.logout()
    auth.login(people["third"])
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Commentaire masqué par l'équipe : Propos injurieux" in page
    assert "Texte injurieux" not in page
