"""The SQL behind each service report (skeleton: the report builders fill this in).

Interface used by the pages: ``REPORTS`` maps a report's slug to its :class:`ReportSpec`,
and :func:`build_report` returns a :class:`mhst.reports.cells.Report` for the filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mhst.reports.cells import Report, Section
from mhst.reports.filters import ReportAccess, ReportFilters


@dataclass(frozen=True)
class ReportSpec:
    title: str
    description: str
    build: Callable[[ReportFilters, ReportAccess, date], tuple[Section, ...]]


def _empty(filters: ReportFilters, access: ReportAccess, today: date) -> tuple[Section, ...]:
    return ()


REPORTS: dict[str, ReportSpec] = {
    "referrals": ReportSpec(
        "Referrals",
        "Referrals received, accepted, signposted, stepped up and withdrawn, by source and "
        "by need.",
        _empty,
    ),
    "waiting-times": ReportSpec(
        "Waiting times",
        "Days from referral to the first and second contact, and the share seen within 4 weeks.",
        _empty,
    ),
    "contacts": ReportSpec(
        "Contacts",
        "1:1 contacts by stage, mode and attendance, and the did-not-attend rate.",
        _empty,
    ),
    "caseloads": ReportSpec("Caseloads", "Open cases per practitioner today.", _empty),
    "activity": ReportSpec(
        "Groups and whole-school work",
        "Groups and whole-school activity by the three functions of the service.",
        _empty,
    ),
    "outcomes": ReportSpec(
        "Outcomes",
        "Paired outcome measures and the share with reliable improvement and deterioration.",
        _empty,
    ),
}


def build_report(slug: str, filters: ReportFilters, access: ReportAccess, today: date) -> Report:
    """The report called ``slug`` (a ``KeyError`` for an unknown slug)."""
    spec = REPORTS[slug]
    return Report(slug, spec.title, spec.description, spec.build(filters, access, today))
