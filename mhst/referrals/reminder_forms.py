"""The form for a family's agreement to session reminders (``reminder_preferences``).

The form checks lengths and the choices offered; the operation checks the rules (who
agreed, a UK mobile number, an email address), naming these fields."""

from __future__ import annotations

from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional

from mhst.core.forms import RadioField, choices
from mhst.core.versions import VersionedForm
from mhst.referrals.reminder_preferences import (
    EMAIL_MAX,
    PreferenceDetails,
    ReminderContact,
    ReminderPreference,
)

CHANNELS = (("text", "By text message"), ("email", "By email"))


class ReminderPreferenceForm(VersionedForm):
    channels = SelectMultipleField(
        "How did they agree to be reminded?",
        choices=choices(CHANNELS),
        validators=[Optional()],
    )
    contact = RadioField(
        "Who agreed to be reminded?",
        choices=choices((c.value, c.label) for c in ReminderContact),
        validators=[Optional()],
        invalid_message="Select who agreed to be reminded",
    )
    mobile_number = StringField(
        "Mobile number for text messages",
        validators=[Length(max=30, message="Enter a UK mobile number of 11 digits")],
    )
    email = StringField(
        "Email address for emails",
        validators=[
            Length(
                max=EMAIL_MAX,
                message=f"The email address must be {EMAIL_MAX} characters or fewer",
            )
        ],
    )
    discreet = BooleanField("They asked for discretion: reminders must not name the service")

    def details(self) -> PreferenceDetails:
        chosen = set(self.channels.data or [])
        return PreferenceDetails(
            contact=self.contact.data or None,
            by_text="text" in chosen,
            by_email="email" in chosen,
            mobile_number=self.mobile_number.data,
            email=self.email.data,
            discreet=bool(self.discreet.data),
        )


def form_data(preference: ReminderPreference | None, child) -> dict:
    """What the form starts with: the saved agreement, or the parent's details on the
    child's record to choose from (nothing ticked: the default is no reminders)."""
    if preference is None:
        return {
            "channels": [],
            "contact": "",
            "mobile_number": child.parent_carer_phone or "",
            "email": child.parent_carer_email or "",
            "discreet": False,
            "version": "0",
        }
    return {
        "channels": [
            name
            for name, on in (("text", preference.by_text), ("email", preference.by_email))
            if on
        ],
        "contact": preference.contact.value if preference.contact else "",
        "mobile_number": preference.mobile_number or "",
        "email": preference.email or "",
        "discreet": preference.discreet,
        "version": str(preference.version),
    }
