"""The invented school register for the demo: about 300 schools across Leicester,
Leicestershire and Rutland, about 250 of them active in cohorts since 2019/20 and
covering about 129,000 pupils, each active school with a named (invented) lead.

Everything comes from a seeded random generator, so every run builds the same data.
No name, URN or person here is real: URNs are in the 99xxxx range, which the DfE has
not issued, and email addresses use the reserved .example domain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from mhst.accounts.models import Role, User
from mhst.cohorts.models import Cohort
from mhst.core.academic_year import academic_year_label
from mhst.core.time import service_today
from mhst.demo.helpers import at, unknown_password_hash, working_day
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import (
    LeadKind,
    ParticipationEvent,
    ParticipationStatus,
    School,
    SchoolLeadAssignment,
    SchoolOnboarding,
    SchoolPhase,
)
from mhst.wholeschool.models import ActivityKind, ActivityPrinciple, Principle, WholeSchoolActivity

S = ParticipationStatus
TARGET_PUPILS_ACTIVE = 129_000

# area -> (teams, number of schools)
AREAS = {
    "Leicester City": (
        [
            "City North MHST",
            "City South MHST",
            "City East MHST",
            "City West MHST",
            "City Central MHST",
        ],
        110,
    ),
    "Leicestershire": (
        [
            "County West MHST",
            "Charnwood MHST",
            "Hinckley and Bosworth MHST",
            "Melton MHST",
            "Harborough MHST",
            "Blaby and Oadby MHST",
            "North West Leicestershire MHST",
        ],
        170,
    ),
    "Rutland": (["Rutland MHST"], 20),
}

FIRST_WORDS = (
    "Brook", "Harcourt", "Willow", "Oak", "Fern", "Kestrel", "Ash", "Beech", "Hazel", "Linden",
    "Maple", "Rowan", "Alder", "Heron", "Lark", "Wren", "Kingfisher", "Meadow", "Orchard",
    "Copper", "Silver", "Stone", "Mill", "Bridge", "Church", "Castle", "Forest", "Valley",
    "Hill", "Spring", "River", "Wood", "Green", "Field", "Vale", "Cedar", "Elm", "Holly", "Ivy",
    "Juniper", "Laurel", "Poplar", "Sycamore", "Thorn", "Yew", "Bramble", "Clover",
)  # fmt: skip
SECOND_WORDS = (
    "field", "bank", "leigh", "hill", "side", "mead", "croft", "dale", "gate", "ford", "brook",
    "wood", "well", "ton", "hurst", "worth", "stead", "lands", "ridge", "moor",
)  # fmt: skip
SUFFIX = {
    SchoolPhase.PRIMARY: (
        "Primary School",
        "Primary Academy",
        "Church of England Primary",
        "Community Primary",
        "Junior School",
        "Infant School",
    ),
    SchoolPhase.SECONDARY: ("Academy", "High School", "Secondary School", "Community College"),
    SchoolPhase.ALL_THROUGH: ("All-through Academy",),
    SchoolPhase.SPECIAL: ("Special School", "School"),
    SchoolPhase.ALTERNATIVE_PROVISION: ("Learning Centre", "Pupil Referral Unit"),
    SchoolPhase.COLLEGE: ("Sixth Form College", "College"),
}
PHASE_WEIGHTS = {
    SchoolPhase.PRIMARY: 74,
    SchoolPhase.SECONDARY: 17,
    SchoolPhase.ALL_THROUGH: 2,
    SchoolPhase.SPECIAL: 3,
    SchoolPhase.ALTERNATIVE_PROVISION: 2,
    SchoolPhase.COLLEGE: 2,
}
PUPILS = {
    SchoolPhase.PRIMARY: (180, 630),
    SchoolPhase.SECONDARY: (800, 1700),
    SchoolPhase.ALL_THROUGH: (1200, 1900),
    SchoolPhase.SPECIAL: (60, 220),
    SchoolPhase.ALTERNATIVE_PROVISION: (20, 90),
    SchoolPhase.COLLEGE: (900, 2400),
}
GIVEN = (
    "Alex", "Sam", "Jo", "Chris", "Priya", "Amir", "Grace", "Tom", "Aisha", "Ben", "Hannah",
    "Ravi", "Leah", "Owen", "Zara", "Megan", "Imran", "Nadia", "Ellis", "Kofi",
)  # fmt: skip
FAMILY = (
    "Ashworth", "Brennan", "Choudhury", "Dalby", "Evans", "Fairley", "Gill", "Hartley", "Iqbal",
    "Jarvis", "Kaur", "Lowe", "Mistry", "Norris", "Okoro", "Patel", "Quinn", "Rahman", "Singh",
    "Thorpe", "Upton", "Varley", "Walsh", "Young",
)  # fmt: skip
THEMES = (
    "Managing worry", "Sleep and wellbeing", "Exam stress", "Friendships and belonging",
    "Transition to secondary school", "Low mood: spotting the signs", "Kindness week",
)  # fmt: skip

# Cohorts: academic year -> (go-live date, share of the active schools that joined).
COHORT_YEARS = {2019: 0.10, 2020: 0.12, 2021: 0.14, 2022: 0.15, 2023: 0.16, 2024: 0.17, 2025: 0.16}
NEXT_COHORT_YEAR = 2026
ACTIVE_SCHOOLS = 250
ONBOARDING_SCHOOLS = 10
INTEREST_SCHOOLS = 12


@dataclass
class Plan:
    status: ParticipationStatus
    cohort_year: int | None


def register_is_loaded() -> bool:
    count = db.session.scalar(select(func.count(Cohort.id)))
    return bool(count)


def load_register(areas: dict[str, ServiceArea], teams: dict[str, Team]) -> None:
    """Build the register once; later runs find it and change nothing."""
    if register_is_loaded():
        return
    # Invented data, not security (ruff S311, bandit B311).
    rng = random.Random(2026)  # noqa: S311  # nosec B311
    for area_name, (team_names, _) in AREAS.items():
        for name in team_names:
            if name not in teams:
                teams[name] = Team(name=name, area=areas[area_name])
                db.session.add(teams[name])
    db.session.flush()

    cohorts = _cohorts()
    existing = {s.urn: s for s in db.session.scalars(select(School))}
    schools: list[School] = []
    urn = 990100
    used_names = {s.name for s in existing.values()}
    for area_name, (team_names, count) in AREAS.items():
        for index in range(count):
            phase = rng.choices(list(PHASE_WEIGHTS), weights=list(PHASE_WEIGHTS.values()))[0]
            name = _school_name(rng, phase, used_names)
            urn += 1
            school = School(
                name=name,
                urn=str(urn),
                phase=phase,
                area=areas[area_name],
                local_authority=area_name,
                pupils_on_roll=rng.randint(*PUPILS[phase]),
                team=teams[team_names[index % len(team_names)]],
                participation_status=S.NOT_PARTICIPATING,
            )
            schools.append(school)
    # The small demo schools (990001-990007) join the register as they are.
    for small in existing.values():
        small.phase = small.phase or SchoolPhase.PRIMARY
        small.local_authority = small.local_authority or small.area.name
        small.pupils_on_roll = small.pupils_on_roll or 420
    db.session.add_all(schools)
    db.session.flush()

    everyone = [*existing.values(), *schools]
    plans = _plan(rng, everyone, existing)
    _scale_pupils(everyone, plans)
    lead_hash = unknown_password_hash()  # leads here cannot sign in
    # The demo administrator is recorded as having made the invented history.
    recorded_by = db.session.scalars(
        select(User.id).where(User.role == Role.ADMINISTRATOR).order_by(User.id).limit(1)
    ).first()
    with db.session.no_autoflush:  # one flush at the end, not one per school's look-ups
        for school in everyone:
            _apply(rng, school, plans[school.urn], cohorts, lead_hash, recorded_by)
    db.session.flush()


def _cohorts() -> dict[int, Cohort]:
    """A cohort each academic year from 2019/20, and next year's."""
    cohorts = {}
    for number, year in enumerate([*COHORT_YEARS, NEXT_COHORT_YEAR], start=1):
        go_live = date(year + 1, 1, 8) if year < NEXT_COHORT_YEAR else date(year + 1, 1, 11)
        cohorts[year] = Cohort(
            name=f"Cohort {number} ({academic_year_label(year)})",
            academic_year=year,
            go_live_date=go_live,
        )
        db.session.add(cohorts[year])
    return cohorts


