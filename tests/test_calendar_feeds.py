"""Calendar feeds (issue 15, part 2): a practitioner's private iCalendar address, made,
made anew (the old one stops working) and stopped; the feed parsed with ``icalendar``;
no child's name in it, whatever the name (Hypothesis)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.diary import feeds
from mhst.diary.models import CalendarFeed
from mhst.extensions import db
from mhst.sessions.group_models import GroupSession
from mhst.sessions.models import Attendance

ADDRESS = re.compile(r'value="(http://localhost/calendar/([A-Za-z0-9_-]+)\.ics)"')


def _make_address(auth, client) -> str:
    response = auth.post("/diary/calendar-feed")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = ADDRESS.search(response.get_data(as_text=True))
    assert match, "the new address is shown"
    return match.group(2)


def _fetch(app, token: str):
    """As a calendar app would: no session, no cookies."""
    return app.test_client().get(f"/calendar/{token}.ics")


def _events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_practitioner_makes_a_feed_and_a_calendar_reads_it(app, world, auth, client):
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    assert "You have no feed address" in client.get("/diary/calendar-feed").get_data(as_text=True)
    token = _make_address(auth, client)
    stored = db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == emhp.id)).one()
    assert stored.token_hash == feeds.token_hash(token)
    assert token not in stored.token_hash

    response = _fetch(app, token)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "Set-Cookie" not in response.headers
    events = _events(response.data)
    contact = world.contact_a1
    child = world.case_a1.child
    event = events[f"session-{contact.id}@mhst-case-manager"]
    assert str(event["SUMMARY"]) == f"Session with C.A. ({child.reference})"
    assert str(event["LOCATION"]) == f"{world.school_a2.name}, The school's wellbeing room"
    assert str(event["STATUS"]) == "CONFIRMED"
    starts = contact.starts_at.astimezone(UTC).replace(microsecond=0)  # iCalendar's seconds
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + timedelta(minutes=45)
    assert event.decoded("DTSTART").tzinfo is not None
    text = response.get_data(as_text=True)
    assert child.given_name not in text
    assert child.family_name not in text

    db.session.expire_all()
    fetches = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == AuditRecordType.CALENDAR_FEED,
            AuditEvent.action == AuditAction.EXPORT,
        )
    ).all()
    assert [(e.user_id, e.record_id) for e in fetches] == [(emhp.id, str(stored.id))]
    assert stored.last_fetched_at is not None
    page = client.get("/diary/calendar-feed").get_data(as_text=True)
    assert "Your calendar last read it on" in page
    assert token not in page  # shown once only


def test_cancelled_sessions_and_group_sessions_in_the_feed(app, world, auth, client):
    emhp = world.users[Role.EMHP]
    contact = world.contact_a1
    contact.attendance = Attendance.CANCELLED_BY_SERVICE
    held_on = service_today() - timedelta(days=2)
    db.session.add(GroupSession(group=world.group_a1, held_on=held_on, recorded_by_id=emhp.id))
    db.session.commit()
    auth.sign_in(emhp.email)
    events = _events(_fetch(app, _make_address(auth, client)).data)
    assert str(events[f"session-{contact.id}@mhst-case-manager"]["STATUS"]) == "CANCELLED"
    (group,) = [e for uid, e in events.items() if uid.startswith("group-session-")]
    assert str(group["SUMMARY"]) == "Group: Worry busters"
    assert group.decoded("DTSTART") == held_on  # a date: all day
    assert str(group["LOCATION"]) == world.school_a1.name


def test_a_new_address_stops_the_old_one_and_stopping_stops_both(app, world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    first = _make_address(auth, client)
    second = _make_address(auth, client)
    assert _fetch(app, first).status_code == 404
    assert _fetch(app, second).status_code == 200
    assert auth.post("/diary/calendar-feed/stop").status_code == 302
    assert _fetch(app, second).status_code == 404
    assert "You have no feed address" in client.get("/diary/calendar-feed").get_data(as_text=True)


def test_a_wrong_address_is_a_404_and_sets_no_cookie(app, world):
    for token in ("nope", "x" * 43, "x" * 500):
        response = _fetch(app, token)
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers


def test_fetches_from_one_address_are_limited(app, world):
    limit = app.config["CALENDAR_FEED_RATE_LIMIT"]
    app.config["CALENDAR_FEED_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [_fetch(app, "guessing").status_code for _ in range(3)]
    finally:
        app.config["CALENDAR_FEED_RATE_LIMIT"] = limit
    assert statuses == [404, 404, 429]


def test_sessions_outside_the_window_are_left_out(world):
    emhp = world.users[Role.EMHP]
    contact = world.contact_a1
    contact.starts_at = datetime.combine(
        service_today() - timedelta(days=feeds.DAYS_BEFORE + 1), time(10), tzinfo=SERVICE_TIME_ZONE
    )
    db.session.flush()
    assert f"session-{contact.id}@" not in feeds.calendar_for(emhp).decode()


# Names of any letters (Hypothesis), after a prefix no fixed wording of the feed holds,
# so a name found in the feed is the child's and not "Session" or a school's name.
NAME_LETTERS = st.characters(categories=("Lu", "Ll", "Lo"), exclude_characters="\x00")
NAMES = st.builds(lambda rest: "Qz" + rest, st.text(NAME_LETTERS, min_size=1, max_size=30))


@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(given_name=NAMES, family_name=NAMES)
def test_no_childs_name_ever_appears_in_a_feed(world, given_name, family_name):
    child = world.case_a1.child
    child.given_name, child.family_name = given_name, family_name
    db.session.flush()
    body = feeds.calendar_for(world.users[Role.EMHP])
    raw = body.decode("utf-8")
    values = [
        str(value) for component in Calendar.from_ical(body).walk() for value in component.values()
    ]
    for name in (given_name, family_name):
        assert name not in raw
        assert not any(name in value for value in values)
        assert name.casefold() not in raw.casefold()
