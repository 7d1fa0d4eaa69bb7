"""The questionnaires' blueprint: the practitioner's pages (:mod:`.views`) and the
family's public page (:mod:`.public_views`)."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__)

from mhst.questionnaires import public_views, views  # noqa: E402, F401  (their routes)
