"""Forms of the letters: a kind's template, and a letter to produce."""

from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mhst.core.forms import SelectField, choices
from mhst.core.submissions import OnceForm
from mhst.core.versions import VersionedForm

MAX_TEMPLATE = 10_000
MAX_ADDRESS = 500


class TemplateForm(VersionedForm):
    body = TextAreaField(
        "Letter text",
        validators=[
            DataRequired("Enter the letter's text"),
            Length(max=MAX_TEMPLATE, message=f"Enter {MAX_TEMPLATE:,} characters or fewer"),
        ],
    )
    # Which button was pressed: "preview" or "save".
    action = HiddenField()


class LetterForm(OnceForm):
    session = SelectField(
        "Which session is the letter about?",
        choices=[],
        validators=[Optional()],
        invalid_message="Select a session from the list",
    )
    recipient_name = StringField(
        "Who is the letter to?",
        validators=[
            DataRequired("Enter who the letter is to"),
            Length(max=200, message="Enter 200 characters or fewer"),
        ],
    )
    recipient_address = TextAreaField(
        "Their address (optional)",
        validators=[
            Optional(),
            Length(max=MAX_ADDRESS, message=f"Enter {MAX_ADDRESS} characters or fewer"),
        ],
    )

    def offer_sessions(self, sessions: list[tuple[int, str]]):
        self.session.choices = choices([("", "Choose a session"), *sessions])
        return self
