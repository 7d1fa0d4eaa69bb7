"""The referral journey's rules without HTTP (mhst/referrals/operations.py and queries.py):
the state machine and its history, the consent gate, eligibility, submission, risk review,
triage with the directory, and who sees which referrals.

The consent gate is the point of most of this file: no service call moves a referral to
triage, the waiting list, allocation or treatment without valid consent, and withdrawing
consent stops everything. Consent's own rules (ages, recording, withdrawal) are in
tests/test_referral_consent_rules.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.directory.models import (
    Concern,
    DirectoryService,
    DirectoryServiceConcern,
    DirectoryTable,
)
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import eligibility, queries, signposting
from mhst.referrals import operations as ops
from mhst.referrals import submission as referral_submission
from mhst.referrals.locks import when
from mhst.referrals.models import (
    CLOSED_STATUSES,
    Child,
    Consent,
    ConsentKind,
    ConsentMethod,
    Need,
    Referral,
    ReferralEvent,
    ReferralSignpost,
    ReferralSource,
    ReferralStatus,
    RiskItem,
)
from mhst.schools.models import ParticipationStatus
from mhst.security import scoping
from tests.conftest import child_details, referral_details

S = ReferralStatus
ALLOWED = sorted((a, b) for a, targets in ops.TRANSITIONS.items() for b in targets)
REFUSED = sorted(pair for pair in product(S, S) if pair not in ALLOWED)
# Every move into a status behind the gate, from wherever the state machine allows it.
GATED = sorted((a, b) for a, b in ALLOWED if b in ops.NEEDS_CONSENT)
EXITS = (S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED, S.WITHDRAWN)
OPEN_STATUSES = [status for status in S if status not in CLOSED_STATUSES]


def ids(value) -> str:
    return value.value if isinstance(value, S) else str(value)


# ---- helpers ----------------------------------------------------------------------------


def born(years: int, days: int = 0) -> date:
    """A date of birth ``years`` ago today, moved ``days`` later: ``born(16, 1)`` is a
    child whose 16th birthday is tomorrow (15 today)."""
    today = service_today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February and that year had none
        anniversary = date(today.year - years, 2, 28)
    return anniversary + timedelta(days=days)


def history(referral: Referral) -> list[tuple]:
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    )
    return [(e.from_status, e.to_status, e.by_user_id, e.reason) for e in events]


def audit_trail(record_type: str, record_id: int) -> list[tuple]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(record_id))
        .order_by(AuditEvent.id)
    )
    return [(e.action, e.detail, e.user_id) for e in events]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def add_consent(
    referral: Referral,
    kind: ConsentKind,
    given_on: date,
    *,
    by,
    assessed_on: date | None = None,
    assessment: str | None = None,
    withdrawn: bool = False,
) -> Consent:
    """A consent row written straight to the database, past record_consent's checks, so
    the gate itself is what is tested."""
    consent = Consent(
        referral=referral,
        kind=kind,
        given_by_name="Sam Invented",
        relationship_to_child="Mother" if kind is ConsentKind.PARENT_CARER else None,
        given_on=given_on,
        method=ConsentMethod.IN_WRITING,
        gillick_assessed_on=assessed_on,
        gillick_assessment=assessment,
        recorded_by=by,
        withdrawn_at=utcnow() if withdrawn else None,
        withdrawn_by=by if withdrawn else None,
        withdrawal_reason="Family changed their mind" if withdrawn else None,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


_service_numbers = iter(range(1, 10_000))


def make_service(
    name: str | None = None,
    *,
    concerns=(Concern.GENERAL_MENTAL_HEALTH,),
    areas=("city",),
    min_age: int | None = 5,
    max_age: int | None = 18,
    table: DirectoryTable = DirectoryTable.CHILDREN,
    level_order: int = 3,
) -> DirectoryService:
    service = DirectoryService(
        table_kind=table,
        level_of_need="Early help",
        level_order=level_order,
        name=name or f"Invented Service {next(_service_numbers)}",
        area_text="Invented area",
        covers_city="city" in areas,
        covers_county="county" in areas,
        covers_rutland="rutland" in areas,
        age_text=f"{min_age}-{max_age}",
        min_age=min_age,
        max_age=max_age,
        concern_links=[DirectoryServiceConcern(concern=concern) for concern in concerns],
    )
    db.session.add(service)
    db.session.flush()
    return service


@pytest.fixture
def lead(world):
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


@pytest.fixture
def senior(world):
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def active_school(world):
    """School A1, made an active participating school (so its referrals are eligible)."""
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return world.school_a1


@pytest.fixture
def consented(make_referral, active_school, lead):
    """An eligible referral with a parent's consent: ready for triage."""
    return make_referral(active_school, by=lead, consent=True)


@pytest.fixture
def unconsented(make_referral, active_school, lead):
    """An eligible referral nobody has consented to: awaiting consent."""
    return make_referral(active_school, by=lead)


@pytest.fixture
def service():
    return make_service("Invented Counselling")


# ---- the state machine ------------------------------------------------------------------


def test_the_statuses_and_their_moves_are_as_designed():
    assert set(ops.TRANSITIONS) == set(S)
    for status in CLOSED_STATUSES - {S.DISCHARGED}:
        assert ops.TRANSITIONS[status] == frozenset()
    assert ops.TRANSITIONS[S.DISCHARGED] == frozenset({S.ALLOCATED})  # reopened
    for status in OPEN_STATUSES:
        assert S.WITHDRAWN in ops.TRANSITIONS[status]  # a family can always say no
    # The gate is on every way into triage and beyond, and on nothing else.
    assert {S.READY_FOR_TRIAGE, S.ACCEPTED, S.ALLOCATED, S.IN_TREATMENT} == ops.NEEDS_CONSENT
    assert not ops.NEEDS_CONSENT & set(EXITS)


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=ids)
def test_every_allowed_move_is_made_and_recorded(from_status, to_status, consented, senior):
    consented.status = from_status
    db.session.flush()
    before_history = history(consented)
    before_audit = audit_trail("referral", consented.id)
    started = datetime.now(UTC)

    event = ops.transition(consented, to_status, by=senior, reason="  Agreed at the team meeting ")
    db.session.commit()

    assert consented.status is to_status
    assert history(consented) == [
        *before_history,
        (from_status, to_status, senior.id, "Agreed at the team meeting"),
    ]
    assert started <= event.occurred_at <= datetime.now(UTC)
    assert started <= consented.status_changed_at <= datetime.now(UTC)
    assert audit_trail("referral", consented.id) == [
        *before_audit,
        (AuditAction.UPDATE, f"status: {to_status.value}", senior.id),
    ]
    assert consented.closed_on == (service_today() if to_status.is_closed else None)
    if to_status is S.ACCEPTED:
        assert consented.accepted_on == service_today()


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED, ids=ids)
def test_moves_the_state_machine_does_not_allow_are_refused(
    from_status, to_status, consented, senior
):
    consented.status = from_status
    db.session.flush()
    before_history = history(consented)
    before_audit = audit_trail("referral", consented.id)

    with pytest.raises(RuleError) as refused:
        ops.transition(consented, to_status, by=senior, reason="Because")

    assert refused.value.field == "status"
    assert refused.value.message == (
        f"A referral that is {from_status.label.lower()} cannot be moved to "
        f"{to_status.label.lower()}"
    )
    db.session.flush()
    assert consented.status is from_status
    assert history(consented) == before_history
    assert audit_trail("referral", consented.id) == before_audit


