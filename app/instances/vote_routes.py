"""Motions and votes (in meeting or online), results, advisory opinions and their responses.

Every action is a real POST form that works without JavaScript (303 + flash, back to the page it
came from); the vote block of a motion (`motion-<id>-vote`), aimed at by htmx, comes back alone.
Members-only instances answer 404 to others on every route; motions in preparation too.
An online vote past its deadline is closed when a page of it is opened (and by
`flask instances close-votes` from cron).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.accounts.on_behalf import acting_person
from app.centres.current import current_structure
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.instances import opinions as opinion_service
from app.instances import permissions as perms
from app.instances import queries
from app.instances import votes as vote_service
from app.instances.models import (
    Instance,
    Meeting,
    Motion,
    MotionStatus,
    Nature,
    Opinion,
    Outcome,
    ResponseKind,
    VotingMode,
)
from app.instances.opinions import OpinionError
from app.instances.sections import register_section
from app.instances.vote_forms import (
    ForwardOpinionForm,
    HandCountForm,
    MotionForm,
    OpinionForm,
    ResponseForm,
    VoteForm,
    ballot_prefix,
)
from app.instances.votes import VoteError
from app.pagination import Page
from app.permissions import require
from app.timeutil import utcnow

bp = Blueprint("votes", __name__, url_prefix="/instances")

CLOSED_PER_PAGE = 20
#: Ongoing motions: open ones first, the next to close first; then the latest results.
OPEN_ORDER = (Motion.status.desc(), Motion.closes_at, Motion.id)
RESULTS_ORDER = (Motion.closed_at.desc(), Motion.id.desc())


# --- loading -----------------------------------------------------------------------------------


def _structure_id() -> int:
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure.id


def _load_instance(instance_id: int) -> Instance:
    """The current structure's instance, if the person may see it; else 404."""
    instance = db.session.get(Instance, instance_id)
    if instance is None or instance.structure_id != _structure_id():
        abort(404)
    if not perms.can_view_instance(current_user, instance):
        abort(404)
    return instance


def _load_motion(motion_id: int) -> Motion:
    """The motion, if the person may see it (drafts: those who run the meetings); else 404."""
    motion = db.session.scalar(
        sa.select(Motion)
        .options(joinedload(Motion.instance), joinedload(Motion.rules), joinedload(Motion.meeting))
        .where(Motion.id == motion_id)
    )
    if motion is None or motion.instance.structure_id != _structure_id():
        abort(404)
    if not perms.can_view_motion(current_user, motion):
        abort(404)
    return motion


def _load_opinion(opinion_id: int) -> Opinion:
    opinion = db.session.scalar(
        sa.select(Opinion)
        .options(joinedload(Opinion.from_instance), joinedload(Opinion.to_instance))
        .where(Opinion.id == opinion_id)
    )
    if opinion is None or opinion.from_instance.structure_id != _structure_id():
        abort(404)
    if not perms.can_view_opinion(current_user, opinion):
        abort(404)
    return opinion


