"""Notifications: each trigger tells the right people only (in scope, never the one who
acted), the pages, the header's count, and the emails (a real SMTP server), which never
name a child."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.core.formatting import format_datetime
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.jobs import queue
from mhst.notifications import emails
from mhst.notifications.models import EmailPreference, EmailState, Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import COUNT_BOUND, link_of, notify
from mhst.organisation.models import ServiceArea
from mhst.referrals import operations as referrals
from mhst.referrals.models import ReferralSource, ReferralStatus
from mhst.referrals.risk_flags import RiskFlagSource, raise_flag
from mhst.schools import interest
from mhst.schools.models import ParticipationStatus
from mhst.sessions import courses, group_operations
from mhst.sessions import operations as sessions
from mhst.sessions.group_models import GroupAudience, GroupKind
from mhst.sessions.models import ContactMode, ContactStage
from tests.conftest import school_day
from tests.mailbox import body_of

S = ReferralStatus


def told(user, kind: K | None = None) -> list[Notification]:
    """The user's notifications (of ``kind``), oldest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


@pytest.fixture
def people(world, make_user, make_team):
    """The world's team A, with someone of each kind elsewhere who must hear nothing."""
    users = world.users
    return {
        "senior": users[Role.SENIOR_CLINICIAN],
        "emhp": users[Role.EMHP],
        "lead": users[Role.SCHOOL_MENTAL_HEALTH_LEAD],  # school A1's
        "admin": users[Role.ADMINISTRATOR],
        "clinical_lead": users[Role.CLINICAL_LEAD],
        "senior_b": make_user(Role.SENIOR_CLINICIAN, team=world.team_b),
        "emhp_b": make_user(Role.EMHP, team=world.team_b),
        "emhp_a2": make_user(Role.EMHP, team=world.team_a),
        "lead_a2": make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a2),
        "lead_b1": make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_b1),
    }


def nobody_else(people, *allowed: str, kind: K) -> None:
    for name, user in people.items():
        if name not in allowed:
            assert told(user, kind) == [], f"{name} was told"


def accepted(world, senior):
    referral = world.referral_a1
    referral.school.participation_status = ParticipationStatus.ACTIVE
    referrals.review_risk(referral, by=senior, notes="Spoke to the school: safe today")
    referrals.triage(referral, S.ACCEPTED, by=senior, reason=None)
    db.session.commit()
    return referral


# ---- triggers ---------------------------------------------------------------------------


def test_the_emhp_is_told_when_a_case_is_allocated_to_them(world, people):
    referral = accepted(world, people["senior"])
    casework.allocate(referral, people["emhp"], by=people["senior"])
    db.session.commit()
    [notification] = told(people["emhp"], K.CASE_ALLOCATED)
    assert notification.text == (
        f"Case {referral.reference} was allocated to you by {people['senior'].full_name}"
    )
    assert (notification.endpoint, notification.record_id) == ("referrals.show", referral.id)
    assert notification.unread
    nobody_else(people, "emhp", kind=K.CASE_ALLOCATED)


def test_reallocation_tells_the_new_practitioner(world, people):
    referral = accepted(world, people["senior"])
    casework.allocate(referral, people["emhp"], by=people["senior"])
    casework.allocate(referral, people["emhp_a2"], by=people["senior"])
    db.session.commit()
    [notification] = told(people["emhp_a2"], K.CASE_ALLOCATED)
    assert "was reallocated to you" in notification.text
    assert len(told(people["emhp"], K.CASE_ALLOCATED)) == 1


def test_the_school_lead_is_told_when_their_referral_is_accepted(world, people):
    referral = accepted(world, people["senior"])
    texts = [n.text for n in told(people["lead"], K.REFERRAL_STATUS_CHANGED)]
    assert f"Referral {referral.reference} is now accepted (waiting list)" in texts
    nobody_else(people, "lead", kind=K.REFERRAL_STATUS_CHANGED)


