"""The subject access export of every demo child holds every record of that child
(counted here table by table, by queries of our own) and nothing of any other child
(their names, parents, NHS numbers, references, nor the ids of their records)."""

from __future__ import annotations

import enum
import json

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.amendments.models import TextVersion
from mhst.audit.models import AuditRecordType
from mhst.casework.models import Discharge
from mhst.demo import DEMO_PASSWORD, load_demo_data
from mhst.extensions import db
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.privacy.graph import NOT_ABOUT_A_CHILD
from mhst.privacy.models import RetentionDecision
from mhst.questionnaires.models import QuestionnaireLink
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import (
    Child,
    Consent,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralRisk,
    ReferralSignpost,
)
from mhst.selfreferral.models import SelfReferral
from mhst.sessions.group_models import GroupAttendance, GroupParticipant
from mhst.sessions.models import CareContact
from mhst.sessions.reminder_models import SessionReminder
from mhst.supervision.models import SupervisionCase
from tests.conftest import AuthActions
from tests.test_privacy_graph import amended


def _via_referral(model, *key):
    """(child id, *key) of ``model``'s rows, through their referral."""
    return (
        select(Referral.child_id, *key)
        .select_from(model)
        .join(Referral, model.referral_id == Referral.id)
    )


def _via_measure(model, second):
    return (
        select(Referral.child_id, model.record_id, second)
        .select_from(model)
        .join(MeasureRecord, MeasureRecord.id == model.record_id)
        .join(Referral, MeasureRecord.referral_id == Referral.id)
    )


# Each table of a child's record: the query of (child id, *primary key) written
# independently of mhst.privacy's walk. A table the export holds that is missing here fails
# the test.
ROWS = {
    "child": lambda: select(Child.id, Child.id),
    "referral": lambda: select(Referral.child_id, Referral.id),
    "referral_need": lambda: _via_referral(ReferralNeed, Referral.id, ReferralNeed.need),
    "referral_risk": lambda: _via_referral(ReferralRisk, Referral.id, ReferralRisk.risk),
    "referral_event": lambda: _via_referral(ReferralEvent, ReferralEvent.id),
    "consent": lambda: _via_referral(Consent, Consent.id),
    "referral_signpost": lambda: _via_referral(ReferralSignpost, ReferralSignpost.id),
    "self_referral": lambda: _via_referral(SelfReferral, SelfReferral.referral_id),
    "allocation": lambda: _via_referral(Allocation, Allocation.id),
    "care_contact": lambda: _via_referral(CareContact, CareContact.id),
    "session_reminder": lambda: (
        select(Referral.child_id, SessionReminder.id)
        .select_from(SessionReminder)
        .join(CareContact, SessionReminder.care_contact_id == CareContact.id)
        .join(Referral, CareContact.referral_id == Referral.id)
    ),
    "group_participant": lambda: _via_referral(GroupParticipant, GroupParticipant.id),
    "group_attendance": lambda: (
        select(Referral.child_id, GroupAttendance.session_id, GroupAttendance.participant_id)
        .select_from(GroupAttendance)
        .join(GroupParticipant, GroupAttendance.participant_id == GroupParticipant.id)
        .join(Referral, GroupParticipant.referral_id == Referral.id)
    ),
    "measure_record": lambda: _via_referral(MeasureRecord, MeasureRecord.id),
    "measure_answer": lambda: _via_measure(MeasureAnswer, MeasureAnswer.item_number),
    "measure_score": lambda: _via_measure(MeasureScore, MeasureScore.scale),
    "questionnaire_link": lambda: _via_referral(QuestionnaireLink, QuestionnaireLink.id),
    "supervision_case": lambda: _via_referral(SupervisionCase, SupervisionCase.id),
    "discharge": lambda: _via_referral(Discharge, Discharge.id),
    "retention_decision": lambda: select(RetentionDecision.child_id, RetentionDecision.id),
}
KEYS = {
    "referral_need": ("referral_id", "need"),
    "referral_risk": ("referral_id", "risk"),
    "group_attendance": ("session_id", "participant_id"),
    "measure_answer": ("record_id", "item_number"),
    "measure_score": ("record_id", "scale"),
    "self_referral": ("referral_id",),
}


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


# The table each record type of an amended text names (supervision: the decision).
VERSIONED = {
    "referral": "referral",
    "consent": "consent",
    "care_contact": "care_contact",
    "measure_record": "measure_record",
    "supervision": "supervision_case",
    "supervision_case": "supervision_case",
    "referral_event": "referral_event",
    "discharge": "discharge",
}


def _direct() -> dict:
    """Queries for the tables ROWS does not name that point straight at a referral or a
    child (``referral_id``, ``child_id``), such as tables added after this test: (child
    id, *primary key) for each. A table about a child reached any other way is named by
    the test as one it does not count. The report summaries (referral_fact, measure_fact)
    point at a referral but are derived from its rows and exported as those rows: the
    privacy graph says so, with its reasons, in ``NOT_ABOUT_A_CHILD``."""
    referral = Referral.__table__
    queries = {}
    for table in db.metadata.sorted_tables:
        if table.name in ROWS or table.name in NOT_ABOUT_A_CHILD:
            continue
        key = list(table.primary_key.columns)
        if "referral_id" in table.c:
            on = table.c.referral_id == referral.c.id
            queries[table.name] = lambda t=table, k=key, on=on: (
                select(referral.c.child_id, *k).select_from(t).join(referral, on)
            )
        elif "child_id" in table.c:
            queries[table.name] = lambda t=table, k=key: select(t.c.child_id, *k)
    return queries


