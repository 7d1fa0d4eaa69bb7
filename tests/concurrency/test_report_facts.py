"""Two transactions logging sessions at one school on one day at the same moment (or
recording measures at one school in one month): each recomputes that day's counts (or
month's outcome counts), and both are counted (the second waits for the first to commit
instead of colliding on the row's key or counting only its own)."""

from __future__ import annotations

import threading
import time as time_module
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.referrals.models import Referral
from mhst.reports.fact_models import OUTCOME_SUMS, OutcomeCount, daily_count
from mhst.reports.facts import daily_rows
from mhst.reports.outcome_facts import recompute_outcomes
from mhst.reports.rebuild import rebuild_summaries
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended
from tests.concurrency.test_sessions import _open_case
from tests.report_facts_check import assert_summaries_match_raw_rows


def _flush_in_turn(live, add, flushed: threading.Event, first: bool, errors) -> None:
    """Run ``add`` in a transaction, then flush: the first of two such transactions
    flushes, lets the second flush meanwhile, then both commit (the summaries' locks
    must serialise their recomputations). An error lands in ``errors``."""

    def work() -> None:
        add()
        if not first:
            flushed.wait(10)
        db.session.flush()  # recomputes the summaries the added rows touch
        if first:
            flushed.set()
            threading.Event().wait(0.5)  # the other transaction flushes meanwhile
        db.session.commit()

    try:
        live.run(work)
    except Exception as error:
        errors.append(error)


def _both_in_turn(target, cases: list[int]) -> list:
    """``target(case, flushed, first, errors)`` for both cases at once; the errors."""
    flushed, errors = threading.Event(), []
    threads = [
        threading.Thread(target=target, args=(case, flushed, i == 0, errors))
        for i, case in enumerate(cases)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def _log(live, referral_id: int, hour: int, flushed: threading.Event, first: bool, errors):
    def add() -> None:
        referral = db.session.get(Referral, referral_id)
        emhp = live.world().users[Role.EMHP]
        day = service_today() - timedelta(days=3)
        db.session.add(
            CareContact(
                referral=referral,
                practitioner=emhp,
                created_by=emhp,
                starts_at=datetime.combine(day, time(hour), UTC),
                duration_minutes=30,
                stage=ContactStage.TREATMENT,
                mode=ContactMode.VIDEO,
                attendance=Attendance.ATTENDED,
                who_attended=WhoAttended.CHILD,
            )
        )

    _flush_in_turn(live, add, flushed, first, errors)


def test_two_sessions_at_one_school_on_one_day_are_both_counted(live):
    cases = [_open_case(live, "Counted"), _open_case(live, "Counted too")]
    hours = dict(zip(cases, (9, 10), strict=True))

    def log(case, flushed, first, errors) -> None:
        _log(live, case, hours[case], flushed, first, errors)

    assert _both_in_turn(log, cases) == []

    def check() -> None:
        school_id = db.session.get(Referral, cases[0]).school_id
        day = service_today() - timedelta(days=3)
        kept = db.session.execute(
            select(daily_count).where(
                daily_count.c.school_id == school_id, daily_count.c.day == day
            )
        ).all()
        recomputed = db.session.execute(daily_rows({school_id: [day]})).all()
        assert [tuple(row) for row in kept] == [tuple(row) for row in recomputed]
        assert kept[0].contacts_attended >= 2

    live.run(check)


def _pair(live, referral_id: int, flushed: threading.Event, first: bool, errors) -> None:
    """A GBO pair (two records with total scores) for the referral, this month."""

    def add() -> None:
        referral = db.session.get(Referral, referral_id)
        emhp = live.world().users[Role.EMHP]
        today = service_today()
        for day, score in ((today.replace(day=1), "2.00"), (today, "6.50")):
            db.session.add(
                MeasureRecord(
                    referral=referral,
                    measure_code="GBO",
                    completed_on=day,
                    respondent=Respondent.CHILD,
                    by_item=False,
                    recorded_by=emhp,
                    scores=[MeasureScore(scale="total", position=1, score=Decimal(score))],
                )
            )

    _flush_in_turn(live, add, flushed, first, errors)


def test_two_pairs_at_one_school_in_one_month_are_both_counted(live):
    cases = [_open_case(live, "Paired"), _open_case(live, "Paired too")]

    def pair(case, flushed, first, errors) -> None:
        _pair(live, case, flushed, first, errors)

    assert _both_in_turn(pair, cases) == []

    def check() -> None:
        school_id = db.session.get(Referral, cases[0]).school_id
        month = service_today().replace(day=1)
        key = (OutcomeCount.school_id == school_id, OutcomeCount.month == month)
        kept = db.session.scalars(select(OutcomeCount).where(*key)).all()
        savepoint = db.session.begin_nested()
        recompute_outcomes(db.session.connection(), [(school_id, month)])
        recomputed = db.session.scalars(
            select(OutcomeCount).where(*key).execution_options(populate_existing=True)
        ).all()
        counts = [[getattr(row, name) for name in OUTCOME_SUMS] for row in recomputed]
        savepoint.rollback()
        assert [[getattr(row, name) for name in OUTCOME_SUMS] for row in kept] == counts
        (gbo,) = [row for row in recomputed if row.measure_code == "GBO"]
        assert gbo.paired >= 2

    live.run(check)


def _contact(live, referral_id: int, day: int, hour: int) -> None:
    """Log an attended session for the referral, committed (the listeners recompute its
    referral's facts and its school's day)."""
    referral = db.session.get(Referral, referral_id)
    emhp = live.world().users[Role.EMHP]
    db.session.add(
        CareContact(
            referral=referral,
            practitioner=emhp,
            created_by=emhp,
            starts_at=datetime.combine(service_today() - timedelta(days=day), time(hour), UTC),
            duration_minutes=30,
            stage=ContactStage.TREATMENT,
            mode=ContactMode.VIDEO,
            attendance=Attendance.ATTENDED,
            who_attended=WhoAttended.CHILD,
        )
    )
    db.session.commit()


def _rebuild_in_thread(live, after_batch, errors: list) -> threading.Thread:
    def rebuild() -> None:
        try:
            live.run(rebuild_summaries, referral_batch=1, school_batch=1, after_batch=after_batch)
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=rebuild)
    thread.start()
    return thread


