"""What sessions does when referrals announce something (``mhst.core.signals``).

Referrals sit below sessions and never import it: they send a signal, and these
receivers, connected when this module is imported (by the app factory), act on it.
"""

from __future__ import annotations

from mhst.core import signals
from mhst.referrals.models import Referral
from mhst.sessions import operations, reading


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
