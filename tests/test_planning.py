"""The next-cohort planner: ranking waiting schools by need in SQL (the same score as
the pure functions), the filters, a team's capacity, setting the weights, and adding
the chosen schools to a cohort in one recorded step."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditEvent
from mhst.cohorts.models import Cohort
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.need.models import SchoolNeed
from mhst.planning import operations
from mhst.planning.models import NeedWeights, PlanDecision
from mhst.planning.queries import ALL_WAITING, Filters, ranked_schools, team_capacity
from mhst.planning.score import DEFAULT_WEIGHTS, Weights, need_score
from mhst.schools.models import ParticipationEvent, ParticipationStatus, School

S = ParticipationStatus
_urns = iter(range(660000, 669999))


def waiting(area, name, *, pupils=300, status=S.INTEREST_REGISTERED, days=100, team=None, **need):
    """A school waiting to join, with its figures (``need``) and interest ``days`` ago."""
    school = School(
        name=name,
        urn=str(next(_urns)),
        area=area,
        pupils_on_roll=pupils,
        participation_status=status,
        team=team,
    )
    db.session.add(school)
    db.session.flush()
    if need:
        db.session.add(SchoolNeed(school_id=school.id, **need))
    if status is S.INTEREST_REGISTERED and days is not None:
        db.session.add(
            ParticipationEvent(
                school=school,
                from_status=S.NOT_PARTICIPATING,
                to_status=status,
                occurred_at=utcnow() - timedelta(days=days),
            )
        )
    db.session.commit()
    return school


@pytest.fixture
def next_cohort(world):
    year = service_today().year + (1 if service_today().month >= 9 else 0)
    cohort = Cohort(
        name="Cohort next",
        academic_year=year,
        go_live_date=date(year, 9, 20),
        teams=[world.team_a],
    )
    db.session.add(cohort)
    db.session.commit()
    return cohort


@pytest.fixture
def north(world):
    """Four waiting schools in team A's area, one in team B's."""
    area = world.area_a
    return {
        "deprived": waiting(area, "Deprived Primary", pupils=400, imd_decile=1, fsm_percent=15),
        "poor": waiting(area, "Poor Academy", pupils=500, imd_decile=8, fsm_percent=48),
        "partial": waiting(area, "Partial School", pupils=300, imd_decile=3),
        "bare": waiting(area, "Bare School", pupils=200),
        "south": waiting(world.area_b, "Southern School", imd_decile=1, fsm_percent=50),
    }


def test_the_sql_ranking_gives_the_same_scores_as_the_rules(north):
    rows = ranked_schools(DEFAULT_WEIGHTS, Filters(), service_today())
    names = [row.school.name for row in rows]
    expected = sorted(rows, key=lambda row: (-(need_score(row.figures).value or -1), row.school.id))
    assert names == [row.school.name for row in expected]
    for row in rows:
        assert row.score == pytest.approx(need_score(row.figures).value)
    assert [row.rank for row in rows] == list(range(1, len(rows) + 1))
    assert names[-1] == "Bare School"  # only the time waiting: 100 days of 730
    assert rows[-1].score == pytest.approx(100 * 100 / 730)


def test_raising_a_weight_reorders_the_list(north):
    today = service_today()
    by_deprivation = Weights(deprivation=10, fsm=1, wellbeing=0, belonging=0, waiting=0)
    by_fsm = Weights(deprivation=1, fsm=10, wellbeing=0, belonging=0, waiting=0)
    area = Filters(area_id=north["deprived"].area_id)
    first = [row.school.name for row in ranked_schools(by_deprivation, area, today)]
    second = [row.school.name for row in ranked_schools(by_fsm, area, today)]
    assert first.index("Deprived Primary") < first.index("Poor Academy")
    assert second.index("Poor Academy") < second.index("Deprived Primary")


def test_filters_by_area_team_and_status(world, north):
    today = service_today()
    left = waiting(world.area_a, "Left School", status=S.LEFT, imd_decile=1)
    taken = waiting(world.area_a, "Team B's School", team=world.team_b)
    everywhere = {row.school.name for row in ranked_schools(DEFAULT_WEIGHTS, Filters(), today)}
    assert {"Southern School", "Deprived Primary", "Team B's School"} <= everywhere
    assert "Left School" not in everywhere  # interest registered only, by default
    by_team = {
        row.school.name
        for row in ranked_schools(DEFAULT_WEIGHTS, Filters(team=world.team_a), today)
    }
    assert "Southern School" not in by_team
    assert taken.name not in by_team
    assert {"Deprived Primary", "Bare School"} <= by_team
    all_waiting = ranked_schools(DEFAULT_WEIGHTS, Filters(ALL_WAITING, world.area_a.id), today)
    assert left.name in {row.school.name for row in all_waiting}
    assert "Southern School" not in {row.school.name for row in all_waiting}


def test_a_teams_capacity_and_who_fits(world, north, auth, client):
    for school in (world.school_a1, world.school_a2):
        school.participation_status, school.pupils_on_roll = S.ACTIVE, 3600
    db.session.commit()
    capacity = team_capacity(world.team_a, 8000)
    assert (capacity.schools, capacity.pupils, capacity.remaining) == (2, 7200, 800)
    auth.sign_in("lead@test.example")
    page = client.get(f"/planning/next-cohort?team_id={world.team_a.id}").text
    assert "room for 800 more pupils" in page
    rows = re.findall(r"<td>(Fits|Over capacity)</td>", page)
    # Ranked: Partial School (300, its missing FSM left out), Deprived Primary (+400 =
    # 700: fits), Poor Academy (+500 = 1,200: over), Bare School (1,400: over).
    assert rows == ["Fits", "Fits", "Over capacity", "Over capacity"]
    # Partial School has 2 of the 5 weighted figures (deprivation, time waiting).
    assert "Based on fewer figures (2 of 5 weighted)" in page


def _form(client, path="/planning/next-cohort"):
    page = client.get(path).text
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page)
    return {"submission_token": token.group(1) if token else "", "show": "interest"}


def test_the_lead_adds_schools_to_a_cohort_in_one_step(world, north, next_cohort, auth, client):
    lead = world.users[Role.CLINICAL_LEAD]
    auth.sign_in(lead.email)
    chosen = [north["deprived"], north["partial"]]
    listed = ranked_schools(DEFAULT_WEIGHTS, Filters(team=world.team_a), service_today())
    before = {row.school.name: row for row in listed}
    data = {
        **_form(client),
        "school_ids": [str(school.id) for school in chosen],
        "list_team_id": str(world.team_a.id),  # the list was ranked for team A
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "Most deprived schools in the north",
    }
    response = auth.post("/planning/next-cohort", data)
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == f"/cohorts/{next_cohort.id}"
    for school in chosen:
        db.session.refresh(school)
        assert school.participation_status is S.ASSIGNED_TO_COHORT
        assert (school.cohort_id, school.team_id) == (next_cohort.id, world.team_a.id)
        event = school.participation_events[0]
        assert (event.to_status, event.reason) == (S.ASSIGNED_TO_COHORT, data["reason"])
        assert event.by_user_id == lead.id
    decision = db.session.scalars(select(PlanDecision)).one()
    assert (decision.reason, decision.decided_by_id) == (data["reason"], lead.id)
    assert decision.weights.as_weights() == DEFAULT_WEIGHTS
    ranks = {row.school.name: (row.rank, row.score, row.fewer_figures) for row in decision.schools}
    # Ranked among the schools team A could take (its area), as the list showed them.
    assert ranks == {
        name: (row.rank, Decimal(str(round(row.score, 2))), True)  # no survey figures
        for name, row in before.items()
        if name in {"Deprived Primary", "Partial School"}
    }
    assert (ranks["Partial School"][0], ranks["Deprived Primary"][0]) == (1, 2)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.record_type == "plan_decision")
        )
        == 1
    )
    page = client.get(f"/cohorts/{next_cohort.id}").text
    assert "Why these schools were chosen" in page
    assert data["reason"] in page
    assert "Deprived Primary" in page


def test_the_list_ranked_by_area_is_kept_whichever_team_will_serve(
    world, north, next_cohort, auth, client
):
    """The list's filters and the team that will serve are separate: a form sent back
    for its reason shows the same list with the same ticks, and the ranks recorded are
    those of the list the lead chose from (here the area's, no team filter)."""
    auth.sign_in("lead@test.example")
    area_id = north["deprived"].area_id
    listed = ranked_schools(DEFAULT_WEIGHTS, Filters(area_id=area_id), service_today())
    rank_in_area = {row.school.id: row.rank for row in listed}
    data = {
        **_form(client, f"/planning/next-cohort?area_id={area_id}"),
        "area_id": str(area_id),
        "school_ids": [str(north["poor"].id)],
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "",
    }
    refused = auth.post("/planning/next-cohort", data)
    assert refused.status_code == 400
    assert "Give the reason these schools are joining the cohort" in refused.text
    assert f'value="{north["poor"].id}" checked' in refused.text
    assert f'name="area_id" type="hidden" value="{area_id}"' in refused.text
    assert 'name="list_team_id" type="hidden" value=""' in refused.text
    data["reason"] = "High free school meals"
    response = auth.post("/planning/next-cohort", data)
    assert response.status_code == 302, response.text
    decision = db.session.scalars(select(PlanDecision)).one()
    assert [row.rank for row in decision.schools] == [rank_in_area[north["poor"].id]]


def test_a_school_another_team_has_is_refused_naming_the_team(
    world, north, next_cohort, auth, client
):
    taken = waiting(world.area_a, "Team B's School", team=world.team_b)
    db.session.commit()
    auth.sign_in("lead@test.example")
    data = {
        **_form(client, f"/planning/next-cohort?area_id={world.area_a.id}"),
        "area_id": str(world.area_a.id),
        "school_ids": [str(taken.id), str(north["deprived"].id)],
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "Highest need",
    }
    response = auth.post("/planning/next-cohort", data)
    assert response.status_code == 400
    assert f"Team B's School is {world.team_b.name}'s" in response.text.replace("&#39;", "'")
    db.session.refresh(north["deprived"])
    assert north["deprived"].participation_status is S.INTEREST_REGISTERED
    assert db.session.scalar(select(func.count()).select_from(PlanDecision)) == 0


def test_nothing_is_added_when_a_school_is_no_longer_waiting(
    world, north, next_cohort, auth, client
):
    auth.sign_in("lead@test.example")
    data = {
        **_form(client),
        "school_ids": [str(north["deprived"].id), str(north["poor"].id)],
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "Highest need",
    }
    north["poor"].participation_status = S.NOT_PARTICIPATING  # someone changed it meanwhile
    db.session.commit()
    response = auth.post("/planning/next-cohort", data)
    assert response.status_code == 400
    assert "Poor Academy is now not participating" in response.text
    db.session.refresh(north["deprived"])
    assert north["deprived"].participation_status is S.INTEREST_REGISTERED
    assert north["deprived"].cohort_id is None
    assert db.session.scalar(select(func.count()).select_from(PlanDecision)) == 0
    assert f'value="{north["deprived"].id}" checked' in response.text  # ticks kept


def test_a_double_submit_makes_one_decision(world, north, next_cohort, auth, client):
    auth.sign_in("lead@test.example")
    data = {
        **_form(client),
        "school_ids": [str(north["bare"].id)],
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "Waited longest",
    }
    first, second = (
        auth.post("/planning/next-cohort", data),
        auth.post("/planning/next-cohort", data),
    )
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(PlanDecision)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": "  "}, "reason", "Give the reason these schools are joining the cohort"),
        ({"school_ids": []}, "school_ids", "Select the schools to add to the cohort"),
        ({"school_ids": ["x1"]}, "school_ids", "Select schools from the list"),
        ({"cohort_id": ""}, "cohort_id", "Choose the cohort the schools are joining"),
        (
            {"serving_team_id": "team_b"},
            "serving_team_id",
            "Choose one of the teams of Cohort next",
        ),
    ],
)
def test_bad_answers_are_explained(
    world, north, next_cohort, auth, client, changes, field, message
):
    auth.sign_in("lead@test.example")
    data = {
        **_form(client),
        "school_ids": [str(north["bare"].id)],
        "cohort_id": str(next_cohort.id),
        "serving_team_id": str(world.team_a.id),
        "reason": "A reason",
        **changes,
    }
    if data["serving_team_id"] == "team_b":
        data["serving_team_id"] = str(world.team_b.id)
    response = auth.post("/planning/next-cohort", data)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text
    assert message in response.text
    assert db.session.scalar(select(func.count()).select_from(PlanDecision)) == 0


