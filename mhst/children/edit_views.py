"""Correcting a child's or parent's details, merging two records of one child, and
undoing a merge. The rules are in ``mhst.children.operations``; every record is fetched
through ``mhst.security.scoping`` (out of reach is a 404)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, render_audited
from mhst.children import operations
from mhst.children.blueprint import bp
from mhst.children.forms import CorrectDetailsForm, FindRecordForm, MergeForm, UndoMergeForm
from mhst.core.forms import commit_operation, failed
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.child_models import Child, ChildMerge
from mhst.referrals.eligibility import age_on
from mhst.schools.choosing import narrowing_requested, offer_schools
from mhst.security import scoping
from mhst.security.permissions import Permission, requires


def _render(template: str, form, **context):
    """A page showing a child's record, with the audit of its read committed."""
    return render_audited(template, form=form, **context), (400 if form.errors else 200)


def _reread(*children: Child) -> None:
    """A refused change rolled back the audit of the reads; the page shown again reads
    the records, so log those reads again."""
    for child in children:
        record(AuditAction.READ, AuditRecordType.CHILD, child.id, user=current_user)


def _the_child(child_id: int) -> Child:
    child = scoping.get_or_404(current_user, Child, child_id)
    if child.merged:
        flash(f"This record was merged into {child.merged_into.reference}", "warning")
        abort(redirect(url_for(".show", child_id=child.merged_into_id)))
    return child


# ---- corrections ----------------------------------------------------------------------


def _form_data(child: Child) -> dict:
    return {
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth": child.date_of_birth,
        "nhs_number": child.formatted_nhs_number or "",
        "gender": child.gender.value,
        "ethnicity": child.ethnicity.value if child.ethnicity else "",
        "school_id": str(child.school_id),
        "year_group": child.year_group.value,
        "parent_carer_name": child.parent_carer_name or "",
        "parent_carer_relationship": child.parent_carer_relationship or "",
        "parent_carer_phone": child.parent_carer_phone or "",
        "parent_carer_email": child.parent_carer_email or "",
        "version": str(child.version),
    }


@bp.route("/<int:child_id>/correct", methods=["GET", "POST"])
@requires(Permission.CORRECT_CHILD_DETAILS)
def correct(child_id: int):
    child = _the_child(child_id)
    form = CorrectDetailsForm(data=_form_data(child))
    # The schools in reach (narrowed when many), and theirs even if it is not.
    schools = offer_schools(current_user, form.school_id, first=None, keep=child.school)
    if not narrowing_requested() and form.validate_on_submit():
        result = commit_operation(
            form,
            operations.correct_details,
            child,
            form.details(schools.get(form.school_id.data)),
            by=current_user,
            reason=form.reason.data,
            read_version=form.read_version(),
        )
        if not failed(result):
            flash("The details have been corrected", "success")
            return redirect(url_for(".show", child_id=child.id))
        _reread(child)
    return _render("children/correct.html", form, child=child, school_choice=schools)


# ---- merges ---------------------------------------------------------------------------


@bp.route("/<int:child_id>/merge", methods=["GET", "POST"])
@requires(Permission.MERGE_CHILDREN)
def find_merge(child_id: int):
    """Which record to merge into this one: its reference, from a search or its page."""
    child = _the_child(child_id)
    form = FindRecordForm()
    if form.validate_on_submit():
        other_id = form.child_id()
        if other_id is not None and scoping.in_scope(current_user, Child, other_id):
            return redirect(url_for(".merge", child_id=child.id, other_id=other_id))
        form.reference.errors.append("No record you can see has this reference")
    return _render("children/find_merge.html", form, child=child)


@bp.route("/<int:child_id>/merge/<int:other_id>", methods=["GET", "POST"])
@requires(Permission.MERGE_CHILDREN)
def merge(child_id: int, other_id: int):
    """Both records side by side; merging keeps ``child_id`` and merges ``other_id``."""
    kept = _the_child(child_id)
    other = scoping.get_or_404(current_user, Child, other_id)
    form = MergeForm()
    if form.validate_on_submit():
        result = commit_operation(
            form, operations.merge_children, kept, other, by=current_user, reason=form.reason.data
        )
        if not failed(result):
            flash(f"{other.reference} has been merged into this record", "success")
            return redirect(url_for(".show", child_id=kept.id))
        _reread(kept, other)
    return _render(
        "children/merge.html",
        form,
        kept=kept,
        other=other,
        kept_age=age_on(kept.date_of_birth, service_today()),
        other_age=age_on(other.date_of_birth, service_today()),
        problem=operations.merge_problem(current_user, kept, other),
    )


@bp.route("/merges/<int:merge_id>/undo", methods=["GET", "POST"])
@requires(Permission.MERGE_CHILDREN)
def undo_merge(merge_id: int):
    merge = db.session.scalars(  # a merge is reached through its kept record's scope
        select(ChildMerge)
        .join(Child, Child.id == ChildMerge.kept_child_id)
        .where(ChildMerge.id == merge_id, scoping.scope(current_user, Child))
    ).one_or_none()
    if merge is None:
        abort(404)
    kept = scoping.get_or_404(current_user, Child, merge.kept_child_id)
    merged = scoping.get_or_404(current_user, Child, merge.merged_child_id)
    form = UndoMergeForm()
    if form.validate_on_submit():
        result = commit_operation(
            form, operations.undo_merge, merge, by=current_user, reason=form.reason.data
        )
        if not failed(result):
            flash(
                f"The merge is undone: {merged.reference} is a record of its own again", "success"
            )
            return redirect(url_for(".show", child_id=kept.id))
        _reread(kept, merged)
    return _render(
        "children/undo_merge.html",
        form,
        merge=merge,
        kept=kept,
        merged=merged,
        problem=operations.undo_problem(current_user, merge),
    )
