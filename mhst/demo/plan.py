"""The demo's invented history, played in date order through the domain operations.

Each step is one thing someone did on a day in the past (a referral received, consent
recorded, a session logged, a supervision held ...). :class:`Plan` runs the steps in the
order they happened, each through the same operations the pages use, so every rule is
checked (the consent gate, a case must be open to be discussed or to join a group) and
every change has its history. The operations stamp what they write with the time they
run; :func:`dated` then moves those stamps to the moment the step happened, so that each
referral's history reads in order over the past months.

The audit log is left as it is: its entries record the load itself, when it ran.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, and_, bindparam, case, event, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from mhst.casework.models import Discharge
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.letters.models import Letter
from mhst.outcomes.models import MeasureRecord
from mhst.referrals.allocations import Allocation
from mhst.referrals.child_models import ChildCorrection
from mhst.referrals.models import Child, Consent, Referral, ReferralEvent
from mhst.sessions.group_models import GroupParticipant, GroupProgramme, GroupSession
from mhst.sessions.models import CareContact
from mhst.supervision.models import SupervisionRecord
from mhst.wholeschool.models import WholeSchoolActivity

# Every column an operation stamps with the time it runs (the audit log's excepted).
STAMPS = (
    Child.created_at,
    ChildCorrection.corrected_at,
    Referral.submitted_at,
    Referral.status_changed_at,
    Referral.risk_reviewed_at,
    ReferralEvent.occurred_at,
    Consent.recorded_at,
    Consent.withdrawn_at,
    Allocation.allocated_at,
    Allocation.ended_at,
    CareContact.created_at,
    CareContact.updated_at,
    MeasureRecord.recorded_at,
    Discharge.discharged_at,
    SupervisionRecord.recorded_at,
    GroupProgramme.created_at,
    GroupParticipant.joined_at,
    GroupSession.recorded_at,
    WholeSchoolActivity.recorded_at,
    Letter.produced_at,
    Letter.shared_with_school_at,
)


STAMPED: dict[type, list] = {}
for _column in STAMPS:
    STAMPED.setdefault(_column.class_, []).append(_column)

WRITE = re.compile(r'\s*(?:INSERT INTO|UPDATE)\s+"?(\w+)', re.IGNORECASE)


@contextmanager
def _tables_written() -> Iterator[set[str]]:
    """The names of the tables written to while the block runs."""
    written: set[str] = set()

    def note(conn, cursor, statement, *args) -> None:
        if match := WRITE.match(statement):
            written.add(match[1])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield written
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@cache
def _moving(model: type):
    """The UPDATE that moves ``model``'s stamps (made once: the demo runs it hundreds of
    times). A referral's date accepted or closed moves with a status change made then."""
    since = bindparam("since", type_=UTCDateTime())
    moment = bindparam("moment", type_=UTCDateTime())
    columns = STAMPED[model]
    values = {c.key: case((c >= since, moment), else_=c) for c in columns}
    if model is Referral:
        moved = Referral.status_changed_at >= since
        day = bindparam("day", type_=Date())
        values["accepted_on"] = case(
            (and_(moved, Referral.accepted_on == bindparam("today", type_=Date())), day),
            else_=Referral.accepted_on,
        )
        values["closed_on"] = case(
            (and_(moved, Referral.closed_on.is_not(None)), day), else_=Referral.closed_on
        )
    return (
        update(model)
        .where(or_(*(c >= since for c in columns)))
        .values(values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Move:
    """Stamps made at or after ``since`` move to ``moment``; a referral's date accepted
    (set to ``today``) or closed, set by a status change made then, to its day."""

    since: datetime
    today: date
    moment: datetime

    @property
    def day(self) -> date:
        return self.moment.astimezone(SERVICE_TIME_ZONE).date()

    def in_database(self, model: type) -> None:
        """One UPDATE of ``model``'s rows."""
        params = {"since": self.since, "moment": self.moment}
        if model is Referral:
            params |= {"today": self.today, "day": self.day}
        db.session.execute(_moving(model), params)

    def in_session(self, models: set[type]) -> None:
        """The same for the objects in the session, as loaded (nothing is loaded here)."""
        identity_map = db.session.identity_map
        for key in [key for key in identity_map if key[0] in models]:
            obj = identity_map.get(key)
            loaded = obj.__dict__ if obj is not None else {}
            if key[0] is Referral and self._new(loaded.get("status_changed_at")):
                if loaded.get("accepted_on") == self.today:
                    set_committed_value(obj, "accepted_on", self.day)
                if loaded.get("closed_on") is not None:
                    set_committed_value(obj, "closed_on", self.day)
            for column in STAMPED[key[0]]:
                if self._new(loaded.get(column.key)):
                    set_committed_value(obj, column.key, self.moment)

    def _new(self, value: datetime | None) -> bool:
        return value is not None and value >= self.since


@contextmanager
def dated(moment: datetime) -> Iterator[None]:
    """Run operations as if at ``moment``: what they stamp with the current time (and a
    referral's date accepted or closed, which they set to today) is moved to ``moment``.

    Everything written before (earlier steps, already moved into the past) is left alone.
    """
    since = utcnow()
    if moment >= since:
        raise ValueError(f"The demo's history is in the past; {moment} is not")
    move = Move(since, service_today(since), moment)
    with _tables_written() as written:
        yield
        db.session.flush()
    models = {model for model in STAMPED if model.__tablename__ in written}
    for model in models:
        move.in_database(model)
    move.in_session(models)


@dataclass(order=True)
class Step:
    when: datetime
    number: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class Plan:
    """Steps added in any order, played in the order they happened (ties in the order
    they were added)."""

    steps: list[Step] = field(default_factory=list)

    def add(self, when: datetime, run: Callable[[], object]) -> None:
        self.steps.append(Step(when, len(self.steps), run))

    def play(self) -> None:
        for step in sorted(self.steps):
            with dated(step.when):
                step.run()
