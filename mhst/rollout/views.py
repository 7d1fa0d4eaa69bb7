"""The rollout report: coverage per area and year against the path to 2029/30."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.downloads import csv_response
from mhst.core.forms import commit_unit
from mhst.rollout import queries
from mhst.rollout.chart import render_chart
from mhst.rollout.csv_rows import csv_rows
from mhst.security.permissions import Permission, requires

bp = Blueprint("rollout", __name__, url_prefix="/rollout")

AREA_MESSAGE = "Select an area from the list"


def _area_filter(area_list: list[tuple[int, str]]) -> tuple[int | None, str, list]:
    """The area chosen in the URL: (id or None for all, the raw value, errors)."""
    raw = request.args.get("area", "").strip()[:20]
    if not raw:
        return None, "", []
    if raw.isdigit() and int(raw) in {area_id for area_id, _ in area_list}:
        return int(raw), raw, []
    return None, raw, [("area", AREA_MESSAGE)]


@bp.get("/")
@requires(Permission.VIEW_ROLLOUT)
def index():
    area_list = queries.areas()
    area_id, raw, errors = _area_filter(area_list)
    rollout = queries.load_rollout(area_list)
    shown = rollout.for_area(area_id)
    return render_template(
        "rollout/index.html",
        rollout=rollout,
        area=shown,
        chart=render_chart(shown, rollout.target_year),
        waiting=rollout.waiting_in(area_id),
        area_options=area_list,
        filters={"area": raw},
        filter_errors=errors,
    ), 400 if errors else 200


@bp.get("/rollout.csv")
@requires(Permission.VIEW_ROLLOUT)
def download():
    area_list = queries.areas()
    area_id, _, errors = _area_filter(area_list)
    if errors:
        abort(400, description=f"{AREA_MESSAGE} on the rollout report, then download it again.")
    rollout = queries.load_rollout(area_list)
    area_name = rollout.for_area(area_id).name
    commit_unit(
        audit.record,
        AuditAction.EXPORT,
        AuditRecordType.ROLLOUT,
        area_id,
        detail=f"rollout CSV: {area_name}",
    )
    filename = f"rollout-{rollout.today.isoformat()}.csv"
    return csv_response(csv_rows(rollout, area_id), filename, byte_order_mark=False)
