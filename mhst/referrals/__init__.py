"""Consent-gated referrals and triage (built by the referrals issue).

The blueprint is registered now so URLs and permissions have one home from the start.
"""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
