"""The national extract's page: ask for a period's extract (a background job), and the
user's recent extracts (clinical leads only). The job's own page is mhst.jobs.views."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from mhst.core.time import service_today
from mhst.extract import job
from mhst.extract.columns import FILES
from mhst.extract.forms import PeriodForm
from mhst.extract.period import MAX_DAYS, previous_month
from mhst.jobs import operations as jobs
from mhst.security.permissions import Permission, requires

bp = Blueprint("extract", __name__, url_prefix="/extract")


def _page(form: PeriodForm, status: int = 200):
    recent = jobs.recent(current_user, job.KIND)
    return render_template(
        "extract/index.html", form=form, files=FILES, max_days=MAX_DAYS, recent=recent
    ), status


@bp.get("/")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def index():
    default = previous_month(service_today())
    return _page(PeriodForm(formdata=None, date_from=default.start, date_to=default.end))


@bp.post("/")
@requires(Permission.DOWNLOAD_NATIONAL_EXTRACT)
def request_extract():
    form = PeriodForm()
    if not form.validate_period(service_today()):
        return _page(form, 400)
    job_id = jobs.enqueue(job.KIND, job.parameters(form.period), current_user)
    return redirect(url_for("jobs.show", job_id=job_id))
