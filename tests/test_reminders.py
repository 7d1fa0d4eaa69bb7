"""Reminders of sessions to families through GOV.UK Notify: the official client against a
local server speaking Notify's API (tests/notify_server.py), checking the exact JSON it
sends and the signed token; only the channels agreed, tomorrow only, once only, moved and
cancelled sessions, discretion, status polling, failures shown to the practitioner, and
the log and development outbox when no key is set."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditEvent, AuditRecordType
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.referrals.models import ReferralStatus
from mhst.referrals.reminder_preferences import PreferenceDetails, save_preferences
from mhst.sessions import reminders
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage
from mhst.sessions.reminder_models import ReminderChannel, ReminderStatus, SessionReminder
from tests import notify_server as ns
from tests.conftest import AuthActions

# Wednesday 10 June 2026, 09:00 in London (BST): "tomorrow" is Thursday 11 June.
NOW = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
MOBILE = "07700900123"
EMAIL = "family@example.org"


def uk(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SERVICE_TIME_ZONE).astimezone(UTC)


@pytest.fixture(scope="module")
def notify_server():
    running = ns.RunningNotify()
    yield running.api
    running.stop()


@pytest.fixture
def notify(app, notify_server):
    """The app sending through the local Notify server."""
    notify_server.reset()
    old = ns.configure(app, notify_server)
    yield notify_server
    app.config.update(old)


def agree(world, *, text=True, email=False, discreet=False, case=None):
    case = case or world.case_a1
    save_preferences(
        case,
        PreferenceDetails(
            contact="parent_carer",
            by_text=text,
            by_email=email,
            mobile_number="+44 7700 900123" if text else None,
            email=EMAIL if email else None,
            discreet=discreet,
        ),
        by=world.users[Role.EMHP],
        read_version=0,
    )
    db.session.commit()


def booked(world, starts_at, *, mode=ContactMode.FACE_TO_FACE_SCHOOL, location="Room 4"):
    emhp = world.users[Role.EMHP]
    contact = CareContact(
        referral=world.case_a1,
        practitioner=emhp,
        starts_at=starts_at,
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=mode,
        location=location,
        created_by=emhp,
    )
    db.session.add(contact)
    db.session.commit()
    return contact


def rows_of(contact) -> list[SessionReminder]:
    return list(
        db.session.scalars(
            select(SessionReminder)
            .where(SessionReminder.care_contact_id == contact.id)
            .order_by(SessionReminder.channel)
        )
    )


# ---- what the official client sends ---------------------------------------------------


def test_a_text_reminder_is_sent_with_exactly_this_request(world, notify):
    agree(world)
    contact = booked(world, uk(11, 10, 30))
    assert reminders.send_session_reminders(NOW) == 1
    [sent] = notify.requests
    [reminder] = rows_of(contact)
    assert sent.method == "POST"
    assert sent.path == "/v2/notifications/sms"
    assert sent.json == {
        "phone_number": MOBILE,
        "template_id": ns.TEXT_TEMPLATE,
        "personalisation": {
            "date": "Thursday 11 June 2026",
            "time": "10:30",
            "place": "at Room 4",
            "service": "the Mental Health Support Team",
        },
        "reference": f"session-reminder-{reminder.id}",
    }
    assert sent.claims["iss"] == ns.SERVICE_ID
    assert reminder.status is ReminderStatus.SENT
    assert reminder.notify_id in notify.notifications
    assert reminder.announced_starts_at == contact.starts_at
    assert reminder.sent_at is not None
    # The send is in the audit log against the session, by the job.
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == AuditRecordType.CARE_CONTACT,
            AuditEvent.record_id == str(contact.id),
        )
    ).one()
    assert event.actor == reminders.ACTOR
    assert event.detail == "Reminder by text: sent"


def test_an_email_reminder_is_sent_with_exactly_this_request(world, notify):
    agree(world, text=False, email=True)
    contact = booked(world, uk(11, 14), mode=ContactMode.VIDEO, location=None)
    reminders.send_session_reminders(NOW)
    [sent] = notify.requests
    assert sent.path == "/v2/notifications/email"
    assert sent.json == {
        "email_address": EMAIL,
        "template_id": ns.EMAIL_TEMPLATE,
        "personalisation": {
            "date": "Thursday 11 June 2026",
            "time": "14:00",
            "place": "by video call",
            "service": "the Mental Health Support Team",
        },
        "reference": f"session-reminder-{rows_of(contact)[0].id}",
    }


def test_a_wrong_key_is_refused_by_the_server_and_the_reminder_fails(app, world, notify):
    app.config["NOTIFY_API_KEY"] = f"mhst_test-{ns.SERVICE_ID}-{'f' * 36}"
    agree(world)
    contact = booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    assert notify.requests == []  # refused before it was recorded: the token's signature
    [reminder] = rows_of(contact)
    assert reminder.status is ReminderStatus.FAILED
    assert "403" in reminder.error


def test_notify_out_of_reach_fails_the_reminder_with_the_reason(app, world, notify):
    app.config["NOTIFY_BASE_URL"] = "http://127.0.0.1:9"  # the discard port: nothing listens
    agree(world)
    contact = booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    [reminder] = rows_of(contact)
    assert reminder.status is ReminderStatus.FAILED
    assert reminder.error == "Notify could not be reached"


# ---- who, when and how often ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email", "paths"),
    [
        (True, True, ["/v2/notifications/email", "/v2/notifications/sms"]),
        (True, False, ["/v2/notifications/sms"]),
        (False, True, ["/v2/notifications/email"]),
        (False, False, []),
    ],
)
def test_only_the_channels_the_family_agreed_to(world, notify, text, email, paths):
    agree(world, text=text, email=email)
    contact = booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    assert sorted(r.path for r in notify.requests) == paths
    channels = {ReminderChannel.TEXT: text, ReminderChannel.EMAIL: email}
    assert {r.channel for r in rows_of(contact)} == {c for c, on in channels.items() if on}


def test_no_agreement_recorded_means_no_reminders(world, notify):
    booked(world, uk(11, 10))
    assert reminders.send_session_reminders(NOW) == 0
    assert notify.requests == []


def test_only_sessions_starting_tomorrow_uk_time(world, notify):
    agree(world)
    tomorrow_first = booked(world, uk(11, 0, 15))  # 23:15 UTC on the 10th
    tomorrow_last = booked(world, uk(11, 23, 45))
    for starts_at in (uk(10, 16), uk(12, 0, 15), uk(18, 10)):
        booked(world, starts_at)
    assert reminders.send_session_reminders(NOW) == 2
    references = {r.json["reference"] for r in notify.requests}
    assert references == {
        f"session-reminder-{rows_of(c)[0].id}" for c in (tomorrow_first, tomorrow_last)
    }


def test_a_job_run_twice_sends_once(world, notify):
    agree(world, email=True)
    contact = booked(world, uk(11, 10))
    assert reminders.send_session_reminders(NOW) == 2
    assert reminders.send_session_reminders(NOW + timedelta(hours=1)) == 0
    assert len(notify.requests) == 2
    assert len(rows_of(contact)) == 2


def test_cancelled_deleted_and_closed_cases_are_not_reminded(world, notify):
    agree(world)
    cancelled = booked(world, uk(11, 9))
    cancelled.attendance = Attendance.CANCELLED_BY_FAMILY
    deleted = booked(world, uk(11, 11))
    deleted.entered_in_error_at = NOW
    db.session.commit()
    assert reminders.send_session_reminders(NOW) == 0
    world.case_a1.status = ReferralStatus.DISCHARGED
    booked(world, uk(11, 13))
    db.session.commit()
    assert reminders.send_session_reminders(NOW) == 0
    assert notify.requests == []


def test_a_session_cancelled_after_its_reminder_is_not_reminded_again(world, notify):
    agree(world)
    contact = booked(world, uk(11, 9))
    reminders.send_session_reminders(NOW)
    contact.attendance = Attendance.CANCELLED_BY_SERVICE
    db.session.commit()
    assert reminders.send_session_reminders(NOW) == 0
    assert len(notify.requests) == 1


def test_a_session_moved_after_its_reminder_is_reminded_once_for_its_new_time(world, notify):
    agree(world)
    contact = booked(world, uk(11, 9))
    reminders.send_session_reminders(NOW)
    contact.starts_at = uk(11, 15)
    db.session.commit()
    assert reminders.send_session_reminders(NOW) == 1
    assert reminders.send_session_reminders(NOW) == 0
    assert [r.json["personalisation"]["time"] for r in notify.requests] == ["09:00", "15:00"]
    [reminder] = rows_of(contact)
    assert reminder.announced_starts_at == uk(11, 15)
    assert reminder.status is ReminderStatus.SENT
    # Moved to next week: nothing now; the day before its new date, it is reminded.
    contact.starts_at = uk(18, 10)
    db.session.commit()
    assert reminders.send_session_reminders(NOW) == 0
    assert reminders.send_session_reminders(NOW + timedelta(days=7)) == 1


def test_discretion_uses_the_discreet_template_without_the_service(world, notify):
    agree(world, email=True, discreet=True)
    booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    by_path = {r.path: r.json for r in notify.requests}
    text = by_path["/v2/notifications/sms"]
    email = by_path["/v2/notifications/email"]
    assert text["template_id"] == ns.TEXT_DISCREET_TEMPLATE
    assert email["template_id"] == ns.EMAIL_DISCREET_TEMPLATE
    for sent in (text, email):
        assert set(sent["personalisation"]) == {"date", "time", "place"}
    bodies = [n.body for n in notify.notifications.values()]
    assert all("Mental Health" not in body for body in bodies)


def test_a_missing_discreet_template_is_not_sent_with_the_reason(app, world, notify):
    app.config["NOTIFY_TEXT_DISCREET_TEMPLATE_ID"] = None
    agree(world, discreet=True)
    contact = booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    assert notify.requests == []
    [reminder] = rows_of(contact)
    assert reminder.status is ReminderStatus.NOT_SENT
    assert (
        reminder.describe()
        == "Reminder by text: not sent: No Notify discreet text template is set up"
    )


# ---- what became of them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("notify_status", "status", "error"),
    [
        ("delivered", ReminderStatus.DELIVERED, None),
        ("permanent-failure", ReminderStatus.FAILED, "does not exist"),
        ("temporary-failure", ReminderStatus.FAILED, "not reachable"),
        ("technical-failure", ReminderStatus.FAILED, "technical problem"),
        ("sending", ReminderStatus.SENT, None),
    ],
)
def test_status_polling(world, notify, notify_status, status, error):
    agree(world)
    contact = booked(world, uk(11, 10))
    reminders.send_session_reminders(NOW)
    [reminder] = rows_of(contact)
    notify.set_status(reminder.notify_id, notify_status)
    settled = reminders.check_session_reminders()
    assert settled == (0 if status is ReminderStatus.SENT else 1)
    [get] = [r for r in notify.requests if r.method == "GET"]
    assert get.path == f"/v2/notifications/{reminder.notify_id}"
    assert get.claims["iss"] == ns.SERVICE_ID
    db.session.expire_all()
    [reminder] = rows_of(contact)
    assert reminder.status is status
    assert reminder.status_checked_at is not None
    assert (error is None and reminder.error is None) or error in reminder.error
    if status is ReminderStatus.DELIVERED:  # settled: not asked again
        reminders.check_session_reminders()
        assert len([r for r in notify.requests if r.method == "GET"]) == 1


def test_a_refused_reminder_is_shown_to_the_practitioner(world, notify, client):
    agree(world)
    contact = booked(world, datetime.now(UTC) + timedelta(days=1))
    notify.fail_next(400, "BadRequestError", "phone_number Not a UK mobile number")
    reminders.send_session_reminders()
    [reminder] = rows_of(contact)
    assert reminder.status is ReminderStatus.FAILED
    assert "Not a UK mobile number" in reminder.error
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    home = client.get("/").get_data(as_text=True)
    assert "1 reminder could not be sent" in home
    listed = client.get("/reminders/not-sent").get_data(as_text=True)
    assert "Reminder by text: failed" in listed
    assert "Not a UK mobile number" in listed
    page = client.get(f"/casework/cases/{world.case_a1.id}/sessions").get_data(as_text=True)
    assert "Reminder by text: failed: Notify refused it (400)" in page
    # Another practitioner's home page says nothing of it.
    AuthActions(client).sign_out()
    AuthActions(client).sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert "could not be sent" not in client.get("/").get_data(as_text=True)


def test_the_session_page_shows_a_delivered_reminder(world, notify, client):
    agree(world)
    contact = booked(world, datetime.now(UTC) + timedelta(days=1))
    reminders.send_session_reminders()
    notify.set_status(rows_of(contact)[0].notify_id, "delivered")
    reminders.check_session_reminders()
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/casework/cases/{world.case_a1.id}/sessions").get_data(as_text=True)
    assert "Reminder by text: delivered" in page


# ---- without a key --------------------------------------------------------------------


def test_without_a_key_the_reminder_is_logged_and_kept_for_the_outbox(
    app, world, notify_server, client, caplog
):
    notify_server.reset()
    assert not app.config["NOTIFY_API_KEY"]
    agree(world)
    contact = booked(world, datetime.now(UTC) + timedelta(days=1))
    with caplog.at_level(logging.INFO, logger="mhst.core.notify"):
        assert reminders.send_session_reminders() == 1
    assert notify_server.requests == []
    [reminder] = rows_of(contact)
    assert reminder.status is ReminderStatus.LOGGED
    assert reminder.notify_id is None
    logged = caplog.text
    assert "…123" in logged
    assert MOBILE not in logged
    assert "900123" not in logged
    assert "Casey" not in logged
    assert "Allocated" not in logged
    assert reminders.check_session_reminders() == 0  # nothing to ask Notify
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    outbox = client.get("/reminders/outbox")
    assert outbox.status_code == 200
    text = outbox.get_data(as_text=True)
    assert "Text message" in text
    assert "…123" in text
    assert "place: at" in text
    assert MOBILE not in text


def test_the_outbox_does_not_exist_in_production(app, world, client):
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    app.config["DEV_OUTBOX"] = False
    try:
        assert client.get("/reminders/outbox").status_code == 404
    finally:
        app.config["DEV_OUTBOX"] = True


def test_another_teams_reminders_are_not_in_the_outbox(world, client, make_user):
    agree(world)
    booked(world, datetime.now(UTC) + timedelta(days=1))
    reminders.send_session_reminders()
    other = make_user(Role.EMHP, team=world.team_b)
    AuthActions(client).sign_in(other.email)
    assert "Text message" not in client.get("/reminders/outbox").get_data(as_text=True)
    assert db.session.scalar(select(func.count(SessionReminder.id))) == 1


# ---- the lists: a fixed number of queries ---------------------------------------------


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


def _reminded_sessions(world, count: int, status: ReminderStatus) -> None:
    start = datetime.now(UTC) + timedelta(days=2)
    for number in range(count):
        contact = booked(world, start + timedelta(hours=number))
        db.session.add(
            SessionReminder(
                care_contact_id=contact.id,
                channel=ReminderChannel.TEXT,
                status=status,
                announced_starts_at=contact.starts_at,
                error="Refused" if status is ReminderStatus.FAILED else None,
                logged_text="date: soon" if status is ReminderStatus.LOGGED else None,
                sent_at=NOW,
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/reminders/not-sent", ReminderStatus.FAILED), ("/reminders/outbox", ReminderStatus.LOGGED)],
)
def test_reminder_lists_use_a_constant_number_of_queries(
    world, client, count_queries, path, status
):
    agree(world)
    AuthActions(client).sign_in(world.users[Role.EMHP].email)
    _reminded_sessions(world, 1, status)
    small = _queries_for(client, count_queries, path)
    _reminded_sessions(world, 15, status)
    assert _queries_for(client, count_queries, path) == small
    assert (
        client.get(path)
        .get_data(as_text=True)
        .count("Casey" if "not-sent" in path else "Text message")
        >= 16
    )
