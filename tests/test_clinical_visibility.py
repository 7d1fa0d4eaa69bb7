"""Who sees a case's clinical text, page by page and kind by kind.

The matrix: for each page that shows a case's clinical text and each kind of clinical
text on it, the EMHP allocated to an open case sees it, another EMHP of the same team
does not, and the EMHP who held a case when it was discharged still does (and that other
EMHP still does not). Each kind of text carries a marker of its own, per case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.casework import operations as casework
from mhst.casework.models import DischargeReason
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals import risk_flags
from mhst.referrals.models import Referral
from mhst.sessions import operations as sessions
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from tests.test_care_contacts import at, logged, open_case, text_of

KINDS = (
    "session notes",
    "risk update",
    "risk review notes",
    "risk flag review",
    "supervision decision",
    "outcome scores",
    "goal in the family's words",
    "discharge summary",
)
# Each page, with the kinds of clinical text it shows.
PAGES = {
    "referral page and timeline": set(KINDS) - {"goal in the family's words"},
    "sessions": {"session notes", "risk update"},
    "measures": {"outcome scores"},
    "measure record": {"outcome scores", "goal in the family's words"},
    "supervision record": {"supervision decision"},
}
SCORES = {"open": Decimal("7.25"), "discharged": Decimal("6.75")}


def marker(kind: str, case: str) -> str:
    if kind == "outcome scores":
        return f"{SCORES[case]:g}"
    return f"{kind.upper().replace(' ', '-')}-{case.upper()}-MARKER"


@dataclass
class Case:
    referral: Referral
    measure: MeasureRecord
    supervision: SupervisionRecord

    def url(self, page: str) -> str:
        base = f"/casework/cases/{self.referral.id}"
        return {
            "referral page and timeline": f"/referrals/{self.referral.id}",
            "sessions": f"{base}/sessions",
            "measures": f"{base}/measures",
            "measure record": f"{base}/measures/{self.measure.id}",
            "supervision record": f"/supervision/{self.supervision.id}",
        }[page]


def _clinical_text(referral: Referral, name: str, emhp, senior, hour: int) -> Case:
    """Every kind of clinical text on ``referral``, each with its marker."""
    yesterday = service_today() - timedelta(days=1)
    sessions.log_session(
        referral,
        logged(
            starts_at=at(yesterday, hour),
            clinical_notes=marker("session notes", name),
            risk_update=marker("risk update", name),
            new_risk=True,
        ),
        by=emhp,
    )
    [flag] = risk_flags.flags_of(referral.id)
    risk_flags.review_flag(flag, by=senior, notes=marker("risk flag review", name))
    referral.high_risk = True  # a positive risk screen, reviewed (a later state)
    referral.risk_reviewed_at = utcnow()
    referral.risk_reviewed_by = senior
    referral.risk_review_notes = marker("risk review notes", name)
    measure = MeasureRecord(
        referral=referral,
        measure_code="GBO",
        completed_on=service_today(),
        respondent=Respondent.CHILD,
        by_item=True,
        recorded_by=emhp,
        answers=[
            MeasureAnswer(
                item_number=1, value=7, item_text=marker("goal in the family's words", name)
            )
        ],
        scores=[MeasureScore(scale="total", position=1, score=SCORES[name])],
    )
    supervision = SupervisionRecord(
        held_on=service_today(),
        supervisor=senior,
        practitioner=emhp,
        recorded_by_id=senior.id,
        cases=[SupervisionCase(referral=referral, decision=marker("supervision decision", name))],
    )
    db.session.add_all([measure, supervision])
    db.session.commit()
    return Case(referral, measure, supervision)


@pytest.fixture
def cases(world, make_referral, make_user):
    """An open case allocated to the EMHP, and a case the EMHP held when it was
    discharged; another EMHP of the same team holds neither."""
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    make_user(Role.EMHP, team=world.team_a, email="other-emhp@test.example")
    open_one = open_case(world, make_referral, child={"given_name": "Opal", "family_name": "Open"})
    closed = open_case(world, make_referral, child={"given_name": "Dora", "family_name": "Done"})
    found = {
        "open": _clinical_text(open_one, "open", emhp, senior, 9),
        "discharged": _clinical_text(closed, "discharged", emhp, senior, 11),
    }
    casework.discharge(
        closed,
        by=emhp,
        reason=DischargeReason.GOALS_MET,
        summary=marker("discharge summary", "discharged"),
    )
    db.session.commit()
    return found


# (viewer, case, whether they see the case's clinical text)
VIEWERS = [
    ("allocated EMHP", "open", True),
    ("another EMHP of the team", "open", False),
    ("EMHP who held it at discharge", "discharged", True),
    ("another EMHP of the team", "discharged", False),
]
EMAILS = {
    "allocated EMHP": "emhp@test.example",
    "EMHP who held it at discharge": "emhp@test.example",
    "another EMHP of the team": "other-emhp@test.example",
}


def _shown(kind: str, case: str, page: str) -> bool:
    """Whether ``page`` of ``case`` has the kind of text at all: an open case has no
    discharge summary."""
    return kind in PAGES[page] and not (kind == "discharge summary" and case == "open")


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize(("viewer", "case", "sees"), VIEWERS)
def test_clinical_text_matrix(cases, auth, client, viewer, case, sees, page):
    assert auth.sign_in(EMAILS[viewer]).status_code == 302
    response = client.get(cases[case].url(page))
    expected_pages = {"referral page and timeline"} if not sees else set(PAGES)
    if page not in expected_pages:
        assert response.status_code == 404  # the case's own pages: out of scope
        return
    assert response.status_code == 200
    text = text_of(response)
    for kind in KINDS:
        if _shown(kind, case, page):
            assert (marker(kind, case) in text) is sees, (viewer, case, page, kind)
    for other in {"open", "discharged"} - {case}:  # never another case's text
        for kind in KINDS:
            assert marker(kind, other) not in text, (viewer, case, page, kind)


def test_the_other_emhp_still_sees_the_referral_itself(cases, auth, client):
    """Not a blank page: the referral's own details, the timeline's events and who did
    them stay visible; only the clinical text goes."""
    assert auth.sign_in("other-emhp@test.example").status_code == 302
    text = text_of(client.get(cases["discharged"].url("referral page and timeline")))
    assert "Dora Done" in text
    assert "Discharge summary" in text
    assert "Reason: Goals met" in text
    assert "Goal Based Outcomes recorded (child)" in text
    assert "Risk reviewed" in text


@pytest.mark.parametrize(
    ("viewer", "sees"), [("allocated EMHP", True), ("another EMHP of the team", False)]
)
def test_the_caseload_lists_only_the_cases_held(cases, auth, client, viewer, sees):
    assert auth.sign_in(EMAILS[viewer]).status_code == 302
    text = text_of(client.get("/casework/"))
    assert ("Opal Open" in text) is sees
    assert "Dora Done" not in text  # a discharged case is on nobody's caseload


def test_a_case_handed_on_hides_its_clinical_text_from_the_first_emhp(cases, world, auth, client):
    """The EMHP discussed the case in supervision, then it was reallocated: their own
    supervision record no longer shows the decision about it, nor the referral page its
    notes."""
    other = db.session.scalars(select(User).where(User.email == "other-emhp@test.example")).one()
    casework.allocate(cases["open"].referral, other, by=world.users[Role.SENIOR_CLINICIAN])
    db.session.commit()
    assert auth.sign_in(EMAILS["allocated EMHP"]).status_code == 302
    record = text_of(client.get(cases["open"].url("supervision record")))
    assert marker("supervision decision", "open") not in record
    assert "Not shown: the case is no longer yours" in record
    page = text_of(client.get(cases["open"].url("referral page and timeline")))
    assert marker("session notes", "open") not in page
    auth.sign_out()
    assert auth.sign_in("other-emhp@test.example").status_code == 302
    page = text_of(client.get(cases["open"].url("referral page and timeline")))
    assert marker("session notes", "open") in page
