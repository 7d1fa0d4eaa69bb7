"""The booking rules for 1:1 sessions: school days (weekends and an area's term-time
closures, with the English default), the school's rooms (one session at a time), a
course of weekly sessions booked all or nothing, rescheduling and cancelling under the
same rules, and the administrator's term dates page."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mhst.core.academic_year import academic_year_of
from mhst.core.formatting import format_date
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.organisation import term_dates
from mhst.organisation.models import ClosureKind, TermClosure
from mhst.schools.models import SchoolRoom
from mhst.sessions import booking, corrections
from mhst.sessions import operations as sessions
from mhst.sessions.change_models import ChangeKind, SessionChange
from mhst.sessions.models import Attendance, CareContact, ContactMode
from tests import test_care_contacts
from tests.conftest import school_day
from tests.test_care_contacts import (
    at,
    book_data,
    contacts_of,
    date_parts,
    details,
    logged,
    open_case,
    room_12,
    sessions_url,
    soup_of,
    text_of,
)

emhp, case, signed_in = (
    test_care_contacts.emhp,
    test_care_contacts.case,
    test_care_contacts.signed_in,
)


def is_school_day(day: date) -> bool:
    """Independently of the rule: a weekday outside the default closures."""
    closures = term_dates.default_closures(academic_year_of(day))
    return day.weekday() < 5 and not any(c.first_day <= day <= c.last_day for c in closures)


def weekly_start(weeks: int, *, all_school_days: bool) -> date:
    """A day at least 8 days ahead that is a school day, whose next ``weeks`` weekly
    dates are all school days (or not all)."""
    for n in range(8, 300):
        day = service_today() + timedelta(days=n)
        dates = [day + timedelta(weeks=w) for w in range(weeks)]
        if is_school_day(day) and all(map(is_school_day, dates)) == all_school_days:
            return day
    raise AssertionError("no such start in the coming year")


# ---- the English default -------------------------------------------------------------


@pytest.mark.parametrize("year", range(2024, 2032))
def test_the_default_closures_are_in_order_within_their_year(year):
    closures = term_dates.default_closures(year)
    assert [c.label for c in closures][:2] == ["Autumn half term", "Christmas holiday"]
    assert closures[0].first_day >= date(year, 9, 1)
    assert closures[-1].last_day == date(year + 1, 8, 31)
    for earlier, later in itertools.pairwise(closures):
        assert earlier.first_day <= earlier.last_day < later.first_day
    half_terms = [c for c in closures if "half term" in c.label]
    assert all(c.first_day.weekday() == 0 and c.last_day.weekday() == 4 for c in half_terms)


def test_easter_is_worked_out_for_known_years():
    assert term_dates.easter_sunday(2026) == date(2026, 4, 5)
    assert term_dates.easter_sunday(2027) == date(2027, 3, 28)
    assert term_dates.easter_sunday(2030) == date(2030, 4, 21)


# ---- school days ---------------------------------------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    days=st.integers(min_value=1, max_value=364),
    hour=st.integers(min_value=7, max_value=18),
    mode=st.sampled_from(list(ContactMode)),
)
def test_only_face_to_face_in_school_is_kept_to_school_days(case, days, hour, mode):
    day = service_today() + timedelta(days=days)
    refused = mode is ContactMode.FACE_TO_FACE_SCHOOL and not is_school_day(day)
    if refused:
        with pytest.raises(RuleError, match="video or telephone") as error:
            booking.check_school_day(case, mode, at(day, hour))
        assert error.value.field == "session_date"
    else:
        booking.check_school_day(case, mode, at(day, hour))


def test_a_weekend_booking_in_school_is_refused_and_a_video_one_is_not(case, emhp):
    saturday = school_day(8)
    saturday += timedelta(days=(5 - saturday.weekday()) % 7)
    with pytest.raises(RuleError) as refused:
        sessions.book_session(case, details(starts_at=at(saturday, 10)), by=emhp)
    assert refused.value.message.startswith(f"{format_date(saturday)} is a Saturday")
    db.session.rollback()
    video = sessions.book_session(
        case, details(starts_at=at(saturday, 10), mode=ContactMode.VIDEO), by=emhp
    )
    assert video.id


def test_an_areas_own_closures_replace_the_default(case, emhp, world):
    day = school_day(8)
    db.session.add(
        TermClosure(
            area_id=world.area_a.id,
            first_day=day,
            last_day=day,
            label="Staff training day",
            kind=ClosureKind.CLOSURE_DAY,
        )
    )
    db.session.commit()
    with pytest.raises(RuleError, match="Staff training day"):
        sessions.book_session(case, details(starts_at=at(day, 10)), by=emhp)
    db.session.rollback()
    # With closures entered for the year, the default's holidays no longer apply.
    christmas = term_dates.default_closures(academic_year_of(day))[1].first_day
    christmas += timedelta(days=1)  # a Tuesday
    assert booking.school_day_problem(world.area_a.id, christmas) is None


def test_a_session_that_happened_is_logged_whatever_the_day(case, emhp):
    day = service_today() - timedelta(days=1)
    while is_school_day(day):
        day -= timedelta(days=1)
    contact = sessions.log_session(case, logged(starts_at=at(day, 10)), by=emhp)
    assert contact.attendance is Attendance.ATTENDED


# ---- rooms ---------------------------------------------------------------------------


def test_a_room_holds_one_session_at_a_time(case, emhp, world, make_referral):
    senior = world.users[test_care_contacts.Role.SENIOR_CLINICIAN]
    other = open_case(world, make_referral, child={"given_name": "Secretname"})
    booked = sessions.book_session(other, details(), by=senior)
    db.session.commit()
    assert (booked.room_id, booked.location) == (room_12(), "Room 12")
    with pytest.raises(RuleError) as refused:
        sessions.book_session(case, details(starts_at=at(school_day(8), 15)), by=emhp)
    assert refused.value.field == "room_id"
    assert "Room 12 is already booked from 14:30 to 15:15" in refused.value.message
    assert "Secretname" not in refused.value.message
    db.session.rollback()
    # Cancelled, the room is free again.
    sessions.cancel_planned_sessions(other, by=senior, reason="Family moved")
    sessions.book_session(case, details(starts_at=at(school_day(8), 15)), by=emhp)
    db.session.commit()


def test_a_school_without_rooms_is_named_and_linked(world, make_referral, signed_in, client):
    case_b = open_case(world, make_referral, school=world.school_a1)
    db.session.execute(
        SchoolRoom.__table__.update()
        .where(SchoolRoom.school_id == world.school_a1.id)
        .values(active=False)
    )
    db.session.commit()
    with pytest.raises(RuleError, match="School A1 has no rooms recorded"):
        sessions.book_session(case_b, details(room_id=None), by=signed_in)
    db.session.rollback()
    page = client.get(f"{sessions_url(case_b)}/book")
    link = soup_of(page).select_one(f"a[href='/schools/{world.school_a1.id}/rooms']")
    assert "Add a room" in link.get_text()


def test_rooms_are_kept_on_the_schools_page(world, auth, client):
    assert auth.sign_in(world.users[test_care_contacts.Role.EMHP].email).status_code == 302
    url = f"/schools/{world.school_a2.id}/rooms"
    assert auth.post(url, {"name": "  Wellbeing   room "}).status_code == 302
    again = auth.post(url, {"name": "wellbeing ROOM"})
    assert again.status_code == 400
    assert "School A2 already has a room called wellbeing ROOM" in text_of(again)
    assert auth.post(url, {"name": ""}).status_code == 400
    room = db.session.scalars(select(SchoolRoom).filter_by(name="Wellbeing room")).one()
    assert auth.post(f"{url}/{room.id}/stop").status_code == 302
    assert db.session.get(SchoolRoom, room.id).active is False
    show = soup_of(client.get(f"/schools/{world.school_a2.id}"))
    listed = [li.get_text(strip=True) for li in show.select("main ul.nhsuk-list--bullet li")]
    assert "Room 12" in listed
    assert "Wellbeing room" not in listed


# ---- a course of weekly sessions ----------------------------------------------------


def test_six_weekly_sessions_are_booked_in_one_step(case, signed_in, auth, client):
    start = weekly_start(6, all_school_days=True)
    response = auth.post(
        f"{sessions_url(case)}/book",
        book_data(**date_parts("session_date", start), start_time="10:00", repeat_weeks="6"),
    )
    assert response.status_code == 302
    booked = contacts_of(case)
    assert [c.starts_at for c in booked] == [at(start + timedelta(weeks=w), 10) for w in range(6)]
    last = start + timedelta(weeks=5)
    year = "" if last.year == service_today().year else f" {last.year}"
    first_year = "" if start.year == service_today().year else f" {start.year}"
    expected = (
        f"6 sessions booked: {start.day} {start:%B}{first_year} to {last.day} {last:%B}{year}"
    )
    assert expected in text_of(client.get(sessions_url(case)))


def test_a_course_with_a_closed_week_books_nothing_and_names_each_date(case, signed_in, auth):
    start = weekly_start(6, all_school_days=False)
    failing = [
        start + timedelta(weeks=w)
        for w in range(6)
        if not is_school_day(start + timedelta(weeks=w))
    ]
    response = auth.post(
        f"{sessions_url(case)}/book",
        book_data(**date_parts("session_date", start), start_time="10:00", repeat_weeks="6"),
    )
    assert response.status_code == 400
    summary = soup_of(response).select_one(".nhsuk-error-summary").get_text(" ", strip=True)
    for day in failing:
        assert f"{format_date(day)}: " in summary
    assert contacts_of(case) == []


def _school_weeks_from(start: date, count: int) -> tuple[list[date], list[date]]:
    """Independently of the rule: the first ``count`` weekly dates from ``start`` that
    are school days, and the closed weekly dates passed over on the way."""
    booked, skipped, day = [], [], start
    while len(booked) < count:
        (booked if is_school_day(day) else skipped).append(day)
        day += timedelta(weeks=1)
    return booked, skipped


def test_a_course_can_skip_the_closed_weeks_and_go_on_after_them(case, signed_in, auth, client):
    start = weekly_start(6, all_school_days=False)
    expected, closed = _school_weeks_from(start, 6)
    assert closed  # the start was chosen so that some week falls in a closure
    response = auth.post(
        f"{sessions_url(case)}/book",
        book_data(
            **date_parts("session_date", start),
            start_time="10:00",
            repeat_weeks="6",
            skip_closed="y",
        ),
    )
    assert response.status_code == 302
    assert [c.starts_at for c in contacts_of(case)] == [at(day, 10) for day in expected]
    message = text_of(client.get(sessions_url(case)))
    assert "6 sessions booked" in message
    for day in closed:
        assert f"{day.day} {day:%B}" in message.split("Not booked on", 1)[1]


def test_a_video_course_books_its_weeks_whatever_the_school_holidays(case, signed_in, auth):
    start = weekly_start(6, all_school_days=False)
    data = book_data(
        **date_parts("session_date", start),
        start_time="10:00",
        repeat_weeks="6",
        mode="video",
        room_id="",
        skip_closed="y",
    )
    assert auth.post(f"{sessions_url(case)}/book", data).status_code == 302
    booked = [c.starts_at for c in contacts_of(case)]
    assert booked == [at(start + timedelta(weeks=w), 10) for w in range(6)]


def test_the_book_form_offers_to_skip_closed_weeks_ticked(case, signed_in, client):
    box = soup_of(client.get(f"{sessions_url(case)}/book")).select_one("input[name=skip_closed]")
    assert box is not None
    assert box.has_attr("checked")


@pytest.mark.parametrize("weeks", ["0", "13", "six", "-1"])
def test_the_number_of_weeks_is_from_1_to_12(case, signed_in, auth, weeks):
    response = auth.post(f"{sessions_url(case)}/book", book_data(repeat_weeks=weeks))
    assert response.status_code == 400
    assert "Enter a number of weeks from 1 to 12" in text_of(response)


def test_a_course_sent_twice_is_booked_once(case, signed_in, auth, client):
    page = client.get(f"{sessions_url(case)}/book")
    token = soup_of(page).select_one("input[name=submission_token]")["value"]
    start = weekly_start(3, all_school_days=True)
    data = book_data(**date_parts("session_date", start), repeat_weeks="3", submission_token=token)
    first = auth.post(f"{sessions_url(case)}/book", data)
    second = auth.post(f"{sessions_url(case)}/book", data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(contacts_of(case)) == 3


# ---- the form filled in from the diary ------------------------------------------------


def test_the_book_form_takes_a_date_and_time_from_the_diary(case, signed_in, client):
    page = soup_of(client.get(f"{sessions_url(case)}/book?date=2027-01-05&time=09:30"))
    assert page.select_one("#session_date")["value"] == "5"
    assert page.select_one("#start_time")["value"] == "09:30"
    for query in ("date=2027-02-30&time=25:00", "date=nonsense&time=x", "date=&time="):
        response = client.get(f"{sessions_url(case)}/book?{query}")
        assert response.status_code == 200
        assert soup_of(response).select_one("#start_time").get("value", "") == ""


# ---- moving and cancelling ------------------------------------------------------------


def test_moving_keeps_the_school_day_and_room_rules(case, emhp, world, make_referral):
    booked = sessions.book_session(case, details(), by=emhp)
    db.session.commit()
    saturday = school_day(8) + timedelta(days=(5 - school_day(8).weekday()) % 7)

    def move(starts_at, **extra):
        return corrections.change_time(
            booked,
            starts_at=starts_at,
            duration_minutes=45,
            reason="Family asked",
            by=emhp,
            read_version=booked.version,
            **extra,
        )

    with pytest.raises(RuleError, match="is a Saturday"):
        move(at(saturday, 10))
    db.session.rollback()
    other = open_case(world, make_referral, child={"given_name": "Hidden"})
    senior = world.users[test_care_contacts.Role.SENIOR_CLINICIAN]
    sessions.book_session(other, details(starts_at=at(school_day(9), 11)), by=senior)
    db.session.commit()
    with pytest.raises(RuleError, match="Room 12 is already booked from 11:00 to 11:45"):
        move(at(school_day(9), 11, 30))
    db.session.rollback()
    wellbeing = SchoolRoom(school_id=case.school_id, name="Wellbeing room")
    db.session.add(wellbeing)
    db.session.commit()
    move(at(school_day(9), 11, 30), room_id=str(wellbeing.id))
    db.session.commit()
    stored = db.session.get(CareContact, booked.id)
    assert (stored.room_id, stored.location) == (wellbeing.id, "Wellbeing room")
    [change] = db.session.scalars(select(SessionChange).filter_by(care_contact_id=booked.id))
    assert change.kind is ChangeKind.RESCHEDULED
    assert change.from_value.endswith("Room 12")
    assert change.to_value.endswith("Wellbeing room")


def test_cancelling_a_booked_session_asks_why_and_keeps_history(case, signed_in, auth):
    booked = sessions.book_session(case, details(), by=signed_in)
    db.session.commit()
    url = f"{sessions_url(case)}/{booked.id}"
    refused = auth.post(url, {"attendance": "cancelled_by_service", "new_risk": "no"})
    assert refused.status_code == 400
    assert "Enter why you are making this cancellation" in text_of(refused)
    done = auth.post(
        url, {"attendance": "cancelled_by_service", "new_risk": "no", "reason": "EMHP ill"}
    )
    assert done.status_code == 302
    count = select(func.count()).select_from(SessionChange).filter_by(care_contact_id=booked.id)
    assert db.session.scalar(count) == 1
    assert db.session.get(CareContact, booked.id).cancellation_reason == "EMHP ill"


def test_a_cancelled_session_made_attended_needs_its_room_free(case, emhp, world, make_referral):
    """A cancelled session's room may have been booked again: correcting it to attended
    checks the room, as it checks the practitioner."""
    earlier = at(service_today() - timedelta(days=2), 10)
    cancelled = test_care_contacts.add_contact(
        case, emhp, earlier, attendance=Attendance.CANCELLED_BY_FAMILY, room_id=room_12()
    )
    other = open_case(world, make_referral, child={"given_name": "Otherchild"})
    senior = world.users[test_care_contacts.Role.SENIOR_CLINICIAN]
    test_care_contacts.add_contact(
        other, senior, earlier, attendance=Attendance.ATTENDED, room_id=room_12()
    )
    with pytest.raises(RuleError, match="Room 12 is already booked from 10:00 to 10:45"):
        corrections.change_attendance(
            cancelled,
            sessions.OutcomeDetails(Attendance.DID_NOT_ATTEND),
            reason="They did come, late",
            by=emhp,
            read_version=cancelled.version,
        )


# ---- the administrator's term dates page --------------------------------------------


def test_an_administrator_keeps_an_areas_term_dates(world, auth, client):
    admin = world.users[test_care_contacts.Role.ADMINISTRATOR]
    assert auth.sign_in(admin.email).status_code == 302
    year = academic_year_of(service_today()) + 1
    url = f"/admin/organisation/areas/{world.area_a.id}/term-dates"
    page = client.get(f"{url}?year={year}")
    assert "no term dates" in text_of(page)
    assert "Christmas holiday" in text_of(page)

    def closure(first: date, last: date, label="Strike day") -> dict:
        return {
            "year": str(year),
            "label": label,
            "kind": "closure_day",
            **date_parts("first_day", first),
            **date_parts("last_day", last),
        }

    autumn = date(year, 11, 2)
    assert auth.post(url, closure(autumn, autumn)).status_code == 302
    cases = [
        (closure(autumn, autumn - timedelta(days=1)), "The last day must be the same as or after"),
        (closure(autumn, autumn), "These dates overlap Strike day"),
        (closure(date(year + 1, 9, 2), date(year + 1, 9, 2)), "within the academic year"),
    ]
    for data, message in cases:
        response = auth.post(url, data)
        assert response.status_code == 400
        assert message in soup_of(response).select_one(".nhsuk-error-summary").get_text()
    entered = term_dates.entered_closures(world.area_a.id, year)
    assert [c.label for c in entered] == ["Strike day"]
    assert auth.post(f"{url}/copy-default?year={year}").status_code == 400  # some entered
    assert auth.post(f"{url}/{entered[0].id}/remove").status_code == 302
    assert auth.post(f"{url}/copy-default?year={year}").status_code == 302
    copied = term_dates.entered_closures(world.area_a.id, year)
    assert [c.label for c in copied] == [c.label for c in term_dates.default_closures(year)]


# ---- list pages: a fixed number of queries ------------------------------------------


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


def test_the_rooms_and_term_dates_pages_use_a_constant_number_of_queries(
    world, auth, client, count_queries
):
    admin = world.users[test_care_contacts.Role.ADMINISTRATOR]
    assert auth.sign_in(admin.email).status_code == 302
    year = academic_year_of(service_today())
    paths = [
        f"/schools/{world.school_a2.id}/rooms",
        f"/admin/organisation/areas/{world.area_a.id}/term-dates?year={year}",
    ]
    small = [_queries_for(client, count_queries, path) for path in paths]
    for n in range(20):
        db.session.add(SchoolRoom(school_id=world.school_a2.id, name=f"Room {100 + n}"))
    term_dates.copy_default(world.area_a, year, by=None)
    for n in range(1, 12):
        day = date(year, 9, 1) + timedelta(days=n)
        db.session.add(
            TermClosure(
                area_id=world.area_a.id,
                first_day=day,
                last_day=day,
                label=f"Day {n}",
                kind=ClosureKind.CLOSURE_DAY,
            )
        )
    db.session.commit()
    assert [_queries_for(client, count_queries, path) for path in paths] == small
