"""The main pages of each role, as the benchmark drives them (and its smoke test opens
them): home, the lists (first and last page), the queues, a child's and a referral's
page, each report, the rollout, the audit log, the school register, the extract and the
floor route. Ids in the paths are found through the app's own scoping, so each is a
record the role may open."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.extensions import db
from mhst.referrals.models import OPEN_CASE_STATUSES, Child, Referral
from mhst.reports.queries import REPORTS
from mhst.schools.models import School
from mhst.security import scoping


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # with {referral}, {child}, {case} or {school} filled in by ids_for
    last: bool = False  # the list's last page, found from its first (see last_page_path)


FLOOR = Page("floor (/status)", "/status")
EXTRACT = "extract (one month)"
REPORT_PAGES = tuple(Page(f"report {slug}", f"/reports/{slug}") for slug in REPORTS)
REFERRAL_LIST = (
    Page("referral list", "/referrals/"),
    Page("referral list (last page)", "/referrals/", last=True),
    Page("referral page", "/referrals/{referral}"),
)
SCHOOL_LIST = (
    Page("school register", "/schools/"),
    Page("school register (last page)", "/schools/", last=True),
    Page("school page", "/schools/{school}"),
)
ROLE_PAGES: dict[str, tuple[Page, ...]] = {
    "administrator": (
        Page("home", "/"), *SCHOOL_LIST, Page("rollout", "/rollout/"),
        Page("audit log", "/admin/audit-log/"),
        Page("audit log (last page)", "/admin/audit-log/", last=True),
        Page("child page", "/children/{child}"),
    ),
    "clinical_lead": (
        Page("home", "/"), *REFERRAL_LIST, Page("waiting list", "/referrals/waiting-list"),
        Page("child page", "/children/{child}"), *SCHOOL_LIST, *REPORT_PAGES,
        Page("rollout", "/rollout/"), Page("extract form", "/extract/"),
    ),
    "senior_clinician": (
        Page("home", "/"), *REFERRAL_LIST, Page("triage queue", "/referrals/triage"),
        Page("waiting list", "/referrals/waiting-list"), Page("team caseloads", "/casework/team"),
        Page("child page", "/children/{child}"), *SCHOOL_LIST, *REPORT_PAGES,
    ),
    "emhp": (
        Page("home", "/"), *REFERRAL_LIST, Page("waiting list", "/referrals/waiting-list"),
        Page("caseload", "/casework/"), Page("case sessions", "/casework/cases/{case}/sessions"),
        Page("child page", "/children/{child}"),
    ),
    "school_mental_health_lead": (Page("home", "/"), *REFERRAL_LIST, *SCHOOL_LIST),
    "commissioner": (
        Page("home", "/"), *REPORT_PAGES, Page("rollout summary", "/rollout/summary/"),
    ),
}  # fmt: skip


def ids_for(user: User) -> dict[str, int]:
    """A record of each kind ``user`` may open: the latest in their scope."""

    def latest(column, where) -> int | None:
        return db.session.scalar(select(column).where(where).order_by(column.desc()).limit(1))

    ids = {
        "referral": latest(Referral.id, scoping.scope(user, Referral)),
        "school": latest(School.id, scoping.scope(user, School)),
        "case": latest(
            Referral.id,
            scoping.scope(user, Referral, scoping.Kind.CASE)
            & Referral.status.in_(OPEN_CASE_STATUSES),
        ),
    }
    ids["child"] = latest(Child.id, scoping.scope(user, Child))
    return {key: value for key, value in ids.items() if value is not None}


def paths_for(role: str, ids: dict[str, int]) -> list[Page]:
    """The role's pages with the ids filled in (a page whose record is missing is left
    out: a role with no such record in scope)."""
    pages = []
    for page in ROLE_PAGES[role]:
        try:
            pages.append(Page(page.name, page.path.format(**ids), page.last))
        except KeyError:
            continue
    return [*pages, FLOOR]


def extract_query(today: date) -> dict[str, int]:
    """The extract's period: the last whole month before ``today``."""
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    return {
        "from-day": start.day, "from-month": start.month, "from-year": start.year,
        "to-day": end.day, "to-month": end.month, "to-year": end.year,
    }  # fmt: skip


LAST_LINK = re.compile(r'<a[^>]+href="([^"]+)"[^>]*>(?:(?!</a>).)*\bLast\b', re.S)
PAGE_OF = re.compile(r'href="([^"]*[?&]page=)(\d+)([^"]*)"(?:(?!</a>).)*?Page \d+ of (\d+)', re.S)


def last_page_path(html: str) -> str | None:
    """The link to a list's last page, from its first page: a "Last" link if the list
    has one, else the "Page N of M" link made to point at page M; None if there is one
    page only. (The one place to change when the lists' links change.)"""
    found = LAST_LINK.search(html)
    if found:
        return found[1].replace("&amp;", "&")
    found = PAGE_OF.search(html)
    if found:
        return f"{found[1]}{found[4]}{found[3]}".replace("&amp;", "&")
    return None