@pytest.mark.parametrize("closed", sorted(CLOSED_STATUSES - {S.DISCHARGED}), ids=ids)
def test_a_closed_referral_accepts_no_move_at_all(closed, consented, senior, service):
    consented.status = closed
    db.session.flush()
    for to_status in S:
        with pytest.raises(RuleError):
            ops.transition(consented, to_status, by=senior, reason="Because")
    for decision in ops.TRIAGE_DECISIONS:
        with pytest.raises(RuleError):
            ops.triage(consented, decision, by=senior, reason="Because", services=[service])
    with pytest.raises(RuleError):
        ops.withdraw_referral(consented, by=senior, reason="Because")
    assert consented.status is closed
    assert [row[1] for row in history(consented)] == [
        S.SUBMITTED,
        S.AWAITING_CONSENT,
        S.READY_FOR_TRIAGE,
    ]


@pytest.mark.parametrize("to_status", sorted(ops.NEEDS_REASON), ids=ids)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_closing_a_referral_needs_a_reason(to_status, reason, consented, senior):
    with pytest.raises(RuleError) as refused:
        ops.transition(consented, to_status, by=senior, reason=reason)
    assert (refused.value.field, refused.value.message) == ("reason", "Enter the reason")
    assert consented.status is S.READY_FOR_TRIAGE
    assert len(history(consented)) == 3


def test_a_reason_over_5000_characters_is_refused(consented, senior):
    with pytest.raises(RuleError) as refused:
        ops.transition(consented, S.WITHDRAWN, by=senior, reason="x" * 5001)
    assert (refused.value.field, refused.value.message) == (
        "reason",
        "Enter 5000 characters or fewer",
    )
    assert consented.status is S.READY_FOR_TRIAGE
    ops.transition(consented, S.WITHDRAWN, by=senior, reason="x" * 5000)
    assert consented.status is S.WITHDRAWN


def test_moving_on_within_the_service_needs_no_reason(consented, senior, world):
    emhp = world.users[Role.EMHP]
    ops.transition(consented, S.ACCEPTED, by=senior)
    ops.transition(consented, S.ALLOCATED, by=senior, reason="")
    ops.transition(consented, S.IN_TREATMENT, by=emhp, reason=None)
    ops.transition(consented, S.DISCHARGED, by=emhp, reason="Goals met")
    db.session.commit()
    assert history(consented)[3:] == [
        (S.READY_FOR_TRIAGE, S.ACCEPTED, senior.id, None),
        (S.ACCEPTED, S.ALLOCATED, senior.id, None),
        (S.ALLOCATED, S.IN_TREATMENT, emhp.id, None),
        (S.IN_TREATMENT, S.DISCHARGED, emhp.id, "Goals met"),
    ]
    assert consented.accepted_on == service_today()
    assert consented.closed_on == service_today()


def test_going_back_to_the_waiting_list_keeps_the_first_acceptance_date(consented, senior):
    ops.transition(consented, S.ACCEPTED, by=senior)
    consented.accepted_on = date(2025, 1, 6)
    ops.transition(consented, S.ALLOCATED, by=senior)
    ops.transition(consented, S.ACCEPTED, by=senior, reason="The EMHP left")
    assert consented.accepted_on == date(2025, 1, 6)
    assert consented.closed_on is None


# ---- the consent gate: no path past it -------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), GATED, ids=ids)
def test_no_move_behind_the_gate_without_consent(from_status, to_status, unconsented, senior):
    unconsented.status = from_status
    db.session.flush()
    before_history = history(unconsented)
    before_audit = audit_trail("referral", unconsented.id)

    with pytest.raises(ops.ConsentRequired) as refused:
        ops.transition(unconsented, to_status, by=senior, reason="Clinically urgent")

    assert refused.value.field == "status"
    assert refused.value.message == (
        "Record valid consent first: without it the team cannot consult, triage, "
        "allocate or see the child"
    )
    db.session.flush()
    assert unconsented.status is from_status
    assert history(unconsented) == before_history
    assert audit_trail("referral", unconsented.id) == before_audit


@pytest.mark.parametrize("status", [S.AWAITING_CONSENT, S.READY_FOR_TRIAGE], ids=ids)
def test_triage_cannot_accept_without_consent(status, unconsented, senior):
    unconsented.status = status
    db.session.flush()
    with pytest.raises(ops.ConsentRequired):
        ops.triage(unconsented, S.ACCEPTED, by=senior, reason=None)
    assert unconsented.status is status
    assert unconsented.accepted_on is None
    assert len(history(unconsented)) == 2


def test_the_gate_opens_with_valid_consent(unconsented, senior, lead):
    referral_consent.record_consent(
        unconsented,
        referral_consent.ConsentDetails(
            kind=ConsentKind.PARENT_CARER,
            given_by_name="Sam Invented",
            relationship_to_child="Father",
            given_on=service_today(),
            method=ConsentMethod.IN_PERSON,
        ),
        by=lead,
    )
    assert unconsented.status is S.READY_FOR_TRIAGE
    ops.triage(unconsented, S.ACCEPTED, by=senior, reason=None)
    ops.transition(unconsented, S.ALLOCATED, by=senior)
    ops.transition(unconsented, S.IN_TREATMENT, by=senior)
    assert unconsented.status is S.IN_TREATMENT


def test_nothing_else_moves_a_referral_past_the_gate(unconsented, senior, lead, service):
    """Every other operation on a referral without consent leaves it outside the gate."""
    high_risk = referral_submission.submit_referral(
        unconsented.school,
        child_details(),
        referral_details(risks=[RiskItem.THOUGHTS_OF_SUICIDE]),
        by=lead,
    )
    assert high_risk.status is S.AWAITING_CONSENT  # submission never skips the wait
    ops.review_risk(high_risk, by=senior, notes="Spoke to the family; GP informed")
    assert high_risk.status is S.AWAITING_CONSENT
    with pytest.raises(RuleError):
        ops.triage(high_risk, S.ALLOCATED, by=senior, reason="Urgent", services=[service])
    with pytest.raises(RuleError):
        ops.triage(high_risk, S.READY_FOR_TRIAGE, by=senior, reason="Urgent")
    assert high_risk.status is S.AWAITING_CONSENT
    assert not ops.has_valid_consent(high_risk)


