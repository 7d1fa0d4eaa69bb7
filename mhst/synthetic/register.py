"""The register: areas (ICB-like), teams, cohorts by academic year, schools with their
participation history, onboarding and interest registrations, and a small invented
signposting directory."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert

from mhst.core.academic_year import academic_year_of
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.directory.models import DirectoryService, DirectoryServiceConcern
from mhst.synthetic import names
from mhst.synthetic.sink import Sink
from mhst.synthetic.sizes import Sizes

COHORTS = 4  # teams went live over the past four academic years
PHASES = (("primary", 0.70), ("secondary", 0.20), ("all_through", 0.03),
          ("special", 0.04), ("alternative_provision", 0.02), ("college", 0.01))  # fmt: skip
# Schools without a team, by status (the rest of the register is active with a team).
NOT_ACTIVE = (("not_participating", 0.55), ("interest_registered", 0.15),
              ("assigned_to_cohort", 0.12), ("onboarding", 0.10), ("paused", 0.05),
              ("left", 0.03))  # fmt: skip
ACTIVE_SHARE = 0.7
PATH = ("not_participating", "interest_registered", "assigned_to_cohort", "onboarding", "active")
DIRECTORY = (
    ("High level intervention", "Invented CAMHS service", "general_mental_health"),
    ("Low level intervention", "Invented counselling offer", "general_mental_health"),
    ("Low level intervention", "Invented bereavement service", "bereavement"),
    ("Low level intervention", "Invented online support", "general_mental_health"),
    ("High level intervention", "Invented eating disorder service", "eating_disorders"),
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SERVICE_TIME_ZONE)


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class School:
    id: int
    phase: str
    pupils: int
    status: str
    area_id: int
    team_id: int | None
    cohort_id: int | None


@dataclass
class Team:
    id: int
    index: int
    area_id: int
    cohort_id: int
    go_live: date
    schools: list[School] = field(default_factory=list)


@dataclass
class Register:
    teams: list[Team]
    schools: list[School]
    cohort_years: dict[int, int]  # cohort id -> academic year
    services: list[int]


def load_register(sink: Sink, sizes: Sizes, rng: random.Random, today: date) -> Register:
    for index in range(sizes.areas):
        sink.add(
            "service_area", (sink.next_id("service_area"), f"Invented ICB area {index + 1:02d}")
        )
    this_year = academic_year_of(today)
    years = {}
    for number in range(COHORTS):
        year = this_year - COHORTS + 1 + number
        cohort_id = sink.next_id("cohort")
        years[cohort_id] = year
        sink.add("cohort", (cohort_id, f"Wave {number + 1} ({year}/{(year + 1) % 100:02d})",
                            year, date(year, 9, 1)))  # fmt: skip
    teams = []
    for index in range(sizes.teams):
        team_id = sink.next_id("team")
        area_id = index % sizes.areas + 1
        cohort_id = index % COHORTS + 1
        sink.add("team", (team_id, f"Invented MHST {index + 1:03d}", area_id))
        sink.add("cohort_team", (cohort_id, team_id))
        teams.append(Team(team_id, index, area_id, cohort_id, date(years[cohort_id], 9, 1)))
    schools = [_school(sink, sizes, rng, teams, number) for number in range(sizes.schools)]
    return Register(teams, schools, years, _directory(sink))


def _school(sink: Sink, sizes: Sizes, rng: random.Random, teams: list[Team], number: int):
    school_id = sink.next_id("school")
    phase = pick(rng, PHASES)
    pupils = rng.randint(150, 450) if phase == "primary" else rng.randint(300, 1600)
    # Every team has schools: the first of the register go one to each team.
    active = number < len(teams) or rng.random() < ACTIVE_SHARE
    team = teams[number % len(teams)] if active else None
    status = "active" if active else pick(rng, NOT_ACTIVE)
    if status in ("onboarding", "paused"):
        team = teams[rng.randrange(len(teams))]
    cohort_id = team.cohort_id if team else None
    if status in ("assigned_to_cohort", "left"):
        cohort_id = COHORTS
    area_id = team.area_id if team else number % sizes.areas + 1
    school = School(school_id, phase, pupils, status, area_id, team.id if team else None, cohort_id)
    sink.add("school", (
        school_id, names.school_name(rng, phase), f"{100000 + school_id:06d}", area_id,
        school.team_id, phase, f"Invented council {area_id:02d}", pupils, cohort_id, status, 1,
    ))  # fmt: skip
    if active:
        team.schools.append(school)
    return school


def _directory(sink: Sink) -> list[int]:
    """A few invented services to signpost and step up to (few rows: plain inserts)."""
    ids = []
    for order, (level, name, concern) in enumerate(DIRECTORY, start=1):
        service_id = sink.next_id("directory_service")
        row = {
            "id": service_id,
            "table_kind": "children", "level_of_need": level, "level_order": 1 if "Low" in level
            else 3, "name": name, "provider": "Invented provider", "description": "Invented.",
            "area_text": "National", "covers_city": True, "covers_county": True,
            "covers_rutland": True, "age_text": "5 to 18", "min_age": 5, "max_age": 18,
            "referral_routes": [], "updated_at": at(date(2024, 1, 1), 9),
            "edited_by_admin": False, "source_line": order,
        }  # fmt: skip
        sink.connection.execute(insert(DirectoryService.__table__), row)
        sink.connection.execute(
            insert(DirectoryServiceConcern.__table__),
            {"service_id": service_id, "concern": concern},
        )
        ids.append(service_id)
    return ids


def load_school_history(
    sink: Sink, register: Register, rng: random.Random, admin_id: int, today: date
) -> None:
    """Each school's path to its status, its onboarding checklist and interest."""
    for school in register.schools:
        steps = _path(school.status)
        go_live = date(register.cohort_years.get(school.cohort_id or 0, 2023), 9, 1)
        start = min(go_live - timedelta(days=200), today - timedelta(days=400))
        previous = None
        for step, status in enumerate(steps):
            day = min(start + timedelta(days=60 * step + rng.randrange(20)), today)
            sink.add("participation_event", (
                sink.next_id("participation_event"), school.id, previous, status, at(day, 10),
                admin_id if previous else None, None if previous else "On the register",
            ))  # fmt: skip
            previous = status
        if school.status in ("onboarding", "active", "paused"):
            done = school.status != "onboarding"
            sink.add("school_onboarding", (
                school.id, True, done, done, True, done,
                start + timedelta(days=150) if done else None, at(start + timedelta(days=150), 11),
                admin_id,
            ))  # fmt: skip
        if school.status != "not_participating":
            _interest(sink, school, admin_id, start + timedelta(days=60))


def _path(status: str) -> list[str]:
    if status in ("paused", "left"):
        return [*PATH, status]
    return list(PATH[: PATH.index(status) + 1])


def _interest(sink: Sink, school: School, admin_id: int, day: date) -> None:
    pending = school.status == "interest_registered"
    sink.add("interest_registration", (
        sink.next_id("interest_registration"), f"Invented school {school.id}",
        f"{100000 + school.id:06d}", school.area_id, "Invented Contact", "Head teacher",
        f"head.{school.id}@school.example", school.pupils, at(day, 9),
        "pending" if pending else "accepted", None if pending else at(day + timedelta(days=7), 15),
        None if pending else admin_id, None if pending else school.id,
    ))  # fmt: skip
