"""Imports every model so the metadata is complete (for Alembic and the test suite)."""

from mhst.accounts.models import User
from mhst.audit.models import AuditEvent
from mhst.cohorts.models import Cohort, cohort_team
from mhst.directory.models import DirectoryService, DirectoryServiceConcern
from mhst.organisation.models import ServiceArea, Team
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
    "Cohort",
    "DirectoryService",
    "DirectoryServiceConcern",
    "InterestRegistration",
    "ParticipationEvent",
    "School",
    "SchoolLeadAssignment",
    "SchoolOnboarding",
    "ServiceArea",
    "Team",
    "User",
    "WholeSchoolActivity",
    "cohort_team",
]
