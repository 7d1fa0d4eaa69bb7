"""Hostile answers to every form: never a 500, never half a save.

For each route that takes a POST, the test opens the page holding its form as a role
that may use it (with team A's records, as in tests/test_route_permissions.py), reads
the form's fields, and posts answers Hypothesis makes from them (tests/form_fuzzing.py):
injection strings, markup, control characters, a 100,000-character string, odd unicode,
impossible dates, numbers no column holds, fields left out, options the page never
offered. Any status but 500 may come back; when the form is re-displayed with its errors
(400, or a page with an error summary) every table must hold as many rows as before.
The filters and searches sent by GET get the same answers, and every route naming a
record gets ids beyond the database's integers (404). The two regression tests
are the 500s the fuzzing found.

Deterministic: Hypothesis is derandomised and keeps no database of examples, so every run
sends the same answers. ``FUZZ`` bounds the examples per form.
"""

from __future__ import annotations

import os

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from werkzeug.routing import IntegerConverter, Rule

from mhst.accounts.models import Role
from tests.conftest import AuthActions
from tests.form_fuzzing import answers, page_forms, post_forms, row_counts
from tests.form_states import FORM_STATES
from tests.test_route_permissions import (
    ENDPOINT_SETUP,
    EXPECTED_ACCESS,
    PUBLIC,
    URL_ARGUMENTS,
    _url,
)

# Examples per form: 6 keeps each backend near a minute and a half on a busy 2-core
# machine; ``MHST_FUZZ_EXAMPLES=200`` digs deeper by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("MHST_FUZZ_EXAMPLES", "6")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The role each form is tried as: the first of these the route allows.
ROLE_PREFERENCE = (
    Role.SENIOR_CLINICIAN,
    Role.EMHP,
    Role.CLINICAL_LEAD,
    Role.ADMINISTRATOR,
    Role.SCHOOL_MENTAL_HEALTH_LEAD,
    Role.COMMISSIONER,
)
# Routes taking only a POST: the page showing their form.
FORM_PAGES = {
    "organisation.add_area": "organisation.index",
    "organisation.add_team": "organisation.index",
    "extract.request_extract": "extract.index",
    "schools.change_status": "schools.show",
    "users_admin.deactivate": "users_admin.edit",
    "users_admin.temporary_password": "users_admin.edit",
    "questionnaires.withdraw": "questionnaires.sent",
}
# Not fuzzed: sign-out has no answers (and ends the session); the forms to reactivate or
# unlock an account, and to approve or decline a role, show only for an account in that
# state, and have no answers either.
NOT_FUZZED = {
    "accounts.sign_out",
    # The second step of signing in: a signed-in user is sent home before any answer is
    # read (tests/test_mfa.py sends them bad codes); resetting two-step sign-in has no answers.
    "mfa.code",
    "mfa.recovery_code",
    "mfa.set_up",
    "users_admin.reset_two_step",
    # Asking for the school register's CSV (a background job), or for a job that stopped
    # again, has no answers.
    "schools.download",
    "jobs.ask_again",
    # Making a new calendar feed address, or stopping it, has no answers.
    "diary.new_feed",
    "diary.stop_feed",
    "users_admin.reactivate",
    "users_admin.unlock",
    "users_admin.approve_role",
    "users_admin.decline_role",
    # Sharing the advice for the school with the school's lead has no answers.
    "letters.share",
    # Buttons with no answers: copy an area's default term dates, remove a closure, stop
    # or restart offering a school's room.
    "organisation.copy_default_term_dates",
    "organisation.remove_term_closure",
    "schools.room_active",
    # Marking notifications read, or opening one (read, then its record): the only answer
    # is a hidden id (tests/test_notifications.py sends bad ones; another user's or a
    # malformed id marks nothing).
    "notifications.mark_read",
    "notifications.open_record",
    "notifications.mark_all_read",
    # The self-referral: starting again has no answers; sending needs every answer in a
    # draft first (tests/test_self_referral_pages.py fuzzes it, and every question page).
    "selfreferral.start_again",
    "selfreferral.check",
}
# Tables a refused request may still write to: the audit log records refusals.
MAY_GROW = frozenset({"audit_event"})

