"""Missions and shifts: browse, sign up, waitlist, my shifts, my volunteer profile, and for
coordinators the missions, shifts, roster and attendance.

Every action is a real POST form that works without JavaScript (303 back to the page with a
flash). The sign-up button, aimed by htmx at `shift-<id>-signup`, gets that block back; a roster
row, aimed at `signup-<id>`, gets its row back.
"""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.on_behalf import acting_person
from app.centres.current import current_structure
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.permissions import require
from app.timeutil import utcnow
from app.volunteering import permissions as perms
from app.volunteering import queries, services
from app.volunteering.forms import (
    DAY_LABELS,
    PART_LABELS,
    CancelShiftForm,
    MissionFilterForm,
    MissionForm,
    PresenceForm,
    ProfileForm,
    ShiftEditForm,
    ShiftForm,
    slot_label,
)
from app.volunteering.models import MissionStatus, Presence, SignupStatus
from app.volunteering.services import DAYS, PARTS, VolunteeringError

bp = Blueprint("volunteering", __name__, url_prefix="/benevolat")


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _mission(mission_id: int):
    """The current structure's mission, if the person may see it; else 404."""
    mission = queries.load_mission(mission_id, _structure().id)
    if mission is None or not perms.can_view_mission(current_user, mission):
        abort(404)
    return mission


def _shift(shift_id: int):
    """The current structure's shift, if the person may see its mission; else 404."""
    shift = queries.load_shift(shift_id, _structure().id)
    if shift is None or not perms.can_view_mission(current_user, shift.mission):
        abort(404)
    return shift


def _managed_signup(signup_id: int):
    """A sign-up on a shift the person manages (404 if they may not even see it, else 403)."""
    signup = queries.load_signup(signup_id, _structure().id)
    if signup is None or not perms.can_view_mission(current_user, signup.shift.mission):
        abort(404)
    require(perms.can_manage_shift, signup.shift)
    return signup


def _mission_url(mission, anchor: str = "") -> str:
    return url_for("volunteering.mission", mission_id=mission.id) + (f"#{anchor}" if anchor else "")


def _roster_url(shift) -> str:
    return url_for("volunteering.roster", shift_id=shift.id)


