"""Forms of allocation, discharge and reopening."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from mhst.accounts.models import User
from mhst.casework.models import DischargeReason
from mhst.casework.operations import MAX_TEXT
from mhst.core.fields import CheckboxesField
from mhst.core.forms import BaseForm, RadioField, choices
from mhst.directory.models import DirectoryService

TOO_LONG = f"Enter {MAX_TEXT:,} characters or fewer"
UNKNOWN_PRACTITIONER = "Select a practitioner from the list"


class _PractitionerChoice:
    """A form with a ``practitioner`` radio field offering the team's practitioners."""

    def offer_practitioners(self, practitioners: list[User]):
        self._practitioners = {str(p.id): p for p in practitioners}
        self.practitioner.choices = choices((p.id, p.full_name) for p in practitioners)
        return self

    def chosen_practitioner(self) -> User | None:
        return self._practitioners.get(self.practitioner.data or "")


class AllocateForm(_PractitionerChoice, BaseForm):
    practitioner = RadioField(
        "Who should this case be allocated to?",
        choices=[],
        validators=[InputRequired("Select a practitioner")],
        invalid_message=UNKNOWN_PRACTITIONER,
    )


class DischargeForm(BaseForm):
    reason = RadioField(
        "Why is the case being discharged?",
        choices=choices((reason.value, reason.label) for reason in DischargeReason),
        validators=[InputRequired("Select why the case is being discharged")],
        invalid_message="Select a reason from the list",
    )
    summary = TextAreaField(
        "Closing summary",
        validators=[
            DataRequired("Enter a closing summary"),
            Length(max=MAX_TEXT, message=TOO_LONG),
        ],
    )
    services = CheckboxesField(
        "Onward services (optional)",
        choices=[],
        invalid_message="Select services from the list",
    )

    def offer_services(self, services: list[DirectoryService]) -> DischargeForm:
        self.proposed = services
        self._services = {str(s.id): s for s in services}
        self.services.choices = choices((s.id, s.name) for s in services)
        return self

    def chosen_services(self) -> list[DirectoryService]:
        return [self._services[i] for i in dict.fromkeys(self.services.data or [])]


class ReopenForm(_PractitionerChoice, BaseForm):
    reason = TextAreaField(
        "Why is the case being reopened?",
        validators=[
            DataRequired("Enter why the case is being reopened"),
            Length(max=MAX_TEXT, message=TOO_LONG),
        ],
    )
    practitioner = RadioField(
        "Who should the case be allocated to?",
        choices=[],
        validators=[InputRequired("Select a practitioner")],
        invalid_message=UNKNOWN_PRACTITIONER,
    )
