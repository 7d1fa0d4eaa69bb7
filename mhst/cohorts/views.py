"""Cohorts: list, create and edit; the schools and teams in each."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")