def _school_name(rng: random.Random, phase: SchoolPhase, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_WORDS)}{rng.choice(SECOND_WORDS)} {rng.choice(SUFFIX[phase])}"
        if name not in used:
            used.add(name)
            return name


def _plan(rng, everyone: list[School], small: dict[str, School]) -> dict[str, Plan]:
    """Decide each school's status and cohort: 250 active, some onboarding, some waiting."""
    order = sorted(everyone, key=lambda s: s.urn)
    rng.shuffle(order)
    # The small demo schools keep a known shape: all active except the one with no team.
    active = [s for s in small.values() if s.team is not None]
    rest = [s for s in order if s.urn not in small]
    active += rest[: ACTIVE_SCHOOLS - len(active)]
    rest = rest[ACTIVE_SCHOOLS - len([s for s in small.values() if s.team]) :]
    onboarding, rest = rest[:ONBOARDING_SCHOOLS], rest[ONBOARDING_SCHOOLS:]
    interest, rest = rest[:INTEREST_SCHOOLS], rest[INTEREST_SCHOOLS:]
    plans = {s.urn: Plan(S.NOT_PARTICIPATING, None) for s in everyone}
    years = list(COHORT_YEARS)
    weights = list(COHORT_YEARS.values())
    for school in active:
        year = 2019 if school.urn in small else rng.choices(years, weights=weights)[0]
        plans[school.urn] = Plan(S.ACTIVE, year)
    for school in onboarding:
        plans[school.urn] = Plan(S.ONBOARDING, NEXT_COHORT_YEAR)
    for school in interest:
        plans[school.urn] = Plan(S.INTEREST_REGISTERED, None)
    for school in rng.sample(active[10:], 3):
        plans[school.urn] = Plan(S.PAUSED, plans[school.urn].cohort_year)
    return plans