def test_setting_the_weights_keeps_history_and_refuses_a_stale_save(world, north, auth, client):
    auth.sign_in("lead@test.example")
    page = client.get("/planning/weights").text
    assert "Decile 1 (the most deprived tenth of areas in England) counts in full" in page
    values = {"deprivation": "0", "fsm": "10", "wellbeing": "0", "belonging": "0", "waiting": "0"}
    response = auth.post("/planning/weights", {"version": "0", **values})
    assert response.status_code == 302
    assert operations.current_weights().as_weights() == Weights(0, 10, 0, 0, 0)
    rows = ranked_schools(operations.current_weights().as_weights(), Filters(), service_today())
    assert rows[0].school.name in {"Southern School", "Poor Academy"}  # FSM 50% and 48%
    stale = auth.post("/planning/weights", {"version": "0", **values, "fsm": "3"})
    assert stale.status_code == 400
    assert "changed by" in stale.text
    again = auth.post("/planning/weights", {"version": "1", **values, "fsm": "3"})
    assert again.status_code == 302
    assert [row.number for row in db.session.scalars(select(NeedWeights))] == [1, 2]
    history = client.get("/planning/weights").text
    assert re.search(r"<td>2</td>\s*<td>[^<]*, [^<]*</td>", history)  # the newest first
    assert history.index("<td>2</td>") < history.index("<td>1</td>")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "Enter a weight from 0 to 10"),
        ("-1", "Enter the weight as a whole number"),
        ("", "Enter the weight for"),
    ],
)
def test_bad_weights_are_explained(world, auth, value, message):
    auth.sign_in("lead@test.example")
    values = {"deprivation": value, "fsm": "3", "wellbeing": "2", "belonging": "1", "waiting": "1"}
    response = auth.post("/planning/weights", {"version": "0", **values})
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(select(func.count()).select_from(NeedWeights)) == 0


