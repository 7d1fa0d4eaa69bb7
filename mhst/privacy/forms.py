"""The privacy pages' forms: find a child's record, erase it, review its retention."""

from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from mhst.core.forms import BaseForm, RadioField, choices
from mhst.privacy.erasure import REASON_MAX
from mhst.privacy.models import RetentionAction

TOO_LONG = f"The reason must be {REASON_MAX} characters or fewer"


class FindForm(BaseForm):
    """Posted, so that an NHS number never reaches a URL."""

    identifier = StringField(
        "Referral reference or NHS number",
        validators=[DataRequired("Enter a referral reference or an NHS number")],
    )


class ErasureForm(BaseForm):
    reason = TextAreaField(
        "What did the family object to, and when?",
        validators=[DataRequired("Enter the reason"), Length(max=REASON_MAX, message=TOO_LONG)],
    )
    # "yes" once the confirmation page has been shown and the button on it pressed.
    confirmed = HiddenField()


class RetentionForm(BaseForm):
    action = RadioField(
        "What should happen to this record?",
        choices=choices((action.value, action.label) for action in RetentionAction),
        validators=[InputRequired("Select delete or pseudonymise")],
        invalid_message="Select delete or pseudonymise",
    )
    reason = TextAreaField(
        "Why?",
        validators=[DataRequired("Enter the reason"), Length(max=REASON_MAX, message=TOO_LONG)],
    )
