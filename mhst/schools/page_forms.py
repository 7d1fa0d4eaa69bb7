"""Forms on one school's page: participation status, onboarding checklist, named leads."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from mhst.core.fields import CheckboxesField, DateInputField
from mhst.core.forms import BaseForm, RadioField, SelectField


class ChangeStatusForm(BaseForm):
    """Move a school on in the lifecycle; the choices are the statuses allowed next."""

    to_status = RadioField(
        "New participation status",
        validators=[InputRequired("Select the school's new participation status")],
    )
    cohort_id = SelectField(
        "Cohort", validators=[Optional()], invalid_message="Select a cohort from the list"
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            Optional(),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )


class OnboardingForm(BaseForm):
    """The checklist items a person ticks (whether a lead is named comes from the leads)."""

    done = CheckboxesField(
        "Onboarding checklist", invalid_message="Select items from the checklist"
    )
    welcome_pack_sent_on = DateInputField(
        "Date the welcome pack was sent", what="the date the welcome pack was sent"
    )


class NameLeadForm(BaseForm):
    """Name one of the school's lead accounts as its Mental Health Lead."""

    user_id = SelectField(
        "Mental Health Lead",
        validators=[InputRequired("Select the person to name as the Mental Health Lead")],
        invalid_message="Select a person from the list",
    )


class NameDeputyForm(BaseForm):
    """Name one of the school's lead accounts as its deputy Mental Health Lead."""

    user_id = SelectField(
        "Deputy Mental Health Lead",
        validators=[InputRequired("Select the person to name as the deputy")],
        invalid_message="Select a person from the list",
    )