def test_sql_and_rules_agree_over_many_schools_and_weights(world):
    """40 invented schools with figures drawn at random (some missing), ranked under
    several weightings: each SQL score is the pure rules' score of the same figures."""
    rng = random.Random(1729)
    for number in range(40):
        figures = {
            "fsm_percent": Decimal(rng.randint(0, 800)) / 10,
            "imd_decile": rng.randint(1, 10),
            "low_wellbeing_percent": Decimal(rng.randint(0, 1000)) / 10,
            "belonging_low_percent": Decimal(rng.randint(0, 1000)) / 10,
        }
        kept = {key: value for key, value in figures.items() if rng.random() < 0.75}
        waiting(world.area_b, f"Random {number}", days=rng.choice([None, 0, 5, 400, 900]), **kept)
    for _ in range(4):
        weights = Weights(*(rng.randint(0, 10) for _ in range(5)))
        rows = ranked_schools(weights, Filters(area_id=world.area_b.id), service_today())
        assert len(rows) == 40
        for row in rows:
            expected = need_score(row.figures, weights).value
            assert (row.score is None) == (expected is None)
            if expected is not None:
                assert row.score == pytest.approx(expected)
        scores = [row.score for row in rows if row.score is not None]
        assert scores == sorted(scores, reverse=True)
