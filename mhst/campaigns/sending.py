"""Sending a campaign's emails through GOV.UK Notify (:mod:`mhst.core.notify`, the
reminders' channel) as a background job, in batches: 24,000 schools nationally are never
sent within a request.

Each batch of queued recipients is claimed with one conditional ``UPDATE ... RETURNING``
(queued -> sending) and committed *before* Notify is called, so two jobs for one campaign
(a double submit) send each school once; a claim left ``sending`` by a worker that died
mid-batch is not sent again (it shows as "Being sent"). Each school's email carries its
own link to the public campaign page, a random token of which only the SHA-256 is kept.

The Notify template (``NOTIFY_CAMPAIGN_EMAIL_TEMPLATE_ID``) is expected to have the
subject ``((subject))`` (the campaign's name: no personal data) and the body
``((message))``, ``((resources))`` and ``((link))``; it may also show ``((link_ends))``,
the last day the link works (a date: no personal data). Without a Notify key nothing is sent:
the message is written to the log (the address redacted) and, in development
(``DEV_OUTBOX``), kept on the recipient's row.

Every 10 minutes the emails Notify accepted in the last week are checked and marked
delivered or failed, as reminders are.
"""

from __future__ import annotations

import csv
import logging
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import select, update

from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.campaigns import expiry, recipients
from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
from mhst.core import notify
from mhst.core.formatting import format_date
from mhst.core.forms import commit_unit
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.jobs.registry import JobError, JobRun, job_kind
from mhst.jobs.schedule import scheduled
from mhst.security.permissions import Permission

log = logging.getLogger(__name__)

KIND = "campaign-send"
BATCH = 200
STATUS_CHECK_DAYS = 7  # Notify keeps a notification's status for 7 days
STATUS_BATCH = 500


def page_url(token: str) -> str:
    """The public campaign page's full address: this request's host, or SERVICE_URL."""
    if has_request_context():
        return url_for("campaign_public.page", token=token, _external=True)
    return f"{current_app.config['SERVICE_URL'].rstrip('/')}/campaign/{token}"


def resource_lines(campaign: Campaign) -> str:
    lines = []
    for resource in campaign.resources:
        if resource.is_file:
            lines.append(f"* {resource.title} (a file: download it from the campaign page)")
        else:
            lines.append(f"* {resource.title}: {resource.url}")
    return "\n".join(lines) or "None"


def personalisation(campaign: Campaign, token: str) -> dict[str, str]:
    """What the template fills in: the campaign's words and the school's own link."""
    return {
        "subject": campaign.name,
        "message": campaign.message,
        "resources": resource_lines(campaign),
        "link": page_url(token),
        # The last day the link works (mhst/campaigns/expiry.py): a date, nothing personal.
        "link_ends": format_date(expiry.ends_on(campaign, utcnow())),
    }


def message_text(values: dict[str, str]) -> str:
    """The email as a school reads it: what the development outbox shows."""
    return (
        f"Subject: {values['subject']}\n\n{values['message']}\n\nResources:\n"
        f"{values['resources']}\n\nThe campaign's page (the link works until "
        f"{values['link_ends']}): {values['link']}"
    )


def _claim_batch(campaign_id: int) -> list[int]:
    batch = (
        select(CampaignRecipient.id)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.state == RecipientState.QUEUED,
        )
        .order_by(CampaignRecipient.id)
        .limit(BATCH)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id.in_(batch), CampaignRecipient.state == RecipientState.QUEUED)
        .values(state=RecipientState.SENDING)
        .returning(CampaignRecipient.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars())


def _outcome(campaign: Campaign, recipient: CampaignRecipient, address: str | None) -> dict:
    """Send one claimed recipient's email; the values to record on its row."""
    if address is None:
        return {"state": RecipientState.NO_ADDRESS}
    template = current_app.config.get("NOTIFY_CAMPAIGN_EMAIL_TEMPLATE_ID")
    if template is None and notify.configured():
        return {
            "state": RecipientState.FAILED,
            "address": address,
            "error": "No Notify campaign email template is set up",
        }
    token = recipients.new_token(recipient)
    values = personalisation(campaign, token)
    try:
        sent = notify.send_notify_email(
            address, template or "none", values, f"campaign-recipient-{recipient.id}"
        )
    except notify.NotifyError as error:
        return {"state": RecipientState.FAILED, "address": address, "error": error.message}
    outcome = {"state": RecipientState.SENT, "address": address, "sent_at": utcnow()}
    if sent.logged:
        if current_app.config.get("DEV_OUTBOX"):
            outcome["logged_text"] = message_text(values)[:4000]
    else:
        outcome["notify_id"] = sent.notification_id
    return outcome


