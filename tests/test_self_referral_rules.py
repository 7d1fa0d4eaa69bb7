"""The online self-referral's domain rules: who may refer and which consent follows
(Hypothesis over every age), and what sending does: the same domain code as a staff
referral (risk flag, duplicate-child check, audit), a participating school only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.referrals import risk_reviews
from mhst.referrals.models import ConsentKind, Referral, ReferralSource, RiskItem
from mhst.referrals.submission import PUBLIC_ACTOR
from mhst.schools.models import ParticipationStatus
from mhst.security import scoping
from mhst.selfreferral import drafts, operations, rules
from mhst.selfreferral.models import Referrer, SelfReferral, SelfReferralDraft
from tests.selfreferral_journey import active_school_a1, answers_for, born_aged

AGES = st.integers(min_value=0, max_value=29)
REFERRERS = st.sampled_from(list(Referrer))


@given(referrer=REFERRERS, age=AGES, keep=st.booleans())
def test_the_consent_route_follows_age_and_the_request_not_to_tell(referrer, age, keep):
    route = rules.consent_route(referrer, age, keep)
    if age >= 16:
        assert route is ConsentKind.YOUNG_PERSON
    elif keep and referrer is Referrer.YOUNG_PERSON and 12 <= age <= 15:
        assert route is ConsentKind.GILLICK
    else:
        assert route is ConsentKind.PARENT_CARER
    # Only a young person of 12 to 15 may ask; a parent never routes to Gillick.
    assert rules.may_ask_not_to_tell(referrer, age) == (
        referrer is Referrer.YOUNG_PERSON and 12 <= age <= 15
    )
    # A parent's details are asked for unless the young person is 16+ or asked not to tell.
    expected_parent = referrer is Referrer.PARENT_CARER or (
        age < 16 and route is not ConsentKind.GILLICK
    )
    assert rules.parent_needed(referrer, age, keep) == expected_parent


@given(age=AGES, youngest=st.integers(min_value=5, max_value=16), referrer=REFERRERS)
def test_a_young_person_below_the_minimum_age_cannot_refer_themselves(age, youngest, referrer):
    problem = rules.age_problem(referrer, age, youngest)
    if referrer is Referrer.YOUNG_PERSON and age < youngest:
        assert problem
        assert f"{youngest} or older" in problem
    else:
        assert problem is None


def test_the_minimum_age_is_a_setting(app):
    assert rules.min_age() == 11
    app.config["SELF_REFERRAL_MIN_AGE"] = 13
    try:
        assert rules.age_problem(Referrer.YOUNG_PERSON, 12) is not None
    finally:
        app.config["SELF_REFERRAL_MIN_AGE"] = 11
    assert rules.age_problem(Referrer.YOUNG_PERSON, 12) is None


def values_for(school_id: int, **kwargs) -> dict:
    """The draft's answers after every page (as the pages store them)."""
    values = {}
    for name, data in answers_for(school_id, **kwargs):
        if name == "date-of-birth":
            data = {"date_of_birth": born_aged(kwargs.get("age", 9)).isoformat()}
        if name == "school":
            data = {"school_id": data["school_id"]}
        values.update(data)
    return values


@pytest.fixture
def active_school(world):
    return active_school_a1(world)


def test_a_parent_sends_a_self_referral_through_the_staff_referral_code(active_school):
    referral = operations.send(values_for(active_school.id))
    db.session.commit()
    assert referral.source is ReferralSource.SELF_REFERRAL_ONLINE
    assert referral.submitted_by is None
    assert referral.status.value == "awaiting_consent"
    assert referral.referrer_name == "Jo Selfref"
    assert referral.child.parent_carer_phone == "01632 960111"
    online = db.session.get(SelfReferral, referral.id)
    assert online.referred_by is Referrer.PARENT_CARER
    assert not online.keep_from_parents
    created = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.CREATE,
            AuditEvent.record_type == AuditRecordType.REFERRAL,
            AuditEvent.record_id == str(referral.id),
        )
    ).one()
    assert created.actor == PUBLIC_ACTOR
    assert created.user_id is None
    assert not referral.high_risk


def test_a_risk_answered_yes_flags_the_referral_for_a_same_day_review(world, active_school):
    referral = operations.send(values_for(active_school.id, risks=("self_harm",)))
    db.session.commit()
    assert referral.high_risk
    assert referral.awaiting_risk_review
    assert referral.risks == [RiskItem.SELF_HARM]
    senior = world.users[Role.SENIOR_CLINICIAN]
    waiting = [review.referral.id for review in risk_reviews.waiting_reviews(senior)]
    assert referral.id in waiting
    assert "same-day senior review" in referral.events[0].reason