def test_an_invalid_consent_does_not_open_the_gate(make_referral, active_school, lead, senior):
    referral = make_referral(active_school, by=lead, child={"date_of_birth": born(17)})
    add_consent(referral, ConsentKind.PARENT_CARER, service_today(), by=lead)  # she is 17
    with pytest.raises(ops.ConsentRequired):
        ops.transition(referral, S.READY_FOR_TRIAGE, by=senior)
    assert referral.status is S.AWAITING_CONSENT


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    GATED,
    ids=ids,
)
def test_after_withdrawal_nothing_behind_the_gate_is_reachable(
    from_status, to_status, consented, senior, lead
):
    """Even with another valid consent on file, and the status forced back open."""
    referral_consent.withdraw_consent(
        consented, consented.consents[0], by=senior, reason="Family moved away"
    )
    assert consented.status is S.WITHDRAWN
    add_consent(consented, ConsentKind.PARENT_CARER, service_today(), by=lead)
    assert ops.has_valid_consent(consented)  # the new one is valid on its own
    consented.status = from_status
    db.session.flush()
    before = history(consented)

    with pytest.raises(ops.ConsentRequired) as refused:
        ops.transition(consented, to_status, by=senior, reason="Family asked again")
    assert refused.value.message == (
        "Consent was withdrawn: no further work can happen on this referral"
    )
    if to_status is S.ACCEPTED:
        with pytest.raises(ops.ConsentRequired):
            ops.triage(consented, S.ACCEPTED, by=senior, reason=None)
    with pytest.raises(ops.ConsentRequired):
        ops.require_valid_consent(consented)
    assert consented.status is from_status
    assert history(consented) == before


def test_a_withdrawn_referral_cannot_be_triaged_even_with_new_consent(consented, senior, lead):
    referral_consent.withdraw_consent(
        consented, consented.consents[0], by=senior, reason="Family moved away"
    )
    with pytest.raises(RuleError):
        referral_consent.record_consent(
            consented,
            referral_consent.ConsentDetails(
                kind=ConsentKind.PARENT_CARER,
                given_by_name="Sam Invented",
                relationship_to_child="Mother",
                given_on=service_today(),
                method=ConsentMethod.PHONE,
            ),
            by=lead,
        )
    with pytest.raises(RuleError):
        ops.triage(consented, S.ACCEPTED, by=senior, reason=None)
    assert consented.status is S.WITHDRAWN


# (kind, age when consent was given, Gillick assessment date and text, withdrawn) and the
# problem consent_problem finds, None when the consent is valid.
ASSESSMENT = "Explained the sessions; she could say what they involve and that she can stop"
CONSENT_CASES = {
    "no consent": (None, None, False, False, "none"),
    "parent for a 5-year-old": (ConsentKind.PARENT_CARER, 5, False, False, None),
    "parent for a 15-year-old": (ConsentKind.PARENT_CARER, 15, False, False, None),
    "parent for a 16-year-old": (
        ConsentKind.PARENT_CARER,
        16,
        False,
        False,
        "The young person was 16: from 16 they consent for themselves",
    ),
    "withdrawn parent consent": (
        ConsentKind.PARENT_CARER,
        10,
        False,
        True,
        "Consent was withdrawn",
    ),
    "young person of 16": (ConsentKind.YOUNG_PERSON, 16, False, False, None),
    "young person of 15": (
        ConsentKind.YOUNG_PERSON,
        15,
        False,
        False,
        "The young person was 15: under 16 a parent or carer consents",
    ),
    "Gillick at 12": (ConsentKind.GILLICK, 12, True, False, None),
    "Gillick at 15": (ConsentKind.GILLICK, 15, True, False, None),
    "Gillick at 11": (
        ConsentKind.GILLICK,
        11,
        True,
        False,
        "The young person was 11: a Gillick assessment is for ages 12 to 15",
    ),
    "Gillick at 16": (
        ConsentKind.GILLICK,
        16,
        True,
        False,
        "The young person was 16: a Gillick assessment is for ages 12 to 15",
    ),
    "Gillick without assessment": (
        ConsentKind.GILLICK,
        13,
        False,
        False,
        "A Gillick competence assessment must be recorded",
    ),
    "Gillick with a date but no notes": (
        ConsentKind.GILLICK,
        13,
        "date only",
        False,
        "A Gillick competence assessment must be recorded",
    ),
    "Gillick with notes but no date": (
        ConsentKind.GILLICK,
        13,
        "notes only",
        False,
        "A Gillick competence assessment must be recorded",
    ),
}


@pytest.mark.parametrize("case", CONSENT_CASES)
def test_require_valid_consent(case, make_referral, active_school, lead, senior):
    kind, age, assessed, withdrawn, problem = CONSENT_CASES[case]
    date_of_birth = date(service_today().year - 17, 3, 10)  # 16 on 10 March last year
    referral = make_referral(active_school, by=lead, child={"date_of_birth": date_of_birth})
    if kind is not None:
        given_on = date_of_birth.replace(year=date_of_birth.year + age)
        consent = add_consent(
            referral,
            kind,
            given_on,
            by=lead,
            assessed_on=given_on if assessed in (True, "date only") else None,
            assessment=ASSESSMENT if assessed in (True, "notes only") else None,
            withdrawn=withdrawn,
        )
        assert ops.consent_problem(consent, referral.child) == problem

    if problem is None:
        ops.require_valid_consent(referral)
        assert ops.has_valid_consent(referral)
        ops.transition(referral, S.READY_FOR_TRIAGE, by=senior)
        assert referral.status is S.READY_FOR_TRIAGE
    else:
        with pytest.raises(ops.ConsentRequired):
            ops.require_valid_consent(referral)
        with pytest.raises(ops.ConsentRequired):
            ops.transition(referral, S.READY_FOR_TRIAGE, by=senior)
        assert referral.status is S.AWAITING_CONSENT


def test_one_valid_consent_is_enough_beside_an_invalid_one(
    make_referral, active_school, lead, senior
):
    referral = make_referral(active_school, by=lead, child={"date_of_birth": born(17)})
    add_consent(referral, ConsentKind.PARENT_CARER, service_today(), by=lead)  # invalid: 17
    add_consent(referral, ConsentKind.YOUNG_PERSON, service_today(), by=lead)
    ops.require_valid_consent(referral)
    ops.transition(referral, S.READY_FOR_TRIAGE, by=senior)
    assert referral.status is S.READY_FOR_TRIAGE


@pytest.mark.parametrize("exit_status", EXITS, ids=ids)
def test_exits_are_never_blocked_by_missing_consent(exit_status, unconsented, senior):
    ops.transition(unconsented, exit_status, by=senior, reason="Better served elsewhere")
    assert unconsented.status is exit_status
    assert history(unconsented)[-1] == (
        S.AWAITING_CONSENT,
        exit_status,
        senior.id,
        "Better served elsewhere",
    )


@pytest.mark.parametrize("decision", [S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED], ids=ids)
def test_triage_can_send_a_child_elsewhere_without_consent(decision, unconsented, senior, service):
    ops.triage(
        unconsented, decision, by=senior, reason="Needs more than we offer", services=[service]
    )
    assert unconsented.status is decision


def test_a_withdrawn_consent_does_not_block_a_signpost(consented, senior, lead, service):
    referral_consent.withdraw_consent(
        consented, consented.consents[0], by=senior, reason="Family moved away"
    )
    consented.status = S.READY_FOR_TRIAGE  # forced back open, as if by a bug elsewhere
    ops.triage(consented, S.SIGNPOSTED, by=senior, reason="Family asked", services=[service])
    assert consented.status is S.SIGNPOSTED


