"""Consent-gated referrals, triage and the waiting list.

Routes live in three modules on one blueprint: ``submit_views`` (a school's lead's
referral form and staff-recorded referrals), ``record_views`` (the list, the referral's
page, consent and withdrawal) and ``triage_views`` (the triage queue, risk review,
triage decisions and the waiting list). Rules live in ``operations``; scoped lookups in
``queries``.
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

from mhst.referrals import record_views, submit_views, triage_views  # noqa: E402, F401
