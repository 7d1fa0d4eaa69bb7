"""The referrals blueprint; its routes live in ``submit_views``, ``record_views``,
``triage_views``, ``risk_flag_views``, ``risk_list_views``, ``reminder_views`` and
``amend_views``, imported below so that importing this module registers them all."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

from mhst.referrals import (  # noqa: E402, F401
    amend_views,
    record_views,
    reminder_views,
    risk_flag_views,
    risk_list_views,
    submit_views,
    triage_views,
)
