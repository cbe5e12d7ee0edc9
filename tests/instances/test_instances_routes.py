"""Instance pages: list, detail, creation and rules, membership flows with and without JavaScript,
members-only instances invisible (404), bounded queries, the home block, and a double "Rejoindre"."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts import on_behalf
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import services
from app.instances.models import (
    EndReason,
    Instance,
    InstanceType,
    JoinPolicy,
    MeetingStatus,
    Nature,
    Office,
    QuorumBase,
    Seat,
    SeatStatus,
)
from app.instances.services import local_today
from app.ledger.models import LedgerEntry
from app.notifications.models import Notification
from tests.conftest import PASSWORD, run_together
from tests.helpers import count_queries, hx
from tests.instances.factories import add_seat, make_instance, make_meeting


@pytest.fixture(autouse=True)
def _only_our_sections(request, monkeypatch):
    """The page's own content only: sections of the meetings and votes modules have their own tests
    (a test asking for `all_sections` keeps them)."""
    from app.instances import sections

    if "all_sections" not in request.fixturenames:
        monkeypatch.setattr(sections, "_SECTIONS", [])


@pytest.fixture
def all_sections():
    """Keep the meetings and votes sections on the instance page (see `_only_our_sections`)."""


@pytest.fixture
def people(make_user):
    return {
        "habitant": make_user(display_name="Awa Diallo", username="awa"),
        "member": make_user(display_name="Lucien Morel", username="lucien"),
        "staff": make_user(role=Role.STAFF, display_name="Julie Martin", username="julie"),
    }


def _reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _seats(instance_id: int, person_id: int) -> list[Seat]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Seat).where(Seat.instance_id == instance_id, Seat.person_id == person_id)))


def _form(**overrides) -> dict:
    data = {
        "name": "Comité d'usagers du secteur familles",
        "instance_type": "users_committee",
        "nature": "advisory",
        "description": "Le comité donne son avis sur les activités familles.\n\nIl se réunit chaque trimestre.",
        "is_public": "1",
        "join_policy": "open",
        "reports_to": "",
        "source": "charter",
        "colleges": "Usagers : 8\nHabitants : 4",
        "mandate_months": "12",
        "notice_days": "7",
        "quorum_base": "none",
        "quorum_is_percent": "1",
        "quorum_threshold": "50",
        "second_call_without_quorum": "y",
        "majority": "simple",
        "qualified_num": "2",
        "qualified_den": "3",
        "proxies_max": "1",
        "voting_mode": "open",
        "minutes_deadline_days": "30",
        "excluded_topics": "Budget et ressources humaines",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_public_instances_and_my_own(client, auth, structure, people):
    committee = make_instance(structure, "Comité d'usagers")
    secret = make_instance(structure, "Commission recrutement", is_public=False)
    make_instance(make_structure("Autre centre"), "Comité d'ailleurs")
    add_seat(committee, people["member"])
    add_seat(secret, people["member"])
    make_meeting(committee, days_ahead=10)
    make_meeting(committee, days_ahead=3, status=MeetingStatus.CANCELLED)

    anonymous = client.get("/instances/")
    assert anonymous.status_code == 200
    assert "Comité d&#39;usagers" in anonymous.text
    assert "Commission recrutement" not in anonymous.text
    assert "Comité d&#39;ailleurs" not in anonymous.text
    assert "1 membre" in anonymous.text and "Prochaine réunion" in anonymous.text
    assert "Créer une instance" not in anonymous.text

    auth.login(people["member"])
    mine = client.get("/instances/").text
    assert "Commission recrutement" in mine and "Vous en êtes membre" in mine


def test_staff_see_all_and_the_archived_ones_under_a_filter(client, auth, structure, people):
    make_instance(structure, "Commission recrutement", is_public=False)
    old = make_instance(structure, "Ancienne commission")
    services.archive_instance(old, by=people["staff"])
    db.session.commit()
    auth.login(people["staff"])
    page = client.get("/instances/").text
    assert "Commission recrutement" in page and "Ancienne commission" not in page
    assert "Créer une instance" in page
    archived = client.get("/instances/?archivees=1").text
    assert "Ancienne commission" in archived and "Commission recrutement" not in archived
    auth.logout()
    auth.login(people["habitant"])
    assert "Ancienne commission" not in client.get("/instances/?archivees=1").text


def test_empty_list(client, auth, structure, people):
    assert "Pas encore d'instance ouverte au public." in client.get("/instances/").text
    auth.login(people["staff"])
    assert "Pas encore d'instance." in client.get("/instances/").text


def test_list_fragment_for_htmx(client, structure):
    make_instance(structure)
    r = client.get("/instances/", headers=hx("instance-list"))
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith('<section id="instance-list"')


def test_list_queries_do_not_grow_with_instances(client, auth, structure, people, make_user):
    def add(n):
        for i in range(n):
            instance = make_instance(structure, f"Commission {len(str(i))}-{i}-{n}")
            add_seat(instance, make_user())
            make_meeting(instance)

    add(1)
    auth.login(people["habitant"])
    with count_queries() as small:
        assert client.get("/instances/").status_code == 200
    add(9)
    with count_queries() as large:
        assert client.get("/instances/").status_code == 200
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 12


# --- members-only instances do not exist for others ----------------------------------------------


def _all_get_paths(instance_id: int, seat_id: int) -> list[str]:
    base = f"/instances/{instance_id}"
    return [
        base,
        f"{base}/regles",
        f"{base}/membres",
        f"{base}/modifier",
        f"{base}/archiver",
        f"{base}/quitter",
        f"{base}/membres/ajouter",
        f"{base}/demandes/{seat_id}",
        f"{base}/sieges/{seat_id}/modifier",
        f"{base}/sieges/{seat_id}/terminer",
    ]


def test_members_only_instance_is_404_for_everyone_else(client, auth, structure, people, make_user):
    secret = make_instance(structure, "Commission recrutement", is_public=False)
    seat = add_seat(secret, people["member"])
    other_staff = make_user(make_structure("Autre centre"), role=Role.STAFF)
    for who in (None, people["habitant"], other_staff):
        if who is not None:
            auth.login(who)
        for path in _all_get_paths(secret.id, seat.id):
            assert client.get(path).status_code in (404, 302) if who is None else 404, (who, path)
        for path in ("rejoindre", "quitter", "annuler-demande", "archiver"):
            assert client.post(f"/instances/{secret.id}/{path}").status_code in (404, 302), (who, path)
        if who is not None:
            auth.logout()
    assert client.get(f"/instances/{secret.id}").status_code == 404
    auth.login(people["member"])
    assert client.get(f"/instances/{secret.id}").status_code == 200
    assert client.get(f"/instances/{secret.id}/membres").status_code == 200
    auth.logout()
    auth.login(people["staff"])
    for path in _all_get_paths(secret.id, seat.id):
        if "/demandes/" in path:
            continue
        assert client.get(path).status_code == 200, path


def test_an_instance_of_another_centre_is_404(client, auth, structure, people):
    elsewhere = make_instance(make_structure("Autre centre"), "Comité d'ailleurs")
    auth.login(people["staff"])
    assert client.get(f"/instances/{elsewhere.id}").status_code == 404
    assert client.get(f"/instances/{elsewhere.id}/modifier").status_code == 404


def test_habitants_may_not_manage(client, auth, structure, people):
    instance = make_instance(structure)
    seat = add_seat(instance, people["member"])
    assert client.get("/instances/nouvelle").status_code == 302  # to the login page
    auth.login(people["habitant"])
    base = f"/instances/{instance.id}"
    for path in (
        "/modifier",
        "/archiver",
        "/membres/ajouter",
        f"/sieges/{seat.id}/modifier",
        f"/sieges/{seat.id}/terminer",
    ):
        assert client.get(base + path).status_code == 403, path
    assert client.get("/instances/nouvelle").status_code == 403
    assert client.post("/instances/nouvelle", data=_form()).status_code == 403
    assert client.post(f"{base}/archiver").status_code == 403
    assert client.post(f"{base}/sieges/{seat.id}/terminer", data={"reason": "removed"}).status_code == 403


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_the_instance(client, auth, structure, people, make_user):
    board = make_instance(
        structure, "Conseil d'administration", instance_type=InstanceType.BOARD, nature=Nature.DECISION
    )
    committee = make_instance(
        structure,
        "Comité d'usagers",
        quorum_base=QuorumBase.PRESENT_REPRESENTED,
        colleges=[
            {"code": "usagers", "label": "Usagers", "seats": 8},
            {"code": "salaries", "label": "Salariés", "seats": 2},
        ],
    )
    committee.reports_to_id = board.id
    committee.description = "Première ligne <b>x</b>\nDeuxième ligne"
    db.session.commit()
    add_seat(committee, people["member"], office=Office.CHAIR, college="usagers")
    add_seat(committee, make_user(display_name="Nadia Amrani"), college="salaries", has_vote=False)

    anonymous = client.get(f"/instances/{committee.id}").text
    assert "Première ligne &lt;b&gt;x&lt;/b&gt;<br>Deuxième ligne" in anonymous
    assert "2 membres" in anonymous and "Lucien Morel" not in anonymous  # names for logged-in people only
    assert "présents ou représentés" in anonymous
    assert "Conseil d&#39;administration" in anonymous
    assert f'id="instance-{committee.id}-membership"' in anonymous

    auth.login(people["habitant"])
    page = client.get(f"/instances/{committee.id}").text
    assert "Lucien Morel" in page and "Président·e" in page and "Voix consultative" in page
    assert page.index("Usagers") < page.index("Salariés")
    assert "Demander à rejoindre" in page
    assert "Gérer l'instance" not in page


def test_detail_renders_registered_sections(app, client, structure, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader

    from app.instances import sections

    instance = make_instance(structure)
    template = '<section id="test-section">{{ section.title }} — {{ instance.name }}</section>'
    monkeypatch.setattr(
        app.jinja_env, "loader", ChoiceLoader([DictLoader({"test/_section.html": template}), app.jinja_env.loader])
    )
    monkeypatch.setattr(
        sections,
        "_SECTIONS",
        [(1, lambda i, u: {"template": "test/_section.html", "title": "Prochaines réunions"}), (2, lambda i, u: None)],
    )
    page = client.get(f"/instances/{instance.id}").text
    assert '<section id="test-section">Prochaines réunions — Comité d&#39;usagers</section>' in page


def _fill_sections(instance, board, staff, make_user, times: int) -> None:
    """`times` more of what the instance page shows: members, a join request, meetings to come and
    held, online votes open and closed (with ballots), opinions sent (one answered)."""
    from datetime import timedelta

    from app.instances import meetings, opinions, votes
    from app.timeutil import utcnow

    for n in range(times):
        people = [make_user() for _ in range(3)]
        for person in people:
            add_seat(instance, person)
        services.request_seat(instance, make_user(), by=staff)
        make_meeting(instance, days_ahead=10 + n)
        held = make_meeting(instance, starts_at=utcnow().replace(microsecond=0) - timedelta(days=20 + n))
        meetings.close_meeting(held, by=staff)
        meetings.publish_minutes(meetings.save_minutes(held, "Compte rendu.", by=staff), by=staff)
        for title in ("Vote en cours", "Vote clos"):
            motion = votes.create_motion(
                instance, {"title": f"{title} {n}", "closes_at": utcnow() + timedelta(days=3)}, staff
            )
            votes.open_vote(motion, staff)
            votes.cast_vote(motion, people[0], "for", people[0])
        votes.close_motion(motion, staff)
        sent = opinions.send_opinion(instance, board, f"Avis {n}", "Nous proposons…", by=staff)
        opinions.respond_to_opinion(sent, "accepted", "Retenu.", by=staff)
        opinions.send_opinion(instance, board, f"Avis en attente {n}", "Nous proposons…", by=staff)
    db.session.commit()


@pytest.mark.parametrize("role", ["staff", "member"])
def test_detail_queries_do_not_grow_with_members(client, auth, structure, people, make_user, all_sections, role):
    board = make_instance(structure, "Conseil d'administration", nature=Nature.DECISION)
    instance = make_instance(structure)
    instance.reports_to_id = board.id
    add_seat(instance, make_user(), office=Office.CHAIR)
    add_seat(instance, people["member"])
    _fill_sections(instance, board, people["staff"], make_user, 1)
    auth.login(people[role])
    with count_queries() as small:
        page = client.get(f"/instances/{instance.id}")
    assert page.status_code == 200
    for shown in ("Vote en cours 0", "Vote clos 0", "Avis 0", "Compte rendu", "Toutes les réunions"):
        assert shown in page.text, shown
    _fill_sections(instance, board, people["staff"], make_user, 9)
    with count_queries() as large:
        assert client.get(f"/instances/{instance.id}").status_code == 200
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 12, large.statements


def test_members_page_queries_do_not_grow(client, auth, structure, people, make_user):
    instance = make_instance(structure)
    services.end_seat(add_seat(instance, make_user()), EndReason.LEFT, by=people["staff"])
    services.request_seat(instance, make_user(), by=people["staff"])
    add_seat(instance, make_user())
    db.session.commit()
    auth.login(people["staff"])
    with count_queries() as small:
        assert client.get(f"/instances/{instance.id}/membres").status_code == 200
    for _ in range(5):
        services.end_seat(add_seat(instance, make_user()), EndReason.LEFT, by=people["staff"])
        services.request_seat(instance, make_user(), by=people["staff"])
        add_seat(instance, make_user())
    db.session.commit()
    with count_queries() as large:
        assert client.get(f"/instances/{instance.id}/membres").status_code == 200
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 12


# --- creating and editing ------------------------------------------------------------------------


def test_create_an_instance_without_javascript(client, auth, structure, people):
    auth.login(people["staff"])
    choose = client.get("/instances/nouvelle")
    assert choose.status_code == 200 and "Comité d&#39;usagers" in choose.text
    form = client.get("/instances/nouvelle?type=board").text
    assert 'value="Conseil d&#39;administration"' in form  # the type's defaults fill the form
    assert "Habitants élus : 9" in form
    r = client.post("/instances/nouvelle?type=users_committee", data=_form())
    assert r.status_code == 303
    instance = db.session.scalar(sa.select(Instance))
    assert r.headers["Location"].endswith(f"/instances/{instance.id}")
    assert "est créée" in client.get(r.headers["Location"]).text
    assert instance.join_policy == JoinPolicy.OPEN and instance.nature == Nature.ADVISORY
    rules = instance.rules
    assert rules.colleges == [
        {"code": "usagers", "label": "Usagers", "seats": 8},
        {"code": "habitants", "label": "Habitants", "seats": 4},
    ]
    assert rules.second_call_without_quorum is True and rules.proxies_allowed is False
    assert rules.created_by_id == people["staff"].id


def test_bad_input_is_a_422_with_the_values_kept(client, auth, structure, people):
    auth.login(people["staff"])
    r = client.post(
        "/instances/nouvelle", data=_form(colleges="Usagers : 8\nHabitants : beaucoup", quorum_threshold="140")
    )
    assert r.status_code == 422
    assert "Ligne 2" in r.text and "beaucoup" in r.text
    assert "ne peut pas dépasser 100" in r.text
    r = client.post(
        "/instances/nouvelle", data=_form(name="", majority="qualified", qualified_num="3", qualified_den="2")
    )
    assert r.status_code == 422 and "Donnez un nom" in r.text and "numérateur" in r.text
    r = client.post("/instances/nouvelle", data=_form(instance_type="nimportequoi", name="Nul\x00"))
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Instance)) == 0


def test_duplicate_name_is_a_422(client, auth, structure, people):
    make_instance(structure, "Comité d'usagers du secteur familles")
    auth.login(people["staff"])
    r = client.post("/instances/nouvelle", data=_form())
    assert r.status_code == 422 and "porte déjà ce nom" in r.text


def test_edit_writes_a_new_rules_version(client, auth, structure, people):
    instance = make_instance(structure, "Comité d'usagers")
    meeting = make_meeting(instance)
    first_rules_id = instance.rules.id
    auth.login(people["staff"])
    page = client.get(f"/instances/{instance.id}/modifier")
    assert page.status_code == 200 and "Habitants : 12" in page.text
    r = client.post(
        f"/instances/{instance.id}/modifier", data=_form(name="Comité d'usagers", colleges="Habitants : 12")
    )
    assert r.status_code == 303
    follow = client.get(r.headers["Location"]).text
    assert "Modifications enregistrées. Les règles passent à la version 2." in follow
    r = client.post(
        f"/instances/{instance.id}/modifier", data=_form(name="Comité d'usagers", colleges="Habitants : 12")
    )
    assert "Modifications enregistrées." in client.get(r.headers["Location"]).text
    instance = _reload(Instance, instance.id)
    assert [r.version for r in instance.rules_versions] == [2, 1]
    assert instance.rules.colleges[0]["code"] == "habitants"
    assert _reload(type(meeting), meeting.id).rules_id == first_rules_id
    rules_page = client.get(f"/instances/{instance.id}/regles").text
    assert "Version 2 du" in rules_page and "Version 1 du" in rules_page and "par Julie Martin" in rules_page
    assert "Pas de quorum" in rules_page


def test_rules_page_is_public_for_a_public_instance(client, structure):
    instance = make_instance(structure, quorum_base=QuorumBase.PRESENT_REPRESENTED, second_call_without_quorum=True)
    page = client.get(f"/instances/{instance.id}/regles").text
    assert (
        "Quorum : la moitié des membres ayant voix délibérative, présents ou représentés. "
        "En seconde convocation, l&#39;instance délibère sans quorum." in page
    )


def test_archive_with_confirmation(client, auth, structure, people):
    instance = make_instance(structure, "Commission fêtes")
    auth.login(people["staff"])
    confirm = client.get(f"/instances/{instance.id}/archiver")
    assert confirm.status_code == 200 and "Archiver « Commission fêtes » ?" in confirm.text
    r = client.post(f"/instances/{instance.id}/archiver")
    assert r.status_code == 303 and r.headers["Location"].endswith("/instances/")
    assert "est archivée" in client.get("/instances/").text
    assert _reload(Instance, instance.id).archived_at is not None
    auth.logout()
    assert client.get(f"/instances/{instance.id}").status_code == 404  # archived: no longer public
    auth.login(people["staff"])
    assert client.post(f"/instances/{instance.id}/restaurer").status_code == 303
    assert _reload(Instance, instance.id).archived_at is None


# --- joining and leaving -------------------------------------------------------------------------


def test_join_an_open_instance_without_javascript(client, auth, structure, people):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    auth.login(people["habitant"])
    assert "Rejoindre" in client.get(f"/instances/{instance.id}").text
    r = client.post(f"/instances/{instance.id}/rejoindre")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/instances/{instance.id}#instance-{instance.id}-membership")
    page = client.get(r.headers["Location"]).text
    assert "Bienvenue" in page and "Quitter l'instance" in page
    [seat] = _seats(instance.id, people["habitant"].id)
    assert seat.status == SeatStatus.ACTIVE


def test_join_with_htmx_returns_the_membership_block(client, auth, structure, people):
    instance = make_instance(structure, join_policy=JoinPolicy.ON_REQUEST)
    target = f"instance-{instance.id}-membership"
    auth.login(people["habitant"])
    r = client.post(f"/instances/{instance.id}/rejoindre", data={"message": "Je veux aider"}, headers=hx(target))
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith(f'<section id="{target}"')
    assert "Votre demande est envoyée" in r.text and "Annuler ma demande" in r.text
    r = client.post(f"/instances/{instance.id}/annuler-demande", headers=hx(target))
    assert r.status_code == 200 and "Votre demande est annulée" in r.text and "Demander à rejoindre" in r.text
    assert _seats(instance.id, people["habitant"].id) == []
    r = client.post(f"/instances/{instance.id}/annuler-demande", headers=hx(target))
    assert r.status_code == 422 and "pas de demande en attente" in r.text


def test_join_refusals_are_clear(client, auth, structure, people):
    board = make_instance(structure, "CA", join_policy=JoinPolicy.APPOINTED)
    auth.login(people["habitant"])
    page = client.get(f"/instances/{board.id}").text
    assert "désignés ou élus" in page and "Rejoindre" not in page
    r = client.post(f"/instances/{board.id}/rejoindre")
    assert r.status_code == 303
    assert "désignés ou élus" in client.get(r.headers["Location"]).text
    committee = make_instance(structure, join_policy=JoinPolicy.ON_REQUEST)
    r = client.post(f"/instances/{committee.id}/rejoindre", data={"message": "x" * 600})
    assert r.status_code == 422 and "500" in r.text
    assert client.post(f"/instances/{committee.id}/rejoindre", data={"message": "a"}, csrf=False).status_code == 400


def test_anonymous_are_sent_to_log_in(client, structure):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    assert "Connectez-vous pour rejoindre" in client.get(f"/instances/{instance.id}").text
    r = client.post(f"/instances/{instance.id}/rejoindre")
    assert r.status_code == 302 and "/compte/connexion" in r.headers["Location"]


def test_join_request_notifies_the_chair(client, auth, structure, people):
    instance = make_instance(structure, join_policy=JoinPolicy.ON_REQUEST)
    add_seat(instance, people["member"], office=Office.CHAIR)
    auth.login(people["habitant"])
    client.post(f"/instances/{instance.id}/rejoindre", data={"message": "J'ai des idées pour l'accueil."})
    db.session.expire_all()
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == people["member"].id))
    assert note.kind == "instance.membership" and "Awa Diallo" in note.message


def test_leave_with_confirmation(client, auth, structure, people):
    instance = make_instance(structure)
    add_seat(instance, people["member"])
    auth.login(people["member"])
    confirm = client.get(f"/instances/{instance.id}/quitter")
    assert confirm.status_code == 200 and "Quitter « Comité d&#39;usagers » ?" in confirm.text
    r = client.post(f"/instances/{instance.id}/quitter")
    assert r.status_code == 303
    assert "Vous avez quitté" in client.get(r.headers["Location"]).text
    [seat] = _seats(instance.id, people["member"].id)
    assert seat.status == SeatStatus.ENDED and seat.end_reason == EndReason.LEFT
    assert "pas membre" in client.get(f"/instances/{instance.id}/quitter").text
    r = client.post(f"/instances/{instance.id}/quitter")
    assert "pas membre" in client.get(r.headers["Location"]).text


def test_staff_acting_for_a_habitant_joins_for_them(client, auth, structure, people):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    auth.login(people["staff"])
    with client.session_transaction() as session:
        session[on_behalf.SESSION_KEY] = {"user_id": people["habitant"].id, "structure_id": structure.id}
    assert client.post(f"/instances/{instance.id}/rejoindre").status_code == 303
    [seat] = _seats(instance.id, people["habitant"].id)
    entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.object_id == seat.id))
    assert entry.person_id == people["habitant"].id and entry.recorded_by_id == people["staff"].id
    assert "Awa Diallo est membre" in client.get(f"/instances/{instance.id}").text


# --- answering requests and seating people -------------------------------------------------------


def test_chair_accepts_a_request(client, auth, structure, people, mail):
    instance = make_instance(
        structure,
        join_policy=JoinPolicy.ON_REQUEST,
        mandate_months=12,
        colleges=[
            {"code": "usagers", "label": "Usagers", "seats": 8},
            {"code": "habitants", "label": "Habitants", "seats": 4},
        ],
    )
    add_seat(instance, people["member"], office=Office.CHAIR)
    seat = services.request_seat(instance, people["habitant"], "Bonjour !", by=people["habitant"])
    db.session.commit()
    auth.login(people["member"])
    members = client.get(f"/instances/{instance.id}/membres").text
    assert "1 demande en attente" in members and "Bonjour !" in members
    page = client.get(f"/instances/{instance.id}/demandes/{seat.id}")
    assert page.status_code == 200 and local_today().isoformat() in page.text
    assert "Autorisation parentale" not in page.text
    r = client.post(
        f"/instances/{instance.id}/demandes/{seat.id}",
        data={
            "college": "habitants",
            "office": "secretary",
            "has_vote": "y",
            "start_date": "2025-09-01",
            "end_date": "",
        },
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/instances/{instance.id}/membres")
    assert "Awa Diallo est membre" in client.get(r.headers["Location"]).text
    seat = _reload(Seat, seat.id)
    assert (seat.status, seat.college, seat.office) == (SeatStatus.ACTIVE, "habitants", Office.SECRETARY)
    assert seat.start_date == date(2025, 9, 1) and seat.end_date is None
    assert "Bienvenue" in mail.body(mail.last_to(people["habitant"].email))
    # A second answer (another tab, another person) is told politely.
    r = client.post(
        f"/instances/{instance.id}/demandes/{seat.id}",
        data={"college": "habitants", "office": "member", "start_date": "2025-09-01"},
    )
    assert r.status_code == 303 and "déjà reçu une réponse" in client.get(r.headers["Location"]).text


def test_decline_a_request(client, auth, structure, people):
    instance = make_instance(structure)
    seat = services.request_seat(instance, people["habitant"], by=people["habitant"])
    db.session.commit()
    auth.login(people["staff"])
    r = client.post(f"/instances/{instance.id}/demandes/{seat.id}/refuser")
    assert r.status_code == 303 and "refusée" in client.get(r.headers["Location"]).text
    assert _reload(Seat, seat.id).status == SeatStatus.DECLINED


def test_a_plain_member_cannot_answer_requests(client, auth, structure, people, make_user):
    instance = make_instance(structure)
    add_seat(instance, people["member"], office=Office.SECRETARY)
    seat = services.request_seat(instance, people["habitant"], by=people["habitant"])
    db.session.commit()
    auth.login(people["member"])
    assert client.get(f"/instances/{instance.id}/demandes/{seat.id}").status_code == 403
    assert client.post(f"/instances/{instance.id}/demandes/{seat.id}/refuser").status_code == 403
    assert "demande en attente" not in client.get(f"/instances/{instance.id}/membres").text
    assert "demande en attente" not in client.get(f"/instances/{instance.id}").text
    auth.logout()
    chair = make_user()
    add_seat(instance, chair, office=Office.VICE_CHAIR)
    auth.login(chair)
    assert "1 demande en attente de réponse" in client.get(f"/instances/{instance.id}").text


def test_minor_on_a_board_needs_the_authorisation(client, auth, structure, people, make_user):
    board = make_instance(structure, "CA", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    minor = make_user(display_name="Inès Benali", birth_year=local_today().year - 15)
    auth.login(people["staff"])
    page = client.get(f"/instances/{board.id}/membres/ajouter?personne={minor.id}").text
    assert "moins de 16 ans" in page and "Date de l'autorisation parentale" in page
    data = {
        "person": str(minor.id),
        "college": "habitants",
        "office": "member",
        "has_vote": "y",
        "start_date": local_today().isoformat(),
    }
    r = client.post(f"/instances/{board.id}/membres/ajouter", data=data)
    assert r.status_code == 422
    assert "Inès Benali a moins de 16 ans" in r.text
    assert _seats(board.id, minor.id) == []
    r = client.post(
        f"/instances/{board.id}/membres/ajouter", data={**data, "parental_authorisation_at": local_today().isoformat()}
    )
    assert r.status_code == 303
    [seat] = _seats(board.id, minor.id)
    assert seat.parental_authorisation_at == local_today()


def test_add_a_member_by_search(client, auth, structure, people, make_user):
    instance = make_instance(structure)
    add_seat(instance, people["member"])
    make_user(display_name="Bernard Lefèvre", username="bernard.l")
    auth.login(people["staff"])
    page = client.get(f"/instances/{instance.id}/membres/ajouter?q=bern")
    assert page.status_code == 200 and "Bernard Lefèvre" in page.text and "Awa Diallo" not in page.text
    fragment = client.get(f"/instances/{instance.id}/membres/ajouter?q=lucien", headers=hx("instance-person-results"))
    assert fragment.text.lstrip().startswith('<section id="instance-person-results"')
    assert "Déjà membre" in fragment.text
    awa = people["habitant"]
    form = client.get(f"/instances/{instance.id}/membres/ajouter?personne={awa.id}")
    assert "Ajouter Awa Diallo" in form.text
    r = client.post(
        f"/instances/{instance.id}/membres/ajouter",
        data={
            "person": str(awa.id),
            "college": "habitants",
            "office": "chair",
            "has_vote": "y",
            "start_date": "2025-01-15",
        },
    )
    assert r.status_code == 303
    [seat] = _seats(instance.id, awa.id)
    assert seat.office == Office.CHAIR and seat.decided_by_id == people["staff"].id
    r = client.post(
        f"/instances/{instance.id}/membres/ajouter",
        data={"person": str(awa.id), "college": "habitants", "office": "member", "start_date": "2025-01-15"},
    )
    assert r.status_code == 422 and "déjà membre" in r.text
    stranger = make_user(make_structure("Autre centre"))
    r = client.post(
        f"/instances/{instance.id}/membres/ajouter", data={"person": str(stranger.id), "start_date": "2025-01-15"}
    )
    assert r.status_code == 303 and "Choisissez une personne" in client.get(r.headers["Location"]).text
    assert client.get(f"/instances/{instance.id}/membres/ajouter?personne=abc").status_code == 200


def test_edit_and_end_a_seat(client, auth, structure, people):
    instance = make_instance(structure)
    seat = add_seat(instance, people["member"])
    auth.login(people["staff"])
    page = client.get(f"/instances/{instance.id}/sieges/{seat.id}/modifier")
    assert page.status_code == 200 and "Siège de Lucien Morel" in page.text
    r = client.post(
        f"/instances/{instance.id}/sieges/{seat.id}/modifier",
        data={"college": "habitants", "office": "treasurer", "start_date": "2025-01-01", "end_date": "2024-01-01"},
    )
    assert r.status_code == 422 and "après son début" in r.text
    r = client.post(
        f"/instances/{instance.id}/sieges/{seat.id}/modifier",
        data={"college": "habitants", "office": "treasurer", "start_date": "2025-01-01", "end_date": ""},
    )
    assert r.status_code == 303
    seat = _reload(Seat, seat.id)
    assert seat.office == Office.TREASURER and seat.has_vote is False  # unticked box
    confirm = client.get(f"/instances/{instance.id}/sieges/{seat.id}/terminer")
    assert confirm.status_code == 200 and "Fin de mandat" in confirm.text
    r = client.post(f"/instances/{instance.id}/sieges/{seat.id}/terminer", data={})
    assert r.status_code == 422 and "Choisissez une raison" in r.text
    r = client.post(f"/instances/{instance.id}/sieges/{seat.id}/terminer", data={"reason": "mandate_end"})
    assert r.status_code == 303
    members = client.get(r.headers["Location"]).text
    assert "reste dans l&#39;historique" in members and "Anciens membres" in members and "Fin de mandat" in members
    assert client.get(f"/instances/{instance.id}/sieges/{seat.id}/terminer").status_code == 404


# --- the home block -------------------------------------------------------------------------------


def test_home_block(client, auth, structure, people):
    committee = make_instance(structure, "Comité d'usagers", join_policy=JoinPolicy.OPEN)
    make_instance(structure, "Conseil d'administration", join_policy=JoinPolicy.APPOINTED)
    make_instance(structure, "Commission recrutement", is_public=False)
    auth.login(people["habitant"])
    home = client.get("/").text
    assert "Prendre part aux décisions" in home and "Comité d&#39;usagers" in home
    assert "Conseil d&#39;administration" not in home and "Commission recrutement" not in home
    auth.logout()
    add_seat(committee, people["member"], office=Office.SECRETARY)
    make_meeting(committee, days_ahead=5)
    auth.login(people["member"])
    home = client.get("/").text
    assert "Mes instances" in home and "Secrétaire" in home and "Prochaine réunion" in home


# --- a double click on "Rejoindre" ---------------------------------------------------------------


@pytest.mark.usefixtures("no_login_throttle")
@pytest.mark.parametrize("policy", [JoinPolicy.OPEN, JoinPolicy.ON_REQUEST])
def test_clicking_join_many_times_at_once_gives_one_seat(structure, make_user, web_user, policy):
    instance_id = make_instance(structure, join_policy=policy).id
    username = make_user().username
    db.session.remove()
    person = web_user()
    status, _ = person.post(
        "/compte/connexion", {"identifier": username, "password": PASSWORD}, person.token("/compte/connexion")
    )
    assert status == 303
    path = f"/instances/{instance_id}"
    token = person.token(path)
    db.session.remove()
    results = run_together([lambda: person.post(f"{path}/rejoindre", {}, token) for _ in range(12)])
    assert {r[0] if isinstance(r, tuple) else r for r in results} == {303}
    db.session.remove()
    seats = db.session.scalar(sa.select(sa.func.count()).select_from(Seat).where(Seat.instance_id == instance_id))
    ledger = db.session.scalar(
        sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "instance.seat")
    )
    assert seats == 1
    assert ledger == (1 if policy == JoinPolicy.OPEN else 0)


def test_links_on_the_pages_are_real_urls(client, auth, structure, people):
    """Every instance link the detail page shows answers (no broken route in the templates)."""
    instance = make_instance(structure)
    add_seat(instance, people["member"])
    auth.login(people["staff"])
    page = client.get(f"/instances/{instance.id}").text
    for path in set(re.findall(rf'href="(/instances/{instance.id}[^"#]*)', page)):
        assert client.get(path).status_code == 200, path
