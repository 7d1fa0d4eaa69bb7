"""Every route declares what it needs, and every role gets exactly what the table says.

``EXPECTED_ACCESS`` is written by hand, independently of mhst.security.permissions: a new
route fails ``test_every_route_is_in_the_expected_access_table`` until someone decides
here who may use it.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from config import TestConfig
from mhst import create_app
from mhst.accounts.models import Role
from mhst.security.permissions import (
    STATIC_ENDPOINTS,
    Permission,
    public,
    requires,
    undeclared_endpoints,
)
from tests.campaign_records import the_campaign
from tests.conftest import AuthActions

PUBLIC = "public"
ALL = frozenset(Role)
# A commissioner sees suppressed aggregate reports and nothing else.
STAFF_AND_LEADS = ALL - {Role.COMMISSIONER}
ADMIN = frozenset({Role.ADMINISTRATOR})
CASEWORKERS = frozenset({Role.SENIOR_CLINICIAN, Role.EMHP})
SENIOR = frozenset({Role.SENIOR_CLINICIAN})
# Children's referrals: never the administrator, who has no need to see them.
# A child's whole record for subject access, erasure and retention.
RECORDS = frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD})
REFERRAL_READERS = CASEWORKERS | {Role.CLINICAL_LEAD, Role.SCHOOL_MENTAL_HEALTH_LEAD}
# A child's record (details, corrections): staff; merging two records: not an EMHP.
CHILD_RECORD_STAFF = CASEWORKERS | {Role.CLINICAL_LEAD, Role.ADMINISTRATOR}
CHILD_MERGERS = frozenset({Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD, Role.ADMINISTRATOR})
ROOM_KEEPERS = CASEWORKERS | {Role.ADMINISTRATOR, Role.SCHOOL_MENTAL_HEALTH_LEAD}
# Campaigns to schools: those who run the programme (MANAGE_CAMPAIGNS).
CAMPAIGNERS = frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD})

EXPECTED_ACCESS: dict[str, str | frozenset[Role]] = {
    "home.healthz": PUBLIC,
    "home.status": PUBLIC,
    "accounts.sign_in": PUBLIC,
    # Signed out, the public page for families; signed in, each role's home page.
    "home.index": PUBLIC,
    # The public pages linked from every page's footer (mhst.public).
    "public_pages.privacy_notice": PUBLIC,
    "public_pages.accessibility_statement": PUBLIC,
    "public_pages.cookies": PUBLIC,
    "accounts.sign_out": ALL,
    "accounts.change_password": ALL,
    "password_reset.forgotten_password": PUBLIC,
    "password_reset.reset_password": PUBLIC,
    "mfa.set_up": PUBLIC,  # only half-way through signing in: otherwise back to sign-in
    "mfa.code": PUBLIC,
    "mfa.recovery_code": PUBLIC,
    "mfa.account": ALL,
    # Each user's own notifications (mhst.notifications): every signed-in role.
    "notifications.index": ALL,
    "notifications.follow": ALL,
    "notifications.open_record": ALL,
    "notifications.mark_read": ALL,
    "notifications.mark_all_read": ALL,
    "notifications.settings": ALL,
    "schools.index": STAFF_AND_LEADS,
    "schools.show": STAFF_AND_LEADS,
    "users_admin.index": ADMIN,
    "users_admin.new": ADMIN,
    "users_admin.edit": ADMIN,
    "users_admin.deactivate": ADMIN,
    "users_admin.reactivate": ADMIN,
    "users_admin.temporary_password": ADMIN,
    "users_admin.approve_role": ADMIN,
    "users_admin.decline_role": ADMIN,
    "users_admin.unlock": ADMIN,
    "users_admin.reset_two_step": ADMIN,
    "organisation.index": ADMIN,
    "organisation.add_area": ADMIN,
    "organisation.add_team": ADMIN,
    "organisation.term_dates_page": ADMIN,
    "organisation.copy_default_term_dates": ADMIN,
    "organisation.remove_term_closure": ADMIN,
    "organisation.team_contact": ADMIN,
    # A school's rooms for sessions: the team, the school's lead and administrators.
    "schools.rooms_page": ROOM_KEEPERS,
    "schools.room_active": ROOM_KEEPERS,
    "audit.index": ADMIN,
    # --- school register (views.py) ---
    "schools.new": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "schools.edit": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "schools.import_schools": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "schools.download": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    # --- school page: participation, onboarding, leads (school_page.py) ---
    "schools.change_status": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "schools.leads": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "schools.onboarding": frozenset(
        {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN}
    ),
    # --- cohorts ---
    "cohorts.index": frozenset(
        {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP}
    ),
    "cohorts.show": frozenset(
        {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP}
    ),
    "cohorts.new": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "cohorts.edit": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    # --- campaigns to schools, and the public page a school's email links to ---
    "campaigns.index": CAMPAIGNERS,
    "campaigns.new": CAMPAIGNERS,
    "campaigns.show": CAMPAIGNERS,
    "campaigns.edit": CAMPAIGNERS,
    "campaigns.new_link": CAMPAIGNERS,
    "campaigns.new_file": CAMPAIGNERS,
    "campaigns.download": CAMPAIGNERS,
    "campaigns.send": CAMPAIGNERS,
    "campaigns.recipients_list": CAMPAIGNERS,
    "campaign_public.page": PUBLIC,
    "campaign_public.download": PUBLIC,
    # --- interest registrations ---
    "interest.register": PUBLIC,
    "interest.registered": PUBLIC,
    # --- the public pages for families (mhst.public) ---
    "public.schools": PUBLIC,
    "public.support": PUBLIC,
    # --- the online self-referral (no account) ---
    "selfreferral.start": PUBLIC,
    "selfreferral.question": PUBLIC,
    "selfreferral.not_listed": PUBLIC,
    "selfreferral.check": PUBLIC,
    "selfreferral.sent": PUBLIC,
    "selfreferral.start_again": PUBLIC,
    "interest.index": ADMIN,
    "interest.review": ADMIN,
    # --- whole-school activities ---
    "wholeschool.index": STAFF_AND_LEADS,
    "wholeschool.new": frozenset(
        {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP}
    ),
    "wholeschool.edit": frozenset(
        {Role.ADMINISTRATOR, Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP}
    ),
    # --- rollout ---
    # --- directory ---
    "directory.index": STAFF_AND_LEADS,
    "directory.show": STAFF_AND_LEADS,
    "directory.edit": ADMIN,
    "rollout.index": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "rollout.download": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    # --- need data per school: listed with the rollout's, imported with the register's ---
    "need.index": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "need.import_need": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "need.load_deprivation": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    # --- the next-cohort planner (mhst.planning) ---
    "planning.next_cohort": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "planning.weights": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "rollout.need_download": frozenset({Role.ADMINISTRATOR, Role.CLINICAL_LEAD}),
    "rollout_summary.index": frozenset({Role.COMMISSIONER}),
    "rollout_summary.download": frozenset({Role.COMMISSIONER}),
    # --- referrals: submission (submit_views.py) ---
    "referrals.new": frozenset({Role.SCHOOL_MENTAL_HEALTH_LEAD}),
    "referrals.record": CASEWORKERS,
    "referrals.submitted": REFERRAL_READERS,
    # --- referrals: list, page, consent, withdrawal (record_views.py) ---
    "referrals.index": REFERRAL_READERS,
    "referrals.show": REFERRAL_READERS,
    "referrals.consent": CASEWORKERS,
    "referrals.reminder_preferences": CASEWORKERS,
    "reminders.not_sent": CASEWORKERS,
    "reminders.outbox": CASEWORKERS,
    # The practitioner holding the case, or a senior clinician: referral_a1 is nobody's.
    "referrals.withdraw_consent": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.withdraw": CASEWORKERS | {Role.SCHOOL_MENTAL_HEALTH_LEAD},
    # --- referrals: triage and the waiting list (triage_views.py) ---
    "referrals.triage_queue": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.triage": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.review_risk": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.review_risk_flag": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.risk_flags_open": CASEWORKERS | {Role.CLINICAL_LEAD},
    "referrals.risk_reviews_waiting": CASEWORKERS | {Role.CLINICAL_LEAD},
    "referrals.amend_risk_review": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.amend_risk_flag_review": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.amend_triage_reason": frozenset({Role.SENIOR_CLINICIAN}),
    "referrals.waiting_list": CASEWORKERS | {Role.CLINICAL_LEAD},
    # --- casework: allocation, caseloads, discharge (casework/allocation_views.py) ---
    "casework.caseload": CASEWORKERS,
    "casework.team_caseloads": SENIOR,
    "casework.allocate": SENIOR,
    "casework.discharge": CASEWORKERS,
    "casework.reopen": SENIOR,
    "casework.amend_discharge_summary": CASEWORKERS,
    # --- the diary: a practitioner's week and day, the team's week, a school's visits,
    # the calendar feed (whose address is its own key: public) ---
    "diary.week": CASEWORKERS,
    "diary.day": CASEWORKERS,
    "diary.team": frozenset({Role.SENIOR_CLINICIAN, Role.CLINICAL_LEAD}),
    "diary.school_visits": STAFF_AND_LEADS,
    "diary.feed": CASEWORKERS,
    "diary.new_feed": CASEWORKERS,
    "diary.stop_feed": CASEWORKERS,
    "diary.calendar": PUBLIC,
    # --- casework: 1:1 sessions (casework/session_views.py) ---
    "sessions.sessions": CASEWORKERS | {Role.CLINICAL_LEAD},
    "sessions.book_session": CASEWORKERS,
    "sessions.log_session": CASEWORKERS,
    "sessions.record_outcome": CASEWORKERS,
    "session_changes.correct": CASEWORKERS,
    "session_changes.amend": CASEWORKERS,
    # --- groups ---
    "groups.index": CASEWORKERS | {Role.CLINICAL_LEAD},
    "groups.new": CASEWORKERS,
    "groups.show": CASEWORKERS | {Role.CLINICAL_LEAD},
    "groups.participants": CASEWORKERS,
    "groups.record_session": CASEWORKERS,
    "group_changes.show": CASEWORKERS | {Role.CLINICAL_LEAD},
    "group_changes.correct": CASEWORKERS,
    # --- supervision ---
    "supervision.index": CASEWORKERS,
    "supervision.new": SENIOR,
    "supervision.show": CASEWORKERS,
    "supervision.overdue": SENIOR,
    "supervision.amend_decision": SENIOR,
    # --- outcome measures on a case (casework/measure_views.py) ---
    "outcomes.measures": CASEWORKERS | {Role.CLINICAL_LEAD},
    "outcomes.record_measure": CASEWORKERS,
    "outcomes.measure_record": CASEWORKERS | {Role.CLINICAL_LEAD},
    # --- questionnaires completed online: sent as links (mhst/questionnaires), the
    # family's page public (the link is its own key; an unknown one is a 404) ---
    "questionnaires.sent": CASEWORKERS | {Role.CLINICAL_LEAD},
    "questionnaires.send": CASEWORKERS,
    "questionnaires.withdraw": CASEWORKERS,
    "questionnaires.outbox": CASEWORKERS,
    "questionnaires.answer": PUBLIC,
    "questionnaires.answered": PUBLIC,
    # --- service reports: suppressed for the commissioner, one team for a senior ---
    "reports.index": frozenset({Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.COMMISSIONER}),
    "reports.show": frozenset({Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.COMMISSIONER}),
    "reports.download": frozenset({Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.COMMISSIONER}),
    # --- the national (MHSDS) extract ---
    "extract.index": frozenset({Role.CLINICAL_LEAD}),
    "extract.request_extract": frozenset({Role.CLINICAL_LEAD}),
    # --- a prepared download (a background job): only the user who asked for it. The job
    # in URL_ARGUMENTS is the clinical lead's extract; everyone else gets 404. ---
    "jobs.show": frozenset({Role.CLINICAL_LEAD}),
    "jobs.download": frozenset({Role.CLINICAL_LEAD}),
    "jobs.ask_again": frozenset({Role.CLINICAL_LEAD}),
    # --- children's records: subject access, erasure, retention (mhst.privacy) ---
    "letters.templates": ADMIN,
    "letters.edit_template": ADMIN,
    # Producing and sharing letters is case work; reading them, anyone who reads the notes.
    "letters.new": CASEWORKERS,
    "letters.share": CASEWORKERS,
    "letters.show": CASEWORKERS | {Role.CLINICAL_LEAD},
    "letters.download": CASEWORKERS | {Role.CLINICAL_LEAD},
    # The school's lead: the advice for the school, once shared with them.
    "letters.school_copy": frozenset({Role.SCHOOL_MENTAL_HEALTH_LEAD}),
    "privacy.index": RECORDS,
    "privacy.show": RECORDS,
    "privacy.export_document": RECORDS,
    "privacy.export_json": RECORDS,
    "privacy.erase": RECORDS,
    "privacy.retention": RECORDS,
    "privacy.review": RECORDS,
    # --- children's records: staff only (never a school's lead or the commissioner) ---
    "children.search": CHILD_RECORD_STAFF,
    "children.show": CHILD_RECORD_STAFF,
    "children.correct": CHILD_RECORD_STAFF,
    "children.find_merge": CHILD_MERGERS,
    "children.merge": CHILD_MERGERS,
    "children.undo_merge": CHILD_MERGERS,
}

# Values for URL arguments: records every role in EXPECTED_ACCESS may reach (team A).
URL_ARGUMENTS = {
    "token": lambda world: "no-such-reset-token",
    "feed_token": lambda world: _feed_token(world),
    "school_id": lambda world: world.school_a1.id,
    "user_id": lambda world: world.users[Role.EMHP].id,
    "cohort_id": lambda world: world.cohort_a.id,
    "registration_id": lambda world: world.interest.id,
    "activity_id": lambda world: world.activity_a1.id,
    "service_id": lambda world: _directory_service_id(),
    "referral_id": lambda world: world.referral_a1.id,
    "consent_id": lambda world: world.consent_a1.id,
    "case_id": lambda world: world.case_a1.id,
    "contact_id": lambda world: world.contact_a1.id,
    "group_id": lambda world: world.group_a1.id,
    "session_id": lambda world: _group_session_id(world),
    "text": lambda world: "notes",
    "kind": lambda world: "attendance",  # a correction of a 1:1 or group session
    "record_id": lambda world: world.supervision_a1.id,
    "measure_record_id": lambda world: world.measure_a1.id,
    "flag_id": lambda world: _risk_flag_id(world),
    "slug": lambda world: "referrals",
    "child_id": lambda world: world.case_a1.child_id,
    "other_id": lambda world: world.referral_a1.child_id,
    "merge_id": lambda world: _child_merge_id(world),
    "event_id": lambda world: _triage_decision_id(world),
    "discharge_id": lambda world: _discharge_id(world),
    "discussed_id": lambda world: world.supervision_a1.cases[0].id,
    "job_id": lambda world: _lead_extract_job_id(world),
    "letter_kind": lambda world: "appointment",
    "letter_id": lambda world: _letter_id(world),
    "shared_letter_id": lambda world: _shared_letter_id(world),
    "area_id": lambda world: world.area_a.id,
    "team_id": lambda world: world.team_a.id,
    "closure_id": lambda world: closure_in(world.area_a.id),
    "room_id": lambda world: world.room_a1.id,
    "change": lambda world: "stop",
    "step_name": lambda world: "who",  # the self-referral's first question
    "link_id": lambda world: questionnaire_link_on(world.case_a1, world.users[Role.EMHP]),
    "campaign_id": lambda world: the_campaign()[0],
    "resource_id": lambda world: the_campaign()[1],
}


def questionnaire_link_on(case, sender) -> int:
    """A waiting questionnaire link on ``case`` (made per use, its token thrown away)."""
    from datetime import timedelta

    from mhst.core.time import utcnow
    from mhst.extensions import db
    from mhst.questionnaires.links import token_hash
    from mhst.questionnaires.models import LinkChannel, QuestionnaireLink

    link = QuestionnaireLink(
        referral_id=case.id,
        measure_code="GBO",
        respondent="child",
        token_hash=token_hash(f"test-{utcnow().isoformat()}-{id(case)}-{sender.id}"),
        channel=LinkChannel.QR_CODE,
        expires_at=utcnow() + timedelta(days=14),
        sent_by_id=sender.id,
    )
    db.session.add(link)
    db.session.commit()
    return link.id


def _letter_id(world) -> int:
    """An appointment letter on case_a1 (the world has none): made per use."""
    from mhst.letters.models import Letter, LetterKind

    return _stored_letter(world, Letter(referral_id=world.case_a1.id, kind=LetterKind.APPOINTMENT))


def _shared_letter_id(world) -> int:
    """The advice for school A1 on referral_a1, shared with its lead: made per use."""
    from mhst.core.time import utcnow
    from mhst.letters.models import Letter, LetterKind

    letter = Letter(
        referral_id=world.referral_a1.id,
        kind=LetterKind.SCHOOL_ADVICE,
        shared_with_school_at=utcnow(),
        shared_by_id=world.users[Role.EMHP].id,
    )
    return _stored_letter(world, letter)


def _stored_letter(world, letter) -> int:
    from mhst.extensions import db

    letter.recipient_name = "Sam Invented"
    letter.body = "Invented letter"
    letter.pdf = b"%PDF-1.7 invented"
    letter.produced_by_id = world.users[Role.EMHP].id
    db.session.add(letter)
    db.session.commit()
    return letter.id


def closure_in(area_id: int) -> int:
    """A closure entered for an area this academic year: made per use."""
    from mhst.core.academic_year import academic_year_of
    from mhst.core.time import service_today
    from mhst.extensions import db
    from mhst.organisation.models import ClosureKind, TermClosure

    day = date(academic_year_of(service_today()), 10, 26)
    closure = TermClosure(
        area_id=area_id,
        first_day=day,
        last_day=day,
        label="Staff day",
        kind=ClosureKind.CLOSURE_DAY,
    )
    db.session.add(closure)
    db.session.commit()
    return closure.id


def _lead_extract_job_id(world) -> int:
    """The clinical lead's national extract, prepared (its file on disk): made per use."""
    import json

    from mhst.extensions import db
    from mhst.jobs.models import BackgroundJob
    from mhst.jobs.runner import run

    job = BackgroundJob(
        kind="national_extract",
        parameters=json.dumps({"start": "2026-03-01", "end": "2026-03-31"}),
        requested_by=world.users[Role.CLINICAL_LEAD],
    )
    db.session.add(job)
    db.session.commit()
    run(job.id)
    return job.id


