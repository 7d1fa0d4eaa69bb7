"""Every figure of every service report, on one small hand-built data set, against
numbers worked out by hand in the comments.

The data set (built by :class:`ReportData`, directly with the models, on fresh teams
and schools; nothing else is in the test database):

* areas North and South; Team X (North) and Team Y (South);
* school S1 (Team X, North), S2 (Team X, but in South) and S3 (Team Y, South), so the
  area and team filters select different schools: North = {S1}, South = {S2, S3},
  Team X = {S1, S2}, Team Y = {S3};
* practitioners Ada and Ben (Team X) and Cat (Team Y);
* referrals R1 to R12 received in the report's period, 1 April to 30 June 2025, and R13
  (20 March) and R14 (10 July) outside it; "today" is 15 July 2025.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.directory.models import DirectoryService, DirectoryTable
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureRecord, MeasureScore
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import (
    Child,
    ChildAgrees,
    Duration,
    Gender,
    Impact,
    Need,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralSignpost,
    ReferralSource,
    ReferralStatus,
    YearGroup,
)
from mhst.reports.cells import Count, Days, Rate, Report, Score
from mhst.reports.filters import ReportAccess, ReportFilters, resolve_filters
from mhst.reports.queries import REPORTS, build_report
from mhst.reports.referral_figures import accepted_waits
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupAudience,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
)
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage, WhoAttended
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity

S = ReferralStatus
A = Attendance
FROM, TO, TODAY = date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 15)
LEAD = ReportAccess(team_id=None, always_suppressed=False)
COMMISSIONER = ReportAccess(team_id=None, always_suppressed=True)

TEST_MEASURE = {
    "code": "TST",
    "name": "Test worry scale",
    "completed_by": ["child"],
    "licence": "Invented for the tests",
    "ships_item_text": False,
    "items": [{"number": 1, "label": "Item one"}, {"number": 2, "label": "Item two"}],
    "response_scale": {"min": 0, "max": 10},
    "direction": "higher_is_worse",
    "scoring": {"total": "sum"},
    "missing_items": {"rule": "refuse"},
    "thresholds": {"total": {"value": 10}},
    "reliable_change": {"total": 5},
}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class ReportData:
    """Builds rows directly with the models (as later states of the journey)."""

    def __init__(self, make_area, make_team, make_school, make_user, suffix: str = ""):
        self.north, self.south = make_area(f"North{suffix}"), make_area(f"South{suffix}")
        self.team_x = make_team(f"Team X{suffix}", self.north)
        self.team_y = make_team(f"Team Y{suffix}", self.south)
        self.s1 = make_school(f"School S1{suffix}", self.team_x)
        self.s2 = make_school(f"School S2{suffix}", self.team_x)
        self.s2.area = self.south  # Team X also covers one school in the South
        self.s3 = make_school(f"School S3{suffix}", self.team_y)
        self.senior = make_user(Role.SENIOR_CLINICIAN, team=self.team_x)
        self.ada = make_user(Role.EMHP, team=self.team_x, full_name=f"Ada Practitioner{suffix}")
        self.ben = make_user(Role.EMHP, team=self.team_x, full_name=f"Ben Practitioner{suffix}")
        self.cat = make_user(Role.EMHP, team=self.team_y, full_name=f"Cat Practitioner{suffix}")
        self.services = [
            DirectoryService(
                table_kind=DirectoryTable.CHILDREN,
                level_of_need="Getting help",
                level_order=2,
                name=f"Service {n}{suffix}",
                area_text="LLR",
                age_text="5-18",
            )
            for n in (1, 2, 3)
        ]
        db.session.add_all(self.services)
        db.session.commit()

    # --- builders ------------------------------------------------------------------

    def referral(
        self,
        school,
        received_on: date,
        source: ReferralSource,
        needs: list[Need],
        path: list[tuple[ReferralStatus, date]],
        *,
        high_risk: bool = False,
    ) -> Referral:
        """A referral whose history is ``path`` (each status and the day it was reached)."""
        child = Child(
            given_name="Invented",
            family_name="Child",
            date_of_birth=date(2013, 1, 1),
            gender=Gender.NOT_STATED,
            year_group=YearGroup.YEAR_7,
            school_id=school.id,
        )
        referral = Referral(
            child=child,
            school_id=school.id,
            source=source,
            received_on=received_on,
            submitted_by_id=self.senior.id,
            in_education=True,
            duration=Duration.ONE_TO_THREE_MONTHS,
            impact=Impact.QUITE_A_LOT,
            needs_detail="Invented.",
            already_tried="Invented.",
            discussed_with_team=True,
            child_agrees=ChildAgrees.YES,
            eligible=True,
            high_risk=high_risk,
            status=path[-1][0] if path else S.SUBMITTED,
            need_links=[ReferralNeed(need=need) for need in needs],
        )
        db.session.add(referral)
        previous = S.SUBMITTED
        referral.events.append(ReferralEvent(to_status=S.SUBMITTED, occurred_at=at(received_on)))
        for status, day in path:
            referral.events.append(
                ReferralEvent(from_status=previous, to_status=status, occurred_at=at(day))
            )
            previous = status
        db.session.flush()
        return referral

    def signpost(self, referral: Referral, status: ReferralStatus, *services) -> None:
        event = next(e for e in referral.events if e.to_status is status)
        for service in services:
            db.session.add(ReferralSignpost(referral=referral, event=event, service=service))

    def allocate(self, referral: Referral, practitioner, *, ended: bool = False) -> None:
        db.session.add(
            Allocation(
                referral=referral,
                practitioner_id=practitioner.id,
                allocated_by_id=self.senior.id,
                allocated_at=at(referral.received_on),
                ended_at=at(TODAY) if ended else None,
            )
        )

    def contact(
        self,
        referral: Referral,
        practitioner,
        starts_at: datetime,
        attendance: Attendance | None,
        stage: ContactStage = ContactStage.TREATMENT,
        mode: ContactMode = ContactMode.FACE_TO_FACE_SCHOOL,
        who: WhoAttended | None = None,
    ) -> None:
        if attendance is A.ATTENDED and who is None:
            who = WhoAttended.CHILD
        db.session.add(
            CareContact(
                referral=referral,
                practitioner_id=practitioner.id,
                starts_at=starts_at,
                duration_minutes=45,
                stage=stage,
                mode=mode,
                attendance=attendance,
                who_attended=who,
                created_by_id=practitioner.id,
            )
        )

    def group(self, kind, audience, team, school, participants=()) -> GroupProgramme:
        group = GroupProgramme(
            title=f"{kind.label} group",
            kind=kind,
            audience=audience,
            team_id=team.id,
            school_id=school.id if school else None,
            is_virtual=school is None,
            planned_sessions=6,
            created_by_id=self.senior.id,
            participants=[
                GroupParticipant(referral=referral, as_parent=as_parent)
                for referral, as_parent in participants
            ],
        )
        db.session.add(group)
        db.session.flush()
        return group

    def session(self, group, held_on: date, *, came=(), head_count=None) -> None:
        """A session; ``came`` lists the participants (by position) who attended."""
        db.session.add(
            GroupSession(
                group=group,
                held_on=held_on,
                head_count=head_count,
                recorded_by_id=self.senior.id,
                attendances=[
                    GroupAttendance(participant=participant, attended=position in came)
                    for position, participant in enumerate(group.participants)
                ],
            )
        )

    def activity(self, school, kind: ActivityKind, held_on: date, attendance) -> None:
        db.session.add(
            WholeSchoolActivity(
                school_id=school.id,
                kind=kind,
                held_on=held_on,
                theme="Invented",
                delivered_by="The team",
                attendance=attendance,
                recorded_by_id=self.senior.id,
            )
        )

    def measure(self, referral: Referral, code: str, completed_on: date, total) -> None:
        db.session.add(
            MeasureRecord(
                referral=referral,
                measure_code=code,
                completed_on=completed_on,
                respondent=Respondent.CHILD,
                by_item=False,
                recorded_by_id=self.ada.id,
                scores=[MeasureScore(scale="total", position=1, score=Decimal(str(total)))],
            )
        )


def d(month: int, day: int) -> date:
    return date(2025, month, day)


def build_hand_made(data: ReportData) -> None:
    """The hand-made data set: every choice is used by a worked number below."""
    ss1, ss2, ss3 = data.s1, data.s2, data.s3
    school, self_online, parent, nurse, gp = (
        ReferralSource.SCHOOL,
        ReferralSource.SELF_REFERRAL_ONLINE,
        ReferralSource.PARENT_CARER,
        ReferralSource.SCHOOL_NURSE,
        ReferralSource.GP,
    )
    treated = [S.ACCEPTED, S.ALLOCATED, S.IN_TREATMENT]
    ref = data.referral
    r = {}
    r[1] = ref(ss1, d(4, 1), school, [Need.WORRY, Need.LOW_MOOD], [(s, d(4, 2)) for s in treated])
    r[2] = ref(
        ss1,
        d(4, 10),
        school,
        [Need.ANXIETY_AND_AVOIDANCE],
        [(s, d(4, 11)) for s in treated],
        high_risk=True,
    )
    r[3] = ref(
        ss2,
        d(4, 15),
        parent,
        [Need.WORRY],
        [*((s, d(4, 16)) for s in treated), (S.DISCHARGED, d(6, 2))],
    )
    r[4] = ref(
        ss3, d(5, 1), self_online, [Need.LOW_MOOD], [(S.ACCEPTED, d(5, 2)), (S.ALLOCATED, d(5, 3))]
    )
    r[5] = ref(
        ss1,
        d(5, 5),
        school,
        [Need.SLEEP_DIFFICULTIES],
        [(S.AWAITING_CONSENT, d(5, 5)), (S.READY_FOR_TRIAGE, d(5, 6)), (S.SIGNPOSTED, d(5, 6))],
    )
    r[6] = ref(
        ss2,
        d(5, 10),
        gp,
        [Need.LOW_MOOD, Need.WORRY],
        [(S.READY_FOR_TRIAGE, d(5, 10)), (S.STEPPED_UP, d(5, 12))],
    )
    r[7] = ref(ss3, d(5, 20), school, [Need.WORRY], [(S.AWAITING_CONSENT, d(5, 20))])
    r[8] = ref(
        ss1,
        d(6, 1),
        nurse,
        [Need.ANXIETY_AND_AVOIDANCE],
        [(S.ACCEPTED, d(6, 2)), (S.WITHDRAWN, d(6, 9))],
    )
    r[9] = ref(ss3, d(6, 10), school, [Need.OTHER], [(S.NOT_ACCEPTED, d(6, 11))])
    r[10] = ref(ss1, d(6, 20), school, [Need.WORRY], [(S.ACCEPTED, d(6, 21))])
    r[11] = ref(ss2, d(6, 25), school, [Need.LOW_MOOD], [(S.AWAITING_CONSENT, d(6, 25))])
    r[12] = ref(ss3, d(4, 20), school, [Need.ANXIETY_AND_AVOIDANCE], [(S.ACCEPTED, d(4, 21))])
    r[13] = ref(ss1, d(3, 20), school, [Need.WORRY], [(s, d(3, 21)) for s in treated])
    r[14] = ref(
        ss2,
        d(7, 10),
        school,
        [Need.WORRY],
        [(S.ACCEPTED, d(7, 11)), (S.ALLOCATED, d(7, 12))],
        high_risk=True,
    )
    data.r = r

    # Signposting: R5 to two services at triage, R6 stepped up to one, R3 one at discharge.
    data.signpost(r[5], S.SIGNPOSTED, data.services[0], data.services[1])
    data.signpost(r[6], S.STEPPED_UP, data.services[2])
    data.signpost(r[3], S.DISCHARGED, data.services[0])

    # Allocations: R13 was Ada's, reallocated to Ben; R3's ended at discharge.
    data.allocate(r[1], data.ada)
    data.allocate(r[2], data.ada)
    data.allocate(r[3], data.ben, ended=True)
    data.allocate(r[4], data.cat)
    data.allocate(r[13], data.ada, ended=True)
    data.allocate(r[13], data.ben)
    data.allocate(r[14], data.ben)

    # 1:1 contacts (C1 to C15 in the comments of the tests).
    c, st, mo, who = data.contact, ContactStage, ContactMode, WhoAttended
    ada, ben, cat = data.ada, data.ben, data.cat
    c(r[1], ada, at(d(4, 4), 23, 30), A.ATTENDED, st.ASSESSMENT)  # C1: UTC 4 April
    c(r[1], ada, at(d(4, 8)), A.DID_NOT_ATTEND)  # C2
    c(r[1], ada, at(d(4, 15)), A.ATTENDED, mode=mo.VIDEO, who=who.BOTH)  # C3
    c(r[2], ada, at(d(4, 20)), A.ATTENDED, st.ASSESSMENT)  # C4
    c(r[2], ada, at(d(5, 20)), A.ATTENDED, mode=mo.TELEPHONE, who=who.PARENT_CARER)  # C5 proxy
    c(r[3], ben, at(d(5, 5)), A.ATTENDED, st.ASSESSMENT, mo.FACE_TO_FACE_ELSEWHERE)  # C6
    c(r[3], ben, at(d(5, 12)), A.ATTENDED, st.REVIEW)  # C7
    c(r[3], ben, at(d(5, 19)), A.CANCELLED_BY_FAMILY)  # C8
    c(r[4], cat, at(d(6, 10)), A.ATTENDED, st.ASSESSMENT)  # C9
    c(r[4], cat, at(d(6, 17)), A.DID_NOT_ATTEND, mode=mo.VIDEO)  # C10
    c(r[13], ben, at(d(3, 25)), A.ATTENDED, st.ASSESSMENT)  # C11: before the period
    c(r[13], ben, at(d(4, 2)), A.ATTENDED)  # C12
    c(r[2], ada, at(d(6, 30), 23, 30), A.CANCELLED_BY_SERVICE, st.REVIEW, mo.TELEPHONE)  # C13
    c(r[4], cat, at(d(6, 28)), None)  # C14: planned only, never logged
    c(r[1], ada, at(d(7, 1), 0, 30), A.ATTENDED, st.REVIEW)  # C15: UTC 1 July, after

    # Groups (G1 to G5).
    g1 = data.group(
        GroupKind.TARGETED,
        GroupAudience.CHILDREN,
        data.team_x,
        ss1,
        [(r[1], False), (r[2], False), (r[13], True)],
    )
    data.session(g1, d(4, 10), came=(0, 1))
    data.session(g1, d(5, 10), came=(0, 2))
    data.session(g1, d(7, 5), came=(1,))
    g2 = data.group(GroupKind.UNIVERSAL, GroupAudience.CHILDREN, data.team_y, None)
    data.session(g2, d(5, 15), head_count=25)
    data.session(g2, d(6, 15), head_count=1)
    g3 = data.group(GroupKind.TARGETED, GroupAudience.PARENTS, data.team_x, ss2, [(r[3], True)])
    data.session(g3, d(3, 20), came=(0,))
    data.session(g3, d(4, 15), came=(0,))
    g4 = data.group(GroupKind.UNIVERSAL, GroupAudience.PARENTS, data.team_x, ss1)
    data.session(g4, d(4, 22), head_count=12)
    data.session(g4, d(5, 22), head_count=8)
    g5 = data.group(GroupKind.TARGETED, GroupAudience.CHILDREN, data.team_y, ss3, [(r[4], False)])
    data.session(g5, d(7, 20), came=(0,))

    # Whole-school activities (W1 to W5).
    data.activity(ss1, ActivityKind.ASSEMBLY, d(4, 10), 200)
    data.activity(ss1, ActivityKind.STAFF_TRAINING, d(5, 1), 30)
    data.activity(ss2, ActivityKind.ASSEMBLY, d(6, 5), 150)
    data.activity(ss3, ActivityKind.WORKSHOP, d(6, 30), None)
    data.activity(ss3, ActivityKind.ASSEMBLY, d(7, 1), 99)

    # Outcome measures: GBO (higher is better, reliable change 3, no threshold) and TST
    # (higher is worse, threshold 10, reliable change 5), and OLD with no definition.
    m = data.measure
    m(r[1], "GBO", d(4, 5), 2)
    m(r[1], "GBO", d(6, 20), 5)
    m(r[2], "GBO", d(4, 21), 3)
    m(r[2], "GBO", d(5, 21), 4)
    m(r[2], "GBO", d(6, 25), 6.5)
    m(r[3], "GBO", d(5, 5), 4)
    m(r[3], "GBO", d(6, 29), 8)
    m(r[13], "GBO", d(3, 26), 7)
    m(r[13], "GBO", d(6, 1), 3)
    m(r[4], "GBO", d(6, 11), 5)
    m(r[1], "TST", d(4, 5), 15)
    m(r[1], "TST", d(6, 20), 8)
    m(r[2], "TST", d(4, 21), 12)
    m(r[2], "TST", d(6, 25), 10)
    m(r[13], "TST", d(4, 2), 6)
    m(r[13], "TST", d(6, 1), 4)
    m(r[1], "OLD", d(4, 1), 1)
    m(r[1], "OLD", d(5, 1), 2)
    db.session.commit()


@pytest.fixture
def data(make_area, make_team, make_school, make_user, tmp_path, monkeypatch, app):
    (tmp_path / "tst.json").write_text(json.dumps(TEST_MEASURE), encoding="utf-8")
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))
    built = ReportData(make_area, make_team, make_school, make_user)
    build_hand_made(built)
    return built


# --- reading a report ----------------------------------------------------------------


def plain(cell):
    """A cell as a value to compare: Count -> int, Rate -> (numerator, denominator),
    Days and Score -> (value to 4 places or None, cases)."""
    if isinstance(cell, Count):
        return cell.value
    if isinstance(cell, Rate):
        return (cell.numerator, cell.denominator)
    if isinstance(cell, Days | Score):
        value = None if cell.value is None else Decimal(cell.value).quantize(Decimal("0.0001"))
        return (value, cell.cases)
    return cell


def report(slug: str, access: ReportAccess = LEAD, **filters) -> Report:
    values = {"date_from": FROM, "date_to": TO, **filters}
    return build_report(slug, ReportFilters(**values), access, TODAY)


def table(built: Report, title: str) -> list[tuple]:
    section = next(s for s in built.sections if s.title == title)
    return [tuple(plain(cell) for cell in row) for row in section.rows]


def column(built: Report, title: str, position: int = 1) -> dict:
    """One figure column of a section, by row label."""
    return {row[0]: row[position] for row in table(built, title)}


def q(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.0001"))


def test_every_report_has_notes_and_the_six_slugs(data):
    assert set(REPORTS) == {
        "referrals",
        "waiting-times",
        "contacts",
        "caseloads",
        "activity",
        "outcomes",
    }
    for slug in REPORTS:
        built = report(slug)
        assert built.sections
        for section in built.sections:
            assert section.note, (slug, section.title)
            assert all(len(row) == len(section.columns) for row in section.rows)


# --- referrals -----------------------------------------------------------------------


def test_referral_summary(data):
    rows = table(report("referrals"), "Referrals received and what happened to them")
    # Received 1 April - 30 June: R1..R12 = 12 (R13 on 20 March and R14 on 10 July are out).
    # Ever accepted: R1 R2 R3 R4 R8 R10 R12 = 7 (R8 was later withdrawn: counted in both).
    # Signposted R5, stepped up R6, withdrawn R8, not accepted R9: 1 each.
    # Awaiting consent now: R7 and R11 = 2 (R5 waited for consent once, then moved on).
    assert rows == [
        ("Received", 12, (12, 12)),
        ("Accepted (at any time)", 7, (7, 12)),
        ("Signposted (at any time)", 1, (1, 12)),
        ("Stepped up (at any time)", 1, (1, 12)),
        ("Withdrawn (at any time)", 1, (1, 12)),
        ("Not accepted (at any time)", 1, (1, 12)),
        ("Waiting for consent now", 2, (2, 12)),
    ]


def test_referrals_by_source_list_every_source(data):
    built = report("referrals")
    section = next(s for s in built.sections if s.title == "Referrals by source")
    assert section.chart
    # School: R1 R2 R5 R7 R9 R10 R11 R12 = 8; online R4, parent R3, school nurse R8, GP R6.
    assert table(built, "Referrals by source") == [
        ("School Mental Health Lead", 8, (8, 12)),
        ("Self-referral received online", 1, (1, 12)),
        ("Parent or carer", 1, (1, 12)),
        ("School nurse", 1, (1, 12)),
        ("GP", 1, (1, 12)),
    ]


def test_referrals_by_need_count_a_referral_under_each_need(data):
    needs = column(report("referrals"), "Referrals by need")
    # Worry: R1 R3 R6 R7 R10 = 5; low mood: R1 R4 R6 R11 = 4; anxiety: R2 R8 R12 = 3;
    # sleep R5 = 1; other R9 = 1: 14 in all, 2 more than the 12 referrals (R1 and R6
    # have two needs each).
    assert needs == {
        Need.LOW_MOOD.label: 4,
        Need.WORRY.label: 5,
        Need.ANXIETY_AND_AVOIDANCE.label: 3,
        Need.SLEEP_DIFFICULTIES.label: 1,
        Need.CHALLENGING_BEHAVIOUR.label: 0,
        Need.FAMILY_RELATIONSHIPS.label: 0,
        Need.ADJUSTING_TO_CHANGE.label: 0,
        Need.EMOTIONAL_REGULATION.label: 0,
        Need.OTHER.label: 1,
    }
    assert sum(needs.values()) == 14


def test_referral_filters(data):
    def received(**filters) -> int:
        return column(
            report("referrals", **filters), "Referrals received and what happened to them"
        )["Received"]

    # North = S1: R1 R2 R5 R8 R10 = 5.
    assert received(area_id=data.north.id) == 5
    # South = S2 and S3: R3 R6 R11 + R4 R7 R9 R12 = 7.
    assert received(area_id=data.south.id) == 7
    # Team Y = S3: R4 R7 R9 R12 = 4.
    assert received(team_id=data.team_y.id) == 4
    # Team X = S1 and S2: 12 - 4 = 8.
    assert received(team_id=data.team_x.id) == 8
    # School S2: R3 R6 R11 = 3.
    assert received(school_id=data.s2.id) == 3
    # Area South and team X together: S2 only = 3.
    assert received(area_id=data.south.id, team_id=data.team_x.id) == 3
    # April only: R1 R2 R3 R12 = 4; 1 March to 31 July adds R13 and R14: 14.
    assert received(date_to=d(4, 30)) == 4
    assert received(date_from=d(3, 1), date_to=d(7, 31)) == 14
    # School S3 by source: R4 online, R7 R9 R12 school.
    sources = column(report("referrals", school_id=data.s3.id), "Referrals by source")
    assert sources["School Mental Health Lead"] == 3
    assert sources["Self-referral received online"] == 1


def test_a_senior_clinician_sees_only_their_team(data, make_user):
    senior_y = make_user(Role.SENIOR_CLINICIAN, team=data.team_y)
    access = ReportAccess.for_user(senior_y)
    assert access == ReportAccess(team_id=data.team_y.id, always_suppressed=False)
    # The team is forced to their own, whatever the filters ask for.
    filters = resolve_filters(access, date_from=FROM, date_to=TO)
    assert filters.team_id == data.team_y.id
    built = build_report("referrals", filters, access, TODAY)
    # Team Y: R4 R7 R9 R12 = 4, of which accepted R4 and R12 = 2.
    summary = column(built, "Referrals received and what happened to them")
    assert summary["Received"] == 4
    assert summary["Accepted (at any time)"] == 2
    # Even filters naming another team give nothing outside their own.
    other = ReportFilters(FROM, TO, team_id=data.team_x.id)
    summary = column(
        build_report("referrals", other, access, TODAY),
        "Referrals received and what happened to them",
    )
    assert summary["Received"] == 0
    # Caseloads: only Cat's (R4).
    rows = table(build_report("caseloads", filters, access, TODAY), "Open cases per practitioner")
    assert rows == [("Cat Practitioner", 1, 0, "Team Y")]


# --- waiting times -------------------------------------------------------------------


def test_waiting_times_overall(data):
    built = report("waiting-times")
    rows = table(built, "Days from referral to first and second contact")
    # Accepted in range: R1 R2 R3 R4 R8 R10 R12. First attended contacts:
    # R1 1 Apr -> C1 4 Apr (23:30 UTC; 5 April in London, but the UTC date counts) = 3;
    # R2 10 Apr -> C4 20 Apr = 10; R3 15 Apr -> C6 5 May = 20; R4 1 May -> C9 10 Jun = 40.
    # Sorted 3, 10, 20, 40 (n = 4): median at position 0.5 x 3 = 1.5: (10 + 20) / 2 = 15;
    # 90th at 0.9 x 3 = 2.7: 20 + 0.7 x (40 - 20) = 34.
    # Second: R1 C3 15 Apr = 14 (C2 was not attended); R2 C5 20 May = 40; R3 C7 12 May = 27.
    # Sorted 14, 27, 40: median 27; 90th at 0.9 x 2 = 1.8: 27 + 0.8 x 13 = 37.4.
    assert rows == [
        ("First attended contact", (q("15"), 4), (q("34"), 4)),
        ("Second attended contact", (q("27"), 3), (q("37.4"), 3)),
    ]
    # Known by 15 July: the 4 seen, R8 (1 Jun, 44 days) and R12 (20 Apr, 86 days) = 6;
    # R10 (20 Jun, 25 days, no contact yet) is not yet known. Within 28 days: R1 R2 R3 = 3.
    assert table(built, "Seen within 4 weeks") == [("Accepted referrals", (3, 6))]


def test_waiting_times_by_team(data):
    rows = table(report("waiting-times"), "Waiting times by team")
    # Team X (R1 R2 R3 R8 R10): first 3, 10, 20: median 10, 90th at 1.8: 10 + 0.8 x 10 = 18;
    # second 14, 27, 40: 27 and 37.4; seen within 4 weeks 3 of R1 R2 R3 R8 = 3/4.
    # Team Y (R4 R12): first 40 only: both 40; no second contact; R4 (40 days) and R12
    # (86 days, none) are known, neither within 28 days: 0/2.
    assert rows == [
        ("Team X", (q("10"), 3), (q("18"), 3), (q("27"), 3), (q("37.4"), 3), (3, 4)),
        ("Team Y", (q("40"), 1), (q("40"), 1), (None, 0), (None, 0), (0, 2)),
    ]


def test_waiting_time_filters(data):
    # School S3 (R4, R12): the Team Y figures.
    built = report("waiting-times", school_id=data.s3.id)
    assert table(built, "Days from referral to first and second contact") == [
        ("First attended contact", (q("40"), 1), (q("40"), 1)),
        ("Second attended contact", (None, 0), (None, 0)),
    ]
    assert table(built, "Seen within 4 weeks") == [("Accepted referrals", (0, 2))]
    # Area North = S1 (R1 R2 R8 R10): first 3, 10: median 6.5, 90th at 0.9: 3 + 0.9 x 7 = 9.3.
    north = report("waiting-times", area_id=data.north.id)
    assert table(north, "Days from referral to first and second contact")[0] == (
        "First attended contact",
        (q("6.5"), 2),
        (q("9.3"), 2),
    )
    # Seen: R1 R2 seen within 28 days, R8 known (44 days): 2/3; R10 not yet known.
    assert table(north, "Seen within 4 weeks") == [("Accepted referrals", (2, 3))]
    # Received in April (R1 R2 R3 R12): first 3, 10, 20: median 10, 90th 18.
    april = report("waiting-times", date_to=d(4, 30))
    assert table(april, "Days from referral to first and second contact")[0] == (
        "First attended contact",
        (q("10"), 3),
        (q("18"), 3),
    )


def percentile_cont(values: list[int], p: float) -> Decimal | None:
    """PostgreSQL's percentile_cont worked in Python: linear interpolation at p x (n - 1)."""
    if not values:
        return None
    ordered = sorted(values)
    position = Decimal(str(p)) * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def check_percentiles_against_the_database(filters: ReportFilters, backend: str) -> int:
    """The report's medians and 90th percentiles agree with percentile_cont worked in
    Python over the same waits, and on PostgreSQL with the database's own. Returns how
    many cases were checked."""
    waits = accepted_waits(filters, LEAD)
    built = build_report("waiting-times", filters, LEAD, TODAY)
    rows = table(built, "Days from referral to first and second contact")
    checked = 0
    for row, name in zip(rows, ("days_first", "days_second"), strict=True):
        values = [value for value in db.session.scalars(select(waits.c[name])) if value is not None]
        median, p90 = percentile_cont(values, 0.5), percentile_cont(values, 0.9)
        assert row[1] == (None if median is None else q(str(median)), len(values))
        assert row[2] == (None if p90 is None else q(str(p90)), len(values))
        checked += len(values)
        if backend == "postgresql":
            median, p90 = db.session.execute(
                select(
                    func.percentile_cont(0.5).within_group(waits.c[name]),
                    func.percentile_cont(0.9).within_group(waits.c[name]),
                )
            ).one()
            assert row[1][0] == (None if median is None else q(str(median)))
            assert row[2][0] == (None if p90 is None else q(str(p90)))
    return checked


