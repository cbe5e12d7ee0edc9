"""The htmx contract (architecture.md C.3, C.8) for every GET page of `app.url_map`.

Without HX headers, boosted, or on a history restore: a full page. With htmx and a target the
route declared: that fragment alone, its root element carrying the target id. Always `Vary`.
The fragments a route declares are discovered by watching `app.htmx.wanted_fragment`.
"""

import re
from datetime import date

import pytest
from flask import request

import app.htmx as htmx_module
from app import create_app
from app.centres.models import Role
from app.extensions import db
from config import TestConfig
from tests.helpers import PASSWORD, hx

#: GET routes that are not pages, or need a token: each is tested on its own below.
NOT_PAGES = {
    "static",  # files
    "core.health",  # JSON for load balancers
    "accounts.my_data_json",  # a download
    "accounts.confirm",  # token routes: see test_token_pages_*
    "accounts.reset_password",
    "notifications.unsubscribe",
    "initiative_media.photo",  # an image
    "calendar.download",  # ICS files
    "calendar.feed",
    "hours.export",  # CSV and XLSX files
    "evaluation_exports.export",  # CSV and XLSX files
    "meetings.instance_feed",  # ICS file
}
#: Pages that send a logged-in person elsewhere: opened anonymously.
ANONYMOUS_PAGES = {"accounts.login", "accounts.register"}
#: Fragments we know of; the discovered ones must include them (the test cannot pass vacuously).
KNOWN_FRAGMENTS = {
    "accounts.desk": "desk-results",
    "notifications.index": "notification-list",
    "accounts.register": "register-form",
    "accounts.profile": "profile-form",
}
CODE = "ABCDE23456"


class _ProbeConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # only the URL map is read


def _get_pages() -> list[tuple[str, str]]:
    probe = create_app(_ProbeConfig)
    pages = []
    for rule in probe.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES:
            pages.append((rule.endpoint, rule.rule))
    return sorted(pages)


PAGES = _get_pages()


def test_every_get_route_is_a_page_or_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert endpoints == {endpoint for endpoint, _ in PAGES} | NOT_PAGES
    assert set(KNOWN_FRAGMENTS) <= endpoints


@pytest.fixture
def declared(monkeypatch):
    """endpoint -> the fragments it declared to render_page during the test."""
    seen: dict[str, dict] = {}
    original = htmx_module.wanted_fragment

    def spy(fragments):
        seen[request.endpoint] = dict(fragments or {})
        return original(fragments)

    monkeypatch.setattr(htmx_module, "wanted_fragment", spy)
    return seen


@pytest.fixture
def url_values(structure, make_user):
    """Real objects for URL parameters, by parameter name (plus the admin who browses)."""
    from app.initiatives.comments import add_comment
    from tests.initiatives.factories import make_initiative

    habitant = make_user(display_name="Rose Petit")
    admin = make_user(role=Role.ADMIN, is_platform_admin=True, display_name="Admin")
    initiative = make_initiative(structure, habitant, admin)
    own_comment = add_comment(initiative, admin, "Bonne idée, je relaie à l'accueil.", by=admin)
    other_comment = add_comment(initiative, habitant, "Qui apporte les tables ?", by=habitant)
    hour_entry = _hour_entry(structure, habitant)
    volunteer_shift = _volunteer_shift(structure)
    instance, chair_seat, join_request = _instance_with_seats(structure, admin, habitant)
    meeting, closed_meeting, agenda_item, follow_up = _meetings(instance, admin)
    motion, draft_motion, opinion = _votes(structure, instance, meeting, admin)
    evaluation = _evaluation(structure, admin)
    db.session.commit()
    return {
        **evaluation,
        "user_id": habitant.id,
        "quartier_id": structure.quartiers[0].id,
        "theme_id": structure.themes[0].id,
        "structure_id": structure.id,
        "initiative_id": initiative.id,
        # The admin edits or deletes their own comment, and reports someone else's.
        "comment_id": own_comment.id,
        "comment_id:initiative_comments.report": other_comment.id,
        "entry_id": hour_entry.id,
        "year": hour_entry.day.year,
        "mission_id": volunteer_shift.mission_id,
        "shift_id": volunteer_shift.id,
        # A public comité d'usagers the admin chairs; Rose Petit asked to join it.
        "instance_id": instance.id,
        "seat_id": chair_seat.id,
        "seat_id:instances.accept": join_request.id,
        # A planned meeting with an agenda item, and a closed one (its minutes, re-opening it).
        "meeting_id": meeting.id,
        "meeting_id:meetings.minutes": closed_meeting.id,
        "meeting_id:meetings.reopen": closed_meeting.id,
        "item_id": agenda_item.id,
        "follow_up_id": follow_up.id,
        # An open vote in that meeting (close and withdraw confirmations), a draft one (edit), an opinion.
        "motion_id": motion.id,
        "motion_id:votes.edit": draft_motion.id,
        "opinion_id": opinion.id,
        "admin": admin,
    }


