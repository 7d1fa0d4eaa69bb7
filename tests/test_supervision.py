"""Case-management supervision: recording the cases discussed, who sees the records, and
the open cases overdue a discussion."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.referrals import consent as referral_consent
from mhst.referrals import operations as referral_operations
from mhst.referrals import submission as referral_submission
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Referral, ReferralStatus
from mhst.schools.models import ParticipationStatus
from mhst.supervision import operations
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from tests.audit_reads import audited_ids, named_ids
from tests.conftest import child_details, parent_consent, referral_details

_names = count(1)


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SERVICE_TIME_ZONE)


@pytest.fixture
def make_case(world):
    """An open case allocated to ``practitioner`` ``allocated_days_ago`` days ago."""

    def make(
        practitioner,
        *,
        school=None,
        senior=None,
        allocated_days_ago: int = 0,
        given_name: str | None = None,
        family_name: str = "Invented",
    ) -> Referral:
        school = school or world.school_a2
        senior = senior or world.users[Role.SENIOR_CLINICIAN]
        school.participation_status = ParticipationStatus.ACTIVE
        referral = referral_submission.submit_referral(
            school,
            child_details(given_name=given_name or f"Robin{next(_names)}", family_name=family_name),
            referral_details(),
            by=senior,
        )
        referral_consent.record_consent(referral, parent_consent(), by=senior)
        referral_operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
        referral_operations.transition(referral, ReferralStatus.ALLOCATED, by=senior)
        db.session.add(
            Allocation(
                referral=referral,
                practitioner=practitioner,
                allocated_by=senior,
                allocated_at=local_noon(service_today() - timedelta(days=allocated_days_ago)),
            )
        )
        db.session.commit()
        return referral

    return make


@pytest.fixture
def team_b(world, make_user):
    """Team B's senior clinician and EMHP."""
    return {
        Role.SENIOR_CLINICIAN: make_user(
            Role.SENIOR_CLINICIAN, team=world.team_b, full_name="Blake Bsenior"
        ),
        Role.EMHP: make_user(Role.EMHP, team=world.team_b, full_name="Bailey Bemhp"),
    }


def discuss(world, cases, *, days_ago: int = 0, practitioner=None):
    """Record a supervision of ``cases`` (committed) ``days_ago`` days ago."""
    senior = world.users[Role.SENIOR_CLINICIAN]
    supervision = operations.record_supervision(
        supervisor=senior,
        practitioner=practitioner or world.users[Role.EMHP],
        held_on=service_today() - timedelta(days=days_ago),
        cases=[(case, f"Decision for {case.child.given_name}") for case in cases],
        by=senior,
    )
    db.session.commit()
    return supervision


def supervision_count() -> int:
    return len(db.session.scalars(select(SupervisionRecord.id)).all())


# ---- recording (the operation) --------------------------------------------------------


def test_a_supervision_records_two_cases_and_audits_each(world, make_case):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    second = make_case(emhp, given_name="Jamie")
    held_on = service_today() - timedelta(days=2)
    supervision = operations.record_supervision(
        supervisor=senior,
        practitioner=emhp,
        held_on=held_on,
        cases=[
            (world.case_a1, "  Continue guided self-help; review goals.  "),
            (second, "Book a review with the parent."),
        ],
        by=senior,
    )
    db.session.commit()

    stored = db.session.get(SupervisionRecord, supervision.id)
    assert (
        stored.held_on,
        stored.supervisor_id,
        stored.practitioner_id,
        stored.recorded_by_id,
    ) == (
        held_on,
        senior.id,
        emhp.id,
        senior.id,
    )
    assert [(c.referral_id, c.decision) for c in stored.cases] == [
        (world.case_a1.id, "Continue guided self-help; review goals."),
        (second.id, "Book a review with the parent."),
    ]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == senior.id).order_by(AuditEvent.id)
    ).all()
    created = [e for e in events if e.record_type == "supervision"]
    assert [(e.action, e.record_id) for e in created] == [(AuditAction.CREATE, str(supervision.id))]
    updates = [
        (e.record_id, e.detail)
        for e in events
        if e.record_type == "referral" and e.detail == "discussed in supervision"
    ]
    assert updates == [
        (str(world.case_a1.id), "discussed in supervision"),
        (str(second.id), "discussed in supervision"),
    ]
    assert all(
        e.action is AuditAction.UPDATE for e in events if e.detail == "discussed in supervision"
    )


