"""A campaign's resources: links (an https address) and files (checked, kept in the
database), added from the campaign's page; staff download the files here."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from mhst.campaigns import downloads, files, operations
from mhst.campaigns.blueprint import bp
from mhst.campaigns.forms import FileForm, LinkForm
from mhst.campaigns.views import campaign_or_404
from mhst.core.forms import apply_rule_error, commit_operation, failed
from mhst.core.rules import RuleError
from mhst.security.http import allows_large_body
from mhst.security.permissions import Permission, requires

UPLOAD_SLACK_BYTES = 64 * 1024  # the form's other fields and the multipart framing


@bp.route("/<int:campaign_id>/links/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def new_link(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    form = LinkForm()
    if form.validate_on_submit():
        resource = commit_operation(
            form,
            operations.add_link,
            campaign,
            title=form.title.data,
            url=form.url.data,
            by=current_user,
        )
        if not failed(resource):
            flash(f"Link “{resource.title}” added.", "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template("campaigns/link_form.html", form=form, campaign=campaign), (
        400 if form.errors else 200
    )


def _uploaded(form: FileForm) -> tuple[str, bytes] | None:
    """The file's name and bytes, or None with the reason on the file field. The upload
    (a temporary file, for a large one) is closed either way."""
    upload = form.file.data
    try:
        if (request.content_length or 0) > files.MAX_FILE_BYTES + UPLOAD_SLACK_BYTES:
            too_big = f"The selected file must be smaller than {files.MAX_FILE_WORDS}"
            apply_rule_error(form, RuleError("file", too_big))
            return None
        return upload.filename or "", upload.read(files.MAX_FILE_BYTES + 1)
    finally:
        upload.close()


@bp.route("/<int:campaign_id>/files/new", methods=["GET", "POST"])
@allows_large_body
@requires(Permission.MANAGE_CAMPAIGNS)
def new_file(campaign_id: int):
    campaign = campaign_or_404(campaign_id)
    form = FileForm()
    if form.validate_on_submit() and (uploaded := _uploaded(form)) is not None:
        file_name, data = uploaded
        resource = commit_operation(
            form,
            operations.add_file,
            campaign,
            title=form.title.data,
            file_name=file_name,
            data=data,
            by=current_user,
        )
        if not failed(resource):
            flash(f"File “{resource.title}” added.", "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return render_template(
        "campaigns/file_form.html",
        form=form,
        campaign=campaign,
        allowed=files.ALLOWED_WORDS,
        limit=files.MAX_FILE_WORDS,
    ), 400 if form.errors else 200


@bp.get("/<int:campaign_id>/files/<int:resource_id>")
@requires(Permission.MANAGE_CAMPAIGNS)
def download(campaign_id: int, resource_id: int):
    campaign = campaign_or_404(campaign_id)
    return downloads.file_response(downloads.file_of(campaign.id, resource_id))