def _feed_token(world) -> str:
    """A working calendar feed address of the EMHP's (made anew for each URL)."""
    from mhst.diary import feeds
    from mhst.extensions import db

    token = feeds.new_feed(world.users[Role.EMHP])
    db.session.commit()
    return token


def _group_session_id(world) -> int:
    """A session of the world's group (the world has none): made once per test."""
    from mhst.extensions import db
    from mhst.sessions.group_models import GroupSession

    group = world.group_a1
    if not group.sessions:
        db.session.add(
            GroupSession(group=group, held_on=date(2026, 11, 2), recorded_by_id=group.created_by_id)
        )
        db.session.flush()
    return group.sessions[0].id


def _child_merge_id(world) -> int:
    """A merge for the matrix (the world has none): a second record of school A1's child
    merged into the first, made once per test."""
    from mhst.children.operations import merge_children
    from mhst.extensions import db
    from mhst.referrals.child_models import Child

    kept = world.referral_a1.child
    duplicate = Child(
        given_name="Matrix",
        family_name="Duplicate",
        date_of_birth=kept.date_of_birth,
        gender=kept.gender,
        year_group=kept.year_group,
        school_id=kept.school_id,
    )
    db.session.add(duplicate)
    db.session.flush()
    merge = merge_children(
        kept, duplicate, by=world.users[Role.CLINICAL_LEAD], reason="One child, two records"
    )
    db.session.commit()
    return merge.id


