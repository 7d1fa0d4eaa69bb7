"""The form for amending a clinical text: the new text, why, and the version read."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Optional

from mhst.core.versions import VersionedForm


class AmendTextForm(VersionedForm):
    # Lengths and whether the text may be empty are the operation's rules (they differ by
    # text), so the form only carries what was typed.
    text = TextAreaField("Amended text", validators=[Optional()])
    reason = TextAreaField("Why are you amending it?", validators=[Optional()])
