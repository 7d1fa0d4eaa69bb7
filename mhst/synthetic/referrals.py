"""One team's children and referrals, oldest first: each referral's row, needs and
risks, its journey's status events (with the audit entries the operations write),
consent, signposts and, for a case that was allocated, its casework. A fifth of the
referrals are a child's second, made after the first closed."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

from mhst.referrals.children import name_key
from mhst.referrals.eligibility import age_on
from mhst.synthetic import names
from mhst.synthetic.casework import Case, load_case
from mhst.synthetic.journeys import DISCHARGED, IN_TREATMENT, open_case, plan
from mhst.synthetic.journeys import cut as cut_at_today
from mhst.synthetic.register import School, Team, at, pick
from mhst.synthetic.sink import Sink
from mhst.synthetic.sizes import HISTORY_DAYS, OPEN_WINDOW_DAYS
from mhst.synthetic.teamwork import OpenCase

SOURCES = (("school", 0.7), ("parent_carer", 0.1), ("self_referral_online", 0.05),
           ("school_nurse", 0.07), ("gp", 0.08))  # fmt: skip
SOURCE_LABELS = {"school": "School Mental Health Lead", "parent_carer": "Parent or carer",
                 "self_referral_online": "Self-referral received online",
                 "school_nurse": "School nurse", "gp": "GP"}  # fmt: skip
NEEDS = ("low_mood", "worry", "anxiety_and_avoidance", "sleep_difficulties",
         "challenging_behaviour", "family_relationships", "adjusting_to_change",
         "emotional_regulation")  # fmt: skip
RISKS = ("self_harm", "thoughts_of_suicide", "safeguarding_concern", "eating_difficulties")
AGES = {"primary": (5, 10), "secondary": (11, 17)}
REPEAT_GAP = 240  # a child's second referral comes at least this long after the first
YEAR_GROUPS = ["reception"] + [f"year_{n}" for n in range(1, 14)]


@dataclass
class Child:
    id: int
    given: str
    family: str
    born: date
    school: School
    parent: str
    first_days_ago: int


@dataclass
class TeamPeople:
    senior: int
    emhps: list[int]
    leads: dict[int, int]  # school id -> the school's lead
    emails: dict[int, str]


def _open_cases(rng, days: list[int], people: TeamPeople) -> dict[int, tuple[int, str]]:
    """Which referrals are open cases now: each EMHP's 15-25, from recent referrals."""
    caseloads = [rng.randint(15, 25) for _ in people.emhps]
    window = [i for i, d in enumerate(days) if 21 <= d <= OPEN_WINDOW_DAYS + 60]
    chosen = rng.sample(window, min(sum(caseloads), len(window)))
    holders = [emhp for emhp, n in zip(people.emhps, caseloads, strict=True) for _ in range(n)]
    return {
        index: (holder, IN_TREATMENT if rng.random() < 0.8 else "allocated")
        for index, holder in zip(chosen, holders, strict=False)
    }


def load_team_referrals(
    sink: Sink, rng: random.Random, team: Team, people: TeamPeople, counts: tuple[int, int],
    context: tuple[date, list[int]],
) -> list[OpenCase]:  # fmt: skip
    referrals, children = counts
    today, services = context
    days = sorted((rng.randint(1, HISTORY_DAYS) for _ in range(referrals)), reverse=True)
    open_cases = _open_cases(rng, days, people)
    could_repeat = sum(1 for d in days if d <= HISTORY_DAYS - REPEAT_GAP)
    repeat_chance = (referrals - children) / max(1, could_repeat)
    earlier: deque[Child] = deque()
    cases = []
    for index, days_ago in enumerate(days):
        child = None
        gap = earlier[0].first_days_ago - days_ago if earlier else 0
        if gap >= REPEAT_GAP and rng.random() < repeat_chance:
            child = earlier.popleft()
        if child is None:
            child = _child(sink, rng, team, today - timedelta(days=days_ago))
        holder, open_as = open_cases.get(index, (None, None))
        made = _referral(sink, rng, child, days_ago, (holder, open_as), people, today, services)
        if made is not None:
            cases.append(made)
        elif index not in open_cases and age_on(child.born, today) < 17:
            child.first_days_ago = days_ago
            earlier.append(child)
    return cases


def _child(sink: Sink, rng: random.Random, team: Team, received: date) -> Child:
    school = rng.choice(team.schools)
    youngest, oldest = AGES.get(school.phase, (5, 17))
    age = rng.randint(youngest, oldest)
    born = received - timedelta(days=int(age * 365.25) + rng.randint(1, 360))
    given, family = names.person(rng)
    child_id = sink.next_id("child")
    parent = f"{names.person(rng)[0]} {family}"
    sink.add("child", (
        child_id, given, family, born, rng.choice(("female", "male", "male", "female",
        "non_binary", "not_stated")), rng.choice("ABCDEFGHJKLMNPRSZ"),
        names.nhs_number(child_id) if rng.random() < 0.9 else None,
        YEAR_GROUPS[max(0, min(13, age_on(born, received) - 4))], school.id, parent, "Parent",
        f"01632 960{child_id % 1000:03d}", at(received, 9, 5), name_key(given, family), 1,
    ))  # fmt: skip
    return Child(child_id, given, family, born, school, parent, 0)


