"""The demo's outcome measures: they load with the demo data, loading again adds
nothing, and the caseload and the outcomes show each state the demo is there to show."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework import caseload, operations
from mhst.casework.caseload import MeasuresDue
from mhst.casework.models import Discharge
from mhst.demo import DEMO_PASSWORD
from mhst.demo.history import STORIES
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.referrals.models import Child, Referral, ReferralEvent, ReferralStatus
from mhst.sessions.models import CareContact
from tests.conftest import AuthActions
from tests.test_triage import table_rows


def _counts() -> list[int]:
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (MeasureRecord, Referral, CareContact, Discharge, ReferralEvent)
    ]


def _case(family_name: str) -> Referral:
    return db.session.scalars(
        select(Referral).join(Child).where(Child.family_name == family_name)
    ).one()


def _load(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


def test_the_demo_outcomes_load_once_and_show_every_state(app):
    _load(app)
    counts = _counts()
    # The demo EMHP's: Imogen 1 + Ruby 2 + Theo 3 + Leo 4 (3 GBO, 1 ESQ) + Zara 0; and others'.
    assert counts[0] == sum(len(story.care.measures) for story in STORIES if story.care)
    _load(app)
    assert _counts() == counts

    emhp = db.session.scalars(select(User).where(User.email == "emhp@mhst.example")).one()
    entries = {entry.referral.child.family_name: entry for entry in caseload.caseload(emhp, emhp)}
    states = {name: entry.measures for name, entry in entries.items()}
    assert states["Quennell"] is MeasuresDue.BASELINE
    assert states["Fairholme"] is MeasuresDue.REVIEW
    assert entries["Fairholme"].sessions_since_measure == 3
    assert states["Ashdown"] is MeasuresDue.NOT_DUE
    assert states["Thackery"] is MeasuresDue.NOT_DUE  # a baseline, then a missed session
    assert "Pemberton" not in entries  # discharged

    # Paired outcomes: Theo's reliable improvement (2.0 to 7.0: up 5, more than 3),
    # Ruby's no reliable change (3.5 to 4.0).
    theo = operations.measure_summaries(_case("Ashdown"))
    assert [(s.code, s.first.score_of("total"), s.latest.score_of("total")) for s in theo] == [
        ("GBO", Decimal("2.00"), Decimal("7.00"))
    ]
    assert theo[0].outcome.reliable_improvement is True
    ruby = operations.measure_summaries(_case("Fairholme"))
    assert ruby[0].outcome.reliable_improvement is False
    assert ruby[0].outcome_text == "No reliable change"
    goals = [a.item_text for a in ruby[0].first.answers]
    assert goals == ["Speak up in class", "Go to lunch in the hall"]

    # Leo: discharged with a final GBO and an ESQ on the day of his last session.
    leo = _case("Pemberton")
    assert leo.status is ReferralStatus.DISCHARGED
    closing = db.session.scalars(select(Discharge).where(Discharge.referral_id == leo.id)).one()
    assert closing.final_measures_note is None
    summaries = {s.code: s for s in operations.measure_summaries(leo)}
    assert summaries["GBO"].outcome.reliable_improvement is True
    esq = summaries["ESQ"].latest
    # Items 6 and 9 answered 2, the rest 1: care (9 items) 10/9, environment 4/3, total 14/12.
    assert [(s.scale, s.score) for s in esq.scores] == [
        ("care", Decimal("1.11")),
        ("environment", Decimal("1.33")),
        ("total", Decimal("1.17")),
    ]
    assert esq.care_contact is not None  # recorded at the last session
    # Each measure's recording is in the audit log.
    created = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.record_type == "measure_record", AuditEvent.action == AuditAction.CREATE
        )
    )
    assert created == counts[0]


def test_the_demo_caseload_page_shows_each_measures_state(app, demo_data):
    _load(app)
    client = app.test_client()
    assert AuthActions(client).sign_in("emhp@mhst.example", DEMO_PASSWORD).status_code == 302
    cells = {
        " ".join(row["Child"].split()[:2]): row["Measures due"]
        for row in table_rows(client.get("/casework/"))
    }
    assert cells["Zara Quennell"].startswith("Baseline due")
    assert cells["Ruby Fairholme"].startswith("Review due (3 sessions since the last measure)")
    assert cells["Theo Ashdown"].startswith("Not due. Last recorded")
    assert cells["Imogen Thackery"].startswith("Not due. Last recorded")
