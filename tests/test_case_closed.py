"""Closing a case cancels its booked sessions with a reason of their own ("cancelled: case
closed"), left out of the contact figures and the national extract; withdrawing consent
keeps its own reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.extract.contact_files import care_contact_rows
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations as referrals
from mhst.referrals.models import ReferralStatus
from mhst.reports.contact_figures import contact_sections
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance, CareContact
from tests.test_care_contacts import add_contact, at, log_data, sessions_url, text_of


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def booked(world, emhp):
    """case_a1's sessions: the world's booked one in a week, another in two weeks, and
    one yesterday that was never logged (not in the future: left as it is)."""
    case = world.case_a1
    later = add_contact(case, emhp, utcnow() + timedelta(days=14))
    past = add_contact(case, emhp, utcnow() - timedelta(days=1))
    db.session.commit()
    return {"week": world.contact_a1, "fortnight": later, "past": past}


def _reload(contact: CareContact) -> CareContact:
    db.session.refresh(contact)
    return contact


def test_discharge_cancels_the_bookings_as_case_closed(world, emhp, booked):
    casework.discharge(
        world.case_a1, by=emhp, reason=DischargeReason.GOALS_MET, summary="Goals met."
    )
    for name in ("week", "fortnight"):
        contact = _reload(booked[name])
        assert contact.attendance is Attendance.CASE_CLOSED
        assert contact.attendance.label == "Cancelled: case closed"
        assert contact.cancellation_reason == "Discharged: Goals met"
    assert _reload(booked["past"]).attendance is None


def test_stepping_up_an_open_case_cancels_its_bookings_as_case_closed(world, booked):
    senior = world.users[Role.SENIOR_CLINICIAN]
    referrals.transition(
        world.case_a1, ReferralStatus.STEPPED_UP, by=senior, reason="To CAMHS: risk grew"
    )
    contact = _reload(booked["week"])
    assert contact.attendance is Attendance.CASE_CLOSED
    assert contact.cancellation_reason == "To CAMHS: risk grew"


def test_withdrawing_consent_keeps_its_own_reason(world, emhp, booked):
    case = world.case_a1
    referral_consent.withdraw_consent(case, case.consents[0], by=emhp, reason="Family moved away")
    assert case.status is ReferralStatus.WITHDRAWN
    for name in ("week", "fortnight"):
        contact = _reload(booked[name])
        assert contact.attendance is Attendance.CANCELLED_BY_SERVICE
        assert contact.cancellation_reason == "Consent withdrawn: Family moved away"


def test_case_closed_is_the_services_own_never_a_practitioners(world, emhp, booked, auth, client):
    contact = add_contact(world.case_a1, emhp, utcnow() - timedelta(hours=3))
    with pytest.raises(RuleError, match="Select what happened at the session") as refused:
        sessions.record_outcome(contact, sessions.OutcomeDetails("case_closed"), by=emhp)
    assert refused.value.field == "attendance"
    db.session.commit()
    assert auth.sign_in(emhp.email).status_code == 302
    for page in (
        f"{sessions_url(world.case_a1)}/log",
        f"{sessions_url(world.case_a1)}/{contact.id}",
    ):
        html = client.get(page).get_data(as_text=True)
        assert 'value="did_not_attend"' in html
        assert 'value="case_closed"' not in html
    response = auth.post(
        f"{sessions_url(world.case_a1)}/log",
        log_data(attendance="case_closed", new_risk="no"),
    )
    assert response.status_code == 400
    assert "Select what happened at the session" in text_of(response)


# ---- left out of the figures and the extract ----------------------------------------------


@pytest.fixture
def two_past_sessions(world, emhp):
    """Yesterday: one session the child did not attend, one cancelled as case closed."""
    case, yesterday = world.case_a1, service_today() - timedelta(days=1)
    missed = add_contact(case, emhp, at(yesterday, 10), attendance=Attendance.DID_NOT_ATTEND)
    closed = add_contact(case, emhp, at(yesterday, 13), attendance=Attendance.CASE_CLOSED)
    db.session.commit()
    return missed, closed


def test_the_contact_figures_leave_case_closed_out(world, two_past_sessions):
    yesterday = service_today() - timedelta(days=1)
    filters = ReportFilters(date_from=yesterday, date_to=yesterday)
    sections = contact_sections(filters, ReportAccess(None, False), service_today())
    by_attendance = {row[0]: row[1].value for row in sections[0].rows}
    assert "Cancelled: case closed" not in by_attendance
    assert by_attendance["Did not attend"] == 1
    assert sum(by_attendance.values()) == 1


def test_the_national_extract_leaves_case_closed_out(world, two_past_sessions):
    missed, closed = two_past_sessions
    yesterday = service_today() - timedelta(days=1)
    rows = care_contact_rows(Period(yesterday, yesterday), Pseudonymiser("test-key")).rows
    codes = [row for row in rows if "did_not_attend" in row or "case_closed" in row]
    assert [("case_closed" in row, "did_not_attend" in row) for row in codes] == [(False, True)]
    stored = db.session.scalars(
        select(CareContact.attendance).where(CareContact.id.in_([missed.id, closed.id]))
    ).all()
    assert set(stored) == {Attendance.DID_NOT_ATTEND, Attendance.CASE_CLOSED}