def _referral(sink, rng, child: Child, days_ago: int, holding, people: TeamPeople, today,
              services) -> OpenCase | None:  # fmt: skip
    holder, open_as = holding
    received = today - timedelta(days=days_ago)
    referral_id = sink.next_id("referral")
    age = age_on(child.born, received)
    eligible = rng.random() > 0.03 or open_as is not None  # an open case was eligible
    journey = plan(rng, age, eligible, open_as)
    if open_as:
        open_case(rng, journey, days_ago, open_as)
    else:
        journey = cut_at_today(journey, days_ago)
        if days_ago <= 2 and rng.random() < 0.1:
            journey.steps = journey.steps[:1]  # still being entered: submitted
    source = pick(rng, SOURCES)
    submitter = people.leads[child.school.id] if source == "school" else people.emhps[0]
    practitioner = holder or rng.choice(people.emhps)
    by = {"submitter": submitter, "recorder": people.emhps[0], "senior": people.senior,
          "practitioner": practitioner}  # fmt: skip
    event_ids = _events(sink, referral_id, received, journey, by, people.emails, source)
    _referral_row(sink, rng, (referral_id, child, received, source, submitter, eligible),
                  journey, people.senior, days_ago)  # fmt: skip
    if journey.consent_day is not None:
        _consent(sink, rng, referral_id, child, received + timedelta(days=journey.consent_day),
                 people.emhps[0])  # fmt: skip
    if journey.signposted:
        sink.add("referral_signpost", (
            sink.next_id("referral_signpost"), referral_id, event_ids[-1], rng.choice(services)
        ))  # fmt: skip
    if journey.allocated_day is None:
        return None
    case = Case(referral_id, received, practitioner, people.senior,
                "child" if age >= 11 else "parent_carer", journey,
                event_ids[-1] if journey.status == DISCHARGED else None)  # fmt: skip
    load_case(sink, rng, case, today)
    if not open_as:
        return None
    first = journey.first_session
    return OpenCase(referral_id, practitioner, received + timedelta(days=journey.allocated_day),
                    received + timedelta(days=first) if first is not None else None)  # fmt: skip


def _events(sink, referral_id, received, journey, by, emails, source) -> list[int]:
    """The status events and the audit entry each change wrote; the events' ids."""
    ids, previous = [], None
    for step in journey.steps:
        event_id = sink.next_id("referral_event")
        occurred = at(received + timedelta(days=step.day), step.hour)
        user = by[step.by]
        reason = f"Referred by: {SOURCE_LABELS[source]}" if previous is None else step.reason
        if step.status == "allocated":
            reason = f"Allocated to user {by['practitioner']}"
        sink.add("referral_event", (
            event_id, referral_id, previous, step.status, occurred, user, reason
        ))  # fmt: skip
        sink.add("audit_event", (
            sink.next_id("audit_event"), occurred, user, emails[user],
            "create" if previous is None else "update", "referral", str(referral_id),
            None if previous is None else f"status: {step.status}",
        ))  # fmt: skip
        ids.append(event_id)
        previous = step.status
    return ids


def _referral_row(sink, rng, about, journey, senior: int, days_ago: int) -> None:
    referral_id, child, received, source, submitter, eligible = about
    high_risk = rng.random() < 0.08
    reviewed = high_risk and not (days_ago <= 2 and rng.random() < 0.5)
    last = journey.steps[-1]
    accepted = next((s.day for s in journey.steps if s.status == "accepted"), None)
    submitted = at(received, 9)
    sink.add("referral", (
        referral_id, child.id, child.school.id, source,
        None if source == "school" else f"Invented {source.replace('_', ' ')}", received,
        submitted, submitter, eligible, rng.choice(("less_than_a_month", "one_to_three_months",
        "three_to_six_months", "more_than_six_months")), rng.choice(("a_little", "quite_a_lot",
        "a_great_deal")), f"{child.given} {rng.choice(names.NEEDS_DETAIL)}", names.TRIED,
        "Told a member of staff; the school followed its safeguarding procedure." if high_risk
        else None, True, "yes" if rng.random() < 0.85 else "not_sure", eligible,
        None if eligible else "Not in education", high_risk,
        submitted + timedelta(hours=3) if reviewed else None, senior if reviewed else None,
        "Spoke to the family and the school the same day: safety plan agreed." if reviewed
        else None, last.status, at(received + timedelta(days=last.day), last.hour),
        received + timedelta(days=accepted) if accepted is not None else None,
        received + timedelta(days=last.day) if last.status in CLOSED_NOW else None,
    ))  # fmt: skip
    for need in rng.sample(NEEDS, rng.randint(1, 2)):
        sink.add("referral_need", (referral_id, need))
    if high_risk:
        sink.add("referral_risk", (referral_id, rng.choice(RISKS)))


def _consent(sink, rng, referral_id: int, child: Child, given_on: date, recorder: int) -> None:
    own = age_on(child.born, given_on) >= 16
    sink.add("consent", (
        sink.next_id("consent"), referral_id, "young_person" if own else "parent_carer",
        f"{child.given} {child.family}" if own else child.parent, None if own else "Parent",
        given_on, rng.choice(("in_writing", "online_form", "phone", "in_person")),
        at(given_on, 12), recorder, None, None, None,
    ))  # fmt: skip


CLOSED_NOW = frozenset({"discharged", "signposted", "not_accepted", "stepped_up", "withdrawn"})
