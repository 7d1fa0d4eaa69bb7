"""What sessions does when referrals announce something (``mhst.core.signals``).

Referrals sit below sessions and never import it: they send a signal, and these
receivers, connected when this module is imported (by the app factory), act on it.
"""

from __future__ import annotations

from mhst.core import signals
from mhst.referrals.models import Referral
from mhst.sessions import operations


@signals.consent_withdrawn.connect
def _cancel_planned_sessions(referral: Referral, *, reason: str, by, **_) -> None:
    operations.cancel_planned_sessions(referral, by=by, reason=f"Consent withdrawn: {reason}")
