"""NHS numbers (mhst/core/nhs_number.py): ten digits, the last a modulus 11 check digit.

The rule (NHS Data Dictionary): multiply the first nine digits by 10, 9, ..., 2, add them
up, take the remainder on division by 11 and subtract it from 11. 11 gives check digit 0;
10 means no valid number starts with those nine digits. Every number below was worked
out by hand:

    9434765919   9x10 + 4x9 + 3x8 + 4x7 + 7x6 + 6x5 + 5x4 + 9x3 + 1x2
                 = 90 + 36 + 24 + 28 + 42 + 30 + 20 + 27 + 2 = 299
                 299 = 27x11 + 2; 11 - 2 = 9: check digit 9, valid
    9999999999   9 x (10 + 9 + ... + 2) = 9 x 54 = 486 = 44x11 + 2; 11 - 2 = 9: valid
    4857773457   4x10 + 8x9 + 5x8 + 7x7 + 7x6 + 7x5 + 3x4 + 4x3 + 5x2
                 = 40 + 72 + 40 + 49 + 42 + 35 + 12 + 12 + 10 = 312
                 312 = 28x11 + 4; 11 - 4 = 7: check digit 7, valid
                 (so 4857773456, often quoted as an example, is NOT valid)
    9434765900   first nine 943476590: 299 - 1x2 = 297 = 27x11 + 0; 11 - 0 = 11,
                 which gives check digit 0: valid
    943476596?   first nine 943476596: 297 + 6x2 = 309 = 28x11 + 1; 11 - 1 = 10:
                 no check digit works, so no number starting 943476596 is valid
"""

from __future__ import annotations

import pytest

from mhst.core import nhs_number

VALID = ["9434765919", "9999999999", "4857773457", "9434765900"]

# 9434765919 written in other scripts' digits, which regular expressions' \d would match.
FULL_WIDTH = "".join(chr(0xFF10 + int(d)) for d in "9434765919")
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in "9434765919")

INVALID_CHECK_DIGIT = "Enter a valid NHS number: check it against a letter or the NHS App"
NOT_NUMBERS = "NHS number must only include numbers"
NOT_TEN = "NHS number must be 10 numbers"


@pytest.mark.parametrize("number", VALID)
def test_known_valid_numbers(number):
    assert nhs_number.is_valid(number)
    assert nhs_number.problem(number) is None
    assert nhs_number.normalise(number) == number


@pytest.mark.parametrize(
    ("first_nine", "digit"),
    [("943476591", 9), ("999999999", 9), ("485777345", 7), ("943476590", 0), ("943476596", None)],
)
def test_check_digit(first_nine, digit):
    assert nhs_number.check_digit(first_nine) == digit


@pytest.mark.parametrize(
    "number", ["9434765918", "9434765910", "9999999990", "4857773456", "9434765901"]
)
def test_a_wrong_check_digit_is_refused(number):
    assert not nhs_number.is_valid(number)
    assert nhs_number.problem(number) == INVALID_CHECK_DIGIT


@pytest.mark.parametrize("last", range(10))
def test_no_number_is_valid_when_the_check_digit_would_be_10(last):
    number = f"943476596{last}"
    assert not nhs_number.is_valid(number)
    assert nhs_number.problem(number) == INVALID_CHECK_DIGIT


def test_exactly_one_check_digit_fits_nine_digits():
    assert [d for d in range(10) if nhs_number.is_valid(f"943476591{d}")] == [9]
    assert [d for d in range(10) if nhs_number.is_valid(f"943476590{d}")] == [0]


@pytest.mark.parametrize(
    "typed",
    [
        "943 476 5919",
        "943-476-5919",
        " 943 476 5919 ",
        "943  476\t5919",
        "943 - 476 - 5919",
        "9434-765-919",
    ],
)
def test_spaces_and_dashes_are_ignored(typed):
    assert nhs_number.normalise(typed) == "9434765919"
    assert nhs_number.is_valid(typed)
    assert nhs_number.problem(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "943476591A",
        "NHS9434765919",
        "943.476.5919",
        "+9434765919",
        "943/476/5919",
        FULL_WIDTH,  # full-width digits: not the digits 0 to 9
        ARABIC_INDIC,  # Arabic-Indic digits, which int() would accept
        "9434765919'; DROP TABLE child; --",
    ],
)
def test_anything_but_digits_is_refused(typed):
    assert not nhs_number.is_valid(typed)
    assert nhs_number.problem(typed) == NOT_NUMBERS


@pytest.mark.parametrize("typed", ["943476591", "94347659190", "943 476 591", "1", "0" * 20])
def test_the_wrong_length_is_refused(typed):
    assert not nhs_number.is_valid(typed)
    assert nhs_number.problem(typed) == NOT_TEN


@pytest.mark.parametrize("typed", ["", "   ", "-", None])
def test_nothing_typed_is_not_a_valid_number(typed):
    assert nhs_number.normalise(typed) == ""
    assert not nhs_number.is_valid(typed)
    assert nhs_number.problem(typed) is not None
