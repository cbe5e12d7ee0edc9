"""Comments on initiatives: write, reply (one level), edit for a short while, delete one's own,
report to the team; staff hide with a reason shown in place, or keep a reported comment.

Services flush; the route commits. Comments are plain text: autoescaped, line breaks kept by CSS.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.accounts.models import User
from app.audit import log_event
from app.extensions import db
from app.forms import BaseForm
from app.initiatives.models import Comment, CommentReport, Initiative
from app.initiatives.permissions import can_comment_initiative, can_moderate_initiative
from app.initiatives.services import InitiativeError, _insert, _staff_of, _url, leads_of
from app.ledger.models import Level
from app.ledger.services import record_participation
from app.notifications.services import notify, register_kind
from app.permissions import predicate
from app.timeutil import utcnow

register_kind("initiative.reply", _l("Réponses à mes commentaires"))

#: How long after writing it a person may still correct a comment.
EDIT_MINUTES = 15
MAX_LENGTH = 2000
REASON_LENGTH = 300
#: Conversations (a comment with its replies) shown on an initiative's page, the latest ones; the
#: older ones behind a link (`?commentaires=tous`), so that a much-discussed initiative stays light
#: on a phone.
THREADS_SHOWN = 20
ALL_ARG = ("commentaires", "tous")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CommentForm(BaseForm):
    """A new comment, or a reply when `parent_id` is set."""

    body = TextAreaField(
        _l("Votre commentaire"),
        id="comment-body",
        filters=[_strip],
        validators=[
            DataRequired(_l("Écrivez votre commentaire.")),
            Length(max=MAX_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )
    parent_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class EditCommentForm(BaseForm):
    """The corrected text of a comment."""

    body = CommentForm.body


class ReportForm(BaseForm):
    """Why a comment should be looked at by the team."""

    reason = TextAreaField(
        _l("Pourquoi signalez-vous ce commentaire ?"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Dites en quelques mots ce qui pose problème.")),
            Length(max=REASON_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )


class HideForm(BaseForm):
    """Staff hide a comment; the reason is shown in its place."""

    reason = TextAreaField(
        _l("Raison affichée à la place du commentaire"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez la raison du masquage.")),
            Length(max=REASON_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )
    #: "queue" when sent from the moderation page, to go back there.
    back = HiddenField()


class KeepForm(BaseForm):
    """Staff keep a reported comment (the reports are closed)."""

    back = HiddenField()


# --- permissions (predicates, also reachable from templates with `can()`) ----------------------


def _is_author(user, comment: Comment) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.id == comment.author_id


def _live(comment: Comment) -> bool:
    return comment.deleted_at is None and comment.hidden_at is None


def _edit_window_open(comment: Comment) -> bool:
    return utcnow() - comment.created_at <= timedelta(minutes=EDIT_MINUTES)


@predicate
def can_edit_comment(user, comment: Comment) -> bool:
    """Its author, within EDIT_MINUTES of writing it, while it is shown."""
    return _is_author(user, comment) and _live(comment) and _edit_window_open(comment)


@predicate
def can_delete_comment(user, comment: Comment) -> bool:
    """Its author, while it is shown."""
    return _is_author(user, comment) and _live(comment)


@predicate
def can_report_comment(user, comment: Comment) -> bool:
    """Any logged-in person but its author, while it is shown."""
    return bool(getattr(user, "is_authenticated", False)) and not _is_author(user, comment) and _live(comment)


@predicate
def can_hide_comment(user, comment: Comment, initiative: Initiative) -> bool:
    """Staff of the initiative's structure, while it is shown."""
    return comment.initiative_id == initiative.id and _live(comment) and can_moderate_initiative(user, initiative)


# --- services -----------------------------------------------------------------------------------


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise InitiativeError(_("Écrivez votre commentaire."))
    if len(text) > MAX_LENGTH:
        raise InitiativeError(_("Votre commentaire dépasse %(n)s caractères.", n=MAX_LENGTH))
    return text


def _anchor(initiative: Initiative, comment: Comment) -> str:
    """Link to a comment from elsewhere (a notification, the moderation queue): with every
    conversation shown, since the comment may be older than the latest ones by the time it is read."""
    return f"{_url(initiative)}?{ALL_ARG[0]}={ALL_ARG[1]}#comment-{comment.id}"


