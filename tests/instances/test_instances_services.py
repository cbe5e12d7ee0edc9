"""Instance services: creation with type defaults, rules versions and their French description,
collèges parsing, and the membership verbs (join, request, accept, add, edit, end, minors)."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit import AuditEvent
from app.centres.models import Role
from app.extensions import db
from app.factories import make_structure
from app.instances import services
from app.instances.models import (
    EndReason,
    InstanceRules,
    InstanceType,
    JoinPolicy,
    Majority,
    Nature,
    Office,
    QuorumBase,
    RulesSource,
    Seat,
    SeatStatus,
    VotingMode,
)
from app.instances.services import AlreadyAnswered, InstanceError, local_today
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from tests.instances.factories import add_seat, make_instance, make_meeting


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.STAFF, display_name="Julie Martin")


def _ledger(person_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.person_id == person_id)))


def _notes(person_id: int) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == person_id)))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- creating instances and their rules ---------------------------------------------------------


def test_users_committee_defaults(structure, staff):
    instance = services.create_instance(
        structure, {"name": "Comité d'usagers", "instance_type": InstanceType.USERS_COMMITTEE}, by=staff
    )
    db.session.commit()
    assert instance.nature == Nature.ADVISORY
    assert instance.join_policy == JoinPolicy.OPEN
    rules = instance.rules
    assert rules.version == 1 and rules.created_by_id == staff.id
    assert rules.quorum_base == QuorumBase.NONE
    assert rules.majority == Majority.SIMPLE
    assert rules.voting_mode == VotingMode.OPEN
    assert rules.proxies_allowed is False
    assert [c["code"] for c in rules.colleges] == ["usagers", "habitants", "associations", "salaries"]
    assert rules.excluded_topics == "Budget et ressources humaines"
    assert _audit("instance_created")[0].target_id == instance.id


def test_board_defaults(structure, staff):
    instance = services.create_instance(
        structure, {"name": "Conseil d'administration", "instance_type": "board"}, by=staff
    )
    rules = instance.rules
    assert instance.nature == Nature.DECISION and instance.join_policy == JoinPolicy.APPOINTED
    assert rules.quorum_base == QuorumBase.PRESENT_REPRESENTED
    assert rules.quorum_is_percent and rules.quorum_threshold == 50
    assert rules.proxies_allowed and rules.proxies_max == 1
    assert rules.mandate_months == 36 and rules.source == RulesSource.STATUTES


@pytest.mark.parametrize("kind", list(InstanceType))
def test_every_type_has_valid_defaults(structure, staff, kind):
    instance = services.create_instance(structure, {"name": f"Instance {kind.value}", "instance_type": kind}, by=staff)
    db.session.commit()
    assert instance.rules.version == 1
    assert services.describe_rules(instance.rules, instance)


def test_given_fields_and_rules_win_over_the_defaults(structure, staff):
    instance = services.create_instance(
        structure,
        {"name": "Commission jeunesse", "instance_type": "commission", "is_public": False, "join_policy": "on_request"},
        {"notice_days": 3, "majority": Majority.QUALIFIED, "qualified_num": 3, "qualified_den": 4},
        by=staff,
    )
    assert instance.is_public is False and instance.join_policy == JoinPolicy.ON_REQUEST
    assert instance.rules.notice_days == 3 and instance.rules.qualified_num == 3


def test_names_are_unique_in_a_structure(structure, staff):
    services.create_instance(structure, {"name": "Bureau", "instance_type": "executive_committee"}, by=staff)
    with pytest.raises(InstanceError):
        services.create_instance(structure, {"name": "bureau", "instance_type": "executive_committee"}, by=staff)
    other = make_structure("Espace de vie sociale Le Préau")
    services.create_instance(other, {"name": "Bureau", "instance_type": "executive_committee"}, by=staff)


def test_reports_to_must_be_a_decision_body_of_the_structure(structure, staff):
    board = make_instance(structure, "CA", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    elsewhere = make_instance(make_structure("Autre centre"), "CA ailleurs", nature=Nature.DECISION)
    committee = services.create_instance(
        structure, {"name": "Comité", "instance_type": "users_committee", "reports_to_id": board.id}, by=staff
    )
    assert committee.reports_to_id == board.id
    with pytest.raises(InstanceError):
        services.update_instance(committee, {"reports_to_id": elsewhere.id}, by=staff)
    with pytest.raises(InstanceError):
        services.update_instance(committee, {"reports_to_id": committee.id}, by=staff)


def test_changing_the_rules_writes_a_new_version_and_meetings_keep_theirs(structure, staff):
    instance = make_instance(structure)
    meeting = make_meeting(instance)
    first = instance.rules
    same = services.update_rules(instance, {"notice_days": first.notice_days}, by=staff)
    assert same.id == first.id  # nothing changed: no new version
    new = services.update_rules(
        instance, {"quorum_base": QuorumBase.PRESENT, "quorum_threshold": 5, "quorum_is_percent": False}, by=staff
    )
    db.session.commit()
    db.session.expire_all()
    assert new.version == 2 and new.id != first.id
    assert instance.rules.id == new.id
    assert db.session.get(InstanceRules, first.id).quorum_base == QuorumBase.NONE  # untouched
    assert meeting.rules_id == first.id
    event = _audit("instance_rules_changed")[0]
    assert json.loads(event.details)["fields"] == ["quorum_base", "quorum_is_percent", "quorum_threshold"]


def test_rules_refuse_impossible_values(structure, staff):
    instance = make_instance(structure)
    with pytest.raises(InstanceError):
        services.update_rules(instance, {"quorum_is_percent": True, "quorum_threshold": 150}, by=staff)
    with pytest.raises(InstanceError):
        services.update_rules(instance, {"qualified_num": 4, "qualified_den": 3}, by=staff)


def test_archive_and_restore(structure, staff):
    instance = make_instance(structure)
    services.archive_instance(instance, by=staff)
    assert instance.archived_at is not None
    with pytest.raises(InstanceError):
        services.archive_instance(instance, by=staff)
    services.restore_instance(instance, by=staff)
    assert instance.archived_at is None


# --- collèges ----------------------------------------------------------------------------------


def test_parse_colleges():
    text = "Habitants : 8\n\n  Salariés:2\nAdhérents\nMembres de droit : 3"
    assert services.parse_colleges(text) == [
        {"code": "habitants", "label": "Habitants", "seats": 8},
        {"code": "salaries", "label": "Salariés", "seats": 2},
        {"code": "adherents", "label": "Adhérents", "seats": None},
        {"code": "membres_de_droit", "label": "Membres de droit", "seats": 3},
    ]
    assert services.parse_colleges("") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Habitants : 8\nUsagers : huit", "Ligne 2"),
        ("Habitants : 0", "Ligne 1"),
        ("Habitants :", "Ligne 1"),
        (": 4", "Ligne 1"),
        ("Habitants : 4\nhabitants : 2", "déjà dans la liste"),
    ],
)
def test_parse_colleges_explains_bad_lines(text, fragment):
    with pytest.raises(InstanceError) as error:
        services.parse_colleges(text)
    assert fragment in str(error.value)


def test_renamed_label_keeps_a_known_code_when_the_label_is_the_same():
    previous = [{"code": "hab", "label": "Habitants", "seats": 8}]
    assert services.parse_colleges("habitants : 10", previous)[0]["code"] == "hab"
    assert services.format_colleges(services.parse_colleges("Habitants : 8\nAdhérents")) == "Habitants : 8\nAdhérents"


# --- rules in plain French ---------------------------------------------------------------------


def test_describe_board_rules(structure, staff):
    board = services.create_instance(structure, {"name": "CA", "instance_type": "board"}, by=staff)
    text = dict(services.describe_rules(board.rules, board))
    assert text["Quorum"] == (
        "Quorum : la moitié des membres ayant voix délibérative, présents ou représentés. "
        "En seconde convocation, l'instance délibère sans quorum."
    )
    assert "ans" in text["Mandats"] and "3 ans" in text["Mandats"]
    assert "1 pouvoir au plus" in text["Pouvoirs"]
    assert "voix de la présidence est prépondérante" in text["Majorité"]
    assert "15 jours" in text["Convocation"]


def test_describe_other_rule_shapes(structure):
    instance = make_instance(
        structure,
        quorum_base=QuorumBase.PRESENT,
        quorum_is_percent=False,
        quorum_threshold=5,
        second_call_without_quorum=False,
        majority=Majority.QUALIFIED,
        qualified_num=2,
        qualified_den=3,
        abstentions_counted=True,
        voting_mode=VotingMode.SECRET,
        mandate_months=18,
        excluded_topics="Budget",
    )
    text = dict(services.describe_rules(instance.rules, instance))
    assert text["Quorum"].startswith("Quorum : 5 membres ayant voix délibérative, présents.")
    assert "aussi en seconde convocation" in text["Quorum"]
    assert "les deux tiers des voix exprimées" in text["Majorité"]
    assert "pèsent comme un vote contre" in text["Majorité"]
    assert text["Vote"] == "Les votes ont lieu à bulletin secret."
    assert text["Mandats"] == "Les mandats durent 18 mois."
    assert "Budget" in text["Hors du champ"]
    assert "consultative" in text["Portée"]
    no_quorum = make_instance(structure, "Commission")
    assert dict(services.describe_rules(no_quorum.rules))["Quorum"].startswith("Pas de quorum")


# --- joining ------------------------------------------------------------------------------------


def test_joining_an_open_instance_gives_an_active_seat_and_a_ledger_row(structure, make_user):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN, mandate_months=12)
    person = make_user()
    seat = services.request_seat(instance, person, by=person)
    db.session.commit()
    assert seat.status == SeatStatus.ACTIVE
    assert seat.start_date == local_today()
    assert seat.end_date == services.default_end_date(instance.rules, local_today())
    [entry] = _ledger(person.id)
    assert (entry.kind, entry.level, entry.object_type, entry.object_id) == (
        "instance.seat",
        Level.L4_CONCERTATION,
        "seat",
        seat.id,
    )
    assert entry.recorded_by_id is None
    # A second click returns the same seat and writes nothing more.
    assert services.request_seat(instance, person, by=person).id == seat.id
    db.session.commit()
    assert len(_ledger(person.id)) == 1


def test_asking_to_join_notifies_the_chair_and_staff(structure, make_user, staff):
    instance = make_instance(structure, join_policy=JoinPolicy.ON_REQUEST)
    chair, member, person = make_user(), make_user(), make_user(display_name="Awa Diallo")
    add_seat(instance, chair, office=Office.CHAIR)
    add_seat(instance, member)
    seat = services.request_seat(instance, person, "  J'habite le quartier depuis dix ans.  ", by=person)
    db.session.commit()
    assert seat.status == SeatStatus.REQUESTED and seat.start_date is None
    assert seat.request_message == "J'habite le quartier depuis dix ans."
    assert _ledger(person.id) == []
    for told in (chair, staff):
        [note] = _notes(told.id)
        assert note.kind == "instance.membership"
        assert "Awa Diallo" in note.message and note.url == f"/instances/{instance.id}/membres"
    assert _notes(member.id) == []


def test_appointed_and_archived_instances_cannot_be_joined(structure, make_user, staff):
    person = make_user()
    board = make_instance(structure, "CA", join_policy=JoinPolicy.APPOINTED)
    with pytest.raises(InstanceError):
        services.request_seat(board, person, by=person)
    archived = make_instance(structure, "Ancienne commission", join_policy=JoinPolicy.OPEN)
    services.archive_instance(archived, by=staff)
    with pytest.raises(InstanceError):
        services.request_seat(archived, person, by=person)


def test_staff_acting_at_the_accueil_is_recorded(structure, make_user, staff):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    person = make_user()
    services.request_seat(instance, person, by=staff)
    db.session.commit()
    assert _ledger(person.id)[0].recorded_by_id == staff.id


def test_cancel_a_request(structure, make_user):
    instance = make_instance(structure)
    person = make_user()
    seat = services.request_seat(instance, person, by=person)
    services.cancel_request(seat, by=person)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 0
    with pytest.raises(InstanceError):
        services.cancel_request(add_seat(instance, person), by=person)


# --- answering requests -------------------------------------------------------------------------


def test_accepting_a_request(structure, make_user, staff):
    instance = make_instance(
        structure,
        instance_type=InstanceType.GRANT_COMMITTEE,
        nature=Nature.GRANT,
        mandate_months=24,
        colleges=[
            {"code": "habitants", "label": "Habitants", "seats": 6},
            {"code": "assos", "label": "Assos", "seats": 2},
        ],
    )
    person = make_user()
    seat = services.request_seat(instance, person, by=person)
    db.session.commit()
    start = date(2025, 3, 1)
    seat = services.accept_seat(seat, college="assos", office=Office.TREASURER, start_date=start, by=staff)
    db.session.commit()
    assert seat.status == SeatStatus.ACTIVE and seat.decided_by_id == staff.id
    assert (seat.college, seat.office, seat.start_date) == ("assos", Office.TREASURER, start)
    assert seat.end_date == date(2027, 2, 28)  # start + 24 months
    [entry] = _ledger(person.id)
    assert entry.level == Level.L5_DECISION and entry.recorded_by_id == staff.id
    assert entry.occurred_at.date() == start
    assert "membre" in _notes(person.id)[-1].message
    assert _audit("seat_accepted")
    with pytest.raises(AlreadyAnswered):
        services.accept_seat(seat, by=staff)


def test_accept_refuses_an_unknown_college_and_a_bad_mandate(structure, make_user, staff):
    instance = make_instance(structure)
    seat = services.request_seat(instance, make_user(), by=staff)
    with pytest.raises(InstanceError) as error:
        services.accept_seat(seat, college="martiens", by=staff)
    assert error.value.field == "college"
    with pytest.raises(InstanceError) as error:
        services.accept_seat(seat, start_date=date(2025, 5, 1), end_date=date(2025, 1, 1), by=staff)
    assert error.value.field == "end_date"


def test_declining_a_request(structure, make_user):
    instance = make_instance(structure)
    chair, person = make_user(), make_user()
    add_seat(instance, chair, office=Office.CHAIR)
    seat = services.request_seat(instance, person, by=person)
    seat = services.decline_seat(seat, by=chair)
    db.session.commit()
    assert seat.status == SeatStatus.DECLINED
    assert "pas été retenue" in _notes(person.id)[-1].message
    with pytest.raises(AlreadyAnswered):
        services.decline_seat(seat, by=chair)
    # Declined: the person may ask again.
    assert services.request_seat(instance, person, by=person).status == SeatStatus.REQUESTED


# --- staff seat people directly -----------------------------------------------------------------


def test_add_member(structure, make_user, staff):
    board = make_instance(structure, "CA", instance_type=InstanceType.BOARD, nature=Nature.DECISION, mandate_months=36)
    person = make_user()
    seat = services.add_member(board, person, office=Office.CHAIR, by=staff)
    db.session.commit()
    assert seat.status == SeatStatus.ACTIVE and seat.office == Office.CHAIR
    assert seat.end_date == services.default_end_date(board.rules, local_today())
    assert _ledger(person.id)[0].level == Level.L5_DECISION
    assert _audit("seat_added")
    with pytest.raises(InstanceError):
        services.add_member(board, person, by=staff)
    stranger = make_user(make_structure("Autre centre"))
    with pytest.raises(InstanceError):
        services.add_member(board, stranger, by=staff)


def test_add_member_accepts_a_pending_request(structure, make_user, staff):
    instance = make_instance(structure)
    person = make_user()
    request = services.request_seat(instance, person, by=person)
    seat = services.add_member(instance, person, by=staff)
    assert seat.id == request.id and seat.status == SeatStatus.ACTIVE


def test_ex_officio_seats_are_kept_but_not_counted(structure, make_user, staff):
    instance = make_instance(structure)
    person = make_user()
    services.add_member(instance, person, ex_officio=True, has_vote=False, by=staff)
    assert _ledger(person.id)[0].as_staff is True


def test_update_seat_changes_only_what_is_given(structure, make_user, staff):
    instance = make_instance(
        structure, colleges=[{"code": "a", "label": "A", "seats": 2}, {"code": "b", "label": "B", "seats": 2}]
    )
    seat = services.add_member(instance, make_user(), college="b", end_date=None, by=staff)
    services.update_seat(seat, office=Office.SECRETARY, by=staff)
    db.session.commit()
    assert (seat.college, seat.office, seat.end_date) == ("b", Office.SECRETARY, None)
    assert json.loads(_audit("seat_updated")[0].details)["fields"] == ["office"]
    with pytest.raises(TypeError):
        services.update_seat(seat, status="ended", by=staff)


def test_ending_a_seat_keeps_the_history_and_allows_a_new_one(structure, make_user, staff):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    person = make_user()
    seat = services.add_member(instance, person, end_date=local_today() + timedelta(days=300), by=staff)
    db.session.commit()
    ended = services.end_seat(seat, EndReason.MANDATE_END, by=staff)
    db.session.commit()
    assert ended.status == SeatStatus.ENDED and ended.end_reason == EndReason.MANDATE_END
    assert ended.end_date == local_today() and ended.ended_at is not None
    assert "mandat" in _notes(person.id)[-1].message
    with pytest.raises(AlreadyAnswered):
        services.end_seat(ended, EndReason.REMOVED, by=staff)
    again = services.request_seat(instance, person, by=person)
    db.session.commit()
    assert again.id != ended.id and again.status == SeatStatus.ACTIVE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 2


def test_leaving(structure, make_user):
    instance = make_instance(structure, join_policy=JoinPolicy.OPEN)
    person = make_user()
    services.request_seat(instance, person, by=person)
    seat = services.leave_instance(instance, person, by=person)
    assert seat.end_reason == EndReason.LEFT
    assert _audit("seat_ended") == []  # one's own departure is not a staff action
    with pytest.raises(InstanceError):
        services.leave_instance(instance, person, by=person)


# --- minors on decision bodies ------------------------------------------------------------------


def _minor(make_user, age: int = 14):
    return make_user(birth_year=local_today().year - age, display_name="Inès Benali")


def test_a_minor_needs_a_parental_authorisation_on_a_decision_body(structure, make_user, staff):
    board = make_instance(structure, "CA", instance_type=InstanceType.BOARD, nature=Nature.DECISION)
    minor = _minor(make_user)
    with pytest.raises(InstanceError) as error:
        services.add_member(board, minor, by=staff)
    assert error.value.field == "parental_authorisation_at"
    assert "moins de 16 ans" in str(error.value)
    seat = services.add_member(board, minor, parental_authorisation_at=local_today(), by=staff)
    assert seat.parental_authorisation_at == local_today() and seat.parental_authorisation_by_id == staff.id
    with pytest.raises(InstanceError):
        services.update_seat(seat, parental_authorisation_at=None, by=staff)


def test_a_minor_joining_an_open_decision_body_gets_a_request(structure, make_user, staff):
    assembly = make_instance(
        structure,
        "AG",
        instance_type=InstanceType.GENERAL_ASSEMBLY,
        nature=Nature.DECISION,
        join_policy=JoinPolicy.OPEN,
    )
    minor = _minor(make_user)
    seat = services.request_seat(assembly, minor, by=minor)
    assert seat.status == SeatStatus.REQUESTED
    chair = make_user()
    add_seat(assembly, chair, office=Office.CHAIR)
    with pytest.raises(InstanceError) as error:  # the chair cannot record the authorisation
        services.accept_seat(seat, by=chair)
    assert "l'équipe du centre doit" in str(error.value)
    with pytest.raises(InstanceError):
        services.accept_seat(seat, parental_authorisation_at=local_today(), by=chair)
    services.accept_seat(seat, parental_authorisation_at=local_today() - timedelta(days=3), by=staff)
    assert seat.status == SeatStatus.ACTIVE


def test_minors_on_advisory_bodies_and_older_people_need_nothing(structure, make_user, staff):
    committee = make_instance(structure, join_policy=JoinPolicy.OPEN)
    assert services.request_seat(committee, _minor(make_user, 12), by=staff).status == SeatStatus.ACTIVE
    board = make_instance(structure, "CA", nature=Nature.DECISION)
    services.add_member(board, _minor(make_user, 16), by=staff)
    services.add_member(board, make_user(), by=staff)  # no birth year, no bracket: an adult


def test_age_bracket_without_birth_year(structure, make_user):
    from app.accounts.models import AgeBracket

    board = make_instance(structure, "CA", nature=Nature.DECISION)
    teen = make_user(age_bracket=AgeBracket.TEEN)
    young = make_user(age_bracket=AgeBracket.YOUNG)
    assert services.needs_parental_authorisation(board, teen)
    assert not services.needs_parental_authorisation(board, young)


def test_governance_types_count_as_decision_bodies(structure):
    bureau = make_instance(structure, "Bureau", instance_type=InstanceType.EXECUTIVE_COMMITTEE, nature=Nature.STEERING)
    steering = make_instance(structure, "Copil", instance_type=InstanceType.STEERING_COMMITTEE, nature=Nature.STEERING)
    assert services.is_decision_body(bureau)
    assert not services.is_decision_body(steering)


def test_default_end_date_handles_month_ends():
    rules = InstanceRules(mandate_months=1)
    assert services.default_end_date(rules, date(2025, 1, 31)) == date(2025, 2, 27)
    assert services.default_end_date(InstanceRules(mandate_months=12), date(2024, 2, 29)) == date(2025, 2, 27)
    assert services.default_end_date(InstanceRules(mandate_months=None), date(2024, 2, 29)) is None