def test_percentiles_match_percentile_cont(data, backend):
    # The hand-made set: 4 first and 3 second contacts (worked by hand above).
    assert check_percentiles_against_the_database(ReportFilters(FROM, TO), backend) == 7
    # And per school, down to a single case (S3: one first contact, no second).
    assert (
        check_percentiles_against_the_database(
            ReportFilters(FROM, TO, school_id=data.s3.id), backend
        )
        == 1
    )


# --- contacts ------------------------------------------------------------------------


def test_contacts_by_attendance_and_did_not_attend_rate(data):
    built = report("contacts")
    section = next(s for s in built.sections if s.title == "Contacts by attendance")
    assert section.chart
    # Logged with a UTC date 1 April - 30 June: C1-C10, C12, C13 = 12 (C11 is 25 March,
    # C15 is 1 July UTC, C14 is only planned). C13 at 23:30 UTC on 30 June is in.
    # Attended C1 C3 C4 C5 C6 C7 C9 C12 = 8; did not attend C2 C10 = 2;
    # cancelled by the family C8 = 1; by the service C13 = 1.
    assert table(built, "Contacts by attendance") == [
        ("Attended", 8, (8, 12)),
        ("Did not attend", 2, (2, 12)),
        ("Cancelled by the family", 1, (1, 12)),
        ("Cancelled by service", 1, (1, 12)),
    ]
    # DNA rate = 2 / (8 + 2) = 20%.
    assert table(built, "Did-not-attend rate") == [("Attended or did not attend", (2, 10))]