def _risk_flag_id(world) -> int:
    """A risk flag on ``referral_a1`` for the matrix (the world has none): made once per test."""
    from mhst.extensions import db
    from mhst.referrals import risk_flags

    found = risk_flags.flags_of(world.referral_a1.id)
    if found:
        return found[0].id
    flag = risk_flags.raise_flag(
        world.referral_a1,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=world.contact_a1.id,
        source_text="Assessment session",
        detail="Invented risk for the test",
        by=world.users[Role.EMHP],
    )
    db.session.commit()
    return flag.id


def _triage_decision_id(world) -> int:
    """referral_a1 not accepted at triage (in the test's transaction): the decision's id."""
    from mhst.referrals import operations
    from mhst.referrals.models import ReferralStatus

    senior = world.users[Role.SENIOR_CLINICIAN]
    return operations.triage(
        world.referral_a1, ReferralStatus.NOT_ACCEPTED, by=senior, reason="Needs met at school"
    ).id


def _discharge_id(world) -> int:
    """An earlier discharge of case_a1 (as if it had been reopened since), by the EMHP."""
    from mhst.casework.models import Discharge, DischargeReason
    from mhst.extensions import db

    closing = Discharge(
        referral=world.case_a1,
        event_id=world.case_a1.events[-1].id,
        reason=DischargeReason.GOALS_MET,
        summary="Goals met",
        discharged_by=world.users[Role.EMHP],
    )
    db.session.add(closing)
    db.session.flush()
    return closing.id


