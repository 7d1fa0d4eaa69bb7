"""Caseloads: a practitioner's open cases with the days since referral and last contact,
the next session, the outcome measures due, flags for risk and supervision; sortable,
filterable, scoped, and a fixed number of queries whatever the caseload size. A senior
clinician sees the team's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework import operations
from mhst.casework.caseload import MeasuresDue, local_date, next_measure, service_date
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals import operations as referral_operations
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import (
    Child,
    ChildAgrees,
    Consent,
    ConsentKind,
    ConsentMethod,
    Duration,
    Gender,
    Impact,
    Referral,
    ReferralSource,
    ReferralStatus,
    YearGroup,
)
from mhst.security import scoping
from mhst.security.scoping import Kind
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from tests.audit_reads import audited_ids
from tests.test_triage import soup_of, table_rows, text_of

S = ReferralStatus
URL = "/casework/"


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A UK time on ``day`` as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIME_ZONE)


def long_day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def measure(referral, on: date, by: User, score: int = 5) -> MeasureRecord:
    """A Goal Based Outcomes record (one goal) for ``referral``, completed ``on``."""
    return MeasureRecord(
        referral=referral,
        measure_code="GBO",
        completed_on=on,
        respondent=Respondent.CHILD,
        by_item=True,
        recorded_by=by,
        answers=[MeasureAnswer(item_number=1, value=score, item_text="Speak up in class")],
        scores=[MeasureScore(scale="total", position=1, score=score)],
    )


def make_cases(world, practitioner: User, count: int, *, start: int = 0, school=None, **kw):
    """``count`` open cases allocated to ``practitioner``, made directly with bulk inserts
    (a later state of the journey), each with a parent's consent, an attended contact, a
    planned session and a supervision discussion, and every other case two outcome
    measures, so a query per row would show."""
    school = school or world.school_a2
    senior = world.users[Role.SENIOR_CLINICIAN]
    today = service_today()
    referrals = []
    for number in range(start, start + count):
        child = Child(
            given_name=kw.get("given_name", f"Kid{number}"),
            family_name=kw.get("family_name", f"Invented{number:04d}"),
            date_of_birth=date(today.year - 12, 1, 15),
            gender=Gender.NOT_STATED,
            year_group=YearGroup.YEAR_8,
            school=school,
        )
        referrals.append(
            Referral(
                child=child,
                school=school,
                source=ReferralSource.SCHOOL,
                received_on=kw.get("received_on", today - timedelta(days=10 + number % 50)),
                submitted_by=senior,
                in_education=True,
                duration=Duration.ONE_TO_THREE_MONTHS,
                impact=Impact.QUITE_A_LOT,
                needs_detail="Invented worries.",
                already_tried="Invented support.",
                discussed_with_team=True,
                child_agrees=ChildAgrees.YES,
                eligible=True,
                high_risk=kw.get("high_risk", number % 3 == 0),
                status=S.IN_TREATMENT if number % 2 else S.ALLOCATED,
                consents=[
                    Consent(
                        kind=ConsentKind.PARENT_CARER,
                        given_by_name="Pat Invented",
                        relationship_to_child="Father",
                        given_on=today - timedelta(days=5),
                        method=ConsentMethod.PHONE,
                        recorded_by=senior,
                    )
                ],
            )
        )
    allocated_at = kw.get("allocated_at", utcnow() - timedelta(days=14))
    rows: list = [
        Allocation(
            referral=r, practitioner=practitioner, allocated_by=senior, allocated_at=allocated_at
        )
        for r in referrals
    ]
    if kw.get("contacts", True):
        for index, referral in enumerate(referrals):
            rows += [
                _contact(
                    referral,
                    practitioner,
                    at(today - timedelta(days=3 + index % 20)),
                    Attendance.ATTENDED,
                ),
                _contact(
                    referral,
                    practitioner,
                    at(today + timedelta(days=2 + index % 20), 9 + index % 8),
                    None,
                ),
            ]
            if index % 2:
                rows += [
                    measure(referral, today - timedelta(days=40), practitioner, 2),
                    measure(referral, today - timedelta(days=30), practitioner, 6),
                ]
        rows.append(
            SupervisionRecord(
                held_on=today - timedelta(days=7),
                supervisor=senior,
                practitioner=practitioner,
                recorded_by_id=senior.id,
                cases=[SupervisionCase(referral=r, decision="Carry on.") for r in referrals],
            )
        )
    db.session.add_all([*referrals, *rows])
    db.session.commit()
    return referrals


def _contact(referral, practitioner, starts_at, attendance, location="Room 4"):
    return CareContact(
        referral=referral,
        practitioner=practitioner,
        starts_at=starts_at,
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        location=location,
        attendance=attendance,
        who_attended=WhoAttended.CHILD if attendance is Attendance.ATTENDED else None,
        created_by=practitioner,
    )


def sign_in(auth, world, role: Role = Role.EMHP):
    auth.sign_in(world.users[role].email)


def children(response) -> list[str]:
    """The Child column's names, top to bottom."""
    return [" ".join(row["Child"].split()[:2]) for row in table_rows(response)]


