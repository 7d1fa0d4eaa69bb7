"""The school domain rules without HTTP: the participation lifecycle, the onboarding gate
and the named Mental Health Lead (mhst/schools/operations.py)."""

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mhst.accounts.models import Role
from mhst.audit.models import AuditEvent
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.schools import operations as ops
from mhst.schools.models import (
    LeadKind,
    ParticipationEvent,
    ParticipationStatus,
    SchoolLeadAssignment,
)

S = ParticipationStatus
ALLOWED = sorted((a, b) for a, targets in ops.TRANSITIONS.items() for b in targets)
REFUSED = sorted(pair for pair in product(S, S) if pair not in ALLOWED)
FLAGS = [item.key for item in ops.ONBOARDING_ITEMS[1:-1]]  # the ticked items


@pytest.fixture
def admin(world):
    return world.users[Role.ADMINISTRATOR]


@pytest.fixture
def school(world):
    """School A1: in cohort A, not participating, no onboarding record, no lead."""
    return world.school_a1


def complete_onboarding(school, by, lead):
    ops.update_onboarding(
        school,
        by=by,
        **dict.fromkeys(FLAGS, True),
        welcome_pack_sent_on=date(2025, 9, 1),
    )
    ops.name_lead(school, lead, LeadKind.LEAD, by=by)
    db.session.flush()


