"""The signposting directory: search and filter services; administrators edit entries."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")
