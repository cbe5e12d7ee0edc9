"""Every model of every feature, in one place for Alembic autogenerate and `flask shell`."""

from app.accounts.models import EmailToken, User, UserSession
from app.audit import AuditEvent
from app.calendar.models import CalendarToken
from app.centres.models import Membership, Quartier, Structure, Theme
from app.initiatives.models import (
    CoLead,
    Comment,
    CommentReport,
    Follow,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    InitiativePhoto,
    Support,
)
from app.instances.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    Instance,
    InstanceRules,
    Meeting,
    Minutes,
    Motion,
    OpenVote,
    Opinion,
    Rsvp,
    Seat,
    Voter,
)
from app.ledger.models import LedgerEntry
from app.mail import OutboxEmail
from app.notifications.models import Notification, NotificationPreference
from app.volunteering.models import (
    HourEntry,
    HourRevision,
    Mission,
    MissionCoordinator,
    Shift,
    ShiftSeries,
    Signup,
    ValuationPolicy,
    VolunteerProfile,
)

__all__ = [
    "CalendarToken",
    "AgendaItem",
    "Attendance",
    "FollowUp",
    "Instance",
    "InstanceRules",
    "Meeting",
    "Minutes",
    "Motion",
    "OpenVote",
    "Opinion",
    "Rsvp",
    "Seat",
    "Voter",
    "HourEntry",
    "HourRevision",
    "Mission",
    "MissionCoordinator",
    "Shift",
    "ShiftSeries",
    "Signup",
    "ValuationPolicy",
    "VolunteerProfile",
    "AuditEvent",
    "CoLead",
    "Comment",
    "CommentReport",
    "Follow",
    "HelpOffer",
    "Initiative",
    "InitiativeEvent",
    "InitiativePhoto",
    "Support",
    "EmailToken",
    "LedgerEntry",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OutboxEmail",
    "Quartier",
    "Structure",
    "Theme",
    "User",
    "UserSession",
]