def send_batch(campaign: Campaign) -> list[CampaignRecipient]:
    """Claim (and commit) a batch of the campaign's queued recipients, then send each;
    the outcomes are left in the session for the caller to commit. Empty when none is
    left."""
    ids = commit_unit(_claim_batch, campaign.id)
    if not ids:
        return []
    batch = list(
        db.session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.id.in_(ids))
            .options(db.joinedload(CampaignRecipient.school))
            .order_by(CampaignRecipient.id)
        )
    )
    found = recipients.addresses([r.school_id for r in batch])
    for recipient in batch:
        for name, value in _outcome(campaign, recipient, found.get(recipient.school_id)).items():
            setattr(recipient, name, value)
    return batch


def _commit(_done: int, _total: int) -> None:
    """Outside a job (which commits with its progress): commit each batch's outcomes."""
    commit_unit(lambda: None)


def send_all(campaign: Campaign, progress=_commit, writer=None) -> int:
    """Send every queued recipient of ``campaign``, batch by batch; returns how many."""
    total = recipients.queued_count(campaign.id)
    done = 0
    progress(0, total)
    while batch := send_batch(campaign):
        done += len(batch)
        if writer is not None:
            for r in batch:
                writer.writerow([r.school.urn, r.school.name, r.state.label])
        progress(done, max(total, done))  # commits the batch's outcomes
    return done


@job_kind(
    KIND,
    title="Campaign emails",
    permission=Permission.MANAGE_CAMPAIGNS,
    unit="schools",
    suffix=".csv",
    mimetype="text/csv",
    back_endpoint="campaigns.index",
    describe=lambda parameters: f"{parameters.get('name', 'A campaign')} sent to schools",
    heading="Sending a campaign to schools",
    done_text=(
        "Every school's email has been handed to the email service. The campaign's page "
        "shows which schools have received it; this file lists what became of each email "
        "when it was sent. Every download is recorded in the audit log."
    ),
    back_text="Back to campaigns",
)
def send_job(run: JobRun) -> str:
    """The job: send the campaign's queued emails; its file lists what became of each."""
    campaign = db.session.get(Campaign, run.parameters["campaign_id"])
    if campaign is None:
        raise JobError("The campaign is no longer there")
    with run.path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["URN", "School", "State"])
        sent = send_all(campaign, run.progress, writer)
    audit.record(  # committed with the job's DONE status (mhst.jobs.runner)
        AuditAction.UPDATE,
        AuditRecordType.CAMPAIGN,
        campaign.id,
        user=run.user,
        detail=f"emails sent to {sent} schools",
    )
    return f"campaign-{campaign.id}-sent.csv"


def parameters(campaign: Campaign) -> dict:
    return {"campaign_id": campaign.id, "name": campaign.name}


# ---- what became of them ---------------------------------------------------------------


def _checked_values(notification_id: str, now: datetime) -> dict | None:
    try:
        status = notify.notification_status(notification_id)
    except notify.NotifyError as error:
        log.warning("campaign email status not read: %s", error.message)
        return None
    values: dict = {"status_checked_at": now}
    if status == notify.DELIVERED:
        values["state"] = RecipientState.DELIVERED
    elif status in notify.FAILURES:
        values.update(state=RecipientState.FAILED, error=notify.FAILURES[status])
    return values


@scheduled("check-campaign-emails", timedelta(minutes=10))
def check_campaign_emails(now: datetime | None = None) -> int:
    """Every 10 minutes: ask Notify what became of the campaign emails it accepted in the
    last week (not yet opened); returns how many were found delivered or failed."""
    now = now or utcnow()
    if not notify.configured():
        return 0
    waiting = db.session.scalars(
        select(CampaignRecipient)
        .where(
            CampaignRecipient.state == RecipientState.SENT,
            CampaignRecipient.notify_id.is_not(None),
            CampaignRecipient.sent_at >= now - timedelta(days=STATUS_CHECK_DAYS),
        )
        .order_by(CampaignRecipient.status_checked_at.is_not(None), CampaignRecipient.id)
        .limit(STATUS_BATCH)
    ).all()
    settled = 0
    for recipient in waiting:
        values = _checked_values(recipient.notify_id, now)
        if values is None:
            continue
        settled += "state" in values
        for name, value in values.items():
            setattr(recipient, name, value)
        db.session.flush()
    return settled
