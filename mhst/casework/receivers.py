"""What casework does when referrals announce something (``mhst.core.signals``).

Referrals sit below casework and never import it: they send a signal, and these
receivers, connected when this module is imported (by the app factory), act on it.
"""

from __future__ import annotations

from mhst.casework import operations
from mhst.core import signals
from mhst.referrals.models import Referral


@signals.referral_closed.connect
def _end_allocation(referral: Referral, **_) -> None:
    operations.end_allocation_of_closed_referral(referral)
