"""The benchmark data generator (app/benchdata.py), run at 1 % of the large centre: the rows it
writes are those the services would have written (counters = rows, one ledger row per counted act,
demographics at the time of the act), and it never writes into a centre that already exists."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User, bracket_for_age
from app.benchdata import BenchDataExists, generate
from app.centres.models import Membership, Role, Structure
from app.evaluation.models import HeadCount, Indicator, SocialProject
from app.extensions import db
from app.initiatives.models import Comment, Initiative, Support
from app.instances.models import Attendance, AttendanceStatus, Meeting, Motion, OpenVote, Seat, SeatStatus, Voter
from app.ledger.models import LedgerEntry
from app.ledger.queries import counted_entries
from app.volunteering.models import EntryStatus, HourEntry, Shift, Signup, SignupStatus

SCALE = 0.01


@pytest.fixture
def centre(app):
    """One generated centre at 1 % of the large centre."""
    report = generate(1, scale=SCALE, seed=7)
    db.session.commit()
    structure = db.session.scalar(sa.select(Structure).where(Structure.name == report.centres[0]))
    return structure, report


def _scalar(query):
    return db.session.scalar(query)


def _ledger(kind: str, structure_id: int) -> int:
    return _scalar(
        sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == kind, LedgerEntry.structure_id == structure_id
        )
    )


def test_every_feature_gets_rows(centre):
    structure, report = centre
    for table in (
        "user",
        "initiative",
        "support",
        "comment",
        "instance",
        "meeting",
        "attendance",
        "motion",
        "voter",
        "shift",
        "signup",
        "hour_entry",
        "ledger_entry",
        "social_project",
        "indicator",
        "head_count",
    ):
        assert report.rows[table] > 0, table
    assert _scalar(sa.select(sa.func.count(LedgerEntry.id))) == report.rows["ledger_entry"]
    assert _scalar(sa.select(sa.func.count(Comment.id))) == report.rows["comment"]
    assert _scalar(sa.select(sa.func.count(SocialProject.id)).where(SocialProject.structure_id == structure.id)) == 2
    assert _scalar(sa.select(sa.func.count(Indicator.id))) > 10
    assert _scalar(sa.select(sa.func.count(HeadCount.id)).where(HeadCount.total < 0)) == 0


def test_counted_entries_counts_the_ledger_minus_staff_test_and_blocked(centre):
    structure, _report = centre
    total = _scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.structure_id == structure.id))
    left_out = _scalar(
        sa.select(sa.func.count(LedgerEntry.id))
        .join(User, User.id == LedgerEntry.person_id)
        .where(
            LedgerEntry.structure_id == structure.id,
            sa.or_(LedgerEntry.as_staff.is_(True), User.is_test.is_(True), User.is_blocked.is_(True)),
        )
    )
    counted = _scalar(sa.select(sa.func.count()).select_from(counted_entries(structure.id).subquery()))
    assert counted == total - left_out
    assert left_out > 0  # staff comments and seats, test supports, blocked accounts' acts
    assert counted > 0.8 * total


def test_support_counts_equal_the_supports_and_their_ledger_rows(centre):
    structure, _report = centre
    mismatched = _scalar(
        sa.select(sa.func.count())
        .select_from(Initiative)
        .where(
            Initiative.support_count
            != sa.select(sa.func.count(Support.id)).where(Support.initiative_id == Initiative.id).scalar_subquery()
        )
    )
    assert mismatched == 0
    supports = _scalar(sa.select(sa.func.count(Support.id)))
    assert supports == _scalar(sa.select(sa.func.sum(Initiative.support_count)))
    assert _ledger("initiative.support", structure.id) == supports
    assert _ledger("initiative.comment", structure.id) == _scalar(sa.select(sa.func.count(Comment.id)))
    private = _scalar(
        sa.select(sa.func.count(Support.id))
        .join(Initiative, Initiative.id == Support.initiative_id)
        .where(Initiative.status.in_(["draft", "submitted", "changes_requested", "rejected"]))
    )
    assert private == 0  # only published initiatives are supported


def test_shift_counters_equal_confirmed_signups_within_capacity(centre):
    structure, _report = centre
    confirmed = (
        sa.select(sa.func.count(Signup.id))
        .where(Signup.shift_id == Shift.id, Signup.status == SignupStatus.CONFIRMED)
        .scalar_subquery()
    )
    assert _scalar(sa.select(sa.func.count(Shift.id)).where(Shift.confirmed_count != confirmed)) == 0
    assert _scalar(sa.select(sa.func.count(Shift.id)).where(Shift.confirmed_count > Shift.capacity)) == 0
    attended = _scalar(sa.select(sa.func.count(Signup.id)).where(Signup.presence == "attended"))
    assert attended > 0
    assert _ledger("shift.attend", structure.id) == attended
    # Every attended sign-up proposed its hours (validated, waiting or refused).
    assert _scalar(sa.select(sa.func.count(HourEntry.id)).where(HourEntry.signup_id.is_not(None))) == attended


def test_validated_hours_have_their_ledger_row_and_valuation(centre):
    structure, _report = centre
    validated = sa.select(HourEntry).where(HourEntry.status == EntryStatus.VALIDATED).subquery()
    count, hours = db.session.execute(sa.select(sa.func.count(validated.c.id), sa.func.sum(validated.c.hours))).one()
    ledger_count, ledger_hours = db.session.execute(
        sa.select(sa.func.count(LedgerEntry.id), sa.func.sum(LedgerEntry.hours)).where(
            LedgerEntry.kind == "hours.validate", LedgerEntry.structure_id == structure.id
        )
    ).one()
    assert count > 0
    assert (ledger_count, ledger_hours) == (count, hours)
    unvalued = _scalar(
        sa.select(sa.func.count(HourEntry.id)).where(
            HourEntry.status == EntryStatus.VALIDATED,
            sa.or_(HourEntry.rate.is_(None), HourEntry.value.is_(None), HourEntry.validated_at.is_(None)),
        )
    )
    assert unvalued == 0
    waiting = _scalar(sa.select(sa.func.count(HourEntry.id)).where(HourEntry.status == EntryStatus.PROPOSED))
    assert waiting > 0  # the hours queue has work
    # The ledger row of an entry is the entry's own (object id and hours).
    orphans = _scalar(
        sa.select(sa.func.count(LedgerEntry.id))
        .outerjoin(HourEntry, HourEntry.id == LedgerEntry.object_id)
        .where(
            LedgerEntry.kind == "hours.validate", sa.or_(HourEntry.id.is_(None), HourEntry.hours != LedgerEntry.hours)
        )
    )
    assert orphans == 0


def test_meetings_attendance_and_votes_add_up(centre):
    structure, _report = centre
    present = _scalar(sa.select(sa.func.count(Attendance.id)).where(Attendance.status == AttendanceStatus.PRESENT))
    represented = _scalar(
        sa.select(sa.func.count(Attendance.id)).where(Attendance.status == AttendanceStatus.REPRESENTED)
    )
    assert present > 0
    assert _ledger("meeting.attend", structure.id) == present
    assert _ledger("meeting.represented", structure.id) == represented
    held_without_sheet = _scalar(
        sa.select(sa.func.count(Meeting.id)).where(
            Meeting.status == "held", ~sa.exists().where(Attendance.meeting_id == Meeting.id)
        )
    )
    assert held_without_sheet == 0
    cast = (
        sa.select(sa.func.count(Voter.id))
        .where(Voter.motion_id == Motion.id, Voter.cast_at.is_not(None))
        .scalar_subquery()
    )
    assert _scalar(sa.select(sa.func.count(Motion.id))) > 0
    assert (
        _scalar(
            sa.select(sa.func.count(Motion.id)).where(
                Motion.for_count + Motion.against_count + Motion.abstain_count != cast
            )
        )
        == 0
    )
    open_votes = sa.select(sa.func.count(OpenVote.id)).where(OpenVote.motion_id == Motion.id).scalar_subquery()
    assert _scalar(sa.select(sa.func.count(Motion.id)).where(Motion.voting_mode == "open", open_votes != cast)) == 0
    assert _scalar(sa.select(sa.func.count(OpenVote.id)).join(Motion).where(Motion.voting_mode == "secret")) == 0
    assert _ledger("motion.vote", structure.id) == _scalar(
        sa.select(sa.func.count(Voter.id)).where(Voter.cast_at.is_not(None))
    )
    assert _scalar(sa.select(sa.func.count(Motion.id)).where(Motion.is_consultation.is_(True))) >= 2


def test_at_most_one_current_seat_per_person_and_instance(centre):
    _structure, _report = centre
    duplicates = _scalar(
        sa.select(sa.func.count()).select_from(
            sa.select(Seat.instance_id, Seat.person_id)
            .where(Seat.status.in_([SeatStatus.REQUESTED, SeatStatus.ACTIVE]))
            .group_by(Seat.instance_id, Seat.person_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
    )
    assert duplicates == 0
    assert _scalar(sa.select(sa.func.count(Seat.id)).where(Seat.status == SeatStatus.ACTIVE)) > 0


def test_demographics_are_those_of_the_time_of_the_act(centre):
    structure, report = centre
    rows = db.session.execute(
        sa.select(LedgerEntry.occurred_at, LedgerEntry.age_at_act, LedgerEntry.age_bracket, User.birth_year)
        .join(User, User.id == LedgerEntry.person_id)
        .where(LedgerEntry.structure_id == structure.id, LedgerEntry.age_at_act.is_not(None))
    ).all()
    assert rows
    for occurred_at, age, bracket, birth_year in rows:
        assert bracket == bracket_for_age(age)
        if birth_year is not None:
            assert age == occurred_at.year - birth_year
    start = db.session.scalar(sa.select(sa.func.min(LedgerEntry.occurred_at)))
    end = db.session.scalar(sa.select(sa.func.max(LedgerEntry.occurred_at)))
    assert end - start <= timedelta(days=4 * 366 + 1)
    assert _scalar(sa.select(sa.func.count(LedgerEntry.id)).where(LedgerEntry.in_qpv.is_(True))) > 0


def test_accounts_habitants_staff_test_and_blocked(centre):
    structure, report = centre
    by_role = dict(
        db.session.execute(
            sa.select(Membership.role, sa.func.count())
            .where(Membership.structure_id == structure.id)
            .group_by(Membership.role)
        ).all()
    )
    assert by_role[Role.ADMIN] == 1
    assert by_role[Role.STAFF] == 7
    assert _scalar(sa.select(sa.func.count(User.id)).where(User.is_test.is_(True))) == 3
    assert _scalar(sa.select(sa.func.count(User.id)).where(User.is_blocked.is_(True))) >= 1
    assert _scalar(sa.select(sa.func.count(User.id)).where(User.anonymised_at.is_not(None))) >= 1
    # One hash for everyone: computed once.
    assert _scalar(sa.select(sa.func.count(sa.distinct(User.password_hash)))) == 1
    assert ("staff.c1", "Animatrice, " + structure.name) in report.logins


def test_refuses_a_centre_that_already_exists(centre):
    structure, _report = centre
    users = _scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(BenchDataExists, match=structure.name):
        generate(1, scale=SCALE)
    assert _scalar(sa.select(sa.func.count(User.id))) == users


def test_flask_seed_size_large(app, runner):
    result = runner.invoke(args=["seed", "--size", "large", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert "Terminé" in result.output
    assert "staff.c1" in result.output
    again = runner.invoke(args=["seed", "--size", "large", "--scale", "0.01"])
    assert again.exit_code == 1
    assert "rien n'a été écrit" in again.output
    assert runner.invoke(args=["seed", "--size", "large", "--centres", "3"]).exit_code == 2


def test_federation_of_two_centres_at_small_scale(app):
    report = generate(2, scale=SCALE)
    db.session.commit()
    assert len(report.centres) == 2
    admin = db.session.scalar(sa.select(User).where(User.username == "plateforme.bench"))
    assert admin.is_platform_admin and not admin.memberships
    assert _scalar(sa.select(sa.func.count(Structure.id))) == 2
    query = sa.select(LedgerEntry.structure_id, sa.func.count()).group_by(LedgerEntry.structure_id)
    per_centre = dict(db.session.execute(query).all())
    assert len(per_centre) == 2 and all(n > 100 for n in per_centre.values())
    # PostgreSQL: the ids were given by the generator, the sequences were moved past them.
    db.session.add(Structure(name="Centre social ouvert après la génération"))
    db.session.add(LedgerEntry(structure_id=min(per_centre), person_id=1, kind="x", level=0))
    db.session.flush()
