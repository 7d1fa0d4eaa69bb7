"""Group programmes: targeted and universal groups, their sessions and attendance."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")

from mhst.groups import views  # noqa: E402, F401
