"""The form that uploads a CSV file of school-level indicators of need."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from mhst.core.forms import BaseForm


class ImportNeedForm(BaseForm):
    file = FileField(
        "Upload a CSV file", validators=[FileRequired("Select a CSV file of indicators of need")]
    )
