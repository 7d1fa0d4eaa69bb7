"""The report summaries always equal a recomputation from the raw rows: after each kind
of change made through the real operations, after an erasure's DELETE statements, and
after random sequences of changes (Hypothesis), on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.privacy.erasure import erase_on_objection
from mhst.referrals import operations as referral_operations
from mhst.referrals.models import Need, Referral, ReferralEvent, ReferralNeed, ReferralStatus
from mhst.reports.fact_models import COUNT_COLUMNS, OutcomeCount, ReferralFact, daily_count
from mhst.reports.rebuild import rebuild_summaries
from mhst.schools.models import School
from mhst.sessions import corrections
from mhst.sessions import operations as sessions
from mhst.sessions.models import (
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    WhoAttended,
)
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity
from tests.report_facts_check import assert_summaries_match_raw_rows
from tests.test_care_contacts import logged


def test_the_world_built_by_the_operations_matches(world):
    """Submit, consent, triage, accept, allocate, book a session, a measure and a
    whole-school activity (the world's journey) leave the summaries right."""
    assert assert_summaries_match_raw_rows() >= 3
    fact = db.session.get(ReferralFact, world.case_a1.id)
    assert (fact.school_id, fact.reached_accepted, fact.status) == (
        world.school_a2.id,
        1,
        ReferralStatus.ALLOCATED.value,
    )


def test_log_correct_and_delete_a_session_then_discharge_and_reopen(world):
    case, emhp = world.case_a1, world.users[Role.EMHP]
    case.received_on = service_today() - timedelta(days=10)  # an edit of the referral
    db.session.commit()
    assert db.session.get(ReferralFact, case.id).received_on == case.received_on
    contact = sessions.log_session(case, logged(), by=emhp)
    db.session.commit()
    assert assert_summaries_match_raw_rows()
    assert db.session.get(ReferralFact, case.id).first_contact_on == contact.starts_at.date()

    corrections.change_time(
        contact,
        starts_at=contact.starts_at - timedelta(days=2),
        duration_minutes=45,
        reason="Wrong day typed.",
        by=emhp,
        read_version=contact.version,
    )
    db.session.commit()
    assert assert_summaries_match_raw_rows()
    corrections.change_attendance(
        contact,
        sessions.OutcomeDetails(Attendance.DID_NOT_ATTEND),
        reason="They did not come.",
        by=emhp,
        read_version=contact.version,
    )
    db.session.commit()
    assert assert_summaries_match_raw_rows()
    assert db.session.get(ReferralFact, case.id).first_contact_on is None
    corrections.enter_in_error(
        contact, reason="Another child's.", by=emhp, read_version=contact.version
    )
    db.session.commit()
    assert assert_summaries_match_raw_rows()

    casework.discharge(case, by=emhp, reason=DischargeReason.GOALS_MET, summary="Goals met.")
    db.session.commit()
    assert assert_summaries_match_raw_rows()
    assert db.session.get(ReferralFact, case.id).closed_on is not None
    casework.reopen(case, by=world.users[Role.SENIOR_CLINICIAN], reason="Came back.")
    db.session.commit()
    assert assert_summaries_match_raw_rows()


def test_withdrawal_and_erasure(world, make_referral):
    lead = world.users[Role.CLINICAL_LEAD]
    waiting = make_referral(world.school_b1, by=lead, consent=True)
    referral_operations.transition(waiting, ReferralStatus.WITHDRAWN, by=lead, reason="Moved.")
    db.session.commit()
    assert db.session.get(ReferralFact, waiting.id).reached_withdrawn == 1
    assert assert_summaries_match_raw_rows()

    erased = make_referral(world.school_b2, by=lead, consent=True)
    erased_id = erased.id
    assert db.session.get(ReferralFact, erased_id) is not None
    erase_on_objection(erased.child_id, "The parent objected.", by=lead)
    db.session.commit()
    assert db.session.get(ReferralFact, erased_id) is None
    assert assert_summaries_match_raw_rows()


def test_update_and_delete_statements_are_followed(world):
    """Statements outside the unit of work (as the privacy code runs) keep them too."""
    case = world.case_a1
    db.session.execute(
        update(CareContact)
        .where(CareContact.referral_id == case.id)
        .values(attendance=Attendance.ATTENDED, who_attended=WhoAttended.BOTH),
        execution_options={"synchronize_session": False},
    )
    assert assert_summaries_match_raw_rows()
    db.session.execute(
        update(ReferralFact.__table__.c.referral_id.table)  # a summary: not followed
        .where(ReferralFact.referral_id == -1)
        .values(needs=0)
    )
    db.session.execute(delete(CareContact).where(CareContact.referral_id == case.id))
    assert assert_summaries_match_raw_rows()
    assert db.session.get(ReferralFact, case.id).first_contact_on is None


def test_the_nightly_task_puts_right_a_summary_changed_outside_the_app(world):
    """A summary row changed by hand (or by a restore) is put right by the scheduled task
    the worker's beat runs at 04:00."""
    from mhst.jobs.schedule import SCHEDULE

    task = SCHEDULE["refresh-report-summaries"]
    assert (task.every.hour, task.every.minute) == ({4}, {0})
    case = world.case_a1
    right = db.session.get(ReferralFact, case.id).needs
    db.session.execute(
        update(ReferralFact).where(ReferralFact.referral_id == case.id).values(needs=right + 7)
    )
    db.session.expire_all()
    assert db.session.get(ReferralFact, case.id).needs == right + 7
    task.run()
    db.session.expire_all()
    assert db.session.get(ReferralFact, case.id).needs == right
    assert assert_summaries_match_raw_rows()


def test_refresh_facts_rebuilds_in_batches_and_says_what_it_made(app, world):
    db.session.execute(update(ReferralFact).values(needs=ReferralFact.needs + 3))
    result = app.test_cli_runner().invoke(args=["reports", "refresh-facts"])
    assert result.exit_code == 0, result.output
    facts = db.session.scalar(select(func.count()).select_from(ReferralFact))
    assert "Report summaries rebuilt in " in result.output
    assert f"{facts} referral facts" in result.output
    assert assert_summaries_match_raw_rows()


def test_refresh_facts_in_one_transaction_equals_a_recomputation(app, world):
    db.session.execute(update(ReferralFact).values(needs=ReferralFact.needs + 3))
    args = ["reports", "refresh-facts", "--in-one-transaction"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Report summaries rebuilt in " in result.output
    assert assert_summaries_match_raw_rows()


def test_the_batched_rebuild_equals_a_recomputation_and_drops_orphans(world):
    """Rows changed by hand, deleted, or left by a referral or school that no longer
    exists are all put right, however small the batches (each one committed)."""
    case = world.case_a1
    db.session.execute(update(ReferralFact).values(needs=ReferralFact.needs + 3))
    db.session.execute(delete(daily_count).where(daily_count.c.school_id == case.school_id))
    row = db.session.execute(
        select(ReferralFact.__table__).where(ReferralFact.referral_id == case.id)
    ).one()
    db.session.execute(insert(ReferralFact).values({**row._asdict(), "referral_id": 10**9}))
    db.session.execute(
        insert(daily_count).values(
            day=date(2026, 1, 5), school_id=10**9, **dict.fromkeys(COUNT_COLUMNS, 1)
        )
    )
    told: list[tuple[str, int]] = []
    referrals, schools = rebuild_summaries(
        referral_batch=2, school_batch=1, after_batch=lambda *step: told.append(step)
    )
    assert referrals == db.session.scalar(select(func.count()).select_from(Referral))
    assert schools == db.session.scalar(select(func.count()).select_from(School))
    assert told[0] == ("referrals", 2)
    assert told[-1] == ("schools", schools)
    assert db.session.get(ReferralFact, 10**9) is None
    assert not db.session.scalar(select(func.count()).where(daily_count.c.school_id == 10**9))
    assert assert_summaries_match_raw_rows()


# --- random sequences of changes --------------------------------------------------

DAYS = st.integers(min_value=0, max_value=20)
STEP = st.one_of(
    st.tuples(
        st.just("contact"),
        st.integers(0, 2),
        DAYS,
        st.sampled_from([None, *Attendance]),
        st.sampled_from(ContactStage),
        st.sampled_from(ContactMode),
        st.sampled_from(WhoAttended),
        st.booleans(),
    ),
    st.tuples(st.just("move_contact"), st.integers(0, 10), DAYS),
    st.tuples(st.just("drop_contact"), st.integers(0, 10)),
    st.tuples(st.just("event"), st.integers(0, 2), st.sampled_from(ReferralStatus)),
    st.tuples(st.just("need"), st.integers(0, 2), st.sampled_from(Need)),
    st.tuples(st.just("measure"), st.integers(0, 2), st.sampled_from(["GBO", "A"]), DAYS),
    st.tuples(st.just("drop_measure"), st.integers(0, 10)),
    st.tuples(st.just("move_referral"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(
        st.just("activity"), st.integers(0, 2), DAYS, st.sampled_from(ActivityKind), st.booleans()
    ),
    st.tuples(st.just("drop_activity"), st.integers(0, 10)),
    st.tuples(st.just("delete_statement"), st.integers(0, 2)),
)
START = datetime(2026, 10, 1, 23, 30, tzinfo=UTC)  # late: a day's edge is near


class Sandbox:
    """Three referrals at three schools; steps change their raw rows directly."""

    def __init__(self, world):
        self.world = world
        self.schools = [world.school_a1, world.school_a2, world.school_b1]
        self.user = world.users[Role.EMHP]
        self.referrals = [world.referral_a1, world.case_a1, world.case_a1]
        self.made: dict[str, list] = {"contact": [], "measure": [], "activity": []}

    def _pick(self, kind: str, index: int):
        alive = [row for row in self.made[kind] if row in db.session]
        return alive[index % len(alive)] if alive else None

    def run(self, step: tuple) -> None:
        getattr(self, step[0])(*step[1:])
        db.session.flush()

    def contact(self, who, day, attendance, stage, mode, attended_by, in_error):
        row = CareContact(
            referral=self.referrals[who],
            practitioner=self.user,
            created_by=self.user,
            starts_at=START + timedelta(days=day, minutes=47 * day),
            duration_minutes=30,
            stage=stage,
            mode=mode,
            attendance=attendance,
            who_attended=attended_by if attendance is Attendance.ATTENDED else None,
            entered_in_error_at=START if in_error else None,
        )
        db.session.add(row)
        self.made["contact"].append(row)

    def move_contact(self, index, day):
        if row := self._pick("contact", index):
            row.starts_at = START + timedelta(days=day)

    def drop_contact(self, index):
        if row := self._pick("contact", index):
            db.session.delete(row)

    def event(self, who, status):
        db.session.add(
            ReferralEvent(referral=self.referrals[who], to_status=status, by_user_id=self.user.id)
        )

    def need(self, who, need):
        referral = self.referrals[who]
        found = db.session.get(ReferralNeed, (referral.id, need))
        if found is None:
            db.session.add(ReferralNeed(referral_id=referral.id, need=need))
        else:
            db.session.delete(found)

    def measure(self, who, code, day):
        row = MeasureRecord(
            referral=self.referrals[who],
            measure_code=code,
            completed_on=date(2026, 10, 1) + timedelta(days=day),
            respondent=Respondent.CHILD,
            by_item=False,
            recorded_by_id=self.user.id,
            # A total score that varies with the day, so that pairs (GBO's: judged by its
            # definition; A's: no definition) improve, worsen or stay the same.
            scores=[MeasureScore(scale="total", position=1, score=Decimal(day % 11) / 2)],
        )
        db.session.add(row)
        self.made["measure"].append(row)

    def drop_measure(self, index):
        if row := self._pick("measure", index):
            db.session.delete(row)

    def move_referral(self, who, school):
        self.referrals[who].school_id = self.schools[school].id

    def activity(self, school, day, kind, counted):
        row = WholeSchoolActivity(
            school=self.schools[school],
            kind=kind,
            held_on=date(2026, 10, 1) + timedelta(days=day),
            theme="Sleep",
            delivered_by="The team",
            attendance=30 if counted else None,
            recorded_by=self.user,
        )
        db.session.add(row)
        self.made["activity"].append(row)

    def drop_activity(self, index):
        if row := self._pick("activity", index):
            db.session.delete(row)

    def delete_statement(self, who):
        db.session.execute(
            delete(CareContact).where(CareContact.referral_id == self.referrals[who].id),
            execution_options={"synchronize_session": "fetch"},
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_random_changes_keep_the_summaries_equal_to_a_recomputation(world, steps):
    savepoint = db.session.begin_nested()
    try:
        sandbox = Sandbox(world)
        for step in steps:
            sandbox.run(step)
        assert assert_summaries_match_raw_rows()
    finally:
        savepoint.rollback()


def test_the_summaries_are_not_empty_for_the_sandbox(world):
    """The random test compares rows that are there: one step of each kind leaves some."""
    sandbox = Sandbox(world)
    sandbox.run(
        (
            "contact",
            0,
            3,
            Attendance.ATTENDED,
            *list(ContactStage)[:1],
            ContactMode.VIDEO,
            WhoAttended.CHILD,
            False,
        )
    )
    sandbox.run(("activity", 1, 2, ActivityKind.ASSEMBLY, True))
    sandbox.run(("measure", 0, "GBO", 1))
    sandbox.run(("measure", 0, "GBO", 9))
    assert assert_summaries_match_raw_rows() >= 6
    (paired,) = db.session.execute(select(OutcomeCount.paired, OutcomeCount.improved)).all()
    assert tuple(paired) == (1, 1)  # 0.5 -> 4.5: more than GBO's reliable change of 3
    assert db.session.scalar(select(func.count()).select_from(ReferralFact)) >= 2
