"""Initiative rules: the lifecycle (one service per verb), supports, help, follows, co-leads.

Services flush; the route commits. Every countable act writes its ledger row here, in the same
transaction (domain.md "one participation ledger").
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.models import User
from app.audit import log_event
from app.centres.models import Role, Structure
from app.extensions import db
from app.initiatives.models import (
    DECISIONS,
    CoLead,
    Follow,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    RejectReason,
    Status,
    Support,
)
from app.initiatives.text import search_key
from app.ledger.models import LedgerEntry, Level
from app.ledger.services import delete_entries, record_participation
from app.notifications.services import notify, register_kind
from app.timeutil import utcnow

register_kind("initiative.status", _l("Les initiatives que je porte ou que je suis : leur avancement"))
register_kind("initiative.activity", _l("Mes initiatives : nouveaux soutiens, coups de main et commentaires"))
register_kind("initiative.moderation", _l("Équipe : initiatives à relire et commentaires signalés"))

#: Which statuses each status may move to (any other move is refused).
TRANSITIONS: dict[Status, set[Status]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.OPEN},
    Status.CHANGES_REQUESTED: {Status.SUBMITTED, Status.OPEN},
    Status.SUBMITTED: {Status.OPEN, Status.CHANGES_REQUESTED, Status.REJECTED},
    Status.REJECTED: set(),
    Status.OPEN: {*DECISIONS, Status.ABANDONED},
    Status.POSTPONED: {*DECISIONS, Status.ABANDONED},
    Status.ACCEPTED: {Status.IN_PROGRESS, Status.ABANDONED},
    Status.ACCEPTED_WITH_CONDITIONS: {Status.IN_PROGRESS, Status.ABANDONED},
    Status.DECLINED: set(),
    Status.IN_PROGRESS: {Status.COMPLETED, Status.ABANDONED},
    Status.COMPLETED: set(),
    Status.ABANDONED: set(),
}

EDITABLE = {Status.DRAFT, Status.CHANGES_REQUESTED}


class InitiativeError(Exception):
    """A rule refused the action; the message is shown to the person."""


def _insert(model):
    """INSERT … ON CONFLICT DO NOTHING, for SQLite and PostgreSQL alike."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


# --- people around an initiative --------------------------------------------------------------------


def leads_of(initiative: Initiative) -> list[User]:
    """The author and the confirmed co-leads."""
    return [initiative.author] + [c.user for c in initiative.coleads if c.confirmed_at is not None]