def _rows_by_child() -> dict[str, dict[int, list]]:
    """{table: {child id: [primary key, ...]}}, from ROWS, and the amended texts' versions
    by the child of the record each belongs to."""
    found: dict[str, dict[int, list]] = {}
    for table, query in {**ROWS, **_direct()}.items():
        for child_id, *key in db.session.execute(query()):
            found.setdefault(table, {}).setdefault(child_id, []).append(
                tuple(_plain(v) for v in key)
            )
    child_of = {
        (record_type, key[0]): child_id
        for record_type, table in VERSIONED.items()
        for child_id, keys in found.get(table, {}).items()
        for key in keys
    }
    versions = found.setdefault("text_version", {})
    for version_id, record_type, record_id in db.session.execute(
        select(TextVersion.id, TextVersion.record_type, TextVersion.record_id)
    ):
        child_id = child_of[(record_type.value, record_id)]
        versions.setdefault(child_id, []).append((version_id,))
    return found


def _identifiers(child: Child) -> list[str]:
    """What names a child in an export: name, parent, NHS number, referral references."""
    found = [child.full_name, f"{child.family_name}, {child.given_name}"]
    if child.parent_carer_name:
        found.append(child.parent_carer_name)
    if child.nhs_number:
        found += [child.nhs_number, child.formatted_nhs_number]
    return found + [referral.reference for referral in child.referrals]


@pytest.fixture
def demo(app, demo_data, client) -> AuthActions:
    """The demo data, with a session's notes and a supervision decision amended (so that
    there are earlier versions of texts to export), and the clinical lead signed in."""
    load_demo_data()
    senior = db.session.scalars(select(User).where(User.role == Role.SENIOR_CLINICIAN)).first()
    contact = db.session.scalars(
        select(CareContact).where(CareContact.clinical_notes.is_not(None)).order_by(CareContact.id)
    ).first()
    decision = db.session.scalars(select(SupervisionCase).order_by(SupervisionCase.id)).first()
    amended(contact, AuditRecordType.CARE_CONTACT, "clinical_notes", senior)
    amended(decision, AuditRecordType.SUPERVISION, "decision", senior)
    db.session.commit()
    auth = AuthActions(client)
    lead = db.session.scalars(select(User).where(User.role == Role.CLINICAL_LEAD)).first()
    assert auth.sign_in(lead.email, DEMO_PASSWORD).status_code == 302
    return auth


def _check_holds_all_and_only(child_id: int, document, rows, others: list[str]) -> None:
    held = {table: len(found) for table, found in document["records"].items()}
    counted = {*ROWS, *_direct(), "text_version"}
    assert set(held) <= counted, f"tables this test does not count: {set(held) - counted}"
    expected = {table: len(by_child.get(child_id, [])) for table, by_child in rows.items()}
    assert held == {table: n for table, n in expected.items() if n}, child_id
    for table, found in document["records"].items():
        exported = [tuple(row[column] for column in KEYS.get(table, ("id",))) for row in found]
        assert sorted(exported) == sorted(rows[table][child_id]), (child_id, table)
        theirs = {k for other, keys in rows[table].items() if other != child_id for k in keys}
        assert not set(exported) & theirs, (child_id, table)
    text = json.dumps(document, ensure_ascii=False)
    for identifier in others:
        assert identifier not in text, (child_id, identifier)


def test_every_demo_childs_export_holds_their_whole_record_and_nothing_of_another(demo):
    children = db.session.scalars(select(Child).order_by(Child.id)).all()
    assert len(children) >= 30
    identifiers = {child.id: _identifiers(child) for child in children}
    # What the test searches for tells the children apart: no two share any of it.
    flat = [i for found in identifiers.values() for i in found]
    assert len(flat) == len(set(flat))
    rows = _rows_by_child()
    assert sum(1 for by_child in rows["care_contact"].values() if by_child) > 10
    for table in (
        "group_attendance",
        "discharge",
        "measure_score",
        "referral_signpost",
        "text_version",
    ):
        assert rows[table], table  # the demo has every kind of record to export
    for child_id, own in identifiers.items():
        others = [i for other, found in identifiers.items() if other != child_id for i in found]
        response = demo.client.get(f"/privacy/children/{child_id}/export.json")
        assert response.status_code == 200
        _check_holds_all_and_only(child_id, json.loads(response.get_data()), rows, others)
        page = demo.client.get(f"/privacy/children/{child_id}/export").get_data(as_text=True)
        for identifier in own[:1] + own[2:]:  # the name, the parent, the references...
            assert identifier in page, (child_id, identifier)
        for identifier in others:
            assert identifier not in page, (child_id, identifier)
