"""The extract's period form: two NHS.UK date inputs, posted to ask for the extract."""

from __future__ import annotations

from datetime import date

from mhst.core.fields import DateInputField
from mhst.core.forms import BaseForm, apply_rule_error
from mhst.core.rules import RuleError
from mhst.extract.period import Period, check_period


class PeriodForm(BaseForm):
    # The fields are named ``from`` and ``to``: from-day, from-month, from-year, to-day...
    date_from = DateInputField(
        "From", name="from", what="the start date", required="Enter the start date"
    )
    date_to = DateInputField("To", name="to", what="the end date", required="Enter the end date")

    period: Period | None = None

    def validate_period(self, today: date) -> bool:
        """Check each date, then the period as a whole (:func:`check_period`)."""
        if not self.validate():
            return False
        try:
            self.period = check_period(self.date_from.data, self.date_to.data, today)
        except RuleError as error:
            apply_rule_error(self, error)
            return False
        return True
