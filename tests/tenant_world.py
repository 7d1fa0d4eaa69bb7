"""Team B's records for the tenant matrix (tests/test_tenant_matrix.py).

The ``World`` (tests/conftest.py) puts every user and record in team A, area North; team B
(area South) has only its two schools. ``TenantB`` adds team B's own people and records,
the same kinds team A has: a referral with consent, a risk flag and a triage decision, a
case with a session, a discharge and a measure, a group with a session, a supervision, a
cohort, a whole-school activity, a merge of two children's records and a registration of
interest. Made in the test's transaction (rolled back afterwards), so the committed
``World`` stays as it was.
"""

from __future__ import annotations

from datetime import date

from mhst.accounts.models import Role
from mhst.casework.models import Discharge, DischargeReason
from mhst.children.operations import merge_children
from mhst.cohorts.models import Cohort
from mhst.core.time import utcnow
from mhst.directory.models import DirectoryService, DirectoryTable
from mhst.extensions import db
from mhst.letters.models import Letter, LetterKind
from mhst.referrals import operations as referral_operations
from mhst.referrals import risk_flags
from mhst.referrals.child_models import Child
from mhst.referrals.models import ReferralStatus, RiskItem
from mhst.schools.models import InterestRegistration
from mhst.sessions.group_models import (
    GroupSession,
)
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity
from tests.conftest import allocated_case_with_records, new_referral, new_user


class TenantB:
    """Team B's people and records (see the module's docstring), beside ``world``."""

    def __init__(self, world):
        self.world = world
        self.senior = new_user(Role.SENIOR_CLINICIAN, team=world.team_b, email="senior-b@t.example")
        self.emhp = new_user(Role.EMHP, team=world.team_b, email="emhp-b@t.example")
        self.school_lead = new_user(
            Role.SCHOOL_MENTAL_HEALTH_LEAD, school=world.school_b1, email="mhl-b@t.example"
        )
        self.cohort = Cohort(
            name="Cohort B", academic_year=2025, go_live_date=date(2025, 9, 1), teams=[world.team_b]
        )
        world.school_b1.cohort = world.school_b2.cohort = self.cohort
        self.interest = InterestRegistration(
            school_name="Hopeful South School",
            urn="777002",
            area=world.area_b,
            contact_name="Jo Hopeful",
            contact_role="Head teacher",
            contact_email="jo@hopeful-south.example",
        )
        self.activity = WholeSchoolActivity(
            school=world.school_b1,
            kind=ActivityKind.ASSEMBLY,
            held_on=date(2026, 10, 2),
            theme="Sleep and screens",
            delivered_by="Team B EMHPs",
            attendance=90,
            recorded_by=self.emhp,
        )
        self.service = DirectoryService(
            table_kind=DirectoryTable.CHILDREN,
            level_of_need="Low level intervention",
            level_order=5,
            name="Tenant matrix service",
            description="A signposting service, the same for every team.",
            area_text="LLR",
            age_text="5 to 18",
            referral_routes=[],
        )
        db.session.add_all([self.cohort, self.interest, self.activity, self.service])
        db.session.commit()
        self._referrals()
        self._casework()
        self._child_merge()

    def _referrals(self) -> None:
        """``referral``: school B1's, with consent, a positive risk screen (reviewed) and a
        risk flag; ``declined``: school B1's, not accepted at triage (``triage_event``)."""
        self.referral = new_referral(
            self.world.school_b1,
            by=self.school_lead,
            consent=True,
            risks=(RiskItem.SELF_HARM,),
            child={"given_name": "Bailey", "family_name": "Southern"},
        )
        self.consent = self.referral.consents[0]
        self.flag = risk_flags.raise_flag(
            self.referral,
            source=risk_flags.RiskFlagSource.SESSION,
            source_id=0,
            source_text="Assessment session",
            detail="Invented risk for the tenant matrix",
            by=self.emhp,
        )
        referral_operations.review_risk(self.referral, by=self.senior, notes="Safety plan made")
        # Reviewed, so that its review can be amended (team B's own senior clinician can).
        risk_flags.review_flag(self.flag, by=self.senior, notes="Spoke to the family: safe today")
        self.declined = new_referral(
            self.world.school_b1,
            by=self.school_lead,
            consent=True,
            child={"given_name": "Devon", "family_name": "Declined"},
        )
        self.triage_event = referral_operations.triage(
            self.declined, ReferralStatus.NOT_ACCEPTED, by=self.senior, reason="Needs met at school"
        )
        db.session.commit()

    def _casework(self) -> None:
        """``case``: school B2's referral allocated to team B's EMHP, with a planned
        session, an earlier discharge, a measure, a group (with a session) and a
        supervision about it."""
        emhp, senior, world = self.emhp, self.senior, self.world
        records = allocated_case_with_records(
            case_school=world.school_b2,
            group_school=world.school_b1,
            emhp=emhp,
            senior=senior,
            family_name="Southern",
            location="The school's library",
            group_title="Calm club",
            decision="Continue; review in two weeks.",
            goal=("Sleep before eleven", 4),
        )
        self.case, self.contact, self.group = records.case, records.contact, records.group
        self.supervision, self.measure = records.supervision, records.measure
        self.case_consent = self.case.consents[0]
        self.group_session = GroupSession(
            group=self.group, held_on=date(2026, 11, 3), recorded_by_id=emhp.id
        )
        db.session.add(self.group_session)
        db.session.flush()
        self.discharge = Discharge(
            referral=self.case,
            event_id=self.case.events[-1].id,
            reason=DischargeReason.GOALS_MET,
            summary="Goals met (an earlier episode)",
            discharged_by=emhp,
        )
        db.session.add(self.discharge)
        self._letters()
        db.session.commit()

    def _letters(self) -> None:
        """``letter``: a discharge letter to the GP on ``case``; ``school_letter``: the
        advice for school B1 on ``referral``, shared with its lead (stored directly)."""
        common = {
            "recipient_name": "Invented recipient",
            "body": "Invented letter",
            "pdf": b"%PDF-1.7 invented",
            "produced_by_id": self.emhp.id,
        }
        self.letter = Letter(referral=self.case, kind=LetterKind.DISCHARGE_GP, **common)
        self.school_letter = Letter(
            referral=self.referral,
            kind=LetterKind.SCHOOL_ADVICE,
            shared_with_school_at=utcnow(),
            shared_by_id=self.emhp.id,
            **common,
        )
        db.session.add_all([self.letter, self.school_letter])

    def _child_merge(self) -> None:
        """``merge``: a second record of the case's child merged into the first."""
        kept = self.case.child
        duplicate = Child(
            given_name="Casey",
            family_name="Southern-Duplicate",
            date_of_birth=kept.date_of_birth,
            gender=kept.gender,
            year_group=kept.year_group,
            school_id=kept.school_id,
        )
        db.session.add(duplicate)
        db.session.flush()
        self.merge = merge_children(
            kept, duplicate, by=self.senior, reason="Two records, one child"
        )
        db.session.commit()
