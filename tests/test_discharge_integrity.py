"""One discharge per discharge event (``uq_discharge_event_id``, migration 0038_integrity):
the database refuses a second discharge row for one status change, on both databases,
and the migration refuses to add the constraint over duplicates, naming them, rather than
delete clinical records. (A double submit of the discharge form lands on the first
discharge: tests/test_transition_refusals.py; at the same moment:
tests/concurrency/test_referral_transitions.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role
from mhst.casework import operations
from mhst.casework.models import Discharge, DischargeReason
from mhst.extensions import db
from mhst.migrate import downgrade, upgrade
from tests.conftest import (
    World,
    database_url_for,
    new_area,
    new_referral,
    new_school,
    new_team,
    new_user,
)


def _discharge(world) -> Discharge:
    closing = operations.discharge(
        world.case_a1,
        by=world.users[Role.EMHP],
        reason=DischargeReason.GOALS_MET,
        summary="Goals met; uses the plan at school.",
        final_measures_note="The family did not come to the last session",
    )
    db.session.flush()
    return closing


def _copy_of(closing: Discharge):
    """An INSERT of a second discharge row for the same event (as a double submit made)."""
    return insert(Discharge.__table__).values(
        referral_id=closing.referral_id,
        event_id=closing.event_id,
        reason=closing.reason.value,
        summary="Goals met (sent twice)",
        discharged_at=closing.discharged_at,
        discharged_by_id=closing.discharged_by_id,
    )


def test_a_second_discharge_of_one_event_is_refused(world):
    closing = _discharge(world)
    refused = pytest.raises(IntegrityError, match=r"(?i)unique|uq_discharge_event_id")
    with refused, db.session.begin_nested():
        db.session.execute(_copy_of(closing))
    rows = db.session.scalar(
        select(func.count()).select_from(Discharge).where(Discharge.event_id == closing.event_id)
    )
    assert rows == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path_factory):
    """An app on a database of its own (the test migrates it down and up)."""
    url = database_url_for(request.param, tmp_path_factory, name="integrity")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _discharges() -> list[tuple[int, int]]:
    return [tuple(row) for row in db.session.execute(select(Discharge.id, Discharge.event_id))]


def test_the_migration_names_duplicate_discharges_and_deletes_none(own_database):
    world = World(new_area, new_team, new_school, new_user, new_referral)
    closing = _discharge(world)
    event_id, referral_id, first = closing.event_id, closing.referral_id, closing.id
    db.session.commit()
    db.session.remove()
    downgrade("0037_notification_retries")  # before the constraint: a duplicate can be written
    db.session.execute(_copy_of(db.session.get(Discharge, first)))
    db.session.commit()
    [second] = [i for i, _ in _discharges() if i != first]
    db.session.remove()

    with pytest.raises(RuntimeError) as refused:
        upgrade()

    message = str(refused.value)
    assert f"event {event_id} of referral {referral_id}: discharges {first}, {second}" in message
    assert "deletes none" in message
    assert sorted(_discharges()) == [(first, event_id), (second, event_id)]  # both kept
    db.session.remove()
    # Once the service has decided which is right and removed the other, it upgrades.
    db.session.execute(delete(Discharge).where(Discharge.id == second))
    db.session.commit()
    db.session.remove()
    upgrade()
    with pytest.raises(IntegrityError):
        db.session.execute(_copy_of(db.session.get(Discharge, first)))
    db.session.rollback()


def test_a_discharge_sent_again_from_another_page_names_the_first(world, auth, client):
    """Two tabs (two submission tokens) or a page from before the token: the second copy
    finds the case discharged and says by whom and when, with nothing saved (a 400 with
    the form, never a 500)."""
    case = world.case_a1
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    url = f"/casework/cases/{case.id}/discharge"
    data = {"seen": "allocated", "reason": "goals_met", "summary": "Goals met."}
    first = auth.post(url, {**data, "submission_token": "b3f1c2a4-0000-4000-8000-000000000001"})
    second = auth.post(url, {**data, "submission_token": "b3f1c2a4-0000-4000-8000-000000000002"})
    assert (first.status_code, second.status_code) == (302, 400)
    text = " ".join(second.get_data(as_text=True).split())
    senior = world.users[Role.SENIOR_CLINICIAN].full_name
    assert f"This referral was discharged by {senior}" in text
    rows = db.session.scalar(
        select(func.count()).select_from(Discharge).where(Discharge.referral_id == case.id)
    )
    assert rows == 1
