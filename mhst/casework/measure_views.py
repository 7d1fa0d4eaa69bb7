"""Outcome measures on a case (stub)."""

from __future__ import annotations

from mhst.casework import bp
from mhst.security.permissions import Permission, requires


@bp.get("/cases/<int:case_id>/measures")
@requires(Permission.VIEW_CASE_NOTES)
def measures(case_id: int):
    return "Measures"


@bp.route("/cases/<int:case_id>/measures/new", methods=["GET", "POST"])
@requires(Permission.RECORD_MEASURES)
def record_measure(case_id: int):
    return "Record"


@bp.get("/cases/<int:case_id>/measures/<int:measure_record_id>")
@requires(Permission.VIEW_CASE_NOTES)
def measure_record(case_id: int, measure_record_id: int):
    return "Measure"