def test_another_senior_clinician_of_the_team_may_be_the_supervisor(world, make_user):
    other_senior = make_user(Role.SENIOR_CLINICIAN, team=world.team_a)
    supervision = operations.record_supervision(
        supervisor=other_senior,
        practitioner=world.users[Role.EMHP],
        held_on=service_today(),
        cases=[(world.case_a1, "Continue.")],
        by=world.users[Role.SENIOR_CLINICIAN],
    )
    assert supervision.supervisor_id == other_senior.id
    assert supervision.recorded_by_id == world.users[Role.SENIOR_CLINICIAN].id


def _refused(world, *, field: str, message: str, **changes):
    senior, emhp = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP]
    arguments = {
        "supervisor": senior,
        "practitioner": emhp,
        "held_on": service_today(),
        "cases": [(world.case_a1, "Continue.")],
        "by": senior,
        **changes,
    }
    before = supervision_count()
    with pytest.raises(RuleError) as error:
        operations.record_supervision(**arguments)
    db.session.rollback()
    assert (error.value.field, error.value.message) == (field, message)
    assert supervision_count() == before


def test_a_future_date_is_refused(world):
    _refused(
        world,
        held_on=service_today() + timedelta(days=1),
        field="held_on",
        message="The date of supervision must be today or in the past",
    )


def test_a_date_over_a_year_ago_is_refused(world):
    _refused(
        world,
        held_on=service_today() - timedelta(days=400),
        field="held_on",
        message="The date of supervision must be within the last year",
    )


def test_a_practitioner_of_another_team_is_refused(world, team_b):
    _refused(
        world,
        practitioner=team_b[Role.EMHP],
        field="practitioner",
        message="Select a practitioner of your team from the list",
    )


def test_a_supervisor_who_is_not_a_senior_clinician_of_the_team_is_refused(world, team_b):
    for supervisor in (world.users[Role.EMHP], team_b[Role.SENIOR_CLINICIAN]):
        _refused(
            world,
            supervisor=supervisor,
            field="supervisor",
            message="Select a senior clinician of your team as the supervisor",
        )


def test_the_supervisor_cannot_supervise_themselves(world, make_case):
    senior = world.users[Role.SENIOR_CLINICIAN]
    own_case = make_case(senior, given_name="Sol")
    _refused(
        world,
        practitioner=senior,
        cases=[(own_case, "Continue.")],
        field="supervisor",
        message="Select a supervisor who is not the practitioner being supervised",
    )


def test_a_case_not_allocated_to_the_practitioner_is_refused(world, make_case, make_user):
    other_emhp = make_user(Role.EMHP, team=world.team_a, full_name="Ola Otheremhp")
    elsewhere = make_case(other_emhp, given_name="Kit", family_name="Elsewhere")
    _refused(
        world,
        cases=[(world.case_a1, "Continue."), (elsewhere, "Review.")],
        field=f"decision_{elsewhere.id}",
        message=f"Kit Elsewhere's case is not allocated to {world.users[Role.EMHP].full_name}",
    )


def test_a_case_whose_allocation_ended_is_refused(world):
    allocation = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == world.case_a1.id)
    ).one()
    allocation.ended_at = allocation.allocated_at + timedelta(days=1)
    db.session.commit()
    _refused(
        world,
        field=f"decision_{world.case_a1.id}",
        message=f"Casey Allocated's case is not allocated to {world.users[Role.EMHP].full_name}",
    )


def test_a_case_of_another_team_is_refused(world, make_case, team_b):
    b_case = make_case(
        world.users[Role.EMHP],  # even if (wrongly) allocated to this practitioner
        school=world.school_b1,
        senior=team_b[Role.SENIOR_CLINICIAN],
        given_name="Bo",
        family_name="Bteam",
    )
    _refused(
        world,
        cases=[(b_case, "Continue.")],
        field=f"decision_{b_case.id}",
        message=f"Bo Bteam is not a case of {world.users[Role.EMHP].full_name}'s team",
    )


