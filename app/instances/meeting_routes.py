"""Meetings of an instance: schedule, agenda, convocation, RSVP, attendance, minutes, follow-up.

Pages: the meetings of an instance (/instances/<id>/reunions), scheduling, the meeting
(/instances/reunions/<id>), attendance on a phone (/instances/reunions/<id>/presences), the minutes
editor, the decisions log (/instances/<id>/suivi) and the instance's ICS feed. Members-only
instances answer 404 to everyone but their members and the centre's staff.

Every action is a real POST form that works without JavaScript (303 + flash, 422 with the form
kept). htmx, when it asks for a declared target, gets back: the RSVP block, the agenda, one
attendance row (with the quorum swapped out of band) or one follow-up row.
"""

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.accounts.on_behalf import acting_person
from app.calendar.feeds import render_ics
from app.centres.current import current_structure
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.initiatives.text import render_markdown
from app.instances import meetings as services
from app.instances import permissions as perms
from app.instances.calendar import instance_events
from app.instances.meeting_forms import (
    AgendaItemForm,
    CancelForm,
    CloseForm,
    ConveneForm,
    FollowUpFilterForm,
    FollowUpForm,
    FollowUpStatusForm,
    MeetingForm,
    MinutesForm,
    RsvpForm,
    read_attendance,
)
from app.instances.meetings import MeetingError, ShortNoticeError
from app.instances.models import (
    AgendaItem,
    AttendanceStatus,
    FollowUp,
    FollowUpStatus,
    Instance,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    RsvpAnswer,
)
from app.instances.sections import register_section
from app.permissions import require
from app.timeutil import utcnow

bp = Blueprint("meetings", __name__, url_prefix="/instances")

#: Prefixes keep the field ids of the meeting page's forms unique.
PREFIXES = {"agenda": "agenda", "convene": "convene", "rsvp": "rsvp", "follow_up": "follow-up"}


# --- loading ------------------------------------------------------------------------------------


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _load_instance(instance_id: int) -> Instance:
    """The current structure's instance, if the person may see it; else 404."""
    instance = db.session.scalar(
        sa.select(Instance).where(Instance.id == instance_id, Instance.structure_id == _structure().id)
    )
    if instance is None or not perms.can_view_instance(current_user, instance):
        abort(404)
    return instance


def _meeting_query(meeting_id: int) -> sa.Select:
    return (
        sa.select(Meeting)
        .options(joinedload(Meeting.instance), joinedload(Meeting.rules), joinedload(Meeting.minutes))
        .where(Meeting.id == meeting_id)
    )


def _check_meeting(meeting: Meeting | None) -> Meeting:
    """404 unless the meeting belongs to the current structure and the person may see it."""
    if meeting is None or meeting.instance.structure_id != _structure().id:
        abort(404)
    if not perms.can_view_meeting(current_user, meeting):
        abort(404)
    return meeting


def _load_meeting(meeting_id: int) -> Meeting:
    """The meeting, if it belongs to the current structure and the person may see it; else 404."""
    return _check_meeting(db.session.scalar(_meeting_query(meeting_id)))


def _load_meeting_page(meeting_id: int) -> tuple[Meeting, User | None]:
    """`_load_meeting` for the meeting page: with its agenda and who sent the convocation (one query)."""
    query = (
        _meeting_query(meeting_id)
        .options(joinedload(Meeting.agenda_items))
        .add_columns(User)
        .outerjoin(User, User.id == Meeting.convened_by_id)
    )
    meeting, convened_by = db.session.execute(query).unique().first() or (None, None)
    return _check_meeting(meeting), convened_by


