"""The walk of the foreign keys from a child (mhst.privacy.graph): every table is either
reached (so exported, erased and pseudonymised with the child) or excluded with a reason,
and the walk finds exactly the rows about one child."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, Text, func, select

import mhst.models  # noqa: F401  (every model on the metadata)
from mhst.accounts.models import Role
from mhst.amendments.models import TextVersion
from mhst.amendments.operations import AmendableText, amend
from mhst.audit.models import AuditRecordType
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.privacy import graph
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Child, Consent, Referral, ReferralEvent, ReferralNeed
from mhst.sessions.group_models import GroupParticipant
from mhst.sessions.models import CareContact
from mhst.supervision.models import SupervisionCase, SupervisionRecord


def test_every_table_is_exported_or_excluded_with_a_reason():
    assert graph.unclassified() == [], (
        "tables neither reached from the child by a foreign key nor listed in "
        "mhst/privacy/graph.py with a reason"
    )
    assert graph.wrongly_listed() == []
    assert all(reason.strip() for reason in graph.NOT_ABOUT_A_CHILD.values())
    assert all(reason.strip() for reason in graph.BY_RECORD_TYPE.values())


def test_the_walk_reaches_the_childs_referrals_and_everything_below_them():
    names = [table.name for table in graph.tables()]
    assert names[0] == "child"
    for expected in (
        "referral",
        "referral_event",
        "consent",
        "allocation",
        "care_contact",
        "group_attendance",
        "measure_score",
        "supervision_case",
        "discharge",
        "retention_decision",
    ):
        assert expected in names
    for shared in ("school", "user_account", "group_session", "supervision_record"):
        assert shared not in names
    # Parents come before the rows that point at them (deletion runs the other way).
    assert names.index("referral") < names.index("consent") < len(names)
    assert names.index("measure_record") < names.index("measure_answer")


@pytest.fixture
def extra_tables():
    """Two tables another change might add: notes about a referral (with a foreign key)
    and a register naming children by number only (without one)."""
    added = [
        Table(
            "test_referral_note",
            db.metadata,
            Column("id", Integer, primary_key=True),
            Column("referral_id", ForeignKey("referral.id")),
            Column("text", Text),
        ),
        Table(
            "test_child_register",
            db.metadata,
            Column("id", Integer, primary_key=True),
            Column("child_number", Integer),
        ),
    ]
    yield added
    for table in added:
        db.metadata.remove(table)


def test_a_new_table_is_walked_if_it_points_at_a_childs_record_and_named_if_not(extra_tables):
    assert "test_referral_note" in [table.name for table in graph.tables()]
    assert graph.unclassified() == ["test_child_register"]


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def test_the_walk_finds_every_row_of_one_childs_record_and_no_other(world):
    case = world.case_a1
    child_id = case.child_id
    records = graph.collect([child_id], with_audit=True)
    mine = Referral.child_id == child_id
    expected = {
        "child": _count(select(Child.id).where(Child.id == child_id)),
        "referral": _count(select(Referral.id).where(mine)),
        "referral_event": _count(select(ReferralEvent.id).join(Referral).where(mine)),
        "referral_need": _count(select(ReferralNeed.need).join(Referral).where(mine)),
        "consent": _count(select(Consent.id).join(Referral).where(mine)),
        "allocation": _count(select(Allocation.id).join(Referral).where(mine)),
        "care_contact": _count(select(CareContact.id).join(Referral).where(mine)),
        "group_participant": _count(select(GroupParticipant.id).join(Referral).where(mine)),
        "supervision_case": _count(select(SupervisionCase.id).join(Referral).where(mine)),
        "measure_record": _count(select(MeasureRecord.id).join(Referral).where(mine)),
        "measure_answer": _count(
            select(MeasureAnswer.record_id).join(MeasureRecord).join(Referral).where(mine)
        ),
        "measure_score": _count(
            select(MeasureScore.record_id).join(MeasureRecord).join(Referral).where(mine)
        ),
    }
    assert records.counts() == expected
    # Staff notifications linking to its referrals: deleted with it, not exported.
    linking = _count(
        select(Notification.id).where(
            Notification.endpoint == "referrals.show",
            Notification.record_id.in_(select(Referral.id).where(mine)),
        )
    )
    assert len(records.linked["notification"]) == linking
    assert records.counts_with_links() == {
        **expected,
        **({"notification": linking} if linking else {}),
    }
    assert records.ids("referral") == {case.id}
    assert world.referral_a1.id not in records.ids("referral")
    assert world.consent_a1.id not in records.ids("consent")
    about = {(e["record_type"].value, e["record_id"]) for e in records.audit_events}
    assert ("referral", str(case.id)) in about
    assert ("referral", str(world.referral_a1.id)) not in about


def test_deleting_the_rows_found_leaves_nothing_of_the_child_and_everything_else(world):
    child_id, other = world.case_a1.child_id, world.referral_a1
    supervision_id, consent_id = world.supervision_a1.id, world.consent_a1.id
    records = graph.collect([child_id])
    tables_before = {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in graph.tables()
    }
    deleted = graph.delete_records(records)
    db.session.expire_all()
    assert deleted == records.counts_with_links()
    assert graph.collect([child_id]).counts_with_links() == {}
    for table in graph.tables():
        left = db.session.scalar(select(func.count()).select_from(table))
        assert left == tables_before[table.name] - deleted.get(table.name, 0), table.name
    assert db.session.get(Referral, other.id) is not None
    assert db.session.get(Consent, consent_id) is not None
    assert db.session.get(SupervisionRecord, supervision_id) is not None  # the meeting stays


def amended(record, record_type, field: str, by, new_text: str = "Amended: the right words."):
    """Amend ``record``'s ``field`` through mhst.amendments (two versions kept)."""
    text = AmendableText(
        record=record,
        record_type=record_type,
        field=field,
        label="the text",
        author_id=by.id,
        written_at=utcnow(),
        required=False,
    )
    return amend(text, new_text=new_text, reason="A typing error", by=by, read_version=1)


