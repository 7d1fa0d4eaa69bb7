"""Two people erasing one child's record at the same moment: one erasure happens, the
other is told the record had already been erased, and the log holds one erasure."""

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.extensions import db
from mhst.referrals.models import Child
from tests.concurrency.client import simultaneously
from tests.conftest import new_referral


def _waiting_child(live) -> int:
    world = live.world()
    referral = new_referral(
        world.school_a1,
        by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
        consent=True,
        child={"given_name": "Concurrent", "family_name": "Objector"},
    )
    return referral.child_id


def _erasures() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.DELETE,
            AuditEvent.record_type == AuditRecordType.CHILD,
        )
    )


def test_simultaneous_erasures_erase_once_and_tell_the_other(live):
    child_id = live.run(_waiting_child, live)
    before = live.run(_erasures)
    first, second = live.client("admin@test.example"), live.client("lead@test.example")
    path = f"/privacy/children/{child_id}/erase"
    page_one, page_two = first.get(path), second.get(path)
    data = {"reason": "The family objected by phone.", "confirmed": "yes"}
    replies = simultaneously(
        lambda: first.post(path, data, token_from=page_one),
        lambda: second.post(path, data, token_from=page_two),
    )
    assert [reply.status for reply in replies] == [302, 302]
    messages = sorted(client.get("/privacy/").text for client in (first, second))
    told = [
        "The child&#39;s record was erased: 1 child&#39;s record" in text
        or "had already been erased: nothing more was deleted" in text
        for text in messages
    ]
    assert told == [True, True]
    assert sum("had already been erased" in text for text in messages) == 1
    assert live.run(lambda: db.session.get(Child, child_id)) is None
    assert live.run(_erasures) == before + 1
