"""The home page of each role, and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from mhst.accounts.models import Role, User
from mhst.extensions import db
from mhst.schools.models import School
from mhst.security.permissions import Permission, public, requires
from mhst.security.scoping import school_scope

bp = Blueprint("core", __name__)

HOME_TEMPLATES = {
    Role.ADMINISTRATOR: "home/administrator.html",
    Role.CLINICAL_LEAD: "home/clinical_lead.html",
    Role.SENIOR_CLINICIAN: "home/senior_clinician.html",
    Role.EMHP: "home/emhp.html",
    Role.SCHOOL_MENTAL_HEALTH_LEAD: "home/school_mental_health_lead.html",
}


@bp.get("/")
@requires(Permission.SIGNED_IN)
def home():
    school_count = db.session.scalar(
        select(func.count(School.id)).where(school_scope(current_user, School.id))
    )
    active_users = None
    if current_user.role is Role.ADMINISTRATOR:
        active_users = db.session.scalar(select(func.count(User.id)).where(User.active))
    return render_template(
        HOME_TEMPLATES[current_user.role], school_count=school_count, active_users=active_users
    )


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "not answering"}, 503
    return {"status": "ok", "database": "ok"}, 200
