"""The tenant matrix: every route, as every role of team A, with team B's ids.

Each signed-in user of the ``World`` (all in team A, area North, or service-wide) asks for
every route in the URL map with the ids of team B's records (tests/tenant_world.py), and
must get exactly the status ``MATRIX_ROWS`` gives: 404 where a record is out of the user's
reach (just as if it did not exist), 403 where the role lacks the permission, 200 where
the record is legitimately visible service-wide. Routes are fetched with GET; the routes
that only accept POST are sent a CSRF token and no answers, and a refused POST must leave
every table as it was. ``MIXED_ROWS`` does the same for the routes naming two records,
with team A's first record and team B's second.

``test_every_route_is_in_the_matrix`` fails when a route is added without a row here:
decide, for each role, what it must get with another team's ids.

``test_team_b_reaches_its_own_records`` is the control: team B's own people reach the
same URLs (neither 403 nor 404), so each 404 above comes from scoping, not from a record
that is not there.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.security.permissions import STATIC_ENDPOINTS
from tests.campaign_records import the_campaign
from tests.conftest import AuthActions
from tests.tenant_world import TenantB
from tests.test_route_permissions import URL_ARGUMENTS as A_ARGUMENTS
from tests.test_route_permissions import closure_in, questionnaire_link_on

ROLES = (
    Role.ADMINISTRATOR,
    Role.CLINICAL_LEAD,
    Role.SENIOR_CLINICIAN,
    Role.EMHP,
    Role.SCHOOL_MENTAL_HEALTH_LEAD,
    Role.COMMISSIONER,
)

# The status each role of team A gets from each route given team B's ids.
# fmt: off
MATRIX_ROWS: dict[str, tuple[int, int, int, int, int, int]] = {
    # endpoint                           admin lead senior emhp school commissioner
    "accounts.change_password":           (200,  200,  200,  200,  200,  200),
    "mfa.account":                        (200,  200,  200,  200,  200,  200),
    # A user's own notifications: no record named in the URL (an id that is not theirs
    # sends them back to the list, 302, as having none does).
    "notifications.index":                (200,  200,  200,  200,  200,  200),
    "notifications.follow":               (302,  302,  302,  302,  302,  302),
    "notifications.open_record":          (302,  302,  302,  302,  302,  302),
    "notifications.mark_read":            (302,  302,  302,  302,  302,  302),
    "notifications.mark_all_read":        (302,  302,  302,  302,  302,  302),
    "notifications.settings":             (200,  200,  200,  200,  200,  200),
    # The steps of signing in: signed in already, sent home.
    "mfa.code":                           (302,  302,  302,  302,  302,  302),
    "mfa.recovery_code":                  (302,  302,  302,  302,  302,  302),
    "mfa.set_up":                         (302,  302,  302,  302,  302,  302),
    # Signed in already: sent home. Sign-out is asked last.
    "accounts.sign_in":                   (302,  302,  302,  302,  302,  302),
    "accounts.sign_out":                  (302,  302,  302,  302,  302,  302),
    "audit.index":                        (200,  403,  403,  403,  403,  403),
    "casework.allocate":                  (403,  403,  404,  403,  403,  403),
    "casework.amend_discharge_summary":   (403,  403,  404,  404,  403,  403),
    "casework.caseload":                  (403,  403,  200,  200,  403,  403),
    "casework.discharge":                 (403,  403,  404,  404,  403,  403),
    "casework.reopen":                    (403,  403,  404,  403,  403,  403),
    "casework.team_caseloads":            (403,  403,  200,  403,  403,  403),
    # The administrator and the clinical lead reach every child's details (service-wide).
    "children.correct":                   (200,  200,  404,  404,  403,  403),
    "children.find_merge":                (200,  200,  404,  403,  403,  403),
    "children.merge":                     (200,  200,  404,  403,  403,  403),
    "children.search":                    (200,  200,  200,  200,  403,  403),
    "children.show":                      (200,  200,  404,  404,  403,  403),
    "children.undo_merge":                (200,  200,  404,  403,  403,  403),
    # Campaigns are the service's, not a team's: whoever may manage them sees every one.
    # Their public page with a token that is nobody's: 404.
    "campaigns.download":                 (200,  200,  403,  403,  403,  403),
    "campaigns.edit":                     (200,  200,  403,  403,  403,  403),
    "campaigns.index":                    (200,  200,  403,  403,  403,  403),
    "campaigns.new":                      (200,  200,  403,  403,  403,  403),
    "campaigns.new_file":                 (200,  200,  403,  403,  403,  403),
    "campaigns.new_link":                 (200,  200,  403,  403,  403,  403),
    "campaigns.recipients_list":          (200,  200,  403,  403,  403,  403),
    "campaigns.send":                     (200,  200,  403,  403,  403,  403),
    "campaigns.show":                     (200,  200,  403,  403,  403,  403),
    "campaign_public.download":           (404,  404,  404,  404,  404,  404),
    "campaign_public.page":               (404,  404,  404,  404,  404,  404),
    "cohorts.edit":                       (200,  200,  403,  403,  403,  403),
    "cohorts.index":                      (200,  200,  200,  200,  403,  403),
    "cohorts.new":                        (200,  200,  403,  403,  403,  403),
    "cohorts.show":                       (200,  200,  200,  200,  403,  403),
    # The diary is the user's own (or their team's): team B's ids do not come into it.
    "diary.week":                         (403,  403,  200,  200,  403,  403),
    "diary.day":                          (403,  403,  200,  200,  403,  403),
    "diary.team":                         (403,  200,  200,  403,  403,  403),
    "diary.school_visits":                (200,  200,  404,  404,  404,  403),
    "diary.feed":                         (403,  403,  200,  200,  403,  403),
    "diary.new_feed":                     (403,  403,  200,  200,  403,  403),
    "diary.stop_feed":                    (403,  403,  302,  302,  403,  403),
    # A calendar feed address nobody has: 404 (the address is the key, not the user).
    "diary.calendar":                     (404,  404,  404,  404,  404,  404),
    "directory.edit":                     (200,  403,  403,  403,  403,  403),
    "directory.index":                    (200,  200,  200,  200,  200,  403),
    "directory.show":                     (200,  200,  200,  200,  200,  403),
    # 400: the download needs a period (the form's answers); no team's records in it.
    "extract.request_extract":            (403,  400,  403,  403,  403,  403),
    "extract.index":                      (403,  200,  403,  403,  403,  403),
    # Another clinical lead's prepared extract: nobody else's, whatever their role.
    "jobs.ask_again":                     (404,  404,  404,  404,  404,  404),
    "jobs.download":                      (404,  404,  404,  404,  404,  404),
    "jobs.show":                          (404,  404,  404,  404,  404,  404),
    "group_changes.correct":              (403,  403,  404,  404,  403,  403),
    "group_changes.show":                 (403,  200,  404,  404,  403,  403),
    "groups.index":                       (403,  200,  200,  200,  403,  403),
    "groups.new":                         (403,  403,  200,  200,  403,  403),
    "groups.participants":                (403,  403,  404,  404,  403,  403),
    "groups.record_session":              (403,  403,  404,  404,  403,  403),
    "groups.show":                        (403,  200,  404,  404,  403,  403),
    "home.healthz":                       (200,  200,  200,  200,  200,  200),
    "home.index":                         (200,  200,  200,  200,  200,  200),
    "home.status":                        (200,  200,  200,  200,  200,  200),
    "interest.index":                     (200,  403,  403,  403,  403,  403),
    "interest.register":                  (200,  200,  200,  200,  200,  200),
    "interest.registered":                (302,  302,  302,  302,  302,  302),
    # The public self-referral: no record of anyone's is named; without a draft in the
    # session, check and sent go back to the start page.
    "selfreferral.start":                 (200,  200,  200,  200,  200,  200),
    "selfreferral.question":              (200,  200,  200,  200,  200,  200),
    "selfreferral.not_listed":            (200,  200,  200,  200,  200,  200),
    "selfreferral.check":                 (302,  302,  302,  302,  302,  302),
    "selfreferral.sent":                  (302,  302,  302,  302,  302,  302),
    "selfreferral.start_again":           (302,  302,  302,  302,  302,  302),
    "interest.review":                    (200,  403,  403,  403,  403,  403),
    # POST-only with no answers: 400 re-display (nothing saved) or 403.
    "organisation.add_area":              (400,  403,  403,  403,  403,  403),
    "organisation.add_team":              (400,  403,  403,  403,  403,  403),
    "organisation.index":                 (200,  403,  403,  403,  403,  403),
    # Term dates are the administrator's, service-wide: team B's area is reached (a
    # closure removed, the default copied: back to the page).
    "organisation.term_dates_page":       (200,  403,  403,  403,  403,  403),
    "organisation.copy_default_term_dates": (302, 403, 403,  403,  403,  403),
    "organisation.remove_term_closure":   (302,  403,  403,  403,  403,  403),
    # A team's public contact is the administrator's, service-wide: team B's is reached.
    "organisation.team_contact":          (200,  403,  403,  403,  403,  403),
    "outcomes.measure_record":            (403,  200,  404,  404,  403,  403),
    "outcomes.measures":                  (403,  200,  404,  404,  403,  403),
    "outcomes.record_measure":            (403,  403,  404,  404,  403,  403),
    # Questionnaire links: on a case, as its measures are; the family's page is public
    # (an unknown link is nobody's: 404); the outbox lists the user's case scope.
    "questionnaires.answer":              (404,  404,  404,  404,  404,  404),
    "questionnaires.answered":            (200,  200,  200,  200,  200,  200),
    "questionnaires.outbox":              (403,  403,  200,  200,  403,  403),
    "questionnaires.send":                (403,  403,  404,  404,  403,  403),
    "questionnaires.sent":                (403,  200,  404,  404,  403,  403),
    "questionnaires.withdraw":            (403,  403,  404,  404,  403,  403),
    # Password resets are nobody's record: an unknown link is 404 for everyone.
    "password_reset.forgotten_password":  (200,  200,  200,  200,  200,  200),
    "password_reset.reset_password":      (404,  404,  404,  404,  404,  404),
    "letters.download":                   (403,  200,  404,  404,  403,  403),
    "letters.edit_template":              (200,  403,  403,  403,  403,  403),
    "letters.new":                        (403,  403,  404,  404,  403,  403),
    "letters.school_copy":                (403,  403,  403,  403,  404,  403),
    "letters.share":                      (403,  403,  404,  404,  403,  403),
    "letters.show":                       (403,  200,  404,  404,  403,  403),
    "letters.templates":                  (200,  403,  403,  403,  403,  403),
    # Need data per school: lists and a form, no id in the URL.
    "need.import_need":                   (200,  200,  403,  403,  403,  403),
    "need.index":                         (200,  200,  403,  403,  403,  403),
    "need.load_deprivation":              (200,  200,  403,  403,  403,  403),
    "privacy.erase":                      (200,  200,  403,  403,  403,  403),
    "privacy.export_document":            (200,  200,  403,  403,  403,  403),
    "privacy.export_json":                (200,  200,  403,  403,  403,  403),
    "privacy.index":                      (200,  200,  403,  403,  403,  403),
    "privacy.retention":                  (200,  200,  403,  403,  403,  403),
    "privacy.review":                     (200,  200,  403,  403,  403,  403),
    "privacy.show":                       (200,  200,  403,  403,  403,  403),
    "public_pages.accessibility_statement": (200,  200,  200,  200,  200,  200),
    "public_pages.cookies":               (200,  200,  200,  200,  200,  200),
    "public_pages.privacy_notice":        (200,  200,  200,  200,  200,  200),
    # The public pages for families: nobody's record, open to everyone.
    "public.schools":                     (200,  200,  200,  200,  200,  200),
    "public.support":                     (200,  200,  200,  200,  200,  200),
    "referrals.amend_risk_review":        (403,  403,  404,  403,  403,  403),
    "referrals.amend_risk_flag_review":   (403,  403,  404,  403,  403,  403),
    "referrals.amend_triage_reason":      (403,  403,  404,  403,  403,  403),
    "referrals.consent":                  (403,  403,  404,  404,  403,  403),
    "referrals.reminder_preferences":     (403,  403,  404,  404,  403,  403),
    # The user's own reminders that could not be sent, and (development only) the
    # reminders written to the log: lists of the user's case scope, no id in the URL.
    "reminders.not_sent":                 (403,  403,  200,  200,  403,  403),
    "reminders.outbox":                   (403,  403,  200,  200,  403,  403),
    # Lists carry no ids: 200 lists only the user's own scope (tests/test_scoping.py).
    "referrals.index":                    (403,  200,  200,  200,  200,  403),
    "referrals.new":                      (403,  403,  403,  403,  200,  403),
    "referrals.record":                   (403,  403,  200,  200,  403,  403),
    "referrals.review_risk":              (403,  403,  404,  403,  403,  403),
    "referrals.review_risk_flag":         (403,  403,  404,  403,  403,  403),
    "referrals.risk_flags_open":          (403,  200,  200,  200,  403,  403),
    "referrals.risk_reviews_waiting":     (403,  200,  200,  200,  403,  403),
    "referrals.show":                     (403,  200,  404,  404,  404,  403),
    "referrals.submitted":                (403,  200,  404,  404,  404,  403),
    "referrals.triage":                   (403,  403,  404,  403,  403,  403),
    "referrals.triage_queue":             (403,  403,  200,  403,  403,  403),
    "referrals.waiting_list":             (403,  200,  200,  200,  403,  403),
    "referrals.withdraw":                 (403,  403,  404,  404,  404,  403),
    "referrals.withdraw_consent":         (403,  403,  404,  404,  403,  403),
    "reports.download":                   (403,  200,  200,  403,  403,  200),
    "reports.index":                      (403,  200,  200,  403,  403,  200),
    "reports.show":                       (403,  200,  200,  403,  403,  200),
    "rollout.download":                   (200,  200,  403,  403,  403,  403),
    "rollout.index":                      (200,  200,  403,  403,  403,  403),
    # The planner names no record: the whole register's waiting schools.
    "planning.next_cohort":               (200,  200,  403,  403,  403,  403),
    "planning.weights":                   (200,  200,  403,  403,  403,  403),
    "rollout.need_download":              (200,  200,  403,  403,  403,  403),
    "rollout_summary.download":           (403,  403,  403,  403,  403,  200),
    "rollout_summary.index":              (403,  403,  403,  403,  403,  200),
    # 400: the status form sent empty is refused on the form; nothing changes.
    "schools.change_status":              (400,  400,  403,  403,  403,  403),
    # The register's CSV, asked for (a job): to the job's page.
    "schools.download":                   (302,  302,  403,  403,  403,  403),
    "schools.edit":                       (200,  200,  403,  403,  403,  403),
    "schools.import_schools":             (200,  200,  403,  403,  403,  403),
    "schools.index":                      (200,  200,  200,  200,  200,  403),
    "schools.leads":                      (200,  200,  403,  403,  403,  403),
    # Another team's school's rooms: out of reach (the administrator's are every school's).
    "schools.room_active":                (302,  403,  404,  404,  404,  403),
    "schools.rooms_page":                 (200,  403,  404,  404,  404,  403),
    "schools.new":                        (200,  200,  403,  403,  403,  403),
    "schools.onboarding":                 (200,  200,  404,  403,  403,  403),
    "schools.show":                       (200,  200,  404,  404,  404,  403),
    "session_changes.amend":              (403,  403,  404,  404,  403,  403),
    "session_changes.correct":            (403,  403,  404,  404,  403,  403),
    "sessions.book_session":              (403,  403,  404,  404,  403,  403),
    "sessions.log_session":               (403,  403,  404,  404,  403,  403),
    "sessions.record_outcome":            (403,  403,  404,  404,  403,  403),
    "sessions.sessions":                  (403,  200,  404,  404,  403,  403),
    "supervision.amend_decision":         (403,  403,  404,  403,  403,  403),
    "supervision.index":                  (403,  403,  200,  200,  403,  403),
    "supervision.new":                    (403,  403,  200,  403,  403,  403),
    "supervision.overdue":                (403,  403,  200,  403,  403,  403),
    "supervision.show":                   (403,  403,  404,  404,  403,  403),
    # Accounts are the administrator's, service-wide: team B's EMHP is reached (no role
    # change awaits approval: back to the account's page; deactivated, then reactivated;
    # a temporary password sent with no answers is refused, 400).
    "users_admin.approve_role":           (302,  403,  403,  403,  403,  403),
    "users_admin.deactivate":             (302,  403,  403,  403,  403,  403),
    "users_admin.decline_role":           (302,  403,  403,  403,  403,  403),
    "users_admin.edit":                   (200,  403,  403,  403,  403,  403),
    "users_admin.index":                  (200,  403,  403,  403,  403,  403),
    "users_admin.new":                    (200,  403,  403,  403,  403,  403),
    "users_admin.reactivate":             (302,  403,  403,  403,  403,  403),
    "users_admin.reset_two_step":         (200,  403,  403,  403,  403,  403),
    "users_admin.temporary_password":     (400,  403,  403,  403,  403,  403),
    "users_admin.unlock":                 (302,  403,  403,  403,  403,  403),
    "wholeschool.edit":                   (200,  200,  404,  404,  403,  403),
    "wholeschool.index":                  (200,  200,  404,  404,  404,  403),
    "wholeschool.new":                    (200,  200,  404,  404,  403,  403),
}
# fmt: on

LAST = ("accounts.sign_out",)  # ends the session: asked last

# URL arguments: team B's records. ``ARGUMENT_OVERRIDES`` picks another for one route.
URL_ARGUMENTS = {
    "school_id": lambda b: b.activity.school_id,
    "user_id": lambda b: b.emhp.id,
    "cohort_id": lambda b: b.cohort.id,
    "registration_id": lambda b: b.interest.id,
    "activity_id": lambda b: b.activity.id,
    "service_id": lambda b: b.service.id,
    "referral_id": lambda b: b.referral.id,
    "consent_id": lambda b: b.consent.id,
    "case_id": lambda b: b.case.id,
    "contact_id": lambda b: b.contact.id,
    "group_id": lambda b: b.group.id,
    "session_id": lambda b: b.group_session.id,
    "text": lambda b: "notes",
    "kind": lambda b: "attendance",
    "record_id": lambda b: b.supervision.id,
    "measure_record_id": lambda b: b.measure.id,
    "flag_id": lambda b: b.flag.id,
    "slug": lambda b: "referrals",
    "child_id": lambda b: b.case.child_id,
    "other_id": lambda b: b.referral.child_id,
    "merge_id": lambda b: b.merge.id,
    "event_id": lambda b: b.triage_event.id,
    "discharge_id": lambda b: b.discharge.id,
    "discussed_id": lambda b: b.supervision.cases[0].id,
    "token": lambda b: "no-such-reset-token",  # a password reset link: nobody's
    "feed_token": lambda b: "no-such-feed-token",  # a calendar feed address: nobody's
    "job_id": lambda b: _another_leads_job(),
    "letter_kind": lambda b: "appointment",
    "letter_id": lambda b: b.letter.id,
    "shared_letter_id": lambda b: b.school_letter.id,
    "area_id": lambda b: b.world.area_b.id,
    "team_id": lambda b: b.world.team_b.id,
    "closure_id": lambda b: closure_in(b.world.area_b.id),
    "room_id": lambda b: b.world.room_b1.id,
    "change": lambda b: "stop",
    "step_name": lambda b: "who",
    "link_id": lambda b: questionnaire_link_on(b.case, b.emhp),
    "campaign_id": lambda b: the_campaign()[0],
    "resource_id": lambda b: the_campaign()[1],
}
ARGUMENT_OVERRIDES = {
    "referrals.amend_triage_reason": {"referral_id": lambda b: b.declined.id},
    # Consent is withdrawn on a case, by whoever holds it or a senior clinician.
    "referrals.withdraw_consent": {
        "referral_id": lambda b: b.case.id,
        "consent_id": lambda b: b.case_consent.id,
    },
}
# A 404 for everyone that no tenant's user would reach either: nobody's record.
NOBODYS = {
    "password_reset.reset_password",
    "jobs.show",
    "jobs.download",
    "jobs.ask_again",
    "diary.calendar",
    "questionnaires.answer",
    "campaign_public.page",
    "campaign_public.download",
}


def _another_leads_job() -> int:
    """A prepared extract of a clinical lead of no team: only they may see it."""
    import json

    from mhst.jobs.models import BackgroundJob
    from mhst.jobs.runner import run
    from tests.conftest import new_user

    job = BackgroundJob(
        kind="national_extract",
        parameters=json.dumps({"start": "2026-03-01", "end": "2026-03-31"}),
        requested_by=new_user(Role.CLINICAL_LEAD),
    )
    db.session.add(job)
    db.session.commit()
    run(job.id)
    return job.id


def table(rows: dict[str, tuple[int, ...]]) -> dict[str, dict[Role, int]]:
    """A table of rows (``MATRIX_ROWS``, ``MIXED_ROWS``) as endpoint -> role -> status."""
    return {endpoint: dict(zip(ROLES, row, strict=True)) for endpoint, row in rows.items()}


def matrix() -> dict[str, dict[Role, int]]:
    return table(MATRIX_ROWS)


def routes(app):
    """endpoint -> rule for every non-static route, in the order asked (``LAST`` last)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in STATIC_ENDPOINTS:
            found.setdefault(rule.endpoint, rule)
    return dict(sorted(found.items(), key=lambda item: (item[0] in LAST, item[0])))