def test_contacts_by_stage_mode_and_who_attended(data):
    built = report("contacts")
    # Assessment C1 C4 C6 C9 = 4; treatment C2 C3 C5 C8 C10 C12 = 6; review C7 C13 = 2.
    assert column(built, "Contacts by stage") == {
        "Assessment": 4,
        "Treatment": 6,
        "Review": 2,
        "Discharge": 0,
    }
    # In school C1 C2 C4 C7 C8 C9 C12 = 7; elsewhere C6 = 1; video C3 C10 = 2;
    # telephone C5 C13 = 2.
    assert column(built, "Contacts by mode") == {
        "Face to face in school": 7,
        "Face to face elsewhere": 1,
        "Video call": 2,
        "Telephone": 2,
    }
    # Of the 8 attended: the child C1 C4 C6 C7 C9 C12 = 6; parent only (proxy) C5 = 1;
    # both C3 = 1.
    assert table(built, "Attended contacts by who attended") == [
        ("The child or young person", 6, (6, 8)),
        ("Parent or carer only (proxy contact)", 1, (1, 8)),
        ("Both", 1, (1, 8)),
    ]


def test_contact_filters(data):
    # Team Y = S3: C9 attended, C10 did not: DNA 1 / 2.
    team_y = report("contacts", team_id=data.team_y.id)
    assert column(team_y, "Contacts by attendance")["Attended"] == 1
    assert table(team_y, "Did-not-attend rate") == [("Attended or did not attend", (1, 2))]
    # School S2 (R3): C6 C7 attended, C8 cancelled by the family.
    s2 = column(report("contacts", school_id=data.s2.id), "Contacts by attendance")
    assert s2 == {
        "Attended": 2,
        "Did not attend": 0,
        "Cancelled by the family": 1,
        "Cancelled by service": 0,
    }
    # Area North = S1 (R1 R2 R13): C1 C2 C3 C4 C5 C12 C13 = 7 logged.
    north = column(report("contacts", area_id=data.north.id), "Contacts by attendance")
    assert sum(north.values()) == 7
    # April: C1 C2 C3 C4 C12 = 5 logged; from 25 March to 1 July all 14 logged (C14 never).
    april = column(report("contacts", date_to=d(4, 30)), "Contacts by attendance")
    assert sum(april.values()) == 5
    wide = column(report("contacts", date_from=d(3, 25), date_to=d(7, 1)), "Contacts by attendance")
    assert sum(wide.values()) == 14


