"""Two people moving one referral at the same moment: each transition locks the referral's
row and re-checks its rule on what is saved, so one succeeds and the other is refused,
saying what happened, with nothing of it saved (triage, consent, allocation, discharge).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.casework.models import Discharge
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Consent, Referral, ReferralEvent, ReferralStatus
from tests.concurrency.client import Reply, simultaneously
from tests.conftest import new_referral, new_user

S = ReferralStatus
REFUSED = "while you were deciding, so nothing was saved"


def _user(role: Role, live) -> tuple[str, str]:
    """A new user of team A (email, name), so each test signs in people of its own."""
    world = live.world()
    user = new_user(role, team=world.team_a, email=f"{uuid.uuid4().hex[:12]}@test.example")
    return user.email, user.full_name


def _referral(live, *, consent: bool = True, status: S | None = None) -> int:
    """A referral of school A2 (team A), ready for triage (or awaiting consent), moved on
    to ``status`` (accepted, or allocated to the world's EMHP) through the operations."""
    from mhst.referrals import operations

    world = live.world()
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    referral = new_referral(world.school_a2, by=emhp, consent=consent)
    if status in (S.ACCEPTED, S.ALLOCATED):
        operations.triage(referral, S.ACCEPTED, by=senior, reason=None)
    if status is S.ALLOCATED:
        from mhst.casework import operations as casework

        casework.allocate(referral, emhp, by=senior)
    db.session.commit()
    return referral.id


def _one_refused(replies: list[Reply]) -> tuple[int, Reply]:
    """(the index of the request that succeeded, the refused reply)."""
    assert sorted(r.status for r in replies) == [302, 400], [r.status for r in replies]
    winner = 0 if replies[0].status == 302 else 1
    return winner, replies[1 - winner]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_triage_accepted_and_not_accepted_at_once_keeps_one_decision(live):
    referral_id = live.run(_referral, live)
    (email_one, name_one), (email_two, name_two) = (
        live.run(_user, Role.SENIOR_CLINICIAN, live) for _ in range(2)
    )
    one, two = live.client(email_one), live.client(email_two)
    path = f"/referrals/{referral_id}/triage"
    page_one, page_two = one.get(path), two.get(path)
    accept = {"decision": "accepted", "reason": "", "other_service": "", "seen": "ready_for_triage"}
    decline = {**accept, "decision": "not_accepted", "reason": "Help at school is enough"}

    replies = simultaneously(
        lambda: one.post(path, accept, token_from=page_one),
        lambda: two.post(path, decline, token_from=page_two),
    )

    winner, refused = _one_refused(replies)
    decided = [S.ACCEPTED, S.NOT_ACCEPTED][winner]
    winner_name = [name_one, name_two][winner]
    assert REFUSED in refused.text
    assert f"by {winner_name} at " in refused.text
    if winner == 0:  # the refused form shows what was typed
        assert "Help at school is enough" in refused.text

    def saved():
        status = db.session.get(Referral, referral_id).status
        decisions = _count(
            ReferralEvent,
            ReferralEvent.referral_id == referral_id,
            ReferralEvent.from_status == S.READY_FOR_TRIAGE,
        )
        return status, decisions

    assert live.run(saved) == (decided, 1)


def _consent_form(page: Reply, name: str) -> dict[str, str]:
    today = service_today()
    return {
        "seen": page.hidden("seen"),
        "submission_token": page.hidden("submission_token"),
        "kind": "parent_carer",
        "given_by_name": name,
        "relationship_to_child": "Mother",
        "given_on-day": str(today.day),
        "given_on-month": str(today.month),
        "given_on-year": str(today.year),
        "method": "phone",
    }


def test_consent_recorded_twice_at_once_is_one_consent(live):
    referral_id = live.run(_referral, live, consent=False)
    (email_one, _), (email_two, _) = (live.run(_user, Role.EMHP, live) for _ in range(2))
    one, two = live.client(email_one), live.client(email_two)
    path = f"/referrals/{referral_id}/consent"
    page_one, page_two = one.get(path), two.get(path)
    assert page_one.hidden("seen") == "awaiting_consent"

    replies = simultaneously(
        lambda: one.post(path, _consent_form(page_one, "Sam Invented"), token_from=page_one),
        lambda: two.post(path, _consent_form(page_two, "Sam Invented"), token_from=page_two),
    )

    _, refused = _one_refused(replies)
    assert "was recorded by" in refused.text
    assert "while you were entering this, so nothing was saved" in refused.text

    def saved():
        status = db.session.get(Referral, referral_id).status
        return status, _count(Consent, Consent.referral_id == referral_id)

    assert live.run(saved) == (S.READY_FOR_TRIAGE, 1)


def test_one_consent_form_sent_twice_at_once_records_one_consent(live):
    referral_id = live.run(_referral, live, consent=False)
    email, _ = live.run(_user, Role.EMHP, live)
    client = live.client(email)
    path = f"/referrals/{referral_id}/consent"
    page = client.get(path)
    form = _consent_form(page, "Sam Invented")

    replies = simultaneously(
        lambda: client.post(path, form, token_from=page),
        lambda: client.post(path, form, token_from=page),
    )

    assert [r.status for r in replies] == [302, 302]
    assert {r.location for r in replies} == {f"/referrals/{referral_id}"}
    assert live.run(lambda: _count(Consent, Consent.referral_id == referral_id)) == 1


def _discharge_form(page: Reply) -> dict[str, str]:
    return {
        "seen": page.hidden("seen"),
        "submission_token": page.hidden("submission_token"),
        "reason": "goals_met",
        "summary": "Goals met; uses the plan at school.",
        "final_measures_note": "The family did not come to the last session",
    }


def test_a_case_discharged_twice_at_once_has_one_discharge(live):
    case_id = live.run(_referral, live, status=S.ALLOCATED)
    one, two = live.client("emhp@test.example"), live.client("senior@test.example")
    path = f"/casework/cases/{case_id}/discharge"
    page_one, page_two = one.get(path), two.get(path)

    replies = simultaneously(
        lambda: one.post(path, _discharge_form(page_one), token_from=page_one),
        lambda: two.post(path, _discharge_form(page_two), token_from=page_two),
    )

    _, refused = _one_refused(replies)
    assert "This referral was discharged by" in refused.text
    assert REFUSED in refused.text

    def saved():
        status = db.session.get(Referral, case_id).status
        moves = _count(
            ReferralEvent,
            ReferralEvent.referral_id == case_id,
            ReferralEvent.to_status == S.DISCHARGED,
        )
        return status, moves, _count(Discharge, Discharge.referral_id == case_id)

    assert live.run(saved) == (S.DISCHARGED, 1, 1)


def test_allocation_to_two_practitioners_at_once_allocates_to_one(live):
    referral_id = live.run(_referral, live, status=S.ACCEPTED)
    practitioners = [live.run(_user, Role.EMHP, live) for _ in range(2)]
    ids = live.run(_user_ids, [email for email, _ in practitioners])
    (email_one, _), (email_two, _) = (
        live.run(_user, Role.SENIOR_CLINICIAN, live) for _ in range(2)
    )
    one, two = live.client(email_one), live.client(email_two)
    path = f"/casework/referrals/{referral_id}/allocate"
    page_one, page_two = one.get(path), two.get(path)

    def form(page: Reply, practitioner_id: int) -> dict[str, str]:
        return {
            "seen": page.hidden("seen"),
            "seen_allocation": page.hidden("seen_allocation"),
            "submission_token": page.hidden("submission_token"),
            "practitioner": str(practitioner_id),
        }

    replies = simultaneously(
        lambda: one.post(path, form(page_one, ids[0]), token_from=page_one),
        lambda: two.post(path, form(page_two, ids[1]), token_from=page_two),
    )

    winner, refused = _one_refused(replies)
    assert "This referral was allocated by" in refused.text
    assert REFUSED in refused.text

    def saved():
        current = db.session.scalars(
            select(Allocation.practitioner_id).where(
                Allocation.referral_id == referral_id, Allocation.ended_at.is_(None)
            )
        ).all()
        total = _count(Allocation, Allocation.referral_id == referral_id)
        return db.session.get(Referral, referral_id).status, current, total

    assert live.run(saved) == (S.ALLOCATED, [ids[winner]], 1)


def _user_ids(emails: list[str]) -> list[int]:
    from mhst.accounts.models import User

    rows = db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all()
    by_email = dict(rows)
    return [by_email[email] for email in emails]