def comment_url(initiative: Initiative, comment: Comment) -> str:
    """Back to a comment after acting on it: the plain page when its conversation is among the
    latest `THREADS_SHOWN`, else the page with every conversation (one COUNT)."""
    thread = db.session.get(Comment, comment.parent_id) if comment.parent_id else comment
    newer = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(
            Comment.initiative_id == initiative.id,
            Comment.parent_id.is_(None),
            sa.or_(
                Comment.created_at > thread.created_at,
                sa.and_(Comment.created_at == thread.created_at, Comment.id > thread.id),
            ),
        )
    )
    if newer >= THREADS_SHOWN:
        return _anchor(initiative, comment)
    return f"{_url(initiative)}#comment-{comment.id}"


def initiative_of(comment: Comment) -> Initiative:
    """The initiative a comment belongs to (the model has no relationship for it)."""
    return db.session.get(Initiative, comment.initiative_id)


def add_comment(initiative: Initiative, author: User, body: str, *, by: User, parent: Comment | None = None) -> Comment:
    """Write a comment (or a reply: a reply to a reply joins the top-level comment).

    Counted in the ledger (L2); the leads hear of it, and for a reply the parent's author.
    :raise InitiativeError: empty or too long text, comments closed, parent not in this initiative.
    """
    if not can_comment_initiative(author, initiative):
        raise InitiativeError(_("Les commentaires sont fermés pour cette initiative."))
    text = _clean_body(body)
    if parent is not None:
        if parent.initiative_id != initiative.id:
            raise InitiativeError(_("Ce commentaire n'existe pas."))
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
        if not _live(parent):
            raise InitiativeError(_("On ne peut plus répondre à ce commentaire."))
    comment = Comment(
        initiative_id=initiative.id,
        author_id=author.id,
        parent_id=parent.id if parent is not None else None,
        body=text,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    record_participation(
        author,
        structure_id=initiative.structure_id,
        kind="initiative.comment",
        level=Level.L2_CONSULTATION,
        obj=initiative,
        recorded_by=by,
    )
    replied_to = parent.author if parent is not None and parent.author_id != author.id else None
    leads = [
        lead
        for lead in leads_of(initiative)
        if lead.id != author.id and (replied_to is None or lead.id != replied_to.id)
    ]
    notify(
        leads,
        "initiative.activity",
        lambda: _("%(name)s a commenté « %(title)s ».", name=author.display_name, title=initiative.title),
        url=_anchor(initiative, comment),
        structure_id=initiative.structure_id,
    )
    if replied_to is not None:
        notify(
            [replied_to],
            "initiative.reply",
            lambda: _(
                "%(name)s a répondu à votre commentaire sur « %(title)s ».",
                name=author.display_name,
                title=initiative.title,
            ),
            url=_anchor(initiative, comment),
            structure_id=initiative.structure_id,
        )
    return comment


def edit_comment(comment: Comment, body: str, *, by: User) -> Comment:
    """Its author corrects a comment, within EDIT_MINUTES of writing it."""
    if not _is_author(by, comment) or not _live(comment):
        raise InitiativeError(_("Vous ne pouvez pas modifier ce commentaire."))
    if not _edit_window_open(comment):
        raise InitiativeError(_("Le délai pour modifier ce commentaire est passé."))
    text = _clean_body(body)
    if text != comment.body:
        comment.body = text
        comment.edited_at = utcnow()
    db.session.flush()
    return comment


def _resolve_reports(comment: Comment, by: User | None) -> int:
    return db.session.execute(
        sa.update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=by.id if by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount


def delete_comment(comment: Comment, *, by: User) -> Comment:
    """Its author deletes a comment: the text goes (privacy), a mark stays in place for the replies.

    The ledger row stays: the person did take part when they wrote it.
    """
    if not _is_author(by, comment):
        raise InitiativeError(_("Seule la personne qui l'a écrit peut supprimer ce commentaire."))
    if comment.deleted_at is None:
        comment.deleted_at = utcnow()
        comment.body = ""
        _resolve_reports(comment, by)
    db.session.flush()
    return comment


def report_comment(comment: Comment, reporter: User, reason: str, *, by: User) -> bool:
    """Report a comment to the team, once per person. True if the report is new (staff are told)."""
    reason = (reason or "").strip()
    if not reason:
        raise InitiativeError(_("Dites en quelques mots ce qui pose problème."))
    if not can_report_comment(reporter, comment):
        raise InitiativeError(_("Vous ne pouvez pas signaler ce commentaire."))
    inserted = (
        db.session.execute(
            _insert(CommentReport)
            .values(comment_id=comment.id, reporter_id=reporter.id, reason=reason[:REASON_LENGTH], created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["comment_id", "reporter_id"])
            .returning(sa.literal(1))
        ).first()
        is not None
    )
    if not inserted:
        return False
    initiative = initiative_of(comment)
    notify(
        _staff_of(initiative.structure_id),
        "initiative.moderation",
        lambda: _("Un commentaire sur « %(title)s » a été signalé.", title=initiative.title),
        url="/initiatives/moderation",
        structure_id=initiative.structure_id,
    )
    db.session.flush()
    return True


def hide_comment(comment: Comment, reason: str, *, by: User) -> Comment:
    """Staff hide a comment; the reason shows in its place and its open reports are closed."""
    initiative = initiative_of(comment)
    if not can_moderate_initiative(by, initiative):
        raise InitiativeError(_("Seule l'équipe du centre peut masquer un commentaire."))
    reason = (reason or "").strip()
    if not reason:
        raise InitiativeError(_("Indiquez la raison du masquage."))
    if comment.hidden_at is None:
        comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = utcnow(), by.id, reason[:REASON_LENGTH]
    resolved = _resolve_reports(comment, by)
    log_event("comment_hidden", actor=by, structure_id=initiative.structure_id, target=comment, reports=resolved)
    db.session.flush()
    return comment


def dismiss_reports(comment: Comment, *, by: User) -> int:
    """Staff keep a reported comment: its open reports are closed. Returns how many."""
    initiative = initiative_of(comment)
    if not can_moderate_initiative(by, initiative):
        raise InitiativeError(_("Seule l'équipe du centre peut traiter les signalements."))
    resolved = _resolve_reports(comment, by)
    log_event(
        "comment_reports_dismissed", actor=by, structure_id=initiative.structure_id, target=comment, reports=resolved
    )
    db.session.flush()
    return resolved


# --- read side -----------------------------------------------------------------------------------


def comment_tree(initiative: Initiative) -> list[Comment]:
    """Top-level comments, oldest first, each with `.replies`: one query, the tree built here."""
    comments = db.session.scalars(
        sa.select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.initiative_id == initiative.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_id = {c.id: c for c in comments}
    top: list[Comment] = []
    for comment in comments:
        comment.replies = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id is not None else None
        while parent is not None and parent.parent_id is not None:  # older data: keep one level
            parent = by_id.get(parent.parent_id)
        if parent is None:
            top.append(comment)
        else:
            parent.replies.append(comment)
    return top


def asked_for_all() -> bool:
    """Every conversation asked for: `?commentaires=tous` on the page, or, for an htmx request, on
    the page it comes from."""
    name, value = ALL_ARG
    if request.args.get(name) == value:
        return True
    return f"{name}={value}" in (request.headers.get("HX-Current-URL") or "")


def comments_context(
    initiative: Initiative,
    user,
    *,
    form: CommentForm | None = None,
    show_all: bool = False,
    focus: Comment | None = None,
    **extra,
) -> dict:
    """What `initiatives/_comments.html` needs; the detail page passes it to its include.

    The latest `THREADS_SHOWN` conversations, or all of them with `show_all` or when `focus` (the
    comment just acted on) is in an older one. `form` carries a submitted form back (errors, text
    kept); `extra` may hold `failed` (an inline form of one comment with errors) and `notice` (a
    message after an htmx action).
    """
    comments = comment_tree(initiative)
    shown = sum(1 for c in comments for x in (c, *c.replies) if _live(x))
    older = max(len(comments) - THREADS_SHOWN, 0)
    if focus is not None and older:
        thread = focus.parent_id or focus.id
        show_all = show_all or thread in {c.id for c in comments[:older]}
    if show_all:
        older = 0
    may_comment = can_comment_initiative(user, initiative)
    return {
        "initiative": initiative,
        "comments": comments[older:],
        "older_threads": older,
        "comment_count": shown,
        "comment_form": (form or CommentForm(formdata=None)) if may_comment else None,
        "can_moderate_comments": can_moderate_initiative(user, initiative),
        "failed": None,
        "notice": None,
        **extra,
    }


def open_reports(comment_ids: list[int]) -> dict[int, list[CommentReport]]:
    """The open reports of these comments, oldest first, by comment id (one query)."""
    found: dict[int, list[CommentReport]] = {cid: [] for cid in comment_ids}
    if comment_ids:
        rows = db.session.scalars(
            sa.select(CommentReport)
            .where(CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None))
            .order_by(CommentReport.created_at, CommentReport.id)
        )
        for report in rows:
            found[report.comment_id].append(report)
    return found


def initiatives_by_id(ids: set[int]) -> dict[int, Initiative]:
    """Initiatives by id (one query)."""
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(sa.select(Initiative).where(Initiative.id.in_(ids)))}