# fmt: off
FORMS = sorted({
    "accounts.change_password", "accounts.sign_in", "mfa.account",
    "casework.allocate", "casework.amend_discharge_summary", "casework.discharge",
    "casework.reopen",
    "campaign_public.page", "campaigns.edit", "campaigns.new", "campaigns.new_file",
    "campaigns.new_link", "campaigns.send",
    "children.correct", "children.find_merge", "children.merge", "children.search",
    "children.undo_merge",
    "cohorts.edit", "cohorts.new",
    "directory.edit",
    "extract.request_extract",
    "group_changes.correct", "groups.new", "groups.participants", "groups.record_session",
    "interest.register", "interest.review",
    "need.import_need", "need.load_deprivation",
    "letters.edit_template", "letters.new",
    "notifications.settings",
    "organisation.add_area", "organisation.add_team", "organisation.team_contact",
    "organisation.term_dates_page",
    "outcomes.record_measure",
    "planning.next_cohort", "planning.weights",
    "questionnaires.answer", "questionnaires.send", "questionnaires.withdraw",
    "password_reset.forgotten_password", "password_reset.reset_password",
    "privacy.erase", "privacy.index", "privacy.review",
    "referrals.amend_risk_flag_review", "referrals.amend_risk_review",
    "referrals.amend_triage_reason", "referrals.consent",
    "referrals.new", "referrals.record", "referrals.reminder_preferences",
    "referrals.review_risk", "referrals.review_risk_flag",
    "referrals.triage", "referrals.withdraw", "referrals.withdraw_consent",
    "schools.change_status", "schools.edit", "schools.import_schools", "schools.leads",
    "schools.new", "schools.onboarding", "schools.rooms_page",
    "selfreferral.question",
    "session_changes.amend", "session_changes.correct",
    "sessions.book_session", "sessions.log_session", "sessions.record_outcome",
    "supervision.amend_decision", "supervision.new",
    "users_admin.deactivate", "users_admin.edit", "users_admin.new",
    "users_admin.temporary_password",
    "wholeschool.edit", "wholeschool.new",
})
# fmt: on


def rule_of(app, endpoint: str) -> Rule:
    return next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def form_address(app, world, endpoint: str) -> tuple[str, str]:
    """Where the form posts to, and the page showing it, after any ``FORM_STATES``."""
    state = FORM_STATES.get(endpoint, lambda world: {})(world)
    rule = rule_of(app, endpoint)
    arguments = {name: URL_ARGUMENTS[name](world) for name in rule.arguments}
    arguments.update(state)
    ENDPOINT_SETUP.get(endpoint, lambda world: None)(world)
    target = url_for(endpoint, **arguments)
    page = FORM_PAGES.get(endpoint)
    if page is None:
        return target, target
    page_rule = rule_of(app, page)
    return target, url_for(page, **{name: arguments[name] for name in page_rule.arguments})


def fuzzing_role(endpoint: str) -> Role | None:
    """A role allowed to use the route, or None for a public one (asked signed out)."""
    access = EXPECTED_ACCESS[endpoint]
    if access == PUBLIC:
        return None
    return next(role for role in ROLE_PREFERENCE if role in access)


