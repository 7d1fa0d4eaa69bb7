"""The service reports: each slug's title, description and builder.

Interface used by the pages: ``REPORTS`` maps a report's slug to its :class:`ReportSpec`,
and :func:`build_report` returns a :class:`mhst.reports.cells.Report` for the filters.
Each builder runs a fixed number of SQL queries whatever the amount of data (all the
aggregation is in SQL; only the outcome rules are applied per pair, in Python):
referrals 1, waiting times 2, contacts 1, caseloads 1, activity 5, outcomes 1 (2 while
a measure definition has changed since its summary rows were kept). They read
the summaries of :mod:`mhst.reports.fact_models`, not the raw tables (groups and
signposting excepted: small tables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mhst.reports.activity_figures import activity_sections
from mhst.reports.cells import Report, Section
from mhst.reports.contact_figures import caseload_sections, contact_sections
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.outcome_figures import outcome_sections
from mhst.reports.referral_figures import referral_sections, waiting_time_sections


@dataclass(frozen=True)
class ReportSpec:
    title: str
    description: str
    build: Callable[[ReportFilters, ReportAccess, date], tuple[Section, ...]]


REPORTS: dict[str, ReportSpec] = {
    "referrals": ReportSpec(
        "Referrals",
        "Referrals received, accepted, signposted, stepped up and withdrawn, by source and "
        "by need.",
        referral_sections,
    ),
    "waiting-times": ReportSpec(
        "Waiting times",
        "Days from referral to the first and second contact, and the share seen within 4 weeks.",
        waiting_time_sections,
    ),
    "contacts": ReportSpec(
        "Contacts",
        "1:1 contacts by stage, mode and attendance, and the did-not-attend rate.",
        contact_sections,
    ),
    "caseloads": ReportSpec("Caseloads", "Open cases per practitioner today.", caseload_sections),
    "activity": ReportSpec(
        "Groups and whole-school work",
        "Groups and whole-school activity by the three functions of the service.",
        activity_sections,
    ),
    "outcomes": ReportSpec(
        "Outcomes",
        "Paired outcome measures and the share with reliable improvement and deterioration.",
        outcome_sections,
    ),
}


def build_report(slug: str, filters: ReportFilters, access: ReportAccess, today: date) -> Report:
    """The report called ``slug`` (a ``KeyError`` for an unknown slug)."""
    spec = REPORTS[slug]
    return Report(slug, spec.title, spec.description, spec.build(filters, access, today))
