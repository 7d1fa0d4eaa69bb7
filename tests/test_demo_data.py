"""The demo data reads as a real service's would: every referral's history in order over
past months, every report with figures for the clinical lead and for a team, open cases
overdue a supervision discussion, and loading it again changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from mhst.accounts.models import User
from mhst.audit.models import AuditEvent
from mhst.campaigns.figures import figures as campaign_figures
from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
from mhst.casework.models import Discharge
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.demo import DEMO_PASSWORD
from mhst.demo.campaigns import NAME as CAMPAIGN
from mhst.demo.history import STORIES
from mhst.demo.online import ONLINE
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.planning.models import NeedWeights, PlanDecision
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Consent, Referral, ReferralEvent, ReferralStatus
from mhst.reports.cells import Count, Days, Rate, Score
from mhst.reports.filters import ReportAccess, default_filters
from mhst.reports.queries import REPORTS, build_report
from mhst.schools.models import ParticipationStatus, School
from mhst.sessions.group_models import GroupAttendance, GroupParticipant, GroupSession
from mhst.sessions.models import Attendance, CareContact
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from mhst.supervision.operations import overdue_cases
from mhst.wholeschool.models import WholeSchoolActivity
from tests.conftest import AuthActions

S = ReferralStatus
COUNTED = (
    Campaign,
    CampaignRecipient,
    Referral,
    ReferralEvent,
    Consent,
    Allocation,
    CareContact,
    MeasureRecord,
    Discharge,
    SupervisionRecord,
    GroupSession,
    GroupAttendance,
    WholeSchoolActivity,
    AuditEvent,
)


def _load(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


def _counts() -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED]


def _day(moment: datetime):
    return moment.astimezone(SERVICE_TIME_ZONE).date()


def _history(referral: Referral, now: datetime) -> dict[ReferralStatus, datetime]:
    """The referral's status events are in order from the day it was received; returns
    when it reached each status."""
    name = referral.child.full_name
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    ).all()
    times = [event.occurred_at for event in events]
    assert times == sorted(times), f"{name}: the history is out of order"
    assert events[0].to_status is S.SUBMITTED, name
    assert _day(times[0]) == referral.received_on, name
    assert referral.submitted_at == times[0], name
    # The child's record was made with their first referral (a child referred again has
    # one record: their later referral is linked to it).
    first = min(referral.child.referrals, key=lambda r: r.submitted_at)
    assert referral.child.created_at == first.submitted_at <= referral.submitted_at, name
    assert referral.status_changed_at == times[-1] < now, name
    reached = {event.to_status: event.occurred_at for event in events}
    if S.ACCEPTED in reached:
        assert referral.accepted_on == _day(reached[S.ACCEPTED]), name
    if referral.status.is_closed:
        assert referral.closed_on == _day(times[-1]), name
    if referral.risk_reviewed_at is not None:
        assert times[0] < referral.risk_reviewed_at < now, name
    for consent in referral.consents:
        assert referral.received_on <= consent.given_on == _day(consent.recorded_at), name
        assert times[0] < consent.recorded_at <= reached[S.READY_FOR_TRIAGE], name
        if consent.withdrawn_at is not None:
            assert consent.recorded_at < consent.withdrawn_at <= reached[S.WITHDRAWN], name
    return reached


def _check_sessions(referral: Referral, reached, now: datetime) -> list[CareContact]:
    """Allocation before the first session, sessions after the referral was received,
    logged after they began; only booked sessions are in the future. Returns those held."""
    name = referral.child.full_name
    allocations = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == referral.id).order_by(Allocation.id)
    ).all()
    contacts = db.session.scalars(
        select(CareContact)
        .where(CareContact.referral_id == referral.id)
        .order_by(CareContact.starts_at)
    ).all()
    for allocation in allocations:
        assert allocation.allocated_at == reached[S.ALLOCATED] < now, name
        assert allocation.ended_at is None or allocation.allocated_at < allocation.ended_at
    if contacts:
        assert allocations, name
        assert allocations[0].allocated_at < contacts[0].starts_at, name
    for contact in contacts:
        assert _day(contact.starts_at) >= referral.received_on, name
        assert allocations[0].allocated_at < contact.created_at < now, name
        if contact.attendance is None:  # booked ahead: the only thing in the future
            assert contact.starts_at > now, name
        else:
            assert contact.starts_at < contact.created_at, f"{name}: logged before it began"
    held = [c for c in contacts if c.attendance is not None]
    if S.IN_TREATMENT in reached:
        first = next(c for c in held if c.attendance is Attendance.ATTENDED)
        assert first.created_at == reached[S.IN_TREATMENT], name
    return held


def _check_casework(referral: Referral, reached, held: list[CareContact], now: datetime) -> None:
    """Measures, discharge, supervision and group sessions each in their place."""
    name = referral.child.full_name
    for measure in db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == referral.id)
    ):
        assert referral.received_on <= measure.completed_on == _day(measure.recorded_at), name
        assert measure.recorded_at < now, name
    closings = db.session.scalars(select(Discharge).where(Discharge.referral_id == referral.id))
    for closing in closings:
        assert closing.discharged_at == reached[S.DISCHARGED] == referral.status_changed_at
        last = held[-1]
        assert last.starts_at + timedelta(minutes=last.duration_minutes) < closing.discharged_at
    for held_on in db.session.scalars(
        select(SupervisionRecord.held_on)
        .join(SupervisionCase, SupervisionCase.record_id == SupervisionRecord.id)
        .where(SupervisionCase.referral_id == referral.id)
    ):
        assert _day(reached[S.ALLOCATED]) <= held_on < _day(now), name
        assert referral.closed_on is None or held_on <= referral.closed_on, name
    for joined, held_on in db.session.execute(
        select(GroupParticipant.joined_at, GroupSession.held_on)
        .join(GroupAttendance, GroupAttendance.participant_id == GroupParticipant.id)
        .join(GroupSession, GroupSession.id == GroupAttendance.session_id)
        .where(GroupParticipant.referral_id == referral.id)
    ):
        assert referral.submitted_at < joined, name
        assert _day(joined) <= held_on < _day(now), name


def test_every_demo_referral_reads_in_order_and_loading_again_changes_nothing(app):
    _load(app)
    counts = _counts()
    now = utcnow()
    referrals = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    assert len(referrals) == len(STORIES) + len(ONLINE)  # the stories, and sent online
    for referral in referrals:
        reached = _history(referral, now)
        _check_casework(referral, reached, _check_sessions(referral, reached, now), now)
    # Over past months, in every state (a submitted referral moves on at once).
    today = service_today()
    assert min(r.received_on for r in referrals) < today - timedelta(days=150)
    assert {r.status for r in referrals} == set(S) - {S.SUBMITTED}
    # One child referred twice: the earlier referral discharged, the new one open, both
    # on one record.
    milo = [r for r in referrals if r.child.full_name == "Milo Hartigan"]
    assert len({r.child_id for r in milo}) == 1
    assert [r.status for r in milo] == [S.DISCHARGED, S.READY_FOR_TRIAGE]
    teams_with_cases = db.session.scalar(
        select(func.count(func.distinct(School.team_id)))
        .join(Referral, Referral.school_id == School.id)
        .join(Allocation, Allocation.referral_id == Referral.id)
    )
    assert teams_with_cases >= 3

    _load(app)
    assert _counts() == counts
    _check_planning()


def _check_planning() -> None:
    """The planner's weights, a planned future cohort and its one past decision (two
    waiting schools of City North's area, with their scores and ranks), made once."""
    assert db.session.scalar(select(func.count()).select_from(NeedWeights)) == 1
    decision = db.session.scalars(select(PlanDecision)).one()
    assert decision.cohort.name == "Cohort 2027/28"
    assert decision.reason
    assert [row.rank for row in decision.schools] == [1, 2]
    for row in decision.schools:
        assert row.school.cohort_id == decision.cohort_id
        assert row.school.participation_status is ParticipationStatus.ASSIGNED_TO_COHORT


