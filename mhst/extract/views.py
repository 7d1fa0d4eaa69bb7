"""The national extract's page and download (stub)."""

from __future__ import annotations

from mhst.extract import bp
from mhst.security.permissions import Permission, requires


@bp.get("/")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def index():
    return "Extract"


@bp.get("/download")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def download():
    return "Extract"
