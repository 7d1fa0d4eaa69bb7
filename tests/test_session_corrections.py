"""1:1 sessions are corrected, never overwritten: notes and risk updates are amended
(who, when, why, every earlier version readable), booked and logged sessions are
rescheduled or corrected with a reason and leave history, a session entered in error is
kept but counts nowhere, stale corrections are refused, and a form sent twice makes one
session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.amendments.operations import amend, versions_for
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.casework.caseload import caseload
from mhst.core.formatting import format_datetime_with_day
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.core.versions import StaleEdit
from mhst.extensions import db
from mhst.extract.contact_files import care_contact_rows
from mhst.extract.period import Period
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.referrals import operations as referral_operations
from mhst.referrals.models import ReferralStatus
from mhst.reports.contact_figures import logged_contacts
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.sessions import corrections, reading
from mhst.sessions import operations as sessions
from mhst.sessions.change_models import ChangeKind, SessionChange
from mhst.sessions.models import Attendance, CareContact, WhoAttended
from tests import test_care_contacts
from tests.conftest import school_day
from tests.test_care_contacts import (
    NOTE,
    RISK,
    add_contact,
    at,
    audit_of,
    book_data,
    contacts_of,
    date_parts,
    details,
    log_data,
    logged,
    sessions_url,
    soup_of,
    text_of,
)

# The 1:1 session tests' fixtures: the EMHP, their open case, the EMHP signed in.
emhp, case, signed_in = (
    test_care_contacts.emhp,
    test_care_contacts.case,
    test_care_contacts.signed_in,
)


def _entry(emhp, case):
    return next(e for e in caseload(emhp, emhp) if e.referral.id == case.id)


def _changes(contact) -> list[SessionChange]:
    return list(
        db.session.scalars(
            select(SessionChange)
            .where(SessionChange.care_contact_id == contact.id)
            .order_by(SessionChange.id)
        )
    )


def _logged(case, emhp, **changes) -> CareContact:
    contact = sessions.log_session(case, logged(**changes), by=emhp)
    db.session.commit()
    return contact


# ---- notes: amended, never overwritten -------------------------------------------------


def test_the_outcome_names_who_recorded_it_the_author_of_the_notes(case, emhp, world):
    contact = _logged(case, emhp)
    assert (contact.outcome_recorded_by_id, contact.notes_author_id) == (emhp.id, emhp.id)
    senior = world.users[Role.SENIOR_CLINICIAN]
    booked = add_contact(case, emhp, utcnow() - timedelta(hours=3))
    booked.created_by_id = senior.id  # booked by the senior clinician
    sessions.record_outcome(
        booked, sessions.OutcomeDetails(Attendance.ATTENDED, WhoAttended.CHILD, NOTE), by=emhp
    )
    db.session.commit()
    assert booked.notes_author_id == emhp.id  # who recorded it, not who booked it
    assert booked.outcome_recorded_at is not None


def test_recording_what_happened_again_cannot_overwrite_the_notes(case, emhp):
    contact = _logged(case, emhp)
    with pytest.raises(RuleError, match="already recorded"):
        sessions.record_outcome(
            contact,
            sessions.OutcomeDetails(Attendance.ATTENDED, WhoAttended.CHILD, "Overwritten"),
            by=emhp,
        )
    db.session.rollback()
    assert db.session.get(CareContact, contact.id).clinical_notes == NOTE


def test_amending_the_notes_keeps_every_version_and_only_the_author_or_a_senior_may(
    case, emhp, world, make_user
):
    contact = _logged(case, emhp)
    notes = corrections.session_text(contact, "clinical_notes")
    other = make_user(Role.EMHP, team=world.team_a)
    with pytest.raises(RuleError, match="Only the author or a senior clinician"):
        amend(notes, new_text="Not mine", reason="Tidying", by=other, read_version=1)
    amend(notes, new_text="Corrected notes", reason="Wrong child's plan", by=emhp, read_version=1)
    senior = world.users[Role.SENIOR_CLINICIAN]
    risk = corrections.session_text(contact, "risk_update")
    amend(
        risk, new_text="Safety plan shared", reason="Added after a call", by=senior, read_version=1
    )
    db.session.commit()
    stored = db.session.get(CareContact, contact.id)
    assert (stored.clinical_notes, stored.risk_update) == ("Corrected notes", "Safety plan shared")
    found = versions_for(AuditRecordType.CARE_CONTACT, [contact.id])
    assert [(v.text, v.written_by_id) for v in found[(contact.id, "clinical_notes")]] == [
        (NOTE, emhp.id),
        ("Corrected notes", emhp.id),
    ]
    assert [v.text for v in found[(contact.id, "risk_update")]] == [RISK, "Safety plan shared"]


# ---- rescheduling and correcting -------------------------------------------------------


def test_rescheduling_a_booked_session_leaves_history(case, emhp):
    booked = sessions.book_session(case, details(), by=emhp)
    db.session.commit()
    new_time = at(school_day(9), 9, 15)
    corrections.change_time(
        booked,
        starts_at=new_time,
        duration_minutes=30,
        reason="Family asked for a morning",
        by=emhp,
        read_version=booked.version,
    )
    db.session.commit()
    stored = db.session.get(CareContact, booked.id)
    assert (stored.starts_at, stored.duration_minutes, stored.planned) == (new_time, 30, True)
    [change] = _changes(booked)
    assert change.kind is ChangeKind.RESCHEDULED
    assert change.from_value.endswith(", 45 minutes, Room 12")
    assert "30 minutes" in change.to_value
    assert (change.reason, change.changed_by_id) == ("Family asked for a morning", emhp.id)
    assert any("rescheduled" in e.detail for e in audit_of("care_contact", AuditAction.UPDATE))


@pytest.mark.parametrize(
    ("when", "reason", "field", "message"),
    [
        (lambda: at(service_today() - timedelta(days=2), 10), "Moved", "session_date", "future"),
        (lambda: at(school_day(8), 14, 30), "Same", "session_date", "Change"),
        (lambda: at(school_day(9), 11), "", "reason", "Enter why"),
        (lambda: at(school_day(10), 12), "Clash", "start_time", "already"),
    ],
)
def test_rescheduling_keeps_the_booking_rules(case, emhp, when, reason, field, message):
    booked = sessions.book_session(case, details(), by=emhp)
    add_contact(case, emhp, at(school_day(10), 11, 30))
    with pytest.raises(RuleError, match=message) as refused:
        corrections.change_time(
            booked,
            starts_at=when(),
            duration_minutes=45,
            reason=reason,
            by=emhp,
            read_version=booked.version,
        )
    assert refused.value.field == field


def test_correcting_a_logged_sessions_time_keeps_it_in_the_past(case, emhp):
    contact = _logged(case, emhp)
    with pytest.raises(RuleError, match="must have already started"):
        corrections.change_time(
            contact,
            starts_at=utcnow() + timedelta(days=1),
            duration_minutes=45,
            reason="Typo",
            by=emhp,
            read_version=contact.version,
        )
    db.session.rollback()
    earlier = at(service_today() - timedelta(days=2), 15)
    corrections.change_time(
        contact,
        starts_at=earlier,
        duration_minutes=45,
        reason="Typed the wrong day",
        by=emhp,
        read_version=contact.version,
    )
    db.session.commit()
    assert db.session.get(CareContact, contact.id).starts_at == earlier
    assert [c.kind for c in _changes(contact)] == [ChangeKind.TIME_CORRECTED]


def test_changing_the_attendance_needs_a_reason_and_leaves_the_notes(case, emhp):
    contact = _logged(case, emhp)
    outcome = sessions.OutcomeDetails(Attendance.DID_NOT_ATTEND, None, "Ignored", "Ignored")
    with pytest.raises(RuleError, match="Enter why"):
        corrections.change_attendance(
            contact, outcome, reason=" ", by=emhp, read_version=contact.version
        )
    corrections.change_attendance(
        contact, outcome, reason="Wrong session ticked", by=emhp, read_version=contact.version
    )
    db.session.commit()
    stored = db.session.get(CareContact, contact.id)
    assert (stored.attendance, stored.who_attended) == (Attendance.DID_NOT_ATTEND, None)
    assert (stored.clinical_notes, stored.risk_update) == (NOTE, RISK)
    [change] = _changes(contact)
    assert (change.from_value, change.to_value) == (
        "Attended (the child or young person)",
        "Did not attend",
    )


def test_a_correction_on_a_stale_version_is_refused_showing_what_changed(case, emhp):
    contact = _logged(case, emhp)
    read = contact.version
    corrections.change_attendance(
        contact,
        sessions.OutcomeDetails(Attendance.DID_NOT_ATTEND),
        reason="First",
        by=emhp,
        read_version=read,
    )
    db.session.commit()
    with pytest.raises(StaleEdit) as refused:
        corrections.change_attendance(
            contact,
            sessions.OutcomeDetails(Attendance.CANCELLED_BY_FAMILY),
            reason="Second",
            by=emhp,
            read_version=read,
        )
    assert refused.value.changes[0].field == "attendance"
    assert refused.value.changes[0].saved == "Did not attend"
    db.session.rollback()
    assert db.session.get(CareContact, contact.id).attendance is Attendance.DID_NOT_ATTEND


# ---- entered in error ------------------------------------------------------------------


def _contact_figures(case) -> int:
    day = service_today()
    filters = ReportFilters(date_from=day - timedelta(days=30), date_to=day)
    access = ReportAccess(team_id=None, always_suppressed=False)
    return db.session.scalar(
        select(func.count())
        .select_from(CareContact)
        .where(logged_contacts(filters, access), CareContact.referral_id == case.id)
    )


def _extract_rows(app, case) -> int:
    period = Period(service_today() - timedelta(days=30), service_today())
    pseudonyms = Pseudonymiser(app.config["SECRET_KEY"])
    return len(care_contact_rows(period, pseudonyms).rows)


def test_a_session_entered_in_error_is_kept_but_counts_nowhere(app, case, emhp):
    contact = _logged(case, emhp)
    booked = sessions.book_session(case, details(), by=emhp)
    db.session.commit()
    counted = (_contact_figures(case), _extract_rows(app, case))
    entry = _entry(emhp, case)
    assert (entry.last_contact_at, entry.next_session.id) == (contact.starts_at, booked.id)
    for session in (contact, booked):
        corrections.enter_in_error(
            session, reason="Logged on the wrong child", by=emhp, read_version=session.version
        )
    db.session.commit()
    assert len(contacts_of(case)) == 2  # kept
    assert _contact_figures(case) == counted[0] - 1
    assert _extract_rows(app, case) == counted[1] - 1
    entry = _entry(emhp, case)
    assert (entry.last_contact_at, entry.next_session) == (None, None)
    assert not reading.has_attended_session(case.id)
    assert reading.next_planned(case.id) is None
    # Its time is free again for the practitioner.
    sessions.log_session(case, logged(), by=emhp)
    with pytest.raises(RuleError, match="already deleted"):
        corrections.enter_in_error(contact, reason="Again", by=emhp, read_version=contact.version)


# ---- the pages -------------------------------------------------------------------------


def test_amending_the_notes_through_the_page_shows_the_earlier_version(
    case, emhp, signed_in, client, auth
):
    contact = _logged(case, emhp)
    url = f"{sessions_url(case)}/{contact.id}/notes/amend"
    page = client.get(sessions_url(case))
    assert url in [a["href"] for a in soup_of(page).select("a[href]")]
    form = client.get(url)
    assert form.status_code == 200
    assert soup_of(form).select_one("#text").get_text().strip() == NOTE
    response = auth.post(url, {"text": "AMENDED-IBIS notes", "reason": "", "version": "1"})
    assert response.status_code == 400
    assert "Enter why you are making this amendment" in text_of(response)
    response = auth.post(url, {"text": "AMENDED-IBIS notes", "reason": "Typo", "version": "1"})
    assert response.status_code == 302
    page = text_of(client.get(sessions_url(case)))
    assert "AMENDED-IBIS notes" in page
    assert f"by {emhp.full_name}: Typo" in page
    assert "Show earlier version" in page
    assert NOTE in page  # the original, under "show earlier version"
    # A second amendment made from the first page is stale: refused, the first kept.
    stale = auth.post(url, {"text": "Based on the original", "reason": "Mine", "version": "1"})
    assert stale.status_code == 400
    assert "Someone else changed" in text_of(stale)
    assert db.session.get(CareContact, contact.id).clinical_notes == "AMENDED-IBIS notes"


def test_rescheduling_through_the_page_says_where_the_session_is_now(
    case, emhp, signed_in, client, auth
):
    booked = sessions.book_session(case, details(), by=emhp)
    db.session.commit()
    was = format_datetime_with_day(booked.starts_at)
    new_day = school_day(9)
    response = auth.post(
        f"{sessions_url(case)}/{booked.id}/time",
        {
            **date_parts("session_date", new_day),
            "start_time": "09:15",
            "duration_minutes": "45",
            "room_id": str(booked.room_id or ""),
            "reason": "Family asked for a morning",
            "version": str(booked.version),
        },
    )
    assert response.status_code == 302
    now = format_datetime_with_day(at(new_day, 9, 15))
    assert f"The session on {was} is moved to {now}" in text_of(client.get(sessions_url(case)))


def test_change_what_happened_asks_for_a_reason_and_never_touches_the_notes(
    case, emhp, signed_in, client, auth
):
    contact = _logged(case, emhp)
    url = f"{sessions_url(case)}/{contact.id}/attendance"
    page = client.get(url)
    assert page.status_code == 200
    assert soup_of(page).select_one("textarea[name=clinical_notes]") is None
    data = {"attendance": "did_not_attend", "version": str(contact.version), "reason": ""}
    assert auth.post(url, {**data, "clinical_notes": "Overwrite"}).status_code == 400
    response = auth.post(url, {**data, "reason": "Wrong box", "clinical_notes": "Overwrite"})
    assert response.status_code == 302
    stored = db.session.get(CareContact, contact.id)
    assert (stored.attendance, stored.clinical_notes) == (Attendance.DID_NOT_ATTEND, NOTE)
    page = text_of(client.get(sessions_url(case)))
    assert "Changes to this session" in page
    assert "Wrong box" in page
    stale = auth.post(url, {**data, "attendance": "cancelled_by_family", "reason": "Mine"})
    assert stale.status_code == 400
    assert "It was saved as “Did not attend”" in text_of(stale)


def test_deleting_a_session_through_the_page_strikes_it_through(
    case, emhp, signed_in, client, auth
):
    contact = _logged(case, emhp)
    url = f"{sessions_url(case)}/{contact.id}/delete"
    assert client.get(url).status_code == 200
    response = auth.post(url, {"reason": "Wrong child", "version": str(contact.version)})
    assert response.status_code == 302
    page = client.get(sessions_url(case))
    struck = soup_of(page).select_one(f"#session-{contact.id} s")
    assert struck is not None
    assert "Sessions entered in error" in text_of(page)
    assert "Wrong child" in text_of(page)
    # Nothing is corrected on a deleted session: its pages go back to the sessions.
    assert client.get(f"{sessions_url(case)}/{contact.id}/time").status_code == 302


def test_the_booking_form_sent_twice_makes_one_session(case, signed_in, client, auth):
    form = client.get(f"{sessions_url(case)}/book")
    token = soup_of(form).select_one("input[name=submission_token]")["value"]
    first = auth.post(f"{sessions_url(case)}/book", book_data(submission_token=token))
    again = auth.post(f"{sessions_url(case)}/book", book_data(submission_token=token))
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert len(contacts_of(case)) == 1


def test_the_log_form_sent_twice_makes_one_session(case, signed_in, client, auth):
    token = soup_of(client.get(f"{sessions_url(case)}/log")).select_one(
        "input[name=submission_token]"
    )["value"]
    for _ in range(3):
        assert (
            auth.post(f"{sessions_url(case)}/log", log_data(submission_token=token)).status_code
            == 302
        )
    assert len(contacts_of(case)) == 1


def test_the_sessions_page_reads_versions_and_changes_in_a_fixed_number_of_queries(
    case, emhp, signed_in, client, count_queries
):
    def queries() -> int:
        db.session.expire_all()
        before = len(count_queries())
        assert client.get(sessions_url(case)).status_code == 200
        return len(count_queries()) - before

    def amended_session(days_ago: int) -> None:
        contact = _logged(case, emhp, starts_at=at(service_today() - timedelta(days=days_ago), 9))
        notes = corrections.session_text(contact, "clinical_notes")
        amend(notes, new_text=f"Amended {days_ago}", reason="Typo", by=emhp, read_version=1)
        corrections.change_attendance(
            contact,
            sessions.OutcomeDetails(Attendance.DID_NOT_ATTEND),
            reason="Wrong box",
            by=emhp,
            read_version=contact.version,
        )
        db.session.commit()

    amended_session(1)
    small = queries()
    for days_ago in range(2, 12):
        amended_session(days_ago)
    assert queries() == small


def test_a_discharged_cases_notes_can_still_be_amended_but_not_corrected(
    case, emhp, world, signed_in, client, auth
):
    contact = _logged(case, emhp)
    referral_operations.transition(
        case, ReferralStatus.DISCHARGED, by=world.users[Role.SENIOR_CLINICIAN]
    )
    db.session.commit()
    hrefs = [a["href"] for a in soup_of(client.get(sessions_url(case))).select("main a[href]")]
    base = f"{sessions_url(case)}/{contact.id}"
    assert f"{base}/notes/amend" in hrefs
    assert f"{base}/attendance" not in hrefs
    response = auth.post(
        f"{base}/notes/amend", {"text": "Added later", "reason": "Letter", "version": "1"}
    )
    assert response.status_code == 302
    assert db.session.get(CareContact, contact.id).clinical_notes == "Added later"
