"""Forms of the triage pages: a senior clinician's triage decision and risk review."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from mhst.core.fields import CheckboxesField
from mhst.core.forms import BaseForm, RadioField, SelectField, choices
from mhst.directory.models import DirectoryService
from mhst.referrals import eligibility, operations
from mhst.referrals.locks import SeenStatusField
from mhst.referrals.models import ReferralStatus

S = ReferralStatus

DECISION_LABELS = {
    S.ACCEPTED: "Accept onto the waiting list",
    S.SIGNPOSTED: "Signpost to other services",
    S.STEPPED_UP: "Step up, for example to CAMHS",
    S.NOT_ACCEPTED: "Not accepted",
}
TOO_LONG = f"Enter {eligibility.MAX_TEXT:,} characters or fewer"
UNKNOWN_SERVICE = "Select services from the list"
NO_SERVICE = "Select at least one service from the directory"


def service_choice_label(service: DirectoryService) -> str:
    return f"{service.name} ({service.area_text}, {service.age_text})"


class TriageForm(BaseForm):
    """The decision comes first: a refusal by the consent gate names the field "status",
    which this form does not have, so its message shows against the first field."""

    seen = SeenStatusField()

    decision = RadioField(
        "What is your decision?",
        choices=choices((status.value, label) for status, label in DECISION_LABELS.items()),
        validators=[InputRequired("Select your decision")],
        invalid_message="Select a decision from the list",
    )
    reason = TextAreaField(
        "Reason for the decision",
        validators=[Length(max=eligibility.MAX_TEXT, message=TOO_LONG)],
    )
    services = CheckboxesField(
        "Services that fit this child", choices=[], invalid_message=UNKNOWN_SERVICE
    )
    other_service = SelectField(
        "Another service from the directory (optional)",
        choices=[],
        invalid_message=UNKNOWN_SERVICE,
    )

    def offer(self, proposed: list[DirectoryService], others: list[DirectoryService]) -> TriageForm:
        """Offer ``proposed`` as checkboxes and every other service in the select."""
        self.proposed = proposed
        self.others = others
        self.services.choices = choices((s.id, s.name) for s in proposed)
        self.other_service.choices = choices(
            [("", "No other service"), *((s.id, service_choice_label(s)) for s in others)]
        )
        self._by_id = {str(s.id): s for s in [*proposed, *others]}
        return self

    @property
    def decision_status(self) -> ReferralStatus | None:
        values = {status.value for status in DECISION_LABELS}
        return ReferralStatus(self.decision.data) if self.decision.data in values else None

    def chosen_services(self) -> list[DirectoryService]:
        """The services ticked, then the one picked from the list (call after validation)."""
        ids = [*(self.services.data or []), self.other_service.data]
        return list(dict.fromkeys(self._by_id[i] for i in ids if i in self._by_id))

    # The operation checks these again; checking here as well shows every problem at once.
    def validate_reason(self, field):
        if self.decision_status in operations.NEEDS_REASON and not field.data:
            raise ValidationError("Enter the reason")

    def validate_services(self, field):
        decision = self.decision_status
        if decision is None:
            return
        chosen = bool(field.data) or bool(self.other_service.data)
        if decision in operations.NEEDS_SERVICES and not chosen:
            raise ValidationError(NO_SERVICE)
        if decision not in operations.NEEDS_SERVICES and chosen:
            raise ValidationError(
                "Only select services when you signpost or step up: choose one of those "
                "decisions, or clear the services"
            )


class RiskReviewForm(BaseForm):
    notes = TextAreaField(
        "What did you find and what did you do?",
        validators=[
            DataRequired("Enter what you found and what you did"),
            Length(max=eligibility.MAX_TEXT, message=TOO_LONG),
        ],
    )