# --- caseloads -----------------------------------------------------------------------


def test_caseloads_per_practitioner(data):
    built = report("caseloads")
    section = built.sections[0]
    assert section.chart
    assert section.columns[1] == "Open cases"
    # Open today with a current allocation: Ada R1, R2 (high risk); Ben R13 (reallocated
    # from Ada, whose allocation ended) and R14 (high risk, received after the period:
    # dates do not apply); Cat R4. R3 is discharged, R10 is waiting, not allocated.
    assert table(built, "Open cases per practitioner") == [
        ("Ada Practitioner", 2, 1, "Team X"),
        ("Ben Practitioner", 2, 1, "Team X"),
        ("Cat Practitioner", 1, 0, "Team Y"),
    ]


def test_caseload_filters(data):
    # Area South = S2, S3: R14 (S2, Ben) and R4 (S3, Cat).
    assert table(report("caseloads", area_id=data.south.id), "Open cases per practitioner") == [
        ("Ben Practitioner", 1, 1, "Team X"),
        ("Cat Practitioner", 1, 0, "Team Y"),
    ]
    # School S1: R1 R2 (Ada), R13 (Ben).
    assert table(report("caseloads", school_id=data.s1.id), "Open cases per practitioner") == [
        ("Ada Practitioner", 2, 1, "Team X"),
        ("Ben Practitioner", 1, 0, "Team X"),
    ]
    # The dates do not change today's caseload.
    assert table(report("caseloads", date_to=d(4, 2)), "Open cases per practitioner") == table(
        report("caseloads"), "Open cases per practitioner"
    )