def url_of(rule, tenant: TenantB) -> str:
    arguments = {**URL_ARGUMENTS, **ARGUMENT_OVERRIDES.get(rule.endpoint, {})}
    return url_for(rule.endpoint, **{name: arguments[name](tenant) for name in rule.arguments})


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table but the audit log (reads and refusals are audited)."""
    tables = [table for table in db.metadata.sorted_tables if table.name != "audit_event"]
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in tables
    }


def ask(client, rule, url: str):
    """GET the route; a POST-only route is sent a valid CSRF token and no answers."""
    if "GET" in rule.methods:
        return client.get(url)
    return AuthActions(client).post(url)


def statuses(app, client, tenant: TenantB) -> dict[str, int]:
    """endpoint -> status for every route; a refused POST must change nothing."""
    found = {}
    for endpoint, rule in routes(app).items():
        with app.test_request_context():
            url = url_of(rule, tenant)
        before = snapshot() if "GET" not in rule.methods else None
        found[endpoint] = ask(client, rule, url).status_code
        if before is not None and found[endpoint] >= 400:
            db.session.expire_all()
            assert snapshot() == before, f"POST {url} was refused but changed the database"
    return found


def test_every_route_is_in_the_matrix(app):
    assert set(routes(app)) == set(MATRIX_ROWS)


@pytest.mark.parametrize("role", ROLES)
def test_tenant_matrix(role, app, world, client):
    tenant = TenantB(world)
    assert AuthActions(client).sign_in(world.users[role].email).status_code == 302
    expected = {endpoint: row[role] for endpoint, row in matrix().items()}
    assert statuses(app, client, tenant) == expected


# Team B's own people (the control): the EMHP holds the case, the lead made the referral.
CONTROL_ROLES = (Role.SENIOR_CLINICIAN, Role.EMHP, Role.SCHOOL_MENTAL_HEALTH_LEAD)


@pytest.mark.parametrize("role", CONTROL_ROLES)
def test_team_b_reaches_its_own_records(role, app, world, client):
    """Each route a team-A member of this role is refused with 404 (out of reach) is
    reached by team B's member of the role: never 403 or 404."""
    tenant = TenantB(world)
    own = {
        Role.SENIOR_CLINICIAN: tenant.senior,
        Role.EMHP: tenant.emhp,
        Role.SCHOOL_MENTAL_HEALTH_LEAD: tenant.school_lead,
    }[role]
    assert AuthActions(client).sign_in(own.email).status_code == 302
    refused = {}
    for endpoint, rule in routes(app).items():
        if matrix()[endpoint][role] != 404 or endpoint in NOBODYS:
            continue
        with app.test_request_context():
            url = url_of(rule, tenant)
        status = ask(client, rule, url).status_code
        if status in (403, 404):
            refused[endpoint] = status
    assert refused == {}


