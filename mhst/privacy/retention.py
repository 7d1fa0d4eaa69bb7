"""How long a child's record is kept (the Records Management Code of Practice for
Health and Social Care: children's records).

A closed record (every referral of the child closed) is kept until the child's 25th
birthday, or their 26th if they were 17 at the end of treatment (the ages are settings,
``RETENTION_AGE``, ``RETENTION_AGE_LATE`` and ``RETENTION_LATE_END_AGE``). The end of
treatment is the day the last referral closed. A young person of 18 or over at the end
(services that run past 18) is kept as long as a 17-year-old, and at least
``ADULT_RETENTION_YEARS`` (8) after the end, as the Code keeps adults' records: that only
ever keeps a record longer.

Someone born on 29 February has their birthday on 1 March in a year that is not a leap
year (as the law of England counts ages), which keeps their record the day longer.
A record is past its retention date the day after it: it is kept until the end of the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RetentionRule:
    age: int = 25
    late_age: int = 26
    late_end_age: int = 17
    adult_years: int = 8

    @classmethod
    def from_config(cls, config) -> RetentionRule:
        return cls(
            age=config["RETENTION_AGE"],
            late_age=config["RETENTION_AGE_LATE"],
            late_end_age=config["RETENTION_LATE_END_AGE"],
            adult_years=config["ADULT_RETENTION_YEARS"],
        )


def anniversary(start: date, years: int) -> date:
    """``start`` moved on ``years`` years; 29 February becomes 1 March in other years."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that is not a leap year
        return date(start.year + years, 3, 1)


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on ``day``."""
    years = day.year - date_of_birth.year
    return years if anniversary(date_of_birth, years) <= day else years - 1


def retain_until(date_of_birth: date, end_of_treatment: date, rule: RetentionRule) -> date:
    """The last day a closed record is kept."""
    age_at_end = age_on(date_of_birth, end_of_treatment)
    until = anniversary(date_of_birth, rule.age)
    if age_at_end == rule.late_end_age:
        until = anniversary(date_of_birth, rule.late_age)
    elif age_at_end > rule.late_end_age:
        until = max(
            anniversary(date_of_birth, rule.late_age),
            anniversary(end_of_treatment, rule.adult_years),
        )
    return until


def is_past(until: date, today: date) -> bool:
    return today > until
