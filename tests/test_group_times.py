"""Group sessions placed in time (issue 15): an optional start time, length and room;
clashes with a facilitator's 1:1 sessions and other groups, and with the room, refused
either way round through the one check (``booking.first_clash``); groups recorded by
date only never clash; a group that met on a weekend or a closure day is still
recorded; the diaries, today's list and the calendar feed show timed groups at their
time; the form re-displays what was typed with NHS-style messages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.diary import feeds
from mhst.extensions import db
from mhst.organisation.models import ClosureKind, TermClosure
from mhst.sessions import booking, group_corrections
from mhst.sessions import group_operations as operations
from mhst.sessions import operations as sessions
from mhst.sessions.group_models import GroupAudience, GroupKind, GroupSession
from mhst.sessions.group_times import GroupTiming
from tests.test_care_contacts import add_contact, at, logged, open_case

# A past weekday (the rules refuse a group session that has not started yet).
DAY = service_today() - timedelta(days=14)


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def senior(world):
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def case(world, make_referral):
    """A case of the EMHP's at school A2, received 60 days ago."""
    return open_case(world, make_referral)


def new_group(world, by, *, title="Exam stress", facilitators=None, **changes):
    """A universal group at school A1 (a head count, no one named), committed."""
    values = {
        "title": title,
        "kind": GroupKind.UNIVERSAL,
        "audience": GroupAudience.CHILDREN,
        "planned_sessions": 4,
        "facilitator_ids": [u.id for u in (facilitators or [by])],
        "school_id": world.school_a1.id,
    }
    group = operations.create_group(operations.GroupDetails(**{**values, **changes}), by=by)
    db.session.commit()
    return group


def record(group, by, day=DAY, start=None, minutes=60, room=None) -> GroupSession:
    timing = GroupTiming(start, minutes, room.id if room else None) if start else None
    session = operations.record_session(
        group, held_on=day, topic=None, head_count=12, timing=timing, by=by
    )
    db.session.commit()
    return session


def count_sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(GroupSession))


def refused(call) -> RuleError:
    with pytest.raises(RuleError) as caught:
        call()
    db.session.rollback()
    return caught.value


# ---- recording a time -----------------------------------------------------------------


def test_a_timed_group_session_keeps_its_start_length_and_room(world, emhp):
    group = new_group(world, emhp)
    session = record(group, emhp, start=time(10, 0), minutes=50, room=world.room_a1)
    db.session.expire_all()
    assert session.starts_at == at(DAY, 10).astimezone(UTC)
    assert session.ends_at == at(DAY, 10, 50).astimezone(UTC)
    assert (session.duration_minutes, session.room_id) == (50, world.room_a1.id)
    untimed = record(new_group(world, emhp, title="Calm"), emhp)
    assert (untimed.starts_at, untimed.duration_minutes, untimed.room_id) == (None, None, None)


def test_a_start_time_not_yet_reached_is_refused(world, emhp):
    group = new_group(world, emhp)
    if utcnow().astimezone(SERVICE_TIME_ZONE).time() >= time(23, 59):
        pytest.skip("no later minute today")
    error = refused(lambda: record(group, emhp, day=service_today(), start=time(23, 59)))
    assert error.field == "start_time"
    assert "The start time must be now or earlier" in error.message
    assert count_sessions() == 0


def test_the_room_must_be_the_groups_schools_and_needs_a_time(world, emhp):
    group = new_group(world, emhp)
    other_school = refused(lambda: record(group, emhp, start=time(10), room=world.room_a2))
    assert (other_school.field, other_school.message) == ("room_id", "Select a room from the list")
    no_time = refused(
        lambda: operations.record_session(
            group,
            held_on=DAY,
            topic=None,
            head_count=3,
            timing=GroupTiming(None, 45, world.room_a1.id),
            by=emhp,
        )
    )
    assert no_time.field == "start_time"
    assert no_time.message == "Enter the start time of the session, so the room can be kept"
    too_long = refused(lambda: record(group, emhp, start=time(10), minutes=481))
    assert too_long.field == "duration_minutes"
    assert count_sessions() == 0


# ---- clashes, both ways ---------------------------------------------------------------


def test_a_timed_group_clashes_with_the_facilitators_1_to_1_session(world, emhp, case):
    sessions.log_session(case, logged(starts_at=at(DAY, 10)), by=emhp)
    db.session.commit()
    group = new_group(world, emhp)
    error = refused(lambda: record(group, emhp, start=time(10, 30)))
    assert error.field == "start_time"
    assert error.message == (
        f"You already have a session from 10:00 to 10:45 on {format_date(DAY)}: "
        "check the start time and length"
    )
    assert count_sessions() == 0
    # Just after it ends, the facilitator is free.
    assert record(group, emhp, start=time(10, 45)).starts_at == at(DAY, 10, 45)


