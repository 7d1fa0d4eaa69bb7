"""Group programmes: setting groups up, participants, sessions with attendance, and
whether a group counts towards access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.audit.operations import names_record
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.extensions import db
from mhst.referrals import operations as referral_operations
from mhst.referrals.models import ReferralStatus
from mhst.schools.models import ParticipationStatus
from mhst.sessions import group_access
from mhst.sessions import group_operations as operations
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupAudience,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)

TODAY = service_today()
RECEIVED_ON = TODAY - timedelta(days=60)


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_events(record_type: str, record_id) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == record_type, names_record(record_id))
            .order_by(AuditEvent.id)
        )
    )


def details(world, **changes) -> operations.GroupDetails:
    values = {
        "title": "Brave steps",
        "kind": GroupKind.TARGETED,
        "audience": GroupAudience.CHILDREN,
        "planned_sessions": 6,
        "facilitator_ids": [world.users[Role.EMHP].id],
        "school_id": world.school_a1.id,
        "is_virtual": False,
        "description": "Six sessions on worry for Year 7.",
    }
    return operations.GroupDetails(**{**values, **changes})


@pytest.fixture
def emhp(world):
    return world.users[Role.EMHP]


@pytest.fixture
def senior(world):
    return world.users[Role.SENIOR_CLINICIAN]


@pytest.fixture
def open_referral(world, make_referral, senior):
    """A team-A referral on the waiting list (accepted), with a parent's consent."""
    first = ["Ada", "Ben", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit"]
    names = iter(first + [f"Child{number}" for number in range(1, 100)])

    def make(school=None, given_name=None, by=None):
        school = school or world.school_a2
        referral = make_referral(
            school,
            by=by or senior,
            consent=True,
            child={"given_name": given_name or next(names)},
            received_on=RECEIVED_ON,  # before the sessions the tests record
        )
        referral_operations.triage(referral, ReferralStatus.ACCEPTED, by=by or senior, reason=None)
        db.session.commit()
        return referral

    return make


@pytest.fixture
def team_b_senior(world, make_user):
    return make_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="senior-b@test.example")


@pytest.fixture
def group(world, emhp):
    group = operations.create_group(details(world), by=emhp)
    db.session.commit()
    return group


def make_group(world, by, **changes) -> GroupProgramme:
    group = operations.create_group(details(world, **changes), by=by)
    db.session.commit()
    return group


# ---- setting a group up ---------------------------------------------------------------


def test_a_targeted_childrens_group_is_set_up_for_the_users_team(world, emhp, senior):
    group = make_group(world, emhp, facilitator_ids=[emhp.id, senior.id])
    assert group.team_id == world.team_a.id
    assert (group.kind, group.audience) == (GroupKind.TARGETED, GroupAudience.CHILDREN)
    assert group.school_id == world.school_a1.id
    assert not group.is_virtual
    assert {u.id for u in group.facilitators} == {emhp.id, senior.id}
    assert group.planned_sessions == 6
    assert group.created_by_id == emhp.id
    [event] = audit_events("group", group.id)
    assert (event.action, event.user_id) == (AuditAction.CREATE, emhp.id)