# Routes naming two records, asked with team A's first record (one the role may reach)
# and team B's second: the second is out of reach whatever the first, so 404 (or 403
# where the role lacks the permission). Catches a view that scopes the first record and
# then loads the second by bare id.
# fmt: off
MIXED_ROWS: dict[str, tuple[int, int, int, int, int, int]] = {
    # endpoint                           admin lead senior emhp school commissioner
    # The administrator reaches every child's details, so may merge any two.
    "casework.amend_discharge_summary":   (403,  403,  404,  404,  403,  403),
    "children.merge":                     (200,  200,  404,  403,  403,  403),
    "group_changes.correct":              (403,  403,  404,  404,  403,  403),
    "group_changes.show":                 (403,  404,  404,  404,  403,  403),
    # A letter of team B's named with team A's case: not on that case.
    "letters.download":                   (403,  404,  404,  404,  403,  403),
    "letters.school_copy":                (403,  403,  403,  403,  404,  403),
    "letters.share":                      (403,  403,  404,  404,  403,  403),
    "letters.show":                       (403,  404,  404,  404,  403,  403),
    "organisation.remove_term_closure":   (404,  403,  403,  403,  403,  403),
    "outcomes.measure_record":            (403,  404,  404,  404,  403,  403),
    # Team B's questionnaire link named with team A's case: not on that case.
    "questionnaires.withdraw":            (403,  403,  404,  404,  403,  403),
    "referrals.amend_triage_reason":      (403,  403,  404,  403,  403,  403),
    "referrals.amend_risk_flag_review":   (403,  403,  404,  403,  403,  403),
    "referrals.review_risk_flag":         (403,  403,  404,  403,  403,  403),
    "referrals.withdraw_consent":         (403,  403,  404,  404,  403,  403),
    # School A1's page, team B's room: not one of A1's rooms, whoever asks.
    "schools.room_active":                (404,  403,  404,  404,  404,  403),
    "session_changes.amend":              (403,  403,  404,  404,  403,  403),
    "session_changes.correct":            (403,  403,  404,  404,  403,  403),
    "sessions.record_outcome":            (403,  403,  404,  404,  403,  403),
    "supervision.amend_decision":         (403,  403,  404,  403,  403,  403),
    "wholeschool.edit":                   (404,  404,  404,  404,  403,  403),
    # A campaign and its file: the service's (both ids the same campaign's; another
    # campaign's file is a 404, tests/test_campaigns.py).
    "campaigns.download":                 (200,  200,  403,  403,  403,  403),
    "campaign_public.download":           (404,  404,  404,  404,  404,  404),
}
# fmt: on


