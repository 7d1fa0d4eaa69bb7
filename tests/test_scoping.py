"""Lookups are scoped by the user's school or team: anything out of scope is a 404.

The policy (each role's reach into schools, teams, referrals and cases) is tested as a
table, then applied to every role and kind of record on each database."""

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Child, Referral, ReferralSource, ReferralStatus
from mhst.schools.models import School
from mhst.security import scoping
from mhst.security.scoping import Kind, Reach, Shape
from mhst.sessions.group_models import GroupAudience, GroupKind, GroupProgramme

VISIBLE_SCHOOLS = {
    Role.ADMINISTRATOR: {"School A1", "School A2", "School B1", "School B2"},
    Role.CLINICAL_LEAD: {"School A1", "School A2", "School B1", "School B2"},
    Role.SENIOR_CLINICIAN: {"School A1", "School A2"},
    Role.EMHP: {"School A1", "School A2"},
    Role.SCHOOL_MENTAL_HEALTH_LEAD: {"School A1"},
    Role.COMMISSIONER: set(),  # suppressed reports only: no schools' pages at all
}
# Roles that may open the schools' pages (the commissioner may not: see below).
SCHOOL_PAGE_ROLES = [role for role in Role if role is not Role.COMMISSIONER]


@pytest.mark.parametrize("role", list(Role))
def test_school_scope_clause(role, world):
    user = world.users[role]
    names = set(db.session.scalars(select(School.name).where(scoping.scope(user, School))).all())
    assert names == VISIBLE_SCHOOLS[role]


@pytest.mark.parametrize("role", SCHOOL_PAGE_ROLES)
def test_schools_page_lists_only_schools_in_scope(role, world, auth, client):
    auth.sign_in(world.users[role].email)
    page = client.get("/schools/").get_data(as_text=True)
    for name in ("School A1", "School A2", "School B1", "School B2"):
        assert (name in page) == (name in VISIBLE_SCHOOLS[role]), name


@pytest.mark.parametrize("role", SCHOOL_PAGE_ROLES)
@pytest.mark.parametrize("school", ["school_a1", "school_a2", "school_b1", "school_b2"])
def test_school_page_is_404_out_of_scope(role, school, world, auth, client):
    auth.sign_in(world.users[role].email)
    target = getattr(world, school)
    response = client.get(f"/schools/{target.id}")
    if target.name in VISIBLE_SCHOOLS[role]:
        assert response.status_code == 200
        assert target.nhs_org_code in response.get_data(as_text=True)
    else:
        assert response.status_code == 404
        assert target.name not in response.get_data(as_text=True)


def test_the_commissioner_is_refused_every_school_page(world, auth, client):
    auth.sign_in(world.users[Role.COMMISSIONER].email)
    assert client.get("/schools/").status_code == 403
    for school in (world.school_a1, world.school_b1):
        response = client.get(f"/schools/{school.id}")
        assert response.status_code == 403
        assert school.name not in response.get_data(as_text=True)


def test_unknown_school_is_404_like_an_out_of_scope_one(world, auth, client):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    assert client.get("/schools/987654321").status_code == 404


def test_staff_without_a_team_see_no_team_work(world, make_user):
    drifting = make_user(Role.EMHP, team=None)
    assert db.session.scalars(select(School).where(scoping.scope(drifting, School))).all() == []
    assert db.session.scalars(select(Team).where(scoping.scope(drifting, Team))).all() == []


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        (Role.ADMINISTRATOR, {"Team A", "Team B"}),
        (Role.CLINICAL_LEAD, {"Team A", "Team B"}),
        (Role.SENIOR_CLINICIAN, {"Team A"}),
        (Role.EMHP, {"Team A"}),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, set()),
    ],
)
def test_team_scope_clause(role, teams, world):
    user = world.users[role]
    found = set(db.session.scalars(select(Team.name).where(scoping.scope(user, Team))).all())
    assert found == teams


# ---- the one policy: each role's reach into each kind of record --------------------------

