"""The form administrators use to correct a directory entry."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from mhst.core.fields import CheckboxesField, WholeNumberField
from mhst.core.forms import BaseForm, choices
from mhst.directory.models import Concern
from mhst.directory.operations import AREA_LABELS, MAX_AGE


def _text(label: str, message: str, limit: int, what: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message),
            Length(max=limit, message=f"{what} must be {limit} characters or fewer"),
        ],
    )


class ServiceForm(BaseForm):
    name = _text("Service name", "Enter the service's name", 250, "The name")
    level_of_need = _text("Level of need", "Enter the level of need", 120, "The level of need")
    provider = StringField(
        "Provider (optional)",
        validators=[
            Optional(),
            Length(max=120, message="The provider must be 120 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Further information",
        validators=[
            DataRequired("Enter what the service offers"),
            Length(max=4000, message="Further information must be 4,000 characters or fewer"),
        ],
    )
    area_text = _text("Area, as it should be shown", "Enter the area", 120, "The area")
    areas = CheckboxesField(
        "Which areas does it cover?",
        choices=choices(AREA_LABELS.items()),
        invalid_message="Select areas from the list",
    )
    age_text = _text("Ages, as they should be shown", "Enter the ages", 120, "The ages")
    min_age = WholeNumberField(
        "Minimum age (optional)",
        validators=[Optional()],
        invalid_message="Minimum age must be a whole number, 0 or more",
        too_large_message=f"Minimum age must be {MAX_AGE} or less",
        maximum=MAX_AGE,
    )
    max_age = WholeNumberField(
        "Maximum age (optional)",
        validators=[Optional()],
        invalid_message="Maximum age must be a whole number, 0 or more",
        too_large_message=f"Maximum age must be {MAX_AGE} or less",
        maximum=MAX_AGE,
    )
    concerns = CheckboxesField(
        "Concerns it supports",
        choices=choices((concern.value, concern.label) for concern in Concern),
        invalid_message="Select concerns from the list",
    )

    def validate_max_age(self, field):
        if (
            field.data is not None
            and self.min_age.data is not None
            and not self.min_age.errors
            and self.min_age.data > field.data
        ):
            raise ValidationError("Maximum age must be the same as or more than the minimum age")
