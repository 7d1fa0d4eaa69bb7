"""A child's record for records management (administrators and clinical leads): find it
by referral reference or NHS number, export it (a printable document or JSON), erase it
on the family's objection before treatment."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_mixed, render_audited
from mhst.core.forms import apply_rule_error, commit_operation, commit_unit, failed
from mhst.core.rules import RuleError
from mhst.core.time import service_today, utcnow
from mhst.privacy import children, describe, export
from mhst.privacy.blueprint import bp
from mhst.privacy.erasure import check_reason, erase_on_objection, erasure_problem
from mhst.privacy.forms import ErasureForm, FindForm
from mhst.privacy.graph import collect
from mhst.privacy.review import closed_record, pending_decisions
from mhst.security.permissions import Permission, requires


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.MANAGE_RECORDS)
def index():
    form = FindForm()
    found = []
    if form.validate_on_submit():
        try:
            found = children.find(current_user, form.identifier.data)
        except RuleError as error:
            form.identifier.errors = [error.message]
        if len(found) == 1:
            return redirect(url_for("privacy.show", child_id=found[0].id))
        read = [(AuditAction.READ, AuditRecordType.CHILD, child.id) for child in found]
        record_mixed(read, user=current_user)  # the records sharing an NHS number, listed
    status = 400 if form.errors else 200
    return render_audited("privacy/index.html", form=form, found=found), status


@bp.get("/children/<int:child_id>")
@requires(Permission.MANAGE_RECORDS)
def show(child_id: int):
    child = children.child_or_404(current_user, child_id)
    records = collect([child.id])
    return render_audited(
        "privacy/show.html",
        child=child,
        referrals=children.referrals_of(child, current_user),
        counts=[(describe.title(name), n) for name, n in records.counts().items()],
        erasure_problem=erasure_problem(records),
        closed=closed_record(current_user, child.id),
        pending=pending_decisions([child.id]).get(child.id),
        today=service_today(),
    )


def _exported(child_id: int):
    child = children.child_or_404(current_user, child_id)
    records = collect([child.id], with_audit=True)
    return child, records, export.names(records)


@bp.get("/children/<int:child_id>/export")
@requires(Permission.MANAGE_RECORDS)
def export_document(child_id: int):
    child, records, named = _exported(child_id)

    def rendered():
        export.audit_export(records, by=current_user)
        return render_template(
            "privacy/export.html",
            child=child,
            sections=export.sections(records, named),
            audit_events=records.audit_events,
            exported_at=utcnow(),
        )

    response = Response(commit_unit(rendered), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/children/<int:child_id>/export.json")
@requires(Permission.MANAGE_RECORDS)
def export_json(child_id: int):
    _child, records, named = _exported(child_id)
    now = utcnow()
    document = export.as_json(records, named, at=now, by=current_user)
    commit_unit(export.audit_export, records, by=current_user)
    filename = f"subject-access-{child_id}-{now:%Y%m%d}.json"
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/children/<int:child_id>/erase", methods=["GET", "POST"])
@requires(Permission.MANAGE_RECORDS)
def erase(child_id: int):
    child = children.child_or_404(current_user, child_id)
    records = collect([child.id])
    problem = erasure_problem(records)
    form = ErasureForm()
    context = {"child": child, "problem": problem, "form": form}
    removed = records.counts_with_links()
    context["counts"] = [(describe.title(name), n) for name, n in removed.items()]
    record(AuditAction.READ, AuditRecordType.CHILD, child.id)
    if problem or not form.validate_on_submit():
        return render_audited("privacy/erase.html", **context), 400 if form.errors else 200
    try:
        check_reason(form.reason.data, records)
    except RuleError as error:
        apply_rule_error(form, error)
        return render_audited("privacy/erase.html", **context), 400
    if form.confirmed.data != "yes":
        return render_audited("privacy/erase_confirm.html", **context)
    child_id, reason = child.id, form.reason.data
    deleted = commit_operation(form, erase_on_objection, child_id, reason, by=current_user)
    if failed(deleted) and not collect([child_id]).of("child"):
        # Someone erased it at the same moment: their erasure is the one in the log.
        flash("This record had already been erased: nothing more was deleted.", "info")
        return redirect(url_for("privacy.index"))
    if failed(deleted):
        context["problem"] = erasure_problem(collect([child_id]))
        return render_audited("privacy/erase.html", **context), 400
    flash(f"The child's record was erased: {describe.counted(deleted)}.", "success")
    return redirect(url_for("privacy.index"))