def test_withdrawing_the_referral_needs_no_consent(unconsented, senior):
    ops.withdraw_referral(unconsented, by=senior, reason="The school withdrew the request")
    assert unconsented.status is S.WITHDRAWN
    with pytest.raises(RuleError) as refused:
        ops.withdraw_referral(unconsented, by=senior, reason="Again")
    assert refused.value.field == "status"


# ---- eligibility ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "eligible"), [(4, False), (5, True), (11, True), (18, True), (19, False)]
)
def test_age_range_by_default_is_5_to_18_inclusive(
    age, eligible, make_referral, active_school, lead
):
    referral = make_referral(active_school, by=lead, child={"date_of_birth": born(age)})
    assert referral.eligible is eligible
    if eligible:
        assert referral.ineligible_reason is None
    else:
        assert referral.ineligible_reason == (
            f"Aged {age}: the service is for children aged 5 to 18"
        )


@pytest.mark.parametrize(("age", "eligible"), [(4, False), (5, True), (18, True), (19, False)])
def test_age_boundaries_fall_on_the_birthday(age, eligible, active_school):
    """The day before the 5th (19th) birthday the child is 4 (18); on it, 5 (19)."""
    today = service_today()
    reasons = eligibility.ineligibility_reasons(
        date_of_birth=born(age), school=active_school, in_education=True, on=today
    )
    assert (reasons == []) is eligible
    next_age = eligibility.ineligibility_reasons(
        date_of_birth=born(age, days=1), school=active_school, in_education=True, on=today
    )
    assert (next_age == []) is (age - 1 in range(5, 19))


def test_age_is_taken_on_the_day_the_referral_was_received(make_referral, active_school, lead):
    received = service_today() - timedelta(days=30)
    referral = make_referral(
        active_school,
        by=lead,
        child={"date_of_birth": born(19, days=-10)},  # 19 ten days ago: 18 when received
        received_on=received,
    )
    assert referral.received_on == received
    assert referral.eligible is True


def test_a_service_running_to_25_takes_a_20_year_old(app, make_referral, active_school, lead):
    saved = app.config["SERVICE_MAX_AGE"]
    app.config["SERVICE_MAX_AGE"] = 25
    try:
        assert eligibility.service_age_range() == (5, 25)
        referral = make_referral(active_school, by=lead, child={"date_of_birth": born(20)})
        assert referral.eligible is True
        older = make_referral(active_school, by=lead, child={"date_of_birth": born(26)})
        assert older.ineligible_reason == "Aged 26: the service is for children aged 5 to 25"
    finally:
        app.config["SERVICE_MAX_AGE"] = saved
    assert eligibility.service_age_range() == (5, 18)


@pytest.mark.parametrize(
    "status", [s for s in ParticipationStatus if s is not ParticipationStatus.ACTIVE], ids=ids
)
def test_a_school_that_is_not_active_makes_a_referral_ineligible(
    status, world, make_referral, lead
):
    world.school_a1.participation_status = status
    db.session.commit()
    referral = make_referral(world.school_a1, by=lead)
    assert referral.eligible is False
    assert referral.ineligible_reason == (
        f"School A1 is not an active participating school ({status.label.lower()})"
    )


def test_a_child_not_in_education_is_ineligible(make_referral, active_school, lead):
    referral = make_referral(active_school, by=lead, in_education=False)
    assert referral.eligible is False
    assert referral.ineligible_reason == "Not in education"


def test_every_reason_is_given(make_referral, world, lead):
    referral = make_referral(
        world.school_a1, by=lead, in_education=False, child={"date_of_birth": born(4)}
    )
    assert referral.ineligible_reason == (
        "Aged 4: the service is for children aged 5 to 18; "
        "School A1 is not an active participating school (not participating); "
        "Not in education"
    )


def test_an_ineligible_referral_is_recorded_and_routed_to_signposting(
    make_referral, world, lead, senior, service
):
    referral = make_referral(world.school_a1, by=lead, consent=True)  # school not active
    assert (referral.status, referral.eligible) == (S.READY_FOR_TRIAGE, False)
    assert history(referral)[0][3] == (
        "Referred by: School Mental Health Lead. Not eligible: School A1 is not an active "
        "participating school (not participating)"
    )
    with pytest.raises(RuleError) as refused:
        ops.triage(referral, S.ACCEPTED, by=senior, reason=None)
    assert refused.value.field == "decision"
    assert refused.value.message == (
        "This referral is not eligible (School A1 is not an active participating school "
        "(not participating)): signpost or step up"
    )
    assert referral.status is S.READY_FOR_TRIAGE
    ops.triage(referral, S.SIGNPOSTED, by=senior, reason="Not an MHST school", services=[service])
    assert referral.status is S.SIGNPOSTED


def test_an_ineligible_referral_awaits_consent_like_any_other(make_referral, world, lead):
    referral = make_referral(world.school_a1, by=lead)
    assert (referral.status, referral.eligible) == (S.AWAITING_CONSENT, False)


def test_eligibility_is_checked_again_at_triage(world, senior):
    """Referral A1 was ineligible when made; its school has since gone live."""
    referral = world.referral_a1
    assert referral.eligible is False
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    with pytest.raises(RuleError, match="Review the risk first"):  # its screen was positive
        ops.triage(referral, S.ACCEPTED, by=senior, reason=None)
    ops.review_risk(referral, by=senior, notes="Spoke to the school; safety plan in place.")
    ops.triage(referral, S.ACCEPTED, by=senior, reason=None)
    assert referral.status is S.ACCEPTED


def test_a_school_that_paused_after_referral_cannot_accept(consented, senior, service):
    consented.school.participation_status = ParticipationStatus.PAUSED
    with pytest.raises(RuleError) as refused:
        ops.triage(consented, S.ACCEPTED, by=senior, reason=None)
    assert "(paused)" in refused.value.message
    assert consented.status is S.READY_FOR_TRIAGE


# ---- submission -------------------------------------------------------------------------