def _load_item(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        abort(404)
    _load_meeting(item.meeting_id)
    return item


def _load_follow_up(follow_up_id: int) -> tuple[FollowUp, Instance]:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        abort(404)
    return follow_up, _load_instance(follow_up.instance_id)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    return url_for("meetings.detail", meeting_id=meeting.id) + (f"#{anchor}" if anchor else "")


def _refused(url: str, error: Exception):
    db.session.rollback()
    flash(str(error), "error")
    return redirect_to(url)


def _done(url: str, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect_to(url)


def _int(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


def _open(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.PLANNED and meeting.closed_at is None


# --- the instance page section and the list of meetings -------------------------------------------


@register_section(order=20)
def meetings_section(instance: Instance, user) -> dict | None:
    """Upcoming meetings (with my answer) and the last meetings with their minutes."""
    viewer = services.viewer_for(user, instance)
    upcoming, past = services.recent_meetings(instance)
    return {
        "template": "instances/meetings/_section.html",
        "instance": instance,
        "upcoming": upcoming,
        "past": past,
        "my_rsvps": services.my_rsvps(upcoming, user) if viewer.is_member else {},
        "can_schedule": viewer.can_run and instance.archived_at is None,
        "can_run": viewer.can_run,
        "is_member": viewer.is_member,
    }


@bp.route("/<int:instance_id>/reunions")
def index(instance_id: int):
    """All the meetings of an instance: to come, then past ones with their minutes."""
    instance = _load_instance(instance_id)
    viewer = services.viewer_for(current_user, instance)
    page_number = max(request.args.get("page", 1, type=int), 1)
    past = db.paginate(
        sa.select(Meeting)
        .options(joinedload(Meeting.minutes))
        .where(Meeting.instance_id == instance.id, Meeting.status.in_(services.CLOSED + (MeetingStatus.CANCELLED,)))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()),
        page=page_number,
        per_page=20,
        error_out=False,
    )
    return render_page(
        "instances/meetings/index.html",
        {"meeting-past-list": "instances/meetings/_past_list.html"},
        instance=instance,
        viewer=viewer,
        upcoming=services.upcoming_meetings(instance, limit=50) if page_number == 1 else [],
        past=past,
    )


# --- scheduling ---------------------------------------------------------------------------------


def _starts_at(form: MeetingForm):
    return services.local_to_utc(form.local_start())


def _prefill_second_call(form: MeetingForm, instance: Instance) -> Meeting | None:
    """`?seconde-convocation=<id>`: a second call after a meeting adjourned without quorum."""
    first_id = request.args.get("seconde-convocation", type=int) or _int(form.copy_agenda_from.data)
    if not first_id:
        return None
    first = db.session.get(Meeting, first_id)
    if first is None or first.instance_id != instance.id:
        return None
    if request.method == "GET":
        form.title.data = _("%(title)s (seconde convocation)", title=first.title)[:120]
        form.place.data = first.place
        form.online_url.data = first.online_url
        form.duration.data = first.duration_minutes
        form.is_second_call.data = True
        form.copy_agenda_from.data = str(first.id)
    return first


@bp.route("/<int:instance_id>/reunions/nouvelle", methods=["GET", "POST"])
@login_required
def new(instance_id: int):
    """Schedule a meeting (date and time in the centre's time zone)."""
    instance = _load_instance(instance_id)
    require(perms.can_run_meetings, instance)
    form = MeetingForm()
    first = _prefill_second_call(form, instance)
    if form.validate_on_submit():
        try:
            meeting = services.schedule_meeting(
                instance, form.data_for_service(_starts_at(form)), by=current_user, agenda_from=first
            )
        except MeetingError as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            return _done(
                _meeting_url(meeting), _("La réunion est programmée. Préparez l'ordre du jour puis convoquez.")
            )
    status = 422 if form.is_submitted() else 200
    return render_page("instances/meetings/form.html", status=status, form=form, instance=instance, meeting=None)


@bp.route("/reunions/<int:meeting_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    """Change the date, place or link of a planned meeting (and tell the convened members)."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_manage_meeting, meeting)
    form = MeetingForm(obj=None if request.method == "POST" else meeting)
    if request.method == "GET":
        local = services.utc_to_local(meeting.starts_at)
        form.day.data, form.start.data = local.date(), local.time()
        form.duration.data = meeting.duration_minutes
    if form.validate_on_submit():
        try:
            changed = services.update_meeting(meeting, form.data_for_service(_starts_at(form)), by=current_user)
            sent = 0
            if (
                changed
                and meeting.convened_at is not None
                and form.notify_members.data
                and meeting.starts_at > utcnow()
            ):
                sent = services.convene(meeting, by=current_user, force=True)
        except MeetingError as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            message = (
                ngettext(
                    "Réunion modifiée. La convocation modifiée est envoyée à %(num)d membre.",
                    "Réunion modifiée. La convocation modifiée est envoyée à %(num)d membres.",
                    sent,
                )
                if sent
                else _("Réunion modifiée.")
            )
            return _done(_meeting_url(meeting), message)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "instances/meetings/form.html", status=status, form=form, instance=meeting.instance, meeting=meeting
    )


@bp.route("/reunions/<int:meeting_id>/annuler", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    """Cancel a planned meeting, with a reason sent to the members (a confirmation page)."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_manage_meeting, meeting)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, form.reason.data, by=current_user)
        except MeetingError as error:
            return _refused(_meeting_url(meeting), error)
        return _done(_meeting_url(meeting), _("La réunion est annulée ; les membres sont prévenus."))
    status = 422 if form.is_submitted() else 200
    return render_page("instances/meetings/cancel.html", status=status, form=form, meeting=meeting)


# --- the meeting page ---------------------------------------------------------------------------


def _rsvp_target(meeting: Meeting) -> dict[str, str]:
    return {f"meeting-{meeting.id}-rsvp": "instances/meetings/_rsvp.html"}


def _agenda_target(meeting: Meeting) -> dict[str, str]:
    return {f"meeting-{meeting.id}-agenda": "instances/meetings/_agenda.html"}


def _rsvp_context(meeting: Meeting, roster: services.Roster, form: RsvpForm | None = None) -> dict:
    person = acting_person()
    my_rsvp = roster.rsvp_of(person)
    seat = roster.seat_of(person)
    can_answer = seat is not None and _open(meeting) and meeting.starts_at > utcnow()
    if form is None:
        form = RsvpForm(formdata=None, prefix=PREFIXES["rsvp"])
        if my_rsvp is not None:
            form.answer.data = my_rsvp.answer.value
            form.proxy_holder.data = str(my_rsvp.proxy_holder_id or "")
    form.setup(roster.holders_for(person), proxies_allowed=meeting.rules.proxies_allowed)
    return {
        "roster": roster,
        "my_rsvp": my_rsvp,
        "my_seat": seat,
        "can_answer": can_answer,
        "rsvp_form": form,
        "proxies_given_to_me": roster.proxies_given_to(person) if seat else [],
    }


def _agenda_context(meeting: Meeting, viewer: services.Viewer, form: AgendaItemForm | None = None) -> dict:
    items = meeting.agenda_items
    can_edit = viewer.can_run and _open(meeting)
    initiatives, choices = services.agenda_initiatives(meeting, choices=can_edit)
    if can_edit and form is None:
        form = AgendaItemForm(formdata=None, prefix=PREFIXES["agenda"])
    if can_edit:
        form.setup(choices)
    return {"items": items, "initiatives": initiatives, "can_edit_agenda": can_edit, "agenda_form": form}


def _detail_context(meeting: Meeting, **overrides) -> dict:
    """What the meeting page shows (`overrides`: values the caller has already, e.g. `convened_by`)."""
    instance = meeting.instance
    roster = services.meeting_roster(meeting)
    viewer = services.Viewer(seat=roster.seat_of(current_user), is_staff=perms.is_staff(current_user, instance))
    closed = meeting.closed_at is not None
    minutes = meeting.minutes
    # A closed meeting's attendance is read once: for the summary and for its motions' quorum.
    recorded = services.recorded_attendance(meeting) if closed else None
    context = {
        "meeting": meeting,
        "instance": instance,
        "rules": meeting.rules,
        "viewer": viewer,
        "MeetingStatus": MeetingStatus,
        "RsvpAnswer": RsvpAnswer,
        "AttendanceStatus": AttendanceStatus,
        "MinutesStatus": MinutesStatus,
        "FollowUpStatus": FollowUpStatus,
        "today": services.local_today(),
        "is_future": meeting.starts_at > utcnow(),
        "short_notice": _open(meeting) and services.is_short_notice(meeting),
        "notice_days": services.notice_days(meeting),
        "convene_form": ConveneForm(formdata=None, prefix=PREFIXES["convene"]),
        "attendance": services.attendance_summary(meeting, recorded) if closed else None,
        "recorded_attendance": recorded,
        "minutes": minutes,
        "minutes_html": render_markdown(minutes.body)
        if minutes and perms.can_view_minutes(current_user, meeting)
        else None,
        "minutes_due": services.minutes_due(meeting),
        "minutes_late": services.minutes_late(meeting),
        "to_approve": services.minutes_to_approve(meeting) if viewer.can_run else [],
        "follow_ups": services.follow_ups_of(instance, meeting=meeting),
        "follow_up_form": None,
        "empty_form": EmptyForm(formdata=None),
        **_rsvp_context(meeting, roster),
        **_agenda_context(meeting, viewer),
    }
    if viewer.can_run:
        follow_up_form = FollowUpForm(formdata=None, prefix=PREFIXES["follow_up"])
        follow_up_form.setup(roster.members)
        context["follow_up_form"] = follow_up_form
    context["convene_form"].setup(context["notice_days"])
    context.update(overrides)
    if "convened_by" not in context:
        context["convened_by"] = db.session.get(User, meeting.convened_by_id) if meeting.convened_by_id else None
    return context


def _render_detail(meeting: Meeting, status: int = 200, **overrides):
    context = _detail_context(meeting, **overrides)
    return render_page(
        "instances/meetings/detail.html", {**_rsvp_target(meeting), **_agenda_target(meeting)}, status, **context
    )


@bp.route("/reunions/<int:meeting_id>")
def detail(meeting_id: int):
    """The meeting: when, where, agenda, convocation, answers, attendance, minutes and follow-up."""
    meeting, convened_by = _load_meeting_page(meeting_id)
    return _render_detail(meeting, convened_by=convened_by)


# --- convocation --------------------------------------------------------------------------------


@bp.route("/reunions/<int:meeting_id>/convoquer", methods=["POST"])
@login_required
def convene(meeting_id: int):
    """Send the convocation to every member (a short notice needs the confirmation box)."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_manage_meeting, meeting)
    form = ConveneForm(prefix=PREFIXES["convene"])
    form.setup(services.notice_days(meeting))
    if not form.validate_on_submit():
        abort(400)
    update = meeting.convened_at is not None
    try:
        sent = services.convene(meeting, by=current_user, force=bool(form.confirm_short.data))
    except ShortNoticeError as error:
        db.session.rollback()
        form.confirm_short.errors = [str(error)]
        return _render_detail(_load_meeting(meeting_id), 422, convene_form=form, failed_action="convene")
    except MeetingError as error:
        return _refused(_meeting_url(meeting), error)
    if update:
        message = ngettext(
            "La convocation modifiée est envoyée à %(num)d membre.",
            "La convocation modifiée est envoyée à %(num)d membres.",
            sent,
        )
    else:
        message = ngettext(
            "La convocation est envoyée à %(num)d membre.", "La convocation est envoyée à %(num)d membres.", sent
        )
    return _done(_meeting_url(meeting), message)


# --- agenda -------------------------------------------------------------------------------------


def _agenda_response(meeting: Meeting, message: str | None = None, error: str | None = None, form=None):
    """The agenda block for htmx, else 303 to the meeting with a flash."""
    fragment = wanted_fragment(_agenda_target(meeting))
    if fragment:
        if error is None:
            db.session.commit()
        else:
            db.session.rollback()
        meeting = _load_meeting(meeting.id)
        viewer = services.viewer_for(current_user, meeting.instance)
        context = {"meeting": meeting, **_agenda_context(meeting, viewer, form), "agenda_notice": message}
        context["agenda_error"] = error
        status = 422 if error or (form is not None and form.errors) else 200
        return render_template(fragment, **context), status
    if error:
        return _refused(_meeting_url(meeting, f"meeting-{meeting.id}-agenda"), MeetingError(error))
    return _done(_meeting_url(meeting, f"meeting-{meeting.id}-agenda"), message or "")


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    """Add a point to the agenda."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_manage_meeting, meeting)
    form = AgendaItemForm(prefix=PREFIXES["agenda"])
    form.setup(services.publishable_initiatives(meeting.instance.structure_id))
    if form.validate_on_submit():
        try:
            services.add_agenda_item(meeting, form.data_for_service(), by=current_user)
        except MeetingError as error:
            return _agenda_response(meeting, error=str(error))
        return _agenda_response(meeting, _("Le point est ajouté à l'ordre du jour."))
    if wanted_fragment(_agenda_target(meeting)):
        return _agenda_response(meeting, form=form)
    return _render_detail(
        meeting, 422, **_agenda_context(meeting, services.viewer_for(current_user, meeting.instance), form)
    )


@bp.route("/reunions/points/<int:item_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    """Edit a point of the agenda."""
    item = _load_item(item_id)
    meeting = item.meeting
    require(perms.can_manage_meeting, meeting)
    form = AgendaItemForm(obj=item if request.method == "GET" else None)
    form.setup(services.publishable_initiatives(meeting.instance.structure_id))
    if request.method == "GET":
        form.initiative.data = str(item.initiative_id or "")
    if form.validate_on_submit():
        try:
            services.update_agenda_item(item, form.data_for_service(), by=current_user)
        except MeetingError as error:
            db.session.rollback()
            form.initiative.errors = [*form.initiative.errors, str(error)]
        else:
            return _done(_meeting_url(meeting, f"meeting-{meeting.id}-agenda"), _("Le point est modifié."))
    status = 422 if form.is_submitted() else 200
    return render_page("instances/meetings/item_form.html", status=status, form=form, item=item, meeting=meeting)


@bp.route("/reunions/points/<int:item_id>/retirer", methods=["GET", "POST"])
@login_required
def remove_item(item_id: int):
    """Take a point off the agenda (a confirmation page without JavaScript)."""
    item = _load_item(item_id)
    meeting = item.meeting
    require(perms.can_manage_meeting, meeting)
    if request.method == "POST":
        _check_csrf()
        try:
            services.remove_agenda_item(item, by=current_user)
        except MeetingError as error:
            return _agenda_response(meeting, error=str(error))
        return _agenda_response(meeting, _("Le point est retiré de l'ordre du jour."))
    return render_page(
        "instances/meetings/confirm.html",
        meeting=meeting,
        title=_("Retirer ce point de l'ordre du jour ?"),
        text=item.title,
        action=url_for("meetings.remove_item", item_id=item.id),
        button=_("Retirer le point"),
        form=EmptyForm(formdata=None),
    )


@bp.route("/reunions/points/<int:item_id>/deplacer", methods=["POST"])
@login_required
def move_item(item_id: int):
    """Move a point up or down the agenda (`direction` = up or down)."""
    item = _load_item(item_id)
    meeting = item.meeting
    require(perms.can_manage_meeting, meeting)
    _check_csrf()
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        services.move_agenda_item(item, step, by=current_user)
    except MeetingError as error:
        return _agenda_response(meeting, error=str(error))
    return _agenda_response(meeting, _("L'ordre du jour est modifié."))


# --- RSVP ---------------------------------------------------------------------------------------


@bp.route("/reunions/<int:meeting_id>/reponse", methods=["POST"])
@login_required
def rsvp(meeting_id: int):
    """A member answers: je viens / excusé·e / je donne pouvoir à … (the block back for htmx)."""
    meeting = _load_meeting(meeting_id)
    person = acting_person()
    if not perms.can_answer_rsvp(person, meeting):
        abort(403)
    form = RsvpForm(prefix=PREFIXES["rsvp"])
    roster = services.meeting_roster(meeting)
    form.setup(roster.holders_for(person), proxies_allowed=meeting.rules.proxies_allowed)
    fragment = wanted_fragment(_rsvp_target(meeting))
    error, message = None, None
    if form.validate_on_submit():
        holder = db.session.get(User, form.holder_id) if form.holder_id else None
        try:
            services.answer_rsvp(meeting, person, form.answer.data, holder, by=current_user)
        except MeetingError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            message = _("Merci, votre réponse est enregistrée.")
    elif fragment is None:
        return _render_detail(meeting, 422, **_rsvp_context(meeting, roster, form))
    if fragment:
        meeting = _load_meeting(meeting_id)
        roster = services.meeting_roster(meeting)
        failed = error is not None or bool(form.errors)
        context = {
            "meeting": meeting,
            "viewer": services.Viewer(
                seat=roster.seat_of(current_user), is_staff=perms.is_staff(current_user, meeting.instance)
            ),
            "RsvpAnswer": RsvpAnswer,
            **_rsvp_context(meeting, roster, form if failed else None),
            "rsvp_error": error,
            "rsvp_notice": message,
        }
        return render_template(fragment, **context), 422 if failed else 200
    flash(error or message, "error" if error else "success")
    return redirect_to(_meeting_url(meeting, f"meeting-{meeting.id}-rsvp"))


# --- attendance ---------------------------------------------------------------------------------


def _attendance_url(meeting: Meeting) -> str:
    return url_for("meetings.attendance", meeting_id=meeting.id)


def _attendance_context(meeting: Meeting, sheet=None, **overrides) -> dict:
    sheet = sheet if sheet is not None else services.attendance_sheet(meeting)
    viewer_is_staff = perms.is_staff(current_user, meeting.instance)
    voters = [row.person for row in sheet if row.has_vote]
    context = {
        "meeting": meeting,
        "instance": meeting.instance,
        "rules": meeting.rules,
        "sheet": sheet,
        "voters": voters,
        "present_ids": {row.person.id for row in sheet if row.status == AttendanceStatus.PRESENT},
        "quorum": services.quorum_of(meeting, sheet),
        "statuses": [s for s in AttendanceStatus if meeting.rules.proxies_allowed or s != AttendanceStatus.REPRESENTED],
        "AttendanceStatus": AttendanceStatus,
        "row_errors": {},
        "to_add": services.members_to_add(meeting, sheet),
        "close_form": CloseForm(formdata=None, prefix="close"),
        "can_override": viewer_is_staff,
        "can_close": services.can_close_now(meeting),
        "empty_form": EmptyForm(formdata=None),
    }
    context.update(overrides)
    return context


@bp.route("/reunions/<int:meeting_id>/presences", methods=["GET", "POST"])
@login_required
def attendance(meeting_id: int):
    """Attendance on a phone: one row per member, the quorum live; "Enregistrer" saves all rows."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_run_meetings, meeting.instance)
    if not _open(meeting):
        flash(_("La séance est close : les présences ne se modifient plus."), "warning")
        return redirect_to(_meeting_url(meeting))
    sheet = services.attendance_sheet(meeting)
    if request.method == "POST":
        _check_csrf()
        by_id = {row.person.id: row for row in sheet}
        choices, errors = read_attendance(request.form, list(by_id), proxies_allowed=meeting.rules.proxies_allowed)
        if not errors:
            for person_id, (status, holder_id) in choices.items():
                holder = by_id[holder_id].person if holder_id in by_id else db.session.get(User, holder_id or 0)
                try:
                    services.record_attendance(meeting, by_id[person_id].person, status, holder, by=current_user)
                except MeetingError as error:
                    errors[person_id] = str(error)
        if not errors:
            return _done(_attendance_url(meeting), _("Les présences sont enregistrées."))
        db.session.rollback()
        meeting = _load_meeting(meeting_id)
        sheet = services.attendance_sheet(meeting)
        for row in sheet:  # show what was typed, with the errors next to the rows
            value = request.form.get(f"status-{row.person.id}", "")
            if value in {s.value for s in AttendanceStatus}:
                row.status = AttendanceStatus(value)
                row.proxy_holder_id = _int(request.form.get(f"proxy-{row.person.id}"))
        flash(_("Certaines lignes sont à compléter : voyez les messages ci-dessous."), "error")
        return render_page(
            "instances/meetings/attendance.html", status=422, **_attendance_context(meeting, sheet, row_errors=errors)
        )
    return render_page(
        "instances/meetings/attendance.html",
        {"quorum-status": "instances/meetings/_quorum.html"},
        **_attendance_context(meeting, sheet),
    )


@bp.route("/reunions/<int:meeting_id>/presences/<int:person_id>", methods=["POST"])
@login_required
def attendance_row(meeting_id: int, person_id: int):
    """One row saved on change (htmx): the row back, and the quorum out of band."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_run_meetings, meeting.instance)
    if not _open(meeting):
        flash(_("La séance est close : les présences ne se modifient plus."), "warning")
        return redirect_to(_meeting_url(meeting))
    _check_csrf()
    sheet = services.attendance_sheet(meeting)
    by_id = {row.person.id: row for row in sheet}
    row = by_id.get(person_id)
    if row is None:
        abort(404)
    choices, errors = read_attendance(request.form, [person_id], proxies_allowed=meeting.rules.proxies_allowed)
    fragment = wanted_fragment({f"attendance-row-{person_id}": "instances/meetings/_attendance_row.html"})
    value = request.form.get(f"status-{person_id}", "")
    if person_id in errors and value == AttendanceStatus.REPRESENTED.value and meeting.rules.proxies_allowed:
        # "Représenté·e" ticked, holder not picked yet: nothing to save, nothing to swap (the page
        # shows the holder list); the row is saved when the holder is chosen.
        if fragment:
            return "", 204
        flash(_("Choisissez qui porte le pouvoir de %(name)s.", name=row.person.display_name), "warning")
        return redirect_to(_attendance_url(meeting))
    if person_id in choices:
        status, holder_id = choices[person_id]
        holder = by_id[holder_id].person if holder_id in by_id else db.session.get(User, holder_id or 0)
        try:
            services.record_attendance(meeting, row.person, status, holder, by=current_user)
        except MeetingError as error:
            db.session.rollback()
            errors = {person_id: str(error)}
        else:
            db.session.commit()
            meeting = _load_meeting(meeting_id)
            sheet = services.attendance_sheet(meeting)
            row = next(r for r in sheet if r.person.id == person_id)
    if not fragment:
        if errors:
            flash(errors[person_id], "error")
        else:
            flash(_("Présence enregistrée."), "success")
        return redirect_to(_attendance_url(meeting))
    # The quorum is what is saved; the row shows what was ticked, with the error next to it.
    context = _attendance_context(meeting, sheet, row_errors=errors)
    if errors and value in {s.value for s in AttendanceStatus}:
        row.status = AttendanceStatus(value)
    body = render_template(fragment, row=row, **context)
    body += render_template("instances/meetings/_quorum.html", oob=True, **context)
    return body, 422 if errors else 200


@bp.route("/reunions/<int:meeting_id>/presences/ajouter", methods=["POST"])
@login_required
def add_attendee(meeting_id: int):
    """Add a member to the sheet on the spot (marked present)."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_record_attendance, meeting)
    _check_csrf()
    person = db.session.get(User, _int(request.form.get("person_id")) or 0)
    if person is None:
        return _refused(_attendance_url(meeting), MeetingError(_("Choisissez un membre à ajouter.")))
    try:
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=current_user)
    except MeetingError as error:
        return _refused(_attendance_url(meeting), error)
    return _done(_attendance_url(meeting), _("%(name)s est ajouté·e à la liste, présent·e.", name=person.display_name))


@bp.route("/reunions/<int:meeting_id>/clore", methods=["POST"])
@login_required
def close(meeting_id: int):
    """ "Clore la séance": the quorum is stored, the ledger and volunteer hours are written."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_record_attendance, meeting)
    form = CloseForm(prefix="close")
    if form.validate_on_submit():
        if form.override is not None and not perms.is_staff(current_user, meeting.instance):
            abort(403)
        try:
            services.close_meeting(
                meeting, by=current_user, override=form.override, override_reason=form.reason.data or ""
            )
        except MeetingError as error:
            return _refused(_attendance_url(meeting), error)
        if meeting.status == MeetingStatus.HELD:
            message = _("La séance est close : le quorum est atteint.")
        else:
            message = _("La séance est close sans quorum. Vous pouvez programmer une seconde convocation.")
        return _done(_meeting_url(meeting), message)
    return render_page(
        "instances/meetings/attendance.html", status=422, **_attendance_context(meeting, close_form=form)
    )


@bp.route("/reunions/<int:meeting_id>/rouvrir", methods=["GET", "POST"])
@login_required
def reopen(meeting_id: int):
    """Staff re-open a closed meeting to correct it (until its minutes are approved)."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_reopen_meeting, meeting)
    if request.method == "POST":
        _check_csrf()
        try:
            services.reopen_meeting(meeting, by=current_user)
        except MeetingError as error:
            return _refused(_meeting_url(meeting), error)
        return _done(
            _attendance_url(meeting), _("La séance est rouverte : corrigez les présences puis closez-la de nouveau.")
        )
    return render_page(
        "instances/meetings/confirm.html",
        meeting=meeting,
        title=_("Rouvrir la séance pour corriger ?"),
        text=_(
            "Les présences pourront être corrigées. La participation et les heures proposées seront recalculées "
            "quand vous clorez de nouveau la séance."
        ),
        action=url_for("meetings.reopen", meeting_id=meeting.id),
        button=_("Rouvrir la séance"),
        form=EmptyForm(formdata=None),
    )


# --- minutes ------------------------------------------------------------------------------------


@bp.route("/reunions/<int:meeting_id>/compte-rendu", methods=["GET", "POST"])
@login_required
def minutes(meeting_id: int):
    """Write or edit the minutes of a closed meeting (markdown), until they are approved."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_write_minutes, meeting)
    form = MinutesForm(obj=meeting.minutes if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved = services.save_minutes(meeting, form.body.data or "", by=current_user)
            if request.form.get("publish") and saved.status != MinutesStatus.PUBLISHED:
                services.publish_minutes(saved, by=current_user)
                message = _("Le compte rendu est publié ; les membres sont prévenus.")
            else:
                message = _("Le compte rendu est enregistré.")
        except MeetingError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(error)]
        else:
            return _done(_meeting_url(meeting, f"meeting-{meeting.id}-minutes"), message)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "instances/meetings/minutes_form.html",
        status=status,
        form=form,
        meeting=meeting,
        minutes_due=services.minutes_due(meeting),
        minutes_late=services.minutes_late(meeting),
        preview=render_markdown(form.body.data or ""),
    )


def _minutes_action(meeting_id: int, action: Callable, message: str):
    meeting = _load_meeting(meeting_id)
    require(perms.can_run_meetings, meeting.instance)
    _check_csrf()
    if meeting.minutes is None:
        abort(404)
    try:
        action(meeting)
    except MeetingError as error:
        return _refused(_meeting_url(meeting, f"meeting-{meeting.id}-minutes"), error)
    return _done(_meeting_url(meeting, f"meeting-{meeting.id}-minutes"), message)


@bp.route("/reunions/<int:meeting_id>/compte-rendu/publier", methods=["POST"])
@login_required
def publish_minutes(meeting_id: int):
    """Publish the minutes to the members (members-only instance) or to everyone."""
    return _minutes_action(
        meeting_id,
        lambda m: services.publish_minutes(m.minutes, by=current_user),
        _("Le compte rendu est publié ; les membres sont prévenus."),
    )


@bp.route("/reunions/<int:meeting_id>/approuver/<int:minutes_id>", methods=["POST"])
@login_required
def approve_minutes(meeting_id: int, minutes_id: int):
    """This (later) meeting approves an earlier meeting's minutes."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_run_meetings, meeting.instance)
    _check_csrf()
    minutes_row = db.session.scalar(
        sa.select(Minutes).options(joinedload(Minutes.meeting)).where(Minutes.id == minutes_id)
    )
    if minutes_row is None or minutes_row.meeting.instance_id != meeting.instance_id:
        abort(404)
    try:
        services.approve_minutes(minutes_row, at_meeting=meeting, by=current_user)
    except MeetingError as error:
        return _refused(_meeting_url(meeting, f"meeting-{meeting.id}-minutes"), error)
    return _done(
        _meeting_url(meeting, f"meeting-{meeting.id}-minutes"),
        _("Le compte rendu de la réunion « %(title)s » est approuvé.", title=minutes_row.meeting.title),
    )


# --- decisions log ------------------------------------------------------------------------------


def _follow_up_row_target(follow_up: FollowUp) -> dict[str, str]:
    return {f"follow-up-{follow_up.id}": "instances/meetings/_follow_up.html"}


@bp.route("/<int:instance_id>/suivi", methods=["GET", "POST"])
def follow_ups(instance_id: int):
    """The decisions log: what was decided, who carries it, by when, where it stands."""
    instance = _load_instance(instance_id)
    viewer = services.viewer_for(current_user, instance)
    form = None
    status = 200
    if viewer.can_run:
        form = (
            FollowUpForm(prefix=PREFIXES["follow_up"])
            if request.method == "POST"
            else FollowUpForm(formdata=None, prefix=PREFIXES["follow_up"])
        )
        form.setup(services.active_members(instance))
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            try:
                services.add_follow_up(instance, form.data_for_service(), by=current_user)
            except MeetingError as error:
                db.session.rollback()
                form.text.errors = [*form.text.errors, str(error)]
            else:
                return _done(
                    url_for("meetings.follow_ups", instance_id=instance.id), _("L'action est ajoutée au suivi.")
                )
        status = 422
    filters = FollowUpFilterForm(request.args)
    return render_page(
        "instances/meetings/follow_ups.html",
        {"follow-up-list": "instances/meetings/_follow_up_list.html"},
        status,
        instance=instance,
        viewer=viewer,
        filters=filters,
        entries=services.follow_ups_of(instance, status=filters.status()),
        follow_up_form=form,
        FollowUpStatus=FollowUpStatus,
        today=services.local_today(),
    )


@bp.route("/reunions/<int:meeting_id>/suivi", methods=["POST"])
@login_required
def add_follow_up(meeting_id: int):
    """Add a decision or an action to the log from the meeting page."""
    meeting = _load_meeting(meeting_id)
    require(perms.can_manage_follow_ups, meeting.instance)
    form = FollowUpForm(prefix=PREFIXES["follow_up"])
    form.setup(services.active_members(meeting.instance))
    if form.validate_on_submit():
        try:
            services.add_follow_up(meeting.instance, form.data_for_service(), by=current_user, meeting=meeting)
        except MeetingError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            return _done(_meeting_url(meeting, f"meeting-{meeting.id}-follow-ups"), _("L'action est ajoutée au suivi."))
    return _render_detail(meeting, 422, follow_up_form=form, failed_action="follow_up")


@bp.route("/suivi/<int:follow_up_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_follow_up(follow_up_id: int):
    """Edit an entry of the decisions log."""
    follow_up, instance = _load_follow_up(follow_up_id)
    require(perms.can_manage_follow_ups, instance)
    form = FollowUpForm(obj=follow_up if request.method == "GET" else None)
    form.setup(services.active_members(instance))
    if request.method == "GET":
        form.owner.data = str(follow_up.owner_id or "")
        form.status.data = follow_up.status.value
    if form.validate_on_submit():
        try:
            services.update_follow_up(follow_up, form.data_for_service(), by=current_user)
        except MeetingError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            return _done(
                url_for("meetings.follow_ups", instance_id=instance.id) + f"#follow-up-{follow_up.id}",
                _("Le suivi est mis à jour."),
            )
    status = 422 if form.is_submitted() else 200
    return render_page(
        "instances/meetings/follow_up_form.html", status=status, form=form, follow_up=follow_up, instance=instance
    )


@bp.route("/suivi/<int:follow_up_id>/statut", methods=["POST"])
@login_required
def follow_up_status(follow_up_id: int):
    """Change where an entry stands (inline: the row back for htmx)."""
    follow_up, instance = _load_follow_up(follow_up_id)
    require(perms.can_manage_follow_ups, instance)
    form = FollowUpStatusForm(prefix=f"status-{follow_up.id}")
    fragment = wanted_fragment(_follow_up_row_target(follow_up))
    error = None
    if form.validate_on_submit():
        services.set_follow_up_status(follow_up, form.status.data, by=current_user)
        db.session.commit()
    else:
        error = _("Choisissez un état dans la liste.")
    if fragment:
        viewer = services.viewer_for(current_user, instance)
        context = {
            "entry": follow_up,
            "instance": instance,
            "FollowUpStatus": FollowUpStatus,
            "today": services.local_today(),
            "viewer": viewer,
            "row_error": error,
            "row_notice": None if error else _("État enregistré : %(status)s.", status=follow_up.status.label),
        }
        return render_template(fragment, **context), 422 if error else 200
    flash(error or _("Le suivi est mis à jour."), "error" if error else "success")
    return redirect_to(url_for("meetings.follow_ups", instance_id=instance.id) + f"#follow-up-{follow_up.id}")


# --- the instance's calendar feed ---------------------------------------------------------------


@bp.route("/<int:instance_id>/agenda.ics")
@limiter.limit("60 per minute")
def instance_feed(instance_id: int):
    """The instance's meetings as ICS: anyone for a public instance; members and staff otherwise."""
    instance = db.session.get(Instance, instance_id)
    if instance is None or not perms.can_view_instance(current_user, instance):
        abort(404)
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    response = Response(render_ics(instance.name, instance_events(instance, base)), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="agenda-instance-{instance.id}.ics"'
    response.headers["Cache-Control"] = "public, max-age=900" if instance.is_public else "private, no-store"
    return response