def test_a_universal_group_and_a_virtual_parents_group(world, senior):
    universal = make_group(
        world, senior, title="Exam stress", kind=GroupKind.UNIVERSAL, planned_sessions=1
    )
    assert universal.kind is GroupKind.UNIVERSAL
    parents = make_group(
        world,
        senior,
        title="Parenting for worry",
        audience=GroupAudience.PARENTS,
        school_id=None,
        is_virtual=True,
        planned_sessions=52,
    )
    assert parents.is_virtual
    assert parents.school_id is None
    assert parents.team_id == world.team_a.id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"facilitator_ids": []}, "facilitator_ids", "Select at least one facilitator"),
        ({"facilitator_ids": ["B"]}, "facilitator_ids", "your team's EMHPs and senior"),
        ({"facilitator_ids": ["lead"]}, "facilitator_ids", "your team's EMHPs and senior"),
        ({"facilitator_ids": [987654]}, "facilitator_ids", "your team's EMHPs and senior"),
        ({"school_id": None}, "school_id", "Select the school where the group meets"),
        ({"school_id": None, "is_virtual": True}, "is_virtual", "Only a parents' group"),
        ({"school_id": "B1"}, "school_id", "Select one of your team's schools"),
        ({"planned_sessions": 0}, "planned_sessions", "from 1 to 52"),
        ({"planned_sessions": 53}, "planned_sessions", "from 1 to 52"),
        ({"planned_sessions": None}, "planned_sessions", "from 1 to 52"),
        ({"title": "   "}, "title", "Enter the name of the group"),
        ({"title": "x" * 201}, "title", "200 characters or fewer"),
    ],
)
def test_a_group_that_breaks_a_rule_is_refused(world, emhp, make_user, change, field, message):
    others = {
        "B": make_user(Role.EMHP, team=world.team_b).id,
        "lead": world.users[Role.CLINICAL_LEAD].id,
        "B1": world.school_b1.id,
    }
    change = {
        key: [others.get(v, v) for v in value]
        if isinstance(value, list)
        else others.get(value, value)
        for key, value in change.items()
    }
    before = count(GroupProgramme)
    with pytest.raises(RuleError) as refused:
        operations.create_group(details(world, **change), by=emhp)
    db.session.rollback()
    assert refused.value.field == field
    assert message in refused.value.message
    assert count(GroupProgramme) == before


def test_an_inactive_facilitator_is_refused(world, emhp, make_user):
    gone = make_user(Role.EMHP, team=world.team_a, active=False)
    with pytest.raises(RuleError, match="your team's EMHPs"):
        operations.create_group(details(world, facilitator_ids=[emhp.id, gone.id]), by=emhp)


# ---- participants ---------------------------------------------------------------------


def test_three_participants_join_a_targeted_group(world, emhp, group, open_referral):
    referrals = [open_referral(), open_referral(), world.case_a1]
    for referral in referrals:
        operations.add_participant(group, referral, as_parent=False, by=emhp)
    db.session.commit()
    assert [p.referral_id for p in group.participants] == [r.id for r in referrals]
    assert not any(p.as_parent for p in group.participants)
    details_logged = [e.detail for e in audit_events("group", group.id)]
    assert details_logged.count(f"participant added: referral {referrals[0].id}") == 1


def test_a_parents_group_takes_the_parent_of_the_referred_child(world, emhp, open_referral):
    parents = make_group(
        world, emhp, audience=GroupAudience.PARENTS, school_id=None, is_virtual=True
    )
    referral = open_referral()
    with pytest.raises(RuleError, match="parents' group") as refused:
        operations.add_participant(parents, referral, as_parent=False, by=emhp)
    assert refused.value.field == "as_parent"
    participant = operations.add_participant(parents, referral, as_parent=True, by=emhp)
    db.session.commit()
    assert participant.as_parent
    assert operations.participant_name(participant) == "Ada Invented (parent or carer)"


def test_a_referral_without_consent_cannot_join(world, emhp, group, make_referral, open_referral):
    awaiting = make_referral(world.school_a2, by=emhp)  # no consent: awaiting consent
    with pytest.raises(RuleError, match="awaiting consent") as refused:
        operations.add_participant(group, awaiting, as_parent=False, by=emhp)
    assert refused.value.field == "referral_id"
    # An open referral whose consent is no longer valid meets the consent gate.
    accepted = open_referral()
    accepted.consents[0].withdrawn_at = utcnow()
    db.session.flush()
    with pytest.raises(RuleError, match="Consent was withdrawn") as refused:
        operations.add_participant(group, accepted, as_parent=False, by=emhp)
    assert refused.value.field == "referral_id"
    db.session.rollback()
    assert count(GroupParticipant) == 1  # world.group_a1's only


