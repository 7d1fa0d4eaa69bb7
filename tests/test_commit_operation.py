"""commit_operation: one unit of work per request, and never a 500 when the database's own
constraints refuse a change another user's request made impossible meanwhile."""

from __future__ import annotations

import wtforms
from sqlalchemy import event, func, select

from mhst.accounts.models import Role
from mhst.casework.models import Allocation
from mhst.core.forms import CHANGED_MEANWHILE, BaseForm, commit_operation, failed
from mhst.extensions import db
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
