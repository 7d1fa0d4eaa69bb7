"""A demo questionnaire link: a follow-up Goal Based Outcomes sent by text to the young
person on one of the demo EMHP's open cases with a baseline, waiting to be answered.
Without a Notify key it is logged, so the development outbox shows its link (nothing is
printed)."""

from __future__ import annotations

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires import links, sending
from mhst.questionnaires.models import LinkChannel
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral

DEMO_EMHP = "emhp@mhst.example"
NUMBER = "07700 900304"  # Ofcom's numbers for drama


def _baseline() -> MeasureRecord | None:
    """A GBO on an open case, the demo EMHP's first: its case gets the demo link."""
    found = db.session.scalars(
        select(MeasureRecord)
        .join(Referral, MeasureRecord.referral_id == Referral.id)
        .join(User, MeasureRecord.recorded_by_id == User.id)
        .where(MeasureRecord.measure_code == "GBO", Referral.status.in_(OPEN_CASE_STATUSES))
        .order_by((User.email != DEMO_EMHP), MeasureRecord.id)
        .limit(1)
    ).one_or_none()
    return found


def load_questionnaire_link() -> None:
    baseline = _baseline()
    if baseline is None:
        return
    referral = baseline.referral
    wanted = links.LinkRequest(
        measure_code="GBO",
        respondent="child",
        channel=LinkChannel.TEXT.value,
        recipient=NUMBER,
        shown_name=referral.child.given_name,
    )
    try:
        link, token, recipient = links.create_link(referral, wanted, by=baseline.recorded_by)
    except RuleError:  # the case cannot take a measure now (no consent): no demo link
        return
    sending.deliver(link, token, recipient)
    db.session.flush()
