"""Every view of one case uses the same case scope (``scoping.Kind.CASE``).

Users of every role in two teams open each case-level page of school A2's case (held by
team A's EMHP). A user whose role lacks the page's permission is refused (403); every
other user gets the page exactly when the case is in their case scope, and 404 when it
is not, so the same people see the case on every page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for

from mhst.accounts.models import Role
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals import risk_flags
from mhst.security import scoping
from mhst.security.permissions import declared_access, has_permission
from tests.conftest import AuthActions

# Each case-level page (a GET): endpoint and its arguments from the world's case.
CASE_PAGES = {
    "sessions.sessions": lambda w: {"case_id": w.case_a1.id},
    "sessions.book_session": lambda w: {"case_id": w.case_a1.id},
    "sessions.log_session": lambda w: {"case_id": w.case_a1.id},
    "sessions.record_outcome": lambda w: {"case_id": w.case_a1.id, "contact_id": w.contact_a1.id},
    "session_changes.correct": lambda w: {
        "case_id": w.case_a1.id,
        "contact_id": w.contact_a1.id,
        "kind": "time",
    },
    "outcomes.measures": lambda w: {"case_id": w.case_a1.id},
    "outcomes.record_measure": lambda w: {"case_id": w.case_a1.id},
    "outcomes.measure_record": lambda w: {
        "case_id": w.case_a1.id,
        "measure_record_id": w.measure_a1.id,
    },
    "casework.discharge": lambda w: {"case_id": w.case_a1.id},
    "referrals.review_risk_flag": lambda w: {"referral_id": w.case_a1.id, "flag_id": w.flag.id},
    "referrals.withdraw_consent": lambda w: {
        "referral_id": w.case_a1.id,
        "consent_id": w.case_a1.consents[0].id,
    },
    "referrals.amend_risk_review": lambda w: {"referral_id": w.case_a1.id},
    "referrals.amend_risk_flag_review": lambda w: {
        "referral_id": w.case_a1.id,
        "flag_id": w.reviewed_flag.id,
    },
    "supervision.amend_decision": lambda w: {
        "record_id": w.supervision_a1.id,
        "discussed_id": w.supervision_a1.cases[0].id,
    },
}


@pytest.fixture
def people(world, make_user):
    """Every role of the world (team A, school A1), another EMHP of team A who does not
    hold the case, and a senior clinician, an EMHP and a school lead of team B."""
    found = {role.value: user for role, user in world.users.items()}
    found["emhp_not_holding"] = make_user(Role.EMHP, team=world.team_a)
    found["senior_clinician_b"] = make_user(Role.SENIOR_CLINICIAN, team=world.team_b)
    found["emhp_b"] = make_user(Role.EMHP, team=world.team_b)
    found["lead_b"] = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_b1)
    return found


@pytest.fixture
def case_with_everything(world):
    """The world's case with a risk flag, a reviewed flag and a reviewed risk, so every page
    has a record."""
    case, emhp = world.case_a1, world.users[Role.EMHP]
    world.flag = risk_flags.raise_flag(
        case,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=world.contact_a1.id,
        source_text="Assessment",
        detail="Said they felt unsafe",
        by=emhp,
    )
    case.risk_reviewed_at = utcnow() - timedelta(hours=1)
    case.risk_reviewed_by = world.users[Role.SENIOR_CLINICIAN]
    case.risk_review_notes = "Spoke to the family; safety plan agreed."
    world.reviewed_flag = risk_flags.raise_flag(
        case,
        source=risk_flags.RiskFlagSource.SESSION,
        source_id=world.contact_a1.id,
        source_text="Review session",
        detail="Said things were hard at home",
        by=emhp,
    )
    risk_flags.review_flag(
        world.reviewed_flag, by=world.users[Role.SENIOR_CLINICIAN], notes="Safe today."
    )
    db.session.commit()
    return world


def _statuses(app, world, people) -> dict[str, dict[str, int]]:
    with app.test_request_context():
        urls = {endpoint: url_for(endpoint, **args(world)) for endpoint, args in CASE_PAGES.items()}
    found: dict[str, dict[str, int]] = {endpoint: {} for endpoint in CASE_PAGES}
    for name, user in people.items():
        client = app.test_client()
        assert AuthActions(client).sign_in(user.email).status_code == 302
        for endpoint, url in urls.items():
            found[endpoint][name] = client.get(url).status_code
    return found


def test_every_case_page_is_seen_by_the_same_people(app, world, people, case_with_everything):
    in_case_scope = {
        name
        for name, user in people.items()
        if scoping.in_scope(user, type(world.case_a1), world.case_a1.id, scoping.Kind.CASE)
    }
    # The policy's case scope, spelled out: the service's clinical lead, team A's senior
    # clinician and the EMHP holding the case; nobody of team B, no school lead.
    assert in_case_scope == {"clinical_lead", "senior_clinician", "emhp"}

    statuses = _statuses(app, world, people)
    for endpoint, by_user in statuses.items():
        permission = declared_access(app.view_functions[endpoint])
        expected = {
            name: (
                403
                if not has_permission(user, permission)
                else 200
                if name in in_case_scope
                else 404
            )
            for name, user in people.items()
        }
        assert by_user == expected, endpoint
    # And across pages: whoever may use a page and is refused it with 404 is refused
    # every other case page they may use with 404 too.
    not_found = {
        endpoint: {name for name, status in by_user.items() if status == 404}
        for endpoint, by_user in statuses.items()
    }
    everyone_out_of_scope = set(people) - in_case_scope
    for endpoint, names in not_found.items():
        allowed = {
            name
            for name, user in people.items()
            if has_permission(user, declared_access(app.view_functions[endpoint]))
        }
        assert names == everyone_out_of_scope & allowed, endpoint