def _scale_pupils(everyone: list[School], plans: dict[str, Plan]) -> None:
    """Scale pupils on roll so the covered schools hold about 129,000 pupils."""
    covered = [s for s in everyone if plans[s.urn].status in (S.ACTIVE, S.PAUSED)]
    factor = TARGET_PUPILS_ACTIVE / sum(s.pupils_on_roll for s in covered)
    for school in everyone:
        school.pupils_on_roll = max(10, round(school.pupils_on_roll * factor))


def _apply(
    rng,
    school: School,
    plan: Plan,
    cohorts: dict[int, Cohort],
    lead_hash: str,
    recorded_by: int | None,
) -> None:
    if plan.status is S.NOT_PARTICIPATING:
        return
    if plan.status is S.INTEREST_REGISTERED:
        _event(
            school,
            S.NOT_PARTICIPATING,
            S.INTEREST_REGISTERED,
            working_day(rng.randint(5, 200), service_today()),
            "Interest registered through the public form",
            recorded_by,
        )
        return
    cohort = cohorts[plan.cohort_year]
    school.cohort = cohort
    assigned = cohort.go_live_date - timedelta(days=150)
    _event(
        school,
        S.NOT_PARTICIPATING,
        S.ASSIGNED_TO_COHORT,
        assigned,
        f"Joined {cohort.name}",
        recorded_by,
    )
    _event(
        school, S.ASSIGNED_TO_COHORT, S.ONBOARDING, assigned + timedelta(days=30), None, recorded_by
    )
    school.onboarding = _onboarding(rng, plan, cohort)
    if plan.status is S.ONBOARDING:
        return
    _event(school, S.ONBOARDING, S.ACTIVE, cohort.go_live_date, None, recorded_by)
    if plan.status is S.PAUSED:
        _event(
            school,
            S.ACTIVE,
            S.PAUSED,
            _paused_on(cohort.go_live_date),
            "Paused at the school's request during a change of headteacher",
            recorded_by,
        )
    _name_invented_lead(rng, school, cohort.go_live_date, lead_hash)
    if rng.random() < 0.3:
        _invented_activity(rng, school)


