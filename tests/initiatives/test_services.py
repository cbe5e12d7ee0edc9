"""Initiative rules without HTTP: lifecycle, supports, help, co-leads, ledger rows, notifications."""

import pytest
import sqlalchemy as sa

from app.centres.models import Role
from app.extensions import db
from app.initiatives import services
from app.initiatives.models import Follow, Initiative, Status, Support
from app.initiatives.services import InitiativeError
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from tests.initiatives.factories import make_initiative


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(display_name="Awa"),
        "other": make_user(display_name="Lucien"),
        "staff": make_user(role=Role.STAFF, display_name="Julie"),
    }


def _ledger(kind):
    return list(db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == kind)))


def test_draft_then_submit_goes_to_review_and_counts_the_proposal(structure, people):
    initiative = make_initiative(structure, people["author"], status=Status.DRAFT, title="Fête des Voisins")
    assert initiative.search_text.startswith("fete des voisins")
    services.submit_initiative(initiative, by=people["author"])
    db.session.commit()
    assert initiative.status == Status.SUBMITTED and initiative.published_at is None
    [entry] = _ledger("initiative.propose")
    assert entry.person_id == people["author"].id and entry.level == Level.L3_CONTRIBUTION
    staff_notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == people["staff"].id))
    assert any("à relire" in n.message for n in staff_notes)


def test_post_moderation_publishes_at_once(structure, people):
    structure.premoderation = False
    db.session.commit()
    initiative = make_initiative(structure, people["author"], status=Status.DRAFT)
    services.submit_initiative(initiative, by=people["author"])
    assert initiative.status == Status.OPEN and initiative.published_at is not None


def test_resubmitting_after_changes_does_not_count_twice(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.CHANGES_REQUESTED)
    services.submit_initiative(initiative, by=people["author"])
    db.session.commit()
    assert initiative.status == Status.SUBMITTED
    assert len(_ledger("initiative.propose")) == 1
    messages = [e.message for e in initiative.events]
    assert "Précisez la date." in messages


@pytest.mark.parametrize(
    ("status", "verb"),
    [
        (Status.DRAFT, lambda i, s: services.publish_initiative(i, by=s)),
        (Status.OPEN, lambda i, s: services.start_initiative(i, by=s)),
        (Status.REJECTED, lambda i, s: services.decide_initiative(i, Status.ACCEPTED, "", by=s)),
        (Status.COMPLETED, lambda i, s: services.abandon_initiative(i, "", by=s)),
        (Status.DECLINED, lambda i, s: services.start_initiative(i, by=s)),
    ],
)
def test_illegal_transitions_are_refused(structure, people, status, verb):
    initiative = make_initiative(structure, people["author"], people["staff"], status=status)
    with pytest.raises(InitiativeError):
        verb(initiative, people["staff"])
    db.session.rollback()
    assert db.session.get(Initiative, initiative.id).status == status


def test_decisions_need_a_reason_when_not_a_plain_yes(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"])
    with pytest.raises(InitiativeError):
        services.decide_initiative(initiative, Status.DECLINED, "  ", by=people["staff"])
    services.decide_initiative(initiative, Status.ACCEPTED_WITH_CONDITIONS, "Avec un devis.", by=people["staff"])
    assert initiative.decided_by_id == people["staff"].id and initiative.decision_text == "Avec un devis."


def test_full_life_with_timeline_and_bilan(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.COMPLETED)
    steps = [(e.from_status, e.to_status) for e in initiative.events]
    assert steps == [
        (None, Status.DRAFT),
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.OPEN),
        (Status.OPEN, Status.ACCEPTED),
        (Status.ACCEPTED, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.COMPLETED),
    ]
    assert initiative.participants_count == 30
    assert initiative.status.is_supported


