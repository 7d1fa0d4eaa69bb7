"""Two referrals of one new child sent at the same moment (the school's lead and an EMHP
recording a GP's referral) make one child's record: each locks the child's identity
(``mhst.core.locking.lock_keys``) before looking the child up, so the second waits for
the first to commit and finds the child it recorded. Without the lock both find no child
and each records one.
"""

from __future__ import annotations

import random
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from mhst.core import nhs_number
from mhst.extensions import db
from mhst.referrals.models import Child, Referral
from tests.concurrency.client import simultaneously
from tests.test_referral_submission import record_data, referral_data

ROUNDS = 4


def _new_nhs_number(rng: random.Random) -> str:
    """A valid NHS number nobody in the database has yet (an invented one)."""
    while True:
        first_nine = f"{rng.randrange(10**8, 10**9)}"
        digit = nhs_number.check_digit(first_nine)
        if digit is not None:
            return f"{first_nine}{digit}"


def _children_and_referrals(family_name: str) -> tuple[list[int], list[int]]:
    same_name = func.lower(Child.family_name) == family_name.lower()
    children = list(db.session.scalars(select(Child.id).where(same_name)))
    referrals = db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.child_id.in_(children))
    )
    return children, referrals


@pytest.mark.parametrize("with_nhs_number", [True, False], ids=["nhs-number", "name-and-birth"])
def test_two_referrals_of_a_new_child_at_once_make_one_record(live, with_nhs_number):
    rng = random.Random(2026 + with_nhs_number)
    lead, emhp = live.client("mhl@test.example"), live.client("emhp@test.example")
    school_id = live.run(lambda: live.world().school_a1.id)
    for _ in range(ROUNDS):
        family_name = f"Together{uuid.uuid4().hex[:8]}"
        # One child: the same NHS number (typed with spaces once), or none and the same
        # name, date of birth and school (typed in another case).
        number = _new_nhs_number(rng) if with_nhs_number else ""
        spaced = f"{number[:3]} {number[3:6]} {number[6:]}" if number else ""
        lead_page, emhp_page = lead.get("/referrals/new"), emhp.get("/referrals/record")
        from_lead = {
            **referral_data(family_name=family_name, nhs_number=number),
            "submission_token": lead_page.hidden("submission_token"),
        }
        from_emhp = {
            **record_data(
                SimpleNamespace(id=school_id),
                family_name=family_name.upper(),
                nhs_number=spaced,
            ),
            "submission_token": emhp_page.hidden("submission_token"),
        }

        replies = simultaneously(
            lambda: lead.post("/referrals/new", from_lead, token_from=lead_page),  # noqa: B023
            lambda: emhp.post("/referrals/record", from_emhp, token_from=emhp_page),  # noqa: B023
        )

        assert [reply.status for reply in replies] == [302, 302], [r.text[:300] for r in replies]
        children, referrals = live.run(_children_and_referrals, family_name)
        assert len(children) == 1, f"{len(children)} records of one child"
        assert referrals == 2