SUBMISSION_ERRORS = {
    "no first name": ({"given_name": ""}, {}, "given_name", "Enter the child's first name"),
    "no last name": ({"family_name": ""}, {}, "family_name", "Enter the child's last name"),
    "born tomorrow": (
        {"date_of_birth": service_today() + timedelta(days=1)},
        {},
        "date_of_birth",
        "Date of birth must be in the past",
    ),
    "aged 30": (
        {"date_of_birth": born(30)},
        {},
        "date_of_birth",
        "Date of birth must be within the last 30 years: check the year",
    ),
    "aged 200": (
        {"date_of_birth": born(200)},
        {},
        "date_of_birth",
        "Date of birth must be within the last 30 years: check the year",
    ),
    "wrong check digit": (
        {"nhs_number": "943 476 5918"},
        {},
        "nhs_number",
        "Enter a valid NHS number: check it against a letter or the NHS App",
    ),
    "letters in the NHS number": (
        {"nhs_number": "943476591A"},
        {},
        "nhs_number",
        "NHS number must only include numbers",
    ),
    "nine-digit NHS number": (
        {"nhs_number": "943476591"},
        {},
        "nhs_number",
        "NHS number must be 10 numbers",
    ),
    "no parent under 16": (
        {"parent_carer_name": None, "parent_carer_phone": None},
        {},
        "parent_carer_name",
        "Enter a parent or carer's name and a phone number or email: the team needs "
        "their consent for a child under 16",
    ),
    "parent named but no phone or email": (
        {"parent_carer_phone": "", "parent_carer_email": ""},
        {},
        "parent_carer_phone",
        "Enter a parent or carer's name and a phone number or email: the team needs "
        "their consent for a child under 16",
    ),
    "no parent the day before the 16th birthday": (
        {"date_of_birth": born(16, days=1), "parent_carer_name": None, "parent_carer_phone": None},
        {},
        "parent_carer_name",
        "Enter a parent or carer's name and a phone number or email: the team needs "
        "their consent for a child under 16",
    ),
    "first name over 100 characters": (
        {"given_name": "A" * 101},
        {},
        "given_name",
        "Enter 100 characters or fewer",
    ),
    "parent's email over 254 characters": (
        {"parent_carer_email": "a" * 250 + "@x.example"},
        {},
        "parent_carer_email",
        "Enter 254 characters or fewer",
    ),
    "no needs": ({}, {"needs": []}, "needs", "Select what the child needs help with"),
    "other need not described": (
        {},
        {"needs": [Need.WORRY, Need.OTHER], "need_other": ""},
        "need_other",
        "Describe the other need",
    ),
    "other need over 500 characters": (
        {},
        {"needs": [Need.OTHER], "need_other": "x" * 501},
        "need_other",
        "Enter 500 characters or fewer",
    ),
    "nothing noticed": ({}, {"needs_detail": ""}, "needs_detail", "Describe what you have noticed"),
    "nothing tried": (
        {},
        {"already_tried": ""},
        "already_tried",
        "Enter what has been tried already, or 'nothing yet'",
    ),
    "school did not discuss": (
        {},
        {"discussed_with_team": False},
        "discussed_with_team",
        "Discuss the child with the Mental Health Support Team before you refer",
    ),
    "GP referral without a referrer": (
        {},
        {"source": ReferralSource.GP, "referrer_name": ""},
        "referrer_name",
        "Enter who made the referral",
    ),
    "self-referral without a referrer": (
        {},
        {"source": ReferralSource.SELF_REFERRAL_ONLINE, "referrer_name": None},
        "referrer_name",
        "Enter who made the referral",
    ),
    "received tomorrow": (
        {},
        {"received_on": service_today() + timedelta(days=1)},
        "received_on",
        "The date the referral was received must not be in the future",
    ),
    "needs detail over 5000": (
        {},
        {"needs_detail": "x" * 5001},
        "needs_detail",
        "Enter 5000 characters or fewer",
    ),
    "already tried over 5000": (
        {},
        {"already_tried": "x" * 5001},
        "already_tried",
        "Enter 5000 characters or fewer",
    ),
    "risk detail over 5000": (
        {},
        {"risks": [RiskItem.SELF_HARM], "risk_detail": "x" * 5001},
        "risk_detail",
        "Enter 5000 characters or fewer",
    ),
    "referrer over 200 characters": (
        {},
        {"source": ReferralSource.PARENT_CARER, "referrer_name": "x" * 201},
        "referrer_name",
        "Enter 200 characters or fewer",
    ),
}


@pytest.mark.parametrize("case", SUBMISSION_ERRORS)
def test_a_refused_submission_says_why_and_saves_nothing(case, world, lead):
    child_changes, referral_changes, field, message = SUBMISSION_ERRORS[case]
    before = [count(model) for model in (Child, Referral, ReferralEvent, AuditEvent)]
    with pytest.raises(RuleError) as refused:
        referral_submission.submit_referral(
            world.school_a1,
            child_details(**child_changes),
            referral_details(**referral_changes),
            by=lead,
        )
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not db.session.new
    assert [count(model) for model in (Child, Referral, ReferralEvent, AuditEvent)] == before


@pytest.mark.parametrize(
    ("child_changes", "referral_changes"),
    [
        ({"date_of_birth": born(16), "parent_carer_name": None, "parent_carer_phone": None}, {}),
        ({"parent_carer_phone": None, "parent_carer_email": "sam@invented.example"}, {}),
        ({"date_of_birth": born(29)}, {}),
        ({"date_of_birth": service_today()}, {}),
        ({"nhs_number": "9434765919"}, {}),
        ({}, {"source": ReferralSource.GP, "referrer_name": "Dr Invented"}),
        (
            {},
            {
                "source": ReferralSource.PARENT_CARER,
                "referrer_name": "Sam Invented",
                "discussed_with_team": False,
            },
        ),
        ({}, {"needs_detail": "x" * 5000, "received_on": service_today()}),
        ({"given_name": "A" * 100}, {"needs": [Need.OTHER], "need_other": "x" * 500}),
    ],
    ids=[
        "16 without a parent",
        "parent by email",
        "aged 29",
        "born today",
        "valid NHS number",
        "GP with a referrer",
        "parent referral not discussed",
        "5000 characters",
        "longest name and other need",
    ],
)
def test_what_the_rules_allow_is_recorded(child_changes, referral_changes, world, lead):
    referral = referral_submission.submit_referral(
        world.school_a1,
        child_details(**child_changes),
        referral_details(**referral_changes),
        by=lead,
    )
    db.session.commit()
    assert referral.id is not None
    assert referral.status is S.AWAITING_CONSENT


def test_a_submission_is_recorded_with_its_history_and_audit(world, lead):
    started = datetime.now(UTC)
    referral = referral_submission.submit_referral(
        world.school_a1,
        child_details(nhs_number="943-476-5919", parent_carer_email=""),
        referral_details(
            needs=[Need.WORRY, Need.LOW_MOOD, Need.WORRY],
            need_other="Ignored: other was not ticked",
            risk_detail="",
        ),
        by=lead,
    )
    db.session.commit()
    db.session.expire_all()

    assert referral.status is S.AWAITING_CONSENT
    assert referral.received_on == service_today()
    assert started <= referral.submitted_at <= datetime.now(UTC)
    assert referral.submitted_by_id == lead.id
    assert referral.needs == [Need.LOW_MOOD, Need.WORRY]
    assert referral.need_other is None
    assert referral.risk_detail is None
    assert referral.high_risk is False
    assert referral.child.nhs_number == "9434765919"
    assert referral.child.formatted_nhs_number == "943 476 5919"
    assert referral.child.parent_carer_email is None
    assert referral.child.school_id == world.school_a1.id
    assert history(referral) == [
        (
            None,
            S.SUBMITTED,
            lead.id,
            "Referred by: School Mental Health Lead. Not eligible: "
            "School A1 is not an active participating school (not participating)",
        ),
        (S.SUBMITTED, S.AWAITING_CONSENT, lead.id, "No consent recorded yet"),
    ]
    assert audit_trail("referral", referral.id) == [
        (AuditAction.CREATE, None, lead.id),
        (AuditAction.UPDATE, "status: awaiting_consent", lead.id),
    ]