def test_the_lead_is_not_told_of_their_own_moves_nor_of_referrals_their_school_did_not_make(
    world, people, make_referral
):
    lead, senior = people["lead"], people["senior"]
    before = len(told(lead))
    mine = make_referral(world.school_a1, by=lead)  # submitted: the lead's own move
    referrals.withdraw_referral(mine, by=lead, reason="Family moved away")
    db.session.commit()
    assert len(told(lead)) == before
    other = make_referral(world.school_a1, by=senior, source=ReferralSource.PARENT_CARER)
    referrals.withdraw_referral(other, by=senior, reason="Family asked to stop")
    db.session.commit()
    assert len(told(lead)) == before  # not the school's own referral: not in their scope


def test_the_teams_senior_clinicians_are_told_when_a_referral_arrives(world, people, make_referral):
    before = len(told(people["senior"], K.REFERRAL_RECEIVED))  # the world's own referral
    referral = make_referral(world.school_a1, by=people["lead"])
    *_, notification = told(people["senior"], K.REFERRAL_RECEIVED)
    assert notification.text == f"New referral {referral.reference} from School A1"
    nobody_else(people, "senior", kind=K.REFERRAL_RECEIVED)
    # Recorded by the senior clinician themselves: they are not told of their own action.
    make_referral(world.school_a1, by=people["senior"], source=ReferralSource.GP)
    assert len(told(people["senior"], K.REFERRAL_RECEIVED)) == before + 1


def test_a_referral_with_a_positive_risk_screen_says_so(world, people, make_referral):
    from mhst.referrals.models import RiskItem

    make_referral(world.school_a1, by=people["lead"], risks=(RiskItem.SELF_HARM,))
    *_, notification = told(people["senior"], K.REFERRAL_RECEIVED)
    assert notification.text.endswith("its risk screen is positive, review it today")


def test_the_practitioner_is_told_when_a_risk_is_raised_on_their_case(world, people):
    case = world.case_a1
    flag = {"source": RiskFlagSource.MEASURE, "source_id": 1, "source_text": "GBO", "detail": None}
    raise_flag(case, **flag, by=people["senior"])
    raise_flag(case, **flag, by=people["emhp"])  # their own: not told
    db.session.commit()
    [notification] = told(people["emhp"], K.CASE_RISK_RAISED)
    assert notification.text.startswith(f"A risk was raised on your case {case.reference}")
    assert notification.email_state is EmailState.PENDING  # risks are emailed by default
    nobody_else(people, "emhp", kind=K.CASE_RISK_RAISED)


def test_senior_clinicians_are_told_once_of_an_overdue_risk_review(world, people):
    referral = world.referral_a1  # received today, its risk not reviewed
    assert emails.notify_overdue_risk_reviews() == 0  # not overdue today
    tomorrow = datetime.combine(service_today() + timedelta(days=1), time(9), SERVICE_TIME_ZONE)
    assert emails.notify_overdue_risk_reviews(now=tomorrow) == 1
    assert emails.notify_overdue_risk_reviews(now=tomorrow) == 0
    db.session.commit()
    [notification] = told(people["senior"], K.RISK_REVIEW_OVERDUE)
    assert notification.text == (
        f"The same-day risk review of referral {referral.reference} (School A1) is overdue"
    )
    nobody_else(people, "senior", kind=K.RISK_REVIEW_OVERDUE)


