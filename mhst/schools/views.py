"""The schools each user works with (scoped), and one school's page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from mhst.core.pagination import paginate
from mhst.extensions import db
from mhst.schools.models import School
from mhst.security.permissions import Permission, requires
from mhst.security.scoping import get_school_or_404, school_scope

bp = Blueprint("schools", __name__, url_prefix="/schools")


@bp.get("/")
@requires(Permission.VIEW_SCHOOLS)
def index():
    stmt = (
        select(School)
        .where(school_scope(current_user, School.id))
        .options(db.joinedload(School.area), db.joinedload(School.team))
        .order_by(School.name, School.id)
    )
    return render_template("schools/index.html", page=paginate(stmt))


@bp.get("/<int:school_id>")
@requires(Permission.VIEW_SCHOOLS)
def show(school_id: int):
    school = get_school_or_404(current_user, school_id)
    return render_template("schools/show.html", school=school)