# ---- the number of queries -------------------------------------------------------------


def _get(client, count_queries, path):
    before = len(count_queries())
    response = client.get(path)
    assert response.status_code == 200
    return len(count_queries()) - before, response


@pytest.mark.parametrize(
    ("role", "query"),
    [
        (Role.EMHP, ""),
        (Role.EMHP, "?sort=next&flag=risk"),
        (Role.SENIOR_CLINICIAN, "?practitioner={emhp}&sort=contact"),
    ],
)
def test_the_caseload_makes_the_same_number_of_queries_for_5_and_200_cases(
    world, auth, client, count_queries, role, query
):
    emhp = world.users[Role.EMHP]
    path = URL + query.format(emhp=emhp.id)
    make_cases(world, emhp, 4)  # with case_a1: 5
    sign_in(auth, world, role)
    small, response = _get(client, count_queries, path)
    shown = len(table_rows(response))
    make_cases(world, emhp, 195, start=4)
    large, response = _get(client, count_queries, path)
    assert small > 0  # the counter really sees the queries
    assert large == small
    if "flag" not in query:
        assert shown == 5
        assert len(table_rows(response)) == 200


# ---- what each row shows -----------------------------------------------------------------


@pytest.fixture
def cases(world, make_user):
    """Three cases of the EMHP besides case_a1, made to test each column."""
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    today = service_today()
    seen = make_cases(
        world,
        emhp,
        1,
        given_name="Sam",
        family_name="Seen",
        received_on=today - timedelta(days=30),
        high_risk=True,
        allocated_at=utcnow() - timedelta(weeks=8),
        contacts=False,
    )[0]
    new = make_cases(
        world,
        emhp,
        1,
        start=1,
        given_name="Nia",
        family_name="New",
        received_on=today - timedelta(days=12),
        high_risk=False,
        allocated_at=utcnow() - timedelta(weeks=5),
        contacts=False,
        school=world.school_a1,
    )[0]
    recent = make_cases(
        world,
        emhp,
        1,
        start=2,
        given_name="Ari",
        family_name="Recent",
        received_on=today - timedelta(days=20),
        high_risk=False,
        allocated_at=utcnow() - timedelta(days=3),
        contacts=False,
    )[0]
    db.session.add_all(
        [
            _contact(seen, emhp, at(today - timedelta(days=9)), Attendance.ATTENDED),
            _contact(seen, emhp, at(today - timedelta(days=5)), Attendance.ATTENDED),
            # Missed and cancelled sessions are not contact.
            _contact(seen, emhp, at(today - timedelta(days=2)), Attendance.DID_NOT_ATTEND),
            _contact(seen, emhp, at(today - timedelta(days=1)), Attendance.CANCELLED_BY_FAMILY),
            # The soonest planned session is the next one; a past one never logged is not.
            _contact(seen, emhp, at(today - timedelta(days=1), 8), None),
            _contact(seen, emhp, at(today + timedelta(days=10), 15), None, "Library"),
            _contact(seen, emhp, at(today + timedelta(days=3), 10, 30), None, "Room 4"),
            _contact(recent, emhp, at(today - timedelta(days=1)), Attendance.ATTENDED),
            SupervisionRecord(
                held_on=today - timedelta(weeks=6),
                supervisor=senior,
                practitioner=emhp,
                recorded_by_id=senior.id,
                cases=[SupervisionCase(referral=seen, decision="Review risk.")],
            ),
        ]
    )
    db.session.commit()
    return {"seen": seen, "new": new, "recent": recent}