def test_another_facilitators_clash_names_them(world, emhp, senior, case):
    sessions.log_session(case, logged(starts_at=at(DAY, 14)), by=emhp)
    db.session.commit()
    group = new_group(world, senior, facilitators=[senior, emhp])
    error = refused(lambda: record(group, senior, start=time(13, 30)))
    assert error.message.startswith(
        f"{emhp.full_name} already has a session from 14:00 to 14:45 on {format_date(DAY)}"
    )


def test_a_timed_group_clashes_with_another_timed_group(world, emhp):
    record(new_group(world, emhp, title="First"), emhp, start=time(9), minutes=90)
    second = new_group(world, emhp, title="Second")
    error = refused(lambda: record(second, emhp, start=time(10)))
    assert error.message == (
        f"You already have a group session from 09:00 to 10:30 on {format_date(DAY)}: "
        "check the start time and length"
    )


def test_a_1_to_1_session_clashes_with_the_practitioners_timed_group(world, emhp, case):
    record(new_group(world, emhp), emhp, start=time(10), minutes=60)
    error = refused(lambda: sessions.log_session(case, logged(starts_at=at(DAY, 10, 30)), by=emhp))
    assert error.field == "start_time"
    assert error.message == (
        f"You already have a group session from 10:00 to 11:00 on {format_date(DAY)}: "
        "choose another time"
    )
    sessions.log_session(case, logged(starts_at=at(DAY, 11)), by=emhp)  # after it: free


def test_a_timed_group_clashes_with_a_session_in_its_room(world, emhp, senior, make_referral):
    pupil = open_case(world, make_referral, school=world.school_a1, practitioner=senior)
    add_contact(pupil, senior, at(DAY, 10), room_id=world.room_a1.id)  # the senior's, not hers
    group = new_group(world, emhp)
    error = refused(lambda: record(group, emhp, start=time(10, 15), room=world.room_a1))
    assert error.field == "room_id"
    assert error.message == (
        f"Room 12 is already booked from 10:00 to 10:45 on {format_date(DAY)}: "
        "choose another room or time"
    )
    assert record(group, emhp, start=time(10, 15)).room_id is None  # no room: no clash


def test_a_1_to_1_room_check_sees_the_rooms_timed_group(world, emhp, senior):
    record(new_group(world, emhp), emhp, start=time(10), minutes=60, room=world.room_a1)
    clash = booking.first_clash(at(DAY, 10, 30), 45, room_id=world.room_a1.id)
    assert (clash.starts_at, clash.duration_minutes, clash.group) == (
        at(DAY, 10).astimezone(UTC),
        60,
        True,
    )
    # The senior holds no session then, but the room is taken.
    assert booking.first_clash(at(DAY, 10, 30), 45, practitioner_id=senior.id) is None
    error = refused(lambda: booking.check_room_free(world.room_a1, at(DAY, 10, 30), 45))
    assert error.message.startswith("Room 12 is already booked from 10:00 to 11:00")
    assert booking.first_clash(at(DAY, 11), 45, room_id=world.room_a1.id) is None


def test_untimed_and_deleted_group_sessions_never_clash(world, emhp, case):
    record(new_group(world, emhp, title="By date only"), emhp)
    deleted = record(new_group(world, emhp, title="Deleted"), emhp, start=time(10))
    deleted.entered_in_error_at = utcnow()
    db.session.commit()
    assert booking.first_clash(at(DAY, 10), 45, practitioner_id=emhp.id) is None
    sessions.log_session(case, logged(starts_at=at(DAY, 10)), by=emhp)
    db.session.commit()
    assert record(new_group(world, emhp, title="Later"), emhp, start=time(11)).timed


def test_first_clash_needs_one_practitioner_or_one_room():
    with pytest.raises(ValueError, match="a practitioner or a room"):
        booking.first_clash(at(DAY, 10), 45)