def test_another_teams_referral_cannot_join(world, emhp, group, open_referral, team_b_senior):
    world.school_b1.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    theirs = open_referral(world.school_b1, by=team_b_senior)
    with pytest.raises(RuleError, match="this group's team"):
        operations.add_participant(group, theirs, as_parent=False, by=emhp)


def test_nobody_joins_twice_and_a_targeted_group_is_capped(world, emhp, group, open_referral):
    first = open_referral()
    operations.add_participant(group, first, as_parent=False, by=emhp)
    with pytest.raises(RuleError, match="Ada Invented is already in this group"):
        operations.add_participant(group, first, as_parent=False, by=emhp)
    for _ in range(operations.MAX_TARGETED_PARTICIPANTS - 1):
        operations.add_participant(group, open_referral(), as_parent=False, by=emhp)
    db.session.commit()
    assert len(group.participants) == 12
    with pytest.raises(RuleError, match="up to 12"):
        operations.add_participant(group, world.case_a1, as_parent=False, by=emhp)


def test_a_universal_group_names_nobody(world, emhp, open_referral):
    universal = make_group(world, emhp, kind=GroupKind.UNIVERSAL)
    with pytest.raises(RuleError, match="head count"):
        operations.add_participant(universal, open_referral(), as_parent=False, by=emhp)


# ---- sessions -------------------------------------------------------------------------


@pytest.fixture
def three(world, emhp, group, open_referral):
    """The group with three participants (Ada, Ben and the world's case), all referred
    before the sessions the tests record."""
    world.case_a1.received_on = RECEIVED_ON
    participants = [
        operations.add_participant(group, referral, as_parent=False, by=emhp)
        for referral in (open_referral(), open_referral(), world.case_a1)
    ]
    db.session.commit()
    return participants


def test_two_sessions_record_one_attendance_per_participant(emhp, group, three):
    ada, ben, casey = three
    first = operations.record_session(
        group,
        held_on=TODAY - timedelta(days=7),
        topic="What is worry?",
        attended_ids={ada.id, ben.id},
        by=emhp,
    )
    second = operations.record_session(
        group, held_on=TODAY, topic=None, attended_ids={ada.id, casey.id}, by=emhp
    )
    db.session.commit()
    rows = db.session.execute(
        select(
            GroupAttendance.session_id, GroupAttendance.participant_id, GroupAttendance.attended
        ).order_by(GroupAttendance.session_id, GroupAttendance.participant_id)
    ).all()
    assert rows == [
        (first.id, ada.id, True),
        (first.id, ben.id, True),
        (first.id, casey.id, False),
        (second.id, ada.id, True),
        (second.id, ben.id, False),
        (second.id, casey.id, True),
    ]
    assert first.head_count is None
    assert first.topic == "What is worry?"
    assert [e.detail for e in audit_events("group", group.id)][-2:] == [
        f"session recorded: {TODAY - timedelta(days=7)}",
        f"session recorded: {TODAY}",
    ]


def test_an_attendance_for_someone_not_in_the_group_saves_nothing(world, emhp, group, three):
    # world.group_a1's participant (the same child, another group) and an id nobody has.
    others = world.group_a1.participants[0].id
    for stranger in (others, 987654):
        sessions, attendances = count(GroupSession), count(GroupAttendance)
        with pytest.raises(RuleError) as refused:
            operations.record_session(
                group, held_on=TODAY, topic="x", attended_ids={three[0].id, stranger}, by=emhp
            )
        db.session.rollback()
        assert refused.value.field == "attended"
        assert "is not in this group" in refused.value.message
        assert (count(GroupSession), count(GroupAttendance)) == (sessions, attendances)


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (TODAY + timedelta(days=1), "must be today or in the past"),
        (TODAY - timedelta(days=400), "a year before the group was set up"),
        (None, "Enter the date of the session"),
    ],
)
def test_a_session_date_must_be_plausible(emhp, group, three, held_on, message):
    with pytest.raises(RuleError, match=message) as refused:
        operations.record_session(group, held_on=held_on, topic=None, by=emhp)
    assert refused.value.field == "held_on"
    db.session.rollback()
    assert count(GroupSession) == 0


