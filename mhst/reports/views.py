"""Report pages and CSV downloads (stub: replaced by the reports pages)."""

from __future__ import annotations

from mhst.reports import bp
from mhst.security.permissions import Permission, requires


@bp.get("/")
@requires(Permission.VIEW_REPORTS)
def index():
    return "Reports"


@bp.get("/<slug>")
@requires(Permission.VIEW_REPORTS)
def show(slug: str):
    return slug


@bp.get("/<slug>.csv")
@requires(Permission.VIEW_REPORTS)
def download(slug: str):
    return slug
