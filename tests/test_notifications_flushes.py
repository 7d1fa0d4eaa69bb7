"""The work a referral's submission, acceptance and allocation do, notifications included
(each tells someone): flushes that wrote and SQL statements, counted on the real database
and held at these figures, whatever the number of people told.

Before the notifications' work was trimmed (2026-12-04) the figures were, as (flushes,
statements) on PostgreSQL: submission (4, 35), acceptance (3, 32), allocation (6, 37); a
submission took one more statement per senior clinician of the team, and on SQLite two
(a scope check and an INSERT each). ``notify`` flushed after adding its rows, the actor
was checked for scope before being left out, each recipient's scope was a query and each
notification an INSERT of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.notifications.models import NotificationKind as K
from mhst.referrals import consent, submission
from mhst.referrals import operations as referrals
from mhst.referrals.models import ReferralStatus
from mhst.schools.models import ParticipationStatus
from tests.conftest import child_details, parent_consent, referral_details


@dataclass
class Work:
    flushes: int = 0
    statements: list[str] = field(default_factory=list)

    def figures(self) -> tuple[int, int]:
        return self.flushes, len(self.statements)

    def count(self, start: str) -> int:
        return sum(" ".join(s.split()).startswith(start) for s in self.statements)


@pytest.fixture
def measure(app) -> Iterator[Callable]:
    """``measure(operation)``: what running it did (flushes that wrote, statements)."""
    work = Work()

    def flushed(*_):
        work.flushes += 1

    def executed(conn, cursor, statement, *args):
        if "SAVEPOINT" not in statement:
            work.statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(Session, "after_flush", flushed)
    event.listen(engine, "before_cursor_execute", executed)

    def run(operation, *args, **kwargs) -> Work:
        db.session.flush()
        work.flushes, work.statements = 0, []
        operation(*args, **kwargs)
        db.session.flush()  # what the commit would write
        return Work(work.flushes, list(work.statements))

    yield run
    event.remove(Session, "after_flush", flushed)
    event.remove(engine, "before_cursor_execute", executed)


def _journey(world) -> Callable[[Callable], dict[str, Work]]:
    """A referral from school A1's lead, accepted and allocated to the EMHP by the senior
    clinician: the work of each step."""

    def run(measure) -> dict[str, Work]:
        lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
        senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
        world.school_a1.participation_status = ParticipationStatus.ACTIVE
        db.session.commit()
        made = []

        def submit():
            details = referral_details()
            made.append(
                submission.submit_referral(world.school_a1, child_details(), details, by=lead)
            )

        submitted = measure(submit)
        referral = made[0]
        consent.record_consent(referral, parent_consent(), by=lead)
        db.session.commit()
        accepted = measure(
            referrals.triage, referral, ReferralStatus.ACCEPTED, by=senior, reason=None
        )
        db.session.commit()
        allocated = measure(casework.allocate, referral, emhp, by=senior)
        db.session.commit()
        return {"submission": submitted, "acceptance": accepted, "allocation": allocated}

    return run


# (flushes that wrote, statements) per step and backend.
# A submission's statements include the lock on the new child's identity (core.locking).
FIGURES = {
    "sqlite": {"submission": (3, 32), "acceptance": (2, 32), "allocation": (4, 37)},
    "postgresql": {"submission": (3, 35), "acceptance": (2, 32), "allocation": (4, 37)},
}
# Notifications' own statements per step: one INSERT per kind told (the seniors of a
# referral's arrival; the school's lead of a status change; the EMHP of the allocation).
NOTIFICATION_INSERTS = {"submission": 1, "acceptance": 1, "allocation": 2}


def test_each_step_does_the_same_work_as_measured(world, measure, backend):
    work = _journey(world)(measure)
    assert {step: w.figures() for step, w in work.items()} == FIGURES[backend]
    for step, inserts in NOTIFICATION_INSERTS.items():
        assert work[step].count("INSERT INTO notification ") == inserts, step
    # The lead who referred is not told of their own referral: not even asked about.
    assert work["submission"].count("SELECT notification_email_preference") == 1


def test_the_work_is_the_same_however_many_are_told(world, measure, backend, make_user):
    seniors = [make_user(Role.SENIOR_CLINICIAN, team=world.team_a) for _ in range(4)]
    work = _journey(world)(measure)
    assert {step: w.figures() for step, w in work.items()} == FIGURES[backend]
    told = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id.in_([senior.id for senior in seniors]),
            Notification.kind == K.REFERRAL_RECEIVED,
        )
    )
    assert told == 4  # each of them told, in the one INSERT
