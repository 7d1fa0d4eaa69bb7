"""The form staff use to log (and correct) a whole-school activity."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from mhst.core.fields import CheckboxesField, DateInputField, WholeNumberField
from mhst.core.forms import RadioField, SelectField, choices
from mhst.core.rules import RuleError
from mhst.core.submissions import OnceForm
from mhst.schools.campaign_names import campaign_choices
from mhst.wholeschool import operations
from mhst.wholeschool.models import ActivityKind, Principle


class ActivityForm(OnceForm):  # its token is used when it logs a new activity
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
    held_on = DateInputField(
        "When did it take place?",
        what="the date of the activity",
        required="Enter the date of the activity",
    )
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
    campaign_id = SelectField(
        "Campaign (optional)",
        validators=[Optional()],
        invalid_message="Select a campaign from the list",
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

    def set_campaign_choices(self, keep: int | None = None) -> None:
        self.campaign_id.choices = choices([("", "Not for a campaign"), *campaign_choices(keep)])

    def campaign(self) -> int | None:
        return int(self.campaign_id.data) if self.campaign_id.data else None

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