def test_the_versions_of_amended_texts_are_part_of_the_record(world):
    senior = world.users[Role.SENIOR_CLINICIAN]
    case = world.supervision_a1.cases[0]
    amended(case, AuditRecordType.SUPERVISION, "decision", senior)
    amended(world.contact_a1, AuditRecordType.CARE_CONTACT, "clinical_notes", senior)
    theirs = amended(world.referral_a1, AuditRecordType.REFERRAL, "risk_review_notes", senior)
    records = graph.collect([world.case_a1.child_id])
    texts = {
        (row["record_type"], row["field"], row["version"]) for row in records.of("text_version")
    }
    assert texts == {
        (AuditRecordType.SUPERVISION, "decision", 1),
        (AuditRecordType.SUPERVISION, "decision", 2),
        (AuditRecordType.CARE_CONTACT, "clinical_notes", 1),
        (AuditRecordType.CARE_CONTACT, "clinical_notes", 2),
    }
    assert theirs.id not in records.ids("text_version")
    originals = {row["text"] for row in records.of("text_version")}
    assert "Continue; review goals next week." in originals
    graph.delete_records(records)
    left = db.session.scalars(select(TextVersion.id)).all()
    assert left == [theirs.id - 1, theirs.id]  # only the other child's versions are left


def _possible_duplicate_of(child: Child, given_name: str) -> Child:
    """Another child with ``child``'s NHS number, flagged as a possible duplicate of them."""
    other = Child(
        given_name=given_name,
        family_name="Elsewhere",
        date_of_birth=child.date_of_birth,
        gender=child.gender,
        year_group=child.year_group,
        school_id=child.school_id,
        nhs_number=child.nhs_number,
        possible_duplicate_of=child,
    )
    db.session.add(other)
    db.session.flush()
    return other


def test_a_possible_duplicate_is_another_child_the_walk_never_takes_in(world):
    child = world.case_a1.child
    other = _possible_duplicate_of(child, "Quinn")
    assert graph.collect([child.id]).ids("child") == {child.id}
    assert graph.collect([other.id]).ids("child") == {other.id}


def test_deleting_a_record_clears_the_flag_on_its_possible_duplicate(world):
    child = world.case_a1.child
    other_id = _possible_duplicate_of(child, "Quinn").id
    graph.delete_records(graph.collect([child.id]))
    db.session.expire_all()
    survivor = db.session.get(Child, other_id)
    assert survivor is not None
    assert survivor.possible_duplicate_of_id is None


def test_notifications_linking_to_the_childs_referrals_are_found_and_no_others(world):
    case, other = world.case_a1, world.referral_a1
    emhp = world.users[Role.EMHP]
    before = graph.collect([case.child_id]).linked["notification"]

    def told(endpoint: str, record_id: int) -> int:
        [notification] = notify(
            [emhp], K.CASE_ALLOCATED, "N", endpoint=endpoint, record_id=record_id
        )
        return notification.id

    mine = told("referrals.show", case.id)
    told("referrals.show", other.id)  # another child's referral
    told("schools.show", case.id)  # a school whose id is the referral's number
    records = graph.collect([case.child_id])
    assert records.linked["notification"] == sorted([*before, mine])
    assert "notification" not in records.rows  # not part of the record: not exported
    assert "notification" not in [table.name for table in records.tables]
    assert "notification" in graph.LINKED_BY_ENDPOINT
