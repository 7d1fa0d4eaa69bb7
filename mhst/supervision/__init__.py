"""Case-management supervision: records of the cases discussed, and cases overdue one."""

from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

from mhst.supervision import views  # noqa: E402, F401
