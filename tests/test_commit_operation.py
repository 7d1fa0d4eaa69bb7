"""commit_operation and commit_unit: one unit of work per request, committed whole or
rolled back whole, and never a 500 when the database's own constraints refuse a change
another user's request made impossible meanwhile."""

from __future__ import annotations

import pytest
import wtforms
from sqlalchemy import event, func, select

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.forms import CHANGED_MEANWHILE, BaseForm, commit_operation, commit_unit, failed
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.schools.models import School


class PractitionerForm(BaseForm):
    practitioner = wtforms.StringField("Practitioner")


def _current_allocations(referral) -> int:
    return db.session.scalar(
        select(func.count(Allocation.id)).where(
            Allocation.referral_id == referral.id, Allocation.ended_at.is_(None)
        )
    )


def test_a_constraint_refusal_becomes_a_form_error_and_saves_nothing(app, world):
    """Two senior clinicians allocate one case at the same moment: the second INSERT of a
    current allocation breaks the unique index. The user gets a message, not a 500."""
    case, senior = world.case_a1, world.users[Role.SENIOR_CLINICIAN]
    assert _current_allocations(case) == 1

    def allocate_again():
        db.session.add(Allocation(referral=case, practitioner=senior, allocated_by=senior))
        db.session.flush()

    with app.test_request_context(method="POST"):
        form = PractitionerForm()
        result = commit_operation(form, allocate_again)
        assert failed(result)
        assert form.practitioner.errors == [CHANGED_MEANWHILE]
        assert ("practitioner", CHANGED_MEANWHILE) in form.error_list()
    assert _current_allocations(case) == 1


def test_a_successful_operation_is_committed_once(app, world):
    """The operation's change is committed by one COMMIT of the session, after it runs;
    a rollback afterwards cannot undo it."""
    session = db.session()
    commits: list[str | None] = []

    def count_commit(committed):
        commits.append(committed.get(School, world.school_a1.id).name)

    def rename():
        assert commits == []  # nothing committed before the operation runs
        world.school_a1.name = "School A1, renamed"
        return "done"

    event.listen(session, "after_commit", count_commit)
    try:
        with app.test_request_context(method="POST"):
            form = PractitionerForm()
            result = commit_operation(form, rename)
    finally:
        event.remove(session, "after_commit", count_commit)
    assert result == "done"
    assert not form.errors
    assert commits == ["School A1, renamed"]
    db.session.rollback()
    assert db.session.get(School, world.school_a1.id).name == "School A1, renamed"


def _audit_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_commit_unit_commits_what_the_operation_did(app, world):
    before = _audit_events()
    user = world.users[Role.SENIOR_CLINICIAN]
    recorded = commit_unit(audit.record, AuditAction.READ, AuditRecordType.REFERRAL, 1, user=user)
    assert recorded.id is not None
    assert not db.session.new
    assert _audit_events() == before + 1


def test_commit_unit_rolls_back_when_the_operation_fails(app, world):
    """A page that fails to render does not commit the audit reads made for it."""
    before = _audit_events()
    user = world.users[Role.SENIOR_CLINICIAN]

    def read_then_fail():
        audit.record(AuditAction.READ, AuditRecordType.REFERRAL, 1, user=user)
        raise LookupError("the template is missing")

    with pytest.raises(LookupError):
        commit_unit(read_then_fail)
    assert _audit_events() == before
