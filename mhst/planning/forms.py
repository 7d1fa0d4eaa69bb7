"""The planner's forms: the weights, and adding the ticked schools to a cohort."""

from __future__ import annotations

import wtforms
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from mhst.core.fields import WholeNumberField
from mhst.core.forms import BaseForm, SelectField
from mhst.core.submissions import OnceForm
from mhst.core.versions import VersionField
from mhst.planning.score import COMPONENTS, LABELS, MAX_WEIGHT


def _weight_field(name: str) -> WholeNumberField:
    return WholeNumberField(
        LABELS[name],
        validators=[InputRequired(f"Enter the weight for {LABELS[name].lower()}, from 0 to 10")],
        invalid_message="Enter the weight as a whole number from 0 to 10",
        too_large_message="Enter a weight from 0 to 10",
        maximum=MAX_WEIGHT,
    )


class WeightsForm(BaseForm):
    # The number of the setting the page showed (0: the defaults): a stale save is refused.
    version = VersionField()
    deprivation = _weight_field("deprivation")
    fsm = _weight_field("fsm")
    wellbeing = _weight_field("wellbeing")
    belonging = _weight_field("belonging")
    waiting = _weight_field("waiting")

    def values(self) -> dict[str, int]:
        return {name: getattr(self, name).data for name in COMPONENTS}


class SchoolIdsField(wtforms.Field):
    """The ids of the ticked schools (checkboxes named ``school_ids``)."""

    def process_formdata(self, valuelist):
        self.data = []
        for value in valuelist:
            text = str(value).strip()
            if not text.isdigit() or len(text) > 9:
                raise ValueError("Select schools from the list")
            self.data.append(int(text))
        self.data = sorted(set(self.data))

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation("Select the schools to add to the cohort")


class AddToCohortForm(OnceForm):
    school_ids = SchoolIdsField("Schools", default=list)
    cohort_id = SelectField(
        "Cohort",
        validators=[DataRequired("Choose the cohort the schools are joining")],
        invalid_message="Choose a cohort from the list",
    )
    serving_team_id = SelectField(
        "MHST team",
        validators=[DataRequired("Choose the team that will serve these schools")],
        invalid_message="Choose a team from the list",
    )
    reason = TextAreaField(
        "Why these schools",
        validators=[
            DataRequired("Give the reason these schools are joining the cohort"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    # The list the schools were chosen from (their rank is recorded within it).
    show = HiddenField()
    area_id = HiddenField()
    list_team_id = HiddenField()  # the list's team filter (not the team that will serve)
