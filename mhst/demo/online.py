"""Two online self-referrals in City North's triage queue, sent today through the public
form's own operation (no staff member): a parent's, and a 14-year-old's who asked for
their parents not to be told (so the team will need a Gillick assessment)."""

from __future__ import annotations

from datetime import date

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


def _born(age: int, cast: Cast) -> str:
    """Born on 1 January: ``age`` whole years old whatever today is."""
    return date(cast.today.year - age, 1, 1).isoformat()


def add_online_self_referrals(cast: Cast) -> None:
    for urn, values, age in (("990001", PARENT, 9), ("990002", YOUNG_PERSON, 14)):
        answers = {
            **COMMON,
            **values,
            "school_id": str(cast.schools[urn].id),
            "date_of_birth": _born(age, cast),
        }
        operations.send(answers, today=cast.today)
