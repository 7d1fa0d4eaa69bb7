"""The school register: the schools each user works with (scoped), search and filters,
creating and editing schools, CSV import and export."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from mhst.core.pagination import paginate
from mhst.extensions import db
from mhst.schools.blueprint import bp
from mhst.schools.models import School
from mhst.security.permissions import Permission, requires
from mhst.security.scoping import school_scope


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