def test_correcting_the_date_keeps_the_time_and_checks_it_again(world, emhp, case):
    group = new_group(world, emhp)
    session = record(group, emhp, start=time(10))
    other_day = DAY - timedelta(days=1)
    sessions.log_session(case, logged(starts_at=at(other_day, 10, 30)), by=emhp)
    db.session.commit()
    error = refused(
        lambda: group_corrections.correct_date(
            session, held_on=other_day, reason="Wrong day", by=emhp, read_version=session.version
        )
    )
    assert error.message.startswith("You already have a session from 10:30 to 11:15")
    session = db.session.get(GroupSession, session.id)
    earlier = DAY - timedelta(days=2)
    group_corrections.correct_date(
        session, held_on=earlier, reason="Wrong day", by=emhp, read_version=session.version
    )
    db.session.commit()
    assert (session.held_on, session.starts_at) == (earlier, at(earlier, 10).astimezone(UTC))


# ---- weekends and closures: a record of what happened ---------------------------------


def test_a_group_that_met_on_a_weekend_or_a_closure_day_is_recorded(world, emhp):
    saturday = DAY - timedelta(days=(DAY.weekday() - 5) % 7)
    weekday = saturday - timedelta(days=2)  # a Thursday
    db.session.add(
        TermClosure(
            area_id=world.school_a1.area_id,
            first_day=weekday,
            last_day=weekday,
            label="INSET day",
            kind=ClosureKind.CLOSURE_DAY,
        )
    )
    db.session.commit()
    assert booking.school_day_problem(world.school_a1.area_id, weekday) is not None
    group = new_group(world, emhp)
    on_saturday = record(group, emhp, day=saturday, start=time(10), room=world.room_a1)
    on_closure = record(group, emhp, day=weekday, start=time(10), room=world.room_a1)
    assert on_saturday.starts_at == at(saturday, 10)
    assert on_closure.starts_at == at(weekday, 10)


# ---- the form -------------------------------------------------------------------------


def _form_data(day=DAY, **changes) -> dict:
    data = {
        "held_on-day": str(day.day),
        "held_on-month": str(day.month),
        "held_on-year": str(day.year),
        "head_count": "14",
        "start_time": "9.30",
        "duration_minutes": "60",
    }
    return {**data, **changes}


def _field_value(response, name: str) -> str | None:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    field = soup.find(attrs={"name": name})
    if field.name == "select":
        chosen = field.find("option", selected=True)
        return chosen["value"] if chosen else None
    return field.get("value")


