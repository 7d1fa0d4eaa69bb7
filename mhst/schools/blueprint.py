"""The schools blueprint; its routes live in ``views`` (the register) and ``school_page``
(one school: participation, onboarding, leads), imported below so that importing this
module registers them all."""

from flask import Blueprint

bp = Blueprint("schools", __name__, url_prefix="/schools")

from mhst.schools import room_views, school_page, views  # noqa: E402, F401
