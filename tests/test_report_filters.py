"""The report filters without HTTP: defaults, who may see what, and bad values."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from mhst.accounts.models import Role
from mhst.reports.filters import (
    FilterError,
    ReportAccess,
    ReportFilters,
    default_filters,
    filter_choices,
    financial_year_start,
    resolve_filters,
)
from mhst.reports.forms import read_filters

TODAY = date(2026, 11, 22)
LEAD = ReportAccess(team_id=None, always_suppressed=False)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 3, 31), date(2025, 4, 1)),  # the last day of 2025/26
        (date(2026, 4, 1), date(2026, 4, 1)),  # the first day of 2026/27
        (date(2027, 1, 15), date(2026, 4, 1)),
    ],
)
def test_the_financial_year_starts_on_1_april(today, start):
    assert financial_year_start(today) == start


def test_by_default_reports_cover_this_financial_year_to_date():
    assert default_filters(LEAD, TODAY) == ReportFilters(date(2026, 4, 1), TODAY)
    senior = ReportAccess(team_id=7, always_suppressed=False)
    assert default_filters(senior, TODAY) == ReportFilters(date(2026, 4, 1), TODAY, team_id=7)


def test_each_role_with_reports_has_its_reach(world):
    users = world.users
    assert ReportAccess.for_user(users[Role.CLINICAL_LEAD]) == LEAD
    assert ReportAccess.for_user(users[Role.SENIOR_CLINICIAN]) == ReportAccess(
        world.team_a.id, False
    )
    assert ReportAccess.for_user(users[Role.COMMISSIONER]) == ReportAccess(None, True)
    for role in (Role.EMHP, Role.ADMINISTRATOR, Role.SCHOOL_MENTAL_HEALTH_LEAD):
        with pytest.raises(PermissionError):
            ReportAccess.for_user(users[role])


def test_a_senior_clinician_chooses_only_within_their_team(world):
    senior = ReportAccess(world.team_a.id, False)
    choices = filter_choices(senior)
    assert choices["team_id"] == [(world.team_a.id, "Team A")]
    assert [name for _, name in choices["school_id"]] == ["School A1", "School A2"]
    # A clinical lead picks an area, then a team, then one of its schools: no school is
    # listed until a team is chosen, and an area narrows the teams.
    everything = filter_choices(LEAD)
    assert everything["school_id"] == []
    assert {name for _, name in everything["team_id"]} >= {"Team A", "Team B"}
    in_area = filter_choices(LEAD, area_id=world.area_b.id)
    assert [name for _, name in in_area["team_id"]] == ["Team B"]
    of_team = filter_choices(LEAD, team_id=world.team_b.id)
    assert [name for _, name in of_team["school_id"]] == ["School B1", "School B2"]
    # A school named in an older link stays a choice, without its team.
    named = filter_choices(LEAD, school_id=world.school_a1.id)
    assert [name for _, name in named["school_id"]] == ["School A1"]
    # Whatever team is asked for, a senior clinician's figures are their team's.
    assert resolve_filters(senior, date_from=TODAY, date_to=TODAY).team_id == world.team_a.id
    with pytest.raises(FilterError) as error:
        resolve_filters(senior, date_from=TODAY, date_to=TODAY, school_id=world.school_b1.id)
    assert error.value.field == "school_id"


def test_resolve_filters_refuses_what_does_not_exist(world):
    with pytest.raises(FilterError) as error:
        resolve_filters(LEAD, date_from=TODAY, date_to=date(2026, 11, 21))
    assert (error.value.field, error.value.message) == (
        "date_to",
        "The end date must be the same as or after the start date",
    )
    for name in ("area_id", "team_id", "school_id"):
        with pytest.raises(FilterError) as error:
            resolve_filters(LEAD, date_from=TODAY, date_to=TODAY, **{name: 999_999})
        assert error.value.field == name
    with pytest.raises(FilterError) as error:
        resolve_filters(LEAD, date_from=date(1999, 12, 31), date_to=TODAY)
    assert (error.value.field, error.value.message) == (
        "date_from",
        "The start date must be 1 January 2000 or later",
    )
    with pytest.raises(FilterError) as error:
        resolve_filters(LEAD, date_from=TODAY, date_to=date(2100, 1, 1))
    assert error.value.field == "date_to"
    # A range of one day is fine.
    assert resolve_filters(LEAD, date_from=TODAY, date_to=TODAY) == ReportFilters(TODAY, TODAY)


def read(app, args: dict, access: ReportAccess = LEAD):
    with app.test_request_context():
        return read_filters(MultiDict(args), access, TODAY)


def test_read_filters_gives_the_filters_and_their_names(app, world):
    state = read(
        app,
        {
            "date_from-day": "1",
            "date_from-month": "5",
            "date_from-year": "2026",
            "team_id": str(world.team_b.id),
        },
    )
    assert state.errors == []
    assert state.filters == ReportFilters(date(2026, 5, 1), TODAY, team_id=world.team_b.id)
    assert state.names == {"area_id": "All areas", "team_id": "Team B", "school_id": "All schools"}
    assert not state.suppressed


def test_the_query_string_shows_the_same_filters_again(app, world):
    first = read(
        app,
        {
            "date_from-day": " 2 ",  # spaces are ignored
            "date_from-month": "05",
            "date_from-year": "2026",
            "school_id": str(world.school_a2.id),
            "shared": "1",
        },
    )
    query = first.query()
    assert query["date_from-day"] == "2"
    assert query["shared"] == "1"
    again = read(app, query)
    assert again.filters == first.filters
    assert again.suppressed
    assert again.query() == query


def test_a_commissioner_is_always_suppressed_and_never_asked(app, world):
    state = read(app, {"shared": "0"}, ReportAccess(None, True))
    assert state.suppressed
    assert "shared" not in state.query()


def test_bad_values_are_errors_on_their_fields_never_exceptions(app, world):
    state = read(
        app,
        {
            "date_from-day": "30",
            "date_from-month": "2",
            "date_from-year": "2026",
            "area_id": "north",
            "team_id": str(world.team_a.id),
            "school_id": "<script>",
        },
    )
    assert state.filters is None
    assert state.query() == {}
    assert state.errors == [
        ("date_from", "The start date must be a real date"),
        ("area_id", "Select an area from the list"),
        ("school_id", "Select a school from the list"),
    ]
