"""The roles a user can have. What each may do is in :mod:`mhst.security.permissions`;
a user's account (``mhst.accounts.models.User.role``) holds one."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    CLINICAL_LEAD = "clinical_lead"
    SENIOR_CLINICIAN = "senior_clinician"
    EMHP = "emhp"
    SCHOOL_MENTAL_HEALTH_LEAD = "school_mental_health_lead"
    # Reads suppressed aggregate reports only: never a child's record.
    COMMISSIONER = "commissioner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self not in (Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER)

    @property
    def needs_team(self) -> bool:
        """EMHPs and senior clinicians work within one team; others may cover the service."""
        return self in (Role.EMHP, Role.SENIOR_CLINICIAN)


ROLE_LABELS = {
    Role.ADMINISTRATOR: "Administrator",
    Role.CLINICAL_LEAD: "Clinical lead",
    Role.SENIOR_CLINICIAN: "Senior clinician",
    Role.EMHP: "Education mental health practitioner (EMHP)",
    Role.SCHOOL_MENTAL_HEALTH_LEAD: "School mental health lead",
    Role.COMMISSIONER: "Commissioner (suppressed reports only)",
}
