"""Report pages and CSV downloads: the six service reports, filtered by date range, area,
team and school, with suppressed "figures for sharing" (always, for a commissioner).

The pages show aggregate figures only, never a child's record, so they are not audited
as reads; each CSV download is audited as an export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core import time
from mhst.core.downloads import csv_response
from mhst.core.forms import commit_unit
from mhst.reports import queries
from mhst.reports.cells import Report, Section
from mhst.reports.chart import render_chart
from mhst.reports.filters import ReportAccess
from mhst.reports.forms import FilterState, read_filters
from mhst.reports.suppression import RULE, shown_rows
from mhst.security.permissions import Permission, requires

bp = Blueprint("reports", __name__, url_prefix="/reports")


@dataclass(frozen=True)
class ShownSection:
    """A section as the page shows it: every cell as text, which columns hold figures
    (right-aligned), and its chart."""

    section: Section
    rows: list[list[str]]
    numeric: list[bool]
    chart: Markup | None
    too_many_to_chart: bool = False


# A bar per row stops being readable well before this, and drawing one per practitioner
# in the country (5,200 on the national caseloads report) cost three times the figures.
MOST_BARS = 60


def _numeric_columns(section: Section) -> list[bool]:
    if not section.rows:
        return [index > 0 for index in range(len(section.columns))]
    return [
        any(not isinstance(row[index], str) for row in section.rows if index < len(row))
        for index in range(len(section.columns))
    ]


def show_section(section: Section, index: int, *, suppressed: bool) -> ShownSection:
    rows = shown_rows(section, suppressed=suppressed)
    chart = None
    charted = section.chart and rows and len(section.columns) > 1
    if charted and len(rows) > MOST_BARS:
        return ShownSection(section, rows, _numeric_columns(section), None, True)
    if charted:
        chart = render_chart(
            section.title,
            section.columns[1],
            [(row[0], row[1]) for row in rows],
            id_prefix=f"chart-{index}",
        )
    return ShownSection(section, rows, _numeric_columns(section), chart)


def _state() -> FilterState:
    return read_filters(request.args, ReportAccess.for_user(current_user), time.service_today())


def _spec_or_404(slug: str) -> queries.ReportSpec:
    spec = queries.REPORTS.get(slug)
    if spec is None:
        abort(404)
    return spec


def _report_page(slug: str, spec: queries.ReportSpec, state: FilterState):
    """The report page, or the filter form with its errors (HTTP 400)."""
    sections = []
    if state.filters is not None:
        report = queries.build_report(slug, state.filters, state.access, state.today)
        sections = [
            show_section(section, index, suppressed=state.suppressed)
            for index, section in enumerate(report.sections, start=1)
        ]
    return render_template(
        "reports/show.html",
        slug=slug,
        spec=spec,
        reports=queries.REPORTS,
        state=state,
        sections=sections,
        rule=RULE,
    ), 400 if state.errors else 200


@bp.get("/")
@requires(Permission.VIEW_REPORTS)
def index():
    state = _state()
    return render_template(
        "reports/index.html", reports=queries.REPORTS, state=state, rule=RULE
    ), 400 if state.errors else 200


@bp.get("/<slug>")
@requires(Permission.VIEW_REPORTS)
def show(slug: str):
    spec = _spec_or_404(slug)
    return _report_page(slug, spec, _state())


NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def csv_figure(text: str) -> str | Decimal:
    """A figure as the CSV holds it: numbers as numbers (so that a negative one is not
    taken for a formula and prefixed), "-" (no figure) as an empty cell, and anything
    else ("*", "52%") as the page shows it."""
    if text == "-":
        return ""
    return Decimal(text) if NUMBER.fullmatch(text) else text


def csv_rows(report: Report, state: FilterState) -> list[list[object]]:
    """The filters and, when suppressed, the rule; then each section: a blank line, a
    heading row ("Section" and the section's columns), and one row per table row with the
    section's title first. Figures are the page's, with "-" (no figure) left empty."""
    figures = (
        "Figures for sharing (small numbers suppressed)"
        if state.suppressed
        else "All figures, for use within the service only (not suppressed)"
    )
    rows = [["Report", report.title], *map(list, state.describe()), ["Figures", figures]]
    if state.suppressed:
        rows.append(["Suppression rule", RULE])
    for section in report.sections:
        rows.append([])
        rows.append(["Section", *section.columns])
        rows.extend(
            [section.title, row[0], *map(csv_figure, row[1:])]
            for row in shown_rows(section, suppressed=state.suppressed)
        )
    return rows


@bp.get("/<slug>.csv")
@requires(Permission.VIEW_REPORTS)
def download(slug: str):
    spec = _spec_or_404(slug)
    state = _state()
    if state.filters is None:
        return _report_page(slug, spec, state)
    report = queries.build_report(slug, state.filters, state.access, state.today)
    filters = state.filters
    sharing = "-for-sharing" if state.suppressed else ""
    commit_unit(
        audit.record,
        AuditAction.EXPORT,
        AuditRecordType.REPORT,
        slug,
        detail=f"{report.title} CSV{' for sharing' if sharing else ''}: "
        + "; ".join(f"{what} {value}" for what, value in state.describe()),
    )
    filename = (
        f"{slug}-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}{sharing}.csv"
    )
    return csv_response(csv_rows(report, state), filename)
