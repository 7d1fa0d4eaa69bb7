"""1:1 sessions (care contacts): booking, logging, recording what happened, the consent
gate, who may see a case's sessions and notes, and bad input.

(``tests/test_sessions.py`` is about sign-in sessions.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.organisation.term_dates import school_day_after
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Referral, ReferralEvent, ReferralStatus
from mhst.referrals.operations import ConsentRequired
from mhst.schools.models import ParticipationStatus, School, SchoolRoom
from mhst.sessions import operations as sessions
from mhst.sessions.change_models import ChangeKind, SessionChange
from mhst.sessions.models import (
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    Pathway,
    WhoAttended,
)
from tests.audit_reads import named_ids
from tests.conftest import school_day

NOTE = "NOTE-PANGOLIN talked through the worry ladder"
RISK = "RISK-AXOLOTL no new self-harm; safety plan reviewed"


# ---- helpers --------------------------------------------------------------------------


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def links(response) -> dict[str, str]:
    return {
        " ".join(a.get_text(" ", strip=True).split()): a["href"]
        for a in soup_of(response).select("main a[href]")
    }


def open_case(
    world,
    make_referral,
    *,
    school=None,
    by=None,
    practitioner=None,
    days_ago: int = 60,
    child: dict | None = None,
) -> Referral:
    """A consented referral received ``days_ago`` days ago, accepted and allocated to
    ``practitioner`` (the EMHP unless given), through the domain's own steps."""
    school = school or world.school_a2
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    senior = world.users[Role.SENIOR_CLINICIAN]
    referral = make_referral(
        school,
        by=by or world.users[Role.EMHP],
        consent=True,
        child=child or {"given_name": "Robin", "family_name": "Invented"},
        received_on=service_today() - timedelta(days=days_ago),
    )
    operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
    operations.transition(referral, ReferralStatus.ALLOCATED, by=senior)
    db.session.add(
        Allocation(
            referral=referral,
            practitioner=practitioner or world.users[Role.EMHP],
            allocated_by=senior,
        )
    )
    db.session.commit()
    return referral


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock time as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIME_ZONE)


def room_12(school_name: str = "School A2") -> int:
    """The id of the world's "Room 12" at a school (open_case's school by default)."""
    return db.session.scalar(select(SchoolRoom.id).join(School).where(School.name == school_name))


def details(**changes) -> sessions.SessionDetails:
    values = {
        "starts_at": at(school_day(8), 14, 30),
        "duration_minutes": 45,
        "stage": ContactStage.ASSESSMENT,
        "mode": ContactMode.FACE_TO_FACE_SCHOOL,
        "location": "Room 12",
        "room_id": room_12(),
    }
    return sessions.SessionDetails(**{**values, **changes})


def logged(**changes) -> sessions.SessionDetails:
    values = {
        "starts_at": at(service_today() - timedelta(days=1), 10),
        "attendance": Attendance.ATTENDED,
        "who_attended": WhoAttended.CHILD,
        "clinical_notes": NOTE,
        "risk_update": RISK,
        "pathway": Pathway.GUIDED_SELF_HELP_ANXIETY,
    }
    return details(**{**values, **changes})


def date_parts(name: str, value: date) -> dict[str, str]:
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }


def book_data(**changes) -> dict:
    data = {
        **date_parts("session_date", school_day(8)),
        "start_time": "14:30",
        "duration_minutes": "45",
        "stage": "assessment",
        "mode": "face_to_face_school",
        "location": "Room 12",
        "room_id": str(room_12()),
        "pathway": "",
    }
    return {**data, **changes}


def log_data(**changes) -> dict:
    data = {
        **book_data(),
        **date_parts("session_date", service_today() - timedelta(days=1)),
        "start_time": "10:00",
        "attendance": "attended",
        "who_attended": "child",
        "clinical_notes": NOTE,
        "new_risk": "no",
        "risk_update": RISK,
        "pathway": "guided_self_help_anxiety",
    }
    return {**data, **changes}


def contacts_of(referral) -> list[CareContact]:
    return list(
        db.session.scalars(
            select(CareContact)
            .where(CareContact.referral_id == referral.id)
            .order_by(CareContact.starts_at)
        )
    )


def status_of(referral) -> ReferralStatus:
    return db.session.scalar(select(Referral.status).where(Referral.id == referral.id))


def audit_of(record_type: str, action: AuditAction) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == record_type, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


def add_contact(referral, practitioner, starts_at, **fields) -> CareContact:
    """A session stored directly (a later state, or one the rules would now refuse)."""
    values = {
        "duration_minutes": 45,
        "stage": ContactStage.TREATMENT,
        "mode": ContactMode.FACE_TO_FACE_SCHOOL,
        "location": "Room 12",
    }
    contact = CareContact(
        referral=referral,
        practitioner=practitioner,
        starts_at=starts_at,
        created_by=practitioner,
        **{**values, **fields},
    )
    db.session.add(contact)
    db.session.commit()
    return contact


