"""One page for every kind of job: its status and progress, and its file when done.

Only the user who asked may see a job or download its file, and only while their role
has the kind's permission; anyone else gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_login import current_user

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.core.forms import commit_unit
from mhst.jobs.models import JobStatus
from mhst.jobs.operations import own_job, restart
from mhst.jobs.runner import job_files_dir
from mhst.security.permissions import Permission, requires

bp = Blueprint("jobs", __name__, url_prefix="/downloads")


@bp.get("/<int:job_id>")
@requires(Permission.SIGNED_IN)  # and the kind's permission: own_job
def show(job_id: int):
    job, kind = own_job(job_id, current_user)
    return render_template("jobs/show.html", job=job, kind=kind, statuses=JobStatus)


@bp.get("/<int:job_id>/file")
@requires(Permission.SIGNED_IN)  # and the kind's permission: own_job
def download(job_id: int):
    job, kind = own_job(job_id, current_user)
    if job.status is not JobStatus.DONE or not job.stored_name:
        abort(404)
    path = job_files_dir() / job.stored_name
    if not path.is_file():
        abort(404)
    commit_unit(
        audit.record,
        AuditAction.EXPORT,
        AuditRecordType.BACKGROUND_JOB,
        job.id,
        detail=f"{kind.name} downloaded: {job.result_name}",
    )
    response = send_file(
        path, mimetype=kind.mimetype, as_attachment=True, download_name=job.result_name
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:job_id>/again")
@requires(Permission.SIGNED_IN)  # and the kind's permission: own_job
def ask_again(job_id: int):
    """A job that stopped (or never started): the same asked for again, as a new job.
    Any other job (a stale page's button) is only shown again."""
    job, _kind = own_job(job_id, current_user)
    if not job.can_restart:
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(url_for("jobs.show", job_id=restart(job, current_user)))
