"""The amend page every clinical text uses: its own module's view scopes the record,
checks the permission and describes the text; this shows and saves the amendment."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, request
from flask_login import current_user

from mhst.amendments.forms import AmendTextForm
from mhst.amendments.operations import AmendableText, amend, versions_of
from mhst.audit.models import AuditAction
from mhst.audit.operations import record, render_audited
from mhst.core.forms import commit_operation, failed


@dataclass(frozen=True)
class AmendPage:
    title: str  # "Amend the session notes"
    caption: str  # whose record, as the page's caption
    label: str  # "Session notes"
    action: str  # the form's URL
    back_url: str  # where Cancel and a saved amendment go
    back_text: str


def amend_page(text: AmendableText, page: AmendPage):
    """GET: the form filled with the current text. POST: save the amendment and go back,
    or show the form again with what was typed and why it was not saved."""
    versions = versions_of(text)
    read = versions[-1].version if versions else 1
    if request.method == "POST":
        form = AmendTextForm()
    else:
        form = AmendTextForm(formdata=None, data={"text": text.current, "version": str(read)})
    if form.validate_on_submit():
        result = commit_operation(
            form,
            amend,
            text,
            new_text=form.text.data,
            reason=form.reason.data,
            by=current_user,
            read_version=form.read_version(),
        )
        if not failed(result):
            flash(f"{page.label} amended (version {result.version})", "success")
            return redirect(page.back_url)
        versions = versions_of(text)
    # The page shows the text: its reading is audited, committed once the page is made.
    record(AuditAction.READ, text.record_type, text.record_id, user=current_user)
    return render_audited(
        "amendments/amend.html",
        form=form,
        title=page.title,
        caption=page.caption,
        label=page.label,
        text=text.current,
        versions=versions,
        action=page.action,
        back_url=page.back_url,
        back_text=page.back_text,
    ), (400 if form.errors else 200)
