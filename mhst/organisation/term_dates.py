"""School term dates per service area: the days an area's schools are closed.

An area enters its own closures for each academic year (the administrator's page). Where
it has entered none for a year, :func:`default_closures` stands in: the usual English
pattern (autumn half term, Christmas, February half term, Easter, the early May bank
holiday, May half term and the summer holiday). It is an APPROXIMATION worked out from
the calendar, not any local authority's published dates: areas should enter their own
(the page copies the default in one step as a starting point).

Closures are whole days, first and last day included. Weekends are not closures here:
the booking rule refuses them separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.academic_year import academic_year_end, academic_year_of
from mhst.core.formatting import format_date
from mhst.core.locking import lock_row
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.organisation.models import ClosureKind, ServiceArea, TermClosure

LABEL_MAX = 120
MONDAY = 0


@dataclass(frozen=True)
class Closure:
    """A closure as the rules read it: entered by the area, or the default."""

    first_day: date
    last_day: date
    label: str
    kind: ClosureKind

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def dates_text(self) -> str:
        if self.first_day == self.last_day:
            return format_date(self.first_day)
        return f"{format_date(self.first_day)} to {format_date(self.last_day)}"


def year_start(year: int) -> date:
    return date(year, 9, 1)


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(MONDAY - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    first_of_next = date(year + (month == 12), month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _week(monday: date, label: str) -> Closure:
    return Closure(monday, monday + timedelta(days=4), label, ClosureKind.HOLIDAY)


def default_closures(year: int) -> list[Closure]:
    """The usual English pattern for the academic year starting in September ``year``
    (an approximation: see the module's note)."""
    spring = year + 1
    christmas_first = _monday_on_or_after(date(year, 12, 18))
    christmas_last = _monday_on_or_after(date(spring, 1, 4)) - timedelta(days=1)
    easter = easter_sunday(spring)
    early_may = _monday_on_or_after(date(spring, 5, 1))
    return [
        _week(_last_monday(year, 10), "Autumn half term"),
        Closure(christmas_first, christmas_last, "Christmas holiday", ClosureKind.HOLIDAY),
        _week(_monday_on_or_after(date(spring, 2, 12)), "February half term"),
        Closure(
            easter - timedelta(days=6),
            easter + timedelta(days=5),
            "Easter holiday",
            ClosureKind.HOLIDAY,
        ),
        Closure(early_may, early_may, "Early May bank holiday", ClosureKind.CLOSURE_DAY),
        _week(_last_monday(spring, 5), "May half term"),
        Closure(
            date(spring, 7, 22), academic_year_end(year), "Summer holiday", ClosureKind.HOLIDAY
        ),
    ]


def entered_closures(area_id: int, year: int) -> list[TermClosure]:
    """The closures an area has entered for an academic year, in date order."""
    return list(
        db.session.scalars(
            select(TermClosure)
            .where(
                TermClosure.area_id == area_id,
                TermClosure.first_day >= year_start(year),
                TermClosure.first_day <= academic_year_end(year),
            )
            .order_by(TermClosure.first_day, TermClosure.id)
        )
    )


def closures_for(area_id: int, year: int) -> tuple[list[Closure], bool]:
    """(the closures the rules use for an area's academic year, whether they are the
    default because the area has entered none)."""
    entered = entered_closures(area_id, year)
    if not entered:
        return default_closures(year), True
    return as_closures(entered), False


def as_closures(entered: list[TermClosure]) -> list[Closure]:
    return [Closure(c.first_day, c.last_day, c.label, c.kind) for c in entered]


def closure_on(area_id: int, day: date) -> Closure | None:
    """The closure covering ``day`` for the area's schools, or None on a school day."""
    closures, _ = closures_for(area_id, academic_year_of(day))
    return next((closure for closure in closures if closure.covers(day)), None)


def school_day_after(day: date) -> date:
    """The first day from ``day`` on that is a weekday outside the default closures."""
    while day.weekday() >= 5 or any(
        closure.covers(day) for closure in default_closures(academic_year_of(day))
    ):
        day += timedelta(days=1)
    return day


# ---- the administrator's changes ------------------------------------------------------


def _check(area: ServiceArea, year: int, first: date, last: date, label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise RuleError("label", "Enter what the closure is, like Christmas holiday")
    if len(label) > LABEL_MAX:
        raise RuleError("label", f"The name must be {LABEL_MAX} characters or fewer")
    if last < first:
        raise RuleError("last_day", "The last day must be the same as or after the first day")
    start, end = year_start(year), academic_year_end(year)
    if first < start or last > end:
        raise RuleError(
            "first_day" if first < start else "last_day",
            f"The closure must be within the academic year: {format_date(start)} to "
            f"{format_date(end)}",
        )
    for other in entered_closures(area.id, year):
        if other.first_day <= last and other.last_day >= first:
            span = Closure(other.first_day, other.last_day, other.label, other.kind).dates_text
            raise RuleError(
                "first_day",
                f"These dates overlap {other.label} ({span}): change the dates or remove "
                "that closure first",
            )
    return label


def add_closure(
    area: ServiceArea, year: int, *, first_day: date, last_day: date, label: str, kind, by
) -> TermClosure:
    lock_row(ServiceArea, area.id)  # two administrators adding at once: checked in turn
    label = _check(area, year, first_day, last_day, label)
    kind = ClosureKind(kind)
    closure = TermClosure(
        area_id=area.id, first_day=first_day, last_day=last_day, label=label, kind=kind
    )
    db.session.add(closure)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.SERVICE_AREA,
        area.id,
        user=by,
        detail=f"closure {label}: {first_day.isoformat()} to {last_day.isoformat()}",
    )
    return closure


def remove_closure(closure: TermClosure, *, by) -> None:
    audit.record(
        AuditAction.DELETE,
        AuditRecordType.SERVICE_AREA,
        closure.area_id,
        user=by,
        detail=f"closure {closure.label}: {closure.first_day.isoformat()} removed",
    )
    db.session.delete(closure)
    db.session.flush()


def copy_default(area: ServiceArea, year: int, *, by) -> int:
    """Enter the default closures for an academic year the area has none for; returns
    how many were entered."""
    lock_row(ServiceArea, area.id)
    if entered_closures(area.id, year):
        raise RuleError(
            "year", "This area already has closures for this year: remove them to copy the default"
        )
    closures = default_closures(year)
    for closure in closures:
        db.session.add(
            TermClosure(
                area_id=area.id,
                first_day=closure.first_day,
                last_day=closure.last_day,
                label=closure.label,
                kind=closure.kind,
            )
        )
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.SERVICE_AREA,
        area.id,
        user=by,
        detail=f"default term dates copied for {year}",
    )
    return len(closures)