def test_the_school_lead_is_told_when_the_team_books_a_visit(world, people):
    start = datetime.combine(school_day(8), time(14, 30), SERVICE_TIME_ZONE)
    details = sessions.SessionDetails(
        starts_at=start,
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        room_id=world.room_a2.id,
    )
    sessions.book_session(world.case_a1, details, by=people["emhp"])  # the case is at A2
    db.session.commit()
    [notification] = told(people["lead_a2"], K.VISIT_BOOKED)
    assert notification.text.startswith("The team booked a 1:1 session at School A2 on ")
    assert "14:30" in notification.text
    # Its link opens the school's visits in that visit's week.
    link = (notification.endpoint, notification.record_id, notification.link_date)
    assert link == ("diary.school_visits", world.school_a2.id, school_day(8))
    with current_app.test_request_context():
        assert link_of(notification) == (
            f"/schools/{world.school_a2.id}/visits?date={school_day(8).isoformat()}"
        )
    # A video call is no visit.
    video = sessions.SessionDetails(
        starts_at=start + timedelta(days=1),
        duration_minutes=30,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.VIDEO,
    )
    sessions.book_session(world.case_a1, video, by=people["emhp"])
    group = group_operations.GroupDetails(
        title="Calm club",
        kind=GroupKind.UNIVERSAL,
        audience=GroupAudience.CHILDREN,
        planned_sessions=4,
        facilitator_ids=[people["emhp"].id],
        school_id=world.school_a1.id,
    )
    group_operations.create_group(group, by=people["emhp"])
    db.session.commit()
    assert len(told(people["lead_a2"], K.VISIT_BOOKED)) == 1
    [at_a1] = told(people["lead"], K.VISIT_BOOKED)
    assert at_a1.text == "The team booked a group at School A1"
    assert (at_a1.endpoint, at_a1.link_date) == ("schools.show", None)  # no date: the school
    nobody_else(people, "lead", "lead_a2", kind=K.VISIT_BOOKED)


def test_a_course_of_weekly_sessions_tells_the_school_lead_once(world, people):
    start = datetime.combine(school_day(8), time(10), SERVICE_TIME_ZONE)
    details = sessions.SessionDetails(
        starts_at=start,
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        room_id=world.room_a2.id,
    )
    booked = courses.book_course(world.case_a1, details, 6, True, by=people["emhp"])
    db.session.commit()
    assert len(booked) == 6
    [notification] = told(people["lead_a2"], K.VISIT_BOOKED)
    assert notification.text == (
        "The team booked weekly 1:1 sessions at School A2 for 6 weeks, "
        f"the first on {format_datetime(start)}"
    )
    link = (notification.endpoint, notification.record_id, notification.link_date)
    assert link == ("diary.school_visits", world.school_a2.id, school_day(8))
    nobody_else(people, "lead_a2", kind=K.VISIT_BOOKED)


def test_a_course_refused_in_any_week_tells_nobody(world, people):
    start = datetime.combine(school_day(8), time(10), SERVICE_TIME_ZONE)
    details = sessions.SessionDetails(
        starts_at=start + timedelta(weeks=3),
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.VIDEO,
    )
    sessions.book_session(world.case_a1, details, by=people["emhp"])  # week 4 is taken
    at_school = sessions.SessionDetails(
        starts_at=start,
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        room_id=world.room_a2.id,
    )
    with pytest.raises(courses.CourseRefused):
        courses.book_course(world.case_a1, at_school, 6, by=people["emhp"])
    assert told(people["lead_a2"], K.VISIT_BOOKED) == []  # not even the weeks before it
    db.session.rollback()


def test_administrators_are_told_when_a_school_registers_interest(world, people, make_user):
    other_admin = make_user(Role.ADMINISTRATOR)
    make_user(Role.ADMINISTRATOR, active=False)
    registration = interest.register_interest(
        school_name="Brookside Academy",
        urn="765432",
        area=db.session.get(ServiceArea, world.area_a.id),
        contact_name="Sam Head",
        contact_role="Head teacher",
        contact_email="sam@brookside.example",
        pupils_on_roll=300,
        message=None,
    )
    db.session.commit()
    for admin in (people["admin"], other_admin):
        [notification] = told(admin, K.INTEREST_REGISTERED)
        assert notification.text == "Brookside Academy registered interest in joining the programme"
        assert notification.record_id == registration.id
    nobody_else(people, "admin", kind=K.INTEREST_REGISTERED)
    assert (
        db.session.scalar(
            select(Notification.id).where(
                Notification.kind == K.INTEREST_REGISTERED,
                Notification.user_id.not_in([people["admin"].id, other_admin.id]),
            )
        )
        is None
    )  # not the deactivated administrator


