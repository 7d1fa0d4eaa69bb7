"""Merging two records of one child, and undoing it (mhst/children/operations.py): the
referrals move and come back, nothing is deleted, the history and the audit are kept, and
the guards hold (itself, chains, another team's children). On both databases."""

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.children import operations
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals.child_models import Child, ChildMerge
from mhst.referrals.models import Referral


@pytest.fixture
def pair(world, make_referral):
    """Two records of one child at school A1 (the NHS number missing on one, the name
    spelt differently): the world's Alex Invented, and Alexandra Invented."""
    emhp = world.users[Role.EMHP]
    second = make_referral(world.school_a1, by=emhp, child={"given_name": "Alexandra"})
    assert second.child_id != world.referral_a1.child_id
    return world.referral_a1.child, second.child, second


def _merge(kept, merged, user, reason="Same child: one referral had her full name"):
    merge = operations.merge_children(kept, merged, by=user, reason=reason)
    db.session.flush()
    return merge


def test_a_merge_moves_the_referrals_and_keeps_the_merged_record(world, pair):
    kept, merged, moved_referral = pair
    senior = world.users[Role.SENIOR_CLINICIAN]
    merge = _merge(kept, merged, senior)
    assert db.session.get(Referral, moved_referral.id).child_id == kept.id
    assert db.session.get(Child, merged.id).merged_into_id == kept.id  # marked, not deleted
    assert [link.referral_id for link in merge.moved] == [moved_referral.id]
    assert (merge.merged_by, merge.reason) == (senior, "Same child: one referral had her full name")
    audited = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == AuditRecordType.CHILD_MERGE,
            AuditEvent.record_id == str(merge.id),
        )
    ).all()
    assert [event.action for event in audited] == [AuditAction.CREATE]
    assert f"{merged.reference} merged into {kept.reference}" in audited[0].detail


def test_an_undo_moves_back_exactly_what_moved_and_keeps_the_history(world, pair, make_referral):
    kept, merged, moved_referral = pair
    lead = world.users[Role.CLINICAL_LEAD]
    merge = _merge(kept, merged, lead)
    operations.undo_merge(merge, by=lead, reason="Twins: not the same child")
    db.session.flush()
    assert db.session.get(Referral, moved_referral.id).child_id == merged.id
    assert db.session.get(Referral, world.referral_a1.id).child_id == kept.id  # never moved
    assert db.session.get(Child, merged.id).merged_into_id is None
    stored = db.session.get(ChildMerge, merge.id)
    assert stored.undone
    assert (stored.undone_by, stored.undo_reason) == (
        lead,
        "Twins: not the same child",
    )
    with pytest.raises(RuleError, match="already been undone"):
        operations.undo_merge(stored, by=lead, reason="Again")
    # Merged again later: a second merge record, the first still there, undone.
    _merge(kept, merged, lead)
    assert (
        len(db.session.scalars(select(ChildMerge).where(ChildMerge.kept_child_id == kept.id)).all())
        == 2
    )


def test_a_record_is_never_merged_into_itself(world, pair):
    kept, _merged, _referral = pair
    with pytest.raises(RuleError, match="cannot be merged into itself"):
        _merge(kept, kept, world.users[Role.SENIOR_CLINICIAN])


def test_merges_never_chain(world, pair, make_referral):
    kept, merged, _referral = pair
    senior = world.users[Role.SENIOR_CLINICIAN]
    third = make_referral(world.school_a1, by=senior, child={"given_name": "Alexa"}).child
    _merge(kept, merged, senior)
    with pytest.raises(RuleError, match="already merged into"):
        _merge(third, merged, senior)  # the merged record into another
    with pytest.raises(RuleError, match="already merged into"):
        _merge(merged, third, senior)  # another into the merged record
    with pytest.raises(RuleError, match="Other records were merged into"):
        _merge(third, kept, senior)  # the record merged into, into a third
    _merge(kept, third, senior)  # the other way round is fine
    assert db.session.get(Child, third.id).merged_into_id == kept.id


