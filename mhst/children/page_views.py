"""Finding a child (a posted search: an NHS number never goes in a URL) and the child's
page: their details, every referral the viewer may see (and how many others there are),
one timeline of those referrals, the history of corrections and merges.

Every child is fetched through ``scoping.get_or_404`` (a child's record is their team's;
the administrator reaches the details but no referral), and every read is audited.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_mixed, render_audited
from mhst.casework import amendable, timeline
from mhst.children import queries
from mhst.children.blueprint import bp
from mhst.children.forms import SearchForm, page_buttons
from mhst.core.time import service_today
from mhst.referrals.child_models import Child
from mhst.referrals.child_records import FIELDS, referrals_of
from mhst.referrals.eligibility import age_on
from mhst.security import scoping
from mhst.security.permissions import Permission, has_permission, requires


@bp.route("/search", methods=["GET", "POST"])
@requires(Permission.VIEW_CHILDREN)
def search():
    form = SearchForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("children/search.html", form=form, page=None), status
    stmt = queries.search_statement(
        current_user, text=form.query.data, date_of_birth=form.date_of_birth.data
    )
    page = queries.search_page(stmt, form.cursor_args())
    queries.audit_children_read(current_user, list(page.items))
    return render_audited(
        "children/search.html",
        form=form,
        page=page,
        found=queries.bounded_count(stmt),
        cap=queries.COUNT_CAP,
        buttons=page_buttons(page),
    )


@bp.get("/<int:child_id>")
@requires(Permission.VIEW_CHILDREN)
def show(child_id: int):
    child = scoping.get_or_404(current_user, Child, child_id)
    referrals = referrals_of(current_user, child.id)
    ids = [referral.id for referral in referrals.visible]
    notes_for = (
        queries.with_case_notes(current_user, ids)
        if has_permission(current_user, Permission.VIEW_CASE_NOTES)
        else set()
    )
    entries, _ = amendable.with_versions(
        None, timeline.timeline(referrals.visible, include_notes=notes_for), current_user
    )
    # The referrals listed and the timeline's notes and scores: one audit INSERT.
    record_mixed(
        [(AuditAction.READ, AuditRecordType.REFERRAL, r.id) for r in referrals.visible]
        + timeline.shown_reads(entries, notes_for),
        user=current_user,
    )
    return render_audited(
        "children/show.html",
        child=child,
        age=age_on(child.date_of_birth, service_today()),
        referrals=referrals,
        references={referral.id: referral.reference for referral in referrals.visible},
        timeline=timeline.oldest_first(entries),
        corrections=queries.corrections_of(child.id),
        field_labels=FIELDS,
        merges=queries.merges_of(child.id),
        duplicates=queries.possible_duplicates(current_user, child),
        can_correct=has_permission(current_user, Permission.CORRECT_CHILD_DETAILS)
        and not child.merged,
        can_merge=has_permission(current_user, Permission.MERGE_CHILDREN) and not child.merged,
    )
