"""The retention review (administrators and clinical leads): closed records past their
retention date, each approved for deletion or pseudonymisation with a reason, which
``flask retention-review`` then applies."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_mixed, render_audited
from mhst.core.forms import commit_operation, failed
from mhst.core.pagination import requested_page
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.privacy import children, describe
from mhst.privacy.blueprint import bp
from mhst.privacy.forms import RetentionForm
from mhst.privacy.graph import collect
from mhst.privacy.models import RetentionAction
from mhst.privacy.retention import is_past
from mhst.privacy.review import ListPage, approve, closed_record, past_retention, pending_decisions
from mhst.referrals.models import Child
from mhst.security.permissions import Permission, requires


@bp.get("/retention")
@requires(Permission.MANAGE_RECORDS)
def retention():
    today = service_today()
    page = ListPage.of(past_retention(current_user, today), requested_page())
    ids = [closed.child_id for closed in page.items]
    found = db.session.scalars(
        select(Child).where(Child.id.in_(ids)).options(selectinload(Child.referrals))
    ).all()
    by_id = {child.id: child for child in found}
    record_mixed([(AuditAction.READ, AuditRecordType.CHILD, i) for i in ids], user=current_user)
    return render_audited(
        "privacy/retention.html",
        page=page,
        rows=[(closed, by_id[closed.child_id]) for closed in page.items],
        pending=pending_decisions(ids),
        today=today,
    )


@bp.route("/retention/<int:child_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_RECORDS)
def review(child_id: int):
    child = children.child_or_404(current_user, child_id)
    today = service_today()
    closed = closed_record(current_user, child.id)
    due = closed is not None and is_past(closed.retain_until, today)
    pending = pending_decisions([child.id]).get(child.id)
    form = RetentionForm()
    if due and not pending and form.validate_on_submit():
        action = RetentionAction(form.action.data)
        result = commit_operation(
            form, approve, current_user, child.id, action, form.reason.data, today
        )
        if not failed(result):
            flash(
                f"Approved: the record will be {action.verb} when the retention review "
                "command next runs.",
                "success",
            )
            return redirect(url_for("privacy.retention"))
    return render_audited(
        "privacy/review.html",
        child=child,
        referrals=children.referrals_of(child, current_user),
        closed=closed,
        counts=[(describe.title(n), c) for n, c in collect([child.id]).counts().items()],
        pending=pending,
        form=form,
        due=due,
    ), 400 if form.errors else 200