def sessions_url(referral) -> str:
    return f"/casework/cases/{referral.id}/sessions"


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def case(world, make_referral):
    return open_case(world, make_referral)


@pytest.fixture
def signed_in(world, auth, emhp):
    assert auth.sign_in(emhp.email).status_code == 302
    return emhp


# ---- the rules, without HTTP ----------------------------------------------------------


def test_booking_a_session_plans_it_ahead_and_audits_it(case, emhp):
    contact = sessions.book_session(case, details(), by=emhp)
    db.session.commit()
    [stored] = contacts_of(case)
    assert stored.id == contact.id
    assert stored.planned
    assert stored.practitioner_id == emhp.id
    assert stored.starts_at == at(school_day(8), 14, 30)
    assert stored.starts_at.tzinfo is not None
    assert (stored.stage, stored.mode, stored.location) == (
        ContactStage.ASSESSMENT,
        ContactMode.FACE_TO_FACE_SCHOOL,
        "Room 12",
    )
    assert stored.clinical_notes is None
    assert status_of(case) is ReferralStatus.ALLOCATED  # a booking is not treatment
    [event] = audit_of("care_contact", AuditAction.CREATE)
    assert event.record_id == str(contact.id)
    assert event.user_id == emhp.id
    assert "booked" in event.detail


def test_logging_the_first_attended_session_starts_treatment(case, emhp):
    contact = sessions.log_session(case, logged(), by=emhp)
    db.session.commit()
    stored = db.session.get(CareContact, contact.id)
    assert stored.attendance is Attendance.ATTENDED
    assert stored.who_attended is WhoAttended.CHILD
    assert stored.clinical_notes == NOTE
    assert stored.risk_update == RISK
    assert stored.pathway is Pathway.GUIDED_SELF_HELP_ANXIETY
    assert status_of(case) is ReferralStatus.IN_TREATMENT
    last = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == case.id)
        .order_by(ReferralEvent.id.desc())
    ).first()
    assert (last.from_status, last.to_status) == (
        ReferralStatus.ALLOCATED,
        ReferralStatus.IN_TREATMENT,
    )
    assert last.reason == "First session attended (assessment)"
    assert [e.record_id for e in audit_of("care_contact", AuditAction.CREATE)] == [str(contact.id)]
    # A second attended session does not move it again.
    sessions.log_session(
        case, logged(starts_at=at(service_today() - timedelta(days=1), 12)), by=emhp
    )
    db.session.commit()
    assert status_of(case) is ReferralStatus.IN_TREATMENT
    events = db.session.scalar(
        select(func.count()).select_from(ReferralEvent).where(ReferralEvent.referral_id == case.id)
    )
    assert events == 6  # submitted, awaiting consent, ready, accepted, allocated, treatment


def test_a_missed_session_does_not_start_treatment(case, emhp):
    contact = sessions.log_session(
        case, logged(attendance=Attendance.DID_NOT_ATTEND, who_attended=WhoAttended.CHILD), by=emhp
    )
    db.session.commit()
    assert contact.attendance is Attendance.DID_NOT_ATTEND
    assert contact.who_attended is None  # nobody attended
    assert status_of(case) is ReferralStatus.ALLOCATED


def test_a_session_with_only_the_parent_is_a_proxy_contact(case, emhp):
    contact = sessions.log_session(
        case,
        logged(who_attended=WhoAttended.PARENT_CARER, pathway=Pathway.PARENT_LED_CBT_ANXIETY),
        by=emhp,
    )
    db.session.commit()
    stored = db.session.get(CareContact, contact.id)
    assert stored.who_attended is WhoAttended.PARENT_CARER
    assert status_of(case) is ReferralStatus.IN_TREATMENT


def test_recording_what_happened_at_a_booked_session(case, emhp):
    planned = add_contact(case, emhp, utcnow() - timedelta(hours=2), stage=ContactStage.ASSESSMENT)
    sessions.record_outcome(
        planned,
        sessions.OutcomeDetails(Attendance.ATTENDED, WhoAttended.BOTH, NOTE, None),
        by=emhp,
    )
    db.session.commit()
    stored = db.session.get(CareContact, planned.id)
    assert (stored.attendance, stored.who_attended, stored.clinical_notes) == (
        Attendance.ATTENDED,
        WhoAttended.BOTH,
        NOTE,
    )
    assert stored.updated_at is not None
    assert status_of(case) is ReferralStatus.IN_TREATMENT
    [event] = audit_of("care_contact", AuditAction.UPDATE)
    assert event.record_id == str(planned.id)
    assert "outcome recorded" in event.detail


