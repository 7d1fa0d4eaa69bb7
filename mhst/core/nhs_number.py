"""NHS numbers: ten digits, the last a modulus 11 check digit (NHS Data Dictionary)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s-]+")


def normalise(text: str) -> str:
    """What the user typed without the spaces or dashes people put in (``943 476 5919``)."""
    return _SEPARATORS.sub("", text or "")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None where no valid number can have them."""
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, weights, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def is_valid(text: str) -> bool:
    number = normalise(text)
    if not re.fullmatch(r"[0-9]{10}", number):
        return False
    return check_digit(number[:9]) == int(number[9])


def problem(text: str) -> str | None:
    """A message for an NHS number that cannot be right, or None if it can."""
    number = normalise(text)
    if not re.fullmatch(r"[0-9]+", number):
        return "NHS number must only include numbers"
    if len(number) != 10:
        return "NHS number must be 10 numbers"
    if not is_valid(number):
        return "Enter a valid NHS number: check it against a letter or the NHS App"
    return None
