from __future__ import annotations

from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.organisation.models import ClosureKind


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


class TeamContactForm(BaseForm):
    """The team's public contact route, shown on the public list of schools."""

    public_phone = StringField(
        "Team phone number (optional)",
        validators=[
            Optional(),
            Length(max=40, message="Phone number must be 40 characters or fewer"),
            Regexp(
                r"^[0-9 +()-]+$",
                message="Enter a phone number, like 0116 496 0000",
            ),
        ],
    )
    public_email = EmailField(
        "Team email address (optional)",
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like mhst@example.nhs.uk"),
        ],
    )


class ClosureForm(BaseForm):
    """A span of days an area's schools are closed, in one academic year."""

    label = StringField(
        "What the closure is",
        validators=[
            DataRequired("Enter what the closure is, like Christmas holiday"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    first_day = DateInputField("First day", what="the first day", required="Enter the first day")
    last_day = DateInputField("Last day", what="the last day", required="Enter the last day")
    kind = RadioField(
        "Kind",
        choices=choices((kind.value, kind.label) for kind in ClosureKind),
        validators=[InputRequired("Select whether it is a holiday or a closure day")],
        invalid_message="Select whether it is a holiday or a closure day",
    )


class ButtonForm(BaseForm):
    """A button that posts (remove a closure, copy the default dates): CSRF only."""