def test_commissioner_caseloads_name_no_practitioner(data):
    built = report("caseloads", COMMISSIONER)
    # Team X: 4 open cases (Ada 2, Ben 2) over 2 practitioners: mean 2; Team Y: Cat's 1.
    assert table(built, "Open cases per team") == [
        ("Team X", 4, 2, (q("2"), 2)),
        ("Team Y", 1, 1, (q("1"), 1)),
    ]
    for user in (data.ada, data.ben, data.cat):
        assert user.full_name not in repr(built)


# --- activity ------------------------------------------------------------------------


def test_direct_support(data):
    rows = column(report("activity"), "Direct support")
    # Targeted groups meeting in range: G1 (10 Apr, 10 May) and G3 (15 Apr); G5 met only in
    # July. Sessions 2 + 1 = 3. Children who came: R1, R2 (G1) = 2; parents: R13's (G1,
    # 10 May) and R3's (G3) = 2. Universal: G2 (2 sessions, head counts 25 + 1 = 26,
    # children) and G4 (2 sessions, 12 + 8 = 20, parents). Counting towards access by
    # 30 June: G1 (sessions 10 Apr and 10 May attended; children R1 R2 R13 = 3) and G4 (two
    # sessions with 2 or more); not G2 (one session of 2 or more) nor G3 (one child).
    # 1:1 contacts attended in range: 8 (as in the contacts report).
    assert rows == {
        "Targeted groups that met": 2,
        "Targeted group sessions held": 3,
        "Children and young people attending targeted groups": 2,
        "Parents or carers attending targeted groups": 2,
        "Universal groups that met": 2,
        "Universal group sessions held": 4,
        "Universal groups for children: total head count": 26,
        "Universal groups for parents: total head count": 20,
        "Groups counting towards access": 2,
        "1:1 contacts attended": 8,
    }


