"""Form fields the NHS.UK patterns need and WTForms lacks. Every message is the
caller's or written here for users: bad input never raises, never shows WTForms' text."""

from __future__ import annotations

import re
from datetime import date

import wtforms
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

DATE_PARTS = ("day", "month", "year")
_DATE_NUMBER = re.compile(r"[0-9]{1,4}")
_DIGITS = re.compile(r"[0-9]+")


class DateInputField(wtforms.Field):
    """A date typed as three inputs named ``<name>-day``, ``<name>-month``, ``<name>-year``
    (the NHS.UK date input; render it with ``date_input`` in templates/macros/form.html).

    ``parts`` keeps what the user typed, so a page re-displayed with an error shows it.
    ``what`` names the date in messages ("the go-live date"); ``required`` gives the
    message for a date left blank, or None when the date is optional.
    """

    def __init__(
        self, label=None, validators=None, *, what: str, required: str | None = None, **kwargs
    ):
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.required_message = required
        self.parts = dict.fromkeys(DATE_PARTS, "")
        self._parse_error: str | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self._parse_error = None
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        if self.data is not None:
            self.parts = {
                "day": str(self.data.day),
                "month": str(self.data.month),
                "year": str(self.data.year),
            }
        if formdata is None:
            return
        typed = {
            part: (formdata.get(f"{self.name}-{part}") or "").strip()[:20] for part in DATE_PARTS
        }
        self.parts = typed
        self.raw_data = [typed[part] for part in DATE_PARTS]
        self.data, self._parse_error = self._parse(typed)

    def _parse(self, typed: dict[str, str]) -> tuple[date | None, str | None]:
        if not any(typed.values()):
            return None, None
        capital = self.what[0].upper() + self.what[1:]
        missing = [part for part in DATE_PARTS if not typed[part]]
        if missing:
            return None, f"{capital} must include a {' and a '.join(missing)}"
        if not all(_DATE_NUMBER.fullmatch(typed[part]) for part in DATE_PARTS):
            return None, f"{capital} must be a real date, in numbers, like 27 3 2025"
        if len(typed["year"]) != 4:
            return None, f"The year of {self.what} must include 4 numbers"
        try:
            return date(int(typed["year"]), int(typed["month"]), int(typed["day"])), None
        except ValueError:
            return None, f"{capital} must be a real date"

    def pre_validate(self, form):
        if self._parse_error:
            raise StopValidation(self._parse_error)
        if self.data is None and self.required_message:
            raise StopValidation(self.required_message)


class CheckboxesField(wtforms.SelectMultipleField):
    """Several choices ticked at once; a value not offered gets the caller's message."""

    def __init__(self, *args, invalid_message: str = "Select options from the list", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        offered = {choice.value for choice in self.choices or []}
        if any(str(value) not in offered for value in self.data or []):
            raise StopValidation(self.invalid_message)


class WholeNumberField(wtforms.IntegerField):
    """An optional count (pupils, attendance): a whole number from 0 up to ``maximum``.

    Text, a minus sign or a decimal point gets ``invalid_message``, never WTForms'
    "Not a valid integer value". Commas between thousands are allowed ("1,200").
    """

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        invalid_message: str,
        too_large_message: str,
        maximum: int = 1_000_000,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message
        self.too_large_message = too_large_message
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0].strip().replace(",", "") if valuelist else ""
        if not text:
            return
        if not _DIGITS.fullmatch(text):
            raise ValueError(self.invalid_message)
        if len(text) > len(str(self.maximum)) or int(text) > self.maximum:
            raise ValueError(self.too_large_message)
        self.data = int(text)
