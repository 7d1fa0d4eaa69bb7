"""Academic years run from 1 September to 31 August; we name one by its first year.

2019 means the academic year 2019/20.
"""

from __future__ import annotations

from datetime import date

FIRST_MONTH = 9


def academic_year_of(day: date) -> int:
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def academic_year_end(start_year: int) -> date:
    return date(start_year + 1, FIRST_MONTH - 1, 31)


def parse_academic_year(text: str) -> int | None:
    """'2019/20' or '2019' -> 2019; anything else -> None."""
    text = text.strip()
    if len(text) == 4 and text.isdigit():
        return int(text)
    if len(text) == 7 and text[4] == "/" and text[:4].isdigit() and text[5:].isdigit():
        start = int(text[:4])
        return start if (start + 1) % 100 == int(text[5:]) else None
    return None