def test_a_closed_case_is_refused(world):
    referral_operations.move_to(
        world.case_a1, ReferralStatus.DISCHARGED, by=world.users[Role.EMHP], reason="Goals met"
    )
    db.session.commit()
    _refused(
        world,
        field=f"decision_{world.case_a1.id}",
        message="Casey Allocated's case is not open (discharged): only open cases can be discussed",
    )


def test_a_case_on_the_waiting_list_is_refused(world, make_referral):
    waiting = make_referral(world.school_a2, by=world.users[Role.EMHP], consent=True)
    _refused(
        world,
        cases=[(waiting, "Allocate soon.")],
        field=f"decision_{waiting.id}",
        message="Alex Invented's case is not open (ready for triage): "
        "only open cases can be discussed",
    )


@pytest.mark.parametrize("decision", ["", "   "])
def test_a_decision_is_required_for_each_case(world, decision):
    _refused(
        world,
        cases=[(world.case_a1, decision)],
        field=f"decision_{world.case_a1.id}",
        message="Enter the decision or action for Casey Allocated",
    )


def test_a_decision_over_5000_characters_is_refused(world):
    _refused(
        world,
        cases=[(world.case_a1, "x" * 5001)],
        field=f"decision_{world.case_a1.id}",
        message="The decision for Casey Allocated must be 5,000 characters or fewer",
    )


def test_a_case_listed_twice_is_refused(world):
    _refused(
        world,
        cases=[(world.case_a1, "Continue."), (world.case_a1, "Continue again.")],
        field=f"decision_{world.case_a1.id}",
        message="Casey Allocated's case is listed twice: record it once",
    )


def test_at_least_one_case_is_needed(world):
    _refused(world, cases=[], field="cases", message="Select at least one case you discussed")


# ---- recording (the pages) ------------------------------------------------------------


