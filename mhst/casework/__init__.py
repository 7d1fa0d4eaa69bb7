"""Casework: allocation, caseloads and Li-CBT sessions (built by the casework issue).

The blueprint is registered now so URLs and permissions have one home from the start.
"""

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/casework")
