"""What each role may do, and how every route declares what it needs.

Every view is marked with exactly one of :func:`requires` or :func:`public`. A
``before_request`` guard (:func:`enforce_route_permission`) reads the mark, so a route
without one is refused at run time as well as failing ``tests/test_route_permissions.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from mhst.extensions import login_manager
from mhst.security.roles import Role


class Permission(enum.StrEnum):
    SIGNED_IN = "signed_in"
    VIEW_SCHOOLS = "view_schools"
    MANAGE_SCHOOLS = "manage_schools"  # the register: create, edit, import, export
    MANAGE_PARTICIPATION = "manage_participation"  # lifecycle, cohort assignment, leads
    MANAGE_ONBOARDING = "manage_onboarding"  # tick the onboarding checklist
    # The rooms a school provides for sessions: the team, the school's lead, administrators
    MANAGE_SCHOOL_ROOMS = "manage_school_rooms"
    VIEW_COHORTS = "view_cohorts"
    MANAGE_COHORTS = "manage_cohorts"
    REVIEW_INTEREST = "review_interest"  # accept or decline schools' interest
    MANAGE_CAMPAIGNS = "manage_campaigns"  # campaigns to schools: record, send, follow up
    VIEW_ROLLOUT = "view_rollout"
    # The rollout's figures with small numbers suppressed and no school named
    VIEW_ROLLOUT_SUMMARY = "view_rollout_summary"
    VIEW_DIRECTORY = "view_directory"  # the signposting directory of services
    MANAGE_DIRECTORY = "manage_directory"
    VIEW_WHOLE_SCHOOL_ACTIVITY = "view_whole_school_activity"
    LOG_WHOLE_SCHOOL_ACTIVITY = "log_whole_school_activity"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATION = "manage_organisation"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_REFERRALS = "view_referrals"  # children's referrals, within the user's scope
    SUBMIT_REFERRAL = "submit_referral"  # a school's lead refers a pupil
    RECORD_REFERRAL = "record_referral"  # staff record a referral from another source
    RECORD_CONSENT = "record_consent"  # record or withdraw consent
    WITHDRAW_REFERRAL = "withdraw_referral"
    TRIAGE_REFERRALS = "triage_referrals"  # triage queue, risk review, triage decisions
    VIEW_WAITING_LIST = "view_waiting_list"
    VIEW_CASELOAD = "view_caseload"  # a practitioner's own caseload (and their diary)
    VIEW_TEAM_DIARY = "view_team_diary"  # a team's week: who is where, when (mhst.diary)
    ALLOCATE_CASES = "allocate_cases"  # allocate, reallocate, reopen; the team's caseloads
    VIEW_CASE_NOTES = "view_case_notes"  # sessions and clinical notes, within case scope
    LOG_SESSIONS = "log_sessions"  # book and log 1:1 sessions; discharge
    VIEW_GROUPS = "view_groups"
    MANAGE_GROUPS = "manage_groups"
    VIEW_SUPERVISION = "view_supervision"
    RECORD_SUPERVISION = "record_supervision"
    RECORD_MEASURES = "record_measures"  # outcome measures, within case scope
    # Service reports: a senior clinician's are fixed to their team; a commissioner's are
    # always suppressed (small numbers hidden), and they see nothing else.
    VIEW_CHILDREN = "view_children"  # search children; a child's page, within scope
    CORRECT_CHILD_DETAILS = "correct_child_details"  # a child's or parent's details
    MERGE_CHILDREN = "merge_children"  # merge two records of one child, or undo a merge
    VIEW_REPORTS = "view_reports"
    DOWNLOAD_NATIONAL_EXTRACT = "download_national_extract"  # pseudonymised MHSDS files
    # Subject access exports, erasure on objection, retention review (mhst.privacy)
    MANAGE_RECORDS = "manage_records"
    MANAGE_LETTERS = "manage_letters"  # edit the texts letters are produced from


_EVERYONE = {
    Permission.SIGNED_IN,
    Permission.VIEW_SCHOOLS,
    Permission.VIEW_WHOLE_SCHOOL_ACTIVITY,
    Permission.VIEW_DIRECTORY,
}
_STAFF = _EVERYONE | {Permission.VIEW_COHORTS, Permission.LOG_WHOLE_SCHOOL_ACTIVITY}
_PROGRAMME = {  # running the programme: the register, cohorts and the rollout
    Permission.MANAGE_SCHOOLS,
    Permission.MANAGE_PARTICIPATION,
    Permission.MANAGE_ONBOARDING,
    Permission.MANAGE_COHORTS,
    Permission.VIEW_ROLLOUT,
    Permission.MANAGE_CAMPAIGNS,
}

# Children's records, found by search, corrected with history (the administrator's
# reach is the child's details, never their referrals: mhst.security.scoping).
_CHILD_RECORDS = {Permission.VIEW_CHILDREN, Permission.CORRECT_CHILD_DETAILS}

_CASEWORK = {  # the team's work with referred children
    Permission.VIEW_REFERRALS,
    Permission.RECORD_REFERRAL,
    Permission.RECORD_CONSENT,
    Permission.WITHDRAW_REFERRAL,
    Permission.VIEW_WAITING_LIST,
    Permission.VIEW_CASELOAD,
    Permission.VIEW_CASE_NOTES,
    Permission.LOG_SESSIONS,
    Permission.VIEW_GROUPS,
    Permission.MANAGE_GROUPS,
    Permission.VIEW_SUPERVISION,
    Permission.RECORD_MEASURES,
    Permission.MANAGE_SCHOOL_ROOMS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        _STAFF
        | _PROGRAMME
        | _CHILD_RECORDS
        | {
            Permission.MERGE_CHILDREN,
            Permission.REVIEW_INTEREST,
            Permission.MANAGE_DIRECTORY,
            Permission.MANAGE_USERS,
            Permission.MANAGE_ORGANISATION,
            Permission.MANAGE_SCHOOL_ROOMS,
            Permission.VIEW_AUDIT_LOG,
            Permission.MANAGE_RECORDS,
            Permission.MANAGE_LETTERS,
        }
    ),
    Role.CLINICAL_LEAD: frozenset(
        _STAFF
        | _PROGRAMME
        | _CHILD_RECORDS
        | {
            Permission.MERGE_CHILDREN,
            Permission.VIEW_REFERRALS,
            Permission.VIEW_WAITING_LIST,
            Permission.VIEW_CASE_NOTES,
            Permission.VIEW_GROUPS,
            Permission.VIEW_TEAM_DIARY,
            Permission.VIEW_REPORTS,
            Permission.DOWNLOAD_NATIONAL_EXTRACT,
            Permission.MANAGE_RECORDS,
        }
    ),
    Role.SENIOR_CLINICIAN: frozenset(
        _STAFF
        | _CASEWORK
        | _CHILD_RECORDS
        | {
            Permission.MERGE_CHILDREN,
            Permission.MANAGE_ONBOARDING,
            Permission.TRIAGE_REFERRALS,
            Permission.ALLOCATE_CASES,
            Permission.RECORD_SUPERVISION,
            Permission.VIEW_TEAM_DIARY,
            Permission.VIEW_REPORTS,
        }
    ),
    Role.EMHP: frozenset(_STAFF | _CASEWORK | _CHILD_RECORDS),
    Role.SCHOOL_MENTAL_HEALTH_LEAD: frozenset(
        _EVERYONE
        | {
            Permission.VIEW_REFERRALS,
            Permission.SUBMIT_REFERRAL,
            Permission.WITHDRAW_REFERRAL,
            Permission.MANAGE_SCHOOL_ROOMS,
        }
    ),
    # Suppressed aggregate reports and the rollout's figures (suppressed the same way,
    # no school named), and nothing else: no schools, directory or records.
    Role.COMMISSIONER: frozenset(
        {Permission.SIGNED_IN, Permission.VIEW_REPORTS, Permission.VIEW_ROLLOUT_SUMMARY}
    ),
}

PERMISSION_ATTR = "_mhst_permission"
PUBLIC_ATTR = "_mhst_public"
# Endpoints Flask and the asset blueprints add for static files: public by nature.
STATIC_ENDPOINTS = frozenset({"static", "assets.static", "nhsuk_frontend.static"})

View = TypeVar("View", bound=Callable)


def requires(permission: Permission) -> Callable[[View], View]:
    """Declare that a view needs a signed-in user whose role has ``permission``."""

    def mark(view: View) -> View:
        if getattr(view, PUBLIC_ATTR, False):
            raise TypeError(f"{view.__name__} is marked public and cannot also need a permission")
        setattr(view, PERMISSION_ATTR, permission)
        return view

    return mark


def public(view: View) -> View:
    """Declare that a view is open to anyone, signed in or not."""
    if getattr(view, PERMISSION_ATTR, None) is not None:
        raise TypeError(f"{view.__name__} needs a permission and cannot also be public")
    setattr(view, PUBLIC_ATTR, True)
    return view


def has_permission(user, permission: Permission) -> bool:
    if not user.is_authenticated:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


def declared_access(view) -> Permission | str | None:
    """The view's declaration: a permission, ``"public"``, or None if it forgot."""
    if getattr(view, PUBLIC_ATTR, False):
        return "public"
    return getattr(view, PERMISSION_ATTR, None)


def undeclared_endpoints(app: Flask) -> list[str]:
    """Endpoints in ``app.url_map`` whose view declares neither a permission nor public."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC_ENDPOINTS:
            continue
        if declared_access(app.view_functions[rule.endpoint]) is None:
            missing.append(rule.endpoint)
    return sorted(set(missing))


def enforce_route_permission():
    """``before_request`` guard: apply the matched view's declaration."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in STATIC_ENDPOINTS:
        return None  # unmatched URLs become 404 in routing
    access = declared_access(current_app.view_functions[endpoint])
    if access == "public":
        return None
    if access is None:
        current_app.logger.error("route %s declares no permission; refused", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not has_permission(current_user, access):
        abort(403)
    return None
