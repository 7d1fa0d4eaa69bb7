"""List pages run a fixed number of queries however many rows they show."""

import pytest

from mhst.accounts.models import Role
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.extensions import db
from tests.test_planning import waiting as waiting_school


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


@pytest.mark.parametrize(
    "path", ["/admin/users/", "/admin/audit-log/", "/schools/", "/admin/organisation/"]
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


def test_the_next_cohort_planner_uses_a_constant_number_of_queries(
    world, auth, client, count_queries
):
    """Each waiting school shows its figures, area and score: none loaded row by row."""

    auth.sign_in("lead@test.example")

    def queries() -> int:
        before = len(count_queries())
        assert client.get(f"/planning/next-cohort?team_id={world.team_a.id}").status_code == 200
        return len(count_queries()) - before

    waiting_school(world.area_a, "First", imd_decile=2)
    small = queries()
    for number in range(20):
        waiting_school(
            world.area_a, f"More {number}", imd_decile=number % 10 + 1, fsm_percent=number
        )
    assert small > 0
    assert queries() == small
