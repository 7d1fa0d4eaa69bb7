"""The form staff use to log (and correct) a whole-school activity."""

from __future__ import annotations

import re
from datetime import date

import wtforms
from wtforms import StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.rules import RuleError
from mhst.schools.interest_forms import WholeNumberField
from mhst.wholeschool import operations
from mhst.wholeschool.models import ActivityKind, Principle

_NUMBER = re.compile(r"[0-9]{1,4}")


class DateInputField(wtforms.Field):
    """A required date in the NHS.UK date input pattern: day, month and year boxes,
    sent as ``<name>-day``, ``<name>-month`` and ``<name>-year``.

    ``subject`` names the date in messages ("the date of the activity"). What the user
    typed is kept in :attr:`parts` to show again; bad input gets the NHS.UK messages
    ("... must include a month", "... must be a real date"), never an exception.
    """

    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, *, subject: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.subject = subject
        self.parts = dict.fromkeys(self.PARTS, "")
        self.problem: str | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.problem = None
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = self.data = data if isinstance(data, date) else None
        if self.data is not None:
            self.parts = {
                "day": str(self.data.day),
                "month": str(self.data.month),
                "year": str(self.data.year),
            }
        if formdata is not None:
            self.parts = {p: formdata.get(f"{self.name}-{p}", "").strip()[:20] for p in self.PARTS}
            self.raw_data = list(self.parts.values())
            self.data = self._parse()

    def _parse(self) -> date | None:
        subject = self.subject[0].upper() + self.subject[1:]
        day, month, year = (self.parts[p] for p in self.PARTS)
        missing = [p for p in self.PARTS if not self.parts[p]]
        if len(missing) == len(self.PARTS):
            self.problem = f"Enter {self.subject}"
        elif missing:
            self.problem = f"{subject} must include a {' and a '.join(missing)}"
        elif not all(_NUMBER.fullmatch(part) for part in (day, month, year)):
            self.problem = f"{subject} must be a real date"
        elif len(year) != 4:
            self.problem = "Year must include 4 numbers"
        else:
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                self.problem = f"{subject} must be a real date"
        return None

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)

    def _value(self):
        return self.parts


class CheckboxesField(wtforms.SelectMultipleField):
    """Several choices as NHS.UK checkboxes; a value not offered gets the caller's message."""

    def __init__(self, *args, invalid_message: str = "Select options from the list", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        offered = {choice.value for choice in self.choices}
        if any(value not in offered for value in self.data or []):
            raise StopValidation(self.invalid_message)


class ActivityForm(BaseForm):
    kind = RadioField(
        "What kind of activity was it?",
        choices=choices((kind.value, kind.label) for kind in ActivityKind),
        validators=[InputRequired("Select the kind of activity")],
        invalid_message="Select the kind of activity",
    )
    other_kind = StringField(
        "Describe the activity",
        validators=[Length(max=120, message="The description must be 120 characters or fewer")],
    )
    held_on = DateInputField("When did it take place?", subject="the date of the activity")
    theme = StringField(
        "Theme",
        validators=[
            DataRequired("Enter the theme of the activity"),
            Length(max=200, message="The theme must be 200 characters or fewer"),
        ],
    )
    delivered_by = StringField(
        "Who delivered it?",
        validators=[
            DataRequired("Enter who delivered the activity"),
            Length(max=200, message="Who delivered it must be 200 characters or fewer"),
        ],
    )
    attendance = WholeNumberField(
        "Attendance (optional)",
        validators=[Optional()],
        invalid_message="Attendance must be a whole number, 0 or more",
        too_large_message="Attendance must be 100,000 or fewer",
        maximum=100_000,
    )
    principles = CheckboxesField(
        "Which principles of a whole-school approach does it serve?",
        choices=choices((principle.value, principle.label) for principle in Principle),
        validators=[InputRequired("Select at least one principle the activity serves")],
        invalid_message="Select principles from the list",
    )
    notes = TextAreaField(
        "Notes (optional)",
        validators=[
            Optional(),
            Length(max=2000, message="Notes must be 2,000 characters or fewer"),
        ],
    )

    # The operation checks these again; checking here as well shows every problem at once.
    def validate_other_kind(self, field):
        if self.kind.data in {kind.value for kind in ActivityKind}:
            _as_validation_error(
                operations.check_other_kind, ActivityKind(self.kind.data), field.data
            )

    def validate_held_on(self, field):
        if field.data is not None:
            _as_validation_error(operations.check_held_on, field.data)


def _as_validation_error(check, *args) -> None:
    try:
        check(*args)
    except RuleError as error:
        raise ValidationError(error.message) from error
