"""The campaigns blueprint (staff pages under /campaigns): the campaigns themselves
(``views``), their resources (``resource_views``) and sending them (``send_views``),
imported below so that importing this module registers them all."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

from mhst.campaigns import resource_views, send_views, views  # noqa: E402, F401
