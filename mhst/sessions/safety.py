"""Clinical safety rules shared by 1:1 sessions and groups: nothing is dated before the
child's referral, and a new risk raised at a session flags the case for a senior
clinician's review (``mhst.referrals.risk_flags``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from mhst.accounts.models import User
from mhst.core.formatting import format_date, format_datetime, format_time
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.referrals import risk_flags
from mhst.referrals.models import Referral
from mhst.sessions.models import CareContact

NEW_RISK = "new_risk"  # the form field asking whether a new risk was raised


def check_not_before_referral(referral: Referral, day: date, field: str, what: str) -> None:
    """``what`` (a session) on ``day`` cannot be before the referral was received."""
    if day < referral.received_on:
        raise RuleError(
            field,
            f"{what} must be on or after the date the referral was received "
            f"({format_date(referral.received_on)})",
        )


def check_group_attendance(came: Iterable[tuple[str, Referral]], held_on: date) -> None:
    """Nobody attends a group session dated before their referral was received: ``came``
    is (name, referral) for each participant marked as having come."""
    for name, referral in came:
        if held_on < referral.received_on:
            raise RuleError(
                "attended",
                f"{name}'s referral was received on {format_date(referral.received_on)}: "
                f"they cannot have attended a session on {format_date(held_on)}",
            )


def check_after_receipt(
    referral: Referral, starts_at: datetime, date_field: str, time_field: str
) -> None:
    """A 1:1 session cannot come before the referral: not on a day before it was
    received, nor, on the day it was recorded as received, before the time it was
    recorded (``submitted_at``). A referral entered later with an earlier date of receipt
    has no time of receipt: its whole day counts."""
    day = starts_at.astimezone(SERVICE_TIME_ZONE).date()
    check_not_before_referral(referral, day, date_field, "The session")
    recorded = referral.submitted_at
    if (
        recorded is not None
        and day == referral.received_on == recorded.astimezone(SERVICE_TIME_ZONE).date()
        and starts_at < recorded
    ):
        raise RuleError(
            time_field,
            "The session must start after the referral was received, at "
            f"{format_time(recorded)} on {format_date(recorded)}",
        )


def check_new_risk(new_risk: bool | None, risk_update: str | None) -> None:
    """A new risk raised is described in the risk update."""
    if new_risk and not risk_update:
        raise RuleError("risk_update", "Describe the new risk and what you did about it")


def flag_new_risk(contact: CareContact, *, by: User) -> risk_flags.CaseRiskFlag:
    """Flag the session's case for a senior clinician's review of the new risk."""
    return risk_flags.raise_flag(
        contact.referral,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=contact.id,
        source_text=f"{contact.stage.label} session on {format_datetime(contact.starts_at)}",
        detail=contact.risk_update,
        by=by,
    )