def test_support_is_once_per_person_and_counted(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"])
    assert services.add_support(initiative, people["other"], by=people["other"]) is True
    assert services.add_support(initiative, people["other"], by=people["other"]) is False
    db.session.commit()
    assert initiative.support_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Support)) == 1
    [entry] = _ledger("initiative.support")
    assert entry.level == Level.L2_CONSULTATION
    # Supporting follows the initiative.
    assert db.session.scalar(sa.select(Follow.id).where(Follow.user_id == people["other"].id))


def test_removing_a_support_uncounts_it(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"])
    services.add_support(initiative, people["other"], by=people["other"])
    assert services.remove_support(initiative, people["other"], by=people["other"]) is True
    assert services.remove_support(initiative, people["other"], by=people["other"]) is False
    db.session.commit()
    assert initiative.support_count == 0 and _ledger("initiative.support") == []


def test_supports_only_while_open(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.SUBMITTED)
    with pytest.raises(InitiativeError):
        services.add_support(initiative, people["other"], by=people["other"])


def test_reaching_the_threshold_tells_staff_and_leads(structure, people, make_user):
    structure.support_threshold = 2
    db.session.commit()
    initiative = make_initiative(structure, people["author"], people["staff"])
    services.add_support(initiative, people["other"], by=people["other"])
    services.add_support(initiative, make_user(), by=people["other"])
    db.session.commit()
    messages = [
        n.message
        for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == people["author"].id))
    ]
    assert any("étudiée en comité" in m for m in messages)


def test_staff_supporting_for_a_habitant_is_recorded_as_the_habitant(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"])
    services.add_support(initiative, people["other"], by=people["staff"])
    db.session.commit()
    support = db.session.scalar(sa.select(Support))
    assert support.user_id == people["other"].id and support.recorded_by_id == people["staff"].id
    [entry] = _ledger("initiative.support")
    assert entry.person_id == people["other"].id and entry.recorded_by_id == people["staff"].id
    assert entry.as_staff is False


def test_help_offer_is_once_notifies_leads_and_counts(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"], helpers_needed=3)
    assert services.offer_help(initiative, people["other"], "Je peux porter des tables.", by=people["other"])
    assert not services.offer_help(initiative, people["other"], by=people["other"])
    db.session.commit()
    assert [e.level for e in _ledger("initiative.help")] == [Level.L3_CONTRIBUTION]
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == people["author"].id))
    assert any("propose de vous aider" in n.message for n in notes)


def test_colead_must_be_a_member_and_confirm(structure, people, make_user):
    from app.factories import make_structure

    initiative = make_initiative(structure, people["author"], people["staff"], status=Status.DRAFT)
    stranger = make_user(make_structure("Ailleurs"))
    with pytest.raises(InitiativeError):
        services.invite_colead(initiative, stranger, by=people["author"])
    services.invite_colead(initiative, people["other"], by=people["author"])
    assert not services.is_lead(people["other"], initiative)
    services.confirm_colead(initiative, people["other"], by=people["other"])
    db.session.commit()
    assert services.is_lead(people["other"], initiative)
    assert [e.person_id for e in _ledger("initiative.colead")] == [people["other"].id]


def test_status_changes_reach_followers(structure, people, make_user):
    follower = make_user()
    initiative = make_initiative(structure, people["author"], people["staff"])
    services.follow(initiative, follower)
    services.decide_initiative(initiative, Status.ACCEPTED, "", by=people["staff"])
    db.session.commit()
    notes = [n.message for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == follower.id))]
    assert any("Acceptée" in m for m in notes)


def test_hiding_keeps_the_status(structure, people):
    initiative = make_initiative(structure, people["author"], people["staff"])
    with pytest.raises(InitiativeError):
        services.hide_initiative(initiative, " ", by=people["staff"])
    services.hide_initiative(initiative, "Propos injurieux", by=people["staff"])
    assert initiative.status == Status.OPEN and initiative.hidden_at is not None
    with pytest.raises(InitiativeError):
        services.add_support(initiative, people["other"], by=people["other"])
    services.unhide_initiative(initiative, by=people["staff"])
    assert initiative.hidden_at is None
