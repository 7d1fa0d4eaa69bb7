"""The rollout report: coverage per area and year against the path to 2029/30."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.downloads import csv_response
from mhst.core.forms import commit_unit
from mhst.rollout import need_queries, queries
from mhst.rollout.chart import render_chart
from mhst.rollout.csv_rows import csv_rows, need_csv_rows
from mhst.rollout.need import (
    coverage_by_area,
    deprivation_reading,
    fsm_reading,
    need_coverage,
)
from mhst.security.permissions import Permission, requires

bp = Blueprint("rollout", __name__, url_prefix="/rollout")

AREA_MESSAGE = "Select an area from the list"


def area_filter(area_list: list[tuple[int, str]]) -> tuple[int | None, str, list]:
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
    area_id, raw, errors = area_filter(area_list)
    rollout = queries.load_rollout(area_list)
    shown = rollout.for_area(area_id)
    need = need_coverage(need_queries.need_rows(), area_id)
    return render_template(
        "rollout/index.html",
        rollout=rollout,
        area=shown,
        need=need,
        readings=(deprivation_reading(need), fsm_reading(need)),
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
    area_id, _, errors = area_filter(area_list)
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


@bp.get("/need.csv")
@requires(Permission.VIEW_ROLLOUT)
def need_download():
    """Coverage by IMD decile and free-school-meals band: all areas and each (or one)."""
    area_list = queries.areas()
    area_id, _, errors = area_filter(area_list)
    if errors:
        abort(400, description=f"{AREA_MESSAGE} on the rollout report, then download it again.")
    by_area = coverage_by_area(need_queries.need_rows())
    empty = need_coverage([])
    if area_id is None:
        shown = [("All areas", by_area[None])]
        shown += [(name, by_area.get(an_id, empty)) for an_id, name in area_list]
    else:
        shown = [(dict(area_list)[area_id], by_area.get(area_id, empty))]
    area_name = shown[0][0]
    commit_unit(
        audit.record,
        AuditAction.EXPORT,
        AuditRecordType.ROLLOUT,
        area_id,
        detail=f"rollout coverage by need CSV: {area_name}",
    )
    filename = f"rollout-need-{queries.today().isoformat()}.csv"
    return csv_response(need_csv_rows(shown), filename, byte_order_mark=False)
