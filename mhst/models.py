"""Imports every model so the metadata is complete (for Alembic and the test suite)."""

from mhst.accounts.models import User
from mhst.audit.models import AuditEvent
from mhst.organisation.models import ServiceArea, Team
from mhst.schools.models import School

__all__ = ["AuditEvent", "School", "ServiceArea", "Team", "User"]
