"""Consent's own rules (mhst/referrals/consent.py, and the gate in operations.py): ages on
the day consent was given, recording consent and what it unlocks, and withdrawal, which
stops everything.

The gate these rules feed (no move to triage or beyond without valid consent) is tested
in tests/test_referral_operations.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import eligibility
from mhst.referrals import operations as ops
from mhst.referrals.locks import when
from mhst.referrals.models import (
    CLOSED_STATUSES,
    Consent,
    ConsentKind,
    ConsentMethod,
    ReferralEvent,
    ReferralStatus,
)
from mhst.schools.models import ParticipationStatus

S = ReferralStatus
OPEN_STATUSES = [status for status in S if status not in CLOSED_STATUSES]
ASSESSMENT = "Explained the sessions; she could say what they involve and that she can stop"


def ids(value) -> str:
    return value.value if isinstance(value, S) else str(value)


def details(
    kind: ConsentKind = ConsentKind.PARENT_CARER, **overrides
) -> referral_consent.ConsentDetails:
    values = {
        "kind": kind,
        "given_by_name": "Sam Invented" if kind is ConsentKind.PARENT_CARER else "Alex Invented",
        "relationship_to_child": "Mother" if kind is ConsentKind.PARENT_CARER else None,
        "given_on": service_today(),
        "method": ConsentMethod.IN_WRITING,
    }
    if kind is ConsentKind.GILLICK:
        values |= {"gillick_assessed_on": service_today(), "gillick_assessment": ASSESSMENT}
    return referral_consent.ConsentDetails(**{**values, **overrides})


def history(referral) -> list[tuple]:
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


def consent_rows(referral) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Consent).where(Consent.referral_id == referral.id)
    )


def last_leap_year_before(year: int) -> int:
    while not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        year -= 1
    return year


@pytest.fixture
def lead(world):
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def senior(world):
    """Withdraws consent: a senior clinician of the team (nobody holds these cases)."""
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def school(world):
    world.school_a1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return world.school_a1


@pytest.fixture
def referral(make_referral, school, lead):
    """An eligible referral of a 12-year-old, awaiting consent."""
    return make_referral(school, by=lead)


def referral_of_child_born(make_referral, school, by, date_of_birth):
    return make_referral(school, by=by, child={"date_of_birth": date_of_birth})


# ---- ages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2010, 6, 15), date(2026, 6, 14), 15),
        (date(2010, 6, 15), date(2026, 6, 15), 16),
        (date(2010, 6, 15), date(2026, 6, 16), 16),
        (date(2010, 12, 31), date(2026, 1, 1), 15),
        (date(2010, 1, 1), date(2025, 12, 31), 15),
        (date(2010, 6, 15), date(2010, 6, 15), 0),
        # 29 February: in a year without one, the birthday counts from 1 March.
        (date(2012, 2, 29), date(2028, 2, 28), 15),
        (date(2012, 2, 29), date(2028, 2, 29), 16),
        (date(2012, 2, 29), date(2027, 2, 28), 14),
        (date(2012, 2, 29), date(2027, 3, 1), 15),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_on(born, on, age):
    assert eligibility.age_on(born, on) == age


@pytest.fixture
def sixteenth(make_referral, school, emhp):
    """A referral of a child whose 16th birthday was 10 March last year (17 or 16 now)."""
    birthday = date(service_today().year - 1, 3, 10)
    born = birthday.replace(year=birthday.year - 16)
    return referral_of_child_born(make_referral, school, emhp, born), birthday


@pytest.mark.parametrize(
    ("kind", "days_from_birthday", "problem"),
    [
        (ConsentKind.PARENT_CARER, -1, None),
        (
            ConsentKind.PARENT_CARER,
            0,
            "The young person was 16: from 16 they consent for themselves",
        ),
        (
            ConsentKind.PARENT_CARER,
            1,
            "The young person was 16: from 16 they consent for themselves",
        ),
        (
            ConsentKind.YOUNG_PERSON,
            -1,
            "The young person was 15: under 16 a parent or carer consents",
        ),
        (ConsentKind.YOUNG_PERSON, 0, None),
        (ConsentKind.YOUNG_PERSON, 1, None),
        (ConsentKind.GILLICK, -1, None),
        (
            ConsentKind.GILLICK,
            0,
            "The young person was 16: a Gillick assessment is for ages 12 to 15",
        ),
    ],
    ids=lambda value: (
        "valid" if value is None else str(value) if len(str(value)) < 20 else "refused"
    ),
)
def test_who_consents_depends_on_the_age_on_the_day_consent_was_given(
    kind, days_from_birthday, problem, sixteenth, emhp
):
    referral, birthday = sixteenth
    given_on = birthday + timedelta(days=days_from_birthday)
    consent_details = details(kind, given_on=given_on, gillick_assessed_on=given_on)
    if problem is None:
        consent = referral_consent.record_consent(referral, consent_details, by=emhp)
        assert consent.given_on == given_on
        assert referral.status is S.READY_FOR_TRIAGE
    else:
        with pytest.raises(RuleError) as refused:
            referral_consent.record_consent(referral, consent_details, by=emhp)
        assert (refused.value.field, refused.value.message) == ("kind", problem)
        assert referral.status is S.AWAITING_CONSENT
        assert consent_rows(referral) == 0


def test_a_parents_consent_given_at_15_stays_valid_after_the_16th_birthday(sixteenth, emhp):
    referral, birthday = sixteenth
    referral_consent.record_consent(
        referral, details(given_on=birthday - timedelta(days=1)), by=emhp
    )
    assert eligibility.age_on(referral.child.date_of_birth, service_today()) >= 16
    ops.require_valid_consent(referral)


@pytest.mark.parametrize(("days_from_birthday", "allowed"), [(-1, False), (0, True), (1, True)])
def test_gillick_starts_on_the_12th_birthday(
    days_from_birthday, allowed, make_referral, school, emhp
):
    birthday = date(service_today().year - 1, 3, 10)
    referral = referral_of_child_born(
        make_referral, school, emhp, birthday.replace(year=birthday.year - 12)
    )
    given_on = birthday + timedelta(days=days_from_birthday)
    consent_details = details(ConsentKind.GILLICK, given_on=given_on, gillick_assessed_on=given_on)
    if allowed:
        referral_consent.record_consent(referral, consent_details, by=emhp)
        assert referral.status is S.READY_FOR_TRIAGE
    else:
        with pytest.raises(RuleError) as refused:
            referral_consent.record_consent(referral, consent_details, by=emhp)
        assert refused.value.message == (
            "The young person was 11: a Gillick assessment is for ages 12 to 15"
        )


@pytest.mark.parametrize(
    ("given_on", "kind", "allowed"),
    [
        ("28 February", ConsentKind.PARENT_CARER, True),
        ("28 February", ConsentKind.YOUNG_PERSON, False),
        ("29 February", ConsentKind.PARENT_CARER, False),
        ("29 February", ConsentKind.YOUNG_PERSON, True),
    ],
    ids=str,
)
def test_a_leap_day_child_turns_16_on_29_february(
    given_on, kind, allowed, make_referral, school, emhp
):
    year = last_leap_year_before(service_today().year - 17)  # 16 in a leap year too
    referral = referral_of_child_born(make_referral, school, emhp, date(year, 2, 29))
    day = date(year + 16, 2, 28 if given_on == "28 February" else 29)
    if allowed:
        referral_consent.record_consent(referral, details(kind, given_on=day), by=emhp)
        assert ops.has_valid_consent(referral)
    else:
        with pytest.raises(RuleError):
            referral_consent.record_consent(referral, details(kind, given_on=day), by=emhp)
        assert not ops.has_valid_consent(referral)


# ---- recording consent ------------------------------------------------------------------

TOMORROW = service_today() + timedelta(days=1)
RECORD_ERRORS = {
    "no name": (
        details(given_by_name=""),
        "given_by_name",
        "Enter the name of the person who gave consent",
    ),
    "parent without relationship": (
        details(relationship_to_child=""),
        "relationship_to_child",
        "Enter their relationship to the child",
    ),
    "parent with relationship None": (
        details(relationship_to_child=None),
        "relationship_to_child",
        "Enter their relationship to the child",
    ),
    "given tomorrow": (
        details(given_on=TOMORROW),
        "given_on",
        "The date consent was given must not be in the future",
    ),
    "given before birth": (
        details(given_on=date(2000, 1, 1)),
        "given_on",
        "The date consent was given must be after the child's birth",
    ),
    "Gillick without a date": (
        details(ConsentKind.GILLICK, gillick_assessed_on=None),
        "gillick_assessed_on",
        "Enter the date of the Gillick assessment",
    ),
    "Gillick assessed tomorrow": (
        details(ConsentKind.GILLICK, gillick_assessed_on=TOMORROW),
        "gillick_assessed_on",
        "The date of the Gillick assessment must not be in the future",
    ),
    "Gillick without an assessment": (
        details(ConsentKind.GILLICK, gillick_assessment=""),
        "gillick_assessment",
        "Describe how the young person showed they understand what they are agreeing to",
    ),
    "Gillick given tomorrow": (
        details(ConsentKind.GILLICK, given_on=TOMORROW),
        "given_on",
        "The date consent was given must not be in the future",
    ),
    "young person of 12": (
        details(ConsentKind.YOUNG_PERSON),
        "kind",
        None,  # the message names the child's age, which depends on today
    ),
    "name over 200 characters": (
        details(given_by_name="x" * 201),
        "given_by_name",
        "Enter 200 characters or fewer",
    ),
    "relationship over 100 characters": (
        details(relationship_to_child="x" * 101),
        "relationship_to_child",
        "Enter 100 characters or fewer",
    ),
    "assessment over 5000 characters": (
        details(ConsentKind.GILLICK, gillick_assessment="x" * 5001),
        "gillick_assessment",
        "Enter 5000 characters or fewer",
    ),
}


@pytest.mark.parametrize("case", RECORD_ERRORS)
def test_a_refused_consent_says_why_and_saves_nothing(case, referral, emhp):
    consent_details, field, message = RECORD_ERRORS[case]
    before = len(audit_trail("referral", referral.id))
    with pytest.raises(RuleError) as refused:
        referral_consent.record_consent(referral, consent_details, by=emhp)
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == message
    assert referral.consents == []  # nothing left behind on the referral either
    db.session.commit()  # a refused consent must not be flushed (warnings are errors)
    assert consent_rows(referral) == 0
    assert referral.status is S.AWAITING_CONSENT
    assert len(history(referral)) == 2
    assert len(audit_trail("referral", referral.id)) == before
    consent_audit = select(AuditEvent).where(
        AuditEvent.record_type == "consent", AuditEvent.detail == f"referral {referral.id}"
    )
    assert db.session.scalars(consent_audit).all() == []


def test_recording_consent_moves_the_referral_on_to_triage(referral, emhp):
    started = datetime.now(UTC)
    consent = referral_consent.record_consent(
        referral,
        details(given_on=service_today() - timedelta(days=2), method=ConsentMethod.PHONE),
        by=emhp,
    )
    db.session.commit()
    db.session.expire_all()
    assert (
        consent.kind,
        consent.given_by_name,
        consent.relationship_to_child,
        consent.given_on,
        consent.method,
        consent.recorded_by_id,
        consent.withdrawn,
    ) == (
        ConsentKind.PARENT_CARER,
        "Sam Invented",
        "Mother",
        service_today() - timedelta(days=2),
        ConsentMethod.PHONE,
        emhp.id,
        False,
    )
    assert started <= consent.recorded_at <= datetime.now(UTC)
    assert referral.consents == [consent]
    assert referral.status is S.READY_FOR_TRIAGE
    assert history(referral)[-1] == (
        S.AWAITING_CONSENT,
        S.READY_FOR_TRIAGE,
        emhp.id,
        "Consent recorded: Parent or carer",
    )
    assert audit_trail("consent", consent.id) == [
        (AuditAction.CREATE, f"referral {referral.id}", emhp.id)
    ]
    assert audit_trail("referral", referral.id)[-1] == (
        AuditAction.UPDATE,
        "status: ready_for_triage",
        emhp.id,
    )


def test_a_gillick_consent_keeps_the_assessment(make_referral, school, emhp):
    referral = make_referral(
        school, by=emhp, child={"date_of_birth": date(service_today().year - 14, 3, 10)}
    )
    consent = referral_consent.record_consent(
        referral,
        details(
            ConsentKind.GILLICK,
            relationship_to_child="Ignored",
            gillick_assessed_on=service_today() - timedelta(days=1),
        ),
        by=emhp,
    )
    assert consent.gillick_assessed_on == service_today() - timedelta(days=1)
    assert consent.gillick_assessment == ASSESSMENT
    assert consent.relationship_to_child is None
    assert history(referral)[-1][3] == (
        "Consent recorded: Young person (12 to 15) assessed as Gillick competent"
    )


def test_fields_of_another_kind_of_consent_are_not_kept(make_referral, school, emhp):
    referral = make_referral(
        school, by=emhp, child={"date_of_birth": date(service_today().year - 17, 3, 10)}
    )
    consent = referral_consent.record_consent(
        referral,
        details(
            ConsentKind.YOUNG_PERSON,
            relationship_to_child="Self",
            gillick_assessed_on=service_today(),
            gillick_assessment="Not needed at 16",
        ),
        by=emhp,
    )
    assert (consent.relationship_to_child, consent.gillick_assessed_on) == (None, None)
    assert consent.gillick_assessment is None
    assert history(referral)[-1][3] == "Consent recorded: Young person (16 or over)"


def test_a_second_consent_is_kept_without_moving_the_referral(referral, emhp, lead):
    referral_consent.record_consent(referral, details(), by=emhp)
    events = history(referral)
    second = referral_consent.record_consent(
        referral, details(given_by_name="Chris Invented", relationship_to_child="Father"), by=lead
    )
    db.session.commit()
    assert referral.status is S.READY_FOR_TRIAGE
    assert history(referral) == events
    assert referral.consents[-1] is second
    assert consent_rows(referral) == 2


@pytest.mark.parametrize("closed", sorted(CLOSED_STATUSES), ids=ids)
def test_consent_cannot_be_recorded_on_a_closed_referral(closed, referral, emhp):
    referral.status = closed
    db.session.flush()
    with pytest.raises(RuleError) as refused:
        referral_consent.record_consent(referral, details(), by=emhp)
    assert (refused.value.field, refused.value.message) == (
        "kind",
        "This referral is closed: consent cannot be recorded on it",
    )
    assert referral.status is closed
    assert consent_rows(referral) == 0


def test_consent_cannot_be_recorded_after_withdrawal(referral, emhp, senior):
    first = referral_consent.record_consent(referral, details(), by=emhp)
    referral_consent.withdraw_consent(referral, first, by=senior, reason="Family moved away")
    with pytest.raises(RuleError) as refused:  # the referral is withdrawn: closed
        referral_consent.record_consent(referral, details(), by=emhp)
    assert refused.value.message == "This referral is closed: consent cannot be recorded on it"
    referral.status = S.READY_FOR_TRIAGE  # even if it were open again
    with pytest.raises(RuleError) as refused:
        referral_consent.record_consent(referral, details(), by=emhp)
    assert (refused.value.field, refused.value.message) == (
        "kind",
        "Consent was withdrawn on this referral: make a new referral if the family "
        "wants help again",
    )
    assert consent_rows(referral) == 1


# ---- withdrawal -------------------------------------------------------------------------


@pytest.fixture
def consented(referral, emhp):
    consent = referral_consent.record_consent(referral, details(), by=emhp)
    db.session.commit()
    return referral, consent


def test_withdrawal_records_who_when_and_why_and_closes_the_referral(consented, senior):
    referral, consent = consented
    started = datetime.now(UTC)
    referral_consent.withdraw_consent(
        referral, consent, by=senior, reason="  Family moved out of the area "
    )
    db.session.commit()
    db.session.expire_all()
    assert started <= consent.withdrawn_at <= datetime.now(UTC)
    assert consent.withdrawn_by_id == senior.id
    assert consent.withdrawal_reason == "Family moved out of the area"
    assert consent.withdrawn
    assert referral.status is S.WITHDRAWN
    assert referral.closed_on == service_today()
    assert history(referral)[-1] == (
        S.READY_FOR_TRIAGE,
        S.WITHDRAWN,
        senior.id,
        "Consent withdrawn: Family moved out of the area",
    )
    assert audit_trail("consent", consent.id)[-1] == (AuditAction.UPDATE, "withdrawn", senior.id)
    assert audit_trail("referral", referral.id)[-1] == (
        AuditAction.UPDATE,
        "status: withdrawn",
        senior.id,
    )
    assert not ops.has_valid_consent(referral)


@pytest.mark.parametrize("status", OPEN_STATUSES, ids=ids)
def test_withdrawal_stops_a_referral_wherever_it_is(status, consented, senior):
    referral, consent = consented
    referral.status = status
    db.session.flush()
    referral_consent.withdraw_consent(referral, consent, by=senior, reason="Young person said no")
    assert referral.status is S.WITHDRAWN
    assert history(referral)[-1][:2] == (status, S.WITHDRAWN)


@pytest.mark.parametrize("closed", sorted(CLOSED_STATUSES), ids=ids)
def test_withdrawal_on_a_closed_referral_is_recorded_without_a_move(closed, consented, senior):
    referral, consent = consented
    referral.status = closed
    db.session.flush()
    events = history(referral)
    referral_consent.withdraw_consent(
        referral, consent, by=senior, reason="Asked us to stop contact"
    )
    assert consent.withdrawn
    assert referral.status is closed
    assert history(referral) == events


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, "Enter why consent was withdrawn"),
        ("", "Enter why consent was withdrawn"),
        ("   ", "Enter why consent was withdrawn"),
        ("x" * 5001, "Enter 5000 characters or fewer"),
    ],
    ids=["none", "empty", "spaces", "too long"],
)
def test_withdrawal_needs_a_reason(reason, message, consented, emhp, senior):
    referral, consent = consented
    with pytest.raises(RuleError) as refused:
        referral_consent.withdraw_consent(referral, consent, by=senior, reason=reason)
    assert (refused.value.field, refused.value.message) == ("reason", message)
    assert not consent.withdrawn
    assert consent.withdrawn_by_id is None
    assert referral.status is S.READY_FOR_TRIAGE
    assert audit_trail("consent", consent.id) == [
        (AuditAction.CREATE, f"referral {referral.id}", emhp.id)
    ]


def test_consent_can_be_withdrawn_once(consented, senior):
    referral, consent = consented
    referral_consent.withdraw_consent(referral, consent, by=senior, reason="Family said no")
    events = history(referral)
    with pytest.raises(RuleError) as refused:
        referral_consent.withdraw_consent(referral, consent, by=senior, reason="Again")
    assert (refused.value.field, refused.value.message) == (
        "reason",
        f"This consent has already been withdrawn (by {senior.full_name} "
        f"{when(consent.withdrawn_at)}), so nothing was saved",
    )
    assert consent.withdrawn_by_id == senior.id
    assert consent.withdrawal_reason == "Family said no"
    assert history(referral) == events


def test_a_consent_of_another_referral_cannot_be_withdrawn_here(
    consented, make_referral, school, emhp, senior
):
    referral, consent = consented
    other = make_referral(school, by=emhp, consent=True)
    with pytest.raises(RuleError) as refused:
        referral_consent.withdraw_consent(other, consent, by=senior, reason="Wrong child")
    assert (refused.value.field, refused.value.message) == (
        "reason",
        "This consent belongs to another referral",
    )
    assert not consent.withdrawn
    assert (referral.status, other.status) == (S.READY_FOR_TRIAGE, S.READY_FOR_TRIAGE)


def test_withdrawal_leaves_other_referrals_alone(consented, make_referral, school, emhp, senior):
    referral, consent = consented
    other = make_referral(school, by=emhp, consent=True)
    referral_consent.withdraw_consent(referral, consent, by=senior, reason="Family said no")
    assert other.status is S.READY_FOR_TRIAGE
    ops.require_valid_consent(other)
