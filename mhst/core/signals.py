"""Every signal in the service, in one place: how a lower package tells higher ones what
happened without importing them.

The packages form layers: referrals may not import casework or sessions. So referrals
*sends* :data:`referral_closed` and casework, which builds on referrals, *receives* it.

Receivers connect when their module is imported (``@signals.referral_closed.connect``);
the app factory imports every module that holds receivers, once (``_connect_receivers``
in ``mhst/__init__.py``). They run synchronously inside the sender's unit of work: they
add to the session and flush, and the sender's caller commits once. Each signal has one
receiver per effect; none may depend on the order in which receivers run.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# ---- what happened ----------------------------------------------------------------------

referral_closed = _signals.signal(
    "referral-closed",
    doc="""A referral moved to a closed status (withdrawn, declined, signposted, discharged...).

    Sent by ``mhst.referrals.operations`` (every closing transition, before the audit
    event and the flush). Sender: the :class:`~mhst.referrals.models.Referral`, whose
    ``status`` is already the closed one. Keyword arguments: ``by``, the user.

    Received by ``mhst.casework.receivers``: the case leaves its practitioner's caseload
    (the current allocation ends, kept as history), unless it was discharged: discharge
    ends the allocation itself, with its own reason.
    """,
)

consent_withdrawn = _signals.signal(
    "consent-withdrawn",
    doc="""Consent to work with a child was withdrawn: all further activity stops.

    Sent by ``mhst.referrals.operations.withdraw_consent`` after recording the withdrawal
    and before closing the referral. Sender: the referral. Keyword arguments:
    ``consent`` (the withdrawn consent), ``by`` (the user), ``reason`` (their words).

    Received by ``mhst.sessions.receivers``: the referral's planned 1:1 sessions that have
    not started yet are cancelled by the service.
    """,
)
