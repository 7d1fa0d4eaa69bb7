"""The child's page (all their referrals and one timeline, within the viewer's reach),
corrections of their details with history and the version they were read at, the
referral page's list of the child's other referrals, and what the school's lead is told."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.casework.timeline import timeline
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals import submission as referral_submission
from mhst.referrals.child_models import Child, ChildCorrection
from mhst.referrals.child_records import FIELDS
from mhst.referrals.models import Referral, ReferralSource, ReferralStatus
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended
from tests.conftest import child_details, referral_details

NOTE = "NOTE-MARMOSET slept better this week"


def _contact(referral, practitioner, **recorded) -> CareContact:
    """An assessment session at school yesterday."""
    return CareContact(
        referral=referral,
        practitioner=practitioner,
        starts_at=utcnow() - timedelta(days=1),
        duration_minutes=30,
        stage=ContactStage.ASSESSMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        created_by=practitioner,
        **recorded,
    )


@pytest.fixture
def history(world):
    """Casey Allocated (the world's case at school A2, held by the EMHP, with a note) has
    an earlier referral of her own, discharged, and one from team B's school B1."""
    emhp, lead = world.users[Role.EMHP], world.users[Role.CLINICAL_LEAD]
    case = world.case_a1
    casey = {"given_name": "Casey", "family_name": "Allocated"}
    earlier = referral_submission.submit_referral(
        world.school_a2,
        child_details(**casey),
        referral_details(received_on=case.received_on - timedelta(days=200)),
        by=emhp,
    )
    operations.transition(earlier, ReferralStatus.WITHDRAWN, by=emhp, reason="Moved away")
    elsewhere = referral_submission.submit_referral(
        world.school_b1, child_details(**casey, nhs_number=None), referral_details(), by=lead
    )
    elsewhere.child_id = case.child_id  # merged earlier, say: another team's referral
    db.session.add(
        _contact(
            case,
            emhp,
            attendance=Attendance.ATTENDED,
            who_attended=WhoAttended.CHILD,
            clinical_notes=NOTE,
        )
    )
    db.session.commit()
    assert earlier.child_id == case.child_id  # the same child, found at submission
    return case, earlier, elsewhere


def test_the_page_shows_every_referral_in_reach_and_counts_the_others(world, history, auth, client):
    case, earlier, elsewhere = history
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(f"/children/{case.child_id}").get_data(as_text=True)
    assert case.reference in page
    assert earlier.reference in page
    assert elsewhere.reference not in page
    assert "1 other referral is outside what you can see" in page
    assert "Moved away" in page  # the earlier referral's history is on the one timeline
    assert NOTE in page  # the senior clinician may read the team's cases' notes


def test_notes_only_for_those_who_may_read_the_case(world, history, auth, client, make_user):
    case, _earlier, _elsewhere = history
    other = make_user(Role.EMHP, team=world.team_a, email="other.emhp@test.example")
    auth.sign_in(other.email)
    page = client.get(f"/children/{case.child_id}").get_data(as_text=True)
    assert "Assessment session: attended" in page
    assert NOTE not in page
    auth.sign_out()
    auth.sign_in(world.users[Role.EMHP].email)  # holds the case
    assert NOTE in client.get(f"/children/{case.child_id}").get_data(as_text=True)


def test_the_administrator_sees_the_details_and_no_referral(world, history, auth, client):
    case, earlier, _elsewhere = history
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    page = client.get(f"/children/{case.child_id}").get_data(as_text=True)
    assert "Casey Allocated" in page
    assert case.reference not in page
    assert earlier.reference not in page
    assert "3 other referrals are outside what you can see" in page


def test_another_teams_child_is_404_and_leads_may_not_open_a_child(world, history, auth, client):
    _case, _earlier, _elsewhere = history
    b_child = referral_submission.submit_referral(
        world.school_b1,
        child_details(given_name="Bea"),
        referral_details(),
        by=world.users[Role.CLINICAL_LEAD],
    ).child
    db.session.commit()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert client.get(f"/children/{b_child.id}").status_code == 404
    auth.sign_out()
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    assert client.get(f"/children/{world.referral_a1.child_id}").status_code == 403


def test_opening_the_page_is_an_audited_read(world, history, auth, client):
    case, _earlier, _elsewhere = history
    user = world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(user.email)
    client.get(f"/children/{case.child_id}")
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.user_id == user.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == AuditRecordType.CHILD,
            AuditEvent.record_id == str(case.child_id),
        )
    )