def test_every_form_is_fuzzed(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts - NOT_FUZZED == set(FORMS)


def shows_errors(response) -> bool:
    return response.status_code >= 400 or b"nhsuk-error-summary" in response.data


@pytest.mark.parametrize("endpoint", FORMS)
def test_hostile_answers_never_break_a_form(endpoint, app, world, client):
    role = fuzzing_role(endpoint)
    if role is not None:
        assert AuthActions(client).sign_in(world.users[role].email).status_code == 302
    with app.test_request_context():
        target, page_url = form_address(app, world, endpoint)
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    forms = [form for form in post_forms(page.get_data(as_text=True)) if form.action == target]
    assert forms, f"no form posting to {target} on {page_url}"

    @FUZZ
    @given(data=answers(forms[0]))
    def post(data):
        before = row_counts(MAY_GROW)
        response = client.post(target, data=data)
        assert response.status_code != 500
        if shows_errors(response):
            assert row_counts(MAY_GROW) == before, "a refused form saved part of its answers"

    post()


# Pages with a form sent by GET (filters, searches, choosers): its answers become the
# query string of the page it is sent to.
# fmt: off
GET_FORM_PAGES = sorted({
    "audit.index", "campaigns.recipients_list", "campaigns.send", "casework.caseload",
    "diary.day", "diary.school_visits", "diary.team",
    "diary.week", "directory.index",
    "interest.index", "outcomes.record_measure", "planning.next_cohort", "public.schools",
    "public.support",
    "referrals.index", "referrals.waiting_list",
    "reports.show", "rollout.index", "schools.index", "supervision.new", "users_admin.index",
})
# fmt: on


@pytest.mark.parametrize("endpoint", GET_FORM_PAGES)
def test_hostile_filters_never_break_a_page(endpoint, app, world, client):
    """The same hostile answers in the filters and searches sent by GET: never a 500,
    and nothing saved (a page read may add only to the audit log)."""
    role = fuzzing_role(endpoint)
    if role is not None:  # a public page's search is fuzzed signed out
        assert AuthActions(client).sign_in(world.users[role].email).status_code == 302
    with app.test_request_context():
        page_url = _url(rule_of(app, endpoint), world)
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    forms = page_forms(page.get_data(as_text=True), "get")
    assert forms, f"no form sent by GET on {page_url}"

    @FUZZ
    @given(data=answers(forms[0]))
    def ask(data):
        before = row_counts(MAY_GROW)
        response = client.get(forms[0].action, query_string=data)
        assert response.status_code != 500
        assert row_counts(MAY_GROW) == before, "a page read saved something"

    ask()


# Found by the fuzzing above: each a 500 before its fix.


@pytest.mark.parametrize("spaces", [" ", "\r\n\t"])
def test_a_required_choice_of_spaces_alone_is_unanswered(spaces, world, auth, client):
    """Stripped to nothing, the answer passed InputRequired (which reads it unstripped)
    and reached ``InterestStatus("")``; now it is refused like no answer."""
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    registration = world.interest
    status = registration.status
    response = auth.post(f"/admin/interest/{registration.id}", {"decision": spaces})
    assert response.status_code == 400
    assert "Select whether to accept or decline the registration" in response.get_data(as_text=True)
    assert registration.status == status


def test_a_team_in_an_area_of_spaces_alone_is_refused(world, auth, client):
    """The same for a select: ``int("")`` gave a 500 when adding a team."""
    from sqlalchemy import func, select

    from mhst.extensions import db
    from mhst.organisation.models import Team

    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    teams = db.session.scalar(select(func.count()).select_from(Team))
    response = auth.post(
        "/admin/organisation/teams", {"team-name": "Team C", "team-area_id": "\r\n\t"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Team)) == teams


def numbered_routes(app) -> dict[str, tuple[Rule, list[str]]]:
    """endpoint -> (rule, its arguments that are ids) for routes naming a record."""
    found = {}
    for rule in app.url_map.iter_rules():
        numbered = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        ]
        if numbered:
            found.setdefault(rule.endpoint, (rule, numbered))
    return found


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_ids_no_database_holds_are_not_found(number, app, world):
    """Every route naming a record, given an id beyond the database's integers, as a role
    that may use it: 404, as for any id that is not there (it was a 500 on PostgreSQL
    from 2**31 and on SQLite from 2**63: ``mhst.core.routing``)."""
    clients = {}
    found = {}
    for endpoint, (rule, numbered) in numbered_routes(app).items():
        role = fuzzing_role(endpoint)
        if role not in clients:
            clients[role] = AuthActions(app.test_client())
            if role is not None:  # a public route (a campaign's file) is asked signed out
                assert clients[role].sign_in(world.users[role].email).status_code == 302
        auth = clients[role]
        with app.test_request_context():
            others = {n: URL_ARGUMENTS[n](world) for n in rule.arguments if n not in numbered}
            url = url_for(endpoint, **others, **dict.fromkeys(numbered, number))
        response = auth.client.get(url) if "GET" in rule.methods else auth.post(url)
        found[endpoint] = response.status_code
    assert len(found) > 40
    assert found == dict.fromkeys(found, 404)
