"""The referrals blueprint; its routes live in ``submit_views``, ``record_views`` and
``triage_views``, imported below so that importing this module registers them all."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

from mhst.referrals import record_views, submit_views, triage_views  # noqa: E402, F401
