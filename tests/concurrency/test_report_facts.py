"""Two transactions logging sessions at one school on one day at the same moment: each
recomputes that day's counts, and both sessions are counted (the second waits for the
first to commit instead of colliding on the row's key or counting only its own)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.reports.fact_models import daily_count
from mhst.reports.facts import daily_rows
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended
from tests.concurrency.test_sessions import _open_case


def _log(live, referral_id: int, hour: int, flushed: threading.Event, first: bool, errors):
    def work() -> None:
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
        if not first:
            flushed.wait(10)
        db.session.flush()  # recomputes the day's counts at the school
        if first:
            flushed.set()
            threading.Event().wait(0.5)  # the other transaction flushes meanwhile
        db.session.commit()

    try:
        live.run(work)
    except Exception as error:
        errors.append(error)


def test_two_sessions_at_one_school_on_one_day_are_both_counted(live):
    cases = [_open_case(live, "Counted"), _open_case(live, "Counted too")]
    flushed, errors = threading.Event(), []
    threads = [
        threading.Thread(target=_log, args=(live, case, 9 + i, flushed, i == 0, errors))
        for i, case in enumerate(cases)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []

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
