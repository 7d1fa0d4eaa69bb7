"""Reading a CSV file of school-level indicators of need: the public files' headers,
every kind of bad row, the refusal of pupil-level columns, and the numbers (pure: no
database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhst.need.import_file import (
    NeedRow,
    file_headers,
    normalise_postcode,
    parse_decile,
    parse_need_csv,
    parse_percent,
)

# The public files' own headers: DfE's school-level census and the IoD File 1.
PUBLIC_HEADER = (
    "URN,School name,% of pupils known to be eligible for free school meals,"
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
    "LSOA code (2021)"
)


def test_the_public_files_headers_are_read():
    rows, problems = parse_need_csv(
        PUBLIC_HEADER + "\r\n120001,Braunstone Primary,23.4,2,E01025678\r\n120002,Ash Field,x,,\r\n"
    )
    assert problems == []
    assert rows == [
        NeedRow(2, "120001", fsm_percent=Decimal("23.4"), imd_decile=2, lsoa_code="E01025678"),
        NeedRow(3, "120002"),  # "x" is DfE's "withheld": not given
    ]


def test_friendly_headers_in_any_case_with_a_survey():
    rows, problems = parse_need_csv(
        "urn,fsm %,IMD DECILE,postcode,survey name,survey year,low belonging %,low wellbeing %\n"
        "123456,12%,10, le1 7rh ,Invented Wellbeing Survey,2025,31.25,18\n"
    )
    assert problems == []
    assert rows == [
        NeedRow(
            2,
            "123456",
            fsm_percent=Decimal("12.0"),
            imd_decile=10,
            postcode="LE1 7RH",
            survey_name="Invented Wellbeing Survey",
            survey_year=2025,
            belonging_low_percent=Decimal("31.3"),
            low_wellbeing_percent=Decimal("18.0"),
        )
    ]


def test_every_kind_of_bad_row_is_reported_with_its_row_urn_and_column():
    body = (
        "URN,FSM %,IMD decile,LSOA code,Postcode,Survey year,Low wellbeing %\n"
        "12345,10,1,,,,\n"  # URN not 6 digits
        "123456,ten,1,,,,\n"  # not a number
        "123457,100.1,1,,,,\n"  # out of range
        "123458,10,11,,,,\n"  # decile not 1-10
        "123459,10,,E02000001,,,\n"  # not an LSOA code (an MSOA)
        "123460,10,,,NOT A CODE,,\n"  # not a postcode
        "123461,10,,,,1850,\n"  # not a plausible survey year
        "123462,10,,,,,12\n"  # survey rates without the survey's name
        "123456,10,1,,,,\n"  # the URN twice
        ",10,1,,,,\n"  # no URN
    )
    rows, problems = parse_need_csv(body)
    assert rows == []
    found = {(p.row, p.column): p.message for p in problems}
    assert found[(2, "URN")] == "Enter the URN as 6 digits, like 120345"
    assert "must be a number from 0 to 100" in found[(3, "FSM %")]
    assert "must be from 0 to 100" in found[(4, "FSM %")]
    assert "from 1 to 10" in found[(5, "IMD decile")]
    assert "is not an LSOA code" in found[(6, "LSOA code")]
    assert "is not a postcode" in found[(7, "Postcode")]
    assert "must be a year" in found[(8, "Survey year")]
    assert "name of the survey" in found[(9, "Low wellbeing %")]
    assert found[(10, "URN")] == "URN 123456 is also on row 3; keep one of them"
    assert found[(11, "URN")] == "Enter the school's URN"
    assert len(problems) == 10
    assert all(p.urn == (p.urn or "") for p in problems)
    assert {p.urn for p in problems if p.row == 3} == {"123456"}


@pytest.mark.parametrize("header", ["UPN", "Pupil name", "Date of birth", "dob", "Surname"])
def test_a_file_with_a_pupil_level_column_is_refused_as_a_whole(header):
    rows, problems = parse_need_csv(f"URN,FSM %,{header}\n123456,10,x\n")
    assert rows == []
    assert len(problems) == 1
    assert problems[0].row is None
    assert "only school-level figures" in problems[0].message
    assert f'"{header}"' in problems[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name,FSM %\nA,1\n", "no URN column"),
        ("URN,Name\n123456,A\n", "no indicators"),
        ("URN,FSM %,PercentageFSM\n123456,1,1\n", "two columns for Free school meals (%)"),
        ("URN,FSM %\n", "header row but no schools"),
        ("\n\n", "empty"),
    ],
)
def test_problems_with_the_file_as_a_whole(text, message):
    rows, problems = parse_need_csv(text)
    assert rows == []
    assert any(message in p.message and p.row is None for p in problems)


def test_file_headers_names_each_column_as_the_file_does():
    assert file_headers("\nurn,FSM %,Other\n") == {"urn": "urn", "fsm_percent": "FSM %"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("le17rh", "LE1 7RH"), ("SW1A 1AA", "SW1A 1AA"), (" b33 8th ", "B33 8TH"), ("LE1", None)],
)
def test_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


# ---------------------------------------------------------------- the numbers, widely


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=100, places=2), st.booleans())
def test_any_percentage_from_0_to_100_is_kept_to_one_place(value, sign):
    text = f"{value:f}{'%' if sign else ''}"
    parsed = parse_percent(text, "FSM")
    assert isinstance(parsed, Decimal)
    assert abs(parsed - value) <= Decimal("0.05")
    assert parsed == parsed.quantize(Decimal("0.1"))


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=1).filter(lambda d: d < 0 or d > 100)
)
def test_a_percentage_outside_0_to_100_is_a_problem(value):
    assert isinstance(parse_percent(f"{value:f}", "FSM"), str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12).filter(lambda t: not any(c.isdigit() for c in t)))
def test_text_without_digits_is_blank_withheld_or_a_problem(text):
    parsed = parse_percent(text, "FSM")
    assert parsed is None or isinstance(parsed, str)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-50, max_value=200))
def test_a_decile_is_1_to_10(number):
    parsed = parse_decile(str(number))
    assert parsed == number if 1 <= number <= 10 else isinstance(parsed, str)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.decimals(min_value=0, max_value=100, places=1), min_size=1, max_size=8),
    st.data(),
)
def test_a_file_with_any_bad_row_gives_no_rows(values, data):
    bad_at = data.draw(st.integers(min_value=0, max_value=len(values) - 1))
    bad = data.draw(st.sampled_from(["abc", "101", "-1", "1e3", "12.5.1"]))
    lines = [f"{100000 + i},{bad if i == bad_at else f'{v:f}'}" for i, v in enumerate(values)]
    rows, problems = parse_need_csv("URN,FSM %\n" + "\n".join(lines) + "\n")
    assert rows == []
    assert [p.row for p in problems] == [bad_at + 2]
    good, none = parse_need_csv(
        "URN,FSM %\n" + "\n".join(f"{100000 + i},{v:f}" for i, v in enumerate(values)) + "\n"
    )
    assert none == []
    assert [row.fsm_percent for row in good] == values
