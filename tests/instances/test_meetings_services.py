"""Meeting services: scheduling, agenda, convocation, RSVP and proxies, attendance and quorum,
closing (ledger and hours, idempotent across re-opening), minutes and the decisions log."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.initiatives.models import Status
from app.instances import meetings as services
from app.instances.meetings import MeetingError, ShortNoticeError
from app.instances.models import (
    AttendanceStatus,
    FollowUpStatus,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Nature,
    QuorumBase,
    RsvpAnswer,
    Seat,
    SeatStatus,
)
from app.ledger.models import LedgerEntry, Level
from app.notifications.models import Notification
from app.timeutil import utcnow
from app.volunteering.models import EntryStatus, HourEntry
from tests.initiatives.factories import make_initiative
from tests.instances.factories import add_seat, make_meeting
from tests.instances.meeting_setup import committee, past_meeting, reload


@pytest.fixture
def c(structure, make_user):
    return committee(structure, make_user)


def _ledger(meeting_id):
    return db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.object_type == "meeting", LedgerEntry.object_id == meeting_id)
    ).all()


def _hours(meeting_id):
    return db.session.scalars(sa.select(HourEntry).where(HourEntry.meeting_id == meeting_id)).all()


# --- scheduling and time zones ------------------------------------------------------------------


def test_local_time_is_stored_as_utc_winter_and_summer(app):
    assert services.local_to_utc(datetime(2026, 1, 15, 18, 30)) == datetime(2026, 1, 15, 17, 30)
    assert services.local_to_utc(datetime(2026, 7, 15, 18, 30)) == datetime(2026, 7, 15, 16, 30)
    assert services.utc_to_local(datetime(2026, 7, 15, 16, 30)) == datetime(2026, 7, 15, 18, 30)


def test_schedule_takes_the_rules_in_force(c):
    fields = {
        "title": "Comité de rentrée",
        "starts_at": datetime(2030, 9, 10, 16, 30),
        "duration_minutes": 90,
        "place": "Salle polyvalente",
        "online_url": "",
        "is_second_call": False,
    }
    meeting = services.schedule_meeting(c.instance, fields, by=c.staff)
    assert meeting.rules_id == c.instance.rules.id
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.duration_minutes == 90


def test_schedule_needs_a_place_or_a_link(c):
    with pytest.raises(MeetingError):
        services.schedule_meeting(c.instance, {"title": "Sans lieu", "starts_at": utcnow()}, by=c.staff)


def test_update_tells_whether_the_date_or_place_changed(c):
    meeting = make_meeting(c.instance)
    assert services.update_meeting(meeting, {"title": "Nouveau titre"}, by=c.staff) is False
    assert services.update_meeting(meeting, {"place": "Gymnase"}, by=c.staff) is True


def test_second_call_copies_the_agenda(c):
    first = past_meeting(c.instance)
    services.add_agenda_item(first, {"title": "Budget des sorties"}, by=c.staff)
    fields = {"title": "Seconde convocation", "starts_at": utcnow() + timedelta(days=8), "place": "Salle A"}
    second = services.schedule_meeting(c.instance, {**fields, "is_second_call": True}, by=c.staff, agenda_from=first)
    assert [i.title for i in second.agenda_items] == ["Budget des sorties"]


# --- agenda -------------------------------------------------------------------------------------


def test_agenda_add_move_remove(c):
    meeting = make_meeting(c.instance)
    a = services.add_agenda_item(meeting, {"title": "Accueil"}, by=c.staff)
    b = services.add_agenda_item(meeting, {"title": "Fête de quartier"}, by=c.staff)
    d = services.add_agenda_item(meeting, {"title": "Questions diverses"}, by=c.staff)
    services.move_agenda_item(d, -1, by=c.staff)
    assert [i.title for i in reload(Meeting, meeting.id).agenda_items] == [
        "Accueil",
        "Questions diverses",
        "Fête de quartier",
    ]
    services.move_agenda_item(a, -1, by=c.staff)  # already first: nothing moves
    services.remove_agenda_item(db.session.merge(b), by=c.staff)
    assert [i.title for i in reload(Meeting, meeting.id).agenda_items] == ["Accueil", "Questions diverses"]


def test_agenda_item_links_only_a_published_initiative_of_the_centre(c, structure, make_user):
    meeting = make_meeting(c.instance)
    published = make_initiative(structure, make_user(), c.staff)
    draft = make_initiative(structure, make_user(), c.staff, status=Status.DRAFT, title="Brouillon")
    item = services.add_agenda_item(meeting, {"title": "Avis", "initiative_id": published.id}, by=c.staff)
    assert item.initiative_id == published.id
    with pytest.raises(MeetingError):
        services.add_agenda_item(meeting, {"title": "Avis", "initiative_id": draft.id}, by=c.staff)


def test_agenda_is_frozen_once_closed(c):
    meeting = past_meeting(c.instance)
    services.close_meeting(meeting, by=c.staff)
    with pytest.raises(MeetingError):
        services.add_agenda_item(meeting, {"title": "Trop tard"}, by=c.staff)


# --- convocation --------------------------------------------------------------------------------


def test_short_notice_needs_confirmation(c):
    meeting = make_meeting(c.instance, days_ahead=3)
    with pytest.raises(ShortNoticeError):
        services.convene(meeting, by=c.staff)
    assert meeting.convened_at is None
    sent = services.convene(meeting, by=c.staff, force=True)
    assert sent == 5
    assert meeting.convened_at is not None and meeting.convened_by_id == c.staff.id


def test_convocation_reaches_every_member_by_notification_and_email(c, mail):
    meeting = make_meeting(c.instance, days_ahead=14, place="Salle des Tilleuls")
    services.add_agenda_item(meeting, {"title": "Horaires d'ouverture"}, by=c.staff)
    services.convene(meeting, by=c.staff)
    db.session.commit()
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "meeting.convocation")).all()
    assert {n.user_id for n in notes} == {p.id for p in c.everyone}
    message = mail.last_to(c.members[0].email)
    body = mail.body(message)
    assert message["Subject"].startswith("Convocation")
    assert "Salle des Tilleuls" in body and "Horaires d'ouverture" in body
    assert f"/instances/reunions/{meeting.id}#meeting-{meeting.id}-rsvp" in body
    assert not mail.to(c.outsider.email)


def test_convening_again_sends_an_update(c, mail):
    meeting = make_meeting(c.instance, days_ahead=14)
    services.convene(meeting, by=c.staff)
    services.update_meeting(meeting, {"place": "Gymnase Jean Moulin"}, by=c.staff)
    services.convene(meeting, by=c.staff)
    db.session.commit()
    body = mail.body(mail.last_to(c.members[0].email))
    assert "a changé" in body and "Gymnase Jean Moulin" in body


def test_cancel_needs_a_reason_and_tells_members(c):
    meeting = make_meeting(c.instance)
    with pytest.raises(MeetingError):
        services.cancel_meeting(meeting, "  ", by=c.staff)
    services.cancel_meeting(meeting, "Salle indisponible", by=c.staff)
    assert meeting.status == MeetingStatus.CANCELLED
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "meeting.convocation")).all()
    assert len(notes) == 5 and "Salle indisponible" in notes[0].message
    with pytest.raises(MeetingError):
        services.convene(meeting, by=c.staff)


# --- RSVP ---------------------------------------------------------------------------------------


def test_rsvp_is_one_answer_per_member_that_can_change(c):
    meeting = make_meeting(c.instance)
    awa = c.members[0]
    services.answer_rsvp(meeting, awa, RsvpAnswer.COMING, by=awa)
    services.answer_rsvp(meeting, awa, RsvpAnswer.EXCUSED, by=awa)
    roster = services.meeting_roster(meeting)
    assert roster.rsvp_of(awa).answer == RsvpAnswer.EXCUSED
    assert [p.id for p in roster.excused] == [awa.id]


def test_rsvp_only_for_members(c):
    meeting = make_meeting(c.instance)
    with pytest.raises(MeetingError):
        services.answer_rsvp(meeting, c.outsider, RsvpAnswer.COMING, by=c.outsider)


def test_proxy_rules(c, structure, make_user):
    meeting = make_meeting(c.instance)
    awa, bernard, chloe, driss = c.members
    silent = make_user(display_name="Sans voix")
    add_seat(c.instance, silent, has_vote=False)
    with pytest.raises(MeetingError, match="Choisissez"):
        services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, None, by=awa)
    with pytest.raises(MeetingError, match="vous-même"):
        services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, awa, by=awa)
    with pytest.raises(MeetingError, match="voix délibérative"):
        services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, silent, by=awa)
    with pytest.raises(MeetingError, match="pas de pouvoir à donner"):
        services.answer_rsvp(meeting, silent, RsvpAnswer.PROXY, awa, by=silent)
    with pytest.raises(MeetingError, match="n'est pas membre"):
        services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, c.outsider, by=awa)
    services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, bernard, by=awa)
    # The holder carries 1 proxy at most (rules.proxies_max = 1).
    with pytest.raises(MeetingError, match="porte déjà 1 pouvoir"):
        services.answer_rsvp(meeting, chloe, RsvpAnswer.PROXY, bernard, by=chloe)
    # Changing one's own proxy does not count against oneself.
    services.answer_rsvp(meeting, awa, RsvpAnswer.PROXY, bernard, by=awa)
    # No chains: Bernard holds Awa's proxy and cannot give his own away.
    with pytest.raises(MeetingError, match="confié leur pouvoir"):
        services.answer_rsvp(meeting, bernard, RsvpAnswer.PROXY, driss, by=bernard)
    # A holder who said they will not come cannot take proxies.
    services.answer_rsvp(meeting, driss, RsvpAnswer.EXCUSED, by=driss)
    with pytest.raises(MeetingError, match="ne viendra pas"):
        services.answer_rsvp(meeting, chloe, RsvpAnswer.PROXY, driss, by=chloe)
    roster = services.meeting_roster(meeting)
    assert [(g.id, h.id) for g, h in roster.proxies] == [(awa.id, bernard.id)]
    assert [p.id for p in roster.proxies_given_to(bernard)] == [awa.id]


def test_proxies_refused_when_the_rules_forbid_them(structure, make_user):
    c = committee(structure, make_user, proxies_allowed=False)
    meeting = make_meeting(c.instance)
    with pytest.raises(MeetingError, match="ne prévoient pas"):
        services.answer_rsvp(meeting, c.members[0], RsvpAnswer.PROXY, c.members[1], by=c.members[0])


def test_rsvp_closes_when_the_meeting_starts(c):
    meeting = past_meeting(c.instance)
    with pytest.raises(MeetingError, match="a commencé"):
        services.answer_rsvp(meeting, c.members[0], RsvpAnswer.COMING, by=c.members[0])


# --- attendance and quorum ----------------------------------------------------------------------


def test_sheet_lists_members_at_the_date_prefilled_from_rsvp(c, make_user):
    meeting = make_meeting(c.instance, days_ahead=10)
    awa, bernard, *_ = c.members
    services.answer_rsvp(meeting, awa, RsvpAnswer.COMING, by=awa)
    services.answer_rsvp(meeting, bernard, RsvpAnswer.PROXY, awa, by=bernard)
    later = make_user(display_name="Zoé Tardive")
    add_seat(c.instance, later, start_date=date.today() + timedelta(days=20))
    gone = make_user(display_name="Yves Parti")
    seat = add_seat(c.instance, gone)
    seat.status, seat.ended_at = SeatStatus.ENDED, utcnow() + timedelta(days=20)  # left after the meeting
    db.session.commit()
    sheet = {row.person.id: row for row in services.attendance_sheet(meeting)}
    assert later.id not in sheet and gone.id in sheet
    assert sheet[awa.id].status == AttendanceStatus.PRESENT and not sheet[awa.id].recorded
    assert sheet[bernard.id].status == AttendanceStatus.REPRESENTED and sheet[bernard.id].proxy_holder_id == awa.id
    assert sheet[c.members[2].id].status is None
    assert [u.id for u in services.members_to_add(meeting, list(sheet.values()))] == [later.id]


def test_attendance_snapshots_the_seat(c, make_user):
    meeting = past_meeting(c.instance)
    elu = make_user(display_name="Élu de quartier")
    add_seat(c.instance, elu, has_vote=False, ex_officio=True)
    row = services.record_attendance(meeting, elu, AttendanceStatus.PRESENT, by=c.secretary)
    assert (row.has_vote, row.ex_officio, row.recorded_by_id) == (False, True, c.secretary.id)
    again = services.record_attendance(meeting, elu, AttendanceStatus.ABSENT, by=c.staff)
    assert again.id == row.id and again.status == AttendanceStatus.ABSENT


def test_attendance_refuses_strangers_and_holderless_proxies(c):
    meeting = past_meeting(c.instance)
    with pytest.raises(MeetingError, match="n'est pas membre"):
        services.record_attendance(meeting, c.outsider, AttendanceStatus.PRESENT, by=c.staff)
    with pytest.raises(MeetingError, match="porte le pouvoir"):
        services.record_attendance(meeting, c.members[0], AttendanceStatus.REPRESENTED, by=c.staff)


def test_quorum_counts_proxies_within_the_limit_of_a_present_holder(structure, make_user):
    # 7 voting members; quorum 5 present or represented; one proxy per holder.
    c = committee(structure, make_user, members=6, quorum_threshold=5)
    meeting = past_meeting(c.instance)
    sec, a, b, d, e, f, g = c.everyone
    for person in (sec, a, b):
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=c.staff)
    # Awa carries two proxies (one over the limit), Driss's holder (Gaston) is absent.
    services.record_attendance(meeting, d, AttendanceStatus.REPRESENTED, a, by=c.staff)
    services.record_attendance(meeting, e, AttendanceStatus.REPRESENTED, a, by=c.staff)
    services.record_attendance(meeting, f, AttendanceStatus.REPRESENTED, g, by=c.staff)
    services.record_attendance(meeting, g, AttendanceStatus.ABSENT, by=c.staff)
    quorum = services.quorum_of(meeting)
    assert (quorum.voting, quorum.present, quorum.represented) == (7, 3, 1)
    assert (quorum.over_limit, quorum.orphaned) == (1, 1)
    assert quorum.result.counted == 4 and quorum.result.required == 5
    assert not quorum.result.reached and quorum.result.missing == 1
    services.record_attendance(meeting, b, AttendanceStatus.ABSENT, by=c.staff)
    services.record_attendance(meeting, f, AttendanceStatus.REPRESENTED, sec, by=c.staff)
    assert services.quorum_of(meeting).result.counted == 4


def test_quorum_on_present_members_only_ignores_proxies(structure, make_user):
    c = committee(structure, make_user, quorum_base=QuorumBase.PRESENT, quorum_threshold=2)
    meeting = past_meeting(c.instance)
    services.record_attendance(meeting, c.secretary, AttendanceStatus.PRESENT, by=c.staff)
    services.record_attendance(meeting, c.members[0], AttendanceStatus.REPRESENTED, c.secretary, by=c.staff)
    quorum = services.quorum_of(meeting)
    assert quorum.represented == 1 and quorum.result.counted == 1 and not quorum.result.reached


def test_second_call_waives_the_quorum(c):
    meeting = past_meeting(c.instance, is_second_call=True)
    services.record_attendance(meeting, c.secretary, AttendanceStatus.PRESENT, by=c.staff)
    quorum = services.quorum_of(meeting)
    assert quorum.result.reached and quorum.result.waived


# --- closing and re-opening ---------------------------------------------------------------------


def test_close_stores_attendance_quorum_ledger_and_hours(structure, make_user):
    c = committee(structure, make_user, nature=Nature.DECISION)
    meeting = past_meeting(c.instance, duration_minutes=90)
    awa, bernard, chloe, driss = c.members
    services.record_attendance(meeting, c.secretary, AttendanceStatus.PRESENT, by=c.staff)
    services.record_attendance(meeting, awa, AttendanceStatus.PRESENT, by=c.staff)
    services.record_attendance(meeting, bernard, AttendanceStatus.REPRESENTED, awa, by=c.staff)
    services.record_attendance(meeting, chloe, AttendanceStatus.EXCUSED, by=c.staff)
    services.close_meeting(meeting, by=c.secretary)
    db.session.commit()
    meeting = reload(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.HELD and meeting.quorum_reached is True and meeting.closed_at
    statuses = {row.person.id: row.status for row in services.attendance_sheet(meeting)}
    assert statuses[driss.id] == AttendanceStatus.ABSENT  # not ticked: stored absent
    ledger = _ledger(meeting.id)
    assert sorted((e.person_id, e.kind) for e in ledger) == sorted(
        [(c.secretary.id, "meeting.attend"), (awa.id, "meeting.attend"), (bernard.id, "meeting.represented")]
    )
    assert {e.level for e in ledger} == {Level.L5_DECISION}
    assert {e.occurred_at for e in ledger} == {meeting.starts_at}
    hours = _hours(meeting.id)
    assert sorted(h.person_id for h in hours) == sorted([c.secretary.id, awa.id])
    assert {h.hours for h in hours} == {Decimal("1.50")}


def test_advisory_attendance_is_level_4(c):
    meeting = past_meeting(c.instance)
    services.record_attendance(meeting, c.secretary, AttendanceStatus.PRESENT, by=c.staff)
    services.close_meeting(meeting, by=c.staff)
    assert {e.level for e in _ledger(meeting.id)} == {Level.L4_CONCERTATION}


def test_close_without_quorum_adjourns(c):
    meeting = past_meeting(c.instance)
    services.record_attendance(meeting, c.secretary, AttendanceStatus.PRESENT, by=c.staff)
    services.close_meeting(meeting, by=c.staff)
    assert meeting.status == MeetingStatus.ADJOURNED and meeting.quorum_reached is False
    assert len(_ledger(meeting.id)) == 1  # those who came still took part


def test_rsvp_prefill_is_what_gets_stored(c):
    meeting = make_meeting(c.instance, days_ahead=1)
    awa, bernard, *_ = c.members
    services.answer_rsvp(meeting, awa, RsvpAnswer.COMING, by=awa)
    services.answer_rsvp(meeting, bernard, RsvpAnswer.PROXY, awa, by=bernard)
    meeting.starts_at = utcnow() - timedelta(hours=1)
    services.close_meeting(meeting, by=c.staff)
    kinds = {(e.person_id, e.kind) for e in _ledger(meeting.id)}
    assert kinds == {(awa.id, "meeting.attend"), (bernard.id, "meeting.represented")}


def test_close_twice_is_refused_and_future_meetings_cannot_close(c):
    meeting = past_meeting(c.instance)
    services.close_meeting(meeting, by=c.staff)
    with pytest.raises(MeetingError):
        services.close_meeting(meeting, by=c.staff)
    future = make_meeting(c.instance, days_ahead=5)
    with pytest.raises(MeetingError, match="pas encore eu lieu"):
        services.close_meeting(future, by=c.staff)


def test_quorum_override_is_for_staff_with_a_reason(c):
    meeting = past_meeting(c.instance)
    with pytest.raises(MeetingError, match="équipe"):
        services.close_meeting(meeting, by=c.secretary, override=True, override_reason="Erreur de saisie")
    with pytest.raises(MeetingError, match="pourquoi"):
        services.close_meeting(meeting, by=c.staff, override=True)
    services.close_meeting(meeting, by=c.staff, override=True, override_reason="Deux membres arrivés en retard")
    assert meeting.status == MeetingStatus.HELD and meeting.quorum_reached is True
    assert meeting.quorum_override_reason == "Deux membres arrivés en retard"


def test_reopen_and_close_again_counts_once(c):
    meeting = past_meeting(c.instance)
    awa, bernard, *_ = c.members
    for person in (c.secretary, awa, bernard):
        services.record_attendance(meeting, person, AttendanceStatus.PRESENT, by=c.staff)
    services.close_meeting(meeting, by=c.staff)
    db.session.commit()
    assert len(_ledger(meeting.id)) == 3 and len(_hours(meeting.id)) == 3
    # Validated hours stay through the correction; proposed ones are proposed again.
    validated = next(h for h in _hours(meeting.id) if h.person_id == awa.id)
    validated.status = EntryStatus.VALIDATED
    db.session.commit()

    services.reopen_meeting(meeting, by=c.staff)
    db.session.commit()
    meeting = reload(Meeting, meeting.id)
    assert meeting.status == MeetingStatus.PLANNED and meeting.closed_at is None and meeting.quorum_reached is None
    assert _ledger(meeting.id) == []
    assert [h.person_id for h in _hours(meeting.id)] == [awa.id]

    services.record_attendance(meeting, bernard, AttendanceStatus.ABSENT, by=c.staff)
    services.close_meeting(meeting, by=c.staff)
    db.session.commit()
    assert sorted(e.person_id for e in _ledger(meeting.id)) == sorted([c.secretary.id, awa.id])
    assert sorted(h.person_id for h in _hours(meeting.id)) == sorted([c.secretary.id, awa.id])
    # Closing, re-opening and closing again changes nothing more.
    services.reopen_meeting(meeting, by=c.staff)
    services.close_meeting(meeting, by=c.staff)
    db.session.commit()
    assert len(_ledger(meeting.id)) == 2 and len(_hours(meeting.id)) == 2


def test_reopen_is_for_staff_until_the_minutes_are_approved(c):
    meeting = past_meeting(c.instance, hours_ago=24 * 30)
    services.close_meeting(meeting, by=c.staff)
    with pytest.raises(MeetingError):
        services.reopen_meeting(meeting, by=c.secretary)
    minutes = services.save_minutes(meeting, "Présents : 1.", by=c.secretary)
    later = past_meeting(c.instance)
    services.approve_minutes(minutes, at_meeting=later, by=c.secretary)
    with pytest.raises(MeetingError, match="approuvé"):
        services.reopen_meeting(meeting, by=c.staff)


# --- minutes ------------------------------------------------------------------------------------


def test_minutes_draft_approve_publish(c):
    first = past_meeting(c.instance, hours_ago=24 * 40)
    with pytest.raises(MeetingError, match="close"):
        services.save_minutes(first, "Trop tôt", by=c.secretary)
    services.close_meeting(first, by=c.staff)
    minutes = services.save_minutes(first, "## Présents\n\n- Awa", by=c.secretary)
    assert minutes.status == MinutesStatus.DRAFT
    assert services.minutes_due(first) == services.utc_to_local(first.starts_at).date() + timedelta(days=30)
    assert services.minutes_late(first)  # 40 days ago, 30 days allowed
    # Approval: only a later meeting of the same instance.
    with pytest.raises(MeetingError):
        services.approve_minutes(minutes, at_meeting=first, by=c.secretary)
    later = past_meeting(c.instance)
    assert [m.id for m in services.minutes_to_approve(later)] == [minutes.id]
    services.approve_minutes(minutes, at_meeting=later, by=c.secretary)
    assert minutes.status == MinutesStatus.APPROVED and minutes.approved_at_meeting_id == later.id
    with pytest.raises(MeetingError, match="approuvé"):
        services.save_minutes(first, "Changement", by=c.secretary)
    services.publish_minutes(minutes, by=c.secretary)
    assert minutes.status == MinutesStatus.PUBLISHED and minutes.published_at
    assert not services.minutes_late(first)
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "meeting.minutes")).all()
    assert len(notes) == 5
    with pytest.raises(MeetingError, match="déjà publié"):
        services.publish_minutes(minutes, by=c.secretary)


def test_published_draft_keeps_waiting_for_approval(c):
    first = past_meeting(c.instance, hours_ago=48)
    services.close_meeting(first, by=c.staff)
    minutes = services.save_minutes(first, "Compte rendu provisoire", by=c.secretary)
    services.publish_minutes(minutes, by=c.secretary)
    later = past_meeting(c.instance)
    services.approve_minutes(minutes, at_meeting=later, by=c.secretary)
    assert minutes.status == MinutesStatus.PUBLISHED and minutes.approved_at


def test_empty_minutes_cannot_be_published(c):
    meeting = past_meeting(c.instance)
    services.close_meeting(meeting, by=c.staff)
    minutes = services.save_minutes(meeting, "   ", by=c.secretary)
    with pytest.raises(MeetingError):
        services.publish_minutes(minutes, by=c.secretary)


# --- decisions log ------------------------------------------------------------------------------


def test_follow_ups(c, structure, make_user):
    meeting = past_meeting(c.instance)
    entry = services.add_follow_up(
        c.instance,
        {"text": "Demander un banc à la mairie", "owner_id": c.members[0].id, "due_date": date(2030, 1, 31)},
        by=c.secretary,
        meeting=meeting,
    )
    assert entry.status == FollowUpStatus.TODO and entry.meeting_id == meeting.id
    with pytest.raises(MeetingError, match="membre"):
        services.add_follow_up(c.instance, {"text": "X", "owner_id": c.outsider.id}, by=c.secretary)
    with pytest.raises(MeetingError):
        services.add_follow_up(c.instance, {"text": "  "}, by=c.secretary)
    other = services.add_follow_up(c.instance, {"text": "Affiche", "owner_text": "l'équipe jeunesse"}, by=c.secretary)
    services.set_follow_up_status(entry, FollowUpStatus.DONE, by=c.secretary, note="Banc installé")
    services.set_follow_up_status(other, "in_progress", by=c.secretary)
    assert [f.id for f in services.follow_ups_of(c.instance)] == [other.id, entry.id]
    assert [f.id for f in services.follow_ups_of(c.instance, status=FollowUpStatus.DONE)] == [entry.id]
    assert [f.id for f in services.follow_ups_of(c.instance, meeting=meeting)] == [entry.id]


# --- calendar source ----------------------------------------------------------------------------


def test_calendar_source_gives_members_their_meetings(structure, make_user):
    from app.instances.calendar import instance_events, my_meetings

    c = committee(structure, make_user, is_public=False)
    planned = make_meeting(c.instance, title="Prochaine réunion")
    cancelled = make_meeting(c.instance, title="Annulée")
    services.cancel_meeting(cancelled, "Grève des transports", by=c.staff)
    recent = past_meeting(c.instance, hours_ago=24 * 10, title="Récente")
    services.close_meeting(recent, by=c.staff)
    old = past_meeting(c.instance, hours_ago=24 * 60, title="Ancienne")
    services.close_meeting(old, by=c.staff)
    db.session.commit()
    events = {e.uid: e for e in my_meetings(c.members[0])}
    assert set(events) == {f"meeting-{m.id}@ensemble" for m in (planned, cancelled, recent)}
    assert events[f"meeting-{cancelled.id}@ensemble"].cancelled
    assert events[f"meeting-{planned.id}@ensemble"].url.endswith(f"/instances/reunions/{planned.id}")
    assert list(my_meetings(c.outsider)) == [] and list(my_meetings(c.staff)) == []
    assert len(instance_events(c.instance)) == 3
    # A member who left no longer gets the meetings.
    db.session.execute(sa.update(Seat).where(Seat.person_id == c.members[0].id).values(status=SeatStatus.ENDED))
    assert list(my_meetings(c.members[0])) == []