def is_lead(user, initiative: Initiative) -> bool:
    """Author or confirmed co-lead."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.id == initiative.author_id or any(
        c.user_id == user.id and c.confirmed_at is not None for c in initiative.coleads
    )


def followers_of(initiative: Initiative) -> list[User]:
    """People following the initiative."""
    return list(
        db.session.scalars(
            sa.select(User).join(Follow, Follow.user_id == User.id).where(Follow.initiative_id == initiative.id)
        )
    )


def _staff_of(structure_id: int) -> list[User]:
    from app.centres.models import Membership

    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.structure_id == structure_id, Membership.role >= Role.STAFF)
        )
    )


def _url(initiative: Initiative) -> str:
    return f"/initiatives/{initiative.id}"


def _tell_people(initiative: Initiative, message, *, skip: User | None = None) -> None:
    """The leads and the followers hear about a change of status."""
    seen: set[int] = set()
    people = []
    for person in leads_of(initiative) + followers_of(initiative):
        if person.id not in seen and (skip is None or person.id != skip.id):
            seen.add(person.id)
            people.append(person)
    notify(people, "initiative.status", message, url=_url(initiative), structure_id=initiative.structure_id)


# --- writing ------------------------------------------------------------------------------------


def _apply(initiative: Initiative, data: dict) -> None:
    for field in (
        "title",
        "summary",
        "description",
        "theme_id",
        "quartier_id",
        "target_public",
        "when_text",
        "helpers_needed",
        "budget_requested",
        "materials",
    ):
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            setattr(initiative, field, value)
    initiative.helpers_needed = initiative.helpers_needed or 0
    initiative.search_text = search_key(initiative.title, initiative.summary, initiative.description)


def create_initiative(structure: Structure, author: User, data: dict, *, by: User) -> Initiative:
    """Save a new draft for `author` (`by` is the staff member typing it at the accueil, if any)."""
    initiative = Initiative(
        structure_id=structure.id,
        author_id=author.id,
        recorded_by_id=by.id if by.id != author.id else None,
        status=Status.DRAFT,
    )
    _apply(initiative, data)
    db.session.add(initiative)
    db.session.flush()
    initiative.events.append(
        InitiativeEvent(
            actor_id=by.id,
            on_behalf_of_id=author.id if by.id != author.id else None,
            to_status=Status.DRAFT,
        )
    )
    db.session.flush()
    return initiative


def update_initiative(initiative: Initiative, data: dict, *, by: User) -> Initiative:
    """Edit the content (leads while it is a draft or to complete; staff at any time)."""
    _apply(initiative, data)
    db.session.flush()
    return initiative


def _move(
    initiative: Initiative,
    to: Status,
    *,
    by: User,
    on_behalf_of: User | None = None,
    reason: str | None = None,
    message: str = "",
) -> InitiativeEvent:
    """Change the status if the lifecycle allows it, and add the step to the timeline."""
    if to not in TRANSITIONS[initiative.status]:
        raise InitiativeError(
            _(
                "Impossible de passer de « %(from)s » à « %(to)s ».",
                **{"from": initiative.status.label, "to": to.label},
            )
        )
    event = InitiativeEvent(
        actor_id=by.id,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of is not None and on_behalf_of.id != by.id else None,
        from_status=initiative.status,
        to_status=to,
        reason=reason,
        message=(message or "").strip(),
    )
    initiative.events.append(event)
    initiative.status = to
    db.session.flush()
    return event


def submit_initiative(initiative: Initiative, *, by: User, on_behalf_of: User | None = None) -> Initiative:
    """The author sends the proposal: to staff review (pre-moderation) or straight out (post-moderation)."""
    first_time = initiative.submitted_at is None
    to = Status.SUBMITTED if initiative.structure.premoderation else Status.OPEN
    _move(initiative, to, by=by, on_behalf_of=on_behalf_of)
    now = utcnow()
    initiative.submitted_at = initiative.submitted_at or now
    if to == Status.OPEN:
        initiative.published_at = initiative.published_at or now
    if first_time:
        for lead in leads_of(initiative):
            record_participation(
                lead,
                structure_id=initiative.structure_id,
                kind="initiative.propose",
                level=Level.L3_CONTRIBUTION,
                obj=initiative,
                recorded_by=by,
            )
    notify(
        _staff_of(initiative.structure_id),
        "initiative.moderation",
        lambda: _("Nouvelle initiative à relire : « %(title)s ».", title=initiative.title)
        if to == Status.SUBMITTED
        else _("Nouvelle initiative publiée : « %(title)s ».", title=initiative.title),
        url=_url(initiative),
        structure_id=initiative.structure_id,
    )
    db.session.flush()
    return initiative


def publish_initiative(initiative: Initiative, *, by: User) -> Initiative:
    """Staff publish a submitted proposal: it opens for support."""
    if initiative.status != Status.SUBMITTED:
        raise InitiativeError(_("Seule une initiative en attente de relecture peut être publiée."))
    _move(initiative, Status.OPEN, by=by)
    initiative.published_at = initiative.published_at or utcnow()
    log_event("initiative_published", actor=by, structure_id=initiative.structure_id, target=initiative)
    _tell_people(
        initiative,
        lambda: _("Votre initiative « %(title)s » est publiée : chacun peut la soutenir.", title=initiative.title),
    )
    return initiative


def request_changes(initiative: Initiative, message: str, *, by: User) -> Initiative:
    """Staff ask the author to complete the proposal, saying what is missing."""
    if not (message or "").strip():
        raise InitiativeError(_("Dites à la personne ce qu'il faut compléter."))
    _move(initiative, Status.CHANGES_REQUESTED, by=by, message=message)
    log_event("initiative_changes_requested", actor=by, structure_id=initiative.structure_id, target=initiative)
    _tell_people(
        initiative,
        lambda: _(
            "L'équipe vous demande de compléter « %(title)s » : %(message)s", title=initiative.title, message=message
        ),
    )
    return initiative


def reject_initiative(initiative: Initiative, reason: RejectReason, message: str, *, by: User) -> Initiative:
    """Staff do not publish a proposal, with a reason from the list and a message."""
    _move(initiative, Status.REJECTED, by=by, reason=RejectReason(reason).value, message=message)
    log_event("initiative_rejected", actor=by, structure_id=initiative.structure_id, target=initiative, reason=reason)
    _tell_people(
        initiative,
        lambda: _(
            "Votre initiative « %(title)s » n'est pas publiée : %(reason)s.",
            title=initiative.title,
            reason=RejectReason(reason).label,
        ),
    )
    return initiative


def decide_initiative(initiative: Initiative, decision: Status, message: str, *, by: User) -> Initiative:
    """Record the centre's decision (accepted, with conditions, declined, postponed) and who took it."""
    decision = Status(decision)
    if decision not in DECISIONS:
        raise InitiativeError(_("Cette décision n'existe pas."))
    if decision in (Status.DECLINED, Status.ACCEPTED_WITH_CONDITIONS, Status.POSTPONED) and not (message or "").strip():
        raise InitiativeError(_("Expliquez la décision (raison ou conditions)."))
    _move(initiative, decision, by=by, message=message)
    initiative.decided_by_id, initiative.decided_at, initiative.decision_text = by.id, utcnow(), message.strip()
    log_event(
        "initiative_decided", actor=by, structure_id=initiative.structure_id, target=initiative, decision=decision
    )
    _tell_people(
        initiative,
        lambda: _("Décision pour « %(title)s » : %(decision)s.", title=initiative.title, decision=decision.label),
    )
    return initiative


