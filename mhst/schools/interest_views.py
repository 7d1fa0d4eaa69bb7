"""The public page where a school registers interest in joining a future cohort, and the
administrator's review of those registrations."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interest", __name__)
