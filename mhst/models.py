"""Imports every model so the metadata is complete (for Alembic and the test suite)."""

from mhst.accounts.models import User
from mhst.audit.models import AuditEvent
from mhst.cohorts.models import Cohort, cohort_team
from mhst.directory.models import DirectoryService, DirectoryServiceConcern
from mhst.organisation.models import ServiceArea, Team
from mhst.referrals.models import (
    Child,
    Consent,
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralRisk,
    ReferralSignpost,
)
from mhst.schools.models import (
    InterestRegistration,
    ParticipationEvent,
    School,
    SchoolLeadAssignment,
    SchoolOnboarding,
)
from mhst.wholeschool.models import ActivityPrinciple, WholeSchoolActivity

__all__ = [
    "ActivityPrinciple",
    "AuditEvent",
    "Child",
    "Cohort",
    "Consent",
    "DirectoryService",
    "DirectoryServiceConcern",
    "InterestRegistration",
    "ParticipationEvent",
    "Referral",
    "ReferralEvent",
    "ReferralNeed",
    "ReferralRisk",
    "ReferralSignpost",
    "School",
    "SchoolLeadAssignment",
    "SchoolOnboarding",
    "ServiceArea",
    "Team",
    "User",
    "WholeSchoolActivity",
    "cohort_team",
]
