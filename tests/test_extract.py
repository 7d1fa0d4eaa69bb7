"""The national extract: pseudonymised CSV files aligned with MHSDS, in a ZIP.

A small data set is built here with fixed dates around March 2026 (the period most tests
download): every kind of row, a proxy contact, a group with 3 attending, a planned
contact and records either side of the period. The expected rows are written out by hand.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework.models import Discharge, DischargeReason
from mhst.core.rules import RuleError
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.extract.columns import FILES
from mhst.extract.period import Period, check_period, previous_month
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.jobs.models import BackgroundJob
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals.models import (
    CLOSED_STATUSES,
    Child,
    ChildAgrees,
    Duration,
    Ethnicity,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralSource,
    ReferralStatus,
    YearGroup,
)
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupAudience,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from mhst.sessions.models import (
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    Pathway,
    WhoAttended,
)
from tests.audit_reads import audited_ids
from tests.conftest import AuthActions

S = ReferralStatus
MARCH_2026 = {
    "from-day": "1",
    "from-month": "3",
    "from-year": "2026",
    "to-day": "31",
    "to-month": "3",
    "to-year": "2026",
}
URN = "123456"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "mhsds-extract.md"


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


# ---- the data set -----------------------------------------------------------------------


@dataclass
class DataSet:
    referrals: dict[str, Referral] = field(default_factory=dict)
    contacts: dict[str, CareContact] = field(default_factory=dict)
    sessions: dict[str, GroupSession] = field(default_factory=dict)
    measures: dict[str, MeasureRecord] = field(default_factory=dict)
    # Every identifying or free-text value stored, none of which may leave in the extract.
    secrets: list[str] = field(default_factory=list)


def _referral(data, key, school, by, *, child, source, received, needs, history, **extra):
    """A referral made directly (a later state of the journey), its status history at the
    given dates: ``history`` is [(status, "YYYY-MM-DD"), ...]."""
    given, family = child["name"].split()
    parent = f"{child['name']} Senior"
    person = Child(
        given_name=given,
        family_name=family,
        date_of_birth=child["born"],
        gender=child["gender"],
        ethnicity=child.get("ethnicity"),
        nhs_number=child["nhs"],
        year_group=YearGroup.YEAR_8,
        school=school,
        parent_carer_name=parent,
        parent_carer_relationship="Grandparent",
        parent_carer_phone=child["phone"],
        parent_carer_email=f"{given.lower()}.family@mail.example",
    )
    last_status, last_day = history[-1]
    referral = Referral(
        child=person,
        school=school,
        source=source,
        referrer_name=f"Referrer of {given}",
        received_on=date.fromisoformat(received),
        submitted_by_id=by.id,
        in_education=True,
        duration=Duration.ONE_TO_THREE_MONTHS,
        impact=Impact.QUITE_A_LOT,
        needs_detail=f"{given} worries about the dark",
        already_tried=f"{given} tried a night light",
        risk_detail=None,
        discussed_with_team=True,
        child_agrees=ChildAgrees.YES,
        eligible=True,
        high_risk=False,
        status=last_status,
        accepted_on=extra.get("accepted_on"),
        closed_on=date.fromisoformat(last_day) if last_status in CLOSED_STATUSES else None,
    )
    db.session.add(referral)
    db.session.flush()
    referral.need_links = [ReferralNeed(need=need) for need in needs]
    previous = None
    for status, day in history:
        event = ReferralEvent(
            referral=referral,
            from_status=previous,
            to_status=status,
            occurred_at=at(day),
            by_user=by,
            reason=f"Moved by hand for {given}",
        )
        db.session.add(event)
        db.session.flush()
        if status is S.DISCHARGED:
            reason = extra["discharges"].pop(0)
            db.session.add(
                Discharge(
                    referral=referral,
                    event_id=event.id,
                    reason=reason,
                    summary=f"Closing summary for {given}",
                    discharged_at=at(day),
                    discharged_by=by,
                )
            )
        previous = status
    data.referrals[key] = referral
    data.secrets += [
        given,
        family,
        child["nhs"],
        child["born"].isoformat(),
        child["born"].strftime("%d/%m/%Y"),
        parent,
        child["phone"],
        f"{given.lower()}.family@mail.example",
        f"Referrer of {given}",
        f"{given} worries about the dark",
        f"{given} tried a night light",
        f"Moved by hand for {given}",
    ]
    return referral


def _contact(data, key, referral, by, starts_at, minutes, stage, mode, attendance, who, pathway):
    contact = CareContact(
        referral=referral,
        practitioner=by,
        starts_at=starts_at,
        duration_minutes=minutes,
        stage=stage,
        mode=mode,
        location=f"Quiet room {key}",
        pathway=pathway,
        attendance=attendance,
        who_attended=who,
        clinical_notes=f"Clinical note {key}: talked about the dark",
        cancellation_reason=(
            f"Family away {key}" if attendance is Attendance.CANCELLED_BY_FAMILY else None
        ),
        created_by=by,
    )
    db.session.add(contact)
    data.contacts[key] = contact
    data.secrets += [f"Quiet room {key}", f"Clinical note {key}: talked about the dark"]
    return contact


def build_data(world, school, copy: int = 0) -> DataSet:
    """The hand-made data set (``copy`` varies names and NHS numbers for the 10x test)."""
    emhp = world.users[Role.EMHP]
    data = DataSet()

    def child(name, born, gender, nhs, ethnicity=None):
        return {
            "name": f"{name}{'x' * copy} Quarrington{copy}",
            "born": born,
            "gender": gender,
            "ethnicity": ethnicity,
            "nhs": f"{int(nhs) + copy:010d}",
            "phone": f"07700 9{copy:02d}{nhs[-3:]}",
        }

    refer = lambda key, **kwargs: _referral(data, key, school, emhp, **kwargs)  # noqa: E731

    # Open all March: in treatment at the end of March, discharged in April (after it).
    r1 = refer(
        "r1",
        child=child("Adeline", date(2014, 6, 15), Gender.FEMALE, "9434765101", Ethnicity.A),
        source=ReferralSource.SCHOOL,
        received="2026-02-10",
        needs=[Need.WORRY, Need.LOW_MOOD],
        history=[
            (S.SUBMITTED, "2026-02-10"),
            (S.AWAITING_CONSENT, "2026-02-10"),
            (S.READY_FOR_TRIAGE, "2026-02-12"),
            (S.ACCEPTED, "2026-02-20"),
            (S.ALLOCATED, "2026-03-02"),
            (S.IN_TREATMENT, "2026-03-05"),
            (S.DISCHARGED, "2026-04-10"),
        ],
        accepted_on=date(2026, 2, 20),
        discharges=[DischargeReason.GOALS_MET],
    )
    # Received and signposted in March.
    refer(
        "r2",
        child=child("Bartholomew", date(2010, 3, 20), Gender.MALE, "9434765102"),
        source=ReferralSource.PARENT_CARER,
        received="2026-03-05",
        needs=[Need.ANXIETY_AND_AVOIDANCE],
        history=[
            (S.SUBMITTED, "2026-03-05"),
            (S.AWAITING_CONSENT, "2026-03-05"),
            (S.READY_FOR_TRIAGE, "2026-03-06"),
            (S.SIGNPOSTED, "2026-03-09"),
        ],
    )
    # Outside the period: discharged in February, and received in April.
    refer(
        "r3",
        child=child("Cyprian", date(2013, 1, 1), Gender.MALE, "9434765103"),
        source=ReferralSource.GP,
        received="2026-01-05",
        needs=[Need.WORRY],
        history=[
            (S.SUBMITTED, "2026-01-05"),
            (S.AWAITING_CONSENT, "2026-01-05"),
            (S.READY_FOR_TRIAGE, "2026-01-06"),
            (S.ACCEPTED, "2026-01-08"),
            (S.ALLOCATED, "2026-01-10"),
            (S.IN_TREATMENT, "2026-01-12"),
            (S.DISCHARGED, "2026-02-15"),
        ],
        accepted_on=date(2026, 1, 8),
        discharges=[DischargeReason.GOALS_MET],
    )
    refer(
        "r4",
        child=child("Delphine", date(2009, 5, 5), Gender.FEMALE, "9434765104"),
        source=ReferralSource.SELF_REFERRAL_ONLINE,
        received="2026-04-02",
        needs=[Need.WORRY],
        history=[(S.SUBMITTED, "2026-04-02"), (S.AWAITING_CONSENT, "2026-04-02")],
    )
    # Discharged in March.
    r5 = refer(
        "r5",
        child=child("Ebenezer", date(2011, 12, 1), Gender.NON_BINARY, "9434765105", Ethnicity.H),
        source=ReferralSource.SCHOOL_NURSE,
        received="2026-01-10",
        needs=[Need.SLEEP_DIFFICULTIES],
        history=[
            (S.SUBMITTED, "2026-01-10"),
            (S.AWAITING_CONSENT, "2026-01-10"),
            (S.READY_FOR_TRIAGE, "2026-01-12"),
            (S.ACCEPTED, "2026-01-20"),
            (S.ALLOCATED, "2026-01-25"),
            (S.IN_TREATMENT, "2026-02-01"),
            (S.DISCHARGED, "2026-03-20"),
        ],
        accepted_on=date(2026, 1, 20),
        discharges=[DischargeReason.MOVED_SCHOOL],
    )
    # Received in March, allocated by the end of it.
    r6 = refer(
        "r6",
        child=child("Fenella", date(2012, 9, 1), Gender.OTHER, "9434765106", Ethnicity.Z),
        source=ReferralSource.SCHOOL,
        received="2026-03-02",
        needs=[Need.EMOTIONAL_REGULATION, Need.CHALLENGING_BEHAVIOUR],
        history=[
            (S.SUBMITTED, "2026-03-02"),
            (S.AWAITING_CONSENT, "2026-03-02"),
            (S.READY_FOR_TRIAGE, "2026-03-03"),
            (S.ACCEPTED, "2026-03-04"),
            (S.ALLOCATED, "2026-03-06"),
        ],
        accepted_on=date(2026, 3, 4),
    )
    # Closed before March, reopened in it: active in the period, so included.
    refer(
        "r7",
        child=child("Gwendolyn", date(2015, 1, 1), Gender.FEMALE, "9434765107", Ethnicity.B),
        source=ReferralSource.GP,
        received="2025-11-01",
        needs=[Need.OTHER],
        history=[
            (S.SUBMITTED, "2025-11-01"),
            (S.AWAITING_CONSENT, "2025-11-01"),
            (S.READY_FOR_TRIAGE, "2025-11-03"),
            (S.ACCEPTED, "2025-11-05"),
            (S.ALLOCATED, "2025-11-10"),
            (S.DISCHARGED, "2026-01-15"),
            (S.ALLOCATED, "2026-03-16"),
        ],
        accepted_on=date(2025, 11, 5),
        discharges=[DischargeReason.DISENGAGED],
    )

    def one(key, referral, starts_at, minutes, stage, mode, attendance, who, pathway):
        return _contact(
            data, key, referral, emhp, starts_at, minutes, stage, mode, attendance, who, pathway
        )

    T, A = ContactStage.TREATMENT, ContactStage.ASSESSMENT
    one(
        "c0",
        r1,
        at("2026-02-25", "10:00"),
        45,
        A,
        ContactMode.FACE_TO_FACE_SCHOOL,
        Attendance.ATTENDED,
        WhoAttended.CHILD,
        Pathway.GUIDED_SELF_HELP_ANXIETY,
    )
    one(
        "c1",
        r1,
        at("2026-03-03", "10:00"),
        45,
        A,
        ContactMode.FACE_TO_FACE_SCHOOL,
        Attendance.ATTENDED,
        WhoAttended.CHILD,
        Pathway.GUIDED_SELF_HELP_ANXIETY,
    )
    # A proxy contact: the parent alone, by telephone.
    one(
        "c2",
        r1,
        at("2026-03-10", "15:30"),
        30,
        T,
        ContactMode.TELEPHONE,
        Attendance.ATTENDED,
        WhoAttended.PARENT_CARER,
        Pathway.PARENT_LED_CBT_ANXIETY,
    )
    one(
        "c3",
        r1,
        at("2026-03-17", "09:00"),
        45,
        T,
        ContactMode.VIDEO,
        Attendance.DID_NOT_ATTEND,
        None,
        Pathway.PARENT_LED_CBT_ANXIETY,
    )
    # Planned only (no outcome recorded): left out.
    one(
        "c4",
        r1,
        at("2026-03-31", "14:00"),
        45,
        T,
        ContactMode.FACE_TO_FACE_SCHOOL,
        None,
        None,
        Pathway.PARENT_LED_CBT_ANXIETY,
    )
    # 22:45 UTC on 31 March is 23:45 in UK summer time: still March.
    one(
        "c5",
        r5,
        at("2026-03-31", "22:45"),
        60,
        ContactStage.REVIEW,
        ContactMode.FACE_TO_FACE_ELSEWHERE,
        Attendance.ATTENDED,
        WhoAttended.BOTH,
        None,
    )
    # 23:15 UTC on 31 March is 00:15 on 1 April in the UK: outside.
    one(
        "c6",
        r5,
        at("2026-03-31", "23:15"),
        60,
        ContactStage.REVIEW,
        ContactMode.FACE_TO_FACE_ELSEWHERE,
        Attendance.ATTENDED,
        WhoAttended.BOTH,
        None,
    )
    one(
        "c7",
        r6,
        at("2026-03-20", "11:00"),
        30,
        A,
        ContactMode.FACE_TO_FACE_SCHOOL,
        Attendance.CANCELLED_BY_FAMILY,
        None,
        None,
    )

    # A targeted group: 3 attend on 12 March, 2 on 19 March; February is outside.
    group = GroupProgramme(
        title=f"Night owls {copy}",
        kind=GroupKind.TARGETED,
        audience=GroupAudience.CHILDREN,
        team=world.team_a,
        school=school,
        planned_sessions=6,
        created_by_id=emhp.id,
        description="Secret group description",
    )
    p1, p5, p6 = (GroupParticipant(referral=r) for r in (r1, r5, r6))
    group.participants = [p1, p5, p6]
    parents = GroupProgramme(
        title=f"Parents online {copy}",
        kind=GroupKind.TARGETED,
        audience=GroupAudience.PARENTS,
        team=world.team_a,
        is_virtual=True,
        planned_sessions=4,
        created_by_id=emhp.id,
    )
    q6 = GroupParticipant(referral=r6, as_parent=True)
    parents.participants = [q6]
    db.session.add_all([group, parents])

    def session(key, programme, held_on, attended):
        meeting = GroupSession(
            group=programme,
            held_on=date.fromisoformat(held_on),
            topic=f"Topic {key}",
            recorded_by_id=emhp.id,
            attendances=[GroupAttendance(participant=p, attended=a) for p, a in attended],
        )
        db.session.add(meeting)
        data.sessions[key] = meeting

    session("s0", group, "2026-02-26", [(p1, True), (p5, True), (p6, True)])
    session("s1", group, "2026-03-12", [(p1, True), (p5, True), (p6, True)])
    session("s2", group, "2026-03-19", [(p1, True), (p5, False), (p6, True)])
    session("t1", parents, "2026-03-25", [(q6, True)])
    db.session.flush()

    def measure(key, referral, code, completed, respondent, by_item, scores, contact=None):
        record = MeasureRecord(
            referral=referral,
            measure_code=code,
            completed_on=date.fromisoformat(completed),
            respondent=respondent,
            by_item=by_item,
            care_contact=contact,
            recorded_by=emhp,
            answers=[MeasureAnswer(item_number=1, value=6, item_text=f"Sleep with light off {key}")]
            if by_item
            else [],
            scores=[
                MeasureScore(scale=scale, position=n, score=Decimal(value))
                for n, (scale, value) in enumerate(scores, 1)
            ],
        )
        db.session.add(record)
        data.measures[key] = record
        data.secrets.append(f"Sleep with light off {key}")

    measure(
        "m1",
        r1,
        "GBO",
        "2026-03-03",
        Respondent.CHILD,
        True,
        [("total", "6.50")],
        data.contacts["c1"],
    )
    measure(
        "m2",
        r5,
        "RCADS25",
        "2026-03-20",
        Respondent.PARENT_CARER,
        False,
        [("depression", "12.00"), ("anxiety", "20.00"), ("total", "32.00")],
    )
    measure("m3", r1, "GBO", "2026-04-02", Respondent.CHILD, True, [("total", "8.00")])
    db.session.commit()
    data.secrets += [f"Closing summary for {n}" for n in ("Adeline", "Cyprian", "Ebenezer")]
    data.secrets += ["Family away c7", "Secret group description"]
    return data


@pytest.fixture
def school(world, make_school):
    return make_school("Hilltop Primary", world.team_a, urn=URN)


@pytest.fixture
def data(world, school) -> DataSet:
    return build_data(world, school)


@pytest.fixture
def lead(world, auth):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    return world.users[Role.CLINICAL_LEAD]


def download(client, args=MARCH_2026):
    """Ask for the extract, as the page's form does, then download the file from the job's
    page. The job runs in the request (TestConfig's JOBS_RUN_IN_PROCESS: the worker's own
    tests are in test_jobs_worker.py); a refused form's page is returned as it is."""
    asked = AuthActions(client).post("/extract/", data=args)
    if asked.status_code != 302:
        return asked
    job_page = asked.headers["Location"]
    assert re.fullmatch(r"/downloads/\d+", job_page)
    assert "Ready" in client.get(job_page).get_data(as_text=True)
    return read_whole(client.get(job_page + "/file"))


