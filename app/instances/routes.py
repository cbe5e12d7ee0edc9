"""Instances: list, detail, creation and rules, membership (seats).

Members-only instances answer 404 to everyone but their members and the centre's staff, on every
route. Every action is a real POST form that works without JavaScript (303 + flash); the
membership block of the instance page (`instance-<id>-membership`) is swapped by htmx when asked.
"""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.accounts.on_behalf import acting_person
from app.centres.current import current_structure
from app.extensions import db
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page, wanted_fragment
from app.instances import permissions as perms
from app.instances import queries, services
from app.instances.forms import EndSeatForm, InstanceForm, JoinForm, PersonSearchForm, SeatForm
from app.instances.models import Instance, InstanceType, JoinPolicy, Office, Seat, SeatStatus
from app.instances.sections import instance_sections
from app.instances.services import AlreadyAnswered, InstanceError, local_today
from app.permissions import require

bp = Blueprint("instances", __name__, url_prefix="/instances")


def _structure():
    structure = current_structure()
    if structure is None:
        abort(404)
    return structure


def _load(instance_id: int) -> Instance:
    """The current structure's instance, if the person may see it; else 404."""
    instance = queries.get_instance(instance_id, _structure().id)
    if instance is None or not perms.can_view_instance(current_user, instance):
        abort(404)
    return instance


def _load_seat(instance: Instance, seat_id: int, status: SeatStatus) -> Seat:
    seat = queries.get_seat(instance, seat_id)
    if seat is None or seat.status != status:
        abort(404)
    return seat


def _detail_url(instance: Instance, anchor: str = "") -> str:
    return url_for("instances.detail", instance_id=instance.id) + (f"#{anchor}" if anchor else "")


def _members_url(instance: Instance) -> str:
    return url_for("instances.members", instance_id=instance.id)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _refused(url: str, error: InstanceError):
    db.session.rollback()
    flash(str(error), "error")
    return redirect_to(url)