def test_the_form_records_a_time_and_a_room(world, emhp, auth, client):
    group = new_group(world, emhp)
    auth.sign_in(emhp.email)
    page = client.get(f"/groups/{group.id}/sessions/new").get_data(as_text=True)
    assert "Start time (optional)" in page
    assert 'value="45"' in page  # the length's default, as for a 1:1 session
    assert "Room 12" in page
    response = auth.post(
        f"/groups/{group.id}/sessions/new", _form_data(room_id=str(world.room_a1.id))
    )
    assert response.status_code == 302
    [session] = group.sessions
    assert (session.starts_at, session.duration_minutes) == (at(DAY, 9, 30), 60)
    assert session.room_id == world.room_a1.id
    page = client.get(f"/groups/{group.id}/sessions/{session.id}").get_data(as_text=True)
    assert "09:30 to 10:30 (60 minutes), Room 12" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"start_time": "25:00"},
            "start_time",
            "Enter a real time in the 24-hour clock, like 14:30",
        ),
        (
            {"duration_minutes": "an hour"},
            "duration_minutes",
            "Enter the length in minutes as a whole number, like 45",
        ),
        (
            {"duration_minutes": "0"},
            "duration_minutes",
            "The length of the session must be at least 1 minute",
        ),
        ({"duration_minutes": ""}, "duration_minutes", "Enter how long the session lasted"),
        (
            {"start_time": "", "room_id": "ROOM"},
            "room_id",
            "Enter the start time of the session, so the room can be kept",
        ),
        ({"room_id": "999999"}, "room_id", "Select a room from the list"),
    ],
)
def test_form_errors_redisplay_what_was_typed(world, emhp, auth, client, changes, field, message):
    group = new_group(world, emhp)
    auth.sign_in(emhp.email)
    if changes.get("room_id") == "ROOM":
        changes = {**changes, "room_id": str(world.room_a1.id)}
    data = _form_data(**changes)
    response = auth.post(f"/groups/{group.id}/sessions/new", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="nhsuk-error-summary"' in page
    if field != "room_id" or changes["room_id"] != "999999":
        assert _field_value(response, field) == data[field]
    assert _field_value(response, "start_time") == data["start_time"]
    assert _field_value(response, "head_count") == "14"
    assert count_sessions() == 0


def test_a_clash_through_the_form_is_shown_against_the_start_time(world, emhp, case, auth, client):
    sessions.log_session(case, logged(starts_at=at(DAY, 10)), by=emhp)
    db.session.commit()
    group = new_group(world, emhp)
    auth.sign_in(emhp.email)
    response = auth.post(f"/groups/{group.id}/sessions/new", _form_data(start_time="10:15"))
    assert response.status_code == 400
    assert "You already have a session from 10:00 to 10:45" in response.get_data(as_text=True)
    assert _field_value(response, "start_time") == "10:15"
    assert count_sessions() == 0


# ---- where timed groups show ----------------------------------------------------------


def _stored(group, by, day, start, minutes=60, room=None) -> GroupSession:
    """A session stored directly (the display is tested whatever the time of day)."""
    session = GroupSession(
        group=group,
        held_on=day,
        starts_at=datetime.combine(day, start, tzinfo=SERVICE_TIME_ZONE),
        duration_minutes=minutes,
        room=room,
        head_count=9,
        recorded_by_id=by.id,
    )
    db.session.add(session)
    db.session.commit()
    return session


def _text(response) -> str:
    """The page's text; each table row as its cells joined by " | " (without the headings
    a responsive table repeats in each cell for narrow screens)."""
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    for heading in soup.select(".nhsuk-table__heading"):
        heading.decompose()
    for row in soup.select("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
        row.replace_with(" | ".join(cells) + "\n")
    return soup.get_text(" ", strip=True)


def test_the_diaries_place_a_timed_group_among_the_1_to_1_sessions(world, emhp, case, auth, client):
    group = new_group(world, emhp, title="Sleep well")
    _stored(group, emhp, DAY, time(9), room=world.room_a1)
    record(new_group(world, emhp, title="Untimed group"), emhp)
    sessions.log_session(case, logged(starts_at=at(DAY, 8)), by=emhp)
    sessions.log_session(case, logged(starts_at=at(DAY, 11)), by=emhp)
    db.session.commit()
    rows = ("08:00 to 08:45", "09:00 to 10:00", "11:00 to 11:45", "Time not recorded")
    auth.sign_in(emhp.email)
    for path in (f"/diary/day?date={DAY}", f"/diary?date={DAY}"):
        page = _text(client.get(path))
        order = [page.index(row) for row in rows]
        assert order == sorted(order), path
        assert "School A1, Room 12" in page
    auth.sign_out()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = _text(client.get(f"/diary/team?date={DAY}"))
    order = [page.index(row) for row in rows]
    assert order == sorted(order)
    visits = _text(client.get(f"/schools/{world.school_a1.id}/visits?date={DAY}"))
    row = f"09:00 to 10:00 (60 minutes) | Group session | School A1, Room 12 | {emhp.full_name}"
    assert row in visits


def test_todays_list_shows_a_timed_group_at_its_time(world, emhp, auth, client):
    today = service_today()
    _stored(new_group(world, emhp, title="Sleep well"), emhp, today, time(7), minutes=30)
    record(new_group(world, emhp, title="Untimed group"), emhp, day=today)
    auth.sign_in(emhp.email)
    page = _text(client.get("/"))
    assert "07:00 to 07:30 | Group: Sleep well | School A1" in page
    assert "Time not recorded | Group: Untimed group | School A1" in page


def test_the_feed_has_a_timed_group_at_its_time_and_names_no_child(world, emhp):
    start = datetime.combine(DAY, time(13, 15), tzinfo=SERVICE_TIME_ZONE)
    timed = _stored(world.group_a1, emhp, DAY, time(13, 15), minutes=45, room=world.room_a1)
    untimed = GroupSession(
        group=world.group_a1, held_on=DAY - timedelta(days=1), recorded_by_id=emhp.id
    )
    db.session.add(untimed)
    db.session.commit()
    body = feeds.calendar_for(emhp)
    events = {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    event = events[f"group-session-{timed.id}@mhst-case-manager"]
    assert str(event["SUMMARY"]) == "Group: Worry busters"
    assert event.decoded("DTSTART") == start.astimezone(UTC)
    assert event.decoded("DTEND") == (start + timedelta(minutes=45)).astimezone(UTC)
    assert str(event["LOCATION"]) == "School A1, Room 12"
    assert "TRANSP" not in event  # busy
    all_day = events[f"group-session-{untimed.id}@mhst-case-manager"]
    assert all_day.decoded("DTSTART") == untimed.held_on
    assert str(all_day["TRANSP"]) == "TRANSPARENT"
    child = world.case_a1.child  # a participant of the group
    text = body.decode()
    assert child.given_name not in text
    assert child.family_name not in text