def _onboarding(rng, plan: Plan, cohort: Cohort) -> SchoolOnboarding:
    """The checklist: half done for a school still onboarding, complete for the others."""
    if plan.status is S.ONBOARDING:
        return SchoolOnboarding(
            lead_capacity_confirmed=True,
            involves_children_and_families=rng.random() < 0.5,
            supports_evaluation=True,
            accommodation_available=rng.random() < 0.5,
            safeguarding_aligned=False,
            welcome_pack_sent_on=None,
        )
    return SchoolOnboarding(
        lead_capacity_confirmed=True,
        involves_children_and_families=True,
        supports_evaluation=True,
        accommodation_available=True,
        safeguarding_aligned=True,
        welcome_pack_sent_on=cohort.go_live_date - timedelta(days=40),
    )


def _paused_on(go_live: date) -> date:
    """About eleven weeks ago, or a month after the school went live if that is later."""
    yesterday = working_day(1, service_today())
    return min(max(working_day(55, service_today()), go_live + timedelta(days=30)), yesterday)


def _event(
    school, from_status, to_status, day: date, reason: str | None, recorded_by: int | None
) -> None:
    db.session.add(
        ParticipationEvent(
            school=school,
            from_status=from_status,
            to_status=to_status,
            occurred_at=at(day, 9),
            by_user_id=recorded_by,
            reason=reason,
        )
    )
    school.participation_status = to_status


def _name_invented_lead(rng, school: School, since: date, lead_hash: str) -> None:
    if any(a.ended_at is None for a in school.lead_assignments):
        return
    lead = User(
        email=f"mhl.{school.urn}@school.example",
        full_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
        role=Role.SCHOOL_MENTAL_HEALTH_LEAD,
        school=school,
        password_hash=lead_hash,
        active=True,
        session_version=1,
    )
    db.session.add(
        SchoolLeadAssignment(
            school=school,
            user=lead,
            kind=LeadKind.LEAD,
            started_at=at(since - timedelta(days=60), 9),
        )
    )


def _team_emhp(team_id: int) -> User | None:
    """An EMHP of the team to record its activities (the demo EMHP where it has none)."""
    emhps = select(User).where(User.role == Role.EMHP).order_by(User.team_id != team_id, User.id)
    return db.session.scalars(emhps.limit(1)).first()


def _invented_activity(rng, school: School) -> None:
    held_on = working_day(rng.randint(1, 210), service_today())
    kind = rng.choice([k for k in ActivityKind if k is not ActivityKind.OTHER])
    principles = rng.sample(list(Principle), 2)
    recorder = _team_emhp(school.team_id)
    if recorder is None:
        return
    db.session.add(
        WholeSchoolActivity(
            school=school,
            kind=kind,
            held_on=held_on,
            recorded_at=at(held_on, 17, 30),
            theme=rng.choice(THEMES),
            delivered_by=f"{school.team.name} EMHPs",
            attendance=rng.randint(15, 300),
            recorded_by=recorder,
            principle_links=[ActivityPrinciple(principle=p) for p in principles],
        )
    )
