"""Who may see which schools, teams, referrals and cases, and the one way to fetch them.

Two halves meet here:

* the **policy** (:data:`POLICY`, in this module): for each role and each kind of record,
  how far the user reaches: everything, their team's records, their school's, only those
  their school made, only the team's cases they hold, or nothing;
* the **shape** (:class:`Shape`, declared by each scoped model as ``scope_shape()``): how
  the model's rows reach their team and school, which rows the school made, who holds
  them, and whether reading one is audited.

Fetch records through :func:`scope` (a WHERE clause) or :func:`get_or_404` (one record),
never by bare id: an id outside the user's reach gives 404, exactly like an id that does
not exist.

This module sits below every feature package and imports none of them: models bring
their shapes to it. Roles are named by their values (``Role`` is a string enum, so
``user.role`` finds its row); ``tests/test_scoping.py`` checks that every role has one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, and_, exists, false, select, true

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.extensions import db


class Kind(enum.StrEnum):
    """The kinds of record the policy decides on."""

    SCHOOL = "school"
    TEAM = "team"
    REFERRAL = "referral"
    CASE = "case"  # a referral in casework: its sessions, notes and measures
    # A child's whole record for records management (mhst.privacy): subject access
    # exports, erasure on objection and the retention review; never casework.
    RECORDS = "records"
    CHILD = "child"  # a child's record: their and their parent's details, found by search


class Reach(enum.Enum):
    """How far a role reaches into one kind of record."""

    ALL = "every"
    TEAM = "their team's"
    SCHOOL = "their school's"
    MADE_BY_SCHOOL = "their school's own"  # what the school itself made: its referrals
    HELD = "the team's held by them"  # the cases currently allocated to them
    NONE = "no"


def _row(
    school: Reach, team: Reach, referral: Reach, case: Reach, child: Reach
) -> dict[Kind, Reach]:
    return {
        Kind.SCHOOL: school,
        Kind.TEAM: team,
        Kind.REFERRAL: referral,
        Kind.CASE: case,
        Kind.CHILD: child,
    }


# A child's record (their identity and contact details) is the team's who saw them; the
# administrator reaches every child's details (to correct and merge records) but none of
# their referrals. A school's lead never opens a child's record: only their referrals.
R = Reach  # the table below, in short
# fmt: off
POLICY: dict[str, dict[Kind, Reach]] = {
    #                                 school    team    referral          case    child
    "administrator":             _row(R.ALL,    R.ALL,  R.NONE,           R.NONE, R.ALL),
    "clinical_lead":             _row(R.ALL,    R.ALL,  R.ALL,            R.ALL,  R.ALL),
    "senior_clinician":          _row(R.TEAM,   R.TEAM, R.TEAM,           R.TEAM, R.TEAM),
    "emhp":                      _row(R.TEAM,   R.TEAM, R.TEAM,           R.HELD, R.TEAM),
    "school_mental_health_lead": _row(R.SCHOOL, R.NONE, R.MADE_BY_SCHOOL, R.NONE, R.NONE),
    # Suppressed aggregate reports only: never a school's page or a child's record.
    "commissioner":              _row(R.NONE,   R.NONE, R.NONE,           R.NONE, R.NONE),
}
# fmt: on
# The records column: administrators and clinical leads manage every child's record.
RECORDS_REACH = {"administrator": Reach.ALL, "clinical_lead": Reach.ALL}
POLICY = {
    role: {**row, Kind.RECORDS: RECORDS_REACH.get(role, Reach.NONE)} for role, row in POLICY.items()
}
NO_REACH = dict.fromkeys(Kind, Reach.NONE)  # a role missing from the table sees nothing

Rows = Callable[[int], ColumnElement[bool]]


@dataclass(frozen=True)
class Shape:
    """How a model's rows meet the policy; the model declares it as ``scope_shape()``.

    ``kind`` is the policy column that applies unless a caller names another (a referral
    is a :attr:`Kind.REFERRAL`, and a :attr:`Kind.CASE` in casework). ``of_team`` and
    ``of_school`` give the rows of a team or school; ``made_by_school`` the rows the
    school itself made; ``held_by`` the rows a user holds now. A part the model's kind
    never needs may be left out. Reads of a model with ``audited_as`` (a child's records)
    are audit-logged under that record type; ``load`` are the loader options every lookup
    applies.
    """

    kind: Kind
    of_team: Rows
    of_school: Rows | None = None
    made_by_school: ColumnElement[bool] | None = None
    held_by: Rows | None = None
    audited_as: AuditRecordType | None = None
    load: Sequence[Any] = ()


class Viewer(Protocol):
    """What scoping reads of a user (``mhst.accounts.models.User``)."""

    id: int
    role: str
    team_id: int | None
    school_id: int | None


class Scoped(Protocol):
    id: Any

    @classmethod
    def scope_shape(cls) -> Shape: ...


Model = TypeVar("Model", bound=Scoped)


def reach(user: Viewer, kind: Kind) -> Reach:
    """How far ``user``'s role reaches into records of ``kind``."""
    return POLICY.get(user.role, NO_REACH)[kind]


def team_limit(user: Viewer, kind: Kind) -> int | None:
    """The team ``user``'s reach into ``kind`` is limited to; None when it is every team.

    For figures across many records (the reports). A reach that is neither every team
    nor one team is an error, never "no limit". A team-limited user without a team gets
    None, as the reports have always had it (``accounts.operations`` gives EMHPs and
    senior clinicians a team).
    """
    found = reach(user, kind)
    if found is Reach.ALL:
        return None
    if found in (Reach.TEAM, Reach.HELD):
        return user.team_id
    raise ValueError(f"the {user.role} role reaches {found.value} {kind} records, not a team's")


def _clause(user: Viewer, model: type, shape: Shape, kind: Kind | None) -> ColumnElement[bool]:
    found = reach(user, kind or shape.kind)
    if found is Reach.ALL:
        return true()
    if found is Reach.NONE:
        return false()
    if found in (Reach.SCHOOL, Reach.MADE_BY_SCHOOL):
        if user.school_id is None:
            return false()
        rows = _part(shape.of_school, "of_school", model)(user.school_id)
        if found is Reach.MADE_BY_SCHOOL:
            return and_(rows, _part(shape.made_by_school, "made_by_school", model))
        return rows
    if user.team_id is None:  # staff not (yet) in a team see no team's work
        return false()
    rows = shape.of_team(user.team_id)
    if found is Reach.HELD:
        return and_(rows, _part(shape.held_by, "held_by", model)(user.id))
    return rows


def _part(part, name: str, model: type):
    if part is None:
        raise TypeError(f"{model.__name__}.scope_shape() declares no {name}")
    return part


def scope(user: Viewer, model: type[Scoped], kind: Kind | None = None) -> ColumnElement[bool]:
    """A WHERE clause limiting ``model``'s rows to those ``user`` may see as ``kind``
    (by default the model's own kind)."""
    return _clause(user, model, model.scope_shape(), kind)


def get_or_404(
    user: Viewer,
    model: type[Model],
    record_id: int,
    *,
    kind: Kind | None = None,
    options: Sequence[Any] = (),
    audit: bool = True,
) -> Model:
    """The ``model`` row ``record_id``, if ``user`` may see it as ``kind``; anything else
    is a 404. The model's loader options apply, then ``options``. Reading a child's
    record is audit-logged (pass ``audit=False`` when the caller records its own write).
    """
    shape = model.scope_shape()
    found = db.session.scalars(
        select(model)
        .where(model.id == record_id, _clause(user, model, shape, kind))
        .options(*shape.load, *options)
    ).one_or_none()
    if found is None:
        abort(404)
    if audit and shape.audited_as is not None:
        record(AuditAction.READ, shape.audited_as, found.id, user=user)
    return found


def in_scope(user: Viewer, model: type[Scoped], record_id: int, kind: Kind | None = None) -> bool:
    """Whether ``user`` may see the ``model`` row ``record_id`` as ``kind`` (one query,
    no audit: nothing is read)."""
    return bool(
        db.session.scalar(select(exists().where(model.id == record_id, scope(user, model, kind))))
    )


def who_may_see(
    users: Sequence[Viewer], model: type[Scoped], record_id: int, kind: Kind | None = None
) -> list[Viewer]:
    """Those of ``users`` who may see the ``model`` row ``record_id`` as ``kind``, in the
    order given: one query however many users (a column per user), none for no users;
    no audit: nothing is read."""
    users = list(users)
    if not users:
        return []
    checks = [
        exists().where(model.id == record_id, scope(user, model, kind)).label(f"user_{number}")
        for number, user in enumerate(users)
    ]
    allowed = db.session.execute(select(*checks)).one()
    return [user for user, may in zip(users, allowed, strict=True) if may]
