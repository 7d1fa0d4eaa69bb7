"""The national extract's page and download (clinical leads only)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from mhst.core.forms import commit_unit
from mhst.core.time import service_today, utcnow
from mhst.extract.columns import FILES
from mhst.extract.forms import PeriodForm
from mhst.extract.package import audit_extract, build_extract
from mhst.extract.period import MAX_DAYS, previous_month
from mhst.extract.pseudonyms import Pseudonymiser
from mhst.security.permissions import Permission, requires

bp = Blueprint("extract", __name__, url_prefix="/extract")


def _page(form: PeriodForm, status: int = 200):
    return render_template("extract/index.html", form=form, files=FILES, max_days=MAX_DAYS), status


@bp.get("/")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def index():
    default = previous_month(service_today())
    return _page(PeriodForm(formdata=None, date_from=default.start, date_to=default.end))


@bp.get("/download")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def download():
    form = PeriodForm(formdata=request.args)
    if not form.validate_period(service_today()):
        return _page(form, 400)
    extract = build_extract(form.period, Pseudonymiser.from_config(), utcnow())
    commit_unit(audit_extract, extract, form.period, user=current_user)
    return Response(
        extract.content,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{extract.filename}"',
            "Cache-Control": "no-store",
        },
    )
