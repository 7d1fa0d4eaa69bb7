"""Forms on one school's page: participation status, onboarding checklist, named leads.

Also :class:`DateInputField`, the NHS.UK three-part date (day, month, year), which the
cohort forms use too.
"""

from __future__ import annotations

from datetime import date

import wtforms
from wtforms import SelectMultipleField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from mhst.core.forms import BaseForm, RadioField, SelectField

DATE_PARTS = ("day", "month", "year")


class DateInputField(wtforms.Field):
    """A date typed as three inputs named ``<name>-day``, ``<name>-month``, ``<name>-year``.

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
        if not all(typed[part].isdigit() for part in DATE_PARTS):
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


class CheckboxesField(SelectMultipleField):
    """Several choices ticked at once; a value not offered gets a plain message."""

    def __init__(self, *args, invalid_message: str = "Select options from the list", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        offered = {choice.value for choice in self.choices or []}
        if any(str(value) not in offered for value in self.data or []):
            raise StopValidation(self.invalid_message)


class ChangeStatusForm(BaseForm):
    """Move a school on in the lifecycle; the choices are the statuses allowed next."""

    to_status = RadioField(
        "New participation status",
        validators=[InputRequired("Select the school's new participation status")],
    )
    cohort_id = SelectField(
        "Cohort", validators=[Optional()], invalid_message="Select a cohort from the list"
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            Optional(),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )


class OnboardingForm(BaseForm):
    """The checklist items a person ticks (whether a lead is named comes from the leads)."""

    done = CheckboxesField(
        "Onboarding checklist", invalid_message="Select items from the checklist"
    )
    welcome_pack_sent_on = DateInputField(
        "Date the welcome pack was sent", what="the date the welcome pack was sent"
    )


class NameLeadForm(BaseForm):
    """Name one of the school's lead accounts as its Mental Health Lead."""

    user_id = SelectField(
        "Mental Health Lead",
        validators=[InputRequired("Select the person to name as the Mental Health Lead")],
        invalid_message="Select a person from the list",
    )


class NameDeputyForm(BaseForm):
    """Name one of the school's lead accounts as its deputy Mental Health Lead."""

    user_id = SelectField(
        "Deputy Mental Health Lead",
        validators=[InputRequired("Select the person to name as the deputy")],
        invalid_message="Select a person from the list",
    )
