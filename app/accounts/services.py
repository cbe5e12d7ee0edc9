"""Account rules: registration, login sessions, passwords, profile, export, erasure, assisted accounts.

Services flush; the route commits (architecture.md C.2).
"""

import re
import secrets
import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.accounts.models import AgeBracket, CreatedVia, EmailToken, TokenPurpose, User, UserSession, hash_token
from app.accounts.passwords import burn_time, check_password, hash_password, new_one_time_code, normalise_code
from app.audit import log_event
from app.centres.models import Membership, Role, Structure
from app.extensions import db
from app.mail import queue_email
from app.notifications.models import Notification, NotificationPreference
from app.timeutil import utcnow

#: At most this many accounts are tried for one phone number at login (shared family phones).
MAX_ACCOUNTS_PER_PHONE = 6


class AccountError(Exception):
    """A rule refused the change; the message is shown to the person."""


def normalise_email(text: str | None) -> str | None:
    text = (text or "").strip()
    return text.lower() if text else None


def normalise_phone(text: str | None) -> str | None:
    """French numbers to +33…; others kept as + and digits. None when empty."""
    digits = re.sub(r"[^\d+]", "", text or "")
    if not digits:
        return None
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return digits


def looks_like_phone(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\s.+()-]{8,20}", text.strip())) and sum(c.isdigit() for c in text) >= 8


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return (words[0] if words else "habitant")[:20]


def generate_username(display_name: str) -> str:
    """A readable, unique login name such as `fatou.4821`."""
    base = _slug(display_name)
    for _attempt in range(20):
        candidate = f"{base}.{secrets.randbelow(9000) + 1000}"
        if db.session.scalar(sa.select(User.id).where(User.username == candidate)) is None:
            return candidate
    return f"{base}.{secrets.token_hex(4)}"


def _apply_age(user: User, birth_year: int | None, age_bracket: str | None) -> None:
    user.birth_year = birth_year or None
    user.age_bracket = AgeBracket(age_bracket) if age_bracket and not birth_year else None


def _join(user: User, structure: Structure, quartier_id: int | None, role: Role = Role.HABITANT) -> Membership:
    membership = user.membership_in(structure.id)
    if membership is None:
        membership = Membership(structure_id=structure.id, role=role)
        user.memberships.append(membership)
    if quartier_id is not None:
        membership.quartier_id = quartier_id
    return membership


def is_minor_under_15(birth_year: int | None, age_bracket: str | None) -> bool:
    """Under 15 needs the joint consent of a parent (loi Informatique et Libertés, art. 45)."""
    if birth_year:
        return utcnow().year - birth_year < 15
    return age_bracket == AgeBracket.CHILD.value


# --- e-mail links -------------------------------------------------------------------------


def _issue_token(user: User, purpose: TokenPurpose, minutes: int) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    return token