@pytest.mark.parametrize(
    "risks",
    [[], *([risk] for risk in RiskItem), list(RiskItem)],
    ids=lambda risks: "+".join(r.value for r in risks) or "none",
)
def test_any_risk_ticked_flags_the_referral(risks, active_school, lead):
    referral = referral_submission.submit_referral(
        active_school, child_details(), referral_details(risks=[*risks, *risks]), by=lead
    )
    db.session.commit()
    assert referral.high_risk is bool(risks)
    assert referral.awaiting_risk_review is bool(risks)
    assert referral.risks == list(risks)
    note = history(referral)[0][3]
    assert ("Risk screen positive: same-day senior review" in note) is bool(risks)


@pytest.mark.parametrize("typed", ["", "   ", " - ", None])
def test_an_nhs_number_of_only_spaces_or_dashes_is_not_given(typed, world, lead):
    referral = referral_submission.submit_referral(
        world.school_a1, child_details(nhs_number=typed), referral_details(), by=lead
    )
    db.session.commit()
    assert referral.child.nhs_number is None


def test_a_referral_from_another_source_keeps_the_referrer(active_school, world):
    emhp = world.users[Role.EMHP]
    referral = referral_submission.submit_referral(
        active_school,
        child_details(),
        referral_details(
            source=ReferralSource.SCHOOL_NURSE,
            referrer_name="Jo Invented",
            referrer_contact="jo@invented.example",
            received_on=service_today() - timedelta(days=3),
        ),
        by=emhp,
    )
    assert (referral.referrer_name, referral.referrer_contact) == (
        "Jo Invented",
        "jo@invented.example",
    )
    assert referral.received_on == service_today() - timedelta(days=3)
    assert history(referral)[0][3] == "Referred by: School nurse"


# ---- risk review ------------------------------------------------------------------------


def test_a_risk_review_is_recorded_once(world, senior):
    referral = world.referral_a1
    assert referral.awaiting_risk_review
    started = datetime.now(UTC)
    ops.review_risk(referral, by=senior, notes="  Spoke to mum; safety plan in place  ")
    db.session.commit()
    assert started <= referral.risk_reviewed_at <= datetime.now(UTC)
    assert referral.risk_reviewed_by_id == senior.id
    assert referral.risk_review_notes == "Spoke to mum; safety plan in place"
    assert not referral.awaiting_risk_review
    assert audit_trail("referral", referral.id)[-1] == (
        AuditAction.UPDATE,
        "risk reviewed",
        senior.id,
    )
    with pytest.raises(RuleError) as refused:
        ops.review_risk(referral, by=senior, notes="Again")
    assert (refused.value.field, refused.value.message) == (
        "notes",
        f"The risk on this referral has already been reviewed (by {senior.full_name} "
        f"{when(referral.risk_reviewed_at)}), so nothing was saved",
    )
    assert referral.risk_review_notes == "Spoke to mum; safety plan in place"


def test_a_referral_without_risk_has_nothing_to_review(consented, senior):
    with pytest.raises(RuleError) as refused:
        ops.review_risk(consented, by=senior, notes="Checked")
    assert (refused.value.field, refused.value.message) == (
        "notes",
        "This referral's risk screen did not flag any risk",
    )
    assert consented.risk_reviewed_at is None


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        (None, "Enter what you found and what you did"),
        ("", "Enter what you found and what you did"),
        ("   ", "Enter what you found and what you did"),
        ("x" * 5001, "Enter 5000 characters or fewer"),
    ],
    ids=["none", "empty", "spaces", "too long"],
)
def test_a_risk_review_needs_notes(notes, message, world, senior):
    with pytest.raises(RuleError) as refused:
        ops.review_risk(world.referral_a1, by=senior, notes=notes)
    assert (refused.value.field, refused.value.message) == ("notes", message)
    assert world.referral_a1.risk_reviewed_at is None
    assert world.referral_a1.risk_reviewed_by_id is None


# ---- triage -----------------------------------------------------------------------------


def signposts(referral) -> list[tuple]:
    rows = db.session.scalars(
        select(ReferralSignpost)
        .where(ReferralSignpost.referral_id == referral.id)
        .order_by(ReferralSignpost.id)
    )
    return [(row.event_id, row.service_id) for row in rows]


def test_accepting_puts_the_referral_on_the_waiting_list(consented, senior):
    event = ops.triage(consented, S.ACCEPTED, by=senior, reason=None, services=[make_service()])
    db.session.commit()
    assert consented.status is S.ACCEPTED
    assert consented.accepted_on == service_today()
    assert (event.from_status, event.to_status, event.by_user_id) == (
        S.READY_FOR_TRIAGE,
        S.ACCEPTED,
        senior.id,
    )
    assert signposts(consented) == []  # services are for signposting only


@pytest.mark.parametrize("decision", [S.SIGNPOSTED, S.STEPPED_UP], ids=ids)
def test_signposting_and_stepping_up_name_services(decision, consented, senior):
    first, second = make_service("Invented Talking"), make_service("Invented Crisis")
    event = ops.triage(
        consented,
        decision,
        by=senior,
        reason="Needs specialist help",
        services=[first, second, first],
    )
    db.session.commit()
    assert consented.status is decision
    assert consented.closed_on == service_today()
    assert history(consented)[-1] == (
        S.READY_FOR_TRIAGE,
        decision,
        senior.id,
        "Needs specialist help",
    )
    assert signposts(consented) == [(event.id, first.id), (event.id, second.id)]
    assert [s.service for s in consented.signposts] == [first, second]


@pytest.mark.parametrize("decision", [S.SIGNPOSTED, S.STEPPED_UP], ids=ids)
def test_signposting_and_stepping_up_need_a_service(decision, consented, senior):
    with pytest.raises(RuleError) as refused:
        ops.triage(consented, decision, by=senior, reason="Needs specialist help", services=[])
    assert (refused.value.field, refused.value.message) == (
        "services",
        "Select at least one service from the directory",
    )
    assert consented.status is S.READY_FOR_TRIAGE
    assert signposts(consented) == []


@pytest.mark.parametrize("decision", [S.SIGNPOSTED, S.STEPPED_UP, S.NOT_ACCEPTED], ids=ids)
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_sending_a_child_elsewhere_needs_a_reason(decision, reason, consented, senior, service):
    with pytest.raises(RuleError) as refused:
        ops.triage(consented, decision, by=senior, reason=reason, services=[service])
    assert (refused.value.field, refused.value.message) == ("reason", "Enter the reason")
    db.session.flush()
    assert consented.status is S.READY_FOR_TRIAGE
    assert signposts(consented) == []
    assert len(history(consented)) == 3


def test_not_accepting_needs_no_service(consented, senior, service):
    ops.triage(consented, S.NOT_ACCEPTED, by=senior, reason="No need found", services=[service])
    assert consented.status is S.NOT_ACCEPTED
    assert signposts(consented) == []


@pytest.mark.parametrize(
    "decision",
    [s for s in S if s not in ops.TRIAGE_DECISIONS] + ["allocated", "anything", None],
    ids=str,
)
def test_an_unknown_triage_decision_is_refused(decision, consented, senior, service):
    with pytest.raises(RuleError) as refused:
        ops.triage(consented, decision, by=senior, reason="Because", services=[service])
    assert (refused.value.field, refused.value.message) == (
        "decision",
        "Select a decision from the list",
    )
    assert consented.status is S.READY_FOR_TRIAGE