def read_whole(response):
    """The response read into memory and closed (send_file streams from an open file)."""
    response.get_data()
    response.close()
    return response


def unzip(response) -> dict[str, str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def p(app) -> Pseudonymiser:
    with app.app_context():
        return Pseudonymiser(app.config["SECRET_KEY"])


# ---- the files --------------------------------------------------------------------------


def test_the_zip_holds_four_csv_files_and_a_readme(client, lead, data):
    files = unzip(download(client))
    assert sorted(files) == [
        "README.txt",
        "care_contacts.csv",
        "coded_activities.csv",
        "outcome_scores.csv",
        "referrals.csv",
    ]
    for spec in FILES:
        assert next(csv.reader(io.StringIO(files[spec.filename]))) == spec.header
    readme = files["README.txt"]
    assert "Period: 2026-03-01 to 2026-03-31" in readme
    assert re.search(r"Generated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", readme)
    assert "not a validated MHSDS submission" in readme
    # 5 referrals, 5 1:1 contacts + 6 group rows, 2 activities, 4 scores (see below).
    assert "referrals.csv: 5 rows" in readme
    assert "care_contacts.csv: 11 rows" in readme
    assert "coded_activities.csv: 2 rows" in readme
    assert "outcome_scores.csv: 4 rows" in readme


def test_referrals_file(client, lead, data, world, p):
    r = data.referrals

    def row(key, values):
        referral = r[key]
        start = [p.person(referral.child_id), p.referral(referral.id), "EE123456"]
        team = [str(world.team_a.id), "Team A"]
        return dict(zip(FILES[0].header, start + team + values.split(","), strict=True))

    # After the team: source, its code, received, accepted, closed, status at the end of
    # March, discharge reason, age, gender, its code, ethnic category, needs.
    expected = [
        # Discharged 15 Jan, reopened 16 Mar: open at the end of March. Born 1 Jan 2015:
        # 10 on 1 Nov 2025.
        row("r7", "gp,A1,2025-11-01,2025-11-05,,allocated,,10,female,2,B,other"),
        # Discharged 20 Mar (moved school). Born 1 Dec 2011: 14 on 10 Jan 2026.
        row(
            "r5",
            "school_nurse,F1,2026-01-10,2026-01-20,2026-03-20,discharged,moved_school,14,"
            "non_binary,3,H,sleep_difficulties",
        ),
        # In treatment at the end of March: its April discharge is after the period.
        # Born 15 Jun 2014: 11 on 10 Feb 2026.
        row("r1", "school,C2,2026-02-10,2026-02-20,,in_treatment,,11,female,2,A,low_mood;worry"),
        # Born 1 Sep 2012: 13 on 2 Mar 2026.
        row(
            "r6",
            "school,C2,2026-03-02,2026-03-04,,allocated,,13,other,4,Z,"
            "challenging_behaviour;emotional_regulation",
        ),
        # No ethnicity recorded: 99. Born 20 Mar 2010: still 15 on 5 Mar 2026.
        row(
            "r2",
            "parent_carer,B2,2026-03-05,,2026-03-09,signposted,,15,male,1,99,anxiety_and_avoidance",
        ),
    ]
    assert rows(unzip(download(client))["referrals.csv"]) == expected


def test_care_contacts_file(client, lead, data, p):
    r, c, s = data.referrals, data.contacts, data.sessions

    def one(key, referral, values):
        start = ["individual", p.contact(c[key].id), ""]
        child = [p.referral(r[referral].id), p.person(r[referral].child_id)]
        return dict(zip(FILES[1].header, start + child + values.split(",") + [""], strict=True))

    def group(key, referral, values):
        start = ["group", "", p.group_session(s[key].id)]
        child = [p.referral(r[referral].id), p.person(r[referral].child_id)]
        return dict(zip(FILES[1].header, start + child + values.split(","), strict=True))

    # After the person: date, time, minutes, medium, its code, attendance, its code,
    # location type, proxy, who attended, stage, and (groups) how many attended.
    expected = [
        one(
            "c1",
            "r1",
            "2026-03-03,10:00:00,45,face_to_face_school,01,attended,5,school,N,child,assessment",
        ),
        # The parent alone: a proxy contact.
        one(
            "c2",
            "r1",
            "2026-03-10,15:30:00,30,telephone,02,attended,5,remote,Y,parent_carer,treatment",
        ),
        one("c3", "r1", "2026-03-17,09:00:00,45,video,11,did_not_attend,3,remote,N,,treatment"),
        one(
            "c7",
            "r6",
            "2026-03-20,11:00:00,30,face_to_face_school,01,cancelled_by_family,2,"
            "school,N,,assessment",
        ),
        # 22:45 UTC is 23:45 in UK summer time (from 29 March 2026).
        one(
            "c5",
            "r5",
            "2026-03-31,23:45:00,60,face_to_face_elsewhere,01,attended,5,other,N,both,review",
        ),
        # 12 March: all 3 participants attended, one row each, each counting 3.
        group("s1", "r1", "2026-03-12,,,group_in_person,01,attended,5,school,N,child,,3"),
        group("s1", "r5", "2026-03-12,,,group_in_person,01,attended,5,school,N,child,,3"),
        group("s1", "r6", "2026-03-12,,,group_in_person,01,attended,5,school,N,child,,3"),
        # 19 March: r5 did not come, so 2 attended.
        group("s2", "r1", "2026-03-19,,,group_in_person,01,attended,5,school,N,child,,2"),
        group("s2", "r6", "2026-03-19,,,group_in_person,01,attended,5,school,N,child,,2"),
        # r6's parent at a virtual parents' group: a proxy contact.
        group("t1", "r6", "2026-03-25,,,virtual_group,11,attended,5,remote,Y,parent_carer,,1"),
    ]
    assert rows(unzip(download(client))["care_contacts.csv"]) == expected


def test_coded_activities_file(client, lead, data, p):
    r, c = data.referrals, data.contacts
    ada = [p.referral(r["r1"].id), p.person(r["r1"].child_id)]

    def activity(key, values):
        return dict(zip(FILES[2].header, [p.contact(c[key].id), *ada, *values], strict=True))

    # Attended 1:1 contacts in March with a pathway: c1 and c2 (c3 was missed, c5 has no
    # pathway, c7 was cancelled, c4 is only planned, c0 and c6 are outside March).
    expected = [
        activity(
            "c1",
            ["2026-03-03", "guided_self_help_anxiety", "Guided self-help for anxiety", "", "45"],
        ),
        activity(
            "c2",
            ["2026-03-10", "parent_led_cbt_anxiety", "Parent-led CBT for child anxiety", "", "30"],
        ),
    ]
    assert rows(unzip(download(client))["coded_activities.csv"]) == expected


def test_outcome_scores_file(client, lead, data, p):
    r, m, c = data.referrals, data.measures, data.contacts

    def score(key, referral, values, contact=""):
        start = [p.assessment(m[key].id), p.referral(r[referral].id)]
        person = [p.person(r[referral].child_id)]
        return dict(
            zip(FILES[3].header, start + person + values.split(",") + [contact], strict=True)
        )

    # m3 (2 April) is outside March. Scores stored as 6.50 and 12.00 read 6.5 and 12.
    expected = [
        score("m1", "r1", "GBO,,total,6.5,2026-03-03,child,items", p.contact(c["c1"].id)),
        score("m2", "r5", "RCADS25,,depression,12,2026-03-20,parent_carer,totals"),
        score("m2", "r5", "RCADS25,,anxiety,20,2026-03-20,parent_carer,totals"),
        score("m2", "r5", "RCADS25,,total,32,2026-03-20,parent_carer,totals"),
    ]
    assert rows(unzip(download(client))["outcome_scores.csv"]) == expected


def test_nothing_identifying_leaves_in_any_file(client, lead, data, world, school):
    """Over the last 366 days (this data set and the world's records), no name, NHS
    number, date of birth, parent's detail or free text is in any file."""
    case = world.case_a1
    secrets = [
        *data.secrets,
        case.child.full_name,  # "Allocated" alone is also a status
        case.child.given_name,
        case.child.parent_carer_name,
        case.child.parent_carer_phone,
        case.needs_detail,
        case.already_tried,
        world.contact_a1.location,
        world.measure_a1.answers[0].item_text,
        world.group_a1.title,
        school.name,
    ]
    today = service_today()
    start = today - timedelta(days=365)
    args = {
        "from-day": start.day,
        "from-month": start.month,
        "from-year": start.year,
        "to-day": today.day,
        "to-month": today.month,
        "to-year": today.year,
    }
    files = unzip(download(client, args))
    everything = "\n".join(files.values()).casefold()
    # The files did read the world's records too: the case's referral is in them.
    assert len(rows(files["referrals.csv"])) >= 7
    leaked = [secret for secret in secrets if secret.casefold() in everything]
    assert leaked == []


def test_formula_cells_are_made_safe(client, lead, world, school, data):
    """A team name starting with = is written with a leading ' (safe_cell)."""
    world.team_a.name = "=HYPERLINK(1)"
    db.session.commit()
    referral_rows = rows(unzip(download(client))["referrals.csv"])
    assert {row["team_name"] for row in referral_rows} == {"'=HYPERLINK(1)"}


# ---- pseudonyms -------------------------------------------------------------------------


def test_pseudonyms_are_keyed_hmacs_stable_and_separate_per_kind():
    one, same, other = Pseudonymiser("key one"), Pseudonymiser(b"key one"), Pseudonymiser("two")
    # The HMAC-SHA256 of "person:42" under the key, cut to 16 hex characters.
    digest = hmac.new(b"key one", b"person:42", hashlib.sha256).hexdigest()[:16]
    assert one.person(42) == f"PER-{digest}"
    assert re.fullmatch(r"PER-[0-9a-f]{16}", one.person(42))
    assert digest != hashlib.sha256(b"person:42").hexdigest()[:16]  # not an unkeyed hash
    assert one.person(42) == same.person(42)
    assert one.person(42) != other.person(42)
    assert one.person(42) != one.person(43)
    kinds = {
        one.person(42)[4:],
        one.referral(42)[4:],
        one.contact(42)[4:],
        one.group_session(42)[4:],
        one.assessment(42)[4:],
    }
    assert len(kinds) == 5
    assert one.contact(None) == ""
    with pytest.raises(ValueError, match="must not be empty"):
        Pseudonymiser("")


def test_pseudonyms_use_the_configured_key_else_the_secret_key(
    app, client, lead, data, monkeypatch
):
    child_id = data.referrals["r1"].child_id

    def people():
        return {row["person_id"] for row in rows(unzip(download(client))["referrals.csv"])}

    monkeypatch.setitem(app.config, "EXTRACT_PSEUDONYM_KEY", None)
    with_secret_key = people()
    assert Pseudonymiser(app.config["SECRET_KEY"]).person(child_id) in with_secret_key
    assert people() == with_secret_key  # stable from one download to the next

    monkeypatch.setitem(app.config, "EXTRACT_PSEUDONYM_KEY", "a separate extract key")
    with_extract_key = people()
    assert Pseudonymiser("a separate extract key").person(child_id) in with_extract_key
    assert with_extract_key.isdisjoint(with_secret_key)


# ---- the period -------------------------------------------------------------------------


def test_previous_month_and_uk_boundaries():
    assert previous_month(date(2026, 1, 15)) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert previous_month(date(2026, 3, 1)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    # GMT on 1 March; summer time (UTC+1) from 29 March, so 1 April starts at 23:00 UTC.
    assert march.starts_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert march.ends_before == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "today", "field", "message"),
    [
        (date(2026, 3, 31), date(2026, 3, 1), date(2026, 4, 1), "date_to", "same as or after"),
        # 1 Jan 2025 to 2 Jan 2026 is 365 + 2 = 367 days.
        (date(2025, 1, 1), date(2026, 1, 2), date(2026, 4, 1), "date_to", "366 days or shorter"),
        (date(1999, 12, 31), date(2000, 1, 1), date(2026, 4, 1), "date_from", "1 January 2000"),
        (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 1), "date_from", "today or in the past"),
    ],
)
def test_check_period_refuses(start, end, today, field, message):
    with pytest.raises(RuleError) as error:
        check_period(start, end, today=today)
    assert error.value.field == field
    assert message in error.value.message