def test_each_case_shows_days_contacts_next_session_measures_and_flags(world, cases, auth, client):
    sign_in(auth, world)
    response = client.get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "Your caseload" in text
    assert "4 open cases" in text
    rows = {" ".join(row["Child"].split()[:2]): row for row in table_rows(response)}
    today = service_today()
    seen = rows["Sam Seen"]
    assert seen["School"] == "School A2"
    assert seen["Days since referral"] == "30"
    assert seen["Days since last contact"] == "5"
    # (The date is in its own span: the test's text extraction puts a space after it.)
    assert seen["Next session"].replace(" ,", ",") == (
        f"{long_day(today + timedelta(days=3))} at 10:30, face to face in school: Room 4"
    )
    assert seen["Measures due"] == "Baseline due Record a measure for Sam Seen"
    assert seen["Flags"] == "Risk screen positive Not discussed in supervision for 6 weeks"
    assert seen["Actions"].startswith("Sessions")
    new = rows["Nia New"]
    assert new["School"] == "School A1"
    assert new["Days since last contact"] == "No contact yet"
    assert new["Next session"] == "None booked"
    # Never discussed: the clock runs from allocation, 5 weeks ago.
    assert new["Flags"] == "Not discussed in supervision for 5 weeks"
    recent = rows["Ari Recent"]
    assert recent["Days since last contact"] == "1"
    assert recent["Flags"] == "None"  # allocated 3 days ago: not yet due for supervision
    casey = rows["Casey Allocated"]  # world.case_a1: discussed today, a session next week
    assert casey["Flags"] == "None"
    # measure_a1 was recorded today.
    assert casey["Measures due"] == (
        f"Not due. Last recorded {long_day(today)} Record a measure for Casey Allocated"
    )
    assert casey["Next session"].endswith("face to face in school: The school's wellbeing room")
    # The child's name links to the referral.
    assert f'href="/referrals/{cases["seen"].id}"' in response.get_data(as_text=True)


def test_the_supervision_interval_is_configurable(world, cases, auth, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPERVISION_INTERVAL_WEEKS", 8)
    sign_in(auth, world)
    rows = {" ".join(r["Child"].split()[:2]): r for r in table_rows(client.get(URL))}
    assert rows["Sam Seen"]["Flags"] == "Risk screen positive"
    assert rows["Nia New"]["Flags"] == "None"
    assert "more than 8 weeks" in text_of(client.get(URL))


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["Sam Seen", "Ari Recent", "Nia New", "Casey Allocated"]),
        ("referral", ["Sam Seen", "Ari Recent", "Nia New", "Casey Allocated"]),
        ("name", ["Casey Allocated", "Nia New", "Ari Recent", "Sam Seen"]),
        ("contact", ["Nia New", "Casey Allocated", "Sam Seen", "Ari Recent"]),
        ("next", ["Sam Seen", "Casey Allocated", "Nia New", "Ari Recent"]),
    ],
)
def test_the_caseload_sorts(world, cases, auth, client, sort, order):
    # Casey (case_a1) was referred today. "contact": never seen first, the longest since
    # referral first; "next": nothing booked last, the longest since allocation first.
    sign_in(auth, world)
    response = client.get(URL + (f"?sort={sort}" if sort else ""))
    assert response.status_code == 200
    assert children(response)[: len(order)] == order


def test_the_caseload_filters_by_school_and_flag(world, cases, auth, client):
    sign_in(auth, world)
    assert children(client.get(f"{URL}?school={world.school_a1.id}")) == ["Nia New"]
    assert children(client.get(f"{URL}?flag=risk")) == ["Sam Seen"]
    assert children(client.get(f"{URL}?flag=supervision&sort=name")) == ["Nia New", "Sam Seen"]
    # Casey (case_a1) has a measure from today; the others have none.
    assert children(client.get(f"{URL}?flag=measures&sort=name")) == [
        "Nia New",
        "Ari Recent",
        "Sam Seen",
    ]
    response = client.get(f"{URL}?school={world.school_b1.id}&flag=risk")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=bogus", "Select how to sort the caseload from the list"),
        ("sort=' OR 1=1 --", "Select how to sort the caseload from the list"),
        ("flag=urgent", "Select a flag from the list"),
        ("school=abc", "Select a school from the list"),
        ("school=999999999", "Select a school from the list"),
        ("school=" + "9" * 60, "Select a school from the list"),
        ("school=B1", "Select a school from the list"),
    ],
)
def test_unknown_sorts_and_filters_are_refused(world, cases, auth, client, query, message):
    if query == "school=B1":
        query = f"school={world.school_b1.id}"  # another team's school is not in scope
    sign_in(auth, world)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text
    assert table_rows(response) == []