R = Reach
POLICY_BY_ROLE = {  # each role's reach into schools, teams, referrals, cases, records, children
    Role.ADMINISTRATOR: (R.ALL, R.ALL, R.NONE, R.NONE, R.ALL, R.ALL),
    Role.CLINICAL_LEAD: (R.ALL, R.ALL, R.ALL, R.ALL, R.ALL, R.ALL),
    Role.SENIOR_CLINICIAN: (R.TEAM, R.TEAM, R.TEAM, R.TEAM, R.NONE, R.TEAM),
    Role.EMHP: (R.TEAM, R.TEAM, R.TEAM, R.HELD, R.NONE, R.TEAM),
    Role.SCHOOL_MENTAL_HEALTH_LEAD: (R.SCHOOL, R.NONE, R.MADE_BY_SCHOOL, R.NONE, R.NONE, R.NONE),
    Role.COMMISSIONER: (R.NONE, R.NONE, R.NONE, R.NONE, R.NONE, R.NONE),
}


def viewer(role, *, team_id=None, school_id=None) -> SimpleNamespace:
    return SimpleNamespace(id=1, role=role, team_id=team_id, school_id=school_id)


@pytest.mark.parametrize("role", list(Role))
def test_the_policy_gives_each_role_its_reach_into_each_kind(role):
    assert tuple(scoping.reach(viewer(role), kind) for kind in Kind) == POLICY_BY_ROLE[role]
    assert set(scoping.POLICY) == {role.value for role in Role}  # no role is left out


def test_a_role_the_policy_does_not_name_reaches_nothing():
    for kind in Kind:
        assert scoping.reach(viewer("visitor", team_id=1, school_id=1), kind) is Reach.NONE


def test_a_model_whose_shape_lacks_what_the_policy_needs_is_refused():
    class Shapeless:
        id = School.id

        @classmethod
        def scope_shape(cls):
            return Shape(Kind.SCHOOL, of_team=lambda team_id: School.team_id == team_id)

    lead = viewer(Role.SCHOOL_MENTAL_HEALTH_LEAD, school_id=1)
    with pytest.raises(TypeError, match="of_school"):
        scoping.scope(lead, Shapeless)


