"""Accounts: registration, login/logout, passwords, profile, my data, erasure, the accueil desk."""

import json
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import on_behalf, services
from app.accounts.forms import (
    AssistedAccountForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
)
from app.accounts.models import TokenPurpose, User
from app.audit import log_event
from app.centres.current import current_structure
from app.centres.permissions import can_assist_people
from app.centres.queries import people_page
from app.extensions import db, limiter, login_manager
from app.forms import EmptyForm
from app.htmx import redirect_to, render_page
from app.permissions import require

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None  # the login page itself says why
login_manager.session_protection = None  # sessions are server-side tokens, rotated at login


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    return services.load_session(token)


#: Pages a person who still holds a one-time code may open before choosing a password.
_FIRST_PASSWORD_ALLOWED = {"accounts.first_password", "accounts.logout", "static", "core.set_language"}


#: One's own account pages: not while acting for someone, to avoid e.g. deleting the wrong account.
_OWN_ACCOUNT_ONLY = {
    "accounts.change_password",
    "accounts.logout_everywhere",
    "accounts.my_data",
    "accounts.my_data_json",
    "accounts.delete_account",
}


@bp.before_request
def _not_while_acting():
    if request.endpoint in _OWN_ACCOUNT_ONLY and current_user.is_authenticated and on_behalf.acting_for():
        flash(_("Vous agissez pour quelqu'un : arrêtez d'abord pour accéder à votre propre compte."), "warning")
        return redirect(url_for("accounts.profile"), code=303)
    return None


@bp.before_app_request
def _require_first_password():
    if (
        current_user.is_authenticated
        and current_user.must_set_password
        and request.endpoint not in _FIRST_PASSWORD_ALLOWED
    ):
        return redirect(url_for("accounts.first_password"))
    return None


def _safe_next(target: str | None) -> str:
    """Only our own paths: `//evil.example` and `https://…` fall back to the home page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.index")


def _login(user: User, remember: bool) -> None:
    keep = {key: session[key] for key in ("lang", "structure_id") if key in session}
    session.clear()  # a fresh session at every login
    session.update(keep)
    services.start_session(user, remember=remember, user_agent=request.user_agent.string)
    # The cookie lives as long as the server-side session (Flask-Login's own default is a year).
    login_user(user, remember=remember, duration=timedelta(days=current_app.config["REMEMBER_COOKIE_DURATION_DAYS"]))


def _account_key() -> str:
    """One key per account whatever the spelling (`06 12…`, `+33 6 12…`, `Awa@…`): no bypass by reformatting."""
    identifier = (request.form.get("identifier") or "").strip()
    if "@" not in identifier and services.looks_like_phone(identifier):
        identifier = services.normalise_phone(identifier) or identifier
    return "login:" + identifier.lower()[:254]


def _ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


@bp.route("/compte/inscription", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def register():
    """Registration form for habitants (e-mail, phone or neither)."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    structure = current_structure()
    if structure is None:
        abort(404)
    form = RegisterForm()
    form.setup_choices(structure)
    if form.validate_on_submit():
        try:
            user = services.register_user(
                structure,
                email=form.email.data,
                phone=form.phone.data,
                password=form.password.data,
                **form.cleaned_person(),
            )
        except services.AccountError as error:
            form.guardian_name.errors = [*form.guardian_name.errors, str(error)]
        else:
            db.session.commit()
            if form.email.data:
                # Same page whether or not the address already had an account.
                return redirect_to(url_for("accounts.check_email"))
            _login(user, remember=True)
            db.session.commit()
            session["new_username"] = user.username
            return redirect_to(url_for("accounts.welcome"))
    status = 422 if form.is_submitted() else 200
    return render_page("accounts/register.html", {"register-form": "accounts/_register_form.html"}, status, form=form)


@bp.route("/compte/inscription/verifiez-vos-e-mails")
def check_email():
    """After registering with an e-mail address: open the link we sent."""
    return render_template("accounts/check_email.html")


@bp.route("/compte/bienvenue")
@login_required
def welcome():
    """First page after registering without e-mail: the login name to keep."""
    return render_template("accounts/welcome.html", username=session.pop("new_username", current_user.username))


