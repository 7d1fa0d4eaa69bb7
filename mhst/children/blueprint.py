"""The children's records blueprint; its routes live in ``page_views`` (search and the
child's page) and ``edit_views`` (corrections and merges), imported below."""

from flask import Blueprint

bp = Blueprint("children", __name__, url_prefix="/children")

from mhst.children import edit_views, page_views  # noqa: E402, F401
