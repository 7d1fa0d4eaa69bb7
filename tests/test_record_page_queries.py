"""A referral's page and a child's page run the same number of queries however long
their lists are (the child's other referrals, the case's risk flags, its sessions on
the timeline), and each writes the reads of everything it lists in ONE audit INSERT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.risk_flags import CaseRiskFlag
from mhst.sessions import operations as sessions
from mhst.sessions.models import CareContact
from tests.audit_reads import audited_ids
from tests.test_care_contacts import at, logged, open_case

STAFF = [Role.CLINICAL_LEAD, Role.SENIOR_CLINICIAN, Role.EMHP]


def _case(world, make_referral, name: str, *, others: int, sessions_logged: int, day: int):
    """An allocated case of a child with ``others`` earlier referrals, and
    ``sessions_logged`` sessions ``day`` days ago, each raising a risk flag."""
    emhp = world.users[Role.EMHP]
    child = {"given_name": name, "family_name": "Counted"}
    for _ in range(others):
        make_referral(world.school_a2, by=emhp, child=child)
    case = open_case(world, make_referral, child=child)
    held_on = service_today() - timedelta(days=day)
    for number in range(sessions_logged):
        details = logged(
            new_risk=True, risk_update=f"Risk {number}", starts_at=at(held_on, 9 + number)
        )
        sessions.log_session(case, details, by=emhp)
    db.session.commit()
    assert len(case.child.referrals) == others + 1
    return case


def _statements(client, count_queries, path: str) -> list[str]:
    client.get(path)  # warm up (templates, the signed-in user)
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return count_queries()[before:]


def _audit_inserts(statements: list[str]) -> int:
    return sum(s.lstrip().startswith("INSERT INTO audit_event") for s in statements)


@pytest.fixture
def cases(world, make_referral):
    return (
        _case(world, make_referral, "Small", others=1, sessions_logged=1, day=2),
        _case(world, make_referral, "Large", others=5, sessions_logged=6, day=1),
    )


@pytest.mark.parametrize("role", STAFF)
def test_the_referral_page_runs_the_same_queries_for_short_and_long_lists(
    role, world, cases, auth, client, count_queries
):
    assert auth.sign_in(world.users[role].email).status_code == 302
    small, large = (_statements(client, count_queries, f"/referrals/{case.id}") for case in cases)
    assert len(small) > 0
    assert len(large) == len(small)
    # The referral's own read, then every list the page shows in one INSERT.
    assert _audit_inserts(large) == 2


def test_the_referral_page_audits_every_list_it_shows(world, cases, auth, client):
    lead = world.users[Role.CLINICAL_LEAD]
    _, large = cases
    assert auth.sign_in(lead.email).status_code == 302
    assert client.get(f"/referrals/{large.id}").status_code == 200
    mine = AuditEvent.user_id == lead.id
    read = AuditEvent.action == AuditAction.READ
    others = {str(r.id) for r in large.child.referrals if r.id != large.id}
    flags = db.session.scalars(
        select(CaseRiskFlag.id).where(CaseRiskFlag.referral_id == large.id)
    ).all()
    contacts = {
        str(contact)
        for contact in db.session.scalars(
            select(CareContact.id).where(CareContact.referral_id == large.id)
        )
    }
    referrals = audited_ids(mine, read, AuditEvent.record_type == AuditRecordType.REFERRAL)
    assert set(referrals) == others | {str(large.id)}
    flagged = audited_ids(mine, read, AuditEvent.record_type == AuditRecordType.RISK_FLAG)
    assert sorted(flagged) == sorted(str(flag) for flag in flags)
    assert len(flags) == 6
    shown = audited_ids(mine, read, AuditEvent.record_type == AuditRecordType.CARE_CONTACT)
    assert set(shown) == contacts
    assert len(contacts) == 6


@pytest.mark.parametrize("role", STAFF)
def test_the_child_page_runs_the_same_queries_for_2_and_6_referrals(
    role, world, cases, auth, client, count_queries
):
    assert auth.sign_in(world.users[role].email).status_code == 302
    small, large = (
        _statements(client, count_queries, f"/children/{case.child_id}") for case in cases
    )
    assert len(small) > 0
    assert len(large) == len(small)
    # The child's own read, then the referrals and the timeline in one INSERT.
    assert _audit_inserts(large) == 2