def _risk_reviewed(world) -> None:
    from mhst.referrals import operations

    operations.review_risk(
        world.referral_a1, by=world.users[Role.SENIOR_CLINICIAN], notes="Safety plan in place"
    )


def _risk_flag_reviewed(world) -> None:
    from mhst.extensions import db
    from mhst.referrals import risk_flags

    flag = db.session.get(risk_flags.CaseRiskFlag, _risk_flag_id(world))
    if not flag.reviewed:
        risk_flags.review_flag(
            flag, by=world.users[Role.SENIOR_CLINICIAN], notes="Spoke to the family: safe today"
        )


# Endpoints whose page exists only once something has happened: done first.
ENDPOINT_SETUP = {
    "referrals.amend_risk_review": _risk_reviewed,
    "referrals.amend_risk_flag_review": _risk_flag_reviewed,
}


def _directory_service_id() -> int:
    """A directory service for the matrix (the world has none): made once per test."""
    from sqlalchemy import select

    from mhst.directory.models import DirectoryService, DirectoryTable
    from mhst.extensions import db

    service_id = db.session.scalar(select(DirectoryService.id).order_by(DirectoryService.id))
    if service_id is None:
        service = DirectoryService(
            table_kind=DirectoryTable.CHILDREN,
            level_of_need="Low level intervention",
            level_order=5,
            name="Matrix service",
            description="A service for the permission matrix.",
            area_text="LLR",
            age_text="5 to 18",
            referral_routes=[],
        )
        db.session.add(service)
        db.session.commit()
        service_id = service.id
    return service_id


