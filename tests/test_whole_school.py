"""Staff log whole-school activities against a school; the school's lead sees them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.wholeschool import operations
from mhst.wholeschool.models import (
    ActivityKind,
    ActivityPrinciple,
    Principle,
    WholeSchoolActivity,
)


def activities_url(school) -> str:
    return f"/schools/{school.id}/activities"


def activity_data(**changes) -> dict:
    data = {
        "kind": ActivityKind.STAFF_TRAINING.value,
        "other_kind": "",
        "held_on-day": "3",
        "held_on-month": "2",
        "held_on-year": "2025",
        "theme": "Spotting low mood",
        "delivered_by": "Team A EMHPs",
        "attendance": "42",
        "principles": [Principle.STAFF_DEVELOPMENT.value, Principle.IDENTIFYING_NEED.value],
        "notes": "Slides shared with the pastoral team.",
    }
    return {**data, **changes}


def activities_at(school) -> list[WholeSchoolActivity]:
    return list(
        db.session.scalars(
            select(WholeSchoolActivity)
            .where(WholeSchoolActivity.school_id == school.id)
            .order_by(WholeSchoolActivity.id)
        )
    )


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


@pytest.fixture
def emhp(world, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    return world.users[Role.EMHP]


def test_an_emhp_logs_an_activity(emhp, world, auth, client):
    form = client.get(f"{activities_url(world.school_a1)}/new")
    assert form.status_code == 200
    response = auth.post(f"{activities_url(world.school_a1)}/new", activity_data())
    assert response.status_code == 302
    assert response.headers["Location"] == activities_url(world.school_a1)
    activity = activities_at(world.school_a1)[-1]
    assert activity.kind is ActivityKind.STAFF_TRAINING
    assert activity.other_kind is None
    assert activity.held_on == date(2025, 2, 3)
    assert (activity.theme, activity.delivered_by, activity.attendance) == (
        "Spotting low mood",
        "Team A EMHPs",
        42,
    )
    assert set(activity.principles) == {Principle.IDENTIFYING_NEED, Principle.STAFF_DEVELOPMENT}
    assert activity.notes == "Slides shared with the pastoral team."
    assert activity.recorded_by_id == emhp.id
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "whole_school_activity",
            AuditEvent.record_id == str(activity.id),
        )
    ).one()
    assert (event.action, event.user_id) == (AuditAction.CREATE, emhp.id)

    listing = client.get(activities_url(world.school_a1))
    text = text_of(listing)
    assert "Staff training on 3 February 2025 logged." in text
    assert "Spotting low mood" in text
    assert "Staff development" in text


def test_other_needs_a_description_which_is_shown_as_the_kind(emhp, world, auth, client):
    url = f"{activities_url(world.school_a1)}/new"
    response = auth.post(url, activity_data(kind="other", other_kind=""))
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one(".nhsuk-error-summary a[href='#other_kind']").get_text(strip=True) == (
        "Describe the activity"
    )
    assert soup.find("input", attrs={"name": "kind", "value": "other"}).has_attr("checked")

    response = auth.post(url, activity_data(kind="other", other_kind="Wellbeing walk"))
    assert response.status_code == 302
    activity = activities_at(world.school_a1)[-1]
    assert (activity.kind, activity.other_kind, activity.kind_label) == (
        ActivityKind.OTHER,
        "Wellbeing walk",
        "Wellbeing walk",
    )


def test_every_problem_is_shown_at_once(emhp, world, auth):
    future = _future()
    data = activity_data(
        kind="other",
        theme="",
        **{
            "held_on-day": str(future.day),
            "held_on-month": str(future.month),
            "held_on-year": str(future.year),
        },
    )
    response = auth.post(f"{activities_url(world.school_a1)}/new", data)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    links = [a["href"] for a in soup.select(".nhsuk-error-summary a")]
    assert links == ["#other_kind", "#held_on", "#theme"]


def test_a_description_is_dropped_when_the_kind_is_not_other(emhp, world, auth):
    url = f"{activities_url(world.school_a1)}/new"
    response = auth.post(url, activity_data(kind="assembly", other_kind="left over"))
    assert response.status_code == 302
    assert activities_at(world.school_a1)[-1].other_kind is None


def _future() -> date:
    return utcnow().date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": ""}, "kind", "Select the kind of activity"),
        ({"kind": "picnic"}, "kind", "Select the kind of activity"),
        (
            {"kind": "other", "other_kind": "x" * 121},
            "other_kind",
            "The description must be 120 characters or fewer",
        ),
        (
            {"held_on-day": "", "held_on-month": "", "held_on-year": ""},
            "held_on",
            "Enter the date of the activity",
        ),
        ({"held_on-month": ""}, "held_on", "The date of the activity must include a month"),
        (
            {"held_on-day": "", "held_on-year": ""},
            "held_on",
            "The date of the activity must include a day and a year",
        ),
        ({"held_on-day": "31", "held_on-month": "2"}, "held_on", "must be a real date"),
        ({"held_on-month": "13"}, "held_on", "The date of the activity must be a real date"),
        ({"held_on-day": "first"}, "held_on", "The date of the activity must be a real date"),
        ({"held_on-year": "-2025"}, "held_on", "The date of the activity must be a real date"),
        (
            {"held_on-year": "25"},
            "held_on",
            "The year of the date of the activity must include 4 numbers",
        ),
        ({"held_on-year": "99999999999"}, "held_on", "must be a real date"),
        ("FUTURE", "held_on", "The date of the activity must be today or in the past"),
        ({"theme": "  "}, "theme", "Enter the theme of the activity"),
        ({"theme": "x" * 201}, "theme", "The theme must be 200 characters or fewer"),
        ({"delivered_by": ""}, "delivered_by", "Enter who delivered the activity"),
        ({"attendance": "many"}, "attendance", "Attendance must be a whole number, 0 or more"),
        ({"attendance": "-1"}, "attendance", "Attendance must be a whole number, 0 or more"),
        ({"attendance": "100001"}, "attendance", "Attendance must be 100,000 or fewer"),
        ({"principles": []}, "principles", "Select at least one principle the activity serves"),
        ({"principles": ["kindness"]}, "principles", "Select principles from the list"),
        ({"notes": "x" * 2001}, "notes", "Notes must be 2,000 characters or fewer"),
    ],
)
def test_bad_answers_are_explained_and_what_was_typed_is_kept(
    emhp, world, auth, changes, field, message
):
    if changes == "FUTURE":
        future = _future()
        changes = {
            "held_on-day": str(future.day),
            "held_on-month": str(future.month),
            "held_on-year": str(future.year),
        }
    data = activity_data(**changes)
    before = len(activities_at(world.school_a1))
    response = auth.post(f"{activities_url(world.school_a1)}/new", data)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    summary = soup.select_one(".nhsuk-error-summary")
    link = summary.find("a", href=f"#{field}")
    assert link is not None
    assert message in link.get_text(" ", strip=True)
    assert soup.find(id=field) is not None  # the summary's link has somewhere to go
    error_id = "held_on-date-error" if field == "held_on" else f"{field}-error"
    assert message in soup.find(id=error_id).get_text()
    # What was typed is shown again.
    assert soup.find(id="theme")["value"] == data["theme"].strip()
    assert soup.find(id="held_on")["value"] == data["held_on-day"]
    assert soup.find(id="held_on-year")["value"] == data["held_on-year"]
    assert soup.find(id="attendance")["value"] == data["attendance"]
    assert soup.find(id="notes").get_text() == data["notes"]
    checked = {box["value"] for box in soup.select("input[name=principles][checked]")}
    assert checked == set(data["principles"]) & {p.value for p in Principle}
    assert len(activities_at(world.school_a1)) == before


def test_a_principle_sent_twice_is_stored_once(emhp, world, auth):
    data = activity_data(principles=["leadership", "leadership"])
    assert auth.post(f"{activities_url(world.school_a1)}/new", data).status_code == 302
    assert activities_at(world.school_a1)[-1].principles == [Principle.LEADERSHIP]


def test_an_activity_is_changed_through_its_school(emhp, world, auth, client):
    url = f"{activities_url(world.school_a1)}/{world.activity_a1.id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.find(id="theme")["value"] == "Worry and how to manage it"
    assert (soup.find(id="held_on")["value"], soup.find(id="held_on-year")["value"]) == (
        "1",
        "2026",
    )
    assert soup.find("input", attrs={"name": "kind", "value": "assembly"}).has_attr("checked")

    response = auth.post(
        url,
        activity_data(
            kind="workshop",
            principles=["student_voice", "curriculum"],
            attendance="",
            notes="",
        ),
    )
    assert response.status_code == 302
    activity = db.session.get(WholeSchoolActivity, world.activity_a1.id)
    assert activity.kind is ActivityKind.WORKSHOP
    assert set(activity.principles) == {Principle.STUDENT_VOICE, Principle.CURRICULUM}
    assert activity.attendance is None
    assert activity.notes is None
    assert activity.recorded_by_id == world.users[Role.EMHP].id  # who first logged it stays
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "whole_school_activity",
            AuditEvent.record_id == str(activity.id),
            AuditEvent.action == AuditAction.UPDATE,
        )
    ).one()
    assert event.user_id == emhp.id

    # Changing the principles again keeps the ones that stay and removes the rest.
    data = activity_data(principles=["curriculum", "leadership"])
    assert auth.post(url, data).status_code == 302
    links = db.session.scalars(
        select(ActivityPrinciple.principle).where(ActivityPrinciple.activity_id == activity.id)
    ).all()
    assert set(links) == {Principle.CURRICULUM, Principle.LEADERSHIP}


def test_an_activity_of_another_school_is_not_found_through_this_one(emhp, world, auth, client):
    # activity_a1 belongs to A1: asking for it through A2 (also in scope) is a 404.
    url = f"{activities_url(world.school_a2)}/{world.activity_a1.id}/edit"
    assert client.get(url).status_code == 404
    assert auth.post(url, activity_data()).status_code == 404
    assert db.session.get(WholeSchoolActivity, world.activity_a1.id).theme == (
        "Worry and how to manage it"
    )


def test_the_list_is_newest_first_with_totals_by_kind(emhp, world, client):
    for held_on, kind, attendance in [
        (date(2025, 1, 10), ActivityKind.ASSEMBLY, 200),
        (date(2025, 3, 1), ActivityKind.WORKSHOP, None),
    ]:
        db.session.add(
            WholeSchoolActivity(
                school=world.school_a1,
                kind=kind,
                held_on=held_on,
                theme=f"Theme {held_on}",
                delivered_by="Team A",
                attendance=attendance,
                recorded_by=emhp,
                principle_links=[ActivityPrinciple(principle=Principle.CURRICULUM)],
            )
        )
    db.session.commit()
    response = client.get(activities_url(world.school_a1))
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    activities, totals = soup.select("table.nhsuk-table")
    dates = [row.find("td").get_text(strip=True) for row in activities.select("tbody tr")]
    assert dates == ["1 Oct 2026", "1 Mar 2025", "10 Jan 2025"]
    rows = {
        row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.find_all("td")]
        for row in totals.select("tbody tr")
    }
    assert rows == {"Assembly": ["2", "320"], "Workshop": ["1", "0"]}
    log = soup.find("a", href=f"{activities_url(world.school_a1)}/new")
    assert log is not None
    assert log.get_text(strip=True) == "Log an activity"


def test_the_schools_lead_sees_their_schools_activities_only(world, auth, client):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    response = client.get(activities_url(world.school_a1))
    assert response.status_code == 200
    text = text_of(response)
    assert "Worry and how to manage it" in text
    assert "Log an activity" not in text
    assert "/edit" not in response.get_data(as_text=True)  # no links to change activities
    assert client.get(activities_url(world.school_a2)).status_code == 404
    assert client.get(activities_url(world.school_b1)).status_code == 404


def test_the_schools_lead_cannot_log_or_change_activities(world, auth, client):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    before = len(activities_at(world.school_a1))
    assert client.get(f"{activities_url(world.school_a1)}/new").status_code == 403
    assert auth.post(f"{activities_url(world.school_a1)}/new", activity_data()).status_code == 403
    edit = f"{activities_url(world.school_a1)}/{world.activity_a1.id}/edit"
    assert auth.post(edit, activity_data(theme="Changed")).status_code == 403
    assert len(activities_at(world.school_a1)) == before
    assert db.session.get(WholeSchoolActivity, world.activity_a1.id).theme != "Changed"


def test_staff_of_another_team_get_not_found(world, auth, client, make_user):
    emhp_b = make_user(Role.EMHP, team=world.team_b)
    auth.sign_in(emhp_b.email)
    assert client.get(activities_url(world.school_a1)).status_code == 404
    assert client.get(f"{activities_url(world.school_a1)}/new").status_code == 404
    assert auth.post(f"{activities_url(world.school_a1)}/new", activity_data()).status_code == 404
    edit = f"{activities_url(world.school_a1)}/{world.activity_a1.id}/edit"
    assert client.get(edit).status_code == 404
    assert auth.post(edit, activity_data(theme="Changed")).status_code == 404
    assert db.session.get(WholeSchoolActivity, world.activity_a1.id).theme != "Changed"
    # Their own team's schools are theirs to log against.
    assert client.get(activities_url(world.school_b1)).status_code == 200
    assert auth.post(f"{activities_url(world.school_b1)}/new", activity_data()).status_code == 302


def test_the_rules_hold_without_the_pages(app, world):
    emhp = world.users[Role.EMHP]
    details = operations.ActivityDetails(
        kind=ActivityKind.OTHER,
        held_on=date(2025, 1, 1),
        theme="T",
        delivered_by="D",
        principles=[Principle.LEADERSHIP],
    )
    with pytest.raises(RuleError, match="Describe the activity"):
        operations.log_activity(world.school_a1, details, by=emhp)
    with pytest.raises(RuleError, match="at least one principle"):
        operations.log_activity(
            world.school_a1,
            operations.ActivityDetails(
                kind=ActivityKind.ASSEMBLY,
                held_on=date(2025, 1, 1),
                theme="T",
                delivered_by="D",
                principles=[],
            ),
            by=emhp,
        )
    with pytest.raises(RuleError, match="today or in the past"):
        operations.update_activity(
            world.activity_a1,
            operations.ActivityDetails(
                kind=ActivityKind.ASSEMBLY,
                held_on=_future(),
                theme="T",
                delivered_by="D",
                principles=[Principle.LEADERSHIP],
            ),
            by=emhp,
        )
    with pytest.raises(RuleError, match="0 or more"):
        operations.log_activity(
            world.school_a1,
            operations.ActivityDetails(
                kind=ActivityKind.ASSEMBLY,
                held_on=date(2025, 1, 1),
                theme="T",
                delivered_by="D",
                principles=[Principle.LEADERSHIP],
                attendance=-3,
            ),
            by=emhp,
        )


@pytest.mark.parametrize("role", [Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_the_list_uses_a_constant_number_of_queries(role, world, auth, client, count_queries):
    auth.sign_in(world.users[role].email)
    url = activities_url(world.school_a1)  # read before counting: the test's own objects expire

    def queries() -> int:
        before = len(count_queries())
        assert client.get(url).status_code == 200
        return len(count_queries()) - before

    small = queries()
    for number in range(20):
        db.session.add(
            WholeSchoolActivity(
                school=world.school_a1,
                kind=list(ActivityKind)[number % len(ActivityKind)],
                other_kind="Something else",
                held_on=date(2025, 1, 1) + timedelta(days=number),
                theme=f"Theme {number}",
                delivered_by="Team A",
                attendance=number,
                recorded_by=world.users[Role.EMHP],
                principle_links=[
                    ActivityPrinciple(principle=p) for p in list(Principle)[: number % 8 + 1]
                ],
            )
        )
    db.session.commit()
    assert queries() == small