def _back(default: str) -> str:
    """The page the form came from (`next`), if it is one of ours; else `default`."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- browsing -----------------------------------------------------------------------------------


@bp.route("/")
def index():
    """Published missions with their next shifts and free places; filter by category."""
    structure = _structure()
    form = MissionFilterForm(request.args)
    category = form.category()
    page_number = max(request.args.get("page", 1, type=int), 1)
    page = queries.mission_page(structure.id, category=category, page=page_number)
    shifts = queries.next_shifts([m.id for m in page.items])
    shift_ids = [s.id for found in shifts.values() for s in found]
    return render_page(
        "volunteering/index.html",
        {"mission-list": "volunteering/_mission_list.html"},
        form=form,
        page=page,
        shifts=shifts,
        mine=queries.my_signups(acting_person(), shift_ids),
        url_args={"categorie": category} if category else {},
        back=request.full_path.rstrip("?"),
        structure=structure,
    )


@bp.route("/missions/<int:mission_id>")
def mission(mission_id: int):
    """A mission: what it is, who coordinates, its upcoming shifts with a sign-up button each."""
    mission = _mission(mission_id)
    manager = perms.can_edit_mission(current_user, mission)
    shifts = queries.upcoming_shifts(mission.id, include_cancelled=manager)
    past = queries.past_shifts(mission.id) if manager else []
    shift_ids = [s.id for s in shifts]
    return render_page(
        "volunteering/mission.html",
        mission=mission,
        shifts=shifts,
        past=past,
        manager=manager,
        mine=queries.my_signups(acting_person(), shift_ids),
        waiting=queries.waitlist_counts(shift_ids) if manager else {},
        link=_link_of(mission),
        back=request.full_path.rstrip("?"),
        form=EmptyForm(formdata=None),
    )


def _link_of(mission) -> dict | None:
    """The initiative or instance the mission belongs to, if the person may see it."""
    if mission.initiative_id:
        from app.initiatives.models import Initiative
        from app.initiatives.permissions import can_view_initiative

        initiative = db.session.get(Initiative, mission.initiative_id)
        if initiative is not None and can_view_initiative(current_user, initiative):
            return {
                "label": _("Initiative d'habitants"),
                "name": initiative.title,
                "url": url_for("initiatives.detail", initiative_id=initiative.id),
            }
    if mission.instance_id:
        from app.instances.models import Instance
        from app.instances.permissions import can_view_instance

        instance = db.session.get(Instance, mission.instance_id)
        if instance is not None and can_view_instance(current_user, instance):
            return {"label": _("Instance"), "name": instance.name, "url": None}
    return None


@bp.route("/creneaux/<int:shift_id>")
def shift(shift_id: int):
    """One shift: when, where, places left, and the sign-up button."""
    shift = _shift(shift_id)
    return render_page(
        "volunteering/shift.html",
        shift=shift,
        mission=shift.mission,
        mine=queries.my_signups(acting_person(), [shift.id]),
        manager=perms.can_manage_shift(current_user, shift),
        back=request.full_path.rstrip("?"),
    )


# --- signing up ---------------------------------------------------------------------------------


def _signup_response(shift, error: str | None, notice: str | None):
    """The sign-up block for htmx (422 on a refusal), else 303 back to the page with a flash."""
    fragment = wanted_fragment({f"shift-{shift.id}-signup": "volunteering/_signup.html"})
    back = _back(url_for("volunteering.shift", shift_id=shift.id))
    if fragment:
        db.session.refresh(shift)
        context = {
            "shift": shift,
            "mission": shift.mission,
            "mine": queries.my_signups(acting_person(), [shift.id]),
            "back": back,
            "signup_error": error,
            "signup_notice": notice,
        }
        return render_template(fragment, **context), 422 if error else 200
    flash(error or notice, "error" if error else "success")
    return redirect_to(back)


@bp.route("/creneaux/<int:shift_id>/inscription", methods=["POST"])
@login_required
def sign_up(shift_id: int):
    """ "Je m'inscris": a place if one is free, else the waitlist."""
    shift = _shift(shift_id)
    _check_csrf()
    try:
        signup = services.sign_up(shift, acting_person(), by=current_user)
    except VolunteeringError as refused:
        db.session.rollback()
        return _signup_response(shift, str(refused), None)
    db.session.commit()
    if signup.status == SignupStatus.CONFIRMED:
        notice = _("C'est noté : vous êtes inscrit·e. Merci !")
    else:
        notice = _(
            "Le créneau est complet : vous êtes sur la liste d'attente (position %(n)s). "
            "Vous serez prévenu·e si une place se libère.",
            n=services.waitlist_position(signup),
        )
    return _signup_response(shift, None, notice)


@bp.route("/creneaux/<int:shift_id>/desinscription", methods=["GET", "POST"])
@login_required
def cancel_signup(shift_id: int):
    """Cancel my sign-up (before the deadline); my place goes to the first person waiting.

    GET is the confirmation step without JavaScript (with htmx, `hx-confirm` asks and POSTs here)."""
    shift = _shift(shift_id)
    mine = queries.my_signups(acting_person(), [shift.id]).get(shift.id)
    if request.method == "GET":
        return render_page(
            "volunteering/signup_cancel.html",
            shift=shift,
            mission=shift.mission,
            my=mine,
            back=_back(url_for("volunteering.shift", shift_id=shift.id)),
        )
    # No form-level token check here: the htmx button sends it as the X-CSRFToken header, which the
    # app-wide CSRFProtect has already verified before this view runs.
    if mine is None:
        return _signup_response(shift, None, _("Vous n'êtes pas inscrit·e à ce créneau."))
    was_waiting = mine.status == SignupStatus.WAITLIST
    try:
        services.cancel_signup(mine.signup, by=current_user)
    except VolunteeringError as refused:
        db.session.rollback()
        return _signup_response(shift, str(refused), None)
    db.session.commit()
    if was_waiting:
        return _signup_response(shift, None, _("Vous avez quitté la liste d'attente de ce créneau."))
    return _signup_response(shift, None, _("Vous êtes désinscrit·e de ce créneau."))


@bp.route("/mes-creneaux")
@login_required
def my_shifts():
    """My upcoming shifts (confirmed or waiting, with my place in line) and the past ones."""
    structure = _structure()
    found = queries.my_shifts(acting_person().id, structure.id)
    mine = {m.signup.shift_id: m for m in found.upcoming}
    return render_page(
        "volunteering/my_shifts.html",
        found=found,
        mine=mine,
        back=request.full_path.rstrip("?"),
    )


@bp.route("/mon-profil", methods=["GET", "POST"])
@login_required
def profile():
    """My skills and availability, and what coordinators may see of me."""
    structure = _structure()
    person = acting_person()
    current = services.profile_of(person.id, structure.id)
    form = ProfileForm(obj=current if request.method == "GET" else None)
    if request.method == "GET" and current is not None:
        form.availability.data = list(current.availability or [])
        form.contact_sharing.data = current.contact_sharing.value
    if form.validate_on_submit():
        services.save_profile(person, structure, form.profile_fields())
        db.session.commit()
        flash(_("Votre profil de bénévole est enregistré."), "success")
        return redirect_to(url_for("volunteering.profile"))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "volunteering/profile.html",
        status=status,
        form=form,
        days=DAYS,
        parts=PARTS,
        day_labels=DAY_LABELS,
        part_labels=PART_LABELS,
        person=person,
    )


# --- missions (coordinators and staff) ----------------------------------------------------------


@bp.route("/gestion")
@login_required
def manage():
    """The missions I run (staff: all the centre's), drafts and archived ones included."""
    structure = _structure()
    require(perms.can_create_mission, structure)
    return render_page(
        "volunteering/manage.html",
        missions=queries.manageable_missions(current_user, structure.id),
        structure=structure,
    )


def _mission_form_page(form: MissionForm, mission):
    if form.validate_on_submit():
        fields = form.data_for_service()
        try:
            if mission is None:
                fields["status"] = MissionStatus.PUBLISHED if form.publish.data else MissionStatus.DRAFT
                mission = services.create_mission(_structure(), fields, by=current_user)
            else:
                services.update_mission(mission, fields, by=current_user)
                if form.publish.data and mission.status != MissionStatus.PUBLISHED:
                    services.publish_mission(mission, by=current_user)
        except VolunteeringError as error:
            db.session.rollback()
            form.title.errors = [*form.title.errors, str(error)]
        else:
            db.session.commit()
            if mission.status == MissionStatus.PUBLISHED:
                flash(_("Mission enregistrée et publiée. Ajoutez maintenant ses créneaux."), "success")
            else:
                flash(_("Mission enregistrée en brouillon : publiez-la quand elle est prête."), "success")
            return redirect_to(_mission_url(mission))
    status = 422 if form.is_submitted() else 200
    return render_page("volunteering/mission_form.html", status=status, form=form, mission=mission)


@bp.route("/missions/nouvelle", methods=["GET", "POST"])
@login_required
def new_mission():
    """Create a mission (bénévoles coordinateurs and staff)."""
    structure = _structure()
    require(perms.can_create_mission, structure)
    form = MissionForm()
    form.setup(structure.id)
    if request.method == "GET" and not services.is_staff(current_user, structure.id):
        form.coordinators.data = [current_user.id]
    return _mission_form_page(form, None)


@bp.route("/missions/<int:mission_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_mission(mission_id: int):
    """Edit a mission (its coordinators and staff)."""
    mission = _mission(mission_id)
    require(perms.can_edit_mission, mission)
    form = MissionForm(obj=mission if request.method == "GET" else None)
    form.setup(mission.structure_id, mission)
    if request.method == "GET":
        form.fill_from(mission)
    return _mission_form_page(form, mission)


def _mission_action(mission_id: int, action, message: str):
    mission = _mission(mission_id)
    require(perms.can_edit_mission, mission)
    _check_csrf()
    try:
        action(mission, by=current_user)
    except VolunteeringError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(_mission_url(mission))
    db.session.commit()
    flash(message, "success")
    return redirect_to(_mission_url(mission))


@bp.route("/missions/<int:mission_id>/publier", methods=["POST"])
@login_required
def publish_mission(mission_id: int):
    """Publish: the mission and its shifts appear in the list."""
    return _mission_action(mission_id, services.publish_mission, _("La mission est publiée."))


@bp.route("/missions/<int:mission_id>/archiver", methods=["POST"])
@login_required
def archive_mission(mission_id: int):
    """Archive: the mission leaves the list (it stays in the centre's history)."""
    return _mission_action(mission_id, services.archive_mission, _("La mission est archivée."))


# --- shifts (coordinators and staff) -----------------------------------------------------------


@bp.route("/missions/<int:mission_id>/creneaux/nouveau", methods=["GET", "POST"])
@login_required
def new_shift(mission_id: int):
    """Add a shift, once or every week until a date."""
    mission = _mission(mission_id)
    require(perms.can_edit_mission, mission)
    form = ShiftForm()
    if form.validate_on_submit():
        try:
            if form.repeat.data == "weekly":
                series = services.add_weekly_shifts(mission, form.weekly_fields(), by=current_user)
                count = len(services.weekly_dates(series.first_date, series.last_date))
                message = ngettext(
                    "%(num)d créneau ajouté, le %(day)s %(first)s.",
                    "%(num)d créneaux ajoutés, chaque %(day)s du %(first)s au %(last)s.",
                    count,
                    day=format_date(series.first_date, "EEEE"),
                    first=format_date(series.first_date, "d MMMM y"),
                    last=format_date(series.last_date, "d MMMM y"),
                )
            else:
                services.add_shift(mission, form.shift_fields(), by=current_user)
                message = _("Créneau ajouté.")
        except VolunteeringError as error:
            db.session.rollback()
            form.day.errors = [*form.day.errors, str(error)]
        else:
            db.session.commit()
            flash(message, "success")
            return redirect_to(_mission_url(mission, "mission-shifts"))
    status = 422 if form.is_submitted() else 200
    return render_page("volunteering/shift_form.html", status=status, form=form, mission=mission)


@bp.route("/creneaux/<int:shift_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_shift(shift_id: int):
    """Change a shift, or it and the later ones of its series."""
    shift = _shift(shift_id)
    require(perms.can_manage_shift, shift)
    form = ShiftEditForm()
    form.allow_custom_closing(shift)
    if request.method == "GET":
        form.fill_from(shift)
    elif form.validate_on_submit():
        whole = form.scope.data == "following"
        try:
            changed = services.update_shift(shift, form.shift_fields(), by=current_user, whole_series=whole)
        except VolunteeringError as error:
            db.session.rollback()
            form.capacity.errors = [*form.capacity.errors, str(error)]
        else:
            db.session.commit()
            flash(
                ngettext("Créneau modifié.", "%(num)d créneaux modifiés.", len(changed)),
                "success",
            )
            return redirect_to(url_for("volunteering.shift", shift_id=shift.id))
    status = 422 if form.is_submitted() else 200
    return render_page("volunteering/shift_edit.html", status=status, form=form, shift=shift, mission=shift.mission)


@bp.route("/creneaux/<int:shift_id>/annuler", methods=["GET", "POST"])
@login_required
def cancel_shift(shift_id: int):
    """Confirm, then cancel a shift (the people signed up are told)."""
    shift = _shift(shift_id)
    require(perms.can_manage_shift, shift)
    form = CancelShiftForm()
    if form.validate_on_submit():
        try:
            cancelled = services.cancel_shift(
                shift, by=current_user, reason=form.reason.data or "", whole_series=form.scope.data == "following"
            )
        except VolunteeringError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect_to(url_for("volunteering.shift", shift_id=shift.id))
        db.session.commit()
        flash(
            ngettext(
                "Créneau annulé : les personnes inscrites sont prévenues.",
                "%(num)d créneaux annulés : les personnes inscrites sont prévenues.",
                len(cancelled),
            ),
            "success",
        )
        return redirect_to(_mission_url(shift.mission, "mission-shifts"))
    status = 422 if form.is_submitted() else 200
    people = len(queries.roster(shift).confirmed) if shift.cancelled_at is None else 0
    return render_page(
        "volunteering/shift_cancel.html", status=status, form=form, shift=shift, mission=shift.mission, people=people
    )


# --- roster and attendance ----------------------------------------------------------------------


@bp.route("/creneaux/<int:shift_id>/equipe")
@login_required
def roster(shift_id: int):
    """The coordinator's roster: who is coming, who waits, presence once the shift has started."""
    shift = _shift(shift_id)
    require(perms.can_manage_shift, shift)
    return render_page(
        "volunteering/roster.html",
        shift=shift,
        mission=shift.mission,
        roster=queries.roster(shift),
        attendance_open=services.attendance_open(shift),
        can_remove=shift.cancelled_at is None and shift.starts_at > utcnow(),
        form=PresenceForm(formdata=None),
    )


@bp.route("/creneaux/<int:shift_id>/qui-pourrait-venir")
@login_required
def candidates(shift_id: int):
    """People who shared their profile and are free at that time with the right skills."""
    shift = _shift(shift_id)
    require(perms.can_manage_shift, shift)
    slots = sorted(services.shift_slots(shift), key=services.SLOTS.index)
    return render_page(
        "volunteering/candidates.html",
        shift=shift,
        mission=shift.mission,
        candidates=queries.candidates(shift),
        slot_text=", ".join(slot_label(slot) for slot in slots),
    )


@bp.route("/inscriptions/<int:signup_id>/presence", methods=["POST"])
@login_required
def presence(signup_id: int):
    """Mark one person attended or no-show (htmx: their roster row comes back)."""
    signup = _managed_signup(signup_id)
    shift = signup.shift
    fragment = wanted_fragment({f"signup-{signup.id}": "volunteering/_roster_row.html"})
    form = PresenceForm()
    error = notice = None
    if not form.validate_on_submit():
        error = _("Choisissez venu·e ou pas venu·e.")
    else:
        try:
            services.mark_presence(signup, Presence(form.presence.data), by=current_user)
        except VolunteeringError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            notice = (
                _("%(name)s : présence notée.", name=signup.person.display_name)
                if signup.presence == Presence.ATTENDED
                else _("%(name)s : absence notée.", name=signup.person.display_name)
            )
    if fragment:
        signup = queries.load_signup(signup_id, _structure().id)
        context = {
            "line": queries.roster_line(signup, shift.mission.structure_id),
            "shift": signup.shift,
            "attendance_open": services.attendance_open(signup.shift),
            "can_remove": False,
            "row_error": error,
            "row_notice": notice,
        }
        return render_template(fragment, **context), 422 if error else 200
    flash(error or notice, "error" if error else "success")
    return redirect_to(_roster_url(shift) + f"#signup-{signup_id}")


@bp.route("/inscriptions/<int:signup_id>/retirer", methods=["POST"])
@login_required
def remove_signup(signup_id: int):
    """A coordinator takes someone off the shift (they are told; the first person waiting gets the place)."""
    signup = _managed_signup(signup_id)
    shift = signup.shift
    _check_csrf()
    name = signup.person.display_name
    try:
        services.cancel_signup(signup, by=current_user, as_manager=True)
    except VolunteeringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(name)s n'est plus inscrit·e à ce créneau.", name=name), "success")
    return redirect_to(_roster_url(shift))


@bp.route("/creneaux/<int:shift_id>/presences-terminees", methods=["POST"])
@login_required
def finish_attendance(shift_id: int):
    """The coordinator has marked who came."""
    shift = _shift(shift_id)
    require(perms.can_manage_shift, shift)
    _check_csrf()
    try:
        services.finish_attendance(shift, by=current_user)
    except VolunteeringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Présences enregistrées. Merci ! Les heures sont proposées à la validation."), "success")
    return redirect_to(_roster_url(shift))
