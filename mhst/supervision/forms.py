"""The forms for recording a supervision: choose the practitioner, then the cases.

Pages work without JavaScript, so recording is two steps: a small GET form to choose the
practitioner, then the full form listing that practitioner's open cases, each with a
"Discussed" checkbox and a decision. A decision typed for a case counts as discussed
even if its box is not ticked (the hint says so): nothing typed is thrown away.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from mhst.accounts.models import User
from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, SelectField, choices
from mhst.core.rules import RuleError
from mhst.core.submissions import OnceForm
from mhst.supervision import operations
from mhst.supervision.operations import OpenCase, decision_field, discussed_field


class PractitionerForm(BaseForm):
    """Step 1 (GET): whose cases were discussed."""

    practitioner = SelectField(
        "Practitioner",
        validators=[InputRequired("Select the practitioner whose cases you discussed")],
        invalid_message="Select a practitioner from the list",
    )

    def set_practitioners(self, practitioners: list[User]) -> None:
        self.practitioner.choices = choices(
            [("", "Choose a practitioner")]
            + [(user.id, f"{user.full_name} ({user.role.label})") for user in practitioners]
        )


class SupervisionForm(OnceForm):
    """Step 2: the supervisor, the date and, per case, ``discussed_<id>`` and
    ``decision_<id>`` (added by :func:`supervision_form`)."""

    supervisor = SelectField(
        "Supervisor",
        validators=[InputRequired("Select the supervisor")],
        invalid_message="Select the supervisor from the list",
    )
    held_on = DateInputField(
        "Date of supervision",
        what="the date of supervision",
        required="Enter the date of supervision",
    )

    open_cases: list[OpenCase] = []
    # A case ticked or with a decision that is no longer on the list (reallocated or closed
    # since the page was shown): never dropped silently.
    stale_cases = False

    @property
    def cases(self):
        """Where a problem with the cases as a whole shows: the first case's checkbox."""
        if self.open_cases:
            return self[discussed_field(self.open_cases[0].referral.id)]
        return self.held_on

    def case_fields(self, case: OpenCase):
        referral_id = case.referral.id
        return self[discussed_field(referral_id)], self[decision_field(referral_id)]

    def discussed(self) -> list[tuple[OpenCase, str]]:
        """The cases ticked, or with a decision typed, and their decisions."""
        chosen = []
        for case in self.open_cases:
            ticked, decision = self.case_fields(case)
            text = decision.data or ""
            if ticked.data or text:
                chosen.append((case, text))
        return chosen

    def validate_held_on(self, field):
        if field.data is not None:
            try:
                operations.check_held_on(field.data)
            except RuleError as error:
                raise ValidationError(error.message) from error

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.open_cases:
            return valid
        chosen = self.discussed()
        for case, text in chosen:
            name = case.referral.child.full_name
            _, decision = self.case_fields(case)
            if decision.errors:
                continue
            if not text:
                decision.errors = [f"Enter the decision or action for {name}"]
                valid = False
            elif len(text) > operations.DECISION_MAX:
                limit = f"{operations.DECISION_MAX:,}"
                decision.errors = [f"The decision for {name} must be {limit} characters or fewer"]
                valid = False
        if self.stale_cases:
            first = self.cases
            first.errors = [
                *first.errors,
                "A case you discussed is no longer open and allocated to this practitioner: "
                "check the cases below and save again",
            ]
            valid = False
        elif not chosen:
            first = self.cases
            first.errors = [*first.errors, "Select at least one case you discussed"]
            valid = False
        self._errors = None
        return valid


def supervision_form(
    open_cases: list[OpenCase],
    supervisors: list[User],
    *,
    posted: MultiDict | None = None,
    **kwargs,
) -> SupervisionForm:
    """The step-2 form for these cases (a form class of its own: the fields are per case).
    ``posted`` is the submitted form, to notice answers about cases no longer listed."""

    class CasesForm(SupervisionForm):
        pass

    for case in open_cases:
        name = case.referral.child.full_name
        setattr(CasesForm, discussed_field(case.referral.id), BooleanField(f"Discussed {name}"))
        setattr(
            CasesForm,
            decision_field(case.referral.id),
            TextAreaField(f"Decision or action for {name}"),
        )
    form = CasesForm(**kwargs)
    form.open_cases = open_cases
    if posted is not None:
        offered = {str(case.referral.id) for case in open_cases}
        form.stale_cases = any(
            name.split("_", 1)[1] not in offered
            for name, value in posted.items(multi=True)
            if name.startswith(("discussed_", "decision_")) and value.strip()
        )
    form.supervisor.choices = choices(
        [("", "Choose the supervisor")] + [(user.id, user.full_name) for user in supervisors]
    )
    return form
