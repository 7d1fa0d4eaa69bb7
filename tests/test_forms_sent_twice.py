"""A create form sent twice (a double click, a page sent again) makes one record and
lands on it with a message: supervision records, outcome measures, whole-school
activities and cohorts. (Referrals, consent, allocation and discharge:
tests/test_transition_refusals.py; at the same moment: tests/concurrency/.)"""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.cohorts.models import Cohort
from mhst.core.submissions import REPEATED_MESSAGE
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.supervision.models import SupervisionRecord
from mhst.wholeschool.models import WholeSchoolActivity
from tests.test_cohorts import form_data
from tests.test_measure_pages import date_parts, new_url
from tests.test_measure_recording import open_case
from tests.test_supervision import case_form
from tests.test_triage import text_of
from tests.test_whole_school import activity_data

TOKEN = "6fa459ea-ee8a-3ca4-894e-db77e160355e"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def sent_twice(auth, client, url: str, data: dict) -> str:
    """POST the same form twice; both are sent on, the second with the message. Returns
    where the second went."""
    first, second = auth.post(url, data), auth.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert REPEATED_MESSAGE in text_of(client.get(second.headers["Location"]))
    return second.headers["Location"]


def test_a_supervision_sent_twice_is_recorded_once(world, auth, client):
    emhp = world.users[Role.EMHP]
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    before = count(SupervisionRecord)
    data = {
        **case_form(world, (world.case_a1, True, "Continue; add a sleep diary.")),
        "submission_token": TOKEN,
    }
    landed = sent_twice(auth, client, f"/supervision/new?practitioner={emhp.id}", data)
    made = db.session.scalars(
        select(SupervisionRecord).order_by(SupervisionRecord.id.desc())
    ).first()
    assert landed == f"/supervision/{made.id}"
    assert count(SupervisionRecord) == before + 1


def test_a_measure_sent_twice_is_recorded_once(world, auth, client, make_referral):
    case = open_case(world, make_referral)
    auth.sign_in(world.users[Role.EMHP].email)
    data = {
        **date_parts(service_today()),
        "respondent": "child",
        "care_contact_id": "",
        "scale_1": "4",
        "submission_token": TOKEN,
    }
    landed = sent_twice(auth, client, new_url(case.id, measure="GBO", method="totals"), data)
    made = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    assert landed == f"/casework/cases/{case.id}/measures/{made.id}"


def test_a_whole_school_activity_sent_twice_is_logged_once(world, auth, client):
    school = world.school_a1
    auth.sign_in(world.users[Role.EMHP].email)
    before = count(WholeSchoolActivity, WholeSchoolActivity.school_id == school.id)
    data = {**activity_data(), "submission_token": TOKEN}
    landed = sent_twice(auth, client, f"/schools/{school.id}/activities/new", data)
    assert landed == f"/schools/{school.id}/activities"
    assert count(WholeSchoolActivity, WholeSchoolActivity.school_id == school.id) == before + 1


def test_a_cohort_sent_twice_is_added_once(world, auth, client):
    auth.sign_in("admin@test.example")
    data = {**form_data(world, name="Cohort Twice"), "submission_token": TOKEN}
    landed = sent_twice(auth, client, "/cohorts/new", data)
    made = db.session.scalars(select(Cohort).where(Cohort.name == "Cohort Twice")).one()
    assert landed == f"/cohorts/{made.id}"