def test_a_young_person_of_14_asks_for_their_parents_not_to_be_told(active_school):
    values = values_for(active_school.id, referrer="young_person", age=14, keep_from_parents="yes")
    referral = operations.send(values)
    db.session.commit()
    online = db.session.get(SelfReferral, referral.id)
    assert online.keep_from_parents
    assert online.contact_phone == "07700 900111"
    assert referral.child.parent_carer_name is None  # none asked, none kept
    assert operations.consent_needed(referral, online) == ConsentKind.GILLICK.label


def test_a_stale_request_not_to_tell_counts_only_for_ages_12_to_15(active_school):
    """Asked at 14, then the date of birth changed to 16: the request no longer applies."""
    values = values_for(active_school.id, referrer="young_person", age=14, keep_from_parents="yes")
    values["date_of_birth"] = born_aged(16).isoformat()
    referral = operations.send(values)
    db.session.commit()
    online = db.session.get(SelfReferral, referral.id)
    assert not online.keep_from_parents
    assert operations.consent_needed(referral, online) == ConsentKind.YOUNG_PERSON.label


def test_a_young_person_under_14_without_the_request_needs_a_parent(active_school):
    values = values_for(active_school.id, referrer="young_person", age=13)
    for name in ("parent_carer_name", "parent_carer_phone"):
        values.pop(name)
    with pytest.raises(RuleError):
        operations.send(values)


@pytest.mark.parametrize(
    "status", [s for s in ParticipationStatus if s is not ParticipationStatus.ACTIVE]
)
def test_only_a_participating_active_school_can_be_chosen(world, status):
    school = world.school_b2
    school.participation_status = status
    db.session.commit()
    assert operations.participating_school(school.id) is None
    with pytest.raises(RuleError) as refused:
        operations.send(values_for(school.id))
    assert refused.value.field == "school_id"
    assert operations.search_schools("School B2") == []


def test_the_school_search_finds_active_schools_by_part_of_their_name(active_school):
    assert operations.search_schools("hool a1") == [active_school]
    assert operations.search_schools("") == []
    assert operations.search_schools("%") == []  # no wildcard from the public


def test_a_known_child_is_flagged_for_staff_never_linked_or_updated(world, active_school):
    """Anyone can type a name: a match is a new record flagged as a possible duplicate
    (as an NHS number clash is), and the known child's details are left alone."""
    known = world.referral_a1.child
    before = (known.parent_carer_name, known.parent_carer_phone)
    values = values_for(active_school.id)
    values.update(
        given_name=known.given_name,
        family_name=known.family_name,
        date_of_birth=known.date_of_birth.isoformat(),
    )
    referral = operations.send(values)
    db.session.commit()
    assert referral.child.id != known.id
    assert referral.child.possible_duplicate_of_id == known.id
    db.session.refresh(known)
    assert (known.parent_carer_name, known.parent_carer_phone) == before


def test_a_self_referral_is_never_the_school_leads(world, active_school):
    referral = operations.send(values_for(active_school.id))
    db.session.commit()
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    assert lead.school_id == active_school.id
    assert not scoping.in_scope(lead, Referral, referral.id)
    senior = world.users[Role.SENIOR_CLINICIAN]
    assert scoping.in_scope(senior, Referral, referral.id)
    # Told: the team's senior clinician, of a new referral; never the school's lead.
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.record_id == referral.id)
    ).all()
    assert senior.id in told
    assert lead.id not in told


def test_a_draft_expires_after_its_lifetime_and_is_purged(app):
    from datetime import timedelta

    from mhst.core.time import utcnow

    token, draft = drafts.new_draft()
    drafts.save_answers(draft, {"referrer": "parent_carer"})
    db.session.commit()
    assert draft.token_hash != token
    assert len(draft.token_hash) == 64
    assert drafts.open_draft(token) is draft
    later = utcnow() + timedelta(minutes=121)
    assert drafts.delete_expired_drafts(now=utcnow()) == 0
    assert drafts.open_draft(token, now=later) is None  # expired: deleted when read
    token2, _draft2 = drafts.new_draft()
    db.session.commit()
    assert drafts.delete_expired_drafts(now=later) == 1
    assert db.session.scalars(select(SelfReferralDraft)).all() == []
    assert drafts.open_draft(token2) is None