def _evaluation(structure, admin) -> dict:
    """A projet social with one of each level, and a headcount (evaluation pages)."""
    from app.evaluation import services
    from app.evaluation.models import IndicatorKind, SnapshotKind
    from app.evaluation.snapshots import take_snapshot

    project = services.create_project(
        structure, {"title": "Vivre ensemble", "starts_on": date(2024, 1, 1), "ends_on": date(2027, 12, 31)}, by=admin
    )
    axis = services.add_axis(project, {"title": "Participation"}, by=admin)
    objective = services.add_objective(axis, {"title": "Agir ensemble"}, by=admin)
    action = services.add_action(objective, {"title": "Comité d'usagers"}, by=admin)
    indicator = services.add_indicator(
        {"title": "Bénévoles", "kind": IndicatorKind.QUANTITATIVE, "metric_code": "B1"}, by=admin, objective=objective
    )
    headcount = services.record_headcount(
        structure, {"occurred_on": date(2025, 6, 21), "label": "Fête de quartier", "total": 42}, by=admin
    )
    snapshot = take_snapshot(project, SnapshotKind.ANNUAL, date(2025, 1, 1), date(2025, 12, 31), admin, "Bilan 2025")
    return {
        "snapshot_id": snapshot.id,
        "project_id": project.id,
        "axis_id": axis.id,
        "objective_id": objective.id,
        "action_id": action.id,
        "indicator_id": indicator.id,
        "headcount_id": headcount.id,
    }


def _instance_with_seats(structure, chair, applicant):
    """A public instance chaired by `chair`, with a pending request of `applicant` (instance pages)."""
    from app.instances.models import Office
    from app.instances.services import request_seat
    from tests.instances.factories import add_seat, make_instance

    instance = make_instance(structure)
    return instance, add_seat(instance, chair, office=Office.CHAIR), request_seat(instance, applicant, by=applicant)


def _meetings(instance, by):
    """A planned meeting with an agenda item and a follow-up, and a closed one (meeting pages)."""
    from app.instances import meetings
    from tests.instances.factories import make_meeting

    meeting = make_meeting(instance)
    item = meetings.add_agenda_item(meeting, {"title": "Horaires d'été"}, by=by)
    follow_up = meetings.add_follow_up(instance, {"text": "Afficher les horaires"}, by=by, meeting=meeting)
    closed = make_meeting(instance, days_ahead=-3, title="Réunion de novembre")
    meetings.close_meeting(closed, by=by)
    return meeting, closed, item, follow_up


def _votes(structure, instance, meeting, by):
    """An open motion in `meeting`, a draft online vote, and an opinion sent to a CA (vote pages)."""
    from datetime import timedelta

    from app.instances import opinions, votes
    from app.instances.models import Nature
    from app.timeutil import utcnow
    from tests.instances.factories import make_instance

    motion = votes.create_motion(instance, {"title": "Horaires d'été"}, by, meeting=meeting)
    votes.open_vote(motion, by)
    draft = votes.create_motion(
        instance, {"title": "Fête de fin d'année", "closes_at": utcnow() + timedelta(days=7)}, by
    )
    board = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION)
    opinion = opinions.send_opinion(instance, board, "Accueil du samedi", "Ouvrir le samedi matin.", by=by)
    return motion, draft, opinion


def _volunteer_shift(structure):
    """A published mission with a shift in three days (volunteering pages)."""
    from tests.volunteering.factories import make_mission, make_shift

    return make_shift(make_mission(structure))


def _hour_entry(structure, person):
    """Declared volunteer hours of `person`, still to validate (hours pages)."""
    from datetime import date

    from app.volunteering.hours import declare_hours
    from app.volunteering.models import Category

    fields = {"day": date(2026, 1, 15), "hours": 2, "category": Category.ACTIVITY, "description": "Permanence"}
    return declare_hours(structure, person, fields, by=person)


def client_for(app, endpoint, make_user, admin=None):
    client = app.test_client()
    if endpoint in ANONYMOUS_PAGES:
        return client
    if endpoint == "accounts.first_password":
        holder = make_user(password=CODE, must_set_password=True)
        assert (
            client.post("/compte/connexion", data={"identifier": holder.username, "password": CODE}).status_code == 303
        )
        return client
    admin = admin or make_user(role=Role.ADMIN, is_platform_admin=True, display_name="Admin")
    assert (
        client.post("/compte/connexion", data={"identifier": admin.username, "password": PASSWORD}).status_code == 303
    )
    return client


