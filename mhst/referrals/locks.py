"""Every move of a referral locks its row first, then checks its rule on what is saved.

Two people acting on one referral at the same moment (one accepting it at triage while
the other does not accept it, two discharges, two allocations): each operation starts
with :func:`lock_referral`, so the second waits for the first to commit, reloads the
referral and is refused with what happened ("This referral was accepted onto the waiting
list by Sam Senior at 10:02 while you were deciding, so nothing was saved"). Nothing of
the second is saved; its form is shown again with what was typed.

The status the user decided on is the one their page showed: forms that move a referral
carry it in a hidden field (:class:`SeenStatusField`). Without it (a page from before the
field, a script) it is the status read at the start of the request.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField

from mhst.core.formatting import format_datetime, format_time, uk_time
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import Referral, ReferralEvent, ReferralStatus

S = ReferralStatus

MEANWHILE = "while you were deciding, so nothing was saved"

# "This referral was <moved> by ...": what each status says happened.
MOVED = {
    S.SUBMITTED: "submitted",
    S.AWAITING_CONSENT: "moved to awaiting consent",
    S.READY_FOR_TRIAGE: "made ready for triage",
    S.ACCEPTED: "accepted onto the waiting list",
    S.ALLOCATED: "allocated",
    S.IN_TREATMENT: "moved into treatment",
    S.DISCHARGED: "discharged",
    S.SIGNPOSTED: "signposted",
    S.NOT_ACCEPTED: "not accepted",
    S.STEPPED_UP: "stepped up",
    S.WITHDRAWN: "withdrawn",
}


class SeenStatusField(HiddenField):
    """The referral's status as the form's page showed it, posted back unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A hidden field: a rule's message never lands on it (``apply_rule_error``).
        self.type = "HiddenField"

    def status(self) -> ReferralStatus | None:
        """The posted status, or None if it is missing or not a status."""
        try:
            return ReferralStatus(self.data)
        except ValueError:
            return None

    def show(self, referral: Referral) -> None:
        """Fill the field for a form being shown (not for one being re-shown)."""
        if not self.data:
            self.data = referral.status.value


class SeenAllocationField(SeenStatusField):
    """The id of the case's current allocation as the page showed it ("0": none)."""

    def allocation_id(self) -> int | None:
        """The posted id, or None if it is missing or not a number."""
        try:
            return int(self.data)
        except (TypeError, ValueError):
            return None

    def show_allocation(self, allocation) -> None:
        if not self.data:
            self.data = str(allocation.id if allocation is not None else 0)


def when(moment) -> str:
    """ "at 10:02" today, "on 2 December 2026 at 10:02" another day (UK time)."""
    if uk_time(moment).date() == service_today():
        return f"at {format_time(moment)}"
    return f"on {format_datetime(moment)}"


def who(user) -> str:
    return user.full_name if user is not None else "the system"


def last_move(referral: Referral) -> str:
    """What last happened to the referral's status: "This referral was accepted onto the
    waiting list by Sam Senior at 10:02"."""
    event = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .options(joinedload(ReferralEvent.by_user))
        .order_by(ReferralEvent.occurred_at.desc(), ReferralEvent.id.desc())
        .limit(1)
    ).one_or_none()
    if event is None or event.to_status is not referral.status:
        return f"This referral is now {referral.status.label.lower()}"
    return (
        f"This referral was {MOVED[event.to_status]} by {who(event.by_user)} "
        f"{when(event.occurred_at)}"
    )


class MovedMeanwhile(RuleError):
    """The referral moved between the page being shown and the save."""

    def __init__(self, field: str, message: str, status: ReferralStatus):
        super().__init__(field, message)
        self.status = status

    def refresh_form(self, form) -> None:
        """The form shown again carries the status now saved: sent again, having read
        what happened, it is checked against that (``apply_rule_error`` calls this)."""
        if isinstance(getattr(form, "seen", None), SeenStatusField):
            form.seen.data = self.status.value


def lock_referral(
    referral: Referral, *, seen: ReferralStatus | None = None, field: str = "status"
) -> Referral:
    """Lock the referral's row for the rest of the transaction and reload it; refuse
    (:class:`MovedMeanwhile`) if its status is no longer ``seen`` (by default, the status
    this request read before the lock)."""
    before = seen if seen is not None else referral.status
    lock_row(Referral, referral.id)
    if referral.status is not before:
        raise MovedMeanwhile(field, f"{last_move(referral)} {MEANWHILE}", referral.status)
    return referral
