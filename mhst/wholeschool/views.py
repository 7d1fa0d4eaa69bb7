"""Whole-school activities: staff log them against a school; the school's lead sees them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wholeschool", __name__)
