"""Two people merging records of one child at the same moment, crossing: B into A and A
into C. Both would make a chain (B into A into C); the rows are locked and the rule
checked again inside the lock, so one merge is made and the other refused."""

from mhst.referrals.child_models import Child
from tests.concurrency.client import simultaneously
from tests.conftest import new_referral


def test_crossing_merges_make_one_merge_and_no_chain(live):
    a, b, c = live.run(_three_records_of_one_child)
    senior, lead = live.client("senior@test.example"), live.client("lead@test.example")
    into_a, into_c = f"/children/{a}/merge/{b}", f"/children/{c}/merge/{a}"
    page_a, page_c = senior.get(into_a), lead.get(into_c)
    assert (page_a.status, page_c.status) == (200, 200)
    answers = {"reason": "One child, three records", "confirmed": "y"}
    replies = simultaneously(
        lambda: senior.post(into_a, answers, token_from=page_a),
        lambda: lead.post(into_c, answers, token_from=page_c),
    )
    assert sorted(reply.status for reply in replies) == [302, 400], [r.status for r in replies]
    refused = next(reply for reply in replies if reply.status == 400)
    assert "There is a problem" in refused.text
    assert "merged into" in refused.text  # already merged, or others merged into it
    merged_into = live.run(lambda: _merged_into([a, b, c]))
    targets = {target for target in merged_into.values() if target is not None}
    assert len(targets) == 1  # one merge made
    assert all(merged_into[target] is None for target in targets)  # into a record not merged


def _three_records_of_one_child() -> tuple[int, int, int]:
    from sqlalchemy import select

    from mhst.accounts.models import Role, User
    from mhst.extensions import db
    from mhst.referrals.models import Referral
    from mhst.schools.models import School

    school = db.session.scalars(select(School).where(School.name == "School A1")).one()
    emhp = db.session.scalars(select(User).where(User.role == Role.EMHP)).first()
    ids = []
    for given in ("Rowan", "Rowena", "Ro"):
        referral: Referral = new_referral(school, by=emhp, child={"given_name": given})
        ids.append(referral.child_id)
    return tuple(ids)


def _merged_into(ids: list[int]) -> dict[int, int | None]:
    from mhst.extensions import db

    return {child_id: db.session.get(Child, child_id).merged_into_id for child_id in ids}
