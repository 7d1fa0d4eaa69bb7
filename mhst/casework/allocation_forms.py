"""Forms of allocation, discharge and reopening."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from mhst.accounts.models import User
from mhst.casework.models import DischargeReason
from mhst.casework.operations import MAX_TEXT, NO_FINAL_MEASURES
from mhst.core.fields import CheckboxesField
from mhst.core.forms import BaseForm, RadioField, choices
from mhst.core.submissions import OnceForm
from mhst.directory.models import DirectoryService
from mhst.referrals.locks import SeenAllocationField, SeenStatusField

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


class AllocateForm(_PractitionerChoice, OnceForm):
    seen = SeenStatusField()
    seen_allocation = SeenAllocationField()
    practitioner = RadioField(
        "Who should this case be allocated to?",
        choices=[],
        validators=[InputRequired("Select a practitioner")],
        invalid_message=UNKNOWN_PRACTITIONER,
    )


class DischargeForm(OnceForm):
    seen = SeenStatusField()
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
    # Needed only when no final measure was recorded (see ``ask_why_no_final_measures``).
    final_measures_note = TextAreaField(
        "Why were final measures not collected?",
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
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

    needs_final_measures_note = False

    def ask_why_no_final_measures(self, needed: bool) -> DischargeForm:
        """Whether the case has no final measure, so the note is required."""
        self.needs_final_measures_note = needed
        return self

    def validate_final_measures_note(self, field) -> None:
        if self.needs_final_measures_note and not field.data:
            raise ValidationError(NO_FINAL_MEASURES)

    def note_given(self) -> str | None:
        """The note, when it is asked for (otherwise whatever was sent is ignored)."""
        return self.final_measures_note.data if self.needs_final_measures_note else None


class ReopenForm(_PractitionerChoice, BaseForm):
    seen = SeenStatusField()
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