def test_an_undo_waits_for_a_later_merge_of_the_kept_record(world, pair, make_referral):
    kept, merged, _referral = pair
    senior = world.users[Role.SENIOR_CLINICIAN]
    first = _merge(kept, merged, senior)
    final = make_referral(world.school_a1, by=senior, child={"given_name": "Alexa"}).child
    kept.merged_into = final  # merged on since (as before the no-chain guard, say)
    db.session.flush()
    with pytest.raises(RuleError, match="undo that merge first"):
        operations.undo_merge(first, by=senior, reason="Wrong")


def test_nobody_merges_another_teams_child(world, pair, make_referral):
    kept, merged, _referral = pair
    senior = world.users[Role.SENIOR_CLINICIAN]
    # The merged record also has a referral from team B's school.
    elsewhere = make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD])
    elsewhere.child_id = merged.id
    db.session.flush()
    with pytest.raises(RuleError, match="another team's schools"):
        _merge(kept, merged, senior)
    # The clinical lead, and the administrator, reach every child.
    assert operations.merge_problem(world.users[Role.CLINICAL_LEAD], kept, merged) is None
    assert operations.merge_problem(world.users[Role.ADMINISTRATOR], kept, merged) is None


# ---- the pages ------------------------------------------------------------------------


def test_a_senior_clinician_merges_on_the_page_and_an_emhp_cannot(world, pair, auth, client):
    kept, merged, moved_referral = pair
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get(f"/children/{kept.id}/merge/{merged.id}").status_code == 403
    auth.sign_out()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    found = auth.post(f"/children/{kept.id}/merge", {"reference": merged.reference.lower()})
    assert found.headers["Location"] == f"/children/{kept.id}/merge/{merged.id}"
    page = client.get(f"/children/{kept.id}/merge/{merged.id}").get_data(as_text=True)
    assert "Alexandra Invented" in page
    assert "Alex Invented" in page
    refused = auth.post(f"/children/{kept.id}/merge/{merged.id}", {"reason": "Same child"})
    assert refused.status_code == 400
    assert "Confirm that you have checked" in refused.get_data(as_text=True)
    done = auth.post(
        f"/children/{kept.id}/merge/{merged.id}", {"reason": "Same child", "confirmed": "y"}
    )
    assert done.status_code == 302
    assert db.session.get(Referral, moved_referral.id).child_id == kept.id
    page = client.get(f"/children/{kept.id}").get_data(as_text=True)
    assert moved_referral.reference in page
    assert "Undo this merge" in page
    # The merged record's page says where it went.
    merged_page = client.get(f"/children/{merged.id}").get_data(as_text=True)
    assert "This record was merged into another" in merged_page


def test_the_undo_page(world, pair, auth, client):
    kept, merged, moved_referral = pair
    merge = _merge(kept, merged, world.users[Role.ADMINISTRATOR])
    db.session.commit()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert auth.post(f"/children/merges/{merge.id}/undo", {"reason": ""}).status_code == 400
    response = auth.post(f"/children/merges/{merge.id}/undo", {"reason": "Not the same child"})
    assert response.status_code == 302
    assert db.session.get(Referral, moved_referral.id).child_id == merged.id


def test_a_merge_of_another_teams_children_is_404(world, make_referral, auth, client):
    lead = world.users[Role.CLINICAL_LEAD]
    one = make_referral(world.school_b1, by=lead).child
    two = make_referral(world.school_b1, by=lead, child={"given_name": "Other"}).child
    merge = _merge(one, two, lead)
    db.session.commit()
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    assert client.get(f"/children/{one.id}/merge/{two.id}").status_code == 404
    assert client.get(f"/children/merges/{merge.id}/undo").status_code == 404
    found = auth.post(f"/children/{world.referral_a1.child_id}/merge", {"reference": one.reference})
    assert found.status_code == 400
    assert "No record you can see has this reference" in found.get_data(as_text=True)
