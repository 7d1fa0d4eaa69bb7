"""The form that uploads a CSV file of school-level indicators of need."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from mhst.core.forms import BaseForm


class ImportNeedForm(BaseForm):
    file = FileField(
        "Upload a CSV file", validators=[FileRequired("Select a CSV file of indicators of need")]
    )


class LoadDeprivationForm(BaseForm):
    file = FileField(
        "Upload the deprivation file (CSV)",
        validators=[FileRequired("Select the English Indices of Deprivation File 1 as CSV")],
    )