# Team A's first record where tests/test_route_permissions.py's is not one the roles reach
# for this route: consent is withdrawn on a case held by team A's EMHP.
MIXED_FIRST = {"referrals.withdraw_consent": lambda world: world.case_a1.id}


def argument_names(rule) -> list[str]:
    """The rule's arguments in the order of its path."""
    return re.findall(r"<(?:[^:<>]+:)?([^:<>]+)>", rule.rule)


def mixed_url(rule, world, tenant: TenantB) -> str:
    """The first record team A's (tests/test_route_permissions.py's), the others team B's."""
    first, *others = argument_names(rule)
    arguments = {first: MIXED_FIRST.get(rule.endpoint, A_ARGUMENTS[first])(world)}
    own = {**URL_ARGUMENTS, **ARGUMENT_OVERRIDES.get(rule.endpoint, {})}
    arguments.update({name: own[name](tenant) for name in others})
    return url_for(rule.endpoint, **arguments)


def two_record_routes(app) -> dict:
    return {
        endpoint: rule
        for endpoint, rule in routes(app).items()
        if len(set(argument_names(rule)) - {"text", "kind", "slug"}) >= 2
    }


def test_every_two_record_route_is_in_the_mixed_table(app):
    assert set(two_record_routes(app)) == set(MIXED_ROWS)


@pytest.mark.parametrize("role", ROLES)
def test_mixed_tenant_ids(role, app, world, client):
    tenant = TenantB(world)
    assert AuthActions(client).sign_in(world.users[role].email).status_code == 302
    found = {}
    for endpoint, rule in two_record_routes(app).items():
        with app.test_request_context():
            url = mixed_url(rule, world, tenant)
        found[endpoint] = ask(client, rule, url).status_code
    assert found == {
        endpoint: statuses_of[role] for endpoint, statuses_of in table(MIXED_ROWS).items()
    }
