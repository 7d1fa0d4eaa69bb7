"""The form for creating and changing a cohort."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from mhst.core.academic_year import parse_academic_year
from mhst.core.fields import CheckboxesField, DateInputField
from mhst.core.submissions import OnceForm


class CohortForm(OnceForm):  # its token is used when it adds a cohort
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the cohort's name or number"),
            Length(max=120, message="The cohort's name must be 120 characters or fewer"),
        ],
    )
    academic_year = StringField(
        "Academic year",
        validators=[
            DataRequired("Enter the academic year, like 2025/26"),
            Length(max=20, message="Enter the academic year as the 2 years it spans, like 2025/26"),
        ],
    )
    go_live_date = DateInputField(
        "Go-live date", what="the go-live date", required="Enter the go-live date"
    )
    team_ids = CheckboxesField(
        "Teams",
        validators=[DataRequired("Select at least one team")],
        invalid_message="Select teams from the list",
    )

    def validate_academic_year(self, field):
        if parse_academic_year(field.data) is None:
            raise ValidationError("Enter the academic year as the 2 years it spans, like 2025/26")

    @property
    def academic_year_start(self) -> int | None:
        return parse_academic_year(self.academic_year.data or "")