def start_initiative(initiative: Initiative, *, by: User) -> Initiative:
    """An accepted initiative gets going."""
    _move(initiative, Status.IN_PROGRESS, by=by)
    _tell_people(initiative, lambda: _("« %(title)s » démarre !", title=initiative.title), skip=by)
    return initiative


def complete_initiative(initiative: Initiative, participants: int, bilan: str, *, by: User) -> Initiative:
    """The initiative happened: record its bilan (how many took part, what went well)."""
    if participants is None or participants < 0:
        raise InitiativeError(_("Indiquez combien de personnes ont participé."))
    _move(initiative, Status.COMPLETED, by=by, message=bilan)
    initiative.participants_count, initiative.bilan_text = participants, (bilan or "").strip()
    _tell_people(
        initiative,
        lambda: _("« %(title)s » est réalisée. Merci à toutes et à tous !", title=initiative.title),
        skip=by,
    )
    return initiative


def abandon_initiative(initiative: Initiative, message: str, *, by: User) -> Initiative:
    """The leads (or staff) give up the initiative, saying why."""
    _move(initiative, Status.ABANDONED, by=by, message=message)
    _tell_people(initiative, lambda: _("« %(title)s » est abandonnée.", title=initiative.title), skip=by)
    return initiative


def set_deadline(initiative: Initiative, deadline: date | None, *, by: User) -> Initiative:
    """Staff commit to answer by a date (shown on the initiative)."""
    initiative.response_deadline = deadline
    db.session.flush()
    return initiative


def hide_initiative(initiative: Initiative, reason: str, *, by: User) -> Initiative:
    """Moderation: take an initiative out of public view, saying why (its status is kept)."""
    if not (reason or "").strip():
        raise InitiativeError(_("Indiquez la raison du masquage."))
    initiative.hidden_at, initiative.hidden_reason = utcnow(), reason.strip()[:300]
    log_event("initiative_hidden", actor=by, structure_id=initiative.structure_id, target=initiative)
    db.session.flush()
    return initiative


