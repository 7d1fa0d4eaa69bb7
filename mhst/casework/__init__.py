"""Casework: allocation, caseloads, discharge and the child's timeline (1:1 sessions and
groups are in ``mhst.sessions``). Rules live in ``operations``; routes in the
``*_views`` modules."""

from flask import Blueprint

bp = Blueprint("casework", __name__, url_prefix="/casework")

from mhst.casework import allocation_views  # noqa: E402, F401