def test_a_session_cannot_be_recorded_twice_for_one_date(emhp, group, three):
    operations.record_session(group, held_on=TODAY, topic=None, by=emhp)
    with pytest.raises(RuleError, match="already been recorded"):
        operations.record_session(group, held_on=TODAY, topic="Again", by=emhp)


def test_a_targeted_group_needs_participants_before_a_session(emhp, group):
    with pytest.raises(RuleError, match="Add the group's participants"):
        operations.record_session(group, held_on=TODAY, topic=None, by=emhp)


def test_a_universal_group_records_a_head_count(world, emhp):
    universal = make_group(world, emhp, kind=GroupKind.UNIVERSAL)
    for bad in (None, -1, 501):
        with pytest.raises(RuleError, match="from 0 to 500") as refused:
            operations.record_session(universal, held_on=TODAY, topic=None, head_count=bad, by=emhp)
        assert refused.value.field == "head_count"
    with pytest.raises(RuleError, match="no named participants"):
        operations.record_session(
            universal, held_on=TODAY, topic=None, head_count=20, attended_ids={1}, by=emhp
        )
    session = operations.record_session(
        universal, held_on=TODAY, topic="Sleep", head_count=500, by=emhp
    )
    db.session.commit()
    assert session.head_count == 500
    assert session.attendances == []


# ---- counting towards access ----------------------------------------------------------


def run_sessions(group, by, attendance: list[set]) -> None:
    for number, came in enumerate(attendance):
        operations.record_session(
            group,
            held_on=TODAY - timedelta(days=len(attendance) - number),
            topic=None,
            attended_ids={p.id for p in came},
            by=by,
        )
    db.session.commit()


@pytest.mark.parametrize(
    ("pattern", "counts"),
    [
        ([{"ada"}, {"ada"}], False),  # 1 child over 2 sessions
        ([{"ada", "ben"}], False),  # 2 children at 1 session
        ([{"ada", "ben"}, set()], False),  # 2 children, the second session nobody came
        ([{"ada", "ben"}, {"ada", "ben"}], True),  # 2 children over 2 sessions
        ([{"ada"}, {"ben"}], True),  # 2 children, one at each of 2 sessions
        ([{"ada", "ben", "casey"}, {"casey"}, set()], True),
    ],
)
def test_counts_towards_access_on_and_either_side_of_the_rule(emhp, group, three, pattern, counts):
    people = dict(zip(["ada", "ben", "casey"], three, strict=True))
    assert group_access.counts_towards_access(group) is False
    run_sessions(group, emhp, [{people[name] for name in names} for names in pattern])
    assert group_access.counts_towards_access(group) is counts


def test_a_parent_and_their_child_count_as_one_child(world, emhp, open_referral):
    """A parents' group: two parents coming count their two children; one family, once."""
    parents = make_group(
        world, emhp, audience=GroupAudience.PARENTS, school_id=None, is_virtual=True
    )
    one = operations.add_participant(parents, open_referral(), as_parent=True, by=emhp)
    run_sessions(parents, emhp, [{one}, {one}])
    assert group_access.counts_towards_access(parents) is False
    two = operations.add_participant(parents, open_referral(), as_parent=True, by=emhp)
    operations.record_session(parents, held_on=TODAY, topic=None, attended_ids={two.id}, by=emhp)
    db.session.commit()
    assert group_access.counts_towards_access(parents) is True