def events(school):
    return db.session.scalars(
        select(ParticipationEvent).where(ParticipationEvent.school_id == school.id)
    ).all()


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_move_is_made_and_recorded(from_status, to_status, world, school, admin):
    complete_onboarding(school, admin, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    school.participation_status = from_status
    event = ops.change_participation(
        school, to_status, by=admin, reason="Agreed at the steering group", cohort=world.cohort_a
    )
    db.session.flush()
    assert school.participation_status is to_status
    assert (event.from_status, event.to_status, event.by_user_id) == (
        from_status,
        to_status,
        admin.id,
    )
    assert events(school) == [event]


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_moves_the_lifecycle_does_not_allow_are_refused(
    from_status, to_status, world, school, admin
):
    complete_onboarding(school, admin, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    school.participation_status = from_status
    with pytest.raises(RuleError) as refused:
        ops.change_participation(
            school, to_status, by=admin, reason="Because", cohort=world.cohort_a
        )
    assert refused.value.field == "to_status"
    assert refused.value.message == (
        f"A school that is {from_status.label.lower()} cannot become {to_status.label.lower()}"
    )
    assert school.participation_status is from_status
    assert events(school) == []


def test_assignment_needs_a_cohort_and_sets_it(world, school, admin):
    school.cohort = None
    with pytest.raises(RuleError) as refused:
        ops.change_participation(school, S.ASSIGNED_TO_COHORT, by=admin)
    assert (refused.value.field, refused.value.message) == (
        "cohort_id",
        "Select the cohort the school is joining",
    )
    assert school.participation_status is S.NOT_PARTICIPATING
    ops.change_participation(school, S.ASSIGNED_TO_COHORT, by=admin, cohort=world.cohort_a)
    assert school.cohort is world.cohort_a


def test_stopping_participation_clears_the_cohort(world, school, admin):
    school.participation_status = S.ASSIGNED_TO_COHORT
    ops.change_participation(school, S.NOT_PARTICIPATING, by=admin, reason="Governors said no")
    assert school.cohort is None


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (S.ACTIVE, S.PAUSED),
        (S.ACTIVE, S.LEFT),
        (S.ONBOARDING, S.PAUSED),
        (S.PAUSED, S.LEFT),
        (S.ASSIGNED_TO_COHORT, S.NOT_PARTICIPATING),
        (S.INTEREST_REGISTERED, S.NOT_PARTICIPATING),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_pausing_leaving_or_stopping_needs_a_reason(
    from_status, to_status, reason, world, school, admin
):
    school.participation_status = from_status
    with pytest.raises(RuleError) as refused:
        ops.change_participation(school, to_status, by=admin, reason=reason)
    assert refused.value.field == "reason"
    assert refused.value.message == f"Give the reason the school is {to_status.label.lower()}"
    # A refused move changes nothing: the cohort stays, the status stays, no history.
    assert school.cohort is world.cohort_a
    assert school.participation_status is from_status
    assert events(school) == []


def test_activation_is_refused_with_every_item_missing(school, admin):
    school.participation_status = S.ONBOARDING
    with pytest.raises(ops.OnboardingIncomplete) as refused:
        ops.change_participation(school, S.ACTIVE, by=admin)
    assert refused.value.missing == list(ops.ONBOARDING_ITEMS)
    for item in ops.ONBOARDING_ITEMS:
        assert item.label in refused.value.message
    assert school.participation_status is S.ONBOARDING


@pytest.mark.parametrize("missing", ops.ONBOARDING_ITEMS, ids=lambda item: item.key)
def test_activation_names_exactly_the_one_missing_item(missing, world, school, admin):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    ops.update_onboarding(
        school,
        by=admin,
        **{key: key != missing.key for key in FLAGS},
        welcome_pack_sent_on=None if missing.key == "welcome_pack_sent_on" else date(2025, 9, 1),
    )
    if missing.key != "lead_named":
        ops.name_lead(school, lead, LeadKind.LEAD, by=admin)
    db.session.flush()
    school.participation_status = S.ONBOARDING
    with pytest.raises(ops.OnboardingIncomplete) as refused:
        ops.change_participation(school, S.ACTIVE, by=admin)
    assert refused.value.missing == [missing]
    assert refused.value.field == "to_status"
    assert refused.value.message == (
        f"The school cannot become active until these are done: {missing.label}"
    )
    assert ops.missing_onboarding_items(school) == [missing]
    assert school.participation_status is S.ONBOARDING
    assert events(school) == []


def test_activation_is_allowed_when_every_item_is_done(world, school, admin):
    complete_onboarding(school, admin, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    school.participation_status = S.ONBOARDING
    assert ops.missing_onboarding_items(school) == []
    ops.change_participation(school, S.ACTIVE, by=admin)
    assert school.participation_status is S.ACTIVE


def test_a_paused_school_going_active_again_passes_the_gate_again(world, school, admin):
    complete_onboarding(school, admin, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    school.participation_status = S.PAUSED
    ops.end_lead(school, LeadKind.LEAD, by=admin)
    with pytest.raises(ops.OnboardingIncomplete) as refused:
        ops.change_participation(school, S.ACTIVE, by=admin)
    assert [item.key for item in refused.value.missing] == ["lead_named"]


def test_a_future_welcome_pack_date_is_refused(school, admin):
    with pytest.raises(RuleError) as refused:
        ops.update_onboarding(
            school,
            by=admin,
            **dict.fromkeys(FLAGS, True),
            welcome_pack_sent_on=date.today() + timedelta(days=2),
        )
    assert refused.value.field == "welcome_pack_sent_on"


def test_history_records_who_when_and_why(world, school, admin):
    clinical_lead = world.users[Role.CLINICAL_LEAD]
    before = datetime.now(UTC)
    ops.change_participation(school, S.ASSIGNED_TO_COHORT, by=admin, cohort=world.cohort_a)
    ops.change_participation(school, S.ONBOARDING, by=admin)
    ops.change_participation(school, S.LEFT, by=clinical_lead, reason="  School closed  ")
    db.session.commit()
    after = datetime.now(UTC)
    db.session.expire_all()

    rows = [
        (e.from_status, e.to_status, e.by_user_id, e.reason)
        for e in sorted(events(school), key=lambda e: e.id)
    ]
    assert rows == [
        (S.NOT_PARTICIPATING, S.ASSIGNED_TO_COHORT, admin.id, None),
        (S.ASSIGNED_TO_COHORT, S.ONBOARDING, admin.id, None),
        (S.ONBOARDING, S.LEFT, clinical_lead.id, "School closed"),
    ]
    for event in events(school):
        assert before <= event.occurred_at <= after
        assert event.occurred_at.tzinfo is not None
    assert school.participation_events[0].to_status is S.LEFT  # newest first
    details = db.session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.record_type == "school", AuditEvent.record_id == str(school.id))
        .order_by(AuditEvent.id)
    ).all()
    assert details == [
        "participation not_participating to assigned_to_cohort",
        "participation assigned_to_cohort to onboarding",
        "participation onboarding to left",
    ]


def test_a_change_without_a_user_is_attributed_to_the_public_form(world, school):
    event = ops.change_participation(school, S.INTEREST_REGISTERED, by=None)
    db.session.flush()
    assert event.by_user_id is None
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "school")).one()
    assert audit.actor == "public interest form"


# --- the named Mental Health Lead ---


@pytest.fixture
def leads(world, make_user):
    """Two more lead accounts at school A1 (besides mhl@test.example)."""
    return (
        make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a1, full_name="Bo Second"),
        make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a1, full_name="Cy Third"),
    )


def current(school):
    return {
        kind: (a.user_id if (a := ops.current_lead(school, kind)) else None) for kind in LeadKind
    }


