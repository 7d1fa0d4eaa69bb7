"""Risk flags on a case: a new risk raised at a session, or an outcome measure at or beyond
its risk threshold, flags the case on the caseload and on the senior clinician's risk
reviews until a senior clinician reviews it; raising and reviewing are audited."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework.caseload import caseload
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.outcomes.definition_loader import load_definition
from mhst.outcomes.definitions import DefinitionError
from mhst.outcomes.recording import record_measure
from mhst.referrals import risk_flags
from mhst.referrals.risk_flags import CaseRiskFlag, RiskFlagSource
from mhst.sessions import operations as sessions
from mhst.sessions.models import Attendance
from tests.test_care_contacts import (
    RISK,
    add_contact,
    at,
    log_data,
    logged,
    open_case,
    sessions_url,
    text_of,
)
from tests.test_measure_recording import rcads_like

NEW_RISK = "RISK-OCELOT said she thought about hurting herself last week"


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def senior(world):
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def case(world, make_referral):
    return open_case(world, make_referral)


def flags_of(referral) -> list[CaseRiskFlag]:
    return list(
        db.session.scalars(
            select(CaseRiskFlag)
            .where(CaseRiskFlag.referral_id == referral.id)
            .order_by(CaseRiskFlag.id)
        )
    )


def audit_details(action: AuditAction) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.record_type == "risk_flag", AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )


# ---- raising: sessions ----------------------------------------------------------------


def test_a_session_logged_with_a_new_risk_flags_the_case(case, emhp):
    contact = sessions.log_session(case, logged(new_risk=True, risk_update=NEW_RISK), by=emhp)
    [flag] = flags_of(case)
    assert (flag.source, flag.source_id, flag.detail) == (
        RiskFlagSource.SESSION,
        contact.id,
        NEW_RISK,
    )
    assert flag.raised_by_id == emhp.id
    assert not flag.reviewed
    assert flag.source_text.startswith("Assessment session on ")
    assert audit_details(AuditAction.CREATE) == [
        f"referral {case.id}: raised from a session ({contact.id})"
    ]


@pytest.mark.parametrize("new_risk", [False, None])
def test_a_session_without_a_new_risk_flags_nothing(case, emhp, new_risk):
    sessions.log_session(case, logged(new_risk=new_risk, risk_update=RISK), by=emhp)
    assert flags_of(case) == []


def test_a_new_risk_must_be_described(case, emhp):
    with pytest.raises(RuleError) as refused:
        sessions.log_session(case, logged(new_risk=True, risk_update="  "), by=emhp)
    assert refused.value.field == "risk_update"
    assert flags_of(case) == []


def test_recording_what_happened_at_a_booked_session_can_raise_a_risk(case, emhp):
    planned = add_contact(case, emhp, utcnow() - timedelta(hours=2))
    outcome = sessions.OutcomeDetails(
        Attendance.ATTENDED, "child", risk_update=NEW_RISK, new_risk=True
    )
    sessions.record_outcome(planned, outcome, by=emhp)
    [flag] = flags_of(case)
    assert (flag.source_id, flag.detail) == (planned.id, NEW_RISK)


def test_the_log_form_asks_whether_a_new_risk_was_raised(case, world, auth, client):
    assert auth.sign_in(world.users[Role.EMHP].email).status_code == 302
    page = text_of(client.get(f"{sessions_url(case)}/log"))
    assert "Was a new risk raised?" in page
    data = log_data()
    data.pop("new_risk", None)
    response = auth.post(f"{sessions_url(case)}/log", data)
    assert response.status_code == 400
    assert "Select whether a new risk was raised at the session" in text_of(response)
    response = auth.post(f"{sessions_url(case)}/log", log_data(new_risk="yes", risk_update=""))
    assert response.status_code == 400
    assert "Describe the new risk and what you did about it" in text_of(response)
    response = auth.post(
        f"{sessions_url(case)}/log", log_data(new_risk="yes", risk_update=NEW_RISK)
    )
    assert response.status_code == 302
    assert [flag.detail for flag in flags_of(case)] == [NEW_RISK]


# ---- raising: measures ----------------------------------------------------------------

RISKY = rcads_like(
    code="RISKY",
    risk_thresholds={"depression": {"value": 20}, "total": {"value": 60}},
)


@pytest.fixture
def risky_measure(app, tmp_path, monkeypatch):
    (tmp_path / "risky.json").write_text(json.dumps(RISKY), encoding="utf-8")
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))


@pytest.mark.parametrize(
    ("depression", "flagged"),
    [(19, False), (20, True), (21, True)],  # below, at and above the risk threshold
)
def test_a_measure_at_or_beyond_its_risk_threshold_flags_the_case(
    case, emhp, risky_measure, depression, flagged
):
    measure = record_measure(
        case,
        "RISKY",
        completed_on=service_today(),
        respondent="child",
        by_item=False,
        totals={"depression": depression, "anxiety": 10, "total": depression + 10},
        by=emhp,
    )
    found = flags_of(case)
    assert bool(found) is flagged
    if flagged:
        [flag] = found
        assert (flag.source, flag.source_id) == (RiskFlagSource.MEASURE, measure.id)
        assert f"depression {depression} (risk threshold 20)" in flag.detail
        assert "total" not in flag.detail  # the total stayed below its risk threshold


def test_a_measure_without_risk_thresholds_flags_nothing(case, emhp, risky_measure):
    record_measure(
        case,
        "GBO",
        completed_on=service_today(),
        respondent="child",
        by_item=True,
        answers={1: 0},
        item_texts={1: "Sleep through the night"},
        by=emhp,
    )
    assert flags_of(case) == []


@pytest.mark.parametrize(
    ("risk_thresholds", "message"),
    [
        ({"depression": {"value": 31}}, "risk threshold for 'depression' (31) is outside"),
        (
            {"depression": {"value": 20, "direction": "higher_is_better"}},
            "risk threshold for 'depression' says higher_is_better",
        ),
        ({"depression": {"level": 20}}, "Unknown key 'level'"),
        ([20], "risk_thresholds must be an object"),
    ],
)
def test_a_risk_threshold_is_checked_like_a_threshold(risk_thresholds, message):
    with pytest.raises(DefinitionError, match=re.escape(message)):
        load_definition(rcads_like(risk_thresholds=risk_thresholds))


def test_a_risk_threshold_is_read_per_scale():
    definition = load_definition(RISKY)
    assert definition.scale("depression").risk_threshold.value == 20
    assert definition.scale("anxiety").risk_threshold is None


# ---- shown until reviewed ---------------------------------------------------------------


def _flag(case, emhp, hour: int = 10) -> CaseRiskFlag:
    """A flag raised at a session logged yesterday at ``hour`` (UK time), committed."""
    starts_at = at(service_today() - timedelta(days=1), hour)
    contact = sessions.log_session(
        case, logged(new_risk=True, risk_update=NEW_RISK, starts_at=starts_at), by=emhp
    )
    db.session.commit()
    return flags_of(contact.referral)[0]


def test_the_caseload_shows_the_flag_until_a_senior_reviews_it(
    case, emhp, senior, world, auth, client
):
    flag = _flag(case, emhp)
    [entry] = [e for e in caseload(emhp, emhp) if e.referral.id == case.id]
    assert entry.open_risk_flags == 1
    assert [e.referral.id for e in caseload(emhp, emhp, flag="risk_review")] == [case.id]
    assert auth.sign_in(emhp.email).status_code == 302
    assert "Risk raised: waiting for a senior review" in text_of(client.get("/casework/"))
    risk_flags.review_flag(flag, by=senior, notes="Spoke to mum; safety plan in place.")
    db.session.commit()
    assert [e.open_risk_flags for e in caseload(emhp, emhp) if e.referral.id == case.id] == [0]
    assert caseload(emhp, emhp, flag="risk_review") == []
    page = text_of(client.get("/casework/"))
    assert "Risk raised: waiting for a senior review" not in page


def test_the_senior_reviews_the_flag_from_the_home_page(case, emhp, senior, world, auth, client):
    flag = _flag(case, emhp)
    assert auth.sign_in(senior.email).status_code == 302
    home = client.get("/")
    assert "Risks raised on cases, waiting for a senior clinician's review: 1" in text_of(home)
    review_url = f"/referrals/{case.id}/risk-flags/{flag.id}"
    assert review_url in home.get_data(as_text=True)
    page = text_of(client.get(review_url))
    assert NEW_RISK in page
    assert emhp.full_name in page
    assert "Assessment session on" in page
    refused = auth.post(review_url, {"notes": ""})
    assert refused.status_code == 400
    assert "Enter what you found and what you did" in text_of(refused)
    response = auth.post(review_url, {"notes": "Called the family; GP informed."})
    assert response.status_code == 302
    stored = db.session.get(CaseRiskFlag, flag.id)
    assert (stored.reviewed_by_id, stored.review_notes) == (
        senior.id,
        "Called the family; GP informed.",
    )
    assert audit_details(AuditAction.UPDATE) == [f"referral {case.id}: reviewed"]
    assert "waiting for a senior clinician's review" not in text_of(client.get("/"))
    shown = text_of(client.get(f"/referrals/{case.id}"))
    assert "Called the family; GP informed." in shown
    assert NEW_RISK in shown
    assert auth.post(review_url, {"notes": "Again"}).status_code == 200  # no form: reviewed


def test_only_a_senior_clinician_reviews_and_only_once(case, emhp, senior, world):
    flag = _flag(case, emhp)
    for user in (emhp, world.users[Role.CLINICAL_LEAD]):
        with pytest.raises(RuleError, match="Only a senior clinician"):
            risk_flags.review_flag(flag, by=user, notes="Looked at it")
    risk_flags.review_flag(flag, by=senior, notes="Reviewed")
    with pytest.raises(RuleError, match="already been reviewed"):
        risk_flags.review_flag(flag, by=senior, notes="Again")


def test_a_review_saved_meanwhile_refuses_the_second(case, emhp, senior):
    """Another senior's review reached the row after this one read it: re-read under the
    lock, the flag is reviewed, and this review is refused (the first one is kept)."""
    flag = _flag(case, emhp)
    db.session.execute(
        update(CaseRiskFlag)
        .where(CaseRiskFlag.id == flag.id)
        .values(reviewed_at=utcnow(), reviewed_by_id=senior.id, review_notes="First review"),
        execution_options={"synchronize_session": False},
    )
    assert not flag.reviewed  # the session's copy is stale
    with pytest.raises(RuleError, match="already been reviewed"):
        risk_flags.review_flag(flag, by=senior, notes="Second review")
    assert db.session.get(CaseRiskFlag, flag.id).review_notes == "First review"


def test_a_flag_is_reached_only_through_its_own_case(case, emhp, senior, world, auth, client):
    flag = _flag(case, emhp)
    assert auth.sign_in(senior.email).status_code == 302
    assert client.get(f"/referrals/{world.case_a1.id}/risk-flags/{flag.id}").status_code == 404
    assert client.get(f"/referrals/{case.id}/risk-flags/{flag.id + 1000}").status_code == 404


def test_another_teams_senior_clinician_gets_404(case, emhp, world, make_user, auth, client):
    flag = _flag(case, emhp)
    stranger = make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="b-senior@test.example")
    assert auth.sign_in(stranger.email).status_code == 302
    assert client.get(f"/referrals/{case.id}/risk-flags/{flag.id}").status_code == 404
    assert "Risks raised on cases" not in text_of(client.get("/"))


def test_the_clinical_lead_sees_the_flags_but_cannot_review(case, emhp, world, auth, client):
    _flag(case, emhp)
    assert auth.sign_in(world.users[Role.CLINICAL_LEAD].email).status_code == 302
    home = client.get("/")
    assert "Risks raised on cases, waiting for a senior clinician's review: 1" in text_of(home)
    assert f"/referrals/{case.id}#risk-flags" in home.get_data(as_text=True)


# ---- a fixed number of queries ------------------------------------------------------------


def _queries(client, count_queries, path: str) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


@pytest.mark.parametrize(
    ("role", "path"),
    [(Role.EMHP, "/casework/"), (Role.SENIOR_CLINICIAN, "/"), (Role.CLINICAL_LEAD, "/")],
)
def test_caseload_and_home_queries_do_not_grow_with_flags(
    role, path, world, make_referral, auth, client, count_queries
):
    emhp = world.users[Role.EMHP]
    first = open_case(world, make_referral, child={"given_name": "Ada", "family_name": "One"})
    _flag(first, emhp)
    assert auth.sign_in(world.users[role].email).status_code == 302
    small = _queries(client, count_queries, path)
    for number in range(4):
        more = open_case(
            world, make_referral, child={"given_name": f"Kid{number}", "family_name": "Many"}
        )
        _flag(more, emhp, hour=11 + number)
    assert len(risk_flags.open_flags(world.users[Role.SENIOR_CLINICIAN])) == 5
    assert _queries(client, count_queries, path) == small