def test_a_change_during_the_nightly_rebuild_does_not_wait_for_all_of_it(live):
    """The rebuild is held after its first batch; a session logged meanwhile (its
    referral's facts and its school's day recomputed) commits at once, not after the
    rebuild; the summaries afterwards equal a recomputation from the raw rows."""
    case = _open_case(live, "Rebuilt")
    held, resume, errors = threading.Event(), threading.Event(), []

    def hold_after_the_first(phase: str, done: int) -> None:
        if not held.is_set():
            held.set()
            resume.wait(30)

    rebuild = _rebuild_in_thread(live, hold_after_the_first, errors)
    assert held.wait(30)
    writer = threading.Thread(target=live.run, args=(_contact, live, case, 4, 10))
    writer.start()
    writer.join(10)
    finished_first = not writer.is_alive()
    resume.set()
    writer.join(30)
    rebuild.join(60)
    assert errors == []
    assert finished_first  # while the rebuild was still going
    assert live.run(assert_summaries_match_raw_rows)


def test_changes_throughout_the_rebuild_leave_the_summaries_right(live):
    """Sessions logged while every batch runs (one referral or school to a batch): each
    recomputation serialises with the batch holding its referral or school, so nothing
    the rebuild or the changes wrote is lost or counted twice."""
    cases = [_open_case(live, "Busy"), _open_case(live, "Busy too")]
    errors, written = [], []
    # A pause after each batch, so that the changes fall between and inside batches.
    rebuild = _rebuild_in_thread(live, lambda phase, count: time_module.sleep(0.05), errors)

    def keep_writing() -> None:
        while rebuild.is_alive() and len(written) < 200:
            step = len(written)
            live.run(_contact, live, cases[step % 2], 5 + step % 7, 8 + step % 9)
            written.append(rebuild.is_alive())

    writer = threading.Thread(target=keep_writing)
    writer.start()
    rebuild.join(120)
    writer.join(60)
    assert errors == []
    assert not rebuild.is_alive()
    assert sum(written) >= 5  # sessions committed while the rebuild was going
    assert live.run(assert_summaries_match_raw_rows)
