"""Casework: allocation, caseloads, 1:1 Li-CBT sessions (care contacts), discharge and
the child's timeline. Rules live in ``operations``; routes in the ``*_views`` modules."""

from flask import Blueprint

bp = Blueprint("casework", __name__, url_prefix="/casework")

from mhst.casework import allocation_views, measure_views, session_views  # noqa: E402, F401