@pytest.mark.parametrize(
    ("head_counts", "counts"),
    [([30], False), ([30, 1], False), ([2, 2], True), ([0, 25, 1, 2], True)],
)
def test_a_universal_group_counts_by_head_counts(world, emhp, head_counts, counts):
    universal = make_group(world, emhp, kind=GroupKind.UNIVERSAL)
    for number, head_count in enumerate(head_counts):
        operations.record_session(
            universal,
            held_on=TODAY - timedelta(days=number),
            topic=None,
            head_count=head_count,
            by=emhp,
        )
    db.session.commit()
    assert group_access.counts_towards_access(universal) is counts


# ---- pages ----------------------------------------------------------------------------


@pytest.fixture
def signed_in(auth):
    def sign_in(user):
        auth.sign_in(user.email)
        return user

    return sign_in


def group_form(world, **changes) -> dict:
    data = {
        "title": "Calm club",
        "kind": "targeted",
        "audience": "children",
        "school_id": str(world.school_a1.id),
        "facilitator_ids": [str(world.users[Role.EMHP].id)],
        "planned_sessions": "8",
        "description": "",
    }
    return {**data, **changes}


def test_an_emhp_sets_up_a_group_through_the_form(world, emhp, signed_in, auth, client):
    signed_in(emhp)
    page = client.get("/groups/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{emhp.id}" checked' in html  # the user facilitates by default
    assert "School B1" not in html
    response = auth.post("/groups/new", group_form(world))
    assert response.status_code == 302
    group = db.session.scalars(
        select(GroupProgramme).where(GroupProgramme.title == "Calm club")
    ).one()
    assert response.headers["Location"] == f"/groups/{group.id}"
    assert group.planned_sessions == 8
    assert group.school_id == world.school_a1.id
    shown = text_of(client.get(f"/groups/{group.id}"))
    assert "Group 'Calm club' set up" in shown
    assert "Nobody has been added to this group yet" in shown


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"facilitator_ids": []}, "Select at least one facilitator"),
        ({"school_id": "B1"}, "Select one of your team's schools from the list"),
        ({"school_id": ""}, "Select the school where the group meets, or say that it meets online"),
        ({"planned_sessions": "0"}, "Enter the number of planned sessions, from 1 to 52"),
        ({"planned_sessions": "53"}, "Enter the number of planned sessions, from 1 to 52"),
        ({"planned_sessions": "six"}, "Enter the number of planned sessions, from 1 to 52"),
        ({"kind": "'; DROP TABLE group_programme; --"}, "Select whether the group is targeted"),
        ({"facilitator_ids": ["999999"]}, "Select facilitators from your team's EMHPs"),
        ({"is_virtual": "y", "school_id": ""}, "Only a parents' group can meet online"),
    ],
)
def test_the_group_form_shows_what_to_fix(world, emhp, signed_in, auth, changes, message):
    signed_in(emhp)
    if changes.get("school_id") == "B1":
        changes = {**changes, "school_id": str(world.school_b1.id)}
    before = count(GroupProgramme)
    response = auth.post("/groups/new", group_form(world, **changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert count(GroupProgramme) == before


def test_the_group_page_shows_participants_and_attendance(
    world, emhp, group, three, signed_in, client
):
    ada, ben, casey = three
    run_sessions(group, emhp, [{ada, ben}, {ada, casey}])
    signed_in(emhp)
    response = client.get(f"/groups/{group.id}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("#participants a")}
    assert links["Ada Invented"] == f"/referrals/{ada.referral_id}"
    table = soup.select_one("#attendance")
    rows = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        for tr in table.select("tbody tr")
    ]
    assert rows == [
        ["Ada Invented", "Attended", "Attended"],
        ["Ben Invented", "Attended", "Did not attend"],
        ["Casey Allocated", "Did not attend", "Attended"],
    ]
    text = text_of(response)
    assert "Counts towards access Yes" in text
    assert group_access.ACCESS_RULE in text
    assert "Add a participant" in text
    assert "Record a session" in text


def test_reading_the_group_page_is_audited(world, emhp, group, three, signed_in, client):
    signed_in(emhp)
    client.get(f"/groups/{group.id}")
    [read] = [e for e in audit_events("group", group.id) if e.action is AuditAction.READ]
    assert read.user_id == emhp.id
    for participant in three:
        reads = [
            e
            for e in audit_events("referral", participant.referral_id)
            if e.action is AuditAction.READ and e.user_id == emhp.id
        ]
        assert len(reads) == 1


def test_adding_a_participant_through_the_form(
    world, emhp, group, open_referral, make_referral, signed_in, auth, client
):
    referral = open_referral()
    make_referral(world.school_a2, by=emhp, child={"given_name": "Nocon"})  # no consent
    signed_in(emhp)
    page = client.get(f"/groups/{group.id}/participants")
    text = text_of(page)
    assert f"Ada Invented, School A2, {referral.reference}" in text
    assert "Nocon" not in text
    assert "Add their parent or carer instead (parents' group)" in text
    response = auth.post(f"/groups/{group.id}/participants", {"referral_id": str(referral.id)})
    assert response.status_code == 302
    assert [p.referral_id for p in group.participants] == [referral.id]
    again = auth.post(f"/groups/{group.id}/participants", {"referral_id": str(referral.id)})
    assert again.status_code == 400
    assert "Select a child or young person from the list" in text_of(again)
    assert len(group.participants) == 1


def test_a_parents_group_ticks_parent_or_carer_by_default(
    world, emhp, open_referral, signed_in, client
):
    parents = make_group(
        world, emhp, audience=GroupAudience.PARENTS, school_id=None, is_virtual=True
    )
    open_referral()
    signed_in(emhp)
    soup = BeautifulSoup(
        client.get(f"/groups/{parents.id}/participants").get_data(as_text=True), "html.parser"
    )
    assert soup.select_one("input[name=as_parent]").has_attr("checked")


def test_recording_a_session_through_the_form(world, emhp, group, three, signed_in, auth, client):
    signed_in(emhp)
    page = text_of(client.get(f"/groups/{group.id}/sessions/new"))
    assert "Ada Invented" in page
    assert "Casey Allocated" in page
    response = auth.post(
        f"/groups/{group.id}/sessions/new",
        {
            "held_on-day": str(TODAY.day),
            "held_on-month": str(TODAY.month),
            "held_on-year": str(TODAY.year),
            "topic": "Worry monsters",
            "attended": [str(three[0].id), str(three[2].id)],
        },
    )
    assert response.status_code == 302
    [session] = group.sessions
    assert {a.participant_id: a.attended for a in session.attendances} == {
        three[0].id: True,
        three[1].id: False,
        three[2].id: True,
    }


def test_a_session_form_with_a_stranger_saves_nothing(world, emhp, group, three, signed_in, auth):
    signed_in(emhp)
    sessions, attendances = count(GroupSession), count(GroupAttendance)
    response = auth.post(
        f"/groups/{group.id}/sessions/new",
        {
            "held_on-day": str(TODAY.day),
            "held_on-month": str(TODAY.month),
            "held_on-year": str(TODAY.year),
            "attended": [str(three[0].id), str(world.group_a1.participants[0].id)],
        },
    )
    assert response.status_code == 400
    assert "is not in this group" in text_of(response)
    assert (count(GroupSession), count(GroupAttendance)) == (sessions, attendances)
    future = TODAY + timedelta(days=3)
    response = auth.post(
        f"/groups/{group.id}/sessions/new",
        {
            "held_on-day": str(future.day),
            "held_on-month": str(future.month),
            "held_on-year": str(future.year),
        },
    )
    assert response.status_code == 400
    assert "The date of the session must be today or in the past" in text_of(response)
    assert count(GroupSession) == sessions


def test_a_universal_group_session_takes_a_head_count(world, emhp, signed_in, auth, client):
    universal = make_group(world, emhp, kind=GroupKind.UNIVERSAL)
    signed_in(emhp)
    date_fields = {
        "held_on-day": str(TODAY.day),
        "held_on-month": str(TODAY.month),
        "held_on-year": str(TODAY.year),
    }
    missing = auth.post(f"/groups/{universal.id}/sessions/new", date_fields)
    assert missing.status_code == 400
    assert "Enter how many children or young people came, from 0 to 500" in text_of(missing)
    done = auth.post(f"/groups/{universal.id}/sessions/new", {**date_fields, "head_count": "27"})
    assert done.status_code == 302
    assert [s.head_count for s in universal.sessions] == [27]
    assert "Head count only" in text_of(client.get("/groups/"))


def test_another_team_cannot_see_the_group(world, group, team_b_senior, signed_in, auth, client):
    signed_in(team_b_senior)
    for path in (
        f"/groups/{group.id}",
        f"/groups/{group.id}/participants",
        f"/groups/{group.id}/sessions/new",
    ):
        assert client.get(path).status_code == 404
    assert auth.post(f"/groups/{group.id}/sessions/new", {}).status_code == 404
    listed = text_of(client.get("/groups/"))
    assert "Worry busters" not in listed
    assert "Brave steps" not in listed


def test_the_index_lists_the_teams_groups_and_whether_they_count(
    world, emhp, group, three, signed_in, client
):
    run_sessions(group, emhp, [{three[0], three[1]}, {three[0], three[1]}])
    signed_in(emhp)
    soup = BeautifulSoup(client.get("/groups/").get_data(as_text=True), "html.parser")
    rows = {
        tr.find("td").get_text(strip=True): [
            td.get_text(" ", strip=True) for td in tr.find_all("td")
        ]
        for tr in soup.select("tbody tr")
    }
    assert rows["Brave steps"][1:] == [
        "Targeted",
        "Children and young people",
        "School A1",
        "2 of 6",
        "3",
        "Yes",
    ]


def test_a_clinical_lead_sees_every_teams_groups_read_only(
    world, group, team_b_senior, signed_in, client
):
    theirs = make_group(
        world,
        team_b_senior,
        title="Team B sleep group",
        school_id=world.school_b1.id,
        facilitator_ids=[team_b_senior.id],
    )
    assert theirs.team_id == world.team_b.id
    signed_in(world.users[Role.CLINICAL_LEAD])
    text = text_of(client.get("/groups/"))
    assert "Brave steps" in text
    assert "Team B sleep group" in text
    assert "MHST team" in text
    shown = text_of(client.get(f"/groups/{group.id}"))
    assert "Record a session" not in shown
    assert "Add a participant" not in shown


# ---- query counts ---------------------------------------------------------------------


def build(world, by, open_referral, size: int) -> GroupProgramme:
    """A group with ``size`` participants and ``size`` sessions."""
    group = make_group(world, by, title=f"Group of {size}", planned_sessions=52)
    people = [
        operations.add_participant(group, open_referral(), as_parent=False, by=by)
        for _ in range(size)
    ]
    run_sessions(group, by, [set(people[: i + 1]) for i in range(size)])
    return group


def queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


def test_the_pages_make_a_fixed_number_of_queries(
    world, emhp, open_referral, signed_in, client, count_queries
):
    small = build(world, emhp, open_referral, 2)
    signed_in(emhp)
    show_small = queries_for(client, count_queries, f"/groups/{small.id}")
    index_small = queries_for(client, count_queries, "/groups/")
    big = build(world, emhp, open_referral, 10)
    for _ in range(8):
        make_group(world, emhp)
    assert queries_for(client, count_queries, f"/groups/{big.id}") == show_small
    assert queries_for(client, count_queries, "/groups/") == index_small
    assert show_small > 0
    assert index_small > 0