def test_a_session_that_has_not_started_can_only_be_cancelled(case, emhp):
    planned = add_contact(case, emhp, utcnow() + timedelta(days=3))
    with pytest.raises(RuleError) as refused:
        sessions.record_outcome(
            planned, sessions.OutcomeDetails(Attendance.ATTENDED, WhoAttended.CHILD), by=emhp
        )
    assert refused.value.field == "attendance"
    assert "until then you can only record that it was cancelled" in refused.value.message
    db.session.rollback()
    assert db.session.get(CareContact, planned.id).planned
    # A cancellation needs a reason, kept in the session's history.
    with pytest.raises(RuleError, match="Enter why you are making this cancellation"):
        sessions.record_outcome(
            planned, sessions.OutcomeDetails(Attendance.CANCELLED_BY_FAMILY), by=emhp
        )
    db.session.rollback()
    sessions.record_outcome(
        planned,
        sessions.OutcomeDetails(Attendance.CANCELLED_BY_FAMILY, reason="Robin is ill"),
        by=emhp,
    )
    db.session.commit()
    stored = db.session.get(CareContact, planned.id)
    assert stored.attendance is Attendance.CANCELLED_BY_FAMILY
    assert stored.cancellation_reason == "Robin is ill"
    [change] = db.session.scalars(
        select(SessionChange).where(SessionChange.care_contact_id == planned.id)
    ).all()
    assert (change.kind, change.reason, change.to_value) == (
        ChangeKind.CANCELLED,
        "Robin is ill",
        "Cancelled by the family",
    )


@pytest.mark.parametrize("logging", [False, True])
def test_no_session_after_consent_is_withdrawn(case, emhp, logging):
    referral_consent.withdraw_consent(case, case.consents[0], by=emhp, reason="Family moved away")
    db.session.commit()
    operation = sessions.log_session if logging else sessions.book_session
    with pytest.raises(ConsentRequired) as refused:
        operation(case, logged() if logging else details(), by=emhp)
    assert "Consent was withdrawn" in refused.value.message
    db.session.rollback()
    assert contacts_of(case) == []


@pytest.mark.parametrize("logging", [False, True])
def test_no_session_for_a_referral_never_consented_even_if_allocated(
    world, make_referral, emhp, logging
):
    world.school_a2.participation_status = ParticipationStatus.ACTIVE
    referral = make_referral(world.school_a2, by=emhp, consent=False)
    referral.status = ReferralStatus.ALLOCATED  # as a bug or a script might leave it
    db.session.add(
        Allocation(
            referral=referral, practitioner=emhp, allocated_by=world.users[Role.SENIOR_CLINICIAN]
        )
    )
    db.session.commit()
    operation = sessions.log_session if logging else sessions.book_session
    with pytest.raises(ConsentRequired) as refused:
        operation(referral, logged() if logging else details(), by=emhp)
    assert "Record valid consent first" in refused.value.message
    db.session.rollback()
    assert contacts_of(referral) == []
    assert status_of(referral) is ReferralStatus.ALLOCATED


def test_withdrawing_consent_cancels_planned_sessions(case, emhp):
    past = sessions.log_session(case, logged(), by=emhp)
    first = sessions.book_session(case, details(), by=emhp)
    second = sessions.book_session(case, details(starts_at=at(school_day(15), 9)), by=emhp)
    db.session.commit()
    referral_consent.withdraw_consent(
        case, case.consents[0], by=emhp, reason="Mother phoned: no more sessions"
    )
    db.session.commit()
    for planned in (first, second):
        stored = db.session.get(CareContact, planned.id)
        assert stored.attendance is Attendance.CANCELLED_BY_SERVICE
        assert stored.cancellation_reason == "Consent withdrawn: Mother phoned: no more sessions"
    assert db.session.get(CareContact, past.id).attendance is Attendance.ATTENDED
    assert status_of(case) is ReferralStatus.WITHDRAWN
    updates = [e.record_id for e in audit_of("care_contact", AuditAction.UPDATE)]
    assert sorted(updates) == sorted([str(first.id), str(second.id)])


def test_cancel_planned_sessions_counts_only_future_planned_ones(case, emhp):
    sessions.book_session(case, details(), by=emhp)
    add_contact(case, emhp, utcnow() - timedelta(hours=3))  # started: left to record
    db.session.commit()
    assert sessions.cancel_planned_sessions(case, by=emhp, reason="Service closed") == 1
    assert sessions.cancel_planned_sessions(case, by=emhp, reason="Again") == 0


def test_no_session_on_a_discharged_case(case, emhp, world):
    operations.transition(case, ReferralStatus.DISCHARGED, by=world.users[Role.SENIOR_CLINICIAN])
    db.session.commit()
    for operation, values in ((sessions.book_session, details()), (sessions.log_session, logged())):
        with pytest.raises(RuleError) as refused:
            operation(case, values, by=emhp)
        assert refused.value.field == "session_date"
        assert "This case is discharged" in refused.value.message
        db.session.rollback()
    assert contacts_of(case) == []