def root_id(body: str) -> str | None:
    match = re.match(r'\s*<[a-zA-Z][\w-]*\b[^>]*?\sid="([^"]+)"', body)
    return match.group(1) if match else None


def assert_full_page(response, what):
    assert response.status_code == 200, (what, response.status_code, response.headers.get("Location"))
    assert "<html" in response.text, what
    assert "HX-Request" in response.headers.get("Vary", ""), what


@pytest.mark.parametrize(("endpoint", "rule"), PAGES, ids=[endpoint for endpoint, _ in PAGES])
def test_page_contract(app, make_user, url_values, declared, endpoint, rule):
    params = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    missing = [p for p in params if p not in url_values]
    assert not missing, f"add a value for {missing} in url_values"
    path = re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda m: str(url_values.get(f"{m.group(1)}:{endpoint}", url_values[m.group(1)])),
        rule,
    )
    client = client_for(app, endpoint, make_user, url_values["admin"])

    assert_full_page(client.get(path), (path, "plain"))
    assert_full_page(client.get(path, headers=hx(boosted=True)), (path, "boosted"))
    assert_full_page(client.get(path, headers=hx(history_restore=True)), (path, "history restore"))
    assert_full_page(client.get(path, headers=hx("no-such-target")), (path, "undeclared target"))

    fragments = declared.get(endpoint, {})
    if endpoint in KNOWN_FRAGMENTS:
        assert KNOWN_FRAGMENTS[endpoint] in fragments, (endpoint, fragments)
    for target in fragments:
        r = client.get(path, headers=hx(target))
        assert r.status_code == 200, (path, target)
        assert "<html" not in r.text, (path, target)
        assert root_id(r.text) == target, (path, target, r.text[:200])
        assert "HX-Request" in r.headers.get("Vary", "")
        # Boosted and history-restore requests aimed at the same target still get the full page.
        headers = {**hx(target, boosted=True)}
        assert_full_page(client.get(path, headers=headers), (path, target, "boosted"))
        headers = {**hx(target, history_restore=True)}
        assert_full_page(client.get(path, headers=headers), (path, target, "history restore"))


def test_fragment_is_part_of_the_full_page(app, make_user, structure):
    """The page includes its fragment: the same region with the same id."""
    client = client_for(app, "accounts.desk", make_user)
    full = client.get("/accueil/personnes").text
    fragment = client.get("/accueil/personnes", headers=hx("desk-results")).text
    assert 'id="desk-results"' in full
    assert fragment.strip() in full


def _token_paths(make_user, mail, client):
    from app.notifications import services

    user = make_user(email="awa@exemple.test", confirmed=False)
    client.post("/compte/connexion", data={"identifier": user.username, "password": PASSWORD})
    confirm = mail.link_in_last("awa@exemple.test", "/compte/confirmer/")
    client.post("/compte/mot-de-passe-oublie", data={"identifier": user.username})
    reset = mail.link_in_last("awa@exemple.test", "/compte/reinitialiser/")
    unsubscribe = "/notifications/desabonnement/" + services.unsubscribe_token(user.id, "centre.news")
    db.session.commit()
    return {"confirm": confirm, "reset": reset, "unsubscribe": unsubscribe}


def test_token_pages_are_full_pages_whatever_the_headers(app, make_user, mail):
    client = app.test_client()
    paths = _token_paths(make_user, mail, client)
    for name, path in paths.items():
        for headers in ({}, hx(boosted=True), hx(history_restore=True), hx("main")):
            r = client.get(path, headers=headers)
            assert r.status_code == 200, (name, headers)
            assert "<html" in r.text, (name, headers)
            assert "HX-Request" in r.headers["Vary"]


def test_invalid_token_pages(app, structure):
    client = app.test_client()
    confirm = client.get("/compte/confirmer/faux")
    assert confirm.status_code == 200  # explains the link is no longer valid
    assert "<html" in confirm.text
    for path in ["/compte/reinitialiser/faux", "/notifications/desabonnement/faux"]:
        r = client.get(path)
        assert r.status_code == 404
        assert "<html" in r.text
        fragment = client.get(path, headers=hx("main"))
        assert fragment.status_code == 404
        assert "HX-Request" in fragment.headers["Vary"]


def test_non_page_routes(app, client, auth, make_user):
    health = client.get("/sante")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok"}
    auth.login(make_user())
    download = client.get("/compte/mes-donnees.json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    static.close()


def test_error_pages_follow_the_contract(client, structure):
    full = client.get("/nulle-part")
    assert full.status_code == 404
    assert "<html" in full.text
    boosted = client.get("/nulle-part", headers=hx(boosted=True))
    assert "<html" in boosted.text
    fragment = client.get("/nulle-part", headers=hx("main"))
    assert "<html" not in fragment.text
    assert root_id(fragment.text) == "error"
    assert "HX-Request" in fragment.headers["Vary"]
