"""The privacy blueprint; its routes live in ``record_views`` (find, export, erase) and
``retention_views`` (the retention review), imported below so that importing this module
registers them all."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

from mhst.privacy import record_views, retention_views  # noqa: E402, F401