def unhide_initiative(initiative: Initiative, *, by: User) -> Initiative:
    """Moderation: show a hidden initiative again."""
    initiative.hidden_at, initiative.hidden_reason = None, ""
    log_event("initiative_unhidden", actor=by, structure_id=initiative.structure_id, target=initiative)
    db.session.flush()
    return initiative


# --- supports, help, follows, co-leads ------------------------------------------------------------


def add_support(initiative: Initiative, person: User, *, by: User) -> bool:
    """ "Je soutiens": one per person, however many clicks arrive at once. True if it was new.

    The unique constraint with INSERT … ON CONFLICT DO NOTHING decides; only a real insert moves
    the counter, with an atomic `support_count = support_count + 1`.
    """
    if initiative.status != Status.OPEN or initiative.hidden_at is not None:
        raise InitiativeError(_("Cette initiative n'est pas ouverte aux soutiens."))
    inserted = (
        db.session.execute(
            _insert(Support)
            .values(
                initiative_id=initiative.id,
                user_id=person.id,
                created_at=utcnow(),
                recorded_by_id=by.id if by.id != person.id else None,
            )
            .on_conflict_do_nothing(index_elements=["initiative_id", "user_id"])
            .returning(sa.literal(1))
        ).first()
        is not None
    )
    if not inserted:
        return False
    db.session.execute(
        sa.update(Initiative)
        .where(Initiative.id == initiative.id)
        .values(support_count=Initiative.support_count + 1)
        .execution_options(synchronize_session=False)
    )
    record_participation(
        person,
        structure_id=initiative.structure_id,
        kind="initiative.support",
        level=Level.L2_CONSULTATION,
        obj=initiative,
        recorded_by=by,
    )
    db.session.flush()
    db.session.refresh(initiative, ["support_count"])
    _follow(initiative, person)
    if initiative.support_count == initiative.structure.support_threshold:
        notify(
            _staff_of(initiative.structure_id) + leads_of(initiative),
            "initiative.status",
            lambda: _(
                "« %(title)s » a atteint %(n)s soutiens : elle sera étudiée en comité.",
                title=initiative.title,
                n=initiative.support_count,
            ),
            url=_url(initiative),
            structure_id=initiative.structure_id,
        )
    return True


def remove_support(initiative: Initiative, person: User, *, by: User) -> bool:
    """Take one's support back (only while supports are open). True if there was one."""
    if initiative.status != Status.OPEN:
        raise InitiativeError(_("Les soutiens de cette initiative sont clos."))
    deleted = db.session.execute(
        sa.delete(Support).where(Support.initiative_id == initiative.id, Support.user_id == person.id)
    ).rowcount
    if deleted != 1:
        return False
    db.session.execute(
        sa.update(Initiative)
        .where(Initiative.id == initiative.id)
        .values(support_count=Initiative.support_count - 1)
        .execution_options(synchronize_session=False)
    )
    # The support no longer exists: its ledger row goes with it (it must not be counted).
    delete_entries(
        LedgerEntry.person_id == person.id,
        LedgerEntry.kind == "initiative.support",
        LedgerEntry.object_type == "initiative",
        LedgerEntry.object_id == initiative.id,
    )
    db.session.flush()
    db.session.refresh(initiative, ["support_count"])
    return True


def has_supported(initiative: Initiative, person) -> bool:
    """Whether the person supports the initiative."""
    if not getattr(person, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            sa.select(Support.id).where(Support.initiative_id == initiative.id, Support.user_id == person.id)
        )
        is not None
    )


HELP_STATUSES = {Status.OPEN, Status.ACCEPTED, Status.ACCEPTED_WITH_CONDITIONS, Status.IN_PROGRESS, Status.POSTPONED}


