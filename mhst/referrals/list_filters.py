"""The referral list's filters, at any size of service.

A team's staff choose one of their team's schools from a select (tens of schools). A
clinical lead sees the whole service, up to 24,000 schools: no select could hold them,
so they narrow by area, then team, and find a school by its name or URN in a search box
(plain GET fields: it works without JavaScript).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import request
from sqlalchemy import ColumnElement, func, or_, select

from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.referrals.models import Referral, ReferralStatus
from mhst.schools.models import School
from mhst.security import scoping

FILTER_MAX = 40  # longer than any status value or id: anything longer is not one
SEARCH_MAX = 100
_ID = re.compile(r"[0-9]{1,9}")


@dataclass
class ListFilters:
    """What the URL asked for, the WHERE clauses it makes, the errors and the options."""

    values: dict[str, str]
    service_wide: bool
    conditions: list[ColumnElement[bool]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[tuple[object, str]]] = field(default_factory=dict)

    @property
    def args(self) -> dict[str, str]:
        return {name: value for name, value in self.values.items() if value}


def _arg(name: str, limit: int = FILTER_MAX) -> str:
    return request.args.get(name, "").strip()[:limit]


def read(user, staff: bool) -> ListFilters:
    """The list's filters for ``user`` from the request."""
    service_wide = staff and scoping.reach(user, scoping.Kind.REFERRAL) is scoping.Reach.ALL
    names = ("status", "area", "team", "school_q") if service_wide else ("status", "school")
    values = {name: _arg(name, SEARCH_MAX if name == "school_q" else FILTER_MAX) for name in names}
    if not staff:
        values.pop("school", None)
    found = ListFilters(values, service_wide)
    found.options["status"] = [(status.value, status.label) for status in ReferralStatus]
    statuses = {status.value: status for status in ReferralStatus}
    if values["status"]:
        if values["status"] in statuses:
            found.conditions.append(Referral.status == statuses[values["status"]])
        else:
            found.errors.append(("status", "Select a status from the list"))
    if service_wide:
        _service_wide(found)
    elif staff:
        _team_schools(found, user)
    return found


def _team_schools(found: ListFilters, user) -> None:
    schools = db.session.execute(
        select(School.id, School.name)
        .where(scoping.scope(user, School))
        .order_by(School.name, School.id)
    ).all()
    found.options["school"] = [(school_id, name) for school_id, name in schools]
    chosen = found.values["school"]
    if chosen:
        ids = {str(school_id): school_id for school_id, _ in schools}
        if chosen in ids:
            found.conditions.append(Referral.school_id == ids[chosen])
        else:
            found.errors.append(("school", "Select a school from the list"))


def _service_wide(found: ListFilters) -> None:
    """Area, team (of the area, if one is chosen) and a school search."""
    areas = db.session.execute(select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name))
    found.options["area"] = [(area_id, name) for area_id, name in areas]
    area = _chosen(found, "area", {str(i) for i, _ in found.options["area"]}, "Select an area")
    teams = select(Team.id, Team.name).order_by(Team.name)
    if area is not None:
        teams = teams.where(Team.area_id == area)
    found.options["team"] = [(team_id, name) for team_id, name in db.session.execute(teams)]
    team = _chosen(found, "team", {str(i) for i, _ in found.options["team"]}, "Select a team")
    schools = select(School.id)
    if area is not None:
        schools = schools.where(School.area_id == area)
    if team is not None:
        schools = schools.where(School.team_id == team)
    searched = found.values["school_q"]
    if searched:
        schools = schools.where(
            or_(
                func.lower(School.name).contains(searched.lower(), autoescape=True),
                School.urn == searched,
            )
        )
    if area is not None or team is not None or searched:
        found.conditions.append(Referral.school_id.in_(schools.scalar_subquery()))


def _chosen(found: ListFilters, name: str, allowed: set[str], select_one: str) -> int | None:
    value = found.values[name]
    if not value:
        return None
    if _ID.fullmatch(value) and value in allowed:
        return int(value)
    found.errors.append((name, select_one + " from the list"))
    return None
