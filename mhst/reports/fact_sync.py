"""Keeping the report summaries up to date in the transaction of each change.

Two session listeners collect what a change touched and recompute only that, from the
raw rows (:mod:`mhst.reports.facts`):

* ``after_flush``: the objects flushed (new, changed in a column the summaries read, or
  deleted) - their referrals, the UTC days of their contacts (before and after), the
  schools of their referrals (before and after), whole-school activities' days.
* ``do_orm_execute``: an UPDATE or DELETE statement on those tables (the privacy
  erasure's): the rows it will touch are read first with its own WHERE clause, the
  statement runs, then their summaries are recomputed.

Bulk loading outside the ORM (the synthetic data set's COPY) calls
:func:`mhst.reports.facts.recompute_all` afterwards instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain

from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from mhst.outcomes.models import MeasureRecord
from mhst.referrals.models import Referral, ReferralEvent, ReferralNeed
from mhst.reports.facts import recompute_days, recompute_referrals
from mhst.reports.outcome_facts import recompute_outcomes
from mhst.reports.sql import utc_date
from mhst.sessions.models import CareContact
from mhst.wholeschool.models import WholeSchoolActivity

# The columns the summaries read, per model: a change to any other column leaves them.
READ = {
    Referral: ("school_id", "received_on", "source", "status", "accepted_on", "closed_on"),
    ReferralEvent: ("referral_id", "to_status"),
    ReferralNeed: ("referral_id", "need"),
    MeasureRecord: ("referral_id", "measure_code", "completed_on"),
    CareContact: (
        "referral_id",
        "starts_at",
        "attendance",
        "stage",
        "mode",
        "who_attended",
        "entered_in_error_at",
    ),
    WholeSchoolActivity: ("school_id", "held_on", "kind", "attendance"),
}
BY_TABLE = {model.__tablename__: model for model in READ}


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


@dataclass
class Touched:
    """What a change touched: referral ids, their schools and contact days before the
    change, and whole-school activities' (school, day)."""

    referrals: set[int] = field(default_factory=set)
    schools: set[int] = field(default_factory=set)
    days: set[date] = field(default_factory=set)
    activities: dict[int, set[date]] = field(default_factory=lambda: defaultdict(set))

    def __bool__(self) -> bool:
        return bool(self.referrals or self.schools or self.activities)

    def add_row(self, model, values: dict) -> None:
        """One row (or object's values, before or after the change) of ``model``."""
        if model is WholeSchoolActivity:
            if values["school_id"] is not None and values["held_on"] is not None:
                self.activities[values["school_id"]].add(values["held_on"])
            return
        if model is Referral:
            self.referrals.add(values["id"])
            self.schools.add(values["school_id"])
            return
        self.referrals.add(values["referral_id"])
        if model is CareContact:
            self.days.add(_day(values["starts_at"]))


def _values_of(obj, model, *, old: bool) -> dict:
    """The object's values now, or (``old``) before this flush where they changed."""
    state = inspect(obj)
    values = {}
    for name in ("id", *READ[model], "school_id", "held_on", "referral_id", "starts_at"):
        if name not in state.attrs:
            continue
        attribute = state.attrs[name]
        history = attribute.history
        values[name] = history.deleted[0] if old and history.deleted else attribute.value
    return values


def _changed(obj, model) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in READ[model])


def collect_flush(session: Session) -> Touched:
    touched = Touched()
    for obj in chain(session.new, session.dirty, session.deleted):
        model = type(obj)
        if model not in READ or (obj in session.dirty and not _changed(obj, model)):
            continue
        touched.add_row(model, _values_of(obj, model, old=False))
        touched.add_row(model, _values_of(obj, model, old=True))
    return touched


# Advisory lock spaces (PostgreSQL): one for referrals' facts, one for schools' counts.
REFERRAL_LOCKS, SCHOOL_LOCKS = 14_001, 14_002


def serialise(connection: Connection, space: int, keys) -> None:
    """On PostgreSQL, wait for any other transaction recomputing the same referrals (or
    schools' days) to commit, so that this one's recomputation starts from a snapshot
    holding that one's rows: without it two sessions logged at one school on one day at
    the same moment would each count only their own (or collide on the key). Held to the
    end of the transaction; taken in key order, so two transactions cannot deadlock here."""
    keys = sorted(set(keys) - {None})
    if keys and connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT pg_advisory_xact_lock(:space, key) FROM "
                "(SELECT unnest(CAST(:keys AS integer[])) AS key ORDER BY 1) AS keys"
            ),
            {"space": space, "keys": keys},
        )


def apply(connection: Connection, touched: Touched) -> None:
    """Recompute the summaries of what ``touched`` names, as the raw rows stand now."""
    referrals = sorted(touched.referrals - {None})
    serialise(connection, REFERRAL_LOCKS, referrals)
    schools, days = set(touched.schools), set(touched.days)
    pair_keys: set[tuple[int, date]] = set()
    if referrals:
        schools |= set(
            connection.scalars(select(Referral.school_id).where(Referral.id.in_(referrals)))
        )
        days |= set(
            connection.scalars(
                select(utc_date(CareContact.starts_at))
                .where(CareContact.referral_id.in_(referrals))
                .distinct()
            )
        )
        pair_keys = recompute_referrals(connection, referrals)
    keys: dict[int, set[date]] = defaultdict(set)
    days.discard(None)
    for school in schools - {None}:
        keys[school] |= days
    for school, held in touched.activities.items():
        keys[school] |= held
    # One lock call for every school whose counts or outcomes this recomputes, so that
    # the locks are taken in one key order.
    serialise(connection, SCHOOL_LOCKS, set(keys) | {school for school, _ in pair_keys})
    if keys:
        recompute_days(connection, keys)
    recompute_outcomes(connection, pair_keys)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    touched = collect_flush(session)
    if touched:
        apply(session.connection(), touched)


def _statement_touches(state: ORMExecuteState):
    """The model whose table an UPDATE or DELETE statement changes in a column the
    summaries read, or None."""
    if not (state.is_update or state.is_delete):
        return None
    model = BY_TABLE.get(getattr(state.statement.table, "name", None))
    if model is None or state.is_delete:
        return model
    assigned = set(state.statement.compile().params)
    return model if assigned & set(READ[model]) else None


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState):
    model = _statement_touches(state)
    if model is None:
        return None
    table = model.__table__
    connection = state.session.connection()
    names = [
        name
        for name in ("id", "referral_id", "school_id", "starts_at", "held_on")
        if name in table.c
    ]
    query = select(*(table.c[name] for name in names))
    if state.statement.whereclause is not None:
        query = query.where(state.statement.whereclause)
    touched = Touched()
    for row in connection.execute(query):
        touched.add_row(model, dict(zip(names, row, strict=True)))
    result = state.invoke_statement()
    apply(connection, touched)
    return result