def test_each_case_listed_is_an_audited_read(world, cases, auth, client):
    sign_in(auth, world)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    client.get(URL)
    read = audited_ids(
        AuditEvent.action == AuditAction.READ, AuditEvent.record_type == "referral", newest=1
    )
    expected = {str(r.id) for r in (*cases.values(), world.case_a1)}
    assert set(read) == expected
    # One entry naming the four cases listed, not one per case.
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + 1


# ---- outcome measures due -----------------------------------------------------------


@pytest.mark.parametrize(
    ("last_on", "sessions", "expected"),
    [
        (None, 0, MeasuresDue.BASELINE),
        (None, 5, MeasuresDue.BASELINE),  # sessions without any measure: still the baseline
        (date(2026, 11, 3), 0, MeasuresDue.NOT_DUE),
        (date(2026, 11, 3), 2, MeasuresDue.NOT_DUE),  # one short of 3
        (date(2026, 11, 3), 3, MeasuresDue.REVIEW),  # exactly 3
        (date(2026, 11, 3), 4, MeasuresDue.REVIEW),
    ],
)
def test_the_measures_due_rule(last_on, sessions, expected):
    assert next_measure(last_on, sessions, 3) is expected


@pytest.fixture
def measured(world):
    """Mia: a case with an old measure, a newer one 20 days ago (``on``), and two sessions
    that count since then; sessions on the day of the newer measure, or missed, do not."""
    emhp = world.users[Role.EMHP]
    case = make_cases(
        world, emhp, 1, start=800, given_name="Mia", family_name="Measured", contacts=False
    )[0]
    on = service_today() - timedelta(days=20)
    db.session.add_all(
        [
            measure(case, on - timedelta(days=20), emhp, 2),
            # Before the newer measure: these do not count towards its review.
            *[
                _contact(case, emhp, at(on - timedelta(days=d)), Attendance.ATTENDED)
                for d in (19, 12, 5)
            ],
            measure(case, on, emhp, 4),
            # The same day as the measure (after it): not a session since it.
            _contact(case, emhp, at(on, 16), Attendance.ATTENDED),
            _contact(case, emhp, at(on + timedelta(days=2)), Attendance.ATTENDED),
            _contact(case, emhp, at(on + timedelta(days=4)), Attendance.DID_NOT_ATTEND),
            _contact(case, emhp, at(on + timedelta(days=5)), Attendance.CANCELLED_BY_FAMILY),
            _contact(case, emhp, at(on + timedelta(days=6)), Attendance.ATTENDED),
        ]
    )
    db.session.commit()
    return case, on


def _measures_cell(client, name: str, query: str = "") -> str | None:
    """The child's Measures due cell, without its "Record a measure" link, or None."""
    rows = {" ".join(r["Child"].split()[:2]): r for r in table_rows(client.get(URL + query))}
    if name not in rows:
        return None
    link = f" Record a measure for {name}"
    assert rows[name]["Measures due"].endswith(link)
    return rows[name]["Measures due"].removesuffix(link)


def test_a_review_measure_is_due_after_3_sessions_on_later_days(world, measured, auth, client):
    case, on = measured
    sign_in(auth, world)
    # 2 attended sessions after the day of the latest measure: not due.
    assert _measures_cell(client, "Mia Measured") == (f"Not due. Last recorded {long_day(on)}")
    assert _measures_cell(client, "Mia Measured", "?flag=measures") is None
    # A third: the review is due.
    db.session.add(
        _contact(case, world.users[Role.EMHP], at(on + timedelta(days=9), 9), Attendance.ATTENDED)
    )
    db.session.commit()
    due = "Review due (3 sessions since the last measure)"
    assert _measures_cell(client, "Mia Measured") == due
    assert _measures_cell(client, "Mia Measured", "?flag=measures") == due
    # Recording a measure today stops it being due.
    db.session.add(measure(case, service_today(), world.users[Role.EMHP], 7))
    db.session.commit()
    assert _measures_cell(client, "Mia Measured") == (
        f"Not due. Last recorded {long_day(service_today())}"
    )


