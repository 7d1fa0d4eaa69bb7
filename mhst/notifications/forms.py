"""The email settings form: which kinds of notification the user wants by email."""

from __future__ import annotations

from mhst.core.fields import CheckboxesField
from mhst.core.forms import BaseForm, choices
from mhst.notifications.models import NotificationKind


class EmailSettingsForm(BaseForm):
    kinds = CheckboxesField(
        "Email me when",
        invalid_message="Select kinds of notification from the list",
    )

    def offer(self, kinds: tuple[NotificationKind, ...]) -> EmailSettingsForm:
        self.kinds.choices = choices((kind.value, kind.label) for kind in kinds)
        return self
