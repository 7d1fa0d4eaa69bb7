"""The national extract: pseudonymised CSV files aligned with the Mental Health Services
Data Set (MHSDS), for clinical leads. The column mapping is in ``docs/mhsds-extract.md``."""

from flask import Blueprint

bp = Blueprint("extract", __name__, url_prefix="/extract")

from mhst.extract import views  # noqa: E402, F401