def test_scoping_imports_no_feature_package():
    """``mhst.security`` sits below the features: models bring their shapes to it."""
    imported = set()
    for node in ast.walk(ast.parse(Path(scoping.__file__).read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name and name.split(".")[0] == "mhst"}
    assert ours <= {"mhst.audit.models", "mhst.audit.operations", "mhst.extensions"}


# ---- the policy applied: every role, every kind, on each database -----------------------

# Who held each discharged case: the EMHP keeps reading a case they held when it was
# discharged, and only that one (``held_by`` in mhst/referrals/allocations.py).
DISCHARGED_CASES = {
    # name: (the holders in turn, the last one's allocation ended at discharge, status)
    "A2 discharged from the EMHP": (("emhp",), "discharged"),
    "A2 discharged from another EMHP": (("other",), "discharged"),
    "A2 handed on by the EMHP, then discharged": (("emhp", "other"), "discharged"),
    "A2 discharged from the EMHP, reopened to another": (("emhp", "other"), "allocated"),
}
TEAM_A_REFERRALS = {
    "A1 school's",
    "A1 self-referral",
    "A2 held by the EMHP",
    "A2 held by another EMHP",
    "A2 once held by the EMHP",
    *DISCHARGED_CASES,
}
EVERY_REFERRAL = TEAM_A_REFERRALS | {"B1 school's"}
A_SCHOOLS, ALL_SCHOOLS = {"School A1", "School A2"}, VISIBLE_SCHOOLS[Role.ADMINISTRATOR]
BOTH = {"Team A", "Team B"}
BOTH_GROUPS = {"Team A's group", "Team B's group"}
# A child is their school's team's, and the team's of every school that referred them.
TEAM_A_CHILDREN = {"A1 pupil", "A2 pupil", "Moved from A2 to B2"}
EVERY_CHILD = TEAM_A_CHILDREN | {"B1 pupil"}
NOTHING = {
    "school": set(),
    "team": set(),
    "group": set(),
    "referral": set(),
    "case": set(),
    "records": set(),
    "child": set(),
}
VISIBLE = {
    Role.ADMINISTRATOR: {
        **NOTHING,
        "school": ALL_SCHOOLS,
        "team": BOTH,
        "group": BOTH_GROUPS,
        "records": EVERY_REFERRAL,
        "child": EVERY_CHILD,
    },
    Role.CLINICAL_LEAD: {
        "school": ALL_SCHOOLS,
        "team": BOTH,
        "group": BOTH_GROUPS,
        "referral": EVERY_REFERRAL,
        "case": EVERY_REFERRAL,
        "records": EVERY_REFERRAL,
        "child": EVERY_CHILD,
    },
    Role.SENIOR_CLINICIAN: {
        "school": A_SCHOOLS,
        "team": {"Team A"},
        "group": {"Team A's group"},
        "referral": TEAM_A_REFERRALS,
        "case": TEAM_A_REFERRALS,
        "records": set(),
        "child": TEAM_A_CHILDREN,
    },
    Role.EMHP: {
        "school": A_SCHOOLS,
        "team": {"Team A"},
        "group": {"Team A's group"},
        "referral": TEAM_A_REFERRALS,
        "case": {"A2 held by the EMHP", "A2 discharged from the EMHP"},
        "records": set(),
        "child": TEAM_A_CHILDREN,
    },
    Role.SCHOOL_MENTAL_HEALTH_LEAD: {
        **NOTHING,
        "school": {"School A1"},
        "referral": {"A1 school's"},
    },
    Role.COMMISSIONER: NOTHING,
}
KINDS = {
    "school": Kind.SCHOOL,
    "team": Kind.TEAM,
    "group": Kind.TEAM,
    "referral": Kind.REFERRAL,
    "case": Kind.CASE,
    "records": Kind.RECORDS,
    "child": Kind.CHILD,
}


@pytest.fixture
def records(world, make_user, make_referral):
    """Named records of each kind, in and out of each role's reach: referrals of school A1
    (its own and a self-referral), of school A2 (held now by the EMHP, by another EMHP of
    team A, and once by the EMHP) and of school B1; a group of each team."""
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    other = make_user(Role.EMHP, team=world.team_a, full_name="Another Practitioner")
    referrals = {
        "A1 school's": world.referral_a1,
        "A1 self-referral": make_referral(
            world.school_a1, by=emhp, source=ReferralSource.SELF_REFERRAL_ONLINE
        ),
        "A2 held by the EMHP": world.case_a1,
        "A2 held by another EMHP": make_referral(world.school_a2, by=emhp),
        "A2 once held by the EMHP": make_referral(world.school_a2, by=emhp),
        "B1 school's": make_referral(world.school_b1, by=world.users[Role.CLINICAL_LEAD]),
    }
    moved = make_referral(world.school_a2, by=emhp, child={"given_name": "Moving"}).child
    moved.school = world.school_b2  # referred by school A2, now at school B2
    group_b = GroupProgramme(
        title="Team B's group",
        kind=GroupKind.UNIVERSAL,
        audience=GroupAudience.CHILDREN,
        team=world.team_b,
        school=world.school_b1,
        planned_sessions=4,
        created_by_id=senior.id,
    )
    db.session.add_all(
        [
            Allocation(
                referral=referrals["A2 held by another EMHP"],
                practitioner=other,
                allocated_by=senior,
            ),
            Allocation(
                referral=referrals["A2 once held by the EMHP"],
                practitioner=emhp,
                allocated_by=senior,
                ended_at=utcnow(),
                end_reason="Reallocated",
            ),
            group_b,
        ]
    )
    holders = {"emhp": emhp, "other": other}
    for name, (held_by, status) in DISCHARGED_CASES.items():
        referral = referrals[name] = make_referral(world.school_a2, by=emhp)
        referral.status = ReferralStatus(status)  # a later state, made directly
        for number, holder in enumerate(held_by, start=1):
            last = number == len(held_by)
            ended = None if last and status == "allocated" else utcnow()
            db.session.add(
                Allocation(
                    referral=referral,
                    practitioner=holders[holder],
                    allocated_by=senior,
                    ended_at=ended,
                    end_reason=None if ended is None else ("Discharged" if last else "Reallocated"),
                )
            )
            db.session.flush()  # allocations in the order they were made
    db.session.commit()
    schools = (world.school_a1, world.school_a2, world.school_b1, world.school_b2)
    return {
        "school": (School, {school.name: school for school in schools}),
        "team": (Team, {"Team A": world.team_a, "Team B": world.team_b}),
        "group": (GroupProgramme, {"Team A's group": world.group_a1, "Team B's group": group_b}),
        "referral": (Referral, referrals),
        "case": (Referral, referrals),
        "records": (Referral, referrals),
        "child": (
            Child,
            {
                "A1 pupil": world.referral_a1.child,
                "A2 pupil": world.case_a1.child,
                "B1 pupil": referrals["B1 school's"].child,
                "Moved from A2 to B2": moved,
            },
        ),
    }


@pytest.mark.parametrize("label", list(KINDS))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_finds_exactly_what_the_policy_reaches(role, label, world, records):
    user, kind = world.users[role], KINDS[label]
    model, named = records[label]
    found = set(db.session.scalars(select(model.id).where(scoping.scope(user, model, kind))))
    assert {name for name, row in named.items() if row.id in found} == VISIBLE[role][label]
    for name, row in named.items():
        visible = name in VISIBLE[role][label]
        assert scoping.in_scope(user, model, row.id, kind) is visible, name
        if visible:
            assert scoping.get_or_404(user, model, row.id, kind=kind) is row
        else:
            with pytest.raises(NotFound):
                scoping.get_or_404(user, model, row.id, kind=kind)
    with pytest.raises(NotFound):  # an id that does not exist, exactly like one out of reach
        scoping.get_or_404(world.users[Role.CLINICAL_LEAD], model, 987_654_321, kind=kind)


@pytest.mark.parametrize("label", list(KINDS))
def test_who_may_see_agrees_with_each_users_own_check_in_one_query(
    label, world, records, count_queries
):
    users = [world.users[role] for role in Role]
    kind = KINDS[label]
    model, named = records[label]
    for row in named.values():
        expected = [user for user in users if scoping.in_scope(user, model, row.id, kind)]
        before = len(count_queries())
        assert scoping.who_may_see(users, model, row.id, kind) == expected
        assert len(count_queries()) == before + 1
    assert scoping.who_may_see([], model, 1, kind) == []


def reads(record_type: str, record_id: int) -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == record_type,
            AuditEvent.record_id == str(record_id),
        )
    )