def offer_help(initiative: Initiative, person: User, message: str = "", *, by: User) -> bool:
    """ "Je veux aider": the leads see who offered. True if the offer is new."""
    if initiative.status not in HELP_STATUSES or initiative.hidden_at is not None:
        raise InitiativeError(_("Cette initiative ne cherche pas d'aide en ce moment."))
    inserted = (
        db.session.execute(
            _insert(HelpOffer)
            .values(
                initiative_id=initiative.id,
                user_id=person.id,
                message=(message or "").strip()[:300],
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["initiative_id", "user_id"])
            .returning(sa.literal(1))
        ).first()
        is not None
    )
    if not inserted:
        return False
    record_participation(
        person,
        structure_id=initiative.structure_id,
        kind="initiative.help",
        level=Level.L3_CONTRIBUTION,
        obj=initiative,
        recorded_by=by,
    )
    _follow(initiative, person)
    notify(
        leads_of(initiative),
        "initiative.activity",
        lambda: _(
            "%(name)s propose de vous aider pour « %(title)s ».", name=person.display_name, title=initiative.title
        ),
        url=_url(initiative),
        structure_id=initiative.structure_id,
    )
    db.session.flush()
    return True


def withdraw_help(initiative: Initiative, person: User) -> bool:
    """Withdraw one's offer of help."""
    deleted = db.session.execute(
        sa.delete(HelpOffer).where(HelpOffer.initiative_id == initiative.id, HelpOffer.user_id == person.id)
    ).rowcount
    delete_entries(
        LedgerEntry.person_id == person.id,
        LedgerEntry.kind == "initiative.help",
        LedgerEntry.object_type == "initiative",
        LedgerEntry.object_id == initiative.id,
    )
    db.session.flush()
    return deleted == 1


def _follow(initiative: Initiative, person: User) -> None:
    db.session.execute(
        _insert(Follow)
        .values(initiative_id=initiative.id, user_id=person.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["initiative_id", "user_id"])
    )


def follow(initiative: Initiative, person: User) -> None:
    """Hear about the initiative's news."""
    _follow(initiative, person)
    db.session.flush()


def unfollow(initiative: Initiative, person: User) -> None:
    """Stop hearing about it."""
    db.session.execute(sa.delete(Follow).where(Follow.initiative_id == initiative.id, Follow.user_id == person.id))
    db.session.flush()


def is_following(initiative: Initiative, person) -> bool:
    if not getattr(person, "is_authenticated", False):
        return False
    query = sa.select(Follow.id).where(Follow.initiative_id == initiative.id, Follow.user_id == person.id)
    return db.session.scalar(query) is not None


def invite_colead(initiative: Initiative, person: User, *, by: User) -> CoLead:
    """The author invites another habitant to carry the initiative; they must confirm."""
    if person.id == initiative.author_id:
        raise InitiativeError(_("Vous portez déjà cette initiative."))
    if person.membership_in(initiative.structure_id) is None:
        raise InitiativeError(_("Cette personne n'est pas inscrite dans ce centre."))
    existing = next((c for c in initiative.coleads if c.user_id == person.id), None)
    if existing is not None:
        return existing
    colead = CoLead(user_id=person.id)
    initiative.coleads.append(colead)
    db.session.flush()
    notify(
        [person],
        "initiative.status",
        lambda: _(
            "%(name)s vous propose de porter avec lui ou elle l'initiative « %(title)s ».",
            name=initiative.author.display_name,
            title=initiative.title,
        ),
        url=_url(initiative),
        structure_id=initiative.structure_id,
    )
    return colead


def confirm_colead(initiative: Initiative, person: User, *, by: User) -> CoLead:
    """An invited habitant confirms they co-lead the initiative (counted as a contribution)."""
    colead = next((c for c in initiative.coleads if c.user_id == person.id), None)
    if colead is None:
        raise InitiativeError(_("Vous n'avez pas été invité·e à porter cette initiative."))
    if colead.confirmed_at is None:
        colead.confirmed_at = utcnow()
        record_participation(
            person,
            structure_id=initiative.structure_id,
            kind="initiative.colead",
            level=Level.L3_CONTRIBUTION,
            obj=initiative,
            recorded_by=by,
        )
    db.session.flush()
    return colead
