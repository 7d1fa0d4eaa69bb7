"""The rows the rollout figures are worked out from: the register's schools, their
participation events, and the schools waiting for a cohort."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from mhst.schools.models import ParticipationStatus


@dataclass(frozen=True)
class SchoolRow:
    """A school on the register; ``pupils`` on roll is None when not recorded."""

    id: int
    name: str
    area_id: int
    pupils: int | None
    status: ParticipationStatus  # today's status
    # The go-live date of the cohort the school is assigned to (None if none).
    cohort_go_live: date | None = None

    @property
    def pupils_counted(self) -> int:
        return self.pupils or 0


@dataclass(frozen=True)
class EventRow:
    """One participation event: the status a school moved to, and when."""

    school_id: int
    to_status: ParticipationStatus
    occurred_at: datetime


@dataclass(frozen=True)
class WaitingSchool:
    """A school waiting for a cohort, and since when its interest was registered."""

    school_id: int
    name: str
    area_id: int
    area_name: str
    pupils: int | None
    registered_on: date | None


def waiting_order(school: WaitingSchool) -> tuple:
    """Longest waiting first (a school with no date last), then by name."""
    return (school.registered_on is None, school.registered_on or date.min, school.name)


def waiting_list(
    schools: Iterable[SchoolRow],
    events: Iterable[EventRow],
    area_names: Mapping[int, str],
) -> tuple[WaitingSchool, ...]:
    """Schools whose status is interest registered, longest waiting first.

    The date is that of the school's latest move to interest registered.
    """
    registered: dict[int, date] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.to_status is ParticipationStatus.INTEREST_REGISTERED:
            registered[event.school_id] = event.occurred_at.date()
    waiting = [
        WaitingSchool(
            school_id=school.id,
            name=school.name,
            area_id=school.area_id,
            area_name=area_names.get(school.area_id, ""),
            pupils=school.pupils,
            registered_on=registered.get(school.id),
        )
        for school in schools
        if school.status is ParticipationStatus.INTEREST_REGISTERED
    ]
    waiting.sort(key=waiting_order)
    return tuple(waiting)