@bp.route("/compte/confirmer/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Confirm an address from the e-mailed link (a button, so mail scanners change nothing)."""
    form = EmptyForm()
    if form.validate_on_submit():
        user = services.confirm_email(token)
        if user is None:
            db.session.rollback()
            flash(_("Ce lien n'est plus valable. Connectez-vous pour en recevoir un nouveau."), "error")
            return redirect(url_for("accounts.login"), code=303)
        _login(user, remember=True)
        db.session.commit()
        flash(_("Votre adresse est confirmée. Bienvenue !"), "success")
        return redirect(url_for("core.index"), code=303)
    valid = services.peek_token(token, TokenPurpose.CONFIRM) is not None
    return render_template("accounts/confirm.html", form=form, valid=valid)


@bp.route("/compte/connexion", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"])
def login():
    """Log in with an e-mail, a phone number or a username, and a password or one-time code."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is not None and user.email and user.email_confirmed_at is None and not user.must_set_password:
            services.send_confirmation(user)
            db.session.commit()
            flash(_("Confirmez d'abord votre adresse : nous venons de vous renvoyer le lien par e-mail."), "info")
            return redirect(url_for("accounts.check_email"), code=303)
        if user is not None:
            _login(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")), code=303)
        services.record_failed_login(form.identifier.data)
        db.session.commit()
        form.password.errors = [_("Identifiant ou mot de passe incorrect.")]
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/compte/deconnexion", methods=["POST"])
def logout():
    """Log out of this device."""
    if current_user.is_authenticated:
        person = on_behalf.acting_for()
        if person is not None:
            services.stop_acting_for(current_user, person, session.get(on_behalf.SESSION_KEY, {}).get("structure_id"))
        services.end_session(current_user)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté·e. À bientôt !"), "success")
    return redirect(url_for("core.index"), code=303)


@bp.route("/compte/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link (same answer whether or not the account exists)."""
    form = ForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(form.identifier.data)
        db.session.commit()
        flash(
            _(
                "Si un compte avec une adresse e-mail correspond, un lien vient d'y être envoyé. "
                "Sans e-mail, l'accueil du centre peut vous remettre un nouveau code."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/compte/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link (single use, expires)."""
    if services.peek_token(token, TokenPurpose.RESET) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        if user is None:
            db.session.rollback()
            return render_template("accounts/reset_invalid.html"), 404
        _login(user, remember=False)
        db.session.commit()
        flash(_("Votre mot de passe est changé. Vos autres appareils ont été déconnectés."), "success")
        return redirect(url_for("core.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form), status


@bp.route("/compte/premier-mot-de-passe", methods=["GET", "POST"])
@login_required
def first_password():
    """A person who logged in with a one-time code chooses their own password."""
    if not current_user.must_set_password:
        return redirect(url_for("core.index"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(current_user, form.password.data)
        db.session.commit()
        flash(_("C'est fait : désormais, connectez-vous avec ce mot de passe."), "success")
        return redirect(url_for("core.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/first_password.html", form=form), status


@bp.route("/compte/profil", methods=["GET", "POST"])
@login_required
def profile():
    """Edit one's profile (or, at the accueil, the profile of the person one acts for)."""
    person = on_behalf.acting_person()
    structure = current_structure()
    membership = person.membership_in(structure.id) if structure else None
    form = ProfileForm(obj=person)
    form.setup_choices(structure)
    if request.method == "GET":
        form.quartier_id.data = membership.quartier_id if membership and membership.quartier_id else 0
        form.age_bracket.data = person.age_bracket.value if person.age_bracket else ""
    if form.validate_on_submit():
        data = form.cleaned_person() | {"email": form.email.data, "phone": form.phone.data, "gender": form.gender.data}
        if membership is None:
            data["quartier_id"] = None
        confirm_sent = services.update_profile(person, structure, **data)
        log_event(
            "profile_updated",
            actor=current_user,
            on_behalf_of=person if person is not current_user else None,
            structure_id=structure.id if structure else None,
            target=person,
        )
        db.session.commit()
        flash(_("Profil enregistré."), "success")
        if confirm_sent:
            flash(_("Un lien de confirmation a été envoyé à la nouvelle adresse e-mail."), "info")
        return redirect_to(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "accounts/profile.html",
        {"profile-form": "accounts/_profile_form.html"},
        status,
        form=form,
        person=person,
        password_form=ChangePasswordForm(prefix="pw"),
    )


@bp.route("/compte/mot-de-passe", methods=["POST"])
@login_required
def change_password():
    """Change one's own password; other devices are logged out."""
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as error:
            form.current.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Mot de passe changé. Vos autres appareils ont été déconnectés."), "success")
            return redirect(url_for("accounts.profile"), code=303)
    profile_form = ProfileForm(obj=current_user)
    profile_form.setup_choices(current_structure())
    return render_template("accounts/profile.html", form=profile_form, person=current_user, password_form=form), 422


@bp.route("/compte/deconnecter-partout", methods=["POST"])
@login_required
def logout_everywhere():
    """End every other session of one's account."""
    form = EmptyForm()
    if form.validate_on_submit():
        count = services.end_other_sessions(current_user)
        log_event("logout_others", actor=current_user, target=current_user, count=count)
        db.session.commit()
        flash(_("Vos autres appareils ont été déconnectés."), "success")
    return redirect(url_for("accounts.profile"), code=303)


@bp.route("/compte/mes-donnees")
@login_required
def my_data():
    """Everything Ensemble holds about me, readable."""
    return render_template("accounts/my_data.html", data=services.export_data(current_user))


@bp.route("/compte/mes-donnees.json")
@login_required
def my_data_json():
    """Download my data as JSON (portability)."""
    data = services.export_data(current_user)
    log_event("data_export", actor=current_user, target=current_user)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-ensemble.json"'},
    )


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete my account: a confirmation page, then anonymisation."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        services.delete_account(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Votre compte est supprimé. Vos données personnelles ont été effacées."), "success")
        return redirect(url_for("core.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/confirm_delete.html", form=form), status


# --- the accueil desk: assisted accounts and acting on behalf ---------------------------------


def _desk_structure():
    structure = current_structure()
    require(can_assist_people, structure)
    return structure


def _person_in(structure, user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person.membership_in(structure.id) is None or person.anonymised_at is not None:
        abort(404)
    return person


@bp.route("/accueil/personnes")
@login_required
def desk():
    """The accueil desk: find a person, create an assisted account, act on their behalf."""
    structure = _desk_structure()
    q = request.args.get("q") or ""
    page = people_page(structure, q, page=request.args.get("page", 1, type=int))
    return render_page(
        "accounts/desk.html",
        {"desk-results": "accounts/_desk_results.html"},
        page=page,
        q=q.strip(),
        structure=structure,
    )


@bp.route("/accueil/nouveau-compte", methods=["GET", "POST"])
@login_required
def assisted_new():
    """Create an account for a person present at the accueil."""
    structure = _desk_structure()
    form = AssistedAccountForm()
    form.setup_choices(structure)
    if form.validate_on_submit():
        try:
            person, code = services.create_assisted_account(
                structure, by=current_user, phone=form.phone.data, **form.cleaned_person()
            )
        except services.AccountError as error:
            form.guardian_name.errors = [*form.guardian_name.errors, str(error)]
        else:
            db.session.commit()
            session["sheet"] = {"user_id": person.id, "code": code}
            return redirect(url_for("accounts.assisted_sheet", user_id=person.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/assisted_form.html", form=form, structure=structure), status


@bp.route("/accueil/fiche/<int:user_id>")
@login_required
def assisted_sheet(user_id: int):
    """The printable sheet with the username and the one-time code (shown once)."""
    structure = _desk_structure()
    person = _person_in(structure, user_id)
    sheet = session.get("sheet")
    code = sheet["code"] if sheet and sheet.get("user_id") == person.id else None
    if code:
        session.pop("sheet")
    return render_template(
        "accounts/assisted_sheet.html", person=person, code=code, structure=structure, form=EmptyForm()
    )


@bp.route("/accueil/fiche/<int:user_id>/nouveau-code", methods=["POST"])
@login_required
def reissue_code(user_id: int):
    """Give a person a new one-time code (lost sheet, forgotten password)."""
    structure = _desk_structure()
    person = _person_in(structure, user_id)
    if not on_behalf.can_act_for(current_user, person, structure.id):
        abort(403)
    if EmptyForm().validate_on_submit():
        code = services.reissue_code(person, by=current_user, structure=structure)
        db.session.commit()
        session["sheet"] = {"user_id": person.id, "code": code}
    return redirect(url_for("accounts.assisted_sheet", user_id=person.id), code=303)


@bp.route("/accueil/agir-pour/<int:user_id>", methods=["POST"])
@login_required
def act_for(user_id: int):
    """Start acting on behalf of a person (a visible mode; every act records who did it)."""
    structure = _desk_structure()
    person = _person_in(structure, user_id)
    if not on_behalf.can_act_for(current_user, person, structure.id):
        abort(403)
    if EmptyForm().validate_on_submit():
        services.start_acting_for(current_user, person, structure)
        db.session.commit()
        on_behalf.begin(person, structure.id)
        flash(_("Vous agissez maintenant pour %(name)s.", name=person.display_name), "info")
    return redirect(url_for("core.index"), code=303)


@bp.route("/accueil/arreter", methods=["POST"])
@login_required
def stop_acting():
    """Stop acting on behalf of someone."""
    person = on_behalf.acting_for()
    if EmptyForm().validate_on_submit() and person is not None:
        services.stop_acting_for(current_user, person, session.get(on_behalf.SESSION_KEY, {}).get("structure_id"))
        db.session.commit()
        flash(_("Vous n'agissez plus pour %(name)s.", name=person.display_name), "info")
    on_behalf.end()
    return redirect(url_for("accounts.desk"), code=303)