def use_token(token: str, purpose: TokenPurpose) -> User | None:
    """Consume a single-use link: the user it was for, or None if unknown, used or expired.

    The conditional UPDATE makes two simultaneous clicks consume it only once.
    """
    row = db.session.scalar(
        sa.select(EmailToken).where(EmailToken.token_hash == hash_token(token), EmailToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    result = db.session.execute(
        sa.update(EmailToken).where(EmailToken.id == row.id, EmailToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if result.rowcount != 1:
        return None
    user = db.session.get(User, row.user_id)
    return user if user and user.is_active else None


def peek_token(token: str, purpose: TokenPurpose) -> User | None:
    """The user a still-valid link is for, without consuming it (to show the form)."""
    row = db.session.scalar(
        sa.select(EmailToken).where(EmailToken.token_hash == hash_token(token), EmailToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row.user if row.user.is_active else None


def _link(path: str) -> str:
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + path


def send_confirmation(user: User) -> None:
    """E-mail a link that confirms the address (and logs the person in)."""
    token = _issue_token(user, TokenPurpose.CONFIRM, 60 * 24 * 3)
    with force_locale(user.locale):
        queue_email(
            user.email,
            _("Confirmez votre adresse e-mail — Ensemble"),
            _(
                "Bonjour %(name)s,\n\nPour activer votre compte Ensemble, ouvrez ce lien "
                "(valable 3 jours) :\n%(link)s\n\nVotre identifiant de connexion est : %(username)s\n\n"
                "Si vous n'avez rien demandé, ignorez ce message.\n\n— Ensemble",
                name=user.display_name,
                link=_link(f"/compte/confirmer/{token}"),
                username=user.username,
            ),
        )


# --- registration ---------------------------------------------------------------------------


def register_user(
    structure: Structure,
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    quartier_id: int | None = None,
    birth_year: int | None = None,
    age_bracket: str | None = None,
    gender: str | None = None,
    locale: str = "fr",
    guardian_name: str | None = None,
) -> User | None:
    """Create a habitant's account in `structure`.

    With an e-mail address the account waits for the confirmation link; if the address already
    has an account, its owner gets a notice instead and None is returned — the page shown is
    the same either way, so registration does not reveal who is registered.
    """
    email = normalise_email(email)
    if email:
        existing = db.session.scalar(sa.select(User).where(User.email == email))
        if existing is not None:
            with force_locale(existing.locale):
                queue_email(
                    email,
                    _("Vous avez déjà un compte — Ensemble"),
                    _(
                        "Bonjour,\n\nQuelqu'un (sans doute vous) a voulu créer un compte Ensemble avec "
                        "cette adresse, qui a déjà un compte. Pour vous connecter : %(login)s\n"
                        "Mot de passe oublié ? %(reset)s\n\n— Ensemble",
                        login=_link("/compte/connexion"),
                        reset=_link("/compte/mot-de-passe-oublie"),
                    ),
                )
            return None
    user = User(
        display_name=display_name.strip(),
        username=generate_username(display_name),
        email=email,
        phone=normalise_phone(phone),
        password_hash=hash_password(password),
        gender=(gender or "").strip() or None,
        locale=locale,
        created_via=CreatedVia.SELF,
    )
    _apply_age(user, birth_year, age_bracket)
    if is_minor_under_15(birth_year, age_bracket):
        if not guardian_name:
            raise AccountError(_("Avant 15 ans, un parent doit donner son accord avec vous."))
        user.guardian_name = guardian_name.strip()
        user.guardian_consent_at = utcnow()
    _join(user, structure, quartier_id)
    try:
        # A savepoint: two simultaneous sign-ups with one address make one account, never a 500.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        if email and db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            return register_user(structure, display_name=display_name, password=password, email=email, locale=locale)
        raise
    if email:
        send_confirmation(user)
    log_event("register", actor=user, structure_id=structure.id, target=user)
    return user


def confirm_email(token: str) -> User | None:
    """Mark the address confirmed from the e-mailed link."""
    user = use_token(token, TokenPurpose.CONFIRM)
    if user is not None and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        log_event("email_confirmed", actor=user, target=user)
    db.session.flush()
    return user


# --- login and sessions ---------------------------------------------------------------------


def login_candidates(identifier: str) -> list[User]:
    """Accounts an identifier (e-mail, phone number or username) may stand for."""
    identifier = identifier.strip()
    if "@" in identifier:
        query = sa.select(User).where(User.email == normalise_email(identifier))
    elif looks_like_phone(identifier):
        query = sa.select(User).where(User.phone == normalise_phone(identifier)).limit(MAX_ACCOUNTS_PER_PHONE)
    else:
        query = sa.select(User).where(User.username == identifier.lower())
    return [u for u in db.session.scalars(query.order_by(User.id)) if u.anonymised_at is None]


def authenticate(identifier: str, secret: str) -> User | None:
    """The account whose password (or one-time code) matches, or None. Constant work per try."""
    candidates = login_candidates(identifier)
    if not candidates:
        burn_time(secret)
        return None
    for user in candidates:
        attempt = normalise_code(secret) if user.must_set_password else secret
        if check_password(user.password_hash, attempt) and not user.is_blocked:
            return user
    return None


def start_session(user: User, *, remember: bool, user_agent: str = "") -> UserSession:
    """Open a new server-side session (a fresh token at every login: no session fixation)."""
    token = secrets.token_urlsafe(32)
    hours = (
        current_app.config["REMEMBER_COOKIE_DURATION_DAYS"] * 24 if remember else current_app.config["SESSION_HOURS"]
    )
    row = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + timedelta(hours=hours),
        user_agent=(user_agent or "")[:200],
    )
    db.session.add(row)
    db.session.flush()
    row.token = token
    user.current_session = row
    user.last_login_at = utcnow()
    log_event("login", actor=user, target=user)
    return row


def load_session(token: str) -> User | None:
    """The user of a live session token (one query), or None if it was ended or expired."""
    row = db.session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    session_row, user = row
    if session_row.expires_at < utcnow() or not user.is_active:
        return None
    session_row.token = token
    user.current_session = session_row
    return user


def end_session(user: User) -> None:
    """Log out this device."""
    if user.current_session is not None:
        db.session.execute(sa.delete(UserSession).where(UserSession.id == user.current_session.id))
    log_event("logout", actor=user, target=user)


def end_other_sessions(user: User) -> int:
    """Log out every other device (after a password change, or on request)."""
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if user.current_session is not None:
        query = query.where(UserSession.id != user.current_session.id)
    return db.session.execute(query).rowcount


def record_failed_login(identifier: str) -> None:
    """Audit a failed attempt without storing the password typed."""
    log_event("login_failed", identifier=identifier[:80])


# --- passwords --------------------------------------------------------------------------------


def request_password_reset(identifier: str) -> None:
    """E-mail a reset link if the identifier leads to an account with an address; silent otherwise."""
    for user in login_candidates(identifier)[:1]:
        if user.email and user.is_active:
            token = _issue_token(user, TokenPurpose.RESET, current_app.config["RESET_TOKEN_MINUTES"])
            with force_locale(user.locale):
                queue_email(
                    user.email,
                    _("Réinitialiser votre mot de passe — Ensemble"),
                    _(
                        "Bonjour %(name)s,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
                        "(valable %(minutes)s minutes, une seule fois) :\n%(link)s\n\n"
                        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas."
                        "\n\n— Ensemble",
                        name=user.display_name,
                        minutes=current_app.config["RESET_TOKEN_MINUTES"],
                        link=_link(f"/compte/reinitialiser/{token}"),
                    ),
                )
            log_event("password_reset_requested", actor=user, target=user)


def set_password(user: User, password: str) -> None:
    """Store a new password, end every other session, and tell the person."""
    from app.notifications.services import notify  # notifications build on accounts

    user.password_hash = hash_password(password)
    user.must_set_password = False
    end_other_sessions(user)
    log_event("password_changed", actor=user, target=user)
    notify(
        [user],
        "account.security",
        lambda: _("Le mot de passe de votre compte a été changé. Si ce n'est pas vous, contactez le centre."),
        url="/compte/profil",
    )
    db.session.flush()


def reset_password(token: str, password: str) -> User | None:
    """Use a reset link to set a new password; None if the link is unknown, used or expired."""
    user = use_token(token, TokenPurpose.RESET)
    if user is None:
        return None
    set_password(user, password)
    if user.email and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link proved the address
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change one's password, knowing the current one."""
    if not check_password(user.password_hash, current):
        raise AccountError(_("Le mot de passe actuel est incorrect."))
    set_password(user, new)


# --- profile, export, erasure -----------------------------------------------------------------


def update_profile(user: User, structure: Structure | None, **data) -> bool:
    """Save profile fields. Returns True when a new address needs confirming (a link was sent)."""
    user.display_name = data["display_name"].strip()
    user.phone = normalise_phone(data.get("phone"))
    user.gender = (data.get("gender") or "").strip() or None
    user.locale = data.get("locale") or user.locale
    _apply_age(user, data.get("birth_year"), data.get("age_bracket"))
    if structure is not None and data.get("quartier_id") is not None:
        _join(user, structure, data["quartier_id"])
    new_email = normalise_email(data.get("email"))
    changed = new_email != user.email
    if changed:
        if new_email is None:
            user.email, user.email_confirmed_at = None, None
        elif db.session.scalar(sa.select(User.id).where(User.email == new_email)) is None:
            user.email, user.email_confirmed_at = new_email, None
            db.session.flush()
            send_confirmation(user)
    db.session.flush()
    return changed and new_email is not None


def export_data(user: User) -> dict:
    """Everything Ensemble holds about a person (RGPD right of access and portability)."""
    from app.ledger.queries import person_history

    return {
        "compte": {
            "nom_affiche": user.display_name,
            "identifiant": user.username,
            "email": user.email,
            "email_confirme_le": user.email_confirmed_at,
            "telephone": user.phone,
            "annee_de_naissance": user.birth_year,
            "tranche_d_age": user.age_bracket.value if user.age_bracket else None,
            "genre": user.gender,
            "langue": user.locale,
            "parent_ayant_consenti": user.guardian_name,
            "cree_le": user.created_at,
            "cree_par": "accueil" if user.created_via == CreatedVia.ASSISTED else "vous-meme",
            "derniere_connexion": user.last_login_at,
        },
        "centres": [
            {
                "centre": m.structure.name,
                "role": m.role.label,
                "quartier": m.quartier.name if m.quartier else None,
                "depuis": m.joined_at,
            }
            for m in user.memberships
        ],
        "participation": [
            {"quand": e.occurred_at, "quoi": e.kind, "niveau": e.level.label, "heures": e.hours}
            for e in person_history(user.id, limit=10_000)
        ],
    }


def delete_account(user: User) -> None:
    """Erase a person: their personal data go; their counted acts stay, linked to nobody.

    The user row stays as an empty tombstone so that participation already counted (votes,
    hours, supports) keeps adding up; nothing in it identifies the person any more.
    """
    log_event("account_deleted", actor=user, target=user)
    user_id = user.id
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))
    db.session.execute(sa.delete(EmailToken).where(EmailToken.user_id == user_id))
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(sa.delete(NotificationPreference).where(NotificationPreference.user_id == user_id))
    user.memberships.clear()
    user.display_name = _("Compte supprimé")
    user.username = f"supprime-{user_id}"
    user.email = user.email_confirmed_at = user.phone = None
    user.password_hash = None
    user.birth_year = user.age_bracket = user.gender = None
    user.guardian_name = user.guardian_consent_at = None
    user.last_login_at = None
    user.anonymised_at = utcnow()
    db.session.flush()


# --- assisted accounts and acting on behalf ----------------------------------------------------


def create_assisted_account(
    structure: Structure,
    *,
    by: User,
    display_name: str,
    quartier_id: int | None = None,
    birth_year: int | None = None,
    age_bracket: str | None = None,
    phone: str | None = None,
    locale: str = "fr",
    guardian_name: str | None = None,
) -> tuple[User, str]:
    """Staff at the accueil open an account for a person who is present; returns (user, code).

    The person logs in with the printed username and one-time code, then chooses a password.
    """
    code = new_one_time_code()
    user = User(
        display_name=display_name.strip(),
        username=generate_username(display_name),
        phone=normalise_phone(phone),
        password_hash=hash_password(code),
        must_set_password=True,
        locale=locale,
        created_via=CreatedVia.ASSISTED,
        created_by_id=by.id,
    )
    _apply_age(user, birth_year, age_bracket)
    if is_minor_under_15(birth_year, age_bracket):
        if not guardian_name:
            raise AccountError(_("Avant 15 ans, un parent doit donner son accord avec la personne."))
        user.guardian_name = guardian_name.strip()
        user.guardian_consent_at = utcnow()
    _join(user, structure, quartier_id)
    db.session.add(user)
    db.session.flush()
    log_event("assisted_account_created", actor=by, structure_id=structure.id, target=user)
    return user, code


def reissue_code(user: User, *, by: User, structure: Structure) -> str:
    """A new one-time code for a person who lost theirs or forgot their password."""
    code = new_one_time_code()
    user.password_hash = hash_password(code)
    user.must_set_password = True
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    log_event("one_time_code_issued", actor=by, structure_id=structure.id, target=user)
    db.session.flush()
    return code


def start_acting_for(staff: User, person: User, structure: Structure) -> None:
    """Staff begin acting on a person's behalf (recorded; the person is told)."""
    from app.notifications.services import notify

    log_event("on_behalf_start", actor=staff, on_behalf_of=person, structure_id=structure.id, target=person)
    notify(
        [person],
        "account.security",
        lambda: _(
            "%(staff)s (%(centre)s) a agi pour vous à l'accueil.", staff=staff.display_name, centre=structure.name
        ),
        structure_id=structure.id,
    )


def stop_acting_for(staff: User, person: User, structure_id: int | None) -> None:
    """End acting on behalf."""
    log_event("on_behalf_stop", actor=staff, on_behalf_of=person, structure_id=structure_id, target=person)
