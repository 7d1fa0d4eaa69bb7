"""The schools blueprint; its routes live in views.py (the register) and school_page.py
(one school: participation, onboarding, leads)."""

from flask import Blueprint

bp = Blueprint("schools", __name__, url_prefix="/schools")
