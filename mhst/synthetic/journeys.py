"""Each referral's path through the states, as the operations would have moved it: a
planned journey (received, consent, triage, the waiting list, allocation, treatment and
its end) cut at today. A case allocated now is planned so (the team's caseloads decide
which); any other journey either ends before today or stops on the waiting list, so
open cases are exactly those given to an EMHP's caseload."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SUBMITTED, AWAITING, READY = "submitted", "awaiting_consent", "ready_for_triage"
ACCEPTED, ALLOCATED, IN_TREATMENT = "accepted", "allocated", "in_treatment"
DISCHARGED, SIGNPOSTED, NOT_ACCEPTED = "discharged", "signposted", "not_accepted"
STEPPED_UP, WITHDRAWN = "stepped_up", "withdrawn"
CLOSED = frozenset({DISCHARGED, SIGNPOSTED, NOT_ACCEPTED, STEPPED_UP, WITHDRAWN})
EXITS = (("withdrawn_early", 0.05), ("signposted", 0.12), ("not_accepted", 0.05),
         ("stepped_up", 0.04), ("treated", 0.74))  # fmt: skip
TREATMENT_ENDS = (("discharged", 0.88), ("stepped_up", 0.04), ("withdrawn", 0.04),
                  ("withdrawn_waiting", 0.04))  # fmt: skip
REASONS = {
    SIGNPOSTED: "Needs better met by a local service: details given to the family.",
    NOT_ACCEPTED: "Not suitable for low-intensity support at present.",
    STEPPED_UP: "Needs are more than low-intensity support: referred on.",
    WITHDRAWN: "The family no longer want support.",
}


@dataclass(frozen=True)
class Step:
    status: str
    day: int  # days after the referral was received
    hour: int
    by: str  # "submitter", "recorder" (the team's EMHP), "senior" or "practitioner"
    reason: str | None


@dataclass
class Journey:
    steps: list[Step] = field(default_factory=list)
    consent_day: int | None = None
    allocated_day: int | None = None
    first_session: int | None = None
    sessions: int = 0  # planned sessions from the first (weekly)
    end_day: int | None = None  # the day treatment ended (the case left the caseload)
    signposted: bool = False
    planned_next: int | None = None  # an open case's next booked session (after today)

    @property
    def status(self) -> str:
        return self.steps[-1].status

    def add(self, status: str, day: int, hour: int, by: str, reason: str | None) -> None:
        self.steps.append(Step(status, day, hour, by, reason))


def pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def plan(rng: random.Random, age: int, eligible: bool, open_as: str | None) -> Journey:
    """The whole journey, not yet cut at today. ``open_as``: this case is allocated now
    (``allocated`` or ``in_treatment``); its days are set by :func:`open_case`."""
    journey = Journey()
    journey.add(SUBMITTED, 0, 9, "submitter", "Referred by the school")
    journey.add(AWAITING, 0, 9, "submitter", "No consent recorded yet")
    consent = rng.randint(1, 12)
    path = "treated" if open_as else pick(rng, EXITS)
    if not eligible:
        path = rng.choice((SIGNPOSTED, NOT_ACCEPTED))
        journey.add(path, consent + rng.randint(1, 5), 14, "senior", REASONS[path])
        journey.signposted = path == SIGNPOSTED
        return journey
    if path == "withdrawn_early":
        journey.add(WITHDRAWN, consent + rng.randint(0, 10), 10, "recorder", REASONS[WITHDRAWN])
        return journey
    journey.consent_day = consent
    journey.add(READY, consent, 12, "recorder", "Consent recorded")
    triage = consent + rng.randint(1, 7)
    if path != "treated":
        journey.add(path, triage, 14, "senior", REASONS[path])
        journey.signposted = path in (SIGNPOSTED, STEPPED_UP)
        return journey
    journey.add(ACCEPTED, triage, 14, "senior", "Suitable for the team's support")
    if open_as:
        return journey
    _treated(rng, journey, triage)
    return journey


def _treated(rng: random.Random, journey: Journey, triage: int) -> None:
    end = pick(rng, TREATMENT_ENDS)
    wait = rng.randint(7, 90)
    if end == "withdrawn_waiting":
        journey.add(WITHDRAWN, triage + rng.randint(5, wait), 11, "recorder", REASONS[WITHDRAWN])
        return
    allocated = journey.allocated_day = triage + wait
    journey.add(ALLOCATED, allocated, 15, "senior", "Allocated")
    first = journey.first_session = allocated + rng.randint(3, 10)
    journey.add(IN_TREATMENT, first, 10, "practitioner", "First session attended (assessment)")
    journey.sessions = rng.randint(6, 15)
    last = first + 7 * (journey.sessions - 1)
    journey.end_day = last + (0 if end == DISCHARGED else 3)
    reason = "Discharged" if end == DISCHARGED else REASONS[end]
    journey.add(end, journey.end_day, 16, "practitioner", reason)


def open_case(rng: random.Random, journey: Journey, days_ago: int, status: str) -> None:
    """Allocate a planned journey now: in treatment since a recent first session, or
    allocated in the past ten days with the first session booked."""
    accepted = journey.steps[-1].day
    latest = days_ago - 1  # yesterday
    if status == IN_TREATMENT and latest - accepted >= 4:
        allocated = journey.allocated_day = rng.randint(accepted + 1, latest - 3)
        journey.add(ALLOCATED, allocated, 15, "senior", "Allocated")
        first = journey.first_session = allocated + rng.randint(2, min(10, latest - allocated))
        journey.add(IN_TREATMENT, first, 10, "practitioner", "First session attended (assessment)")
        journey.sessions = (latest - first) // 7 + 1
    else:
        allocated = journey.allocated_day = max(accepted + 1, latest - rng.randint(0, 10))
        journey.add(ALLOCATED, min(allocated, latest), 15, "senior", "Allocated")
    journey.planned_next = days_ago + rng.randint(1, 7)


def cut(journey: Journey, days_ago: int) -> Journey:
    """The journey as it stands today (``days_ago`` days after it was received): steps
    before today. Treatment shows only if it has ended (or the case is open now);
    otherwise the referral is still on the waiting list."""
    if journey.planned_next is not None:
        return journey
    kept = [step for step in journey.steps if step.day < days_ago]
    if journey.allocated_day is not None and journey.end_day >= days_ago:
        kept = [s for s in kept if s.status not in (ALLOCATED, IN_TREATMENT)]
        journey.allocated_day = journey.first_session = journey.end_day = None
        journey.sessions = 0
    journey.steps = kept
    journey.signposted = journey.signposted and journey.status in (SIGNPOSTED, STEPPED_UP)
    if journey.consent_day is not None and journey.consent_day >= days_ago:
        journey.consent_day = None
    return journey
