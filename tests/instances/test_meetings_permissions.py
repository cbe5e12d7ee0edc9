"""Role × state matrix for the meeting predicates, on a members-only and on a public instance, and
the same matrix seen through the pages (404 for what one may not know exists, 403 for the rest)."""

import pytest
from flask_login import AnonymousUserMixin

from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import meetings as services
from app.instances import permissions as perm
from tests.instances.factories import make_meeting
from tests.instances.meeting_setup import committee, past_meeting

ROLES = ("anonymous", "habitant", "member", "secretary", "staff", "other_staff")
INSIDE = {"member", "secretary", "staff"}
RUNNERS = {"secretary", "staff"}

#: state -> predicate -> roles for which it is True, on a members-only instance.
MATRIX = {
    "planned": {
        "can_view_meeting": INSIDE,
        "can_manage_meeting": RUNNERS,
        "can_answer_rsvp": {"member", "secretary"},
        "can_record_attendance": RUNNERS,
        "can_reopen_meeting": set(),
        "can_write_minutes": set(),
        "can_view_minutes": set(),
    },
    "in_progress": {
        "can_view_meeting": INSIDE,
        "can_manage_meeting": RUNNERS,
        "can_answer_rsvp": set(),  # the meeting started: answers are closed
        "can_record_attendance": RUNNERS,
        "can_reopen_meeting": set(),
        "can_write_minutes": set(),
        "can_view_minutes": set(),
    },
    "held": {  # closed, draft minutes
        "can_view_meeting": INSIDE,
        "can_manage_meeting": set(),
        "can_answer_rsvp": set(),
        "can_record_attendance": set(),
        "can_reopen_meeting": {"staff"},
        "can_write_minutes": RUNNERS,
        "can_view_minutes": RUNNERS,
    },
    "published": {  # closed, minutes published (not yet approved)
        "can_view_meeting": INSIDE,
        "can_manage_meeting": set(),
        "can_answer_rsvp": set(),
        "can_record_attendance": set(),
        "can_reopen_meeting": {"staff"},
        "can_write_minutes": RUNNERS,
        "can_view_minutes": INSIDE,
    },
    "approved": {  # minutes approved at the next meeting: nothing changes any more
        "can_view_meeting": INSIDE,
        "can_manage_meeting": set(),
        "can_answer_rsvp": set(),
        "can_record_attendance": set(),
        "can_reopen_meeting": set(),
        "can_write_minutes": set(),
        "can_view_minutes": RUNNERS,
    },
    "cancelled": {
        "can_view_meeting": INSIDE,
        "can_manage_meeting": set(),
        "can_answer_rsvp": set(),
        "can_record_attendance": set(),
        "can_reopen_meeting": set(),
        "can_write_minutes": set(),
        "can_view_minutes": set(),
    },
}

#: On a public instance, everyone sees the meeting and its published minutes.
PUBLIC_CHANGES = {"can_view_meeting": set(ROLES)}


def _people(structure, make_user, is_public):
    c = committee(structure, make_user, members=2, is_public=is_public)
    elsewhere = make_structure("Espace de vie sociale Le Préau")
    people = {
        "anonymous": AnonymousUserMixin(),
        "habitant": c.outsider,
        "member": c.members[0],
        "secretary": c.secretary,
        "staff": c.staff,
        # Staff of another centre are strangers here.
        "other_staff": make_user(elsewhere, role=Role.STAFF),
    }
    return c, people


def _meeting_in(state, c):
    if state == "planned":
        return make_meeting(c.instance)
    meeting = past_meeting(c.instance, hours_ago=24 * 3)
    if state == "cancelled":
        services.cancel_meeting(meeting, "Salle indisponible", by=c.staff)
    if state in ("held", "published", "approved"):
        services.close_meeting(meeting, by=c.staff)
        minutes = services.save_minutes(meeting, "Compte rendu", by=c.secretary)
        if state == "published":
            services.publish_minutes(minutes, by=c.secretary)
        if state == "approved":
            services.approve_minutes(minutes, at_meeting=past_meeting(c.instance), by=c.secretary)
    db.session.commit()
    return meeting


@pytest.mark.parametrize("is_public", [False, True], ids=["members_only", "public"])
@pytest.mark.parametrize("state", list(MATRIX))
def test_matrix(structure, make_user, state, is_public):
    c, people = _people(structure, make_user, is_public)
    meeting = _meeting_in(state, c)
    expected_by_predicate = dict(MATRIX[state])
    if is_public:
        expected_by_predicate.update(PUBLIC_CHANGES)
        if state == "published":
            expected_by_predicate["can_view_minutes"] = set(ROLES)
    failures = []
    for name, allowed in expected_by_predicate.items():
        predicate = getattr(perm, name)
        for role in ROLES:
            if predicate(people[role], meeting) is not (role in allowed):
                failures.append((name, role, role in allowed))
    for role in ROLES:
        if perm.can_manage_follow_ups(people[role], c.instance) is not (role in RUNNERS):
            failures.append(("can_manage_follow_ups", role, role in RUNNERS))
    assert failures == [], failures


def _statuses(client, auth, person, paths) -> tuple:
    if not isinstance(person, AnonymousUserMixin):
        assert auth.login(person).status_code == 303
    codes = tuple(client.get(path).status_code for path in paths)
    if not isinstance(person, AnonymousUserMixin):
        auth.logout()
    return codes


@pytest.mark.parametrize("is_public", [False, True], ids=["members_only", "public"])
def test_pages_by_role(client, auth, structure, make_user, is_public):
    c, people = _people(structure, make_user, is_public)
    meeting = _meeting_in("in_progress", c)
    hidden = 200 if is_public else 404
    expected = {
        # role: (meeting page, attendance page, edit page, follow-up log, instance feed)
        "anonymous": (hidden, 302, 302, hidden, hidden),
        "habitant": (hidden, 403 if is_public else 404, 403 if is_public else 404, hidden, hidden),
        "member": (200, 403, 403, 200, 200),
        "secretary": (200, 200, 200, 200, 200),
        "staff": (200, 200, 200, 200, 200),
        # Pages belong to the centre being browsed (their own, for staff of another centre, until
        # they pick this one); the feed, fetched without a session, follows the instance alone.
        "other_staff": (404, 404, 404, 404, hidden),
    }
    base = f"/instances/reunions/{meeting.id}"
    paths = (
        base,
        f"{base}/presences",
        f"{base}/modifier",
        f"/instances/{c.instance.id}/suivi",
        f"/instances/{c.instance.id}/agenda.ics",
    )
    got = {role: _statuses(client, auth, people[role], paths) for role in ROLES}
    assert got == expected


def test_posts_by_role(client, auth, structure, make_user):
    c, people = _people(structure, make_user, is_public=True)
    meeting = _meeting_in("planned", c)
    base = f"/instances/reunions/{meeting.id}"
    for role, code in (("habitant", 403), ("member", 403), ("other_staff", 404)):
        auth.login(people[role])
        assert client.post(f"{base}/convoquer").status_code == code, role
        assert client.post(f"{base}/clore").status_code == code, role
        assert client.post(f"{base}/ordre-du-jour", data={"agenda-title": "X"}).status_code == code, role
        auth.logout()
    auth.login(people["habitant"])
    assert client.post(f"{base}/reponse", data={"rsvp-answer": "coming"}).status_code == 403
    auth.logout()
    # Anonymous people are sent to the login page for every action.
    assert client.post(f"{base}/reponse", data={"rsvp-answer": "coming"}).status_code == 302
