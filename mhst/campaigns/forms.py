"""Forms for campaigns: the campaign itself, its resources, and choosing its schools."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from mhst.core.fields import CheckboxesField, DateInputField
from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.versions import VersionedForm


class CampaignForm(VersionedForm):
    name = StringField(
        "Campaign name",
        validators=[
            DataRequired("Enter the campaign's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    theme = StringField(
        "Theme (optional)",
        validators=[
            Optional(),
            Length(max=200, message="The theme must be 200 characters or fewer"),
        ],
    )
    first_day = DateInputField(
        "First day", what="the campaign's first day", required="Enter the campaign's first day"
    )
    last_day = DateInputField(
        "Last day", what="the campaign's last day", required="Enter the campaign's last day"
    )
    message = TextAreaField(
        "Message to schools",
        validators=[
            DataRequired("Enter the message to schools"),
            Length(max=5000, message="The message must be 5,000 characters or fewer"),
        ],
    )


def _title():
    return StringField(
        "Title",
        validators=[
            DataRequired("Enter the resource's title"),
            Length(max=200, message="The title must be 200 characters or fewer"),
        ],
    )


class LinkForm(BaseForm):
    title = _title()
    url = URLField(
        "Address (starting https://)",
        validators=[
            DataRequired("Enter the link's address"),
            Length(max=2000, message="The address must be 2,000 characters or fewer"),
        ],
    )


class FileForm(BaseForm):
    title = _title()
    file = FileField("File", validators=[FileRequired("Select a file to upload")])


ALL, FILTERED, TICKED = "all", "filtered", "ticked"


class SendForm(BaseForm):
    audience = RadioField(
        "Which schools should it be sent to?",
        choices=choices(
            [
                (ALL, "Every school on the register"),
                (FILTERED, "Every school that matches the filters"),
                (TICKED, "Only the schools ticked below"),
            ]
        ),
        validators=[InputRequired("Select which schools to send it to")],
        invalid_message="Select which schools to send it to",
    )
    school_ids = CheckboxesField(
        "Schools", validators=[Optional()], invalid_message="Select schools from the list"
    )

    def ticked(self) -> list[int]:
        return [int(value) for value in self.school_ids.data or []]
