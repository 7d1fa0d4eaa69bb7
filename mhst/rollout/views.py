"""The rollout report: coverage per area and year against the path to 2029/30."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rollout", __name__, url_prefix="/rollout")