def _settle(*, instance_id: int | None = None, motion_id: int | None = None) -> None:
    """Open or close the online votes whose time has come, before showing them.

    A GET normally only reads; here the clock changed the state. The read transaction ends, and
    the settling runs in its own write transaction (BEGIN IMMEDIATE on SQLite), atomic and idempotent.
    """
    to_open, to_close = vote_service.due_motion_ids(instance_id=instance_id, motion_id=motion_id)
    if not (to_open or to_close):
        return
    db.session.commit()
    g.sqlite_write_lock = True
    try:
        vote_service.settle_due_motions(instance_id=instance_id, motion_id=motion_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        g.sqlite_write_lock = False


def _safe_next(target: str | None, fallback: str) -> str:
    """Only our own paths (`//evil.example` and `https://…` fall back)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return fallback


def _detail_url(motion: Motion, anchor: str = "") -> str:
    return url_for("votes.detail", motion_id=motion.id) + (f"#{anchor}" if anchor else "")


def _roles(user, instance: Instance) -> tuple[bool, bool]:
    """(insider, manage) for `user`, from one seat query per instance and request: insider = member
    or staff (sees who voted what); manage = runs the meetings (`can_run_meetings`)."""
    cache = g.setdefault("vote_roles", {})
    key = (getattr(user, "id", None), instance.id)
    if key not in cache:
        staff = perms.is_staff(user, instance)
        seat = None if staff else perms.active_seat(user, instance)
        cache[key] = (staff or seat is not None, staff or (seat is not None and seat.office in perms.BUREAU_OFFICES))
    return cache[key]


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- the vote block ----------------------------------------------------------------------------


def _vote_target(motion: Motion) -> dict[str, str]:
    return {f"motion-{motion.id}-vote": "instances/votes/_vote.html"}


def _block_context(motion: Motion, **extra) -> dict:
    """What `_vote.html` needs for one motion and the current viewer."""
    insider, manage = _roles(current_user, motion.instance)
    views = vote_service.motion_views([motion], acting_person(), insider_of={motion.instance_id: insider})
    posted = request.form if request.method == "POST" else {}
    # The block keeps its look where it lives: the motion's own page (h2 "Le vote") or a list.
    detail_view = request.endpoint == "votes.detail" or posted.get("vote_view") == "detail"
    return {
        "view": views[motion.id],
        "manage": manage,
        "next_url": posted.get("next"),
        "vote_heading": 2 if detail_view else 3,
        "link_title": not detail_view,
        **extra,
    }


@bp.app_template_global("ballot_form")
def ballot_form(motion_id: int, person_id: int) -> VoteForm:
    """A blank ballot for one motion and one owner (own vote or a represented member's)."""
    return VoteForm(formdata=None, prefix=ballot_prefix(motion_id, person_id))


bp.add_app_template_global(opinion_service.days_waiting, "opinion_days")


@bp.app_template_global("hand_count_form")
def hand_count_form(motion_id: int) -> HandCountForm:
    return HandCountForm(formdata=None, prefix=f"hands-{motion_id}")


def _read_motions(query: sa.Select, person) -> tuple[list[Motion], dict]:
    """Run a `select(Motion, …)` with each motion's count of voters and the ballots the person may
    cast (`vote_service.eligible_count`, `with_ballots`): the motions, and what `motion_views` takes."""
    rows = db.session.execute(vote_service.with_ballots(query.add_columns(vote_service.eligible_count()), person))
    motions, eligible, ballots = [], {}, {}
    for row in rows:
        motion, owner_id, cast_at = row[0], row[-2], row[-1]
        if motion.id not in eligible:  # a motion comes once per ballot
            motions.append(motion)
            eligible[motion.id] = row[-3]
        if owner_id is not None:
            ballots[(motion.id, owner_id)] = cast_at
    return motions, {"eligible": eligible, "ballots": ballots}


@bp.app_template_global("meeting_motions")
def meeting_motions(meeting: Meeting, attendance: list | None = None) -> dict:
    """The motions of a meeting with their vote blocks (for the meeting page), in a few queries
    (`attendance`: the meeting's recorded attendance, when the page read it already)."""
    insider, manage = _roles(current_user, meeting.instance)
    query = (
        sa.select(Motion)
        .options(joinedload(Motion.rules))
        .where(Motion.meeting_id == meeting.id)
        .order_by(Motion.created_at, Motion.id)
    )
    if not manage:
        query = query.where(Motion.status != MotionStatus.DRAFT)
    person = acting_person()
    motions, known = _read_motions(query, person)
    if attendance is not None:
        known["attendance"] = {meeting.id: sorted(attendance, key=lambda row: row.id)}
    views = vote_service.motion_views(motions, person, insider_of={meeting.instance_id: insider}, **known)
    return {
        "motions": motions,
        "views": views,
        "manage": manage,
        "can_add": manage and meeting.instance.archived_at is None and meeting.status.value != "cancelled",
    }


def _answer(motion: Motion, *, error: str | None = None, notice: str | None = None, status: int = 200):
    """After an action on the vote block: the block for htmx, else 303 back with a flash."""
    fragment = wanted_fragment(_vote_target(motion))
    if fragment:
        db.session.refresh(motion)
        context = _block_context(motion, vote_error=error, vote_notice=None if error else notice)
        return render_template(fragment, **context), 422 if error else status
    if error:
        flash(error, "error")
    elif notice:
        flash(notice, "success")
    return redirect_to(_safe_next(request.form.get("next"), _detail_url(motion, f"motion-{motion.id}-vote")))


# --- lists and pages -----------------------------------------------------------------------------


def _is_due(motion: Motion, now) -> bool:
    """An online vote whose opening or closing time has passed (the clock changed its state)."""
    if not motion.is_online or motion.closes_at is None:
        return False
    if motion.status == MotionStatus.OPEN:
        return motion.closes_at <= now
    return (
        motion.status == MotionStatus.DRAFT
        and motion.opens_at is not None
        and motion.opens_at <= now < motion.closes_at
    )


@dataclass
class ResultsPage:
    """A page of results, without a count query: one more row tells whether an older page exists."""

    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


ONGOING = (MotionStatus.OPEN, MotionStatus.DRAFT)


def _motion_lists(instance: Instance, number: int, person) -> tuple[list[Motion], list[Motion], dict]:
    """The ongoing motions (open, in preparation) and one page of the others (and one more row),
    in one query, with what `motion_views` takes (`_read_motions`)."""
    query = queries.several_lists(
        Motion,
        queries.ranked(Motion, 0, [Motion.instance_id == instance.id, Motion.status.in_(ONGOING)], OPEN_ORDER),
        queries.ranked(
            Motion,
            1,
            [Motion.instance_id == instance.id, Motion.status.in_([MotionStatus.CLOSED, MotionStatus.CANCELLED])],
            RESULTS_ORDER,
            offset=(number - 1) * CLOSED_PER_PAGE,
            limit=CLOSED_PER_PAGE + 1,
        ),
    ).options(joinedload(Motion.rules), joinedload(Motion.meeting))
    motions, known = _read_motions(query, person)
    ongoing = [m for m in motions if m.status in ONGOING]
    return ongoing, [m for m in motions if m.status not in ONGOING], known


@bp.route("/<int:instance_id>/votes")
def index(instance_id: int):
    """The instance's motions: open votes first, then results (pages of 20)."""
    instance = _load_instance(instance_id)
    insider, manage = _roles(current_user, instance)
    number = max(request.args.get("page", 1, type=int), 1)
    person = acting_person()
    ongoing, rows, known = _motion_lists(instance, number, person)
    if any(_is_due(m, utcnow()) for m in ongoing):
        _settle(instance_id=instance.id)
        ongoing, rows, known = _motion_lists(instance, number, person)
    if not manage:
        ongoing = [m for m in ongoing if m.status == MotionStatus.OPEN]
    page = ResultsPage(items=rows[:CLOSED_PER_PAGE], page=number, has_next=len(rows) > CLOSED_PER_PAGE)
    motions = ongoing + page.items
    # Who voted what: only how many here (a link to the list), not every name of every open vote.
    views = vote_service.motion_views(motions, person, insider_of={instance.id: insider}, names=0, **known)
    return render_page(
        "instances/votes/index.html",
        {"motion-results": "instances/votes/_results.html"},
        instance=instance,
        ongoing=ongoing,
        page=page,
        views=views,
        manage=manage,
    )


@bp.route("/votes/<int:motion_id>")
def detail(motion_id: int):
    """A motion: its text, the vote (ballots, or the result and how it was reached)."""
    motion = _load_motion(motion_id)
    if _is_due(motion, utcnow()):
        _settle(motion_id=motion.id)
        motion = _load_motion(motion_id)
    return _render_detail(motion)


def _render_detail(motion: Motion, status: int = 200, **overrides):
    from app.initiatives.models import Initiative

    context = _block_context(motion)
    initiative = db.session.get(Initiative, motion.initiative_id) if motion.initiative_id else None
    opinion = forward_form = None
    if motion.kind.value == "opinion" and motion.status == MotionStatus.CLOSED:
        opinion = opinion_service.opinion_for_motion(motion)
        if opinion is None and context["manage"] and opinion_service.can_become_opinion(motion):
            forward_form = ForwardOpinionForm(formdata=None)
            forward_form.setup(opinion_service.decision_bodies(motion.instance))
    context.update(
        motion=motion,
        initiative=initiative,
        opinion=opinion,
        forward_form=forward_form,
        hand_form=hand_count_form(motion.id),
        **overrides,
    )
    return render_page("instances/votes/detail.html", _vote_target(motion), status, **context)


@bp.route("/votes/<int:motion_id>/votants")
def who_voted(motion_id: int):
    """Who voted what in an open vote, in full, by pages of 100 (members and staff; else 404)."""
    motion = _load_motion(motion_id)
    insider, _manage = _roles(current_user, motion.instance)
    if not vote_service.shows_who_voted(motion, insider):
        abort(404)
    number = max(request.args.get("page", 1, type=int), 1)
    rows, total = vote_service.who_voted(motion, number)
    if number > 1 and not rows:
        abort(404)
    return render_page(
        "instances/votes/who_voted.html",
        {"who-voted-list": "instances/votes/_who_voted_list.html"},
        motion=motion,
        page=Page(rows, number, vote_service.WHO_VOTED_PER_PAGE, total),
        total=total,
        first=(number - 1) * vote_service.WHO_VOTED_PER_PAGE + 1,
    )


# --- creating and editing motions ----------------------------------------------------------------


def _meeting_for(instance: Instance) -> Meeting | None:
    meeting_id = request.values.get("reunion", type=int)
    if not meeting_id:
        return None
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.instance_id != instance.id:
        abort(404)
    return meeting


def _form_failed(form: MotionForm, error: VoteError) -> None:
    db.session.rollback()
    field = form._fields.get(error.field or "") if error.field else None
    target = field if field is not None else form.title
    target.errors = [*target.errors, str(error)]


@bp.route("/<int:instance_id>/votes/nouveau", methods=["GET", "POST"])
@login_required
def new(instance_id: int):
    """A new motion: for a meeting (?reunion=<id>, optionally &point=<agenda item id>) or an online
    vote with a deadline."""
    instance = _load_instance(instance_id)
    require(perms.can_run_meetings, instance)
    if instance.archived_at is not None or instance.rules is None:
        abort(403)
    meeting = _meeting_for(instance)
    form = MotionForm()
    form.setup(instance, meeting)
    if request.method == "GET" and meeting is not None:
        # "Soumettre au vote" from an agenda item (?point=<id>): that item, its title.
        item = next((i for i in meeting.agenda_items if i.id == request.args.get("point", type=int)), None)
        if item is not None:
            form.agenda_item.data, form.title.data = str(item.id), item.title
    if form.validate_on_submit():
        try:
            motion = vote_service.create_motion(instance, form.data_for_service(), current_user, meeting=meeting)
        except VoteError as error:
            _form_failed(form, error)
        else:
            db.session.commit()
            flash(_("Motion enregistrée. Ouvrez le vote quand vous êtes prêt·e."), "success")
            return redirect_to(_detail_url(motion))
    status = 422 if form.is_submitted() else 200
    return render_page("instances/votes/form.html", status=status, form=form, instance=instance, meeting=meeting)


@bp.route("/votes/<int:motion_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(motion_id: int):
    """Change a motion while it is in preparation."""
    motion = _load_motion(motion_id)
    require(perms.can_manage_motion, motion)
    if motion.status != MotionStatus.DRAFT:
        flash(_("Le vote est ouvert : la motion ne peut plus être modifiée."), "error")
        return redirect_to(_detail_url(motion))
    form = MotionForm()
    form.setup(motion.instance, motion.meeting, motion)
    if request.method == "GET":
        form.fill(motion)
    if form.validate_on_submit():
        try:
            vote_service.update_motion(motion, form.data_for_service(), by=current_user)
        except VoteError as error:
            _form_failed(form, error)
        else:
            db.session.commit()
            flash(_("Motion modifiée."), "success")
            return redirect_to(_detail_url(motion))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "instances/votes/form.html",
        status=status,
        form=form,
        instance=motion.instance,
        meeting=motion.meeting,
        motion=motion,
    )


# --- opening, voting, closing -------------------------------------------------------------------


@bp.route("/votes/<int:motion_id>/ouvrir", methods=["POST"])
@login_required
def open_motion(motion_id: int):
    """Open the vote: the list of voters is fixed now."""
    motion = _load_motion(motion_id)
    require(perms.can_manage_motion, motion)
    _check_csrf()
    try:
        eligible = vote_service.open_vote(motion, current_user)
    except VoteError as error:
        db.session.rollback()
        return _answer(motion, error=str(error))
    db.session.commit()
    return _answer(
        motion,
        notice=_(
            "Le vote est ouvert : %(num)s personne(s) peuvent voter.",
            num=eligible,
        ),
    )


@bp.route("/votes/<int:motion_id>/voter", methods=["POST"])
@login_required
def cast(motion_id: int):
    """One ballot: mine, or a represented member's ("pour" = their id)."""
    motion = _load_motion(motion_id)
    person = acting_person()
    owner_id = request.form.get("pour", type=int) or person.id
    owner = person if owner_id == person.id else db.session.get(User, owner_id)
    if owner is None:
        abort(404)
    form = VoteForm(prefix=ballot_prefix(motion.id, owner.id))
    if not form.validate_on_submit():
        if form.errors.keys() <= {"choice"}:
            return _answer(motion, error=_("Choisissez Pour, Contre ou Abstention."))
        abort(400)
    secret = motion.voting_mode == VotingMode.SECRET
    try:
        vote_service.cast_vote(
            motion, person, form.choice.data, current_user, for_person=owner if owner.id != person.id else None
        )
    except VoteError as error:
        db.session.rollback()
        return _answer(motion, error=str(error))
    db.session.commit()
    if owner.id != person.id:
        notice = _("Le vote de %(name)s est enregistré.", name=owner.display_name)
    elif secret:
        notice = _("Votre vote est enregistré. Il est secret : votre choix n'est conservé nulle part avec votre nom.")
    else:
        notice = _("Votre vote est enregistré.")
    return _answer(motion, notice=notice)


@bp.route("/votes/<int:motion_id>/main-levee", methods=["POST"])
@login_required
def hand_count(motion_id: int):
    """Show of hands: the secretary types the counts, and the vote closes with its result."""
    motion = _load_motion(motion_id)
    require(perms.can_manage_motion, motion)
    form = HandCountForm(prefix=f"hands-{motion.id}")
    if not form.validate_on_submit():
        messages = [str(e) for errors in form.errors.values() for e in errors]
        if "csrf_token" in form.errors:
            abort(400)
        return _answer(motion, error=" ".join(messages))
    try:
        vote_service.record_hand_count(
            motion,
            form.for_count.data,
            form.against_count.data,
            form.abstain_count.data,
            current_user,
            chair_vote=form.chair_choice(),
        )
        closing = vote_service.close_motion(motion, current_user, chair_vote=form.chair_choice())
    except VoteError as error:
        db.session.rollback()
        return _answer(motion, error=str(error))
    db.session.commit()
    if closing.notice:
        flash(closing.notice, "warning")
    return _answer(motion, notice=_("Décompte enregistré, vote clos : %(outcome)s.", outcome=motion.outcome.label))


@bp.route("/votes/<int:motion_id>/clore", methods=["GET", "POST"])
@login_required
def close(motion_id: int):
    """Close the vote (a confirmation page without JavaScript) and compute the result."""
    motion = _load_motion(motion_id)
    require(perms.can_manage_motion, motion)
    if request.method == "GET":
        if motion.status != MotionStatus.OPEN:
            return redirect_to(_detail_url(motion))
        return render_page(
            "instances/votes/confirm.html",
            motion=motion,
            action="close",
            form=EmptyForm(formdata=None),
            next_url=_safe_next(request.args.get("next"), _detail_url(motion)),
        )
    _check_csrf()
    if motion.status != MotionStatus.OPEN:
        return _answer(motion, error=_("Ce vote n'est pas ouvert."))
    closing = vote_service.close_motion(motion, current_user)
    db.session.commit()
    if not closing.closed:
        return _answer(motion, notice=_("Ce vote était déjà clos."))
    if closing.notice:
        flash(closing.notice, "warning")
    return _answer(motion, notice=_("Vote clos : %(outcome)s.", outcome=motion.outcome.label))


@bp.route("/votes/<int:motion_id>/retirer", methods=["GET", "POST"])
@login_required
def cancel(motion_id: int):
    """Withdraw a motion (a confirmation page without JavaScript)."""
    motion = _load_motion(motion_id)
    require(perms.can_manage_motion, motion)
    if request.method == "GET":
        if motion.status not in (MotionStatus.DRAFT, MotionStatus.OPEN):
            return redirect_to(_detail_url(motion))
        return render_page(
            "instances/votes/confirm.html",
            motion=motion,
            action="cancel",
            form=EmptyForm(formdata=None),
            next_url=_safe_next(request.args.get("next"), _detail_url(motion)),
        )
    _check_csrf()
    try:
        vote_service.cancel_motion(motion, by=current_user)
    except VoteError as error:
        db.session.rollback()
        return _answer(motion, error=str(error))
    db.session.commit()
    return _answer(motion, notice=_("La motion est retirée."))


@bp.route("/votes/<int:motion_id>/transmettre", methods=["POST"])
@login_required
def forward(motion_id: int):
    """Send an adopted "avis" motion to a decision body, as the instance's opinion."""
    motion = _load_motion(motion_id)
    require(perms.can_send_opinion, motion.instance)
    bodies = opinion_service.decision_bodies(motion.instance)
    form = ForwardOpinionForm()
    form.setup(bodies)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Choisissez l'instance à qui transmettre l'avis."), "error")
        return redirect_to(_detail_url(motion))
    target = next(b for b in bodies if str(b.id) == form.to_instance.data)
    try:
        opinion = opinion_service.send_opinion_from_motion(motion, by=current_user, to_instance=target)
    except OpinionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(_detail_url(motion))
    db.session.commit()
    flash(_("Avis transmis à « %(name)s ».", name=target.name), "success")
    return redirect_to(url_for("votes.opinion", opinion_id=opinion.id))


# --- advisory opinions ---------------------------------------------------------------------------


@bp.route("/<int:instance_id>/avis")
def opinions(instance_id: int):
    """Opinions sent by the instance, or received by it, with their responses."""
    instance = _load_instance(instance_id)
    insider, manage = _roles(current_user, instance)
    lists = opinion_service.opinion_lists(instance, current_user, insider=insider)
    return render_page(
        "instances/votes/opinions.html",
        instance=instance,
        sent=lists.sent,
        received=lists.received,
        stats=lists.stats,
        can_send=manage and instance.nature == Nature.ADVISORY and instance.archived_at is None,
    )


@bp.route("/<int:instance_id>/avis/nouveau", methods=["GET", "POST"])
@login_required
def new_opinion(instance_id: int):
    """Write an opinion of the consultative instance, sent to a decision body."""
    instance = _load_instance(instance_id)
    require(perms.can_send_opinion, instance)
    bodies = opinion_service.decision_bodies(instance)
    form = OpinionForm()
    form.setup(bodies)
    if request.method == "GET" and bodies:
        form.to_instance.data = str(bodies[0].id)
    if form.validate_on_submit():
        target = next(b for b in bodies if str(b.id) == form.to_instance.data)
        try:
            opinion = opinion_service.send_opinion(instance, target, form.title.data, form.text.data, by=current_user)
        except OpinionError as error:
            db.session.rollback()
            field = form._fields.get(error.field or "") or form.title
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Avis envoyé à « %(name)s ».", name=target.name), "success")
            return redirect_to(url_for("votes.opinion", opinion_id=opinion.id))
    status = 422 if form.is_submitted() else 200
    return render_page("instances/votes/opinion_form.html", status=status, form=form, instance=instance, bodies=bodies)


def _render_opinion(opinion: Opinion, form: ResponseForm | None = None, status: int = 200):
    respond = perms.can_respond_to_opinion(current_user, opinion)
    if respond and form is None:
        form = ResponseForm(formdata=None)
        form.setup(opinion.to_instance)
        if opinion.response is not None:
            form.response.data = opinion.response.value
            form.text.data = opinion.response_text
            form.answered_on.data = opinion_service.local_date(opinion.responded_at) if opinion.responded_at else None
            form.meeting.data = str(opinion.response_meeting_id or "")
    motion = db.session.get(Motion, opinion.motion_id) if opinion.motion_id else None
    response_meeting = db.session.get(Meeting, opinion.response_meeting_id) if opinion.response_meeting_id else None
    return render_page(
        "instances/votes/opinion.html",
        status=status,
        opinion=opinion,
        form=form if respond else None,
        motion=motion if motion is not None and perms.can_view_motion(current_user, motion) else None,
        response_meeting=response_meeting,
        days=opinion_service.days_waiting(opinion),
        see_from=perms.can_view_instance(current_user, opinion.from_instance),
        see_to=perms.can_view_instance(current_user, opinion.to_instance),
    )


@bp.route("/avis/<int:opinion_id>")
def opinion(opinion_id: int):
    """An opinion, its response, and (for the decision body) the response form."""
    return _render_opinion(_load_opinion(opinion_id))


@bp.route("/avis/<int:opinion_id>/reponse", methods=["POST"])
@login_required
def respond(opinion_id: int):
    """Record the decision body's response to an opinion."""
    opinion = _load_opinion(opinion_id)
    require(perms.can_respond_to_opinion, opinion)
    form = ResponseForm()
    form.setup(opinion.to_instance)
    if form.validate_on_submit():
        meeting_id = form.meeting_id()
        try:
            opinion_service.respond_to_opinion(
                opinion,
                ResponseKind(form.response.data),
                form.text.data,
                by=current_user,
                answered_on=form.answered_on.data,
                meeting=db.session.get(Meeting, meeting_id) if meeting_id else None,
            )
        except OpinionError as error:
            db.session.rollback()
            field = form._fields.get(error.field or "") or form.text
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Réponse enregistrée : l'instance consultative en est informée."), "success")
            return redirect_to(url_for("votes.opinion", opinion_id=opinion.id))
    return _render_opinion(opinion, form, 422)


# --- sections of the instance page ---------------------------------------------------------------


@register_section(40)
def votes_sections(instance: Instance, user) -> list[dict | None]:
    """Two sections read in one query: the votes open now (and scheduled ones for those who run
    the meetings) with my part in them, and the last results with their turnout."""
    _insider, manage = _roles(user, instance)
    statuses = [MotionStatus.OPEN] + ([MotionStatus.DRAFT] if manage else [])
    query = queries.several_lists(
        Motion,
        queries.ranked(
            Motion, 0, [Motion.instance_id == instance.id, Motion.status.in_(statuses)], OPEN_ORDER, limit=10
        ),
        queries.ranked(
            Motion, 1, [Motion.instance_id == instance.id, Motion.status == MotionStatus.CLOSED], RESULTS_ORDER, limit=5
        ),
    )
    person = acting_person()
    motions, known = _read_motions(query, person)
    person_id = person.id if person.is_authenticated else None
    ongoing = [motion for motion in motions if motion.status != MotionStatus.CLOSED]
    results = [(motion, known["eligible"][motion.id]) for motion in motions if motion.status == MotionStatus.CLOSED]
    open_section = None
    if ongoing or manage:
        open_section = {
            "template": "instances/votes/_section_open.html",
            "instance": instance,
            "motions": ongoing,
            "mine": {motion_id: at for (motion_id, owner_id), at in known["ballots"].items() if owner_id == person_id},
            "manage": manage and instance.archived_at is None,
            "now": utcnow(),
        }
    results_section = None
    if results:
        results_section = {
            "template": "instances/votes/_section_results.html",
            "instance": instance,
            "results": results,
            "Outcome": Outcome,
        }
    return [open_section, results_section]


@register_section(60)
def opinions_section(instance: Instance, user) -> dict | None:
    """Opinions sent (consultative instance) or received (decision body), with their answers."""
    insider, manage = _roles(user, instance)
    lists = opinion_service.opinion_lists(instance, user, insider=insider, limit=5)
    can_send = instance.nature == Nature.ADVISORY and manage and instance.archived_at is None
    if not (lists.sent or lists.received or can_send):
        return None
    return {
        "template": "instances/votes/_section_opinions.html",
        "instance": instance,
        "sent": lists.sent,
        "received": lists.received,
        "stats": lists.stats,
        "can_send": can_send,
    }