def test_the_referral_page_lists_the_childs_earlier_referrals(world, history, auth, client):
    case, earlier, elsewhere = history
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/referrals/{case.id}").get_data(as_text=True)
    assert "The child's other referrals" in page
    assert earlier.reference in page
    assert elsewhere.reference not in page
    assert "The child has 1 referral you cannot see" in page
    assert f'href="/children/{case.child_id}"' in page


def test_the_lead_is_told_the_child_is_known_and_nothing_more(world, auth, client):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    again = referral_submission.submit_referral(
        world.school_a1, child_details(), referral_details(), by=lead
    )
    db.session.commit()
    assert again.child_id == world.referral_a1.child_id
    auth.sign_in(lead.email)
    page = client.get(f"/referrals/{again.id}/submitted").get_data(as_text=True)
    assert "We already know this child; this referral has been added to their record" in page
    assert world.referral_a1.reference not in page
    lead_page = client.get(f"/referrals/{again.id}").get_data(as_text=True)
    assert world.referral_a1.reference not in lead_page
    assert "/children/" not in lead_page
    first = client.get(f"/referrals/{world.referral_a1.id}/submitted").get_data(as_text=True)
    assert "We already know this child" not in first


# ---- the timeline of several referrals ------------------------------------------------


def test_the_timeline_of_several_referrals_takes_a_fixed_number_of_queries(
    world, make_referral, count_queries
):
    emhp = world.users[Role.EMHP]
    counts = []
    for size in (1, 6):
        referrals = [
            make_referral(world.school_a2, by=emhp, consent=True, child={"given_name": f"Q{size}"})
            for _ in range(size)
        ]
        assert len({referral.child_id for referral in referrals}) == 1  # one child
        for referral in referrals:
            db.session.add(_contact(referral, emhp))
        db.session.commit()
        db.session.expire_all()
        ids = [referral.id for referral in referrals]
        referrals = db.session.scalars(select(Referral).where(Referral.id.in_(ids))).all()
        before = len(count_queries())
        entries = timeline(referrals, include_notes={ids[0]})
        counts.append(len(count_queries()) - before)
        assert {entry.referral_id for entry in entries} == {r.id for r in referrals}
        assert len([e for e in entries if e.kind == "session"]) == size
    assert counts[0] == counts[1], counts


# ---- corrections ----------------------------------------------------------------------


def _correction(child: Child, **changes) -> dict:
    data = {
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth-day": str(child.date_of_birth.day),
        "date_of_birth-month": str(child.date_of_birth.month),
        "date_of_birth-year": str(child.date_of_birth.year),
        "nhs_number": child.nhs_number or "",
        "gender": child.gender.value,
        "ethnicity": child.ethnicity.value if child.ethnicity else "",
        "school_id": str(child.school_id),
        "year_group": child.year_group.value,
        "parent_carer_name": child.parent_carer_name or "",
        "parent_carer_relationship": child.parent_carer_relationship or "",
        "parent_carer_phone": child.parent_carer_phone or "",
        "parent_carer_email": child.parent_carer_email or "",
        "version": str(child.version),
        "reason": "The mother phoned with her new number",
    }
    return {**data, **changes}


def test_a_correction_keeps_who_when_why_and_the_old_and_new_values(world, auth, client):
    child = world.referral_a1.child
    user = world.users[Role.EMHP]
    auth.sign_in(user.email)
    form = client.get(f"/children/{child.id}/correct").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{child.version}"' in form
    response = auth.post(
        f"/children/{child.id}/correct",
        _correction(child, parent_carer_phone="01632 960123", nhs_number="943 476 5919"),
    )
    assert response.status_code == 302
    stored = db.session.get(Child, child.id)
    assert (stored.parent_carer_phone, stored.nhs_number) == ("01632 960123", "9434765919")
    correction = db.session.scalars(
        select(ChildCorrection).where(ChildCorrection.child_id == child.id)
    ).one()
    assert (correction.corrected_by, correction.reason) == (
        user,
        "The mother phoned with her new number",
    )
    assert {(v.field, v.old_value, v.new_value) for v in correction.values} == {
        ("parent_carer_phone", "01632 960000", "01632 960123"),
        ("nhs_number", None, "943 476 5919"),
    }
    page = client.get(f"/children/{child.id}").get_data(as_text=True)
    assert "Parent or carer&#39;s phone number: 01632 960000 to 01632 960123" in page
    assert "NHS number: blank to 943 476 5919" in page
    assert "The mother phoned with her new number" in page