def test_no_session_before_the_case_is_allocated(world, make_referral, emhp):
    waiting = make_referral(world.school_a2, by=emhp, consent=True)  # ready for triage
    with pytest.raises(RuleError) as refused:
        sessions.book_session(waiting, details(), by=emhp)
    assert "only once the case is allocated" in refused.value.message


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", "at least 1 minute"),
        ({"duration_minutes": -30}, "duration_minutes", "at least 1 minute"),
        ({"duration_minutes": 481}, "duration_minutes", "480 minutes (8 hours) or fewer"),
        ({"duration_minutes": None}, "duration_minutes", "Enter how long"),
        ({"stage": "bogus"}, "stage", "Select the stage"),
        ({"mode": "carrier_pigeon"}, "mode", "Select how the session is held"),
        ({"pathway": "bogus"}, "pathway", "Select the pathway from the list"),
        (
            {"location": "", "mode": ContactMode.FACE_TO_FACE_ELSEWHERE},
            "location",
            "Enter where the session will be",
        ),
        (
            {"location": "x" * 201, "mode": ContactMode.FACE_TO_FACE_ELSEWHERE},
            "location",
            "200 characters or fewer",
        ),
        ({"room_id": None}, "room_id", "Select the room in school"),
        ({"room_id": "nonsense"}, "room_id", "Select a room from the list"),
        ({"starts_at": utcnow() - timedelta(minutes=5)}, "session_date", "must be in the future"),
        (
            {"starts_at": utcnow() + timedelta(days=366)},
            "session_date",
            "up to a year ahead",
        ),
    ],
)
def test_booking_refuses_bad_details(case, emhp, changes, field, message):
    with pytest.raises(RuleError) as refused:
        sessions.book_session(case, details(**changes), by=emhp)
    assert refused.value.field == field
    assert message in refused.value.message
    db.session.rollback()
    assert contacts_of(case) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"attendance": None}, "attendance", "Select what happened"),
        ({"attendance": "bogus"}, "attendance", "Select what happened"),
        ({"who_attended": None}, "who_attended", "Select who attended"),
        ({"who_attended": "the_dog"}, "who_attended", "Select who attended"),
        ({"clinical_notes": "x" * 10_001}, "clinical_notes", "10,000 characters or fewer"),
        ({"risk_update": "x" * 10_001}, "risk_update", "10,000 characters or fewer"),
        ({"starts_at": utcnow() + timedelta(hours=1)}, "session_date", "already started"),
        (
            {"starts_at": at(service_today() - timedelta(days=61), 10)},
            "session_date",
            "on or after the date the referral was received",
        ),
    ],
)
def test_logging_refuses_bad_details(case, emhp, changes, field, message):
    with pytest.raises(RuleError) as refused:
        sessions.log_session(case, logged(**changes), by=emhp)
    assert refused.value.field == field
    assert message in refused.value.message
    db.session.rollback()
    assert contacts_of(case) == []
    assert status_of(case) is ReferralStatus.ALLOCATED


def test_a_practitioner_cannot_be_in_two_sessions_at_once(case, world, make_referral, emhp):
    other_case = open_case(world, make_referral, child={"given_name": "Kit"})
    sessions.book_session(case, details(), by=emhp)  # 14:30 to 15:15
    db.session.commit()
    for starts in ((14, 0), (14, 45), (15, 14), (14, 30)):
        with pytest.raises(RuleError) as refused:
            sessions.book_session(
                other_case,
                details(starts_at=at(school_day(8), *starts)),
                by=emhp,
            )
        assert refused.value.field == "start_time"
        assert "You already have a session from 14:30 to 15:15" in refused.value.message
        db.session.rollback()
    # Back to back is fine, and so is a slot whose session was cancelled.
    sessions.book_session(other_case, details(starts_at=at(school_day(8), 15, 15)), by=emhp)
    sessions.book_session(other_case, details(starts_at=at(school_day(8), 13, 45)), by=emhp)
    db.session.commit()
    assert len(contacts_of(other_case)) == 2
    sessions.cancel_planned_sessions(case, by=emhp, reason="Practitioner ill")
    sessions.book_session(other_case, details(), by=emhp)
    db.session.commit()
    assert len(contacts_of(other_case)) == 3
    # Another practitioner may see a child at the same time.
    senior = world.users[Role.SENIOR_CLINICIAN]
    sessions.book_session(case, details(mode=ContactMode.VIDEO), by=senior)
    db.session.commit()


def test_remote_sessions_need_no_place(case, emhp):
    contact = sessions.book_session(
        case, details(mode=ContactMode.VIDEO, location="School A2"), by=emhp
    )
    db.session.commit()
    assert contact.location is None


# ---- the pages ------------------------------------------------------------------------


