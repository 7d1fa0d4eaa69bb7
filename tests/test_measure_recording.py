"""Recording outcome measures (``mhst.outcomes.recording``): scores computed by the code
from items or checked totals, the instruments' missing-item rules, the case and consent
rules, and nothing saved when a rule is broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord
from mhst.outcomes.recording import measure_history, record_measure
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import ReferralStatus
from mhst.referrals.operations import ConsentRequired
from mhst.schools.models import ParticipationStatus
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended

DEPRESSION = [1, 4, 8, 10, 13, 15, 16, 19, 21, 24]


def rcads_like(**changes) -> dict:
    """An invented RCADS-25-like measure (its wording is licensed, so the labels are
    invented): 25 items 0-3, depression and anxiety subscales summed, and a total."""
    data = {
        "code": "RCADS-25",
        "name": "Invented anxiety and depression scale",
        "completed_by": ["child", "parent_carer"],
        "licence": "Invented for the tests.",
        "ships_item_text": False,
        "items": [{"number": n, "label": f"Invented item {n}"} for n in range(1, 26)],
        "response_scale": {"min": 0, "max": 3, "labels": {"0": "Never", "3": "Always"}},
        "direction": "higher_is_worse",
        "subscales": {
            "depression": DEPRESSION,
            "anxiety": [n for n in range(1, 26) if n not in DEPRESSION],
        },
        "scoring": {"subscales": "sum", "total": "sum"},
        "missing_items": {
            "rule": "prorate",
            "max_missing": {"depression": 2, "anxiety": 2, "total": 4},
        },
        "thresholds": {"depression": {"value": 12}, "anxiety": {"value": 18}},
        "reliable_change": {"depression": 5, "anxiety": 6, "total": 8},
    }
    data.update(changes)
    return data


@pytest.fixture
def measures_dir(app, tmp_path, monkeypatch):
    """A service MEASURES_DIR holding the invented RCADS-like measure; write more with
    ``add(name, data)``."""

    def add(name: str, data: dict) -> None:
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")

    add("rcads.json", rcads_like())
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))
    return add


def open_case(world, make_referral, *, days_ago: int = 60, consent: bool = True):
    """A referral received ``days_ago`` days ago, accepted and allocated to the EMHP."""
    world.school_a2.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    senior = world.users[Role.SENIOR_CLINICIAN]
    referral = make_referral(
        world.school_a2,
        by=world.users[Role.EMHP],
        consent=consent,
        child={"given_name": "Robin", "family_name": "Invented"},
        received_on=service_today() - timedelta(days=days_ago),
    )
    if consent:
        operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
        operations.transition(referral, ReferralStatus.ALLOCATED, by=senior)
    else:
        referral.status = ReferralStatus.ALLOCATED  # a later state, made directly
    db.session.add(
        Allocation(referral=referral, practitioner=world.users[Role.EMHP], allocated_by=senior)
    )
    db.session.commit()
    return referral


def session_on(referral, practitioner, day, attendance=Attendance.ATTENDED) -> CareContact:
    contact = CareContact(
        referral=referral,
        practitioner=practitioner,
        starts_at=datetime.combine(day, time(10), tzinfo=SERVICE_TIME_ZONE).astimezone(UTC),
        duration_minutes=45,
        stage=ContactStage.TREATMENT,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        location="Room 12",
        attendance=attendance,
        who_attended=WhoAttended.CHILD if attendance is Attendance.ATTENDED else None,
        created_by=practitioner,
    )
    db.session.add(contact)
    db.session.commit()
    return contact


@pytest.fixture
def case(world, make_referral):
    return open_case(world, make_referral)


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


def record(case, emhp, code="GBO", **changes) -> MeasureRecord:
    values = {
        "completed_on": service_today() - timedelta(days=1),
        "respondent": Respondent.CHILD,
        "by_item": True,
        "answers": {1: 4, 2: 7},
        "item_texts": {1: "Go to lunch in the hall", 2: "Answer a question in class"},
        "by": emhp,
    }
    values.update(changes)
    result = record_measure(case, code, **values)
    db.session.commit()
    return result


def records_of(case) -> int:
    return db.session.scalar(
        select(func.count(MeasureRecord.id)).where(MeasureRecord.referral_id == case.id)
    )


def created_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.record_type == "measure_record",
                AuditEvent.action == AuditAction.CREATE,
            )
        )
    )


def refused(case, emhp, code="GBO", **changes) -> RuleError:
    """Record and expect a refusal; check nothing was saved or audited."""
    before = records_of(case)
    with pytest.raises(RuleError) as caught:
        record(case, emhp, code, **changes)
    db.session.rollback()
    assert records_of(case) == before
    assert created_events() == []
    return caught.value


# ---- by item --------------------------------------------------------------------------


def test_gbo_by_item_stores_answers_goals_and_the_computed_score(case, emhp):
    result = record(case, emhp)
    stored = db.session.get(MeasureRecord, result.id)
    assert stored.by_item is True
    assert stored.respondent is Respondent.CHILD
    assert [(a.item_number, a.value, a.item_text) for a in stored.answers] == [
        (1, 4, "Go to lunch in the hall"),
        (2, 7, "Answer a question in class"),
    ]
    # Mean of the goals rated: (4 + 7) / 2 = 5.5.
    assert [(s.scale, s.position, s.score) for s in stored.scores] == [("total", 1, Decimal("5.5"))]
    assert stored.recorded_by_id == emhp.id


def test_the_write_is_audited(case, emhp):
    result = record(case, emhp)
    events = created_events()
    assert [(e.record_id, e.user_id) for e in events] == [(str(result.id), emhp.id)]
    assert "GBO" in events[0].detail


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ({1: 3}, Decimal("3")),
        ({1: 3, 2: 6}, Decimal("4.5")),  # (3 + 6) / 2
        ({1: 3, 2: 6, 3: 8}, Decimal("5.67")),  # 17 / 3 = 5.666..., rounded half up
    ],
)
def test_gbo_with_one_to_three_goals(case, emhp, ratings, expected):
    texts = {number: f"Goal number {number}" for number in ratings}
    result = record(case, emhp, answers=ratings, item_texts=texts)
    assert result.score_of("total") == expected
    assert len(result.answers) == len(ratings)


def test_gbo_rated_goal_needs_its_wording(case, emhp):
    error = refused(case, emhp, answers={1: 4, 2: 7}, item_texts={1: "Sleep better", 2: "  "})
    assert error.field == "item_text_2"
    assert "in the family's words" in error.message


def test_gbo_wording_without_a_rating_is_refused(case, emhp):
    error = refused(case, emhp, answers={1: 4}, item_texts={1: "Sleep better", 3: "Make a friend"})
    assert error.field == "item_3"
    assert error.message == "Rate goal 3, or leave its wording empty"


def test_gbo_wording_is_at_most_500_characters(case, emhp):
    error = refused(case, emhp, answers={1: 4}, item_texts={1: "x" * 501})
    assert error.field == "item_text_1"
    assert "500 characters or fewer" in error.message
    assert record(case, emhp, answers={1: 4}, item_texts={1: "x" * 500}).answers[0].item_text


@pytest.mark.parametrize("value", [11, -1, True, "7"])
def test_an_item_out_of_range_is_refused(case, emhp, value):
    error = refused(case, emhp, answers={1: 4, 2: value})
    assert error.field == "item_2"
    assert error.message == "Item 2 must be between 0 and 10"


def test_nothing_answered_is_refused(case, emhp):
    error = refused(case, emhp, answers={1: None, 2: None, 3: None}, item_texts={})
    assert error.field == "item_1"
    assert error.message == "Answer at least one item of Goal Based Outcomes"


def test_esq_prorates_within_its_limit(case, emhp):
    # Care's items 1, 2, 3 unanswered (at most 3 may be); the rest as below.
    answers = dict.fromkeys(range(1, 13), 1)
    answers.update({1: None, 2: None, 3: None, 4: 2, 5: 2, 6: 2, 7: 2, 8: 1, 9: 2, 10: 3})
    result = record(case, emhp, "ESQ", answers=answers, item_texts=None)
    # care: items 4-7 = 2 each, 11 and 12 = 1: 10 / 6 = 1.666... -> 1.67
    # environment: (1 + 2 + 3) / 3 = 2; total: 9 answered, 8 + 6 + 2 = 16, 16 / 9 -> 1.78
    assert {s.scale: s.score for s in result.scores} == {
        "care": Decimal("1.67"),
        "environment": Decimal("2"),
        "total": Decimal("1.78"),
    }
    assert [s.position for s in result.scores] == [1, 2, 3]
    assert [a.item_number for a in result.answers] == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert all(a.item_text is None for a in result.answers)


def test_esq_refuses_beyond_its_limit_on_the_first_unanswered_item(case, emhp):
    answers = dict.fromkeys(range(1, 13), 1)
    answers.update({2: None, 3: None, 5: None, 7: None})  # 4 of care's 9; at most 3
    error = refused(case, emhp, "ESQ", answers=answers, item_texts=None)
    assert error.field == "item_2"
    assert error.message == (
        "Care cannot be scored: 4 of its 9 items are unanswered and at most 3 items may be"
    )


def test_a_refuse_rule_needs_every_item(case, emhp, measures_dir):
    measures_dir(
        "strict.json",
        rcads_like(code="STRICT", missing_items={"rule": "refuse"}, thresholds={}),
    )
    answers = dict.fromkeys(range(1, 26), 1)
    answers[8] = None
    error = refused(case, emhp, "STRICT", answers=answers, item_texts=None)
    assert error.field == "item_8"
    assert "answer every item" in error.message
    answers[8] = 0
    assert record(case, emhp, "STRICT", answers=answers).score_of("total") == Decimal("24")


def test_an_rcads_like_measure_from_measures_dir_scores_its_subscales(case, emhp, measures_dir):
    answers = dict.fromkeys(range(1, 26), 1)
    answers.update({1: None, 4: None})  # two depression items: prorated
    result = record(
        case, emhp, "RCADS-25", answers=answers, item_texts=None, respondent="parent_carer"
    )
    # depression: 8 answered of 10, each 1: 8 x 10 / 8 = 10; anxiety: 15 x 1 = 15;
    # total: 23 answered of 25: 23 x 25 / 23 = 25
    assert [(s.scale, s.position, s.score) for s in result.scores] == [
        ("depression", 1, Decimal("10")),
        ("anxiety", 2, Decimal("15")),
        ("total", 3, Decimal("25")),
    ]
    assert result.respondent is Respondent.PARENT_CARER
    assert len(result.answers) == 23


# ---- by totals ------------------------------------------------------------------------


def test_gbo_by_total_stores_the_checked_score_and_no_answers(case, emhp):
    result = record(case, emhp, by_item=False, answers=None, item_texts=None, totals={"total": 6.5})
    assert result.by_item is False
    assert result.answers == []
    assert [(s.scale, s.position, s.score) for s in result.scores] == [("total", 1, Decimal("6.5"))]


def test_totals_for_some_scales_keep_the_definitions_positions(case, emhp, measures_dir):
    result = record(
        case,
        emhp,
        "RCADS-25",
        by_item=False,
        answers=None,
        item_texts=None,
        totals={"depression": None, "anxiety": 20, "total": 31.5},
    )
    assert [(s.scale, s.position, s.score) for s in result.scores] == [
        ("anxiety", 2, Decimal("20")),
        ("total", 3, Decimal("31.5")),
    ]


@pytest.mark.parametrize(
    ("totals", "field", "message"),
    [
        ({"total": 10.5}, "scale_1", "Total must be between 0 and 10"),
        ({"total": -1}, "scale_1", "Total must be between 0 and 10"),
        ({"total": None}, "scale_1", "Enter at least one score for Goal Based Outcomes"),
        ({"total": float("nan")}, "scale_1", "Total must be between 0 and 10"),
    ],
)
def test_totals_out_of_range_are_refused(case, emhp, totals, field, message):
    error = refused(case, emhp, by_item=False, answers=None, item_texts=None, totals=totals)
    assert (error.field, error.message) == (field, message)


def test_the_field_of_a_wrong_total_is_its_scale(case, emhp, measures_dir):
    error = refused(
        case,
        emhp,
        "RCADS-25",
        by_item=False,
        answers=None,
        item_texts=None,
        totals={"depression": 12, "anxiety": 46, "total": 58},  # anxiety is 0 to 45
    )
    assert (error.field, error.message) == ("scale_2", "Anxiety must be between 0 and 45")


# ---- who, when, which measure and which case --------------------------------------------


@pytest.mark.parametrize("respondent", [Respondent.PRACTITIONER, "teacher", None])
def test_the_respondent_must_be_one_the_measure_allows(case, emhp, respondent):
    error = refused(case, emhp, respondent=respondent)
    assert error.field == "respondent"
    assert "the child or young person or a parent or carer" in error.message


def test_an_unknown_measure_is_refused(case, emhp):
    error = refused(case, emhp, "SDQ")
    assert error.field == "measure"


def test_the_date_cannot_be_in_the_future(case, emhp):
    error = refused(case, emhp, completed_on=service_today() + timedelta(days=1))
    assert error.field == "completed_on"
    assert error.message == "The date completed must be today or in the past"
    assert record(case, emhp, completed_on=service_today()).completed_on == service_today()


def test_the_date_cannot_be_before_the_referral(case, emhp):
    error = refused(case, emhp, completed_on=case.received_on - timedelta(days=1))
    assert error.field == "completed_on"
    assert "on or after the date the referral was received" in error.message
    assert record(case, emhp, completed_on=case.received_on).completed_on == case.received_on


def test_a_discharged_case_is_read_only(case, emhp):
    case.status = ReferralStatus.DISCHARGED  # a later state, made directly
    db.session.commit()
    error = refused(case, emhp)
    assert error.field == "completed_on"
    assert "discharged" in error.message


def test_a_case_not_yet_allocated_is_refused(world, make_referral, emhp):
    referral = make_referral(world.school_a2, by=emhp, consent=True)  # waiting for triage
    error = refused(referral, emhp, completed_on=service_today())
    assert "only once the case is allocated" in error.message


def test_no_consent_no_measure(world, make_referral, emhp):
    referral = open_case(world, make_referral, consent=False)
    with pytest.raises(ConsentRequired):
        record(referral, emhp)
    db.session.rollback()
    assert records_of(referral) == 0


def test_withdrawn_consent_stops_recording(case, emhp):
    referral_consent.withdraw_consent(case, case.consents[0], by=emhp, reason="The family asked")
    db.session.commit()
    error = refused(case, emhp)
    assert "withdrawn" in error.message


# ---- at a session -----------------------------------------------------------------------


def test_recorded_at_an_attended_session_of_the_case(case, emhp):
    day = service_today() - timedelta(days=3)
    contact = session_on(case, emhp, day)
    result = record(case, emhp, completed_on=day, care_contact=contact)
    assert result.care_contact_id == contact.id


def test_a_session_of_another_referral_is_refused(world, case, emhp, make_referral):
    other = open_case(world, make_referral)
    day = service_today() - timedelta(days=3)
    contact = session_on(other, emhp, day)
    error = refused(case, emhp, completed_on=day, care_contact=contact)
    assert error.field == "care_contact_id"


@pytest.mark.parametrize("attendance", [Attendance.DID_NOT_ATTEND, None])
def test_a_session_that_did_not_take_place_is_refused(case, emhp, attendance):
    day = service_today() - timedelta(days=3)
    contact = session_on(case, emhp, day, attendance=attendance)
    error = refused(case, emhp, completed_on=day, care_contact=contact)
    assert error.field == "care_contact_id"


def test_a_measure_at_a_session_is_dated_that_day(case, emhp):
    contact = session_on(case, emhp, service_today() - timedelta(days=3))
    error = refused(
        case, emhp, completed_on=service_today() - timedelta(days=2), care_contact=contact
    )
    assert error.field == "completed_on"
    assert "is dated that day" in error.message


# ---- reading --------------------------------------------------------------------------


def test_history_is_by_measure_and_in_time_order(case, emhp, count_queries):
    today = service_today()
    late = record(
        case, emhp, completed_on=today - timedelta(days=2), answers={1: 8}, item_texts={1: "Goal"}
    )
    early = record(
        case, emhp, completed_on=today - timedelta(days=20), answers={1: 2}, item_texts={1: "Goal"}
    )
    same_day = record(
        case, emhp, completed_on=today - timedelta(days=2), answers={1: 9}, item_texts={1: "Goal"}
    )
    esq = record(case, emhp, "ESQ", answers=dict.fromkeys(range(1, 13), 1), item_texts=None)
    db.session.expire_all()
    assert case.id  # loaded again before counting
    before = len(count_queries())
    history = measure_history(case)
    assert {code: [r.id for r in records] for code, records in history.items()} == {
        "GBO": [early.id, late.id, same_day.id],
        "ESQ": [esq.id],
    }
    assert [r.score_of("total") for r in history["GBO"]] == [2, 8, 9]
    assert len(count_queries()[before:]) == 2  # the records, then all their scores


def test_history_of_another_case_is_separate(world, case, emhp):
    record(case, emhp)
    assert list(measure_history(world.case_a1)) == ["GBO"]  # the fixture's baseline only
    assert [r.id for r in measure_history(world.case_a1)["GBO"]] == [world.measure_a1.id]
