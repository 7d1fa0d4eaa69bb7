"""The child's timeline: every source merged newest first (outcome measures included),
notes only for those who may see the case's notes, in a fixed number of queries, and on
the staff referral page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework.models import Discharge, DischargeReason
from mhst.casework.timeline import timeline
from mhst.core.time import SERVICE_TIME_ZONE, utcnow
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals import operations
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import ReferralEvent, ReferralStatus
from mhst.sessions import operations as sessions
from mhst.sessions.group_models import GroupAttendance, GroupParticipant, GroupSession
from mhst.sessions.models import Attendance, CareContact, ContactStage, WhoAttended
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from tests.audit_reads import audited_ids
from tests.test_care_contacts import NOTE, RISK, add_contact, links, logged, open_case, soup_of

DECISION = "DECISION-QUOKKA step down to fortnightly"


def _events(referral) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.id)
        )
    )


def _measure(case, on, by, code="GBO", respondent=Respondent.CHILD, **scores) -> MeasureRecord:
    """A measure record with the given scale scores (as the scoring computes them)."""
    record = MeasureRecord(
        referral=case,
        measure_code=code,
        completed_on=on,
        respondent=respondent,
        by_item=False,
        recorded_by=by,
        answers=[MeasureAnswer(item_number=1, value=6, item_text="Sleep before 10pm")],
        scores=[
            MeasureScore(scale=scale, position=position, score=score)
            for position, (scale, score) in enumerate(scores.items(), start=1)
        ],
    )
    db.session.add(record)
    return record


def _group_session(world, held_on, topic, participant, attended: bool) -> GroupSession:
    session = GroupSession(
        group=world.group_a1,
        held_on=held_on,
        topic=topic,
        recorded_by_id=world.users[Role.EMHP].id,
        attendances=[GroupAttendance(participant=participant, attended=attended)],
    )
    db.session.add(session)
    return session


@pytest.fixture
def journey(world, make_referral):
    """A case's whole journey, with its moments set 30 days back so the order is known:
    referral and consent, allocation, a missed assessment, an attended treatment
    session (which starts treatment), two group sessions, supervision, a Goal Based
    Outcomes rating and discharge."""
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    case = open_case(world, make_referral)
    base = utcnow() - timedelta(days=30)
    events = _events(case)
    for minutes, event in enumerate(events):
        event.occurred_at = base + timedelta(minutes=minutes)
    # Consent was recorded at the moment it moved the referral on to triage.
    case.consents[0].recorded_at = events[2].occurred_at
    allocation = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == case.id)
    ).one()
    allocation.allocated_at = base + timedelta(minutes=10)
    sessions.log_session(
        case,
        logged(
            starts_at=base + timedelta(days=2),
            attendance=Attendance.DID_NOT_ATTEND,
            clinical_notes="Phoned home: no answer",
            risk_update=None,
        ),
        by=emhp,
    )
    sessions.log_session(
        case, logged(starts_at=base + timedelta(days=5), stage=ContactStage.TREATMENT), by=emhp
    )
    db.session.flush()
    _events(case)[-1].occurred_at = base + timedelta(days=5, minutes=50)
    participant = GroupParticipant(group=world.group_a1, referral=case)
    db.session.add(participant)
    day = (base + timedelta(days=10)).astimezone(SERVICE_TIME_ZONE).date()
    _group_session(world, day, "Worry ladders", participant, True)
    _group_session(world, day + timedelta(days=2), None, participant, False)
    db.session.add(
        SupervisionRecord(
            held_on=day + timedelta(days=5),
            supervisor=senior,
            practitioner=emhp,
            recorded_by_id=senior.id,
            cases=[SupervisionCase(referral=case, decision=DECISION)],
        )
    )
    _measure(case, day + timedelta(days=7), emhp, total=6.5)
    event = operations.transition(case, ReferralStatus.DISCHARGED, by=emhp, reason="Goals met")
    event.occurred_at = base + timedelta(days=20)
    db.session.add(
        Discharge(
            referral=case,
            event_id=event.id,
            reason=DischargeReason.GOALS_MET,
            summary="SUMMARY-TAPIR less avoidance at school",
            discharged_at=base + timedelta(days=20),
            discharged_by=emhp,
        )
    )
    db.session.commit()
    return case


def test_the_timeline_merges_every_source_newest_first(journey, world):
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    entries = timeline(journey)
    assert [(e.kind, e.title) for e in entries] == [
        ("status", "In treatment to discharged"),
        ("discharge", "Discharge summary"),
        ("measure", "Goal Based Outcomes recorded: total 6.5 (child)"),
        ("supervision", f"Discussed in supervision with {emhp.full_name}"),
        ("group", "Did not attend a group session of Worry busters"),
        ("group", "Attended group session 'Worry ladders' of Worry busters"),
        ("status", "Allocated to in treatment"),
        ("session", "Treatment session: attended"),
        ("session", "Assessment session: did not attend"),
        ("allocation", f"Allocated to {emhp.full_name}"),
        ("status", "Accepted (waiting list) to allocated"),
        ("status", "Ready for triage to accepted (waiting list)"),
        # A record comes before the status change it caused (newest first: after it).
        ("status", "Awaiting consent to ready for triage"),
        ("consent", "Consent recorded"),
        ("status", "Submitted to awaiting consent"),
        ("status", "Submitted"),
    ]
    whens = [e.when for e in entries]
    assert whens == sorted(whens, reverse=True)
    by_title = {e.title: e for e in entries}
    assert by_title["Discharge summary"].detail == "Reason: Goals met"
    assert by_title["Discharge summary"].text == "SUMMARY-TAPIR less avoidance at school"
    assert by_title["Discharge summary"].by == emhp.full_name
    supervision = by_title[f"Discussed in supervision with {emhp.full_name}"]
    assert (supervision.by, supervision.detail, supervision.text, supervision.has_time) == (
        senior.full_name,
        None,
        DECISION,
        False,
    )
    attended = by_title["Treatment session: attended"]
    assert attended.by == emhp.full_name
    assert "Who attended: The child or young person" in attended.detail
    # The notes and risk update are shown with their amendments (none yet).
    assert attended.texts == (("Session notes", NOTE, []), ("Risk update", RISK, []))
    assert "Pathway: Guided self-help for anxiety" in attended.detail
    assert by_title[f"Allocated to {emhp.full_name}"].by == senior.full_name
    assert by_title["Consent recorded"].detail == "Parent or carer: Sam Invented (Mother), by phone"
    assert by_title["In treatment to discharged"].detail == "Goals met"
    group = by_title["Attended group session 'Worry ladders' of Worry busters"]
    assert (group.by, group.has_time) == (emhp.full_name, False)
    measure = by_title["Goal Based Outcomes recorded: total 6.5 (child)"]
    assert (measure.by, measure.has_time, measure.detail) == (emhp.full_name, False, None)
    assert measure.link_case_id == journey.id
    without_notes = [e for e in timeline(journey, include_notes=False) if e.kind == "measure"]
    assert [e.link_case_id for e in without_notes] == [None]


def test_a_measure_entry_names_each_scale_and_the_respondent(world):
    emhp = world.users[Role.EMHP]
    _measure(
        world.case_a1,
        utcnow().date(),
        emhp,
        "ESQ",
        Respondent.PARENT_CARER,
        care=1.22,
        environment=1.33,
        total=1.25,
    )
    _measure(world.case_a1, utcnow().date(), emhp, "UNKNOWN", total=10)
    db.session.commit()
    titles = {e.title for e in timeline(world.case_a1) if e.kind == "measure"}
    assert titles == {
        "Goal Based Outcomes recorded: total 3 (child)",  # measure_a1
        "Experience of Service Questionnaire recorded: care 1.22, environment 1.33, "
        "total 1.25 (parent or carer)",
        "UNKNOWN recorded: total 10 (child)",  # no definition: its code
    }


def test_the_discharge_summary_shows_why_final_measures_were_not_collected(journey):
    closing = db.session.scalars(select(Discharge).where(Discharge.referral_id == journey.id)).one()
    closing.final_measures_note = "NOTE-OKAPI did not come to the last session"
    db.session.commit()
    entry = next(e for e in timeline(journey) if e.kind == "discharge")
    assert entry.detail == (
        "Reason: Goals met\n"
        "Final measures not collected: NOTE-OKAPI did not come to the last session"
    )
    assert entry.text == "SUMMARY-TAPIR less avoidance at school"


def _shown(entries) -> str:
    return " ".join(
        " ".join([e.detail or "", e.text or "", *(text or "" for _, text, _ in e.texts)])
        for e in entries
    )


def test_notes_are_left_out_unless_asked_for(journey):
    details = _shown(timeline(journey, include_notes=False))
    for secret in ("NOTE-PANGOLIN", "RISK-AXOLOTL", "DECISION-QUOKKA", "Phoned home"):
        assert secret not in details
    assert "Who attended: The child or young person" in details  # the facts stay
    with_notes = _shown(timeline(journey))
    for secret in ("NOTE-PANGOLIN", "RISK-AXOLOTL", "DECISION-QUOKKA", "Phoned home"):
        assert secret in with_notes


def test_proxy_contacts_parents_in_groups_cancellations_and_ended_allocations(world, make_referral):
    emhp = world.users[Role.EMHP]
    case = open_case(world, make_referral)
    sessions.log_session(case, logged(who_attended=WhoAttended.PARENT_CARER), by=emhp)
    add_contact(case, emhp, utcnow() + timedelta(days=4))
    sessions.cancel_planned_sessions(case, by=emhp, reason="Practitioner ill")
    participant = GroupParticipant(group=world.group_a1, referral=case, as_parent=True)
    db.session.add(participant)
    _group_session(world, utcnow().date(), "Praise", participant, True)
    allocation = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == case.id)
    ).one()
    allocation.ended_at = utcnow()
    allocation.end_reason = "Reallocated to Sam Other"
    db.session.commit()
    titles = {e.title: e for e in timeline(case)}
    assert "Assessment session: attended by the parent or carer only" in titles
    cancelled = titles["Treatment session: cancelled by service"]
    assert "Reason: Practitioner ill" in cancelled.detail
    assert "Parent or carer: attended group session 'Praise' of Worry busters" in titles
    ended = titles[f"Allocation to {emhp.full_name} ended"]
    assert ended.detail == "Reallocated to Sam Other"


def test_the_timeline_takes_a_fixed_number_of_queries(world, make_referral, count_queries):
    emhp = world.users[Role.EMHP]
    counts = []
    for size in (2, 12):
        case = open_case(world, make_referral, child={"given_name": f"Size{size}"})
        participant = GroupParticipant(group=world.group_a1, referral=case)
        db.session.add(participant)
        # One group session per group per date: each size's sessions on their own days.
        start = utcnow() - timedelta(days=50 + 20 * size)
        for number in range(size):
            add_contact(
                case,
                emhp,
                start + timedelta(days=3 * number),
                attendance=Attendance.ATTENDED,
                who_attended=WhoAttended.CHILD,
                clinical_notes=f"Notes {number}",
            )
            _group_session(
                world, (start + timedelta(days=number)).date(), f"Topic {number}", participant, True
            )
            _measure(case, (start + timedelta(days=number)).date(), emhp, total=number)
            db.session.add(
                SupervisionRecord(
                    held_on=(start + timedelta(days=number)).date(),
                    supervisor=world.users[Role.SENIOR_CLINICIAN],
                    practitioner=emhp,
                    recorded_by_id=emhp.id,
                    cases=[SupervisionCase(referral=case, decision=f"Decision {number}")],
                )
            )
        db.session.commit()
        db.session.expire_all()
        before = len(count_queries())
        entries = timeline(case)
        counts.append(len(count_queries()) - before)
        assert len([e for e in entries if e.kind == "session"]) == size
        assert len([e for e in entries if e.kind == "group"]) == size
        assert len([e for e in entries if e.kind == "supervision"]) == size
        assert len([e for e in entries if e.kind == "measure"]) == size
    assert counts[0] == counts[1], counts


def _rows(response) -> list[list[str]]:
    return [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup_of(response).select("table tbody tr")
    ]


def test_the_staff_referral_page_shows_the_timeline_oldest_first(journey, world, auth, client):
    emhp = world.users[Role.EMHP]
    assert auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email).status_code == 302
    response = client.get(f"/referrals/{journey.id}")
    assert response.status_code == 200
    rows = _rows(response)
    titles = [row[1] for row in rows]
    assert titles == [e.title for e in reversed(timeline(journey))]
    supervision = rows[titles.index(f"Discussed in supervision with {emhp.full_name}")]
    assert DECISION in supervision[3]
    held_on = (utcnow() - timedelta(days=15)).astimezone(SERVICE_TIME_ZONE).date()
    assert supervision[0] == f"{held_on.day} {held_on:%B %Y}"  # a date, no time
    attended = rows[titles.index("Treatment session: attended")]
    assert NOTE in attended[3]
    assert " at " in attended[0]
    assert links(response)["Sessions"] == f"/casework/cases/{journey.id}/sessions"
    measure = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == journey.id)
    ).one()
    assert links(response)["Goal Based Outcomes recorded: total 6.5 (child)"] == (
        f"/casework/cases/{journey.id}/measures/{measure.id}"
    )
    # The notes shown are reads of each session.
    reads = audited_ids(
        AuditEvent.record_type == "care_contact", AuditEvent.action == AuditAction.READ
    )
    contacts = db.session.scalars(
        select(CareContact.id).where(CareContact.referral_id == journey.id)
    ).all()
    assert sorted(reads) == sorted(str(i) for i in contacts)
    assert len(contacts) == 2


def test_staff_who_may_not_see_the_notes_see_the_timeline_without_them(
    world, make_referral, make_user, auth, client
):
    case = open_case(world, make_referral)
    sessions.log_session(case, logged(), by=world.users[Role.EMHP])
    _measure(case, utcnow().date(), world.users[Role.EMHP], total=3)
    db.session.commit()
    other = make_user(Role.EMHP, team=world.team_a, email="emhp3@test.example")
    assert auth.sign_in(other.email).status_code == 302
    response = client.get(f"/referrals/{case.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Assessment session: attended" in body
    assert "NOTE-PANGOLIN" not in body
    assert "RISK-AXOLOTL" not in body
    assert "Sessions" not in links(response)
    # The measure is on the timeline, without its scores or the link to its record.
    assert "Goal Based Outcomes recorded (child)" in body
    assert "total 3" not in body
    assert "Goal Based Outcomes recorded (child)" not in links(response)
    for record_type in ("care_contact", "measure_record"):  # nothing clinical was read
        read = select(AuditEvent).where(
            AuditEvent.record_type == record_type, AuditEvent.action == AuditAction.READ
        )
        assert db.session.scalars(read).all() == []


def test_the_referral_page_makes_the_same_number_of_queries_with_a_longer_timeline(
    journey, world, make_referral, auth, client, count_queries
):
    assert auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email).status_code == 302
    short = open_case(world, make_referral, child={"given_name": "Short"})
    sessions.log_session(short, logged(), by=world.users[Role.EMHP])
    db.session.commit()
    counts = []
    for case in (short, journey):
        client.get(f"/referrals/{case.id}")
        before = len(count_queries())
        assert client.get(f"/referrals/{case.id}").status_code == 200
        counts.append(len(count_queries()) - before)
    assert counts[0] == counts[1], counts