def test_direct_support_filters(data):
    # School S1: G1 and G4 (the virtual G2 has no school; G3 is at S2). 1:1 attended at S1:
    # C1 C3 (R1), C4 C5 (R2), C12 (R13) = 5.
    s1 = column(report("activity", school_id=data.s1.id), "Direct support")
    assert s1 == {
        "Targeted groups that met": 1,
        "Targeted group sessions held": 2,
        "Children and young people attending targeted groups": 2,
        "Parents or carers attending targeted groups": 1,
        "Universal groups that met": 1,
        "Universal group sessions held": 2,
        "Universal groups for children: total head count": 0,
        "Universal groups for parents: total head count": 20,
        "Groups counting towards access": 2,
        "1:1 contacts attended": 5,
    }
    # Area South: G3 (at S2, in the South) and the virtual G2 (Team Y's area is the South).
    # 1:1 attended: C6 C7 (S2), C9 (S3) = 3.
    south = column(report("activity", area_id=data.south.id), "Direct support")
    assert south == {
        "Targeted groups that met": 1,
        "Targeted group sessions held": 1,
        "Children and young people attending targeted groups": 0,
        "Parents or carers attending targeted groups": 1,
        "Universal groups that met": 1,
        "Universal group sessions held": 2,
        "Universal groups for children: total head count": 26,
        "Universal groups for parents: total head count": 0,
        "Groups counting towards access": 0,
        "1:1 contacts attended": 3,
    }
    # Team Y: G2 only (G5 met in July); 1:1: C9.
    team_y = column(report("activity", team_id=data.team_y.id), "Direct support")
    assert team_y["Universal groups that met"] == 1
    assert team_y["Targeted groups that met"] == 0
    assert team_y["1:1 contacts attended"] == 1
    # April only: G1 met once (10 Apr), G3 once, G4 once (22 Apr), G2 not. By 30 April
    # G1 had one attended session and G4 one session of 2 or more: none counts yet.
    april = column(report("activity", date_to=d(4, 30)), "Direct support")
    assert april["Targeted groups that met"] == 2
    assert april["Targeted group sessions held"] == 2
    assert april["Universal groups that met"] == 1
    assert april["Groups counting towards access"] == 0