def test_reading_a_childs_record_is_audited_once_and_nothing_else_is(world):
    emhp, case = world.users[Role.EMHP], world.case_a1
    before = reads("referral", case.id)
    scoping.get_or_404(emhp, Referral, case.id)
    scoping.get_or_404(emhp, Referral, case.id, kind=Kind.CASE)
    scoping.get_or_404(emhp, Referral, case.id, audit=False)
    assert scoping.in_scope(emhp, Referral, case.id, Kind.CASE)
    with pytest.raises(NotFound):
        scoping.get_or_404(emhp, Referral, world.referral_a1.id, kind=Kind.CASE)
    scoping.get_or_404(emhp, School, world.school_a1.id)
    scoping.get_or_404(emhp, GroupProgramme, world.group_a1.id)
    db.session.commit()
    assert reads("referral", case.id) == before + 2
    assert reads("referral", world.referral_a1.id) == 0
    assert reads("school", world.school_a1.id) == reads("group", world.group_a1.id) == 0


def test_the_reports_team_comes_from_the_policy(world):
    users = world.users
    assert scoping.team_limit(users[Role.CLINICAL_LEAD], Kind.REFERRAL) is None
    assert scoping.team_limit(users[Role.SENIOR_CLINICIAN], Kind.REFERRAL) == world.team_a.id
    assert scoping.team_limit(users[Role.EMHP], Kind.CASE) == world.team_a.id
    for role in (Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER, Role.ADMINISTRATOR):
        with pytest.raises(ValueError, match="not a team's"):
            scoping.team_limit(users[role], Kind.REFERRAL)
