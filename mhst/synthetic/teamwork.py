"""A team's work beyond single cases: group programmes (a targeted group of children in
treatment, with sessions and attendance, and a universal one with head counts),
supervision of each EMHP every four weeks (discussing open cases), and whole-school
activities at its schools."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from mhst.synthetic.register import Team, at
from mhst.synthetic.sink import Sink

ACTIVITIES = ("staff_training", "assembly", "workshop", "parent_information_session",
              "mental_health_week_toolkit")  # fmt: skip
PRINCIPLES = ("leadership", "ethos_and_environment", "curriculum", "student_voice",
              "staff_development", "identifying_need", "working_with_parents",
              "targeted_support")  # fmt: skip
SUPERVISIONS = 6


@dataclass(frozen=True)
class OpenCase:
    referral_id: int
    practitioner: int
    allocated: date
    treated_since: date | None  # the first attended session, if any


def load_teamwork(
    sink: Sink, rng: random.Random, team: Team, people: tuple[int, list[int]],
    cases: list[OpenCase], today: date,
) -> None:  # fmt: skip
    senior, emhps = people
    _groups(sink, rng, team, emhps, cases, today)
    for emhp in emhps:
        _supervision(sink, rng, team, senior, emhp, cases, today)
    for school in team.schools:
        for _ in range(rng.randint(1, 3)):
            _activity(sink, rng, school.id, emhps[0], today)


def _groups(sink, rng, team: Team, emhps: list[int], cases: list[OpenCase], today: date):
    for kind in ("targeted", "universal"):
        group_id = sink.next_id("group_programme")
        start = today - timedelta(days=rng.randint(14, 42))
        school_id = team.schools[0].id
        sink.add("group_programme", (
            group_id, f"{'Worry busters' if kind == 'targeted' else 'Wellbeing'} group",
            kind, "children", team.id, school_id, False, 6, at(start - timedelta(days=7), 9),
            emhps[0],
        ))  # fmt: skip
        for emhp in emhps[:2]:
            sink.add("group_facilitator", (group_id, emhp))
        joined = [c for c in cases if c.treated_since and c.treated_since <= start][:6]
        participants = []
        for case in joined if kind == "targeted" else []:
            participant_id = sink.next_id("group_participant")
            sink.add("group_participant", (
                participant_id, group_id, case.referral_id, False, at(start - timedelta(days=2), 9)
            ))  # fmt: skip
            participants.append(participant_id)
        held = start
        while held < today:
            session_id = sink.next_id("group_session")
            head_count = None if kind == "targeted" else rng.randint(8, 30)
            sink.add("group_session", (
                session_id, group_id, held, "Noticing worries", head_count, at(held, 16),
                emhps[0], 1,
            ))  # fmt: skip
            for participant_id in participants:
                sink.add("group_attendance", (session_id, participant_id, rng.random() < 0.85))
            held += timedelta(days=7)


def _supervision(sink, rng, team: Team, senior: int, emhp: int, cases: list[OpenCase], today):
    theirs = [c for c in cases if c.practitioner == emhp]
    for number in range(SUPERVISIONS):
        held = today - timedelta(days=3 + 28 * number)
        record_id = sink.next_id("supervision_record")
        sink.add("supervision_record", (
            record_id, held, senior, emhp, at(held, 17), senior, team.id,
        ))  # fmt: skip
        discussed = [c for c in theirs if c.allocated <= held][:3]
        for case in discussed:
            sink.add("supervision_case", (
                sink.next_id("supervision_case"), record_id, case.referral_id,
                "Continue the plan; review the goals at the next session.",
            ))  # fmt: skip


def _activity(sink, rng, school_id: int, recorder: int, today: date) -> None:
    activity_id = sink.next_id("whole_school_activity")
    held = today - timedelta(days=rng.randint(1, 330))
    sink.add("whole_school_activity", (
        activity_id, school_id, rng.choice(ACTIVITIES), held, "Looking after our wellbeing",
        "The MHST", rng.randint(10, 200), recorder, at(held, 15),
    ))  # fmt: skip
    for principle in rng.sample(PRINCIPLES, 2):
        sink.add("activity_principle", (activity_id, principle))
