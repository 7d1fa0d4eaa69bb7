"""Clinical text is amended, never overwritten: every version is kept, only the author or
a senior clinician may amend, always with a reason, and a stale amendment is refused."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mhst.accounts.models import Role
from mhst.amendments.models import TextVersion
from mhst.amendments.operations import AmendableText, amend, current_version, versions_for
from mhst.audit.models import AuditEvent, AuditRecordType
from mhst.core.rules import RuleError
from mhst.core.versions import StaleEdit
from mhst.extensions import db


def _decision(world) -> AmendableText:
    case = world.supervision_a1.cases[0]
    return AmendableText(
        record=case,
        record_type=AuditRecordType.SUPERVISION,
        field="decision",
        label="the supervision decision",
        author_id=world.supervision_a1.recorded_by_id,
        written_at=world.supervision_a1.recorded_at,
    )


def test_an_amendment_keeps_the_original_and_names_its_version(world):
    senior = world.users[Role.SENIOR_CLINICIAN]
    text = _decision(world)
    original = text.current

    amended = amend(
        text, new_text="Step up to CAMHS.", reason="Wrong decision typed", by=senior, read_version=1
    )

    assert amended.version == 2
    assert text.current == "Step up to CAMHS."
    versions = versions_for(AuditRecordType.SUPERVISION, [text.record_id])[
        (text.record_id, "decision")
    ]
    assert [(v.version, v.text, v.reason) for v in versions] == [
        (1, original, None),
        (2, "Step up to CAMHS.", "Wrong decision typed"),
    ]
    assert versions[0].written_by_id == senior.id  # the author of the original
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == AuditRecordType.SUPERVISION)
    ).all()
    assert any(f"version 2 (text_version {amended.id})" in (e.detail or "") for e in audit)


def test_a_second_amendment_adds_a_third_version(world):
    senior = world.users[Role.SENIOR_CLINICIAN]
    text = _decision(world)
    amend(text, new_text="Second", reason="One", by=senior, read_version=1)
    amend(text, new_text="Third", reason="Two", by=senior, read_version=2)
    assert current_version(text) == 3
    assert text.current == "Third"


def test_only_the_author_or_a_senior_clinician_may_amend(world, make_user):
    text = _decision(world)
    for role in (Role.EMHP, Role.CLINICAL_LEAD, Role.ADMINISTRATOR):
        with pytest.raises(RuleError, match="Only the author or a senior clinician"):
            amend(text, new_text="No", reason="Because", by=world.users[role], read_version=1)
    another_senior = make_user(Role.SENIOR_CLINICIAN, team=world.team_a)
    assert amend(text, new_text="Yes", reason="Checked", by=another_senior, read_version=1)


@pytest.mark.parametrize(
    ("new_text", "reason", "field", "message"),
    [
        ("Changed", "", "reason", "Enter why"),
        ("Changed", "   ", "reason", "Enter why"),
        ("", "A reason", "text", "Enter the supervision decision"),
        ("Continue; review goals next week.", "Same", "text", "Change the supervision decision"),
        ("x" * 10_001, "Long", "text", "10,000 characters or fewer"),
        ("Changed", "r" * 1001, "reason", "1,000 characters or fewer"),
    ],
)
def test_amendments_need_a_change_and_a_reason(world, new_text, reason, field, message):
    text = _decision(world)
    with pytest.raises(RuleError, match=message) as raised:
        amend(
            text,
            new_text=new_text,
            reason=reason,
            by=world.users[Role.SENIOR_CLINICIAN],
            read_version=1,
        )
    assert raised.value.field == field
    assert text.current == "Continue; review goals next week."


def test_an_amendment_made_on_an_earlier_version_is_refused(world):
    senior = world.users[Role.SENIOR_CLINICIAN]
    text = _decision(world)
    amend(text, new_text="First amendment", reason="One", by=senior, read_version=1)
    with pytest.raises(StaleEdit) as raised:
        amend(text, new_text="Based on the original", reason="Two", by=senior, read_version=1)
    assert raised.value.changes[0].saved == "First amendment"
    assert text.current == "First amendment"


def test_two_amendments_cannot_both_become_the_same_version(world):
    text = _decision(world)
    for _ in range(2):
        db.session.add(
            TextVersion(
                record_type=AuditRecordType.SUPERVISION,
                record_id=text.record_id,
                field="decision",
                version=2,
                text="Race",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_versions_for_many_records_is_one_query(world, count_queries):
    senior = world.users[Role.SENIOR_CLINICIAN]
    amend(_decision(world), new_text="A", reason="R", by=senior, read_version=1)
    db.session.flush()
    before = len(count_queries())
    found = versions_for(AuditRecordType.SUPERVISION, range(1, 500))
    assert len(count_queries()) - before == 1
    assert sum(len(v) for v in found.values()) == 2
    assert versions_for(AuditRecordType.SUPERVISION, []) == {}
