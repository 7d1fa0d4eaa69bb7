from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from mhst.core.forms import BaseForm, SelectField


class AreaForm(BaseForm):
    name = StringField(
        "Area name",
        validators=[
            DataRequired("Enter the area's name"),
            Length(max=120, message="Area name must be 120 characters or fewer"),
        ],
    )


class TeamForm(BaseForm):
    name = StringField(
        "Team name",
        validators=[
            DataRequired("Enter the team's name"),
            Length(max=120, message="Team name must be 120 characters or fewer"),
        ],
    )
    area_id = SelectField(
        "Area",
        validators=[InputRequired("Select the team's area")],
        invalid_message="Select an area from the list",
    )