def test_booking_through_the_page_in_uk_time(case, signed_in, client, auth):
    form = client.get(f"{sessions_url(case)}/book")
    assert form.status_code == 200
    soup = soup_of(form)
    # The usual answers are filled in: only the date and time need typing.
    assert soup.select_one("#duration_minutes")["value"] == "45"
    assert soup.select_one("#location")["value"] == "School A2"
    assert soup.select_one("input[name=stage][value=assessment]").has_attr("checked")
    assert soup.select_one("input[name=mode][value=face_to_face_school]").has_attr("checked")
    today = service_today()
    # A day in British Summer Time, at least 8 days and less than a year ahead.
    summer = next(
        today + timedelta(days=n)
        for n in range(8, 360)
        if (today + timedelta(days=n)).month in (6, 7)
        and school_day_after(today + timedelta(days=n)) == today + timedelta(days=n)
    )
    response = auth.post(
        f"{sessions_url(case)}/book", book_data(**date_parts("session_date", summer))
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{sessions_url(case)}#session-")
    [contact] = contacts_of(case)
    # 14:30 in British Summer Time is 13:30 UTC.
    assert contact.starts_at.astimezone(UTC).time() == time(13, 30)
    assert contact.planned
    page = client.get(sessions_url(case))
    assert f"Session on {summer:%A} {summer.day} {summer:%B %Y} at 14:30 booked" in text_of(page)
    row = [td.get_text(" ", strip=True) for td in soup_of(page).select("table tbody tr td")]
    assert row[:5] == [
        f"{summer.day} {summer:%B %Y}",
        "14:30 (45 minutes)",
        "Room 12",
        "Assessment",
        "Face to face in school",
    ]
    assert "Record a cancellation" in row[-1]


def test_logging_through_the_page_starts_treatment(case, signed_in, client, auth):
    form = client.get(f"{sessions_url(case)}/log")
    today = service_today()
    soup = soup_of(form)
    assert soup.select_one("#session_date")["value"] == str(today.day)  # today, to save typing
    response = auth.post(f"{sessions_url(case)}/log", log_data())
    assert response.status_code == 302
    [contact] = contacts_of(case)
    assert (contact.attendance, contact.who_attended) == (Attendance.ATTENDED, WhoAttended.CHILD)
    assert contact.clinical_notes == NOTE
    assert status_of(case) is ReferralStatus.IN_TREATMENT
    page = client.get(sessions_url(case))
    text = text_of(page)
    assert NOTE in text
    assert RISK in text
    assert "Guided self-help for anxiety" in text
    assert "Change what happened" in " ".join(links(page))
    # The next session defaults to treatment, on the same pathway.
    soup = soup_of(client.get(f"{sessions_url(case)}/book"))
    assert soup.select_one("input[name=stage][value=treatment]").has_attr("checked")
    assert soup.select_one("#pathway option[selected]")["value"] == "guided_self_help_anxiety"


def test_logging_a_proxy_contact_through_the_page(case, signed_in, client, auth):
    response = auth.post(
        f"{sessions_url(case)}/log",
        log_data(who_attended="parent_carer", pathway="parent_led_cbt_anxiety"),
    )
    assert response.status_code == 302
    [contact] = contacts_of(case)
    assert contact.who_attended is WhoAttended.PARENT_CARER
    assert "Parent or carer only" in text_of(client.get(sessions_url(case)))


def test_recording_what_happened_through_the_page(case, signed_in, emhp, client, auth):
    planned = add_contact(case, emhp, utcnow() - timedelta(hours=1), stage=ContactStage.ASSESSMENT)
    page = client.get(sessions_url(case))
    url = f"{sessions_url(case)}/{planned.id}"
    found = {text: href for text, href in links(page).items() if href == url}
    assert [text.split(" on ")[0] for text in found] == ["Record what happened"]
    form = client.get(url)
    assert form.status_code == 200
    assert soup_of(form).h1.get_text(strip=True) == "Record what happened"
    response = auth.post(
        url,
        {
            "attendance": "attended",
            "who_attended": "both",
            "clinical_notes": NOTE,
            "new_risk": "no",
        },
    )
    assert response.status_code == 302
    stored = db.session.get(CareContact, planned.id)
    assert (stored.attendance, stored.who_attended) == (Attendance.ATTENDED, WhoAttended.BOTH)
    assert status_of(case) is ReferralStatus.IN_TREATMENT
    # Recorded: what happened is now corrected with a reason, on its own page.
    assert client.get(url).headers["Location"] == f"{url}/attendance"
    assert soup_of(client.get(f"{url}/attendance")).h1.get_text(strip=True) == (
        "Change what happened"
    )


def test_a_future_session_can_be_marked_cancelled_but_not_attended(case, signed_in, emhp, auth):
    planned = add_contact(case, emhp, utcnow() + timedelta(days=2))
    url = f"{sessions_url(case)}/{planned.id}"
    response = auth.post(url, {"attendance": "attended", "who_attended": "child", "new_risk": "no"})
    assert response.status_code == 400
    assert "Select what happened at the session" in text_of(response)
    assert db.session.get(CareContact, planned.id).planned
    response = auth.post(
        url,
        {"attendance": "cancelled_by_family", "clinical_notes": "Mum rang: ill", "new_risk": "no"},
    )
    assert response.status_code == 400
    assert "Enter why you are making this cancellation" in text_of(response)
    response = auth.post(
        url,
        {
            "attendance": "cancelled_by_family",
            "clinical_notes": "Mum rang: ill",
            "new_risk": "no",
            "reason": "Mum rang: ill",
        },
    )
    assert response.status_code == 302
    assert db.session.get(CareContact, planned.id).attendance is Attendance.CANCELLED_BY_FAMILY


def _count_contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(CareContact))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            date_parts("session_date", service_today() - timedelta(days=61)),
            "The session must be on or after the date the referral was received",
        ),
        ({"start_time": "25:99"}, "Enter a real time in the 24-hour clock, like 14:30"),
        ({"start_time": ""}, "Enter the start time, like 14:30"),
        ({"duration_minutes": "-5"}, "The length of the session must be at least 1 minute"),
        ({"duration_minutes": "0"}, "The length of the session must be at least 1 minute"),
        ({"duration_minutes": "ten"}, "Enter the length in minutes as a whole number"),
        ({"duration_minutes": "9999"}, "480 minutes (8 hours) or fewer"),
        ({"stage": "bogus"}, "Select the stage of the session"),
        ({"mode": "bogus"}, "Select how the session is held"),
        ({"pathway": "bogus"}, "Select the pathway from the list"),
        ({"attendance": "bogus"}, "Select what happened at the session"),
        ({"attendance": ""}, "Select what happened at the session"),
        ({"who_attended": "bogus"}, "Select who attended from the list"),
        ({"who_attended": ""}, "Select who attended: the child, a parent or carer, or both"),
        ({"clinical_notes": "x" * 10_001}, "Clinical notes must be 10,000 characters or fewer"),
        ({"risk_update": "y" * 10_001}, "The risk update must be 10,000 characters or fewer"),
        ({"location": "z" * 201}, "The place must be 200 characters or fewer"),
        ({"start_time": "9" * 5000}, "Enter a real time in the 24-hour clock"),
        ({"clinical_notes": "'); DROP TABLE care_contact; --", "start_time": "99:00"}, "real time"),
    ],
)
def test_bad_input_on_the_log_form_is_refused_and_kept(case, signed_in, auth, changes, message):
    before = _count_contacts()
    response = auth.post(f"{sessions_url(case)}/log", log_data(**changes))
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text
    assert _count_contacts() == before
    assert status_of(case) is ReferralStatus.ALLOCATED
    if "start_time" in changes and len(changes["start_time"]) < 30:
        assert soup_of(response).select_one("#start_time")["value"] == changes["start_time"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            date_parts("session_date", service_today() + timedelta(days=400)),
            "A session can be booked up to a year ahead",
        ),
        (
            date_parts("session_date", service_today() - timedelta(days=2)),
            "A session you book must be in the future",
        ),
        (
            {"session_date-day": "31", "session_date-month": "12", "session_date-year": "9999"},
            "A session can be booked up to a year ahead",
        ),
        ({"location": "", "mode": "face_to_face_elsewhere"}, "Enter where the session will be"),
        ({"session_date-month": "13"}, "The date of the session must be a real date"),
    ],
)
def test_bad_input_on_the_booking_form(case, signed_in, auth, changes, message):
    response = auth.post(f"{sessions_url(case)}/book", book_data(**changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert contacts_of(case) == []


def test_overlapping_sessions_are_refused_on_the_page(case, world, make_referral, signed_in, auth):
    other_case = open_case(world, make_referral, child={"given_name": "Kit"})
    assert auth.post(f"{sessions_url(case)}/book", book_data()).status_code == 302
    response = auth.post(f"{sessions_url(other_case)}/book", book_data(start_time="15:00"))
    assert response.status_code == 400
    assert "You already have a session from 14:30 to 15:15" in text_of(response)
    assert soup_of(response).select_one("#start_time")["value"] == "15:00"
    assert contacts_of(other_case) == []


@pytest.mark.parametrize("path", ["book", "log"])
def test_a_crafted_post_without_consent_saves_nothing(
    world, make_referral, case, emhp, signed_in, auth, client, path
):
    referral_consent.withdraw_consent(case, case.consents[0], by=emhp, reason="Family moved away")
    never = make_referral(world.school_a2, by=emhp, consent=False, child={"given_name": "Nev"})
    never.status = ReferralStatus.ALLOCATED
    db.session.add(
        Allocation(
            referral=never, practitioner=emhp, allocated_by=world.users[Role.SENIOR_CLINICIAN]
        )
    )
    db.session.commit()
    before = _count_contacts()
    data = log_data() if path == "log" else book_data()
    # Withdrawal closed the case and ended its allocation: it is no longer the EMHP's case.
    assert client.get(f"{sessions_url(case)}/{path}").status_code == 404
    assert auth.post(f"{sessions_url(case)}/{path}", data).status_code == 404
    for referral, message in ((never, "Record valid consent first"),):
        page = client.get(f"{sessions_url(referral)}/{path}")
        assert page.status_code == 200
        assert message in text_of(page)
        assert soup_of(page).select_one("main form") is None  # no form to fill in
        response = auth.post(f"{sessions_url(referral)}/{path}", data)
        assert response.status_code == 400
        assert "There is a problem" in text_of(response)
        assert message in text_of(response)
    assert _count_contacts() == before
    assert status_of(never) is ReferralStatus.ALLOCATED


def test_a_discharged_case_is_read_only(case, world, emhp, signed_in, client, auth):
    contact = add_contact(case, emhp, utcnow() - timedelta(days=2), attendance=Attendance.ATTENDED)
    operations.transition(case, ReferralStatus.DISCHARGED, by=world.users[Role.SENIOR_CLINICIAN])
    db.session.commit()
    page = client.get(sessions_url(case))
    assert page.status_code == 200
    found = links(page)
    assert "Book a session" not in found
    assert "Log a session" not in found
    assert not [text for text in found if text.startswith("Change what happened")]
    assert "This case is discharged" in text_of(page)
    before = _count_contacts()
    assert auth.post(f"{sessions_url(case)}/log", log_data()).status_code == 400
    assert auth.post(f"{sessions_url(case)}/book", book_data()).status_code == 400
    response = auth.post(
        f"{sessions_url(case)}/{contact.id}/attendance",
        {"attendance": "did_not_attend", "reason": "Wrong box", "version": str(contact.version)},
    )
    assert response.status_code == 400
    assert "This case is discharged" in text_of(response)
    assert _count_contacts() == before
    assert db.session.get(CareContact, contact.id).attendance is Attendance.ATTENDED


# ---- who may see a case's sessions -----------------------------------------------------


def _case_urls(world) -> tuple[list[str], list[str]]:
    case, contact = world.case_a1, world.contact_a1
    base = sessions_url(case)
    gets = [base, f"{base}/book", f"{base}/log", f"{base}/{contact.id}"]
    posts = [f"{base}/book", f"{base}/log", f"{base}/{contact.id}"]
    return gets, posts


def test_another_emhp_cannot_open_the_cases_sessions(world, make_user, auth, client):
    other = make_user(Role.EMHP, team=world.team_a, email="emhp2@test.example")
    assert auth.sign_in(other.email).status_code == 302
    gets, posts = _case_urls(world)
    for url in gets:
        assert client.get(url).status_code == 404, url
    before = _count_contacts()
    for url in posts:
        data = log_data() if url.endswith("/log") else book_data()
        if url.endswith(str(world.contact_a1.id)):
            data = {"attendance": "cancelled_by_family", "new_risk": "no"}
        assert auth.post(url, data).status_code == 404, url
    assert _count_contacts() == before
    assert db.session.get(CareContact, world.contact_a1.id).planned
    # The referral's page shows no notes and no way to the sessions.
    page = client.get(f"/referrals/{world.case_a1.id}")
    assert page.status_code == 200
    assert "Sessions" not in links(page)


def test_another_teams_senior_clinician_gets_404(world, make_user, auth, client):
    other = make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="seniorb@test.example")
    assert auth.sign_in(other.email).status_code == 302
    gets, posts = _case_urls(world)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert auth.post(url, book_data()).status_code == 404, url


def test_a_session_is_reached_only_through_its_case(case, world, signed_in, client, auth):
    url = f"{sessions_url(case)}/{world.contact_a1.id}"  # contact_a1 is case_a1's
    assert client.get(url).status_code == 404
    assert auth.post(url, {"attendance": "cancelled_by_family"}).status_code == 404
    assert db.session.get(CareContact, world.contact_a1.id).planned


def test_the_clinical_lead_reads_but_cannot_change(world, auth, client):
    emhp = world.users[Role.EMHP]
    add_contact(
        world.case_a1,
        emhp,
        utcnow() - timedelta(days=1),
        attendance=Attendance.ATTENDED,
        who_attended=WhoAttended.CHILD,
        clinical_notes=NOTE,
    )
    assert auth.sign_in(world.users[Role.CLINICAL_LEAD].email).status_code == 302
    page = client.get(sessions_url(world.case_a1))
    assert page.status_code == 200
    assert NOTE in text_of(page)
    found = links(page)
    for action in ("Book a session", "Log a session"):
        assert action not in found
    assert not [text for text in found if "what happened" in text or "cancellation" in text]
    gets, posts = _case_urls(world)
    for url in gets[1:]:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert auth.post(url, book_data()).status_code == 403, url
    referral_page = client.get(f"/referrals/{world.case_a1.id}")
    assert links(referral_page)["Sessions"] == sessions_url(world.case_a1)


def test_the_senior_clinician_of_the_team_can_log_on_any_team_case(world, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    assert auth.sign_in(senior.email).status_code == 302
    page = client.get(sessions_url(world.case_a1))
    assert "Book a session" in links(page)


def test_the_school_lead_sees_the_next_appointment_but_no_notes(world, make_referral, auth, client):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    emhp = world.users[Role.EMHP]
    case = open_case(world, make_referral, school=world.school_a1, by=lead)
    sessions.log_session(case, logged(location="LOCATION-OCELOT room"), by=emhp)
    later = at(school_day(9), 16, 15)
    soon = at(school_day(8), 14, 30)
    elsewhere = ContactMode.FACE_TO_FACE_ELSEWHERE
    sessions.book_session(
        case, details(starts_at=later, location="Room 99", mode=elsewhere), by=emhp
    )
    wellbeing = SchoolRoom(school_id=world.school_a1.id, name="Wellbeing room")
    db.session.add(wellbeing)
    db.session.flush()
    sessions.book_session(case, details(starts_at=soon, room_id=wellbeing.id), by=emhp)
    # What happened at a session is not for the school.
    db.session.commit()
    assert auth.sign_in(lead.email).status_code == 302
    page = client.get(f"/referrals/{case.id}")
    assert page.status_code == 200
    text = text_of(page)
    when = f"{soon:%A} {soon.day} {soon:%B %Y} at 14:30, Wellbeing room"
    assert f"Next appointment {when}" in text
    pages = [
        page,
        client.get("/"),
        client.get("/referrals/"),
        client.get(f"/referrals/{case.id}/withdraw"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        for secret in ("NOTE-PANGOLIN", "RISK-AXOLOTL", "LOCATION-OCELOT", "Room 99"):
            assert secret not in body, (secret, response.request.path)
    for url in (
        sessions_url(case),
        f"{sessions_url(case)}/book",
        f"{sessions_url(case)}/log",
        f"{sessions_url(case)}/{contacts_of(case)[0].id}",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "NOTE-PANGOLIN" not in response.get_data(as_text=True)


def test_a_remote_appointment_shows_how_it_is_held(world, make_referral, auth, client):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    case = open_case(world, make_referral, school=world.school_a1, by=lead)
    sessions.book_session(
        case, details(mode=ContactMode.VIDEO, location=None), by=world.users[Role.EMHP]
    )
    db.session.commit()
    assert auth.sign_in(lead.email).status_code == 302
    assert "at 14:30, Video call" in text_of(client.get(f"/referrals/{case.id}"))


# ---- audit and query counts -----------------------------------------------------------


def test_viewing_the_sessions_audits_each_session_and_the_case(case, emhp, signed_in, client):
    one = add_contact(case, emhp, utcnow() - timedelta(days=2), attendance=Attendance.ATTENDED)
    two = add_contact(case, emhp, utcnow() + timedelta(days=2))
    assert client.get(sessions_url(case)).status_code == 200
    reads = set(named_ids(audit_of("care_contact", AuditAction.READ)))
    assert reads == {str(one.id), str(two.id)}
    assert str(case.id) in set(named_ids(audit_of("referral", AuditAction.READ)))


def test_changes_through_the_pages_are_audited(case, signed_in, emhp, auth):
    assert auth.post(f"{sessions_url(case)}/book", book_data()).status_code == 302
    [contact] = contacts_of(case)
    [created] = audit_of("care_contact", AuditAction.CREATE)
    assert (created.record_id, created.user_id) == (str(contact.id), emhp.id)
    contact.starts_at = utcnow() - timedelta(hours=1)  # time passes
    db.session.commit()
    url = f"{sessions_url(case)}/{contact.id}"
    assert auth.post(url, {"attendance": "did_not_attend", "new_risk": "no"}).status_code == 302
    [updated] = audit_of("care_contact", AuditAction.UPDATE)
    assert updated.record_id == str(contact.id)


def _fill(case, practitioner, count: int) -> None:
    start = utcnow() - timedelta(days=40)
    for number in range(count):
        add_contact(
            case,
            practitioner,
            start + timedelta(days=3 * number),
            attendance=Attendance.ATTENDED if number % 3 else Attendance.DID_NOT_ATTEND,
            who_attended=WhoAttended.CHILD if number % 3 else None,
            clinical_notes=f"Notes {number}",
            pathway=Pathway.CBT_SLEEP,
        )
    add_contact(case, practitioner, utcnow() + timedelta(days=10 + count))


@pytest.mark.parametrize("page", ["sessions", "referral"], ids=["sessions page", "referral page"])
def test_pages_make_the_same_number_of_queries_for_2_and_12_sessions(
    world, make_referral, emhp, signed_in, client, count_queries, page
):
    counts = []
    for size in (2, 12):
        case = open_case(world, make_referral, child={"given_name": f"Size{size}"})
        _fill(case, emhp, size)
        url = sessions_url(case) if page == "sessions" else f"/referrals/{case.id}"
        client.get(url)  # warm up (templates, the signed-in user)
        before = len(count_queries())
        response = client.get(url)
        assert response.status_code == 200
        assert "Notes 1" in text_of(response)
        counts.append(len(count_queries()) - before)
    assert counts[0] == counts[1], counts