def test_a_case_with_no_measure_has_a_baseline_due(world, measured, auth, client):
    sign_in(auth, world)
    db.session.delete(world.measure_a1)
    db.session.commit()
    assert _measures_cell(client, "Casey Allocated") == "Baseline due"
    assert children(client.get(URL + "?flag=measures")) == ["Casey Allocated"]
    links = soup_of(client.get(URL)).select("td a[href$='/measures/new']")
    assert {a["href"] for a in links} == {
        f"/casework/cases/{world.case_a1.id}/measures/new",
        f"/casework/cases/{measured[0].id}/measures/new",
    }
    # The link names the child for screen readers.
    assert "Record a measure for Casey Allocated" in [a.get_text() for a in links]


def test_the_review_interval_is_configurable(world, measured, auth, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MEASURE_REVIEW_SESSIONS", 2)
    sign_in(auth, world)
    assert _measures_cell(client, "Mia Measured") == (
        "Review due (2 sessions since the last measure)"
    )
    assert "after 2 attended sessions on later days" in text_of(client.get(URL))


@pytest.mark.parametrize(
    "moment",
    [
        # UK summer time starts at 01:00 UTC on the last Sunday of March (29 March 2026,
        # 28 March 2027) and ends at 01:00 UTC on the last Sunday of October (25 October
        # 2026, 31 October 2027). Each instant is UTC; the expected date is Python's.
        datetime(2026, 3, 28, 23, 30),
        datetime(2026, 3, 29, 0, 59),
        datetime(2026, 3, 29, 1, 0),
        datetime(2026, 3, 29, 23, 0),  # 00:00 BST on 30 March
        datetime(2026, 7, 14, 22, 59),
        datetime(2026, 7, 14, 23, 0),  # 00:00 BST on 15 July
        datetime(2026, 10, 24, 23, 30),  # 00:30 BST on 25 October
        datetime(2026, 10, 25, 0, 59),
        datetime(2026, 10, 25, 1, 0),
        datetime(2026, 10, 25, 23, 30),  # GMT again: still 25 October
        datetime(2026, 12, 31, 23, 59),
        datetime(2027, 3, 27, 23, 30),
        datetime(2027, 3, 28, 1, 0),
        datetime(2027, 10, 30, 23, 30),  # 00:30 BST on 31 October
        datetime(2027, 10, 31, 23, 30),
    ],
)
def test_sql_dates_of_sessions_are_uk_dates(world, moment):
    contact = _contact(
        world.case_a1, world.users[Role.EMHP], moment.replace(tzinfo=UTC), Attendance.ATTENDED
    )
    db.session.add(contact)
    db.session.commit()
    found = db.session.scalar(
        select(service_date(CareContact.starts_at)).where(CareContact.id == contact.id)
    )
    assert found == local_date(moment.replace(tzinfo=UTC))


# ---- whose caseload --------------------------------------------------------------------


@pytest.fixture
def others(world, make_user):
    """Robin: another EMHP of team A with one case; Bea: an EMHP of team B with one."""
    robin = make_user(Role.EMHP, team=world.team_a, full_name="Robin Second")
    bea = make_user(Role.EMHP, team=world.team_b, full_name="Bea Otherteam")
    robin_case = make_cases(world, robin, 1, start=500, given_name="Rory", family_name="Robins")[0]
    bea_case = make_cases(
        world, bea, 1, start=501, given_name="Bo", family_name="Bees", school=world.school_b1
    )[0]
    return {"robin": robin, "bea": bea, "robin_case": robin_case, "bea_case": bea_case}


def test_an_emhp_sees_only_their_own_caseload(world, others, auth, client):
    sign_in(auth, world)
    response = client.get(URL)
    assert children(response) == ["Casey Allocated"]
    emhp = world.users[Role.EMHP]
    assert client.get(f"{URL}?practitioner={emhp.id}").status_code == 200
    assert client.get(f"{URL}?practitioner={others['robin'].id}").status_code == 404
    assert client.get(f"{URL}?practitioner={others['bea'].id}").status_code == 404
    # Another EMHP's case (same team) and another team's case are not found.
    for case in (others["robin_case"], others["bea_case"]):
        assert client.get(f"/casework/cases/{case.id}/discharge").status_code == 404
    visible = set(
        db.session.scalars(select(Referral.id).where(scoping.scope(emhp, Referral, Kind.CASE)))
    )
    assert visible == {world.case_a1.id}


def test_a_senior_clinician_sees_each_caseload_of_the_team(world, others, auth, client):
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    robin = others["robin"]
    response = client.get(f"{URL}?practitioner={robin.id}")
    assert response.status_code == 200
    assert "Caseload of Robin Second" in text_of(response)
    assert children(response) == ["Rory Robins"]
    assert "Reallocate" in table_rows(response)[0]["Actions"]
    for wanted in (others["bea"].id, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].id, "abc", "-1"):
        assert client.get(f"{URL}?practitioner={wanted}").status_code == 404
    assert client.get(f"/casework/cases/{others['bea_case'].id}/discharge").status_code == 404
    assert client.get(f"/casework/cases/{others['bea_case'].id}/reopen").status_code == 404


