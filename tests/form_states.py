"""The state of the ``World`` a form needs before its page shows it (for
tests/test_form_fuzzing.py): each function changes the world in the test's transaction
and returns URL arguments (path or query) to use instead of
tests/test_route_permissions.py's."""

from __future__ import annotations

from datetime import date, timedelta

from mhst.accounts import resets
from mhst.accounts.models import Role
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.referrals import operations as referrals
from mhst.referrals.models import ReferralStatus
from mhst.sessions.models import Attendance, WhoAttended
from tests.conftest import new_referral


def _accepted(world) -> dict:
    """A referral on team A's waiting list, to allocate."""
    referral = new_referral(world.school_a2, by=world.users[Role.EMHP], consent=True)
    referrals.triage(
        referral, ReferralStatus.ACCEPTED, by=world.users[Role.SENIOR_CLINICIAN], reason=None
    )
    db.session.commit()
    return {"referral_id": referral.id}


def _discharged(world) -> dict:
    """``case_a1`` discharged, to reopen."""
    casework.discharge(
        world.case_a1,
        by=world.users[Role.EMHP],
        reason=DischargeReason.GOALS_MET,
        summary="Goals met",
    )
    db.session.commit()
    return {}


def _due_for_review(world) -> dict:
    """``case_a1`` closed in 2000, its child born in 1980: the retention has ended."""
    _discharged(world)
    world.case_a1.child.date_of_birth = date(1980, 1, 15)
    world.case_a1.closed_on = date(2000, 1, 15)
    db.session.commit()
    return {}


def _session_held(world) -> dict:
    """``contact_a1`` held last week, attended, with notes and a risk update."""
    contact = world.contact_a1
    contact.starts_at = utcnow() - timedelta(days=7)
    contact.attendance = Attendance.ATTENDED
    contact.who_attended = WhoAttended.CHILD
    contact.clinical_notes = "Talked through the worry diary."
    contact.risk_update = "No new risk."
    contact.outcome_recorded_by_id = world.users[Role.EMHP].id
    contact.outcome_recorded_at = utcnow()
    db.session.commit()
    return {}


def _reset_link(world) -> dict:
    """A password reset link for the EMHP, not yet used."""
    token = resets.request_reset(world.users[Role.EMHP])
    db.session.commit()
    return {"token": token}


def _questionnaire_link(world) -> dict:
    """A waiting Goal Based Outcomes link on ``case_a1`` (its baseline goal shown)."""
    from mhst.questionnaires import links

    wanted = links.LinkRequest("GBO", "child", "qr_code", shown_name="Casey")
    _, token, _ = links.create_link(world.case_a1, wanted, by=world.users[Role.EMHP])
    db.session.commit()
    return {"token": token}


def _campaign_link(world) -> dict:
    """A campaign sent to a school not in the programme: its link shows the interest form."""
    from mhst.campaigns import recipients
    from mhst.campaigns.models import CampaignRecipient, RecipientState
    from tests.campaign_records import the_campaign
    from tests.conftest import new_school

    recipient = CampaignRecipient(
        campaign_id=the_campaign()[0], school=new_school(), state=RecipientState.SENT
    )
    token = recipients.new_token(recipient)
    db.session.add(recipient)
    db.session.commit()
    return {"token": token}


FORM_STATES = {
    "campaign_public.page": _campaign_link,
    "questionnaires.answer": _questionnaire_link,
    "password_reset.reset_password": _reset_link,
    "casework.allocate": _accepted,
    "casework.reopen": _discharged,
    "outcomes.record_measure": lambda world: {"measure": "GBO", "method": "items"},
    "supervision.new": lambda world: {"practitioner": world.users[Role.EMHP].id},
    # A referral only screened, never treated: its child's record may be erased.
    "privacy.erase": lambda world: {"child_id": world.referral_a1.child_id},
    "privacy.review": _due_for_review,
    "session_changes.amend": _session_held,
    "session_changes.correct": _session_held,
    # An appointment letter: about one of the case's sessions (contact_a1, booked).
    "letters.new": lambda world: {"kind": "appointment"},
}