WRONG_SCHOOL_OR_ROLE = "Choose a school mental health lead account that belongs to this school"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("other school", WRONG_SCHOOL_OR_ROLE),
        ("other role", WRONG_SCHOOL_OR_ROLE),
        ("deactivated", "That account is deactivated; reactivate it first"),
    ],
)
def test_only_an_active_lead_account_of_this_school_can_be_named(
    who, message, world, school, admin, make_user
):
    user = {
        "other school": lambda: make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_a2),
        "other role": lambda: world.users[Role.EMHP],
        "deactivated": lambda: make_user(
            Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school, active=False
        ),
    }[who]()
    for kind in LeadKind:
        with pytest.raises(RuleError) as refused:
            ops.name_lead(school, user, kind, by=admin)
        assert (refused.value.field, refused.value.message) == ("user_id", message)
    assert school.lead_assignments == []


def test_replacing_the_lead_ends_the_old_assignment_and_keeps_it(world, school, admin, leads):
    first = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    second, _ = leads
    old = ops.name_lead(school, first, LeadKind.LEAD, by=admin)
    db.session.commit()
    new = ops.name_lead(school, second, LeadKind.LEAD, by=admin)
    db.session.commit()
    assert old.ended_at is not None
    assert new.ended_at is None
    assert new.started_at >= old.started_at
    assert current(school) == {LeadKind.LEAD: second.id, LeadKind.DEPUTY: None}
    history = db.session.scalars(
        select(SchoolLeadAssignment).where(SchoolLeadAssignment.school_id == school.id)
    ).all()
    assert {(a.user_id, a.ended_at is None) for a in history} == {
        (first.id, False),
        (second.id, True),
    }


def test_naming_the_current_lead_again_changes_nothing(world, school, admin):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    first = ops.name_lead(school, lead, LeadKind.LEAD, by=admin)
    again = ops.name_lead(school, lead, LeadKind.LEAD, by=admin)
    assert again is first
    assert len(school.lead_assignments) == 1


def test_the_database_holds_one_current_lead_per_school(world, school, admin, leads):
    ops.name_lead(school, leads[0], LeadKind.LEAD, by=admin)
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            SchoolLeadAssignment(school_id=school.id, user_id=leads[1].id, kind=LeadKind.LEAD)
        )
    # An ended assignment does not take the place: history rows may be many.
    db.session.add(
        SchoolLeadAssignment(
            school_id=school.id,
            user_id=leads[1].id,
            kind=LeadKind.LEAD,
            ended_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    current_rows = db.session.scalar(
        select(func.count())
        .select_from(SchoolLeadAssignment)
        .where(
            SchoolLeadAssignment.school_id == school.id,
            SchoolLeadAssignment.ended_at.is_(None),
        )
    )
    assert current_rows == 1


def test_a_lead_and_a_deputy_can_be_named_together(world, school, admin, leads):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    ops.name_lead(school, lead, LeadKind.LEAD, by=admin)
    ops.name_lead(school, leads[0], LeadKind.DEPUTY, by=admin)
    db.session.commit()
    assert current(school) == {LeadKind.LEAD: lead.id, LeadKind.DEPUTY: leads[0].id}


def test_a_deputy_promoted_to_lead_leaves_the_deputy_place(world, school, admin, leads):
    lead = world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    deputy, _ = leads
    ops.name_lead(school, lead, LeadKind.LEAD, by=admin)
    deputy_place = ops.name_lead(school, deputy, LeadKind.DEPUTY, by=admin)
    db.session.commit()
    ops.name_lead(school, deputy, LeadKind.LEAD, by=admin)
    db.session.commit()
    assert deputy_place.ended_at is not None
    assert current(school) == {LeadKind.LEAD: deputy.id, LeadKind.DEPUTY: None}
    assert len(school.lead_assignments) == 3


def test_ending_the_deputy_keeps_the_history(world, school, admin, leads):
    ops.name_lead(school, leads[0], LeadKind.DEPUTY, by=admin)
    db.session.commit()
    ops.end_lead(school, LeadKind.DEPUTY, by=admin)
    db.session.commit()
    assert current(school)[LeadKind.DEPUTY] is None
    assert len(school.lead_assignments) == 1
    with pytest.raises(RuleError) as refused:
        ops.end_lead(school, LeadKind.DEPUTY, by=admin)
    assert refused.value.message == "The school has no deputy mental health lead to remove"


def test_the_lead_named_item_follows_the_lead_assignment(world, school, admin):
    assert ops.onboarding_done(school)["lead_named"] is False
    ops.name_lead(school, world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD], LeadKind.LEAD, by=admin)
    assert ops.onboarding_done(school)["lead_named"] is True
    ops.end_lead(school, LeadKind.LEAD, by=admin)
    assert ops.onboarding_done(school)["lead_named"] is False
