"""Forms for the public interest registration and the administrator's review of it."""

from __future__ import annotations

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from mhst.core.fields import WholeNumberField
from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.schools.models import InterestStatus


class InterestForm(BaseForm):
    school_name = StringField(
        "School name",
        validators=[
            DataRequired("Enter the school's name"),
            Length(max=200, message="School name must be 200 characters or fewer"),
        ],
    )
    urn = StringField(
        "Unique reference number (URN)",
        validators=[
            DataRequired("Enter the school's URN"),
            Regexp(r"^[0-9]{6}$", message="Enter the URN as 6 digits, like 120345"),
        ],
    )
    area_id = SelectField(
        "Area",
        validators=[InputRequired("Select the area the school is in")],
        invalid_message="Select an area from the list",
    )
    contact_name = StringField(
        "Your full name",
        validators=[
            DataRequired("Enter your full name"),
            Length(max=120, message="Your name must be 120 characters or fewer"),
        ],
    )
    contact_role = StringField(
        "Your role at the school",
        validators=[
            DataRequired("Enter your role at the school"),
            Length(max=120, message="Your role must be 120 characters or fewer"),
        ],
    )
    contact_email = EmailField(
        "Your email address",
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.org"),
        ],
    )
    pupils_on_roll = WholeNumberField(
        "Pupils on roll (optional)",
        validators=[Optional()],
        invalid_message="Pupils on roll must be a whole number, 0 or more",
        too_large_message="Pupils on roll must be 1,000,000 or fewer",
    )
    message = TextAreaField(
        "Anything else you would like to tell us (optional)",
        validators=[
            Optional(),
            Length(max=2000, message="Your message must be 2,000 characters or fewer"),
        ],
    )


def set_area_choices(form: InterestForm, areas) -> None:
    form.area_id.choices = choices([("", "Select an area")] + [(a.id, a.name) for a in areas])


DECISIONS = {
    InterestStatus.ACCEPTED: "Accept: the school joins the schools waiting for a cohort",
    InterestStatus.DECLINED: "Decline",
}


class ReviewForm(BaseForm):
    decision = RadioField(
        "Your decision",
        choices=choices((status.value, label) for status, label in DECISIONS.items()),
        validators=[InputRequired("Select whether to accept or decline the registration")],
        invalid_message="Select whether to accept or decline the registration",
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            Optional(),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