def _done(url: str, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect_to(url)


# --- list --------------------------------------------------------------------------------------


@bp.route("/")
def index():
    """The centre's instances I may see (archived ones under a filter, for staff)."""
    structure = _structure()
    archived = request.args.get("archivees") == "1" and perms.can_create_instance(current_user, structure)
    cards = queries.instance_cards(structure.id, current_user, person=acting_person(), archived=archived)
    return render_page(
        "instances/index.html",
        {"instance-list": "instances/_list.html"},
        cards=cards,
        archived=archived,
        structure=structure,
        can_create=perms.can_create_instance(current_user, structure),
    )


# --- creating and editing ----------------------------------------------------------------------


def _save_form(form: InstanceForm, instance: Instance | None, structure):
    """Validate, then create or update (instance and rules); 422 with the values kept otherwise."""
    if form.validate_on_submit():
        try:
            if instance is None:
                instance = services.create_instance(
                    structure, form.instance_fields(), form.rules_fields(), by=current_user
                )
                message = _("L'instance « %(name)s » est créée.", name=instance.name)
            else:
                services.update_instance(instance, form.instance_fields(), by=current_user)
                before = instance.rules
                rules = services.update_rules(instance, form.rules_fields(), by=current_user)
                message = (
                    _("Modifications enregistrées. Les règles passent à la version %(n)d.", n=rules.version)
                    if before is None or rules.id != before.id
                    else _("Modifications enregistrées.")
                )
        except InstanceError as error:
            db.session.rollback()
            target = getattr(form, error.field or "name", form.name)
            target.errors = [*target.errors, str(error)]
        else:
            return _done(_detail_url(instance), message)
    status = 422 if form.is_submitted() else 200
    return render_page("instances/form.html", status=status, form=form, instance=instance)


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def new():
    """Create an instance: first its type, then a form filled with that type's usual rules."""
    structure = _structure()
    require(perms.can_create_instance, structure)
    kind = request.args.get("type", "")
    if request.method == "GET" and kind not in {t.value for t in InstanceType}:
        return render_page("instances/choose_type.html", types=list(InstanceType), defaults=services.TYPE_DEFAULTS)
    if request.method == "GET":
        form = InstanceForm(data=InstanceForm.initial(services.default_fields(kind), services.default_rules(kind)))
    else:
        form = InstanceForm()
    form.setup(queries.decision_bodies(structure.id))
    return _save_form(form, None, structure)


@bp.route("/<int:instance_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(instance_id: int):
    """Edit the instance and its rules (a change of rules writes a new version)."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    rules = instance.rules
    if request.method == "GET":
        fields = {name: getattr(instance, name) for name in services.INSTANCE_FIELDS}
        values = rules if rules is not None else services.default_rules(instance.instance_type)
        form = InstanceForm(data=InstanceForm.initial(fields, values))
    else:
        form = InstanceForm()
    form.setup(queries.decision_bodies(instance.structure_id, exclude_id=instance.id), rules.colleges if rules else [])
    return _save_form(form, instance, instance.structure)


@bp.route("/<int:instance_id>/regles")
def rules(instance_id: int):
    """The rules in force in plain French, and the history of their versions."""
    instance = _load(instance_id)
    history = queries.rules_history(instance)
    return render_page(
        "instances/rules.html",
        instance=instance,
        history=history,
        describe=services.describe_rules,
        can_manage=perms.can_manage_instance(current_user, instance),
    )


@bp.route("/<int:instance_id>/archiver", methods=["GET", "POST"])
@login_required
def archive(instance_id: int):
    """Archive the instance (a confirmation page, then the POST)."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    if request.method == "POST":
        _check_csrf()
        try:
            services.archive_instance(instance, by=current_user)
        except InstanceError as error:
            return _refused(_detail_url(instance), error)
        return _done(url_for("instances.index"), _("L'instance « %(name)s » est archivée.", name=instance.name))
    return render_page("instances/archive.html", instance=instance, form=EmptyForm(formdata=None))


@bp.route("/<int:instance_id>/restaurer", methods=["POST"])
@login_required
def restore(instance_id: int):
    """Bring an archived instance back."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    _check_csrf()
    try:
        services.restore_instance(instance, by=current_user)
    except InstanceError as error:
        return _refused(_detail_url(instance), error)
    return _done(_detail_url(instance), _("L'instance est de nouveau active."))


# --- the instance page -------------------------------------------------------------------------


def _membership_target(instance: Instance) -> dict[str, str]:
    return {f"instance-{instance.id}-membership": "instances/_membership.html"}


def _membership_context(instance: Instance, join_form: JoinForm | None = None, seats=None) -> dict:
    """The membership block; `seats` (`queries.current_seats`): the instance page read them already."""
    person = acting_person()
    if not person.is_authenticated:
        my_seat = None
    else:
        my_seat = seats.of(person) if seats is not None else services.current_seat(instance, person)
    return {
        "instance": instance,
        "my_seat": my_seat,
        "join_form": join_form or JoinForm(formdata=None),
        "empty_form": EmptyForm(formdata=None),
        "JoinPolicy": JoinPolicy,
    }


def _can_accept(instance: Instance, my_seat: Seat | None) -> bool:
    """`can_accept_members`, without querying the seat again: only staff act for someone else, so
    for anyone else the seat of the acting person is their own."""
    if perms.is_staff(current_user, instance):
        return True
    if not current_user.is_authenticated or my_seat is None or my_seat.person_id != current_user.id:
        return False
    return my_seat.status == SeatStatus.ACTIVE and my_seat.office in {Office.CHAIR, Office.VICE_CHAIR}


def _render_detail(instance: Instance, status: int = 200, **overrides):
    # The instance's seats are read once: the members, my place, the requests, and (GET) the
    # sections' own "am I a member" questions all come from them.
    seats = queries.current_seats(instance)
    membership = _membership_context(instance, seats=seats)
    can_accept = _can_accept(instance, membership["my_seat"])
    context = {
        **membership,
        "seats": seats.active,
        "groups": queries.members_by_college(instance, seats.active),
        "see_members": perms.can_see_members(current_user, instance),
        "can_manage": perms.can_manage_instance(current_user, instance),
        "can_accept": can_accept,
        "pending": len(seats.requested) if can_accept else 0,
        "quorum_text": services.describe_quorum(instance.rules) if instance.rules else "",
        "sections": instance_sections(instance, current_user),
        **overrides,
    }
    return render_page("instances/detail.html", _membership_target(instance), status, **context)


@bp.route("/<int:instance_id>")
def detail(instance_id: int):
    """The instance: what it is, its rules in short, its members, my place, then its sections."""
    return _render_detail(_load(instance_id))


# --- joining and leaving -----------------------------------------------------------------------


def _membership_response(instance: Instance, error: str | None, message: str | None, join_form=None):
    """The membership block for htmx (422 on a refusal), else a flash and 303 to the instance."""
    fragment = wanted_fragment(_membership_target(instance))
    if fragment:
        context = {**_membership_context(instance, join_form), "membership_error": error, "membership_notice": message}
        return render_template(fragment, **context), 422 if error else 200
    flash(error or message, "error" if error else "success")
    return redirect_to(_detail_url(instance, f"instance-{instance.id}-membership"))


@bp.route("/<int:instance_id>/rejoindre", methods=["POST"])
@login_required
def join(instance_id: int):
    """ "Rejoindre" (open instance) or "Demander à rejoindre" with an optional message."""
    instance = _load(instance_id)
    form = JoinForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        if wanted_fragment(_membership_target(instance)):
            return _membership_response(instance, _("Vérifiez votre message."), None, join_form=form)
        return _render_detail(instance, 422, join_form=form)
    try:
        seat = services.request_seat(instance, acting_person(), form.message.data or "", by=current_user)
    except InstanceError as error:
        db.session.rollback()
        return _membership_response(instance, str(error), None)
    db.session.commit()
    if seat.status == SeatStatus.ACTIVE:
        message = _("Bienvenue : vous êtes membre de « %(name)s ».", name=instance.name)
    elif instance.join_policy == JoinPolicy.OPEN:
        message = _(
            "Votre demande est enregistrée : une autorisation parentale est nécessaire, l'équipe du centre "
            "vous recontacte."
        )
    else:
        message = _("Votre demande est envoyée : la présidence ou l'équipe du centre vous répondra.")
    return _membership_response(instance, None, message)


@bp.route("/<int:instance_id>/annuler-demande", methods=["POST"])
@login_required
def cancel(instance_id: int):
    """Withdraw my pending request."""
    instance = _load(instance_id)
    _check_csrf()
    seat = services.current_seat(instance, acting_person())
    try:
        if seat is None or seat.status != SeatStatus.REQUESTED:
            raise InstanceError(_("Il n'y a pas de demande en attente à annuler."))
        services.cancel_request(seat, by=current_user)
    except InstanceError as error:
        db.session.rollback()
        return _membership_response(instance, str(error), None)
    db.session.commit()
    return _membership_response(instance, None, _("Votre demande est annulée."))


@bp.route("/<int:instance_id>/quitter", methods=["GET", "POST"])
@login_required
def leave(instance_id: int):
    """Leave the instance: a confirmation page, then the POST."""
    instance = _load(instance_id)
    person = acting_person()
    if request.method == "POST":
        _check_csrf()
        try:
            services.leave_instance(instance, person, by=current_user)
        except InstanceError as error:
            return _refused(_detail_url(instance), error)
        return _done(_detail_url(instance), _("Vous avez quitté « %(name)s ».", name=instance.name))
    seat = services.current_seat(instance, person)
    return render_page(
        "instances/leave.html",
        instance=instance,
        seat=seat if seat is not None and seat.status == SeatStatus.ACTIVE else None,
        form=EmptyForm(formdata=None),
    )


# --- members -----------------------------------------------------------------------------------


@bp.route("/<int:instance_id>/membres")
@login_required
def members(instance_id: int):
    """Current members by collège, pending requests, and past members with their dates."""
    instance = _load(instance_id)
    require(perms.can_see_members, instance)
    seats = queries.active_seats(instance)
    can_accept = perms.can_accept_members(current_user, instance)
    return render_page(
        "instances/members.html",
        instance=instance,
        groups=queries.members_by_college(instance, seats),
        seat_count=len(seats),
        past=queries.past_seats(instance),
        requests=queries.pending_requests(instance) if can_accept else [],
        can_accept=can_accept,
        can_manage=perms.can_manage_instance(current_user, instance),
        college_label=lambda code: services.college_label(instance.rules, code),
        form=EmptyForm(formdata=None),
    )


def _seat_form_defaults(instance: Instance, seat: Seat | None = None) -> dict:
    if seat is not None and seat.status == SeatStatus.ACTIVE:
        return {
            "college": seat.college,
            "office": seat.office.value,
            "has_vote": seat.has_vote,
            "ex_officio": seat.ex_officio,
            "start_date": seat.start_date,
            "end_date": seat.end_date,
            "parental_authorisation_at": seat.parental_authorisation_at,
        }
    start = local_today()
    return {"start_date": start, "end_date": services.default_end_date(instance.rules, start), "has_vote": True}


def _seat_page(instance: Instance, person: User, form: SeatForm, mode: str, status: int = 200, seat=None):
    return render_page(
        "instances/seat_form.html",
        status=status,
        instance=instance,
        person=person,
        seat=seat,
        form=form,
        mode=mode,
        needs_authorisation=services.needs_parental_authorisation(instance, person),
        can_record_authorisation=perms.can_manage_instance(current_user, instance),
    )


def _seat_failed(form: SeatForm, error: InstanceError) -> None:
    """Show a refusal next to the field it is about (the start date by default)."""
    db.session.rollback()
    target = getattr(form, error.field or "start_date", form.start_date)
    target.errors = [*target.errors, str(error)]


@bp.route("/<int:instance_id>/demandes/<int:seat_id>", methods=["GET", "POST"])
@login_required
def accept(instance_id: int, seat_id: int):
    """Accept a join request, choosing the collège, office, voting right and mandate."""
    instance = _load(instance_id)
    require(perms.can_accept_members, instance)
    seat = queries.get_seat(instance, seat_id)
    if seat is None:
        abort(404)
    if seat.status != SeatStatus.REQUESTED:
        flash(_("Cette demande a déjà reçu une réponse."), "error")
        return redirect_to(_members_url(instance))
    form = SeatForm(data=_seat_form_defaults(instance)) if request.method == "GET" else SeatForm()
    form.setup(instance.rules)
    if form.validate_on_submit():
        try:
            services.accept_seat(seat, **form.terms(), by=current_user)
        except AlreadyAnswered as error:
            return _refused(_members_url(instance), error)
        except InstanceError as error:
            _seat_failed(form, error)
        else:
            return _done(_members_url(instance), _("%(name)s est membre de l'instance.", name=seat.person.display_name))
    status = 422 if form.is_submitted() else 200
    return _seat_page(instance, seat.person, form, "accept", status, seat=seat)


@bp.route("/<int:instance_id>/demandes/<int:seat_id>/refuser", methods=["POST"])
@login_required
def decline(instance_id: int, seat_id: int):
    """Decline a join request."""
    instance = _load(instance_id)
    require(perms.can_accept_members, instance)
    seat = queries.get_seat(instance, seat_id)
    if seat is None:
        abort(404)
    _check_csrf()
    try:
        services.decline_seat(seat, by=current_user)
    except InstanceError as error:
        return _refused(_members_url(instance), error)
    return _done(_members_url(instance), _("La demande est refusée ; la personne est prévenue."))


def _candidate(instance: Instance, raw) -> User | None:
    """A person of the structure chosen in the search (None if unknown or not a member)."""
    text = str(raw or "")
    if not text.isdigit():
        return None
    person = db.session.get(User, int(text))
    if person is None or person.anonymised_at is not None or person.membership_in(instance.structure_id) is None:
        return None
    return person


@bp.route("/<int:instance_id>/membres/ajouter", methods=["GET", "POST"])
@login_required
def add(instance_id: int):
    """Staff seat a person directly: find them by name or login name, then set the seat's terms."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    if instance.archived_at is not None:
        flash(_("Cette instance est archivée."), "error")
        return redirect_to(_members_url(instance))
    if request.method == "POST":
        form = SeatForm()
        form.setup(instance.rules)
        person = _candidate(instance, form.person.data)
        if person is None:
            flash(_("Choisissez une personne inscrite au centre."), "error")
            return redirect_to(url_for("instances.add", instance_id=instance.id))
        if form.validate_on_submit():
            try:
                services.add_member(instance, person, **form.terms(), by=current_user)
            except InstanceError as error:
                _seat_failed(form, error)
            else:
                return _done(_members_url(instance), _("%(name)s est membre de l'instance.", name=person.display_name))
        return _seat_page(instance, person, form, "add", 422)
    person = _candidate(instance, request.args.get("personne"))
    if person is not None:
        form = SeatForm(data={**_seat_form_defaults(instance), "person": str(person.id)})
        form.setup(instance.rules)
        return _seat_page(instance, person, form, "add")
    search = PersonSearchForm(request.args)
    q = (search.q.data or "").strip()[:80]
    found, seats = queries.candidates(_structure(), instance, q, page=max(request.args.get("page", 1, type=int), 1))
    return render_page(
        "instances/add_member.html",
        {"instance-person-results": "instances/_person_results.html"},
        instance=instance,
        search=search,
        q=q,
        page=found,
        seats=seats,
    )


@bp.route("/<int:instance_id>/sieges/<int:seat_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_seat(instance_id: int, seat_id: int):
    """Change a member's collège, office, voting right, mandate dates."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    seat = _load_seat(instance, seat_id, SeatStatus.ACTIVE)
    form = SeatForm(data=_seat_form_defaults(instance, seat)) if request.method == "GET" else SeatForm()
    form.setup(instance.rules)
    if form.validate_on_submit():
        try:
            services.update_seat(seat, **form.terms(), by=current_user)
        except InstanceError as error:
            _seat_failed(form, error)
        else:
            return _done(_members_url(instance), _("Le siège de %(name)s est modifié.", name=seat.person.display_name))
    status = 422 if form.is_submitted() else 200
    return _seat_page(instance, seat.person, form, "edit", status, seat=seat)


@bp.route("/<int:instance_id>/sieges/<int:seat_id>/terminer", methods=["GET", "POST"])
@login_required
def end(instance_id: int, seat_id: int):
    """End a seat (departure, end of mandate, removal): a confirmation with the reason."""
    instance = _load(instance_id)
    require(perms.can_manage_instance, instance)
    seat = _load_seat(instance, seat_id, SeatStatus.ACTIVE)
    form = EndSeatForm()
    if form.validate_on_submit():
        try:
            services.end_seat(seat, form.reason.data, by=current_user)
        except InstanceError as error:
            return _refused(_members_url(instance), error)
        return _done(
            _members_url(instance),
            _("Le siège de %(name)s a pris fin ; il reste dans l'historique.", name=seat.person.display_name),
        )
    status = 422 if form.is_submitted() else 200
    return render_page("instances/end_seat.html", status=status, instance=instance, seat=seat, form=form)