@pytest.fixture
def senior(world, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    return world.users[Role.SENIOR_CLINICIAN]


def case_form(world, *cases_data, supervisor=None, held_on: date | None = None) -> dict:
    held_on = held_on or service_today()
    data = {
        "supervisor": str((supervisor or world.users[Role.SENIOR_CLINICIAN]).id),
        "held_on-day": str(held_on.day),
        "held_on-month": str(held_on.month),
        "held_on-year": str(held_on.year),
    }
    for referral, ticked, decision in cases_data:
        if ticked:
            data[f"discussed_{referral.id}"] = "y"
        data[f"decision_{referral.id}"] = decision
    return data


def test_a_senior_clinician_records_supervision_in_two_steps(
    senior, world, auth, client, make_case
):
    emhp = world.users[Role.EMHP]
    second = make_case(emhp, given_name="Jamie", family_name="Second")
    make_case(world.users[Role.SENIOR_CLINICIAN], given_name="Not", family_name="Listed")

    step_one = client.get("/supervision/new")
    assert step_one.status_code == 200
    options = [
        o.get_text(strip=True) for o in soup_of(step_one).select("select#practitioner option")
    ]
    assert f"{emhp.full_name} (Education mental health practitioner (EMHP))" in options
    assert soup_of(step_one).select_one("main form")["method"] == "get"

    step_two = client.get(f"/supervision/new?practitioner={emhp.id}")
    assert step_two.status_code == 200
    page = soup_of(step_two)
    legends = [legend.get_text(strip=True) for legend in page.select("fieldset legend")]
    assert "Casey Allocated" in legends
    assert "Jamie Second" in legends
    assert "Not Listed" not in text_of(step_two)  # the senior's own case, not the EMHP's
    assert page.select_one(f"input#discussed_{second.id}") is not None
    assert page.select_one(f"textarea#decision_{second.id}") is not None
    assert page.select_one("select#supervisor option[selected]")["value"] == str(senior.id)

    held_on = service_today() - timedelta(days=1)
    response = auth.post(
        f"/supervision/new?practitioner={emhp.id}",
        case_form(
            world,
            (world.case_a1, True, "Continue; add a sleep diary."),
            (second, True, "Step up to CAMHS if no change in 2 weeks."),
            held_on=held_on,
        ),
    )
    assert response.status_code == 302
    supervision = db.session.scalars(
        select(SupervisionRecord).order_by(SupervisionRecord.id.desc())
    ).first()
    assert response.headers["Location"] == f"/supervision/{supervision.id}"
    assert supervision.held_on == held_on
    assert supervision.practitioner_id == emhp.id
    assert {(c.referral_id, c.decision) for c in supervision.cases} == {
        (world.case_a1.id, "Continue; add a sleep diary."),
        (second.id, "Step up to CAMHS if no change in 2 weeks."),
    }

    shown = client.get(response.headers["Location"])
    text = text_of(shown)
    assert f"Supervision with {emhp.full_name} on {held_on.day} {held_on:%B %Y} recorded." in text
    assert "Step up to CAMHS if no change in 2 weeks." in text
    link = soup_of(shown).find("a", string="Jamie Second")
    assert link["href"] == f"/referrals/{second.id}"


def test_a_decision_typed_for_an_unticked_case_counts_as_discussed(senior, world, auth):
    emhp = world.users[Role.EMHP]
    response = auth.post(
        f"/supervision/new?practitioner={emhp.id}",
        case_form(world, (world.case_a1, False, "Typed but not ticked.")),
    )
    assert response.status_code == 302
    supervision = db.session.scalars(
        select(SupervisionRecord).order_by(SupervisionRecord.id.desc())
    ).first()
    assert [c.decision for c in supervision.cases] == ["Typed but not ticked."]


def test_a_ticked_case_without_a_decision_shows_an_error_on_its_decision(
    senior, world, auth, make_case
):
    emhp = world.users[Role.EMHP]
    second = make_case(emhp, given_name="Jamie", family_name="Second")
    before = supervision_count()
    response = auth.post(
        f"/supervision/new?practitioner={emhp.id}",
        case_form(world, (world.case_a1, True, "Continue."), (second, True, "")),
    )
    assert response.status_code == 400
    page = soup_of(response)
    summary = page.select(".nhsuk-error-summary a")
    assert [(a["href"], a.get_text(strip=True)) for a in summary] == [
        (f"#decision_{second.id}", "Enter the decision or action for Jamie Second")
    ]
    # What was typed and ticked is kept.
    assert page.select_one(f"textarea#decision_{world.case_a1.id}").get_text() == "Continue."
    assert page.select_one(f"input#discussed_{second.id}").has_attr("checked")
    assert supervision_count() == before


def test_no_case_discussed_and_a_future_date_are_shown_at_once(senior, world, auth):
    emhp = world.users[Role.EMHP]
    before = supervision_count()
    response = auth.post(
        f"/supervision/new?practitioner={emhp.id}",
        case_form(world, (world.case_a1, False, ""), held_on=service_today() + timedelta(days=3)),
    )
    assert response.status_code == 400
    summary = [
        (a["href"], a.get_text(strip=True))
        for a in soup_of(response).select(".nhsuk-error-summary a")
    ]
    assert summary == [
        ("#held_on", "The date of supervision must be today or in the past"),
        (f"#discussed_{world.case_a1.id}", "Select at least one case you discussed"),
    ]
    assert supervision_count() == before


def test_an_unknown_supervisor_is_refused_with_a_message(senior, world, auth, team_b):
    emhp = world.users[Role.EMHP]
    for value in ("999999", str(team_b[Role.SENIOR_CLINICIAN].id), str(emhp.id), "x' OR 1=1"):
        data = case_form(world, (world.case_a1, True, "Continue."))
        data["supervisor"] = value
        response = auth.post(f"/supervision/new?practitioner={emhp.id}", data)
        assert response.status_code == 400
        assert "Select the supervisor from the list" in text_of(response)
    assert supervision_count() == 1  # the world's only


@pytest.mark.parametrize("value", ["", "999999", "abc", "1 OR 1=1"])
def test_an_unknown_practitioner_is_a_400_with_a_message(senior, world, client, value):
    response = client.get(f"/supervision/new?practitioner={value}")
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    expected = (
        "Select the practitioner whose cases you discussed"
        if value == ""
        else "Select a practitioner from the list"
    )
    assert expected in text


def test_a_practitioner_of_another_team_is_a_400(senior, world, client, auth, team_b):
    url = f"/supervision/new?practitioner={team_b[Role.EMHP].id}"
    response = client.get(url)
    assert response.status_code == 400
    assert "Select a practitioner from the list" in text_of(response)
    response = auth.post(url, case_form(world, (world.case_a1, True, "Continue.")))
    assert response.status_code == 400
    assert supervision_count() == 1


def test_a_post_without_a_practitioner_asks_for_one(senior, world, auth):
    response = auth.post("/supervision/new", case_form(world, (world.case_a1, True, "Continue.")))
    assert response.status_code == 400
    assert "Select the practitioner whose cases you discussed" in text_of(response)
    assert supervision_count() == 1


def test_a_practitioner_with_no_open_cases_has_nothing_to_record(senior, world, client, make_user):
    idle = make_user(Role.EMHP, team=world.team_a, full_name="Ira Idle")
    response = client.get(f"/supervision/new?practitioner={idle.id}")
    assert response.status_code == 200
    assert "Ira Idle has no open cases allocated to them" in text_of(response)
    assert soup_of(response).select_one("form[method=post] textarea") is None


def test_the_case_list_is_audited_as_a_read_of_each_referral(senior, world, client, make_case):
    second = make_case(world.users[Role.EMHP])
    client.get(f"/supervision/new?practitioner={world.users[Role.EMHP].id}")
    reads = audited_ids(
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == "referral",
        AuditEvent.user_id == senior.id,
    )
    assert {str(world.case_a1.id), str(second.id)} <= set(reads)


def test_an_emhp_cannot_record_supervision(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    assert client.get("/supervision/new").status_code == 403
    assert client.get("/supervision/overdue").status_code == 403


# ---- who sees the records -------------------------------------------------------------


def test_an_emhp_sees_only_their_own_records(world, auth, client, make_case, make_user):
    other = make_user(Role.EMHP, team=world.team_a, full_name="Ola Otheremhp")
    other_case = make_case(other, given_name="Kit", family_name="Elsewhere")
    others_record = discuss(world, [other_case], practitioner=other, days_ago=3)

    auth.sign_in(world.users[Role.EMHP].email)
    listing = client.get("/supervision/")
    assert listing.status_code == 200
    links = [a["href"] for a in soup_of(listing).select("table a")]
    assert links == [f"/supervision/{world.supervision_a1.id}"]
    assert "Ola Otheremhp" not in text_of(listing)
    assert "Record supervision" not in text_of(listing)

    assert client.get(f"/supervision/{world.supervision_a1.id}").status_code == 200
    assert client.get(f"/supervision/{others_record.id}").status_code == 404
    assert client.get("/supervision/999999").status_code == 404


def test_a_senior_clinician_sees_the_teams_records_newest_first(
    senior, world, client, make_case, make_user, team_b
):
    other = make_user(Role.EMHP, team=world.team_a, full_name="Ola Otheremhp")
    other_case = make_case(other, given_name="Kit", family_name="Elsewhere")
    older = discuss(world, [other_case], practitioner=other, days_ago=10)
    b_case = make_case(
        team_b[Role.EMHP], school=world.school_b1, senior=team_b[Role.SENIOR_CLINICIAN]
    )
    b_record = SupervisionRecord(
        held_on=service_today(),
        supervisor=team_b[Role.SENIOR_CLINICIAN],
        practitioner=team_b[Role.EMHP],
        recorded_by_id=team_b[Role.SENIOR_CLINICIAN].id,
        cases=[SupervisionCase(referral=b_case, decision="Team B only.")],
    )
    db.session.add(b_record)
    db.session.commit()

    listing = client.get("/supervision/")
    rows = soup_of(listing).select("table tbody tr")
    cells = [[td.get_text(" ", strip=True) for td in row.select("td")][:4] for row in rows]
    today, ten_ago = service_today(), service_today() - timedelta(days=10)
    assert cells == [
        [f"{today.day} {today:%B %Y}", senior.full_name, world.users[Role.EMHP].full_name, "1"],
        [f"{ten_ago.day} {ten_ago:%B %Y}", senior.full_name, "Ola Otheremhp", "1"],
    ]
    assert client.get(f"/supervision/{older.id}").status_code == 200
    assert client.get(f"/supervision/{b_record.id}").status_code == 404


def test_a_record_page_shows_the_decisions_and_audits_each_case_read(
    world, auth, client, make_case
):
    emhp = world.users[Role.EMHP]
    second = make_case(emhp, given_name="Jamie", family_name="Second")
    supervision = discuss(world, [world.case_a1, second], days_ago=1)
    auth.sign_in(emhp.email)
    response = client.get(f"/supervision/{supervision.id}")
    assert response.status_code == 200
    text = text_of(response)
    day = service_today() - timedelta(days=1)
    assert f"Supervision on {day.day} {day:%B %Y}" in text
    assert "Decision for Casey" in text
    assert "Decision for Jamie" in text
    assert world.users[Role.SENIOR_CLINICIAN].full_name in text
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.READ, AuditEvent.user_id == emhp.id
        )
    ).all()
    read_referrals = named_ids(e for e in reads if e.record_type == "referral")
    assert sorted(read_referrals) == sorted([str(world.case_a1.id), str(second.id)])
    assert [e.record_id for e in reads if e.record_type == "supervision"] == [str(supervision.id)]


