"""An allocated case's casework: its allocation, weekly care contacts (mostly attended,
some not attended or cancelled, the next one booked for an open case), outcome measures
scored by the app's own scoring (GBO at the start, the middle and the end; ESQ at some
discharges) and, for a discharged case, its discharge."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.scoring import score
from mhst.synthetic import names
from mhst.synthetic.journeys import DISCHARGED, Journey
from mhst.synthetic.register import at
from mhst.synthetic.sink import Sink

ATTENDANCE = (("attended", 0.85), ("did_not_attend", 0.08), ("cancelled_by_family", 0.04),
              ("cancelled_by_service", 0.03))  # fmt: skip
MODES = (("face_to_face_school", 0.6), ("face_to_face_elsewhere", 0.1), ("video", 0.2),
         ("telephone", 0.1))  # fmt: skip
LOCATIONS = {"face_to_face_school": "Wellbeing room", "face_to_face_elsewhere": "Family home"}
PATHWAYS = ("guided_self_help_anxiety", "parent_led_cbt_anxiety", "behavioural_activation",
            "cbt_sleep", "parenting_behaviour", "graded_exposure")  # fmt: skip
DISCHARGE_REASONS = (("goals_met", 0.75), ("disengaged", 0.1), ("signposted_on", 0.05),
                     ("moved_school", 0.05), ("other", 0.05))  # fmt: skip
ESQ_PATTERNS = tuple(tuple(1 + ((i * 7 + k * 3) % 5 == 0) for i in range(12)) for k in range(8))
NO_FINAL = "The family did not complete the final questionnaire."


def pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


@cache
def _scores(code: str, answers: tuple[int, ...]) -> tuple[tuple[str, int, Decimal], ...]:
    """(scale, position, score) as the app scores these answers (cached: few differ)."""
    definition = available_measures()[code]
    scored = score(definition, dict(enumerate(answers, start=1)))
    positions = {name: i for i, name in enumerate(definition.scale_names, start=1)}
    return tuple((name, positions[name], Decimal(str(v))) for name, v in scored.items())


@dataclass
class Case:
    """What casework needs to know of one referral."""

    referral_id: int
    received: date
    practitioner: int
    senior: int
    respondent: str  # who completes the measures: the child, or a parent for the young
    journey: Journey
    end_event_id: int | None  # the discharge's status event


def load_case(sink: Sink, rng: random.Random, case: Case, today: date) -> None:
    journey = case.journey
    day = case.received + timedelta(days=journey.allocated_day)
    ended = journey.end_day is not None
    end_reason = {True: "Discharged" if journey.status == DISCHARGED else
                  f"Referral {journey.status.replace('_', ' ')}", False: None}[ended]  # fmt: skip
    sink.add("allocation", (
        sink.next_id("allocation"), case.referral_id, case.practitioner, at(day, 15), case.senior,
        at(case.received + timedelta(days=journey.end_day), 16) if ended else None, end_reason,
    ))  # fmt: skip
    attended = _contacts(sink, rng, case) if journey.first_session is not None else []
    if journey.planned_next is not None:
        _contact(sink, rng, case, at(case.received + timedelta(days=journey.planned_next), 11),
                 "treatment" if attended else "assessment", None)  # fmt: skip
    final = _measures(sink, rng, case, attended)
    if journey.status == DISCHARGED:
        sink.add("discharge", (
            sink.next_id("discharge"), case.referral_id, case.end_event_id,
            pick(rng, DISCHARGE_REASONS), "Worked on the goals agreed; the family know how to "
            "ask for help again.", at(case.received + timedelta(days=journey.end_day), 16),
            case.practitioner, None if final else NO_FINAL,
        ))  # fmt: skip


def _contacts(sink: Sink, rng: random.Random, case: Case) -> list[tuple[int, datetime]]:
    """The weekly sessions from the first (attended: it started treatment); the ids and
    times of those attended."""
    journey = case.journey
    attended = []
    last = journey.sessions - 1
    for number in range(journey.sessions):
        starts = at(case.received + timedelta(days=journey.first_session + 7 * number), 10)
        stage = "assessment" if number == 0 else "treatment"
        if number == last and journey.status == DISCHARGED:
            stage = "discharge"
        elif number and number % 4 == 0:
            stage = "review"
        outcome = "attended" if number in (0, last) else pick(rng, ATTENDANCE)
        contact_id = _contact(sink, rng, case, starts, stage, outcome)
        if outcome == "attended":
            attended.append((contact_id, starts))
    return attended


def _contact(sink, rng, case: Case, starts: datetime, stage: str, outcome: str | None) -> int:
    contact_id = sink.next_id("care_contact")
    mode = pick(rng, MODES)
    booked = max(starts - timedelta(days=7), at(case.received, 9) + timedelta(
        days=case.journey.allocated_day))  # fmt: skip
    cancelled = outcome is not None and outcome.startswith("cancelled")
    sink.add("care_contact", (
        contact_id, case.referral_id, case.practitioner, starts, rng.choice((45, 50, 60)),
        stage, mode, LOCATIONS.get(mode), rng.choice(PATHWAYS), outcome,
        ("child", "both", "parent_carer")[rng.randrange(3)] if outcome == "attended" else None,
        names.NOTES if outcome == "attended" else None,
        "Unwell on the day." if cancelled else None, booked, case.practitioner, 1,
        case.practitioner if outcome else None,
        starts + timedelta(hours=2) if outcome else None,
    ))  # fmt: skip
    return contact_id


def _measures(sink: Sink, rng: random.Random, case: Case, attended: list) -> bool:
    """GBO at the first attended session, the middle one and (mostly) the last; an ESQ
    at some discharges. Whether a final measure was taken at the last session."""
    if not attended:
        return False
    goals = rng.randint(2, 3)
    rating = [rng.randint(1, 4) for _ in range(goals)]
    moments = [attended[0], attended[len(attended) // 2]] if len(attended) > 2 else attended[:1]
    closing = case.journey.status == DISCHARGED
    final = closing and len(attended) > 1 and rng.random() < 0.8
    if final:
        moments.append(attended[-1])
    for step, (contact_id, starts) in enumerate(moments):
        answers = tuple(min(10, r + 3 * step + rng.randint(0, 1)) for r in rating)
        _measure(sink, case, "GBO", contact_id, starts, answers)
    if final and rng.random() < 0.4:
        contact_id, starts = attended[-1]
        _measure(sink, case, "ESQ", contact_id, starts, rng.choice(ESQ_PATTERNS))
    return final


def _measure(sink, case: Case, code: str, contact_id: int, starts: datetime, answers) -> None:
    record_id = sink.next_id("measure_record")
    sink.add("measure_record", (
        record_id, case.referral_id, code, starts.date(), case.respondent, contact_id, True,
        starts + timedelta(hours=1), case.practitioner, False,
    ))  # fmt: skip
    for number, value in enumerate(answers, start=1):
        text = (
            names.GOALS[(case.referral_id + number) % len(names.GOALS)] if code == "GBO" else None
        )
        sink.add("measure_answer", (record_id, number, value, text))
    for scale, position, value in _scores(code, answers):
        sink.add("measure_score", (record_id, scale, position, value))