def test_the_demo_campaign_was_sent_to_every_school_and_followed_up(app):
    _load(app)
    campaign = db.session.scalars(select(Campaign).where(Campaign.name == CAMPAIGN)).one()
    assert (campaign.theme, campaign.first_day) == ("This is my place", date(2026, 2, 9))
    assert [r.url for r in campaign.resources] == ["https://www.childrensmentalhealthweek.org.uk/"]
    numbers = campaign_figures(campaign.id)
    assert numbers.recipients == db.session.scalar(select(func.count(School.id)))
    assert numbers.states[RecipientState.FAILED] == 1
    assert numbers.states[RecipientState.NO_ADDRESS] > 0
    assert numbers.received > numbers.recipients // 2
    assert numbers.activity_count == 3
    assert numbers.attendance > 0
    assert [r.campaign_id for r in numbers.registrations] == [campaign.id]


def _figures(section) -> list:
    found = []
    for row in section.rows:
        for cell in row[1:]:
            if isinstance(cell, Count):
                found.append(cell.value)
            elif isinstance(cell, Rate):
                found.append(cell.numerator)
            elif isinstance(cell, Days | Score):
                found.append(cell.cases)
    return found


def _periods(access: ReportAccess, today):
    """The report's default period (this financial year to date) and the last four
    weeks. In the first four weeks of a financial year the default period is too short
    to hold each kind of work and is left out; the demo's last four weeks always do."""
    default = default_filters(access, today)
    last_four_weeks = replace(default, date_from=today - timedelta(days=28))
    if (today - default.date_from).days < 28:
        return [last_four_weeks]
    return [default, last_four_weeks]


def test_every_report_and_the_overdue_list_show_figures(app, demo_data):
    _load(app)
    today = service_today()
    lead = db.session.scalars(select(User).where(User.email == "clinical.lead@mhst.example")).one()
    senior = db.session.scalars(
        select(User).where(User.email == "senior.clinician@mhst.example")
    ).one()
    for viewer in (lead, senior):  # the senior clinician last
        access = ReportAccess.for_user(viewer)
        for filters in _periods(access, today):
            for slug in REPORTS:
                for section in build_report(slug, filters, access, today).sections:
                    figures = _figures(section)
                    assert any(figures), f"{viewer.email}: {slug}: {section.title}: {filters}"
        client = app.test_client()
        AuthActions(client).sign_in(viewer.email, DEMO_PASSWORD)
        for slug in REPORTS:
            assert client.get(f"/reports/{slug}").status_code == 200

    weeks = app.config["SUPERVISION_INTERVAL_WEEKS"]
    overdue = overdue_cases(senior.team_id, weeks=weeks, today=today)
    assert overdue
    assert all(case.days > weeks * 7 for case in overdue)
    page = client.get("/supervision/overdue").get_data(as_text=True)  # the senior's client
    for case in overdue:
        assert case.referral.child.full_name in page