def test_cases_that_are_not_open_or_not_theirs_now_are_not_on_the_caseload(
    world, others, auth, client
):
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    moved = make_cases(world, emhp, 1, start=600, given_name="Mo", family_name="Moved")[0]
    closed = make_cases(world, emhp, 1, start=601, given_name="Di", family_name="Closed")[0]
    operations.allocate(moved, others["robin"], by=senior)
    closed.status = S.DISCHARGED
    db.session.commit()
    sign_in(auth, world)
    assert children(client.get(URL)) == ["Casey Allocated"]
    assert client.get(f"/casework/cases/{moved.id}/discharge").status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.CLINICAL_LEAD, {"case_a1", "referral_a1", "bea_case", "robin_case"}),
        (Role.SENIOR_CLINICIAN, {"case_a1", "referral_a1", "robin_case"}),
        (Role.ADMINISTRATOR, set()),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, set()),
    ],
)
def test_case_scope_by_role(world, others, role, expected):
    names = {
        world.case_a1.id: "case_a1",
        world.referral_a1.id: "referral_a1",
        others["bea_case"].id: "bea_case",
        others["robin_case"].id: "robin_case",
    }
    visible = db.session.scalars(
        select(Referral.id).where(scoping.scope(world.users[role], Referral, Kind.CASE))
    )
    assert {names[i] for i in visible if i in names} == expected


# ---- the team's caseloads --------------------------------------------------------------


def test_team_caseloads_count_each_practitioners_open_cases(
    world, others, make_user, make_referral, auth, client
):
    senior = world.users[Role.SENIOR_CLINICIAN]
    gone = make_user(Role.EMHP, team=world.team_a, full_name="Gone Away", active=False)
    make_cases(world, gone, 2, start=700)
    make_user(Role.EMHP, team=world.team_a, full_name="Also Gone", active=False)  # no cases
    waiting = make_referral(world.school_a2, by=senior, consent=True)
    referral_operations.triage(waiting, S.ACCEPTED, by=senior, reason=None)
    db.session.commit()
    sign_in(auth, world, Role.SENIOR_CLINICIAN)
    response = client.get("/casework/team")
    assert response.status_code == 200
    text = text_of(response)
    assert "Team caseloads" in text
    assert "1 referral waiting for allocation" in text
    assert 'href="/referrals/waiting-list"' in response.get_data(as_text=True)
    rows = {row["Practitioner"]: row for row in table_rows(response)}
    emhp = world.users[Role.EMHP]
    assert set(rows) == {
        emhp.full_name,
        senior.full_name,
        "Robin Second",
        "Gone Away No longer active",
    }
    assert rows[emhp.full_name]["Open cases"] == "1"
    assert rows["Robin Second"]["Open cases"] == "1"
    assert rows[senior.full_name]["Open cases"] == "0"
    assert rows["Gone Away No longer active"]["Open cases"] == "2"
    assert f'href="/casework/?practitioner={others["robin"].id}"' in response.get_data(as_text=True)