# ---- overdue cases --------------------------------------------------------------------


def test_overdue_at_the_boundary(world, make_case, make_user):
    emhp = world.users[Role.EMHP]
    today = service_today()
    exactly = make_case(emhp, allocated_days_ago=60, given_name="Exactly")
    one_day_more = make_case(emhp, allocated_days_ago=60, given_name="Overdue")
    recent_never = make_case(emhp, allocated_days_ago=7, given_name="Recent")
    allocated_at_limit = make_case(emhp, allocated_days_ago=28, given_name="Limit")
    long_never = make_case(emhp, allocated_days_ago=29, given_name="Longago")
    discuss(world, [exactly], days_ago=28)
    discuss(world, [one_day_more], days_ago=29)

    overdue = operations.overdue_cases(world.team_a.id, weeks=4, today=today)
    by_id = {case.referral.id: case for case in overdue}
    assert set(by_id) == {one_day_more.id, long_never.id}
    assert exactly.id not in by_id
    assert recent_never.id not in by_id
    assert allocated_at_limit.id not in by_id
    assert world.case_a1.id not in by_id
    assert by_id[one_day_more.id].last_discussed == today - timedelta(days=29)
    assert by_id[one_day_more.id].days == 29
    assert by_id[long_never.id].last_discussed is None
    assert by_id[long_never.id].days == 29
    assert by_id[long_never.id].allocated_on == today - timedelta(days=29)
    assert by_id[long_never.id].practitioner.id == emhp.id


