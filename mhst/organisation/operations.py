"""Rules for service areas and teams: names are unique (ignoring case)."""

from __future__ import annotations

from sqlalchemy import func, select

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team


def _name_taken(model, name: str) -> bool:
    return (
        db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
        is not None
    )


def create_area(name: str) -> ServiceArea:
    if _name_taken(ServiceArea, name):
        raise RuleError("name", "An area with this name already exists")
    area = ServiceArea(name=name)
    db.session.add(area)
    db.session.flush()
    audit.record(AuditAction.CREATE, AuditRecordType.SERVICE_AREA, area.id, detail=name)
    return area


def create_team(name: str, area: ServiceArea) -> Team:
    if _name_taken(Team, name):
        raise RuleError("name", "A team with this name already exists")
    team = Team(name=name, area=area)
    db.session.add(team)
    db.session.flush()
    audit.record(AuditAction.CREATE, AuditRecordType.TEAM, team.id, detail=f"{name} in {area.name}")
    return team


def set_team_contact(team: Team, *, phone: str | None, email: str | None) -> Team:
    """Change the team's public contact route (shown to families on the public pages)."""
    phone, email = (phone or "").strip() or None, (email or "").strip() or None
    if (phone, email) == (team.public_phone, team.public_email):
        return team
    team.public_phone, team.public_email = phone, email
    db.session.flush()
    audit.record(
        AuditAction.UPDATE, AuditRecordType.TEAM, team.id, detail="changed: public contact"
    )
    return team
