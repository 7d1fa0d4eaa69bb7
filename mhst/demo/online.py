"""Two online self-referrals in City North's triage queue, sent through the public
form's own operation (no staff member): a parent's, and a 14-year-old's who asked for
their parents not to be told (so the team will need a Gillick assessment)."""

from __future__ import annotations

from datetime import date

from mhst.demo.helpers import at
from mhst.demo.plan import Plan
from mhst.demo.referrals import Cast
from mhst.selfreferral import operations

COMMON = {
    "gender": "not_stated",
    "needs": ["worry"],
    "duration": "one_to_three_months",
    "impact": "quite_a_lot",
    "already_tried": "Talking to a teacher I trust.",
    "risks": ["none"],
}
PARENT = {
    "referrer": "parent_carer",
    "given_name": "Lily",
    "family_name": "Ashgrove",
    "year_group": "year_4",
    "parent_carer_name": "Dana Ashgrove",
    "parent_carer_relationship": "Mum",
    "parent_carer_phone": "01632 960456",
    "child_agrees": "yes",
    "needs_detail": "Lily worries at bedtime about school and has stomach aches in the morning.",
}
YOUNG_PERSON = {
    "referrer": "young_person",
    "given_name": "Sami",
    "family_name": "Whitcombe",
    "year_group": "year_9",
    "keep_from_parents": "yes",
    "contact_phone": "07700 900456",
    "needs_detail": "I feel low most days and I do not want to go to lessons.",
}


# Each one's school (URN), answers and age.
ONLINE = (("990001", PARENT, 9), ("990002", YOUNG_PERSON, 14))


def _born(age: int, on: date) -> str:
    """Born on 1 January: ``age`` whole years old on ``on``."""
    return date(on.year - age, 1, 1).isoformat()


def _send(cast: Cast, urn: str, values: dict, age: int, received: date) -> None:
    answers = {
        **COMMON,
        **values,
        "school_id": str(cast.schools[urn].id),
        "date_of_birth": _born(age, received),
    }
    operations.send(answers, today=received)


def add_online_self_referral_steps(plan: Plan, cast: Cast) -> None:
    """Sent yesterday evening (the last working day), waiting for triage today."""
    received = cast.day(1)
    for number, (urn, values, age) in enumerate(ONLINE):
        plan.add(
            at(received, 19, 5 + number),
            lambda urn=urn, values=values, age=age: _send(cast, urn, values, age, received),
        )