def test_a_correction_on_a_stale_version_is_refused_and_the_first_kept(world, auth):
    child = world.referral_a1.child
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    stale = _correction(child, parent_carer_phone="01632 960222")
    first = auth.post(
        f"/children/{child.id}/correct", _correction(child, parent_carer_phone="01632 960111")
    )
    assert first.status_code == 302
    second = auth.post(f"/children/{child.id}/correct", stale)
    assert second.status_code == 400
    text = second.get_data(as_text=True)
    assert "Someone else changed this record while you were editing it" in text
    assert "01632 960111" in text  # what was saved
    assert db.session.get(Child, child.id).parent_carer_phone == "01632 960111"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "Enter why you are correcting them"),
        ({}, "Nothing has changed"),
        ({"nhs_number": "943 476 5918", "given_name": "Al"}, "Enter a valid NHS number"),
        ({"given_name": ""}, "Enter the child&#39;s first name"),
    ],
)
def test_a_correction_is_refused_with_a_clear_message(changes, message, world, auth):
    child = world.referral_a1.child
    auth.sign_in(world.users[Role.EMHP].email)
    response = auth.post(f"/children/{child.id}/correct", _correction(child, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.get(Child, child.id).given_name == "Alex"


def test_corrections_are_for_staff_within_reach(world, auth, client, make_referral):
    b_child = make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD]).child
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get(f"/children/{b_child.id}/correct").status_code == 404
    auth.sign_out()
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    assert client.get(f"/children/{world.referral_a1.child_id}/correct").status_code == 403


def test_staff_see_the_possible_duplicate_flag_on_both_records(world, auth, client):
    emhp = world.users[Role.EMHP]
    first = referral_submission.submit_referral(
        world.school_a1,
        child_details(given_name="Nia", nhs_number="9434765919"),
        referral_details(),
        by=emhp,
    )
    second = referral_submission.submit_referral(
        world.school_a1,
        child_details(given_name="Noor", nhs_number="9434765919"),
        referral_details(),
        by=emhp,
    )
    db.session.commit()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    for referral in (first, second):
        page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
        assert "Possible duplicate record" in page
        child_page = client.get(f"/children/{referral.child_id}").get_data(as_text=True)
        assert "Possible duplicate record" in child_page
    page = client.get(f"/children/{first.child_id}").get_data(as_text=True)
    assert f"/children/{first.child_id}/merge/{second.child_id}" in page
    assert "Possible duplicate record" not in client.get(
        f"/referrals/{world.referral_a1.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize("corrected", ["first", "second"])
def test_correcting_the_wrong_nhs_number_ends_the_possible_duplicate_flag(corrected, world):
    from mhst.children.operations import Details, correct_details

    emhp = world.users[Role.EMHP]
    first, second = (
        referral_submission.submit_referral(
            world.school_a1,
            child_details(given_name=name, nhs_number="9434765919"),
            referral_details(),
            by=emhp,
        ).child
        for name in ("Nia", "Noor")
    )
    db.session.flush()
    assert second.possible_duplicate_of_id == first.id
    child = first if corrected == "first" else second
    details = Details(**{**_details_of(child), "nhs_number": "9434765870"})
    correct_details(child, details, by=emhp, reason="Mistyped", read_version=child.version)
    db.session.flush()
    assert db.session.get(Child, second.id).possible_duplicate_of_id is None


def _details_of(child: Child) -> dict:
    return {name: getattr(child, name) for name in FIELDS}  # the correctable details


def test_the_lead_is_not_told_of_a_referral_that_is_the_teams_to_know(world, auth, client):
    """A self-referral is confidential to the team: a school's later referral of the child
    is linked to the record, but the lead is not told the child was known."""
    emhp, lead = world.users[Role.EMHP], world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    own = child_details(given_name="Kit")
    referral_submission.submit_referral(
        world.school_a1,
        own,
        referral_details(source=ReferralSource.SELF_REFERRAL_ONLINE, referrer_name="Kit"),
        by=emhp,
    )
    from_school = referral_submission.submit_referral(
        world.school_a1, own, referral_details(), by=lead
    )
    db.session.commit()
    auth.sign_in(lead.email)
    page = client.get(f"/referrals/{from_school.id}/submitted").get_data(as_text=True)
    assert "We already know this child" not in page
    auth.sign_out()
    auth.sign_in(emhp.email)  # the team knows
    assert len(from_school.child.referrals) == 2
    page = client.get(f"/referrals/{from_school.id}/submitted").get_data(as_text=True)
    assert "We already know this child" in page
