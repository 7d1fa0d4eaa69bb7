"""The commissioner's view of the rollout (/rollout/summary): the rollout figures with
small-number suppression always applied and no school named, and its CSV, audited as an
export as the rollout report's download is."""

from __future__ import annotations

from flask import Blueprint, render_template

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.downloads import csv_response
from mhst.core.forms import commit_unit
from mhst.reports.rollout_summary import readings, summary_sections
from mhst.reports.suppression import RULE, shown_rows
from mhst.reports.views import csv_figure
from mhst.rollout import need_queries, queries
from mhst.rollout.need import need_coverage
from mhst.security.permissions import Permission, requires

bp = Blueprint("rollout_summary", __name__, url_prefix="/rollout/summary")


def _figures():
    rollout = queries.load_rollout(queries.areas())
    need = need_coverage(need_queries.need_rows())
    sections = [(s, shown_rows(s, suppressed=True)) for s in summary_sections(rollout, need)]
    return rollout, need, sections


@bp.get("/")
@requires(Permission.VIEW_ROLLOUT_SUMMARY)
def index():
    rollout, need, sections = _figures()
    return render_template(
        "rollout/summary.html",
        rollout=rollout,
        sections=sections,
        readings=readings(need),
        rule=RULE,
    )


@bp.get("/rollout-summary.csv")
@requires(Permission.VIEW_ROLLOUT_SUMMARY)
def download():
    rollout, _, sections = _figures()
    rows: list[list[object]] = [
        ["Report", f"Rollout to every school by {rollout.target_label}"],
        ["Figures", "Figures for sharing (small numbers suppressed)"],
        ["Suppression rule", RULE],
    ]
    for section, shown in sections:
        rows.append([])
        rows.append(["Section", *section.columns])
        rows.extend([section.title, row[0], *map(csv_figure, row[1:])] for row in shown)
    commit_unit(
        audit.record,
        AuditAction.EXPORT,
        AuditRecordType.ROLLOUT,
        None,
        detail="rollout summary CSV for sharing: All areas",
    )
    filename = f"rollout-summary-{rollout.today.isoformat()}.csv"
    return csv_response(rows, filename, byte_order_mark=False)
