"""The staff who hold cases: EMHPs and senior clinicians."""

from __future__ import annotations

from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.extensions import db

PRACTITIONER_ROLES = (Role.EMHP, Role.SENIOR_CLINICIAN)


def team_practitioners(team_id: int | None) -> list[User]:
    """The active EMHPs and senior clinicians of a team, by name."""
    if team_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.team_id == team_id,
                User.role.in_(PRACTITIONER_ROLES),
                User.active.is_(True),
            )
            .order_by(User.full_name, User.id)
        )
    )