def test_overdue_leaves_out_closed_waiting_and_other_teams_cases(
    world, make_case, make_referral, team_b
):
    closed = make_case(world.users[Role.EMHP], allocated_days_ago=90)
    referral_operations.move_to(
        closed, ReferralStatus.DISCHARGED, by=world.users[Role.EMHP], reason="Goals met"
    )
    make_case(
        team_b[Role.EMHP],
        school=world.school_b1,
        senior=team_b[Role.SENIOR_CLINICIAN],
        allocated_days_ago=90,
    )
    db.session.commit()
    assert operations.overdue_cases(world.team_a.id, weeks=4, today=service_today()) == []
    assert len(operations.overdue_cases(world.team_b.id, weeks=4, today=service_today())) == 1


def test_the_overdue_page_lists_cases_with_never_and_days(senior, world, client, make_case):
    emhp = world.users[Role.EMHP]
    never = make_case(emhp, allocated_days_ago=40, given_name="Nevera", family_name="Discussed")
    late = make_case(emhp, allocated_days_ago=90, given_name="Latea", family_name="Discussed")
    discuss(world, [late], days_ago=35)
    make_case(emhp, allocated_days_ago=3, given_name="Fresh", family_name="Case")

    response = client.get("/supervision/overdue")
    assert response.status_code == 200
    text = text_of(response)
    assert "Open cases not discussed in supervision for more than 4 weeks" in text
    assert "Fresh Case" not in text
    page = soup_of(response)
    for heading in page.select(".nhsuk-table__heading"):  # the responsive table's labels
        heading.decompose()
    cells = [
        [td.get_text(" ", strip=True) for td in row.select("td")][:5]
        for row in page.select("table tbody tr")
    ]
    today = service_today()

    def long(day):
        return f"{day.day} {day:%B %Y}"

    assert cells == [
        ["Nevera Discussed", emhp.full_name, long(today - timedelta(days=40)), "Never", "40"],
        [
            "Latea Discussed",
            emhp.full_name,
            long(today - timedelta(days=90)),
            long(today - timedelta(days=35)),
            "35",
        ],
    ]
    link = soup_of(response).find("a", href=f"/supervision/new?practitioner={emhp.id}")
    assert link is not None
    assert "Record supervision" in link.get_text()
    reads = audited_ids(
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == "referral",
        AuditEvent.user_id == senior.id,
    )
    assert {str(never.id), str(late.id)} <= set(reads)