def test_check_period_accepts_366_days_and_a_single_day():
    # 1 Jan 2024 to 31 Dec 2024 is a leap year: 366 days.
    assert check_period(date(2024, 1, 1), date(2024, 12, 31), today=date(2026, 1, 1))
    assert check_period(date(2026, 1, 1), date(2026, 1, 1), today=date(2026, 1, 1))


# ---- the page and the download ----------------------------------------------------------


def test_the_page_offers_the_previous_month(client, lead, monkeypatch):
    monkeypatch.setattr("mhst.extract.views.service_today", lambda: date(2026, 1, 15))
    response = client.get("/extract/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name, value in [
        ("from-day", "1"),
        ("from-month", "12"),
        ("from-year", "2025"),
        ("to-day", "31"),
        ("to-month", "12"),
        ("to-year", "2025"),
    ]:
        assert re.search(rf'name="{name}"[^>]*value="{value}"', html), name
    assert 'action="/extract/" method="post"' in html
    assert "docs/mhsds-extract.md" in html
    assert "not a validated MHSDS submission" in html
    for spec in FILES:  # each file's columns, in a details element named after it
        assert f"{spec.filename}: {len(spec.columns)} columns" in html
        for column in spec.columns:
            assert f"<code>{column.name}</code>" in html


BAD = [
    ({**MARCH_2026, "to-day": "1", "from-day": "31"}, "The end date must be the same as or after"),
    ({**MARCH_2026, "from-day": "31", "from-month": "2"}, "The start date must be a real date"),
    ({**MARCH_2026, "to-day": "ab"}, "The end date must be a real date, in numbers"),
    ({**MARCH_2026, "from-year": "2025", "from-month": "3", "from-day": "30"}, "366 days"),
    ({**MARCH_2026, "from-year": "1999"}, "on or after 1 January 2000"),
    ({**MARCH_2026, "from-year": "99999"}, "The start date must be a real date, in numbers"),
    ({**MARCH_2026, "to-year": "9999", "from-year": "9999"}, "today or in the past"),
    ({}, "Enter the start date"),
    ({k: v for k, v in MARCH_2026.items() if not k.startswith("to-")}, "Enter the end date"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_dates_show_the_page_with_an_error_and_400(client, lead, data, args, message):
    response = download(client, args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "<title>Error: National data extract" in html
    assert message in html
    for name, value in args.items():  # what was typed is shown again
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value[:20])}"', html), name
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "national_extract")
    ).all()
    assert events == []