# ---- pages ------------------------------------------------------------------------------


def unread_in_header(html: str) -> str | None:
    match = re.search(r'class="app-notification-count">([^<]+)<', html)
    return match.group(1) if match else None


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_the_pages_and_the_header_link(role, world, auth, client):
    assert auth.sign_in(world.users[role].email).status_code == 302
    for path in ("/", "/notifications/", "/notifications/settings"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'href="/notifications/"' in page.get_data(as_text=True)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert 'href="/notifications/"' in missing.get_data(as_text=True)


def test_the_header_counts_unread_and_the_list_marks_them(world, people, auth, client):
    emhp = people["emhp"]
    notify(
        [emhp],
        K.CASE_ALLOCATED,
        "Case R000001 was allocated to you",
        endpoint="referrals.show",
        record_id=world.case_a1.id,
    )
    notify(
        [emhp],
        K.CASE_ALLOCATED,
        "Case R000002 was allocated to you",
        endpoint="referrals.show",
        record_id=world.case_a1.id,
    )
    db.session.commit()
    auth.sign_in(emhp.email)
    page = client.get("/notifications/").get_data(as_text=True)
    assert unread_in_header(page) == "2"
    assert page.count("Unread</strong>") == 2
    first, _ = told(emhp)
    response = auth.post("/notifications/read", data={"notification_id": str(first.id)})
    assert response.status_code == 302
    assert told(emhp)[0].read_at is not None
    page = client.get("/notifications/").get_data(as_text=True)
    assert unread_in_header(page) == "1"
    auth.post("/notifications/read-all")
    assert all(n.read_at is not None for n in told(emhp))
    page = client.get("/notifications/").get_data(as_text=True)
    assert unread_in_header(page) is None
    assert "Mark all as read" not in page


def test_following_a_notification_shows_it_and_opening_it_marks_it_read(
    world, people, auth, client
):
    emhp = people["emhp"]
    [notification] = notify(
        [emhp],
        K.CASE_ALLOCATED,
        "Case allocated",
        endpoint="referrals.show",
        record_id=world.case_a1.id,
    )
    db.session.commit()
    auth.sign_in(emhp.email)
    # The email's link (a GET) shows the notification and changes nothing.
    page = client.get(f"/notifications/follow?id={notification.id}")
    assert page.status_code == 200
    assert "Case allocated" in page.get_data(as_text=True)
    assert 'action="/notifications/open"' in page.get_data(as_text=True)
    assert db.session.get(Notification, notification.id).read_at is None
    # The list's entry is a POST form too, not a link.
    listed = client.get("/notifications/").get_data(as_text=True)
    assert "/notifications/follow" not in listed
    assert 'class="app-button-as-link"' in listed
    response = auth.post("/notifications/open", data={"notification_id": str(notification.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{world.case_a1.id}"
    assert db.session.get(Notification, notification.id).read_at is not None
    assert client.get(response.headers["Location"]).status_code == 200


def test_opening_needs_the_forms_csrf_token(world, people, auth, client):
    [notification] = notify(
        [people["emhp"]], K.CASE_ALLOCATED, "Case", endpoint="referrals.show", record_id=1
    )
    db.session.commit()
    auth.sign_in(people["emhp"].email)
    response = client.post("/notifications/open", data={"notification_id": str(notification.id)})
    assert response.status_code == 400
    assert db.session.get(Notification, notification.id).read_at is None


def test_another_users_notification_is_as_if_it_did_not_exist(world, people, auth, client):
    [theirs] = notify(
        [people["senior"]],
        K.REFERRAL_RECEIVED,
        "New referral",
        endpoint="referrals.show",
        record_id=world.referral_a1.id,
    )
    db.session.commit()
    auth.sign_in(people["emhp"].email)
    for bad in (str(theirs.id), "abc", "-1", "99999999999999", ""):
        response = client.get(f"/notifications/follow?id={bad}")
        assert response.headers["Location"] == "/notifications/"
        opened = auth.post("/notifications/open", data={"notification_id": bad})
        assert opened.headers["Location"] == "/notifications/"
        assert auth.post("/notifications/read", data={"notification_id": bad}).status_code == 302
    auth.post("/notifications/read-all")
    assert db.session.get(Notification, theirs.id).read_at is None


def test_a_link_still_checks_scope_when_followed(world, people, auth, client):
    """A notification kept after its reader lost scope opens nothing: the page is a 404."""
    [notification] = notify(
        [people["emhp_b"]],
        K.CASE_ALLOCATED,
        "Case allocated",
        endpoint="referrals.show",
        record_id=world.case_a1.id,
    )
    db.session.commit()
    auth.sign_in(people["emhp_b"].email)
    response = auth.post("/notifications/open", data={"notification_id": str(notification.id)})
    assert client.get(response.headers["Location"]).status_code == 404


def test_the_list_is_keyset_paginated_newest_first(world, people, auth, client):
    emhp = people["emhp"]
    for number in range(30):
        notify(
            [emhp], K.CASE_ALLOCATED, f"Number {number:02d}", endpoint="referrals.show", record_id=1
        )
    db.session.commit()
    auth.sign_in(emhp.email)
    first = client.get("/notifications/").get_data(as_text=True)
    assert "Number 29" in first
    assert "Number 05" in first
    assert "Number 04" not in first
    last_id = told(emhp)[5].id
    second = client.get(f"/notifications/?after={last_id}").get_data(as_text=True)
    assert "Number 04" in second
    assert "Number 29" not in second


def test_the_email_settings_are_saved_per_kind(world, people, auth, client):
    senior = people["senior"]
    auth.sign_in(senior.email)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="risk_review_overdue" checked' in page  # risks: emailed by default
    assert 'value="referral_received" checked' not in page
    response = auth.post("/notifications/settings", data={"kinds": ["referral_received"]})
    assert response.status_code == 302
    choices = {
        row.kind: row.email
        for row in db.session.scalars(
            select(EmailPreference).where(EmailPreference.user_id == senior.id)
        )
    }
    assert choices[K.REFERRAL_RECEIVED] is True
    assert choices[K.RISK_REVIEW_OVERDUE] is False
    assert set(choices) == {
        K.CASE_ALLOCATED,
        K.CASE_RISK_RAISED,
        K.REFERRAL_RECEIVED,
        K.RISK_REVIEW_OVERDUE,
    }
    refused = auth.post("/notifications/settings", data={"kinds": ["interest_registered"]})
    assert refused.status_code == 400
    assert "Select kinds of notification from the list" in refused.get_data(as_text=True)


def test_the_header_runs_one_query_whatever_the_count(world, people, auth, client, count_queries):
    emhp = people["emhp"]
    auth.sign_in(emhp.email)

    def statements() -> list[str]:
        client.get("/")
        before = len(count_queries())
        assert client.get("/").status_code == 200
        return count_queries()[before:]

    none = statements()
    for number in range(COUNT_BOUND + 5):
        notify([emhp], K.CASE_ALLOCATED, f"N{number}", endpoint="referrals.show", record_id=1)
    db.session.commit()
    many = statements()
    assert len(many) == len(none)
    assert sum("FROM notification" in statement for statement in many) == 1
    assert unread_in_header(client.get("/").get_data(as_text=True)) == f"{COUNT_BOUND}+"


# ---- email ------------------------------------------------------------------------------


def test_emails_go_to_those_who_chose_them_through_the_worker_task(world, people, mailbox):
    senior, emhp = people["senior"], people["emhp"]
    db.session.add(EmailPreference(user_id=senior.id, kind=K.REFERRAL_RECEIVED, email=True))
    db.session.commit()
    [wanted] = notify(
        [senior], K.REFERRAL_RECEIVED, "New referral R1", endpoint="referrals.show", record_id=1
    )
    [unwanted] = notify(
        [emhp], K.CASE_ALLOCATED, "Case R1 allocated", endpoint="referrals.show", record_id=1
    )
    db.session.commit()
    assert unwanted.email_state is None
    queue.run_scheduled.apply(args=["send-notification-emails"])
    [message] = mailbox.messages
    assert message["To"] == senior.email
    assert message["Subject"] == emails.SUBJECT
    body = body_of(message)
    assert "a referral arrives for your team" in body
    assert f"/notifications/follow?id={wanted.id}" in body
    db.session.expire_all()
    assert db.session.get(Notification, wanted.id).email_state is EmailState.SENT
    assert emails.send_notification_emails() == 0  # sent once


NAMES = st.from_regex(r"[A-Z][a-z]{5,11}", fullmatch=True)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(given_name=NAMES, family_name=NAMES)
def test_no_childs_name_in_a_notification_or_its_email(
    given_name, family_name, world, people, make_referral, mailbox
):
    """A referral arrives and is accepted and allocated: every notification's text, and
    every email's subject and body, are free of the child's names."""
    mailbox.clear()
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    for user in (people["senior"], people["emhp"], people["lead"]):
        for kind in K:
            db.session.merge(EmailPreference(user_id=user.id, kind=kind, email=True))
    db.session.commit()
    start = utcnow()
    referral = make_referral(
        world.school_a1,
        by=people["lead"],
        consent=True,
        child={"given_name": given_name, "family_name": family_name},
    )
    referrals.triage(referral, S.ACCEPTED, by=people["senior"], reason=None)
    casework.allocate(referral, people["emhp"], by=people["senior"])
    db.session.commit()
    texts = db.session.scalars(
        select(Notification.text).where(Notification.created_at >= start)
    ).all()
    assert len(texts) >= 3
    emails.send_notification_emails()
    db.session.commit()
    assert len(mailbox.messages) >= 3
    for name in (given_name, family_name):
        for text in texts:
            assert name.lower() not in text.lower()
        for message in mailbox.messages:
            assert name.lower() not in message["Subject"].lower()
            assert name.lower() not in body_of(message).lower()


def test_a_failed_email_waits_for_its_next_try(world, people, app):
    """The relay not answering: the email stays pending, tried once, next in 2 minutes
    (tests/test_notifications_retries.py follows it through every try)."""
    app.config["MAIL_SERVER"], saved = "127.0.0.1", app.config["MAIL_SERVER"]
    app.config["MAIL_PORT"], port = 1, app.config["MAIL_PORT"]  # nothing listens there
    now = utcnow()
    try:
        [notification] = notify(
            [people["emhp"]], K.CASE_RISK_RAISED, "Risk", endpoint="referrals.show", record_id=1
        )
        assert emails.send_notification_emails(now=now) == 0
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved, port
    db.session.refresh(notification)
    assert notification.email_state is EmailState.PENDING
    assert notification.email_attempts == 1
    assert notification.email_next_attempt_at == now + timedelta(minutes=2)


def test_old_notifications_are_deleted(world, people):
    [old] = notify(
        [people["emhp"]], K.CASE_ALLOCATED, "Old", endpoint="referrals.show", record_id=1
    )
    [new] = notify(
        [people["emhp"]], K.CASE_ALLOCATED, "New", endpoint="referrals.show", record_id=1
    )
    old.created_at = utcnow() - timedelta(days=181)
    db.session.flush()
    assert emails.delete_old_notifications() == 1
    assert db.session.get(Notification, new.id) is not None