def routes(app: Flask):
    """(endpoint, rule) for every non-static route, one entry per endpoint."""
    seen = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in STATIC_ENDPOINTS:
            seen.setdefault(rule.endpoint, rule)
    return sorted(seen.items())


def test_every_route_declares_a_permission_or_is_public(app):
    assert undeclared_endpoints(app) == []


def test_every_route_is_in_the_expected_access_table(app):
    assert {endpoint for endpoint, _ in routes(app)} == set(EXPECTED_ACCESS)


@pytest.fixture
def bare_app(tmp_path) -> Flask:
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'bare.db'}")


def test_the_meta_test_catches_a_route_that_forgets_its_permission(bare_app):
    @bare_app.get("/forgotten")
    def forgotten():
        return "child records for everyone"

    @bare_app.get("/remembered")
    @requires(Permission.SIGNED_IN)
    def remembered():
        return "fine"

    assert undeclared_endpoints(bare_app) == ["forgotten"]
    # And it fails closed at run time: the forgotten route is refused, not served.
    response = bare_app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert b"child records" not in response.data


def test_a_view_cannot_be_both_public_and_protected():
    def view():
        return ""

    with pytest.raises(TypeError):
        public(requires(Permission.SIGNED_IN)(view))
    with pytest.raises(TypeError):
        requires(Permission.SIGNED_IN)(public(lambda: ""))