def test_the_download_is_audited(client, lead, data):
    response = download(client)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=mhsds-extract-2026-03-01-to-2026-03-31.zip"
    )
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "national_extract")
    ).one()
    assert event.action is AuditAction.EXPORT
    assert event.user_id == lead.id
    assert event.detail.startswith("2026-03-01 to 2026-03-31: referrals.csv 5, ")
    exported = audited_ids(
        AuditEvent.record_type == "referral", AuditEvent.action == AuditAction.EXPORT
    )
    r = data.referrals
    assert sorted(exported, key=int) == sorted(
        (str(r[k].id) for k in ("r1", "r2", "r5", "r6", "r7")), key=int
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_senior_clinician_is_refused(client, auth, world, data, method):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    if method == "GET":
        response = client.get("/extract/")
    else:
        response = auth.post("/extract/", data=MARCH_2026)
    assert response.status_code == 403
    assert db.session.scalars(select(BackgroundJob)).all() == []


def test_fixed_number_of_queries_at_small_and_ten_times_the_data(
    client, lead, world, school, count_queries
):
    build_data(world, school)
    AuthActions(client).csrf_token("/")  # the session's form token: not part of the count
    before = len(count_queries())
    small = download(client)
    small_queries = len(count_queries()) - before
    for copy in range(1, 10):
        build_data(world, school, copy)
    before = len(count_queries())
    large = download(client)
    large_queries = len(count_queries()) - before
    small_rows = rows(unzip(small)["care_contacts.csv"])
    large_rows = rows(unzip(large)["care_contacts.csv"])
    assert len(large_rows) == 10 * len(small_rows) == 110
    assert large_queries == small_queries


def test_the_documentation_names_every_column_and_mapping():
    text = DOCS.read_text()
    assert "aligned with" in text
    assert "not a validated" in text
    for spec in FILES:
        assert f"`{spec.filename}`" in text
        for column in spec.columns:
            assert f"`{column.name}`" in text, (spec.filename, column.name)
    for source in ReferralSource:
        assert f"`{source.value}`" in text
    for attendance in Attendance:
        assert f"`{attendance.value}`" in text
