"""Read side of initiatives: the public list with filters and search, the moderation queue."""

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from app.database import like_pattern
from app.extensions import db
from app.initiatives.models import PRIVATE_STATUSES, Comment, CommentReport, Initiative, InitiativePhoto, Status
from app.initiatives.text import search_key

PER_PAGE = 12

SORTS = ("recent", "supports", "help")


def public_page(
    structure_id: int,
    *,
    q: str = "",
    status: str | None = None,
    theme_id: int | None = None,
    quartier_id: int | None = None,
    sort: str = "recent",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """Published, visible initiatives of a structure, filtered, searched and sorted; one query + count."""
    query = (
        sa.select(Initiative)
        .options(
            joinedload(Initiative.theme),
            joinedload(Initiative.quartier),
            selectinload(Initiative.photo).load_only(InitiativePhoto.id, InitiativePhoto.alt),
        )
        .where(
            Initiative.structure_id == structure_id,
            Initiative.status.not_in(PRIVATE_STATUSES),
            Initiative.hidden_at.is_(None),
        )
    )
    if status and status in {s.value for s in Status} and Status(status) not in PRIVATE_STATUSES:
        query = query.where(Initiative.status == Status(status))
    if theme_id:
        query = query.where(Initiative.theme_id == theme_id)
    if quartier_id:
        query = query.where(Initiative.quartier_id == quartier_id)
    words = search_key("".join(ch for ch in q if ord(ch) >= 32)).split()[:8]
    for word in words:
        query = query.where(Initiative.search_text.like(like_pattern(word), escape="\\"))
    if sort == "supports":
        query = query.order_by(Initiative.support_count.desc(), Initiative.published_at.desc(), Initiative.id.desc())
    elif sort == "help":
        query = query.where(Initiative.helpers_needed > 0).order_by(
            Initiative.helpers_needed.desc(), Initiative.published_at.desc(), Initiative.id.desc()
        )
    else:
        query = query.order_by(Initiative.published_at.desc(), Initiative.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def my_initiatives(structure_id: int, user_id: int) -> list[Initiative]:
    """The person's own initiatives in the structure, drafts included, newest first."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.structure_id == structure_id, Initiative.author_id == user_id)
            .order_by(Initiative.updated_at.desc())
            .limit(50)
        )
    )


def moderation_queue(structure_id: int) -> list[Initiative]:
    """Initiatives waiting for staff: submitted ones, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .options(joinedload(Initiative.author))
            .where(Initiative.structure_id == structure_id, Initiative.status == Status.SUBMITTED)
            .order_by(Initiative.submitted_at, Initiative.id)
        )
    )


def reported_comments(structure_id: int) -> list[Comment]:
    """Comments with an open report, in the structure, oldest report first."""
    open_reports = (
        sa.select(CommentReport.comment_id)
        .where(CommentReport.resolved_at.is_(None))
        .group_by(CommentReport.comment_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Comment)
            .join(open_reports, open_reports.c.comment_id == Comment.id)
            .join(Initiative, Initiative.id == Comment.initiative_id)
            .options(joinedload(Comment.author))
            .where(Initiative.structure_id == structure_id)
            .order_by(Comment.id)
        )
    )


def moderation_count_query(structure_id: int) -> sa.Select:
    """How many things wait for staff (menu badge), as one query: submitted initiatives + reported comments."""
    waiting = sa.select(sa.func.count()).where(
        Initiative.structure_id == structure_id, Initiative.status == Status.SUBMITTED
    )
    reported = (
        sa.select(sa.func.count(sa.distinct(CommentReport.comment_id)))
        .join(Comment, Comment.id == CommentReport.comment_id)
        .join(Initiative, Initiative.id == Comment.initiative_id)
        .where(Initiative.structure_id == structure_id, CommentReport.resolved_at.is_(None))
    )
    return sa.select(waiting.scalar_subquery() + reported.scalar_subquery())


def moderation_counts(structure_id: int) -> int:
    """How many things wait for staff (menu badge): submitted initiatives + reported comments."""
    return db.session.scalar(moderation_count_query(structure_id)) or 0
