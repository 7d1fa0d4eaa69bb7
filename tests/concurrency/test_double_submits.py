"""A form sent twice at the same moment (a double click, the same page sent again) makes
one record: its submission token is claimed once, and the copy that loses the race is
sent to what the first one made."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mhst.extensions import db
from mhst.referrals.models import Child, Referral
from tests.concurrency.client import simultaneously
from tests.test_referral_submission import referral_data


def _referrals_of(family_name: str) -> list[int]:
    return list(
        db.session.scalars(select(Referral.id).join(Child).where(Child.family_name == family_name))
    )


def test_a_referral_sent_twice_at_once_is_one_referral(live):
    lead = live.client("mhl@test.example")
    page = lead.get("/referrals/new")
    family_name = f"Twice{uuid.uuid4().hex[:8]}"
    form = {
        **referral_data(family_name=family_name),
        "submission_token": page.hidden("submission_token"),
    }

    replies = simultaneously(
        lambda: lead.post("/referrals/new", form, token_from=page),
        lambda: lead.post("/referrals/new", form, token_from=page),
    )

    [referral_id] = live.run(_referrals_of, family_name)
    assert [reply.status for reply in replies] == [302, 302]
    assert {reply.location for reply in replies} == {f"/referrals/{referral_id}/submitted"}
    children = live.run(
        lambda: db.session.scalar(
            select(func.count()).select_from(Child).where(Child.family_name == family_name)
        )
    )
    assert children == 1
