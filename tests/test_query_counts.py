"""List pages run a fixed number of queries however many rows they show."""

import pytest

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.extensions import db


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


@pytest.mark.parametrize(
    "path", ["/admin/users/", "/admin/audit-log/", "/schools/", "/admin/organisation/", "/need/"]
)
def test_list_pages_use_a_constant_number_of_queries(
    path, world, auth, client, make_user, make_school, make_team, count_queries
):
    admin = world.users[Role.ADMINISTRATOR]
    auth.sign_in(admin.email)
    small = _queries_for(client, count_queries, path)
    for _ in range(20):
        # Each row has its own related rows, so a lazy load per row would show.
        school = make_school(team=make_team())
        make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
        audit.record(AuditAction.READ, AuditRecordType.REFERRAL, 1, user=admin)
    db.session.commit()
    assert small > 0  # the counter really sees the queries
    assert _queries_for(client, count_queries, path) == small