def test_the_interval_comes_from_the_config(senior, world, app, client, make_case, monkeypatch):
    make_case(world.users[Role.EMHP], allocated_days_ago=15, given_name="Fifteen")
    assert "Fifteen" not in text_of(client.get("/supervision/overdue"))
    monkeypatch.setitem(app.config, "SUPERVISION_INTERVAL_WEEKS", 2)
    response = client.get("/supervision/overdue")
    text = text_of(response)
    assert "not discussed in supervision for more than 2 weeks" in text
    assert "Fifteen" in text


# ---- a fixed number of queries --------------------------------------------------------


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200
    return len(count_queries()) - before


@pytest.mark.parametrize("path", ["/supervision/overdue", "/supervision/"])
def test_list_pages_use_a_fixed_number_of_queries(
    path, senior, world, client, make_case, make_user, count_queries
):
    def add_cases(number: int) -> None:
        for _ in range(number):
            # A practitioner and a school of their own per case: a lazy load would show.
            practitioner = make_user(Role.EMHP, team=world.team_a)
            case = make_case(practitioner, allocated_days_ago=60)
            discuss(world, [case], practitioner=practitioner, days_ago=40)

    add_cases(3)
    small = _queries_for(client, count_queries, path)
    add_cases(12)
    large = _queries_for(client, count_queries, path)
    assert small > 0
    assert large == small
    shown = soup_of(client.get(path)).select("table tbody tr")
    assert len(shown) >= 15


def test_a_case_moved_away_since_the_page_was_shown_is_not_dropped_silently(
    senior, world, auth, make_case, make_user
):
    emhp = world.users[Role.EMHP]
    moved = make_case(emhp, given_name="Moved")
    allocation = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == moved.id)
    ).one()
    allocation.ended_at = allocation.allocated_at + timedelta(hours=1)
    db.session.commit()
    response = auth.post(
        f"/supervision/new?practitioner={emhp.id}",
        case_form(world, (world.case_a1, True, "Continue."), (moved, True, "Review.")),
    )
    assert response.status_code == 400
    summary = [
        (a["href"], a.get_text(strip=True))
        for a in soup_of(response).select(".nhsuk-error-summary a")
    ]
    assert summary == [
        (
            f"#discussed_{world.case_a1.id}",
            "A case you discussed is no longer open and allocated to this practitioner: "
            "check the cases below and save again",
        )
    ]
    assert supervision_count() == 1


def test_a_post_for_a_practitioner_with_no_open_cases_is_refused(senior, world, auth, make_user):
    idle = make_user(Role.EMHP, team=world.team_a, full_name="Ira Idle")
    response = auth.post(
        f"/supervision/new?practitioner={idle.id}",
        case_form(world, (world.case_a1, True, "Continue.")),
    )
    assert response.status_code == 400
    link = soup_of(response).select_one(".nhsuk-error-summary a")
    assert link["href"] == "#no-cases"
    assert link.get_text(strip=True) == (
        "Ira Idle has no open cases to record: choose another practitioner"
    )
    assert supervision_count() == 1


def test_an_oversized_decision_gets_a_message_and_markup_is_kept_as_text(
    senior, world, auth, client
):
    emhp = world.users[Role.EMHP]
    url = f"/supervision/new?practitioner={emhp.id}"
    response = auth.post(url, case_form(world, (world.case_a1, True, "x" * 5001)))
    assert response.status_code == 400
    assert "The decision for Casey Allocated must be 5,000 characters or fewer" in text_of(response)
    assert supervision_count() == 1

    typed = "<script>alert(1)</script>'; DROP TABLE referral; --"
    response = auth.post(url, case_form(world, (world.case_a1, True, typed)))
    assert response.status_code == 302
    shown = client.get(response.headers["Location"])
    assert "<script>alert(1)</script>" not in shown.get_data(as_text=True)
    assert typed in text_of(shown)
