"""One school's page: its details, participation history and lifecycle actions, the
onboarding checklist and its named Mental Health Leads."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from mhst.schools.blueprint import bp
from mhst.security.permissions import Permission, requires
from mhst.security.scoping import get_school_or_404


@bp.get("/<int:school_id>")
@requires(Permission.VIEW_SCHOOLS)
def show(school_id: int):
    school = get_school_or_404(current_user, school_id)
    return render_template("schools/show.html", school=school)
