"""What sessions does when referrals announce something (``mhst.core.signals``).

Referrals sit below sessions and never import it: they send a signal, and these
receivers, connected when this module is imported (by the app factory), act on it.
"""

from __future__ import annotations

from mhst.core import signals
from mhst.referrals.models import Referral
from mhst.sessions import operations, reading
from mhst.sessions.models import Attendance


@signals.referral_closed.connect
def _cancel_sessions_of_closed_case(referral: Referral, *, by, reason=None, **_) -> None:
    """A closed case (discharged, stepped up, withdrawn...) keeps no booked sessions:
    they are cancelled as "case closed", left out of the contact figures and the extract.
    When consent was withdrawn they were already cancelled, with that reason."""
    operations.cancel_planned_sessions(
        referral,
        by=by,
        reason=reason or f"Referral {referral.status.label.lower()}",
        attendance=Attendance.CASE_CLOSED,
    )


@signals.consent_withdrawn.connect
def _cancel_planned_sessions(referral: Referral, *, reason: str, by, **_) -> None:
    operations.cancel_planned_sessions(referral, by=by, reason=f"Consent withdrawn: {reason}")


@signals.referral_page.connect
def _referral_page(referral: Referral, *, lead_view: bool, **_) -> dict | None:
    """The school's lead is told when the next session is (the page says only when and
    where): the next planned session that has not started yet."""
    if not lead_view:
        return None
    return {"next_session": reading.next_planned(referral.id)}
