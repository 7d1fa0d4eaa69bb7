"""What every page shows the signed-in user: the menu for their role, and ``can()`` so a
template may ask whether the user has a permission."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from mhst.security.permissions import Permission, has_permission

# (label, endpoint, permission): shown only to roles that have the permission.
NAVIGATION = [
    ("Home", "home.index", Permission.SIGNED_IN),
    ("Referrals", "referrals.index", Permission.VIEW_REFERRALS),
    ("Triage", "referrals.triage_queue", Permission.TRIAGE_REFERRALS),
    ("Waiting list", "referrals.waiting_list", Permission.VIEW_WAITING_LIST),
    ("Caseload", "casework.caseload", Permission.VIEW_CASELOAD),
    ("Diary", "diary.week", Permission.VIEW_CASELOAD),
    ("Find a child", "children.search", Permission.VIEW_CHILDREN),
    ("Groups", "groups.index", Permission.VIEW_GROUPS),
    ("Supervision", "supervision.index", Permission.VIEW_SUPERVISION),
    ("Schools", "schools.index", Permission.VIEW_SCHOOLS),
    ("Directory", "directory.index", Permission.VIEW_DIRECTORY),
    ("Cohorts", "cohorts.index", Permission.VIEW_COHORTS),
    ("Rollout", "rollout.index", Permission.VIEW_ROLLOUT),
    ("Campaigns", "campaigns.index", Permission.MANAGE_CAMPAIGNS),
    ("Need data", "need.index", Permission.VIEW_ROLLOUT),
    ("Reports", "reports.index", Permission.VIEW_REPORTS),
    ("Rollout summary", "rollout_summary.index", Permission.VIEW_ROLLOUT_SUMMARY),
    ("Joining requests", "interest.index", Permission.REVIEW_INTEREST),
    ("Teams and areas", "organisation.index", Permission.MANAGE_ORGANISATION),
    ("Users", "users_admin.index", Permission.MANAGE_USERS),
    ("Audit log", "audit.index", Permission.VIEW_AUDIT_LOG),
    ("Records", "privacy.index", Permission.MANAGE_RECORDS),
]


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    allowed = [
        (label, endpoint)
        for label, endpoint, permission in NAVIGATION
        if has_permission(current_user, permission)
    ]
    # The current item: the page itself if it is in the menu, else the first item of the
    # page's blueprint (a referral's page is under "Referrals", not "Triage").
    current_endpoint = request.endpoint
    if current_endpoint not in {endpoint for _, endpoint in allowed}:
        current_endpoint = next(
            (
                endpoint
                for _, endpoint in allowed
                if endpoint.split(".")[0] == request.blueprint and request.blueprint != "home"
            ),
            None,
        )
    return [
        {"text": label, "href": url_for(endpoint), "current": endpoint == current_endpoint}
        for label, endpoint in allowed
    ]


def can(permission: str) -> bool:
    """In templates: may the signed-in user do this? ``can("triage_referrals")``."""
    return has_permission(current_user, Permission(permission))


def inject_navigation() -> dict:
    """The context processor the home blueprint registers for every page."""
    return {"navigation_items": navigation_items, "can": can}