def test_a_decision_given_as_plain_text_meets_the_same_checks(world, make_referral, senior):
    """A form may pass the decision's value rather than the enum member."""
    unconsented = make_referral(world.school_a2, by=world.users[Role.EMHP])
    with pytest.raises(ops.ConsentRequired):
        ops.triage(unconsented, "accepted", by=senior, reason=None)
    with pytest.raises(ops.ConsentRequired):
        ops.transition(unconsented, "ready_for_triage", by=senior)
    with pytest.raises(RuleError) as refused:  # referral A1's school is not active
        ops.triage(world.referral_a1, "accepted", by=senior, reason=None)
    assert refused.value.field == "decision"
    assert world.referral_a1.status is S.READY_FOR_TRIAGE
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    ops.review_risk(world.referral_a1, by=senior, notes="Safety plan agreed with the school.")
    ops.triage(world.referral_a1, "accepted", by=senior, reason=None)
    assert world.referral_a1.status is S.ACCEPTED
    assert world.referral_a1.accepted_on == service_today()
    assert history(world.referral_a1)[-1][1] is S.ACCEPTED
    ops.transition(world.referral_a1, "withdrawn", by=senior, reason="Family said no")
    assert world.referral_a1.status is S.WITHDRAWN
    assert world.referral_a1.closed_on == service_today()


@pytest.mark.parametrize("to_status", ["nonsense", "", None])
def test_an_unknown_status_is_refused(to_status, consented, senior):
    with pytest.raises(RuleError) as refused:
        ops.transition(consented, to_status, by=senior, reason="Because")
    assert (refused.value.field, refused.value.message) == (
        "status",
        "Select a status from the list",
    )
    assert consented.status is S.READY_FOR_TRIAGE


def test_triage_follows_the_state_machine(consented, senior, service):
    ops.triage(consented, S.ACCEPTED, by=senior, reason=None)
    with pytest.raises(RuleError) as refused:
        ops.triage(consented, S.ACCEPTED, by=senior, reason=None)
    assert refused.value.message == (
        "A referral that is accepted (waiting list) cannot be moved to accepted (waiting list)"
    )
    with pytest.raises(RuleError):
        ops.triage(consented, S.NOT_ACCEPTED, by=senior, reason="Changed our minds")
    ops.triage(consented, S.STEPPED_UP, by=senior, reason="Worse", services=[service])
    assert consented.status is S.STEPPED_UP


# ---- the directory at triage ------------------------------------------------------------


@pytest.mark.parametrize(
    ("risks", "concerns"),
    [
        ((), [Concern.GENERAL_MENTAL_HEALTH]),
        ((RiskItem.SAFEGUARDING_CONCERN,), [Concern.GENERAL_MENTAL_HEALTH]),
        (
            (RiskItem.SELF_HARM, RiskItem.THOUGHTS_OF_SUICIDE),
            [Concern.GENERAL_MENTAL_HEALTH, Concern.SELF_HARM],
        ),
        (
            (RiskItem.EATING_DIFFICULTIES,),
            [Concern.GENERAL_MENTAL_HEALTH, Concern.EATING_DISORDERS],
        ),
        (
            (RiskItem.UNUSUAL_EXPERIENCES, RiskItem.SUBSTANCE_USE),
            [Concern.GENERAL_MENTAL_HEALTH, Concern.PSYCHOSIS, Concern.SUBSTANCE_MISUSE],
        ),
    ],
    ids=["none", "safeguarding", "self-harm and suicide", "eating", "voices and drugs"],
)
def test_concerns_for_a_referral(risks, concerns, make_referral, active_school, lead):
    referral = make_referral(active_school, by=lead, risks=risks)
    assert signposting.concerns_for(referral) == concerns


@pytest.mark.parametrize(
    ("area_name", "key"),
    [
        ("Leicester City", "city"),
        ("leicester city", "city"),
        ("Rutland", "rutland"),
        ("North West Leicestershire", "county"),
        ("Leicestershire County", "county"),
        ("Somewhere", None),
        ("", None),
    ],
)
def test_directory_area(area_name, key):
    assert signposting.directory_area(area_name) == key


@pytest.fixture
def city_school(make_area, make_team, make_school):
    school = make_school(
        "Invented City Academy", make_team("City team", make_area("Leicester City"))
    )
    school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return school


def test_proposed_services_fit_age_area_and_needs_most_specific_first(
    city_school, make_referral, world
):
    emhp = world.users[Role.EMHP]
    general = make_service("General city", areas=("city",))
    self_harm = make_service(
        "Self-harm city and county",
        areas=("city", "county"),
        min_age=11,
        max_age=18,
        concerns=(Concern.GENERAL_MENTAL_HEALTH, Concern.SELF_HARM),
    )
    make_service("County only", areas=("county",))
    make_service("Too old for a 12-year-old", min_age=16, max_age=25)
    make_service("Adults", table=DirectoryTable.ADULT, min_age=18, max_age=65)
    make_service("Eating only", concerns=(Concern.EATING_DISORDERS,))
    make_service("No ages at all", min_age=None, max_age=None)

    today = service_today()
    worried = make_referral(city_school, by=emhp, child={"date_of_birth": born(12)})
    assert signposting.proposed_services(worried, today=today) == [general, self_harm]
    harming = make_referral(
        city_school, by=emhp, risks=(RiskItem.SELF_HARM,), child={"date_of_birth": born(12)}
    )
    assert signposting.proposed_services(harming, today=today) == [self_harm, general]
    # Age is taken on the day given: ten years on she is 22, past every children's service
    # but the one up to 25, and old enough for the adult table.
    later = today + timedelta(days=3653)
    assert [s.name for s in signposting.proposed_services(worried, today=later)] == [
        "Too old for a 12-year-old",
        "Adults",
    ]


def test_an_area_the_directory_cannot_place_matches_every_area(world, make_referral):
    """School A1's area is "North Area": every area's services fit."""
    city = make_service("City", areas=("city",))
    county = make_service("County", areas=("county",))
    referral = make_referral(world.school_a1, by=world.users[Role.EMHP])
    assert set(signposting.proposed_services(referral)) == {city, county}


# ---- who sees which referrals (queries.py) ----------------------------------------------


@pytest.fixture
def spread(world, make_referral):
    """Referrals across the service: A1's own (world), a self-referral of an A1 pupil,
    one from school A2 and one from school B1."""
    emhp = world.users[Role.EMHP]
    return {
        "a1 school": world.referral_a1,
        "a1 self-referral": make_referral(
            world.school_a1, by=emhp, source=ReferralSource.SELF_REFERRAL_ONLINE
        ),
        "a2 school": make_referral(world.school_a2, by=emhp),
        "b1 school": make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD]),
        "a2 case": world.case_a1,  # allocated to the EMHP
    }


SCOPES = {
    Role.SCHOOL_MENTAL_HEALTH_LEAD: {"a1 school"},
    Role.EMHP: {"a1 school", "a1 self-referral", "a2 school", "a2 case"},
    Role.SENIOR_CLINICIAN: {"a1 school", "a1 self-referral", "a2 school", "a2 case"},
    Role.CLINICAL_LEAD: {"a1 school", "a1 self-referral", "a2 school", "a2 case", "b1 school"},
    Role.ADMINISTRATOR: set(),
    Role.COMMISSIONER: set(),
}


