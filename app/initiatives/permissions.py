"""Who may see and do what with an initiative: role in its structure × its status."""

from app.centres.models import Role
from app.initiatives.models import PRIVATE_STATUSES, Initiative, Status
from app.initiatives.services import EDITABLE, HELP_STATUSES, TRANSITIONS, is_lead
from app.permissions import predicate


def _staff(user, initiative: Initiative) -> bool:
    return bool(user.is_authenticated and user.has_role(initiative.structure_id, Role.STAFF))


def _invited(user, initiative: Initiative) -> bool:
    return user.is_authenticated and any(c.user_id == user.id for c in initiative.coleads)


@predicate
def can_view_initiative(user, initiative: Initiative) -> bool:
    """Public once published and not hidden; drafts and hidden ones: leads, invited co-leads, staff."""
    if _staff(user, initiative) or is_lead(user, initiative) or _invited(user, initiative):
        return True
    return initiative.status not in PRIVATE_STATUSES and initiative.hidden_at is None


@predicate
def can_edit_initiative(user, initiative: Initiative) -> bool:
    """Leads while it is a draft or to complete; staff until it is over."""
    if _staff(user, initiative):
        return bool(TRANSITIONS[initiative.status])
    return is_lead(user, initiative) and initiative.status in EDITABLE


@predicate
def can_submit_initiative(user, initiative: Initiative) -> bool:
    """Leads (or staff for them) send a draft or a completed proposal."""
    return initiative.status in EDITABLE and (is_lead(user, initiative) or _staff(user, initiative))


@predicate
def can_moderate_initiative(user, initiative: Initiative) -> bool:
    """Staff of the initiative's structure: publish, ask for changes, reject, hide."""
    return _staff(user, initiative)


@predicate
def can_decide_initiative(user, initiative: Initiative) -> bool:
    """Staff record the decision once the initiative has been open for support."""
    return _staff(user, initiative) and initiative.status in (Status.OPEN, Status.POSTPONED)


@predicate
def can_run_initiative(user, initiative: Initiative) -> bool:
    """Leads and staff start it, record its bilan, or abandon it."""
    return is_lead(user, initiative) or _staff(user, initiative)


@predicate
def can_support_initiative(user, initiative: Initiative) -> bool:
    """Any logged-in person while it is open for support."""
    return bool(user.is_authenticated) and initiative.status == Status.OPEN and initiative.hidden_at is None


@predicate
def can_offer_help(user, initiative: Initiative) -> bool:
    """Any logged-in person who is not a lead, while help is useful."""
    return (
        bool(user.is_authenticated)
        and not is_lead(user, initiative)
        and initiative.status in HELP_STATUSES
        and initiative.hidden_at is None
    )


@predicate
def can_see_helpers(user, initiative: Initiative) -> bool:
    """Leads and staff see who offered to help."""
    return is_lead(user, initiative) or _staff(user, initiative)


@predicate
def can_comment_initiative(user, initiative: Initiative) -> bool:
    """Logged-in people comment on published initiatives."""
    return bool(user.is_authenticated) and initiative.status not in PRIVATE_STATUSES and initiative.hidden_at is None