def test_whole_school_and_signposting(data):
    built = report("activity")
    # Held in range: W1 assembly 200, W2 staff training 30, W3 assembly 150, W4 workshop
    # (no attendance recorded); W5 (1 July) is out. Assemblies: 2, 200 + 150 = 350.
    assert table(built, "Whole-school approach") == [
        ("Staff training", 1, 30),
        ("Assembly", 2, 350),
        ("Workshop", 1, 0),
        ("Health fair", 0, 0),
        ("Parent information session", 0, 0),
        ("Children's Mental Health Week toolkit", 0, 0),
        ("Other", 0, 0),
    ]
    # R5 signposted on 6 May to 2 services; R6 stepped up on 12 May to 1; R3 discharged on
    # 2 June with 1 onward service.
    assert table(built, "Advice, consultation and signposting") == [
        ("Signposted at triage", 1, 2),
        ("Stepped up at triage", 1, 1),
        ("Onward services at discharge", 1, 1),
    ]
    # Team Y (S3): only W4; no signposting (R5 is at S1, R6 and R3 at S2).
    team_y = report("activity", team_id=data.team_y.id)
    assert column(team_y, "Whole-school approach")["Workshop"] == 1
    assert sum(column(team_y, "Whole-school approach").values()) == 1
    assert sum(column(team_y, "Advice, consultation and signposting").values()) == 0
    # April only: W1 alone, and no signposting decisions (May and June).
    april = report("activity", date_to=d(4, 30))
    assert column(april, "Whole-school approach") == {
        "Staff training": 0,
        "Assembly": 1,
        "Workshop": 0,
        "Health fair": 0,
        "Parent information session": 0,
        "Children's Mental Health Week toolkit": 0,
        "Other": 0,
    }
    assert sum(column(april, "Advice, consultation and signposting").values()) == 0


