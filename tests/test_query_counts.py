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


def test_campaign_pages_use_a_constant_number_of_queries(world, auth, client, count_queries):
    """A campaign's page, its recipients and its send page: the same queries for 1 school
    sent it as for 21 (each with an activity and an interest registration from it)."""
    from datetime import date

    from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
    from mhst.schools.models import InterestRegistration
    from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity
    from tests.conftest import new_school

    lead = world.users[Role.CLINICAL_LEAD]
    auth.sign_in(lead.email)
    campaign = Campaign(
        name="Counted campaign",
        first_day=date(2026, 2, 9),
        last_day=date(2026, 2, 15),
        message="Counted.",
    )
    db.session.add(campaign)

    def one_more_school() -> None:
        school = new_school()
        db.session.add_all(
            [
                CampaignRecipient(campaign=campaign, school=school, state=RecipientState.SENT),
                WholeSchoolActivity(
                    school=school,
                    kind=ActivityKind.ASSEMBLY,
                    held_on=date(2026, 2, 10),
                    theme="Belonging",
                    delivered_by="EMHPs",
                    attendance=10,
                    recorded_by=lead,
                    campaign_id=campaign.id,
                ),
                InterestRegistration(
                    school_name=school.name,
                    urn=school.urn,
                    area=school.area,
                    contact_name="Jo",
                    contact_role="Head",
                    contact_email="jo@school.example",
                    campaign_id=campaign.id,
                ),
            ]
        )
        db.session.commit()

    db.session.commit()
    one_more_school()
    paths = [f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/recipients"]
    paths.append(f"/campaigns/{campaign.id}/send")
    small = {path: _queries_for(client, count_queries, path) for path in paths}
    for _ in range(20):
        one_more_school()
    assert all(count > 0 for count in small.values())
    assert {path: _queries_for(client, count_queries, path) for path in paths} == small


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