@pytest.mark.parametrize("role", list(Role), ids=ids)
def test_referral_scope_for_each_role(role, world, spread):
    user = world.users[role]
    visible = set(db.session.scalars(select(Referral.id).where(scoping.scope(user, Referral))))
    assert visible == {spread[name].id for name in SCOPES[role]}
    for name, referral in spread.items():
        if name in SCOPES[role]:
            assert scoping.get_or_404(user, Referral, referral.id) is referral
        else:
            with pytest.raises(NotFound):
                scoping.get_or_404(user, Referral, referral.id)


def test_staff_without_a_team_see_no_referrals(world, spread, make_user):
    loner = make_user(Role.EMHP)
    assert db.session.scalars(select(Referral.id).where(scoping.scope(loner, Referral))).all() == []


def test_every_read_through_the_scope_is_audited(world, spread):
    emhp = world.users[Role.EMHP]
    referral = spread["a2 school"]
    before = audit_trail("referral", referral.id)
    scoping.get_or_404(emhp, Referral, referral.id)
    scoping.get_or_404(emhp, Referral, referral.id, audit=False)
    db.session.commit()
    assert audit_trail("referral", referral.id) == [*before, (AuditAction.READ, None, emhp.id)]
    with pytest.raises(NotFound):
        scoping.get_or_404(emhp, Referral, spread["b1 school"].id)
    with pytest.raises(NotFound):
        scoping.get_or_404(emhp, Referral, 999_999)
    queries.audit_listed(emhp, [spread["a1 school"], referral])
    db.session.commit()
    assert audit_trail("referral", referral.id)[-1] == (AuditAction.READ, None, emhp.id)


def test_the_triage_queue_puts_unreviewed_risk_first_then_ready_then_oldest(
    world, make_referral, senior, service
):
    today = service_today()
    a1, emhp = world.school_a1, world.users[Role.EMHP]

    def received(days, **kwargs):
        return make_referral(a1, by=emhp, received_on=today - timedelta(days=days), **kwargs)

    old_awaiting = received(10)
    new_ready = received(1, consent=True)
    old_ready = received(5, consent=True)
    risk_awaiting = received(2, risks=(RiskItem.SUBSTANCE_USE,))
    risk_reviewed = received(20, consent=True, risks=(RiskItem.SELF_HARM,))
    ops.review_risk(risk_reviewed, by=senior, notes="Low risk on review")
    signposted = received(30, consent=True)
    ops.triage(signposted, S.SIGNPOSTED, by=senior, reason="Elsewhere", services=[service])
    withdrawn = received(30)
    ops.withdraw_referral(withdrawn, by=senior, reason="Family said no")
    make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD], risks=(RiskItem.SELF_HARM,))
    db.session.commit()

    assert queries.triage_queue(senior) == [
        world.referral_a1,  # unreviewed risk, ready for triage, received today
        risk_awaiting,  # unreviewed risk, awaiting consent
        risk_reviewed,  # ready for triage, oldest first
        old_ready,
        new_ready,
        old_awaiting,  # awaiting consent
    ]
    assert queries.triage_queue(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]) == [
        world.referral_a1,
        risk_awaiting,
        risk_reviewed,
        old_ready,
        new_ready,
        old_awaiting,
    ]  # all made as school referrals of the lead's school
    assert len(queries.triage_queue(world.users[Role.CLINICAL_LEAD])) == 7
    assert queries.triage_queue(world.users[Role.ADMINISTRATOR]) == []


@pytest.fixture
def waiting(world, make_referral):
    """Accepted referrals in team A (schools A1 and A2) and one in team B."""
    today = service_today()
    emhp = world.users[Role.EMHP]

    def accepted(school, days, family_name, accepted_days_ago):
        referral = make_referral(
            school,
            by=emhp,
            consent=True,
            received_on=today - timedelta(days=days),
            child={"family_name": family_name},
        )
        referral.status = S.ACCEPTED
        referral.accepted_on = today - timedelta(days=accepted_days_ago)
        return referral

    entries = {
        "a1 27 days": accepted(world.school_a1, 27, "Brown", 3),
        "a2 28 days": accepted(world.school_a2, 28, "Adams", 20),
        "a1 40 days": accepted(world.school_a1, 40, "Cole", 1),
        "b1 50 days": accepted(world.school_b1, 50, "Dane", 30),
    }
    make_referral(world.school_a1, by=emhp, consent=True)  # ready for triage: not waiting
    db.session.commit()
    return entries


def first_waiting_page(user, **filters) -> list[queries.WaitingEntry]:
    """The waiting list's first page (50 entries: every one these tests make)."""
    return queries.waiting_list(user, {}, **filters)[1]


def test_the_waiting_list_counts_days_since_referral(world, waiting, senior):
    today = service_today()
    entries = first_waiting_page(senior, today=today)
    assert [(e.referral, e.days_waiting, e.past_four_weeks) for e in entries] == [
        (waiting["a1 40 days"], 40, True),
        (waiting["a2 28 days"], 28, True),
        (waiting["a1 27 days"], 27, False),
    ]
    assert entries[2].four_week_date == today + timedelta(days=1)
    assert [e.days_waiting for e in first_waiting_page(senior, today=today + timedelta(1))] == [
        41,
        29,
        28,
    ]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("days", ["a1 40 days", "a2 28 days", "a1 27 days"]),
        ("school", ["a1 40 days", "a1 27 days", "a2 28 days"]),
        ("name", ["a2 28 days", "a1 27 days", "a1 40 days"]),
        ("accepted", ["a2 28 days", "a1 27 days", "a1 40 days"]),
        ("nonsense", ["a1 40 days", "a2 28 days", "a1 27 days"]),
    ],
)
def test_the_waiting_list_sorts(sort, order, waiting, senior):
    entries = first_waiting_page(senior, sort=sort)
    assert [e.referral for e in entries] == [waiting[name] for name in order]


def test_the_waiting_list_per_team_and_per_role(world, waiting):
    clinical_lead = world.users[Role.CLINICAL_LEAD]
    assert len(first_waiting_page(clinical_lead)) == 4
    team_a = first_waiting_page(clinical_lead, team_id=world.team_a.id)
    assert {e.referral for e in team_a} == {
        waiting["a1 27 days"],
        waiting["a2 28 days"],
        waiting["a1 40 days"],
    }
    team_b = first_waiting_page(clinical_lead, team_id=world.team_b.id)
    assert [e.referral for e in team_b] == [waiting["b1 50 days"]]
    # A senior clinician of team A asking for team B's list still sees only their own.
    assert first_waiting_page(world.users[Role.SENIOR_CLINICIAN], team_id=world.team_b.id) == []
    lead_list = first_waiting_page(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD])
    assert {e.referral for e in lead_list} == {waiting["a1 27 days"], waiting["a1 40 days"]}
    assert first_waiting_page(world.users[Role.ADMINISTRATOR]) == []