# --- outcomes ------------------------------------------------------------------------


def test_outcomes(data):
    rows = table(report("outcomes"), "Paired outcomes by measure")
    # GBO (higher is better; reliable change more than 3; no threshold), paired with the
    # last record in range: R1 2 -> 5 (+3 exactly: not reliable), R2 3 -> 6.5 (+3.5, the
    # middle 4 ignored: reliable), R3 4 -> 8 (+4: reliable), R13 7 -> 3 (-4: reliably
    # worse) = 4 paired; R4 has one record. Improvement 2/4, deterioration 1/4; recovery
    # does not apply (no threshold). Mean first (2 + 3 + 4 + 7) / 4 = 4; mean last
    # (5 + 6.5 + 8 + 3) / 4 = 5.625.
    # OLD: no definition loaded: R1's pair counted only.
    # TST (higher is worse, threshold 10, reliable change 5): R1 15 -> 8 (-7: reliable;
    # clinical then not: recovered), R2 12 -> 10 (-2; 10 is still clinical: not recovered),
    # R13 6 -> 4 (-2; not clinical at first: recovery does not apply). Improvement 1/3,
    # deterioration 0/3, recovery 1/2. Mean first (15 + 12 + 6) / 3 = 11; mean last
    # (8 + 10 + 4) / 3 = 7.3333.
    assert rows == [
        ("Goal Based Outcomes (GBO)", 4, (2, 4), (1, 4), (0, 0), (q("4"), 4), (q("5.625"), 4)),
        ("OLD (definition not loaded)", 1, (0, 0), (0, 0), (0, 0), (None, 0), (None, 0)),
        ("Test worry scale (TST)", 3, (1, 3), (0, 3), (1, 2), (q("11"), 3), (q("7.3333"), 3)),
    ]


def test_outcome_filters(data):
    # School S2: R3's GBO pair only (+4: reliable improvement).
    assert table(report("outcomes", school_id=data.s2.id), "Paired outcomes by measure") == [
        ("Goal Based Outcomes (GBO)", 1, (1, 1), (0, 1), (0, 0), (q("4"), 1), (q("8"), 1)),
    ]
    # Team Y: R4 has one record: nothing is paired.
    assert table(report("outcomes", team_id=data.team_y.id), "Paired outcomes by measure") == []
    # To 28 June: R3's last record (29 June) is out, so GBO has R1 R2 R13 = 3 paired:
    # improvement R2 = 1/3, deterioration R13 = 1/3, first (2 + 3 + 7) / 3 = 4,
    # last (5 + 6.5 + 3) / 3 = 4.8333. TST is unchanged; OLD's last (1 May) is in.
    gbo = table(report("outcomes", date_to=d(6, 28)), "Paired outcomes by measure")[0]
    assert gbo == (
        "Goal Based Outcomes (GBO)",
        3,
        (1, 3),
        (1, 3),
        (0, 0),
        (q("4"), 3),
        (q("4.8333"), 3),
    )
    # From 1 June: OLD's last (1 May) is out; GBO and TST unchanged (last records June).
    labels = [
        row[0] for row in table(report("outcomes", date_from=d(6, 1)), "Paired outcomes by measure")
    ]
    assert labels == ["Goal Based Outcomes (GBO)", "Test worry scale (TST)"]
