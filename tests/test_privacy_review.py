"""The retention review: closed records past their retention date listed (paginated) for
administrators and clinical leads, who approve deletion or pseudonymisation with a reason;
``flask retention-review`` applies them and reports counts only (``--dry-run`` lists)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.amendments.models import TextVersion
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.core.time import service_today
from mhst.demo import load_demo_data
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from mhst.privacy import graph
from mhst.privacy.disposal import pseudonymise
from mhst.privacy.models import RetentionAction, RetentionDecision
from mhst.privacy.retention import anniversary
from mhst.privacy.review import ListPage, past_retention
from mhst.referrals.models import Child, Referral, ReferralStatus
from mhst.reports.filters import ReportAccess, default_filters
from mhst.reports.queries import REPORTS, build_report
from tests.conftest import AuthActions
from tests.test_privacy_graph import amended

TODAY = service_today()


@pytest.fixture
def closed_child(world, make_referral):
    """Make a child born ``years_old`` years ago whose one referral closed when they were
    ``age_at_end`` (or is still open)."""

    def make(name: str, years_old: int, age_at_end: int = 15, *, closed: bool = True) -> Child:
        born = anniversary(TODAY, -years_old) - timedelta(days=10)
        referral = make_referral(
            world.school_a1,
            by=world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
            child={
                "given_name": name,
                "family_name": "Retained",
                "date_of_birth": born,
                "nhs_number": "4010234563",
                "parent_carer_email": "parent@retained.example",
            },
            needs_detail=f"{name} has worried since the move.",
        )
        if closed:
            referral.status = ReferralStatus.SIGNPOSTED
            referral.closed_on = anniversary(born, age_at_end) + timedelta(days=30)
        db.session.commit()
        return referral.child

    return make


@pytest.fixture
def admin(world, client) -> AuthActions:
    auth = AuthActions(client)
    assert auth.sign_in(world.users[Role.ADMINISTRATOR].email).status_code == 302
    return auth


def test_the_review_lists_closed_records_past_their_retention_date_only(world, closed_child, admin):
    due = closed_child("Dora", 26)
    closed_child("Young", 20)  # kept to 25
    closed_child("Late", 25, age_at_end=17)  # 25 ten days ago, but 17 at the end: kept to 26
    closed_child("Open", 29, closed=False)
    assert [c.child_id for c in past_retention(world.users[Role.ADMINISTRATOR], TODAY)] == [due.id]
    page = admin.client.get("/privacy/retention").get_data(as_text=True)
    assert "Dora Retained" in page
    for name in ("Young", "Late", "Open"):
        assert f"{name} Retained" not in page
    assert "To review" in page
    reads = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == AuditRecordType.CHILD,
        AuditEvent.record_id == str(due.id),
    )
    assert db.session.scalar(reads) == 1


def test_the_list_is_paginated(world, closed_child, admin):
    for n in range(26):
        closed_child(f"Pagina{chr(ord('a') + n)}", 27)
    assert len(past_retention(world.users[Role.CLINICAL_LEAD], TODAY)) == 26
    first = admin.client.get("/privacy/retention").get_data(as_text=True)
    assert first.count("Retained</a>") == 25
    assert "Page 2 of 2" in first
    second = admin.client.get("/privacy/retention?page=2").get_data(as_text=True)
    assert second.count("Retained</a>") == 1
    assert admin.client.get("/privacy/retention?page=x").status_code == 200


def test_list_pages():
    page = ListPage.of(list(range(51)), 3)
    assert (page.items, page.pages, page.has_prev, page.has_next) == ([50], 3, True, False)
    assert ListPage.of([], 5).pages == 1
    assert ListPage.of(list(range(30)), 99).page == 2  # past the end: the last page


def _decisions() -> list[RetentionDecision]:
    return db.session.scalars(select(RetentionDecision).order_by(RetentionDecision.id)).all()


def test_approving_a_decision_needs_an_action_and_a_reason_without_the_childs_details(
    closed_child, admin
):
    child = closed_child("Dora", 26)
    url = f"/privacy/retention/{child.id}"
    assert "Review the record of Dora Retained" in admin.client.get(url).get_data(as_text=True)
    missing = admin.post(url, {})
    assert missing.status_code == 400
    assert "Select delete or pseudonymise" in missing.get_data(as_text=True)
    named = admin.post(url, {"action": "delete", "reason": "Dora's record is past its date"})
    assert named.status_code == 400
    assert "must not name the child" in named.get_data(as_text=True)
    done = admin.post(url, {"action": "pseudonymise", "reason": "Past its retention date."})
    assert done.status_code == 302
    (decision,) = _decisions()
    assert (decision.child_id, decision.action) == (child.id, RetentionAction.PSEUDONYMISE)
    assert decision.applied_at is None
    assert "To be pseudonymised" in admin.client.get("/privacy/retention").get_data(as_text=True)
    again = admin.post(url, {"action": "delete", "reason": "Past its retention date."})
    assert again.status_code == 200  # the page now says it is waiting, with no form
    assert len(_decisions()) == 1
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.CREATE,
            AuditEvent.record_type == AuditRecordType.RETENTION_DECISION,
        )
    )


def test_a_record_not_past_its_date_cannot_be_approved(closed_child, admin):
    child = closed_child("Young", 20)
    url = f"/privacy/retention/{child.id}"
    response = admin.post(url, {"action": "delete", "reason": "Tidy up."})
    assert response.status_code == 200
    assert "not past its retention date" in response.get_data(as_text=True)
    assert _decisions() == []


def _approve(admin, child, action: str) -> None:
    url = f"/privacy/retention/{child.id}"
    response = admin.post(url, {"action": action, "reason": "Past its retention date."})
    assert response.status_code == 302


PERSONAL = ("Retained", "4010234563", "parent@retained", "has worried", "Sam Invented")


def test_the_command_pseudonymises_and_deletes_what_was_approved(app, world, closed_child, admin):
    kept, gone = closed_child("Pia", 26), closed_child("Dan", 27)
    kept_id, gone_id, born = kept.id, gone.id, kept.date_of_birth
    referral = db.session.scalars(select(Referral).where(Referral.child_id == kept_id)).one()
    senior = world.users[Role.SENIOR_CLINICIAN]
    amended(referral, AuditRecordType.REFERRAL, "needs_detail", senior, new_text="Pia Retained.")
    db.session.commit()
    _approve(admin, kept, "pseudonymise")
    _approve(admin, gone, "delete")
    # The requests' units sit inside this session's savepoint: end it, or the dry run's
    # rollback would take the approvals with it (as two processes, they are apart).
    db.session.commit()
    counts = graph.collect([kept_id]).counts()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention-review", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would be pseudonymised: 1 child's record, 1 referral" in dry.output
    assert "1 record would be pseudonymised; 1 record would be deleted." in dry.output
    assert all(decision.applied_at is None for decision in _decisions())
    assert db.session.get(Child, gone_id).given_name == "Dan"

    result = runner.invoke(args=["retention-review"])
    assert result.exit_code == 0, result.output
    assert "1 record were pseudonymised; 1 record were deleted." in result.output
    for text in (*PERSONAL, "Pia", "Dan", str(kept_id), str(gone_id)):
        assert text not in result.output.replace("Decision", ""), text
    db.session.expire_all()
    child = db.session.get(Child, kept_id)
    assert (child.given_name, child.family_name, child.nhs_number) == (
        "Pseudonymised",
        "record",
        None,
    )
    assert (child.parent_carer_name, child.parent_carer_email) == (None, None)
    assert child.date_of_birth == born.replace(day=1)
    (referral,) = child.referrals
    assert (referral.needs_detail, referral.status) == ("", ReferralStatus.SIGNPOSTED)
    assert child.parent_carer_phone is None
    assert referral.already_tried == ""  # was "Time with the pastoral lead."
    versions = db.session.scalars(select(TextVersion).order_by(TextVersion.version)).all()
    assert [(v.field, v.version, v.text, v.reason) for v in versions] == [
        ("needs_detail", 1, None, None),
        ("needs_detail", 2, None, None),
    ]
    assert graph.collect([kept_id]).counts() == counts  # every row kept, for the figures
    assert db.session.get(Child, gone_id) is None
    assert graph.collect([gone_id]).counts() == {}
    decisions = _decisions()
    assert [d.child_id for d in decisions] == [kept_id, None]  # the register outlives it
    assert all(d.applied_at is not None for d in decisions)
    assert decisions[1].reason == "Past its retention date."
    assert "1 referral" in decisions[1].outcome
    again = runner.invoke(args=["retention-review"])
    assert "No approved decisions to apply." in again.output
    assert "Pia Retained" not in admin.client.get("/privacy/retention").get_data(as_text=True)


def test_deleting_takes_the_staff_notifications_linking_to_it_pseudonymising_keeps_them(
    app, world, closed_child, admin
):
    kept, gone = closed_child("Pia", 26), closed_child("Dan", 27)
    emhp = world.users[Role.EMHP]

    def linking(child: Child) -> list[int]:
        referral_id = db.session.scalars(
            select(Referral.id).where(Referral.child_id == child.id)
        ).one()
        return db.session.scalars(
            select(Notification.id).where(
                Notification.endpoint == "referrals.show", Notification.record_id == referral_id
            )
        ).all()

    for child in (kept, gone):
        referral_id = child.referrals[0].id
        notify([emhp], K.CASE_ALLOCATED, "Case", endpoint="referrals.show", record_id=referral_id)
    db.session.commit()
    kept_links, gone_links = linking(kept), linking(gone)
    assert kept_links
    assert gone_links
    _approve(admin, kept, "pseudonymise")
    _approve(admin, gone, "delete")
    db.session.commit()  # as above: the approvals are committed apart from this session
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention-review", "--dry-run"])
    assert "would be deleted: 1 child's record" in dry.output
    assert f"{len(gone_links)} staff notification" in dry.output.split("would be deleted")[1]
    assert "staff notification" not in dry.output.split("would be deleted")[0]
    result = runner.invoke(args=["retention-review"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert linking(kept) == kept_links  # the record is kept: its links still open it
    assert (
        db.session.scalars(select(Notification.id).where(Notification.id.in_(gone_links))).all()
        == []
    )
    assert f"{len(gone_links)} staff notification" in _decisions()[1].outcome


def test_the_command_leaves_a_record_no_longer_due(app, world, closed_child, admin):
    child = closed_child("Rhea", 26)
    _approve(admin, child, "delete")
    db.session.commit()  # as above: the approval is committed apart from this session
    referral = db.session.scalars(select(Referral).where(Referral.child_id == child.id)).one()
    referral.status = ReferralStatus.READY_FOR_TRIAGE  # reopened meanwhile
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention-review"])
    assert result.exit_code == 0, result.output
    assert "left as it is" in result.output
    assert db.session.get(Child, child.id) is not None
    assert _decisions()[0].applied_at is None


def _report_figures(access: ReportAccess) -> list[str]:
    filters = replace(default_filters(access, TODAY), date_from=TODAY - timedelta(days=400))
    return [
        repr(section.rows)
        for slug in REPORTS
        for section in build_report(slug, filters, access, TODAY).sections
    ]


def test_pseudonymising_every_demo_child_keeps_every_report_figure(app, demo_data):
    load_demo_data()
    access = ReportAccess(team_id=None, always_suppressed=False)
    before = _report_figures(access)
    records = graph.collect(db.session.scalars(select(Child.id)).all())
    changed = pseudonymise(records)
    db.session.expire_all()
    assert changed["child"] == len(records.of("child"))
    assert _report_figures(access) == before
    assert set(db.session.scalars(select(Child.given_name))) == {"Pseudonymised"}
    assert db.session.scalar(select(func.count()).where(Referral.needs_detail != "")) == 0
