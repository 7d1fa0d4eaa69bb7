"""Imports every model so the metadata is complete (for Alembic and the test suite)."""

from mhst.accounts.models import PasswordReset, RecoveryCode, SignInSession, User
from mhst.amendments.models import TextVersion
from mhst.audit.models import AuditEvent
from mhst.campaigns.models import Campaign, CampaignRecipient, CampaignResource
from mhst.casework.models import Discharge
from mhst.cohorts.models import Cohort, cohort_team
from mhst.core.submissions import FormSubmission
from mhst.diary.models import CalendarFeed
from mhst.directory.models import DirectoryService, DirectoryServiceConcern
from mhst.jobs.models import BackgroundJob
from mhst.letters.models import Letter, LetterTemplate, LetterTemplateRevision
from mhst.need.models import LsoaDeprivation, PostcodeLsoa, SchoolNeed
from mhst.notifications.models import EmailPreference, Notification
from mhst.organisation.models import ServiceArea, Team, TermClosure
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.planning.models import NeedWeights, PlanDecision, PlanDecisionSchool
from mhst.privacy.models import RetentionDecision
from mhst.questionnaires.models import QuestionnaireLink
from mhst.referrals.allocations import Allocation
from mhst.referrals.child_models import (
    ChildCorrection,
    ChildCorrectionValue,
    ChildMerge,
    ChildMergeReferral,
)
from mhst.referrals.models import (
    Child,
    Consent,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralRisk,
    ReferralSignpost,
)
from mhst.referrals.reminder_preferences import ReminderPreference
from mhst.referrals.risk_flags import CaseRiskFlag
from mhst.reports import fact_sync  # noqa: F401  (keeps the report summaries up to date)
from mhst.reports.fact_models import MeasureFact, ReferralFact, daily_count, monthly_count
from mhst.schools.models import (
    InterestRegistration,
    ParticipationEvent,
    School,
    SchoolLeadAssignment,
    SchoolOnboarding,
    SchoolRoom,
)
from mhst.selfreferral.models import SelfReferral, SelfReferralDraft
from mhst.sessions.change_models import SessionChange
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
    group_facilitator,
)
from mhst.sessions.models import CareContact
from mhst.sessions.reminder_models import SessionReminder
from mhst.supervision.models import SupervisionCase, SupervisionRecord
from mhst.wholeschool.models import ActivityPrinciple, WholeSchoolActivity

__all__ = [
    "ActivityPrinciple",
    "Allocation",
    "AuditEvent",
    "BackgroundJob",
    "CalendarFeed",
    "Campaign",
    "CampaignRecipient",
    "CampaignResource",
    "CareContact",
    "CaseRiskFlag",
    "Child",
    "ChildCorrection",
    "ChildCorrectionValue",
    "ChildMerge",
    "ChildMergeReferral",
    "Cohort",
    "Consent",
    "DirectoryService",
    "DirectoryServiceConcern",
    "Discharge",
    "EmailPreference",
    "FormSubmission",
    "GroupAttendance",
    "GroupParticipant",
    "GroupProgramme",
    "GroupSession",
    "InterestRegistration",
    "Letter",
    "LetterTemplate",
    "LetterTemplateRevision",
    "LsoaDeprivation",
    "MeasureAnswer",
    "MeasureFact",
    "MeasureRecord",
    "MeasureScore",
    "NeedWeights",
    "Notification",
    "ParticipationEvent",
    "PasswordReset",
    "PlanDecision",
    "PlanDecisionSchool",
    "PostcodeLsoa",
    "QuestionnaireLink",
    "RecoveryCode",
    "Referral",
    "ReferralEvent",
    "ReferralFact",
    "ReferralNeed",
    "ReferralRisk",
    "ReferralSignpost",
    "ReminderPreference",
    "RetentionDecision",
    "School",
    "SchoolLeadAssignment",
    "SchoolNeed",
    "SchoolOnboarding",
    "SchoolRoom",
    "SelfReferral",
    "SelfReferralDraft",
    "ServiceArea",
    "SessionChange",
    "SessionReminder",
    "SignInSession",
    "SupervisionCase",
    "SupervisionRecord",
    "Team",
    "TermClosure",
    "TextVersion",
    "User",
    "WholeSchoolActivity",
    "cohort_team",
    "daily_count",
    "group_facilitator",
    "monthly_count",
]
