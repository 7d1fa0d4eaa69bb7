"""Nothing is dated before the child's referral: a 1:1 session cannot be logged before the
time the referral was received, and group attendance cannot be dated before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.sessions import group_operations as groups
from mhst.sessions import operations as sessions
from tests.test_care_contacts import at, date_parts, log_data, logged, open_case, sessions_url

THREE_DAYS_AGO = service_today() - timedelta(days=3)


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def case(world, make_referral):
    """A case received three days ago and recorded then at 12:00 UK time."""
    referral = open_case(world, make_referral, days_ago=3)
    referral.submitted_at = at(THREE_DAYS_AGO, 12).astimezone(UTC)
    db.session.commit()
    return referral


# ---- 1:1 sessions -------------------------------------------------------------------------


def test_a_session_before_the_referral_was_recorded_that_day_is_refused(case, emhp):
    with pytest.raises(RuleError) as refused:
        sessions.log_session(case, logged(starts_at=at(THREE_DAYS_AGO, 11, 59)), by=emhp)
    assert refused.value.field == "start_time"
    assert refused.value.message == (
        f"The session must start after the referral was received, at 12:00 on "
        f"{format_date(THREE_DAYS_AGO)}"
    )


@pytest.mark.parametrize(("hour", "minute"), [(12, 0), (12, 1), (16, 30)])
def test_a_session_from_the_time_it_was_recorded_is_accepted(case, emhp, hour, minute):
    contact = sessions.log_session(
        case, logged(starts_at=at(THREE_DAYS_AGO, hour, minute)), by=emhp
    )
    assert contact.id is not None


def test_a_session_on_a_day_before_the_referral_is_refused(case, emhp):
    with pytest.raises(RuleError) as refused:
        sessions.log_session(
            case, logged(starts_at=at(THREE_DAYS_AGO - timedelta(days=1), 15)), by=emhp
        )
    assert refused.value.field == "session_date"


def test_a_referral_recorded_after_the_day_it_was_received_has_no_time_to_keep(case, emhp):
    """Received on paper three days ago, entered today: any time that day will do."""
    case.submitted_at = datetime.now(UTC)
    contact = sessions.log_session(case, logged(starts_at=at(THREE_DAYS_AGO, 8)), by=emhp)
    assert contact.starts_at.astimezone(SERVICE_TIME_ZONE).hour == 8


def test_the_log_form_says_so_on_the_start_time(case, world, auth, client):
    assert auth.sign_in(world.users[Role.EMHP].email).status_code == 302
    response = auth.post(
        f"{sessions_url(case)}/log",
        log_data(new_risk="no", start_time="09:15", **date_parts("session_date", THREE_DAYS_AGO)),
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = soup.select_one("#start_time-error")
    assert error is not None
    assert "must start after the referral was received, at 12:00" in error.get_text()
    assert soup.select_one("#start_time")["value"] == "09:15"  # what was typed is kept


# ---- group attendance ---------------------------------------------------------------------


@pytest.fixture
def group(world, emhp, make_referral):
    """Team A's targeted group with two participants: one referred three days ago, one
    referred today (``world.case_a1``)."""
    group = world.group_a1
    earlier = open_case(
        world, make_referral, days_ago=3, child={"given_name": "Early", "family_name": "Bird"}
    )
    groups.add_participant(group, earlier, as_parent=False, by=emhp)
    db.session.commit()
    return group


def _participants(group):
    return {p.referral.child.given_name: p for p in group.participants}


def test_attendance_before_a_childs_referral_is_refused(group, emhp):
    yesterday = service_today() - timedelta(days=1)
    late = _participants(group)["Casey"]
    with pytest.raises(RuleError) as refused:
        groups.record_session(group, held_on=yesterday, topic=None, attended_ids={late.id}, by=emhp)
    assert refused.value.field == "attended"
    assert refused.value.message == (
        f"Casey Allocated's referral was received on {format_date(service_today())}: they "
        f"cannot have attended a session on {format_date(yesterday)}"
    )
    assert group.sessions == []


def test_a_child_not_yet_referred_gets_no_attendance_row(group, emhp):
    yesterday = service_today() - timedelta(days=1)
    early = _participants(group)["Early"]
    session = groups.record_session(
        group, held_on=yesterday, topic=None, attended_ids={early.id}, by=emhp
    )
    assert {a.participant_id: a.attended for a in session.attendances} == {early.id: True}


def test_attendance_on_the_day_of_the_referral_is_accepted(group, emhp):
    participants = _participants(group)
    session = groups.record_session(
        group,
        held_on=service_today(),
        topic=None,
        attended_ids={p.id for p in participants.values()},
        by=emhp,
    )
    assert all(a.attended for a in session.attendances)
    assert len(session.attendances) == 2


def test_the_group_form_says_so_on_the_attendance(group, emhp, auth, client):
    yesterday = service_today() - timedelta(days=1)
    late = _participants(group)["Casey"]
    assert auth.sign_in(emhp.email).status_code == 302
    response = auth.post(
        f"/groups/{group.id}/sessions/new",
        {**date_parts("held_on", yesterday), "topic": "", "attended": [str(late.id)]},
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = soup.select_one("#attended-error")
    assert error is not None
    assert "Casey Allocated's referral was received on" in error.get_text()
