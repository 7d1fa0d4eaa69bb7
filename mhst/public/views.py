"""The public pages families find from the service's website, without an account: the
schools taking part (each with its team's contact route and how to refer) and the local
support for children and young people, urgent help first. Searches are GET forms; a
value that cannot be used is an NHS-style error (400), never a 500."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from mhst.directory.operations import AREA_LABELS
from mhst.public import queries
from mhst.referrals.signposting import URGENT_ROUTES
from mhst.schools.models import SchoolPhase
from mhst.security.permissions import public

bp = Blueprint("public", __name__)


@bp.get("/schools-list")
@public
def schools():
    search = queries.read_search(request.args, ("q", "area", "phase"))
    area_list = queries.areas()
    page = queries.schools_page(search, area_list, request.args)
    return render_template(
        "public/schools.html",
        page=page,
        search=search,
        area_options=[(area.id, area.name) for area in area_list],
        phase_options=[(phase.value, phase.label) for phase in SchoolPhase],
    ), 400 if search.errors else 200


@bp.get("/local-support")
@public
def support():
    search = queries.read_search(request.args, ("concern", "age", "area"))
    criteria = queries.support_criteria(search)
    failed = bool(search.errors)
    return render_template(
        "public/support.html",
        urgent_routes=URGENT_ROUTES,
        urgent=queries.urgent_services(None if failed else criteria.get("area")),
        page=None if failed else queries.support_page(criteria, request.args),
        search=search,
        concern_options=queries.concern_options(),
        area_options=list(AREA_LABELS.items()),
    ), 400 if failed else 200