def _url(rule, world) -> str:
    from flask import url_for

    ENDPOINT_SETUP.get(rule.endpoint, lambda world: None)(world)
    return url_for(rule.endpoint, **{arg: URL_ARGUMENTS[arg](world) for arg in rule.arguments})


def _request(client, rule, url, *, signed_in: bool):
    """GET the route, or POST to it with a valid CSRF token and no answers."""
    if "GET" in rule.methods:
        return client.get(url)
    token = AuthActions(client).csrf_token("/" if signed_in else "/sign-in")
    return client.post(url, data={"csrf_token": token})


# Public pages reached by a link with a token: the tables' token is nobody's.
NO_SUCH_LINK = {
    "password_reset.reset_password",
    "questionnaires.answer",
    "campaign_public.page",
    "campaign_public.download",
}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED_ACCESS))
def test_signed_out_visitors_reach_only_public_routes(endpoint, app, world, client):
    rule = dict(routes(app))[endpoint]
    with app.test_request_context():
        url = _url(rule, world)
    response = _request(client, rule, url, signed_in=False)
    if endpoint in NO_SUCH_LINK:
        assert response.status_code == 404  # no such link: "this link no longer works"
    elif EXPECTED_ACCESS[endpoint] == PUBLIC:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "endpoint", sorted(e for e, access in EXPECTED_ACCESS.items() if access != PUBLIC)
)
def test_role_matrix(role, endpoint, app, world, client):
    auth = AuthActions(client)
    assert auth.sign_in(world.users[role].email).status_code == 302
    rule = dict(routes(app))[endpoint]
    with app.test_request_context():
        url = _url(rule, world)
    response = _request(client, rule, url, signed_in=True)
    assert response.status_code != 500
    if role in EXPECTED_ACCESS[endpoint]:
        # 200 page, 302 after a POST, or 400 for a POST with no answers: never refused.
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 400:
            assert "There is a problem" in response.get_data(as_text=True)
    else:
        assert response.status_code in (403, 404)


def test_every_navigation_item_is_a_route(app):
    from mhst.home.navigation import NAVIGATION

    assert {endpoint for _, endpoint, _ in NAVIGATION} <= set(app.view_functions)
