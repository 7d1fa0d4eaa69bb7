"""`flask synthetic-data`: the invented national data set at a tiny scale, on both
backends: the counts scale as promised, the same seed gives the same rows, and the rows
keep the app's own rules (status and history agree, caseloads of 15 to 25, the consent
gate, scores as the scoring code gives them, scoping)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text

from mhst.accounts.models import Role, User
from mhst.demo import DEMO_PASSWORD
from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.models import MeasureRecord
from mhst.outcomes.scoring import score
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralEvent, ReferralStatus
from mhst.referrals.operations import NEEDS_CONSENT, has_valid_consent
from mhst.security import scoping
from mhst.synthetic.cli import refusal
from mhst.synthetic.load import load
from mhst.synthetic.sink import COLUMNS
from mhst.synthetic.sizes import Sizes
from mhst.synthetic.summaries import refresh_summaries
from tests.conftest import AuthActions
from tests.report_facts_check import assert_summaries_match_raw_rows

SCALE = 0.001  # 1,200 referrals: every state but the rare "submitted"
TODAY = date(2026, 11, 16)


def generate(seed: int = 1, scale: float = SCALE):
    connection = db.session.connection()
    loaded = load(connection, scale, seed, TODAY, echo=lambda _: None)
    refresh_summaries(connection)
    db.session.expire_all()
    return loaded


def digest() -> str:
    """A digest of every row the generator writes (the password hash and the encrypted
    authenticator secret aside: their salt and IV are random), table by table in key
    order."""
    found = hashlib.sha256()
    connection = db.session.connection()
    for table, columns in COLUMNS.items():
        kept = [c for c in columns if c not in {"password_hash", "totp_secret_encrypted"}]
        order = ", ".join(str(n) for n in range(1, len(kept) + 1))
        names = ", ".join(f'"{c}"' for c in kept)
        query = text(f"SELECT {names} FROM {table} ORDER BY {order}")  # noqa: S608 (constants)
        for row in connection.execute(query):
            found.update(repr(tuple(row)).encode())
    return found.hexdigest()


def count(table: str) -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608


def test_counts_scale_as_promised(app):
    sizes = generate().sizes
    assert sizes == Sizes.at(SCALE)
    assert count("referral") == sizes.referrals == 1200
    assert count("school") == sizes.schools == 24
    assert count("team") == sizes.teams == 1
    assert count("service_area") == sizes.areas == 1
    # A fifth of referrals are a child's second: children and contacts come near the mark.
    assert 0.9 * sizes.children <= count("child") <= 1.1 * sizes.children
    assert 0.8 * sizes.care_contacts <= count("care_contact") <= 1.25 * sizes.care_contacts
    for table in ("measure_record", "discharge", "group_session", "supervision_case"):
        assert count(table) > 0, table
    assert count("audit_event") == count("referral_event")


def test_the_report_summaries_count_every_loaded_referral(app):
    """COPY fires no listener: the summaries are rebuilt after the load, and then equal
    a recomputation (so the reports show the generated data)."""
    generate()
    assert count("referral_fact") == count("referral") == 1200
    assert count("daily_count") > 0
    assert assert_summaries_match_raw_rows()


def test_same_seed_same_rows(app):
    connection = db.session.connection()
    digests = []
    for seed in (1, 1, 2):
        attempt = connection.begin_nested()
        generate(seed, scale=0.0005)
        digests.append(digest())
        attempt.rollback()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_every_status_agrees_with_its_last_event(app):
    generate()
    last_events = db.session.execute(
        text(
            "SELECT r.status, e.to_status, r.status_changed_at = e.occurred_at FROM referral r "
            "JOIN referral_event e ON e.id = (SELECT max(id) FROM referral_event "
            "WHERE referral_id = r.id)"
        )
    ).all()
    assert len(last_events) == count("referral")
    assert all(status == last and same_time for status, last, same_time in last_events)
    statuses = {status for status, _, _ in last_events}
    assert statuses >= set(ReferralStatus) - {ReferralStatus.SUBMITTED}


def test_each_emhp_holds_15_to_25_open_cases(app):
    generate()
    caseloads = dict(
        db.session.execute(
            select(Allocation.practitioner_id, func.count())
            .join(Referral, Referral.id == Allocation.referral_id)
            .where(Allocation.ended_at.is_(None))
            .group_by(Allocation.practitioner_id)
        ).all()
    )
    emhps = db.session.scalars(select(User.id).where(User.role == Role.EMHP)).all()
    assert emhps
    assert all(15 <= caseloads.get(emhp, 0) <= 25 for emhp in emhps), caseloads
    # A current allocation exactly where the case is open.
    open_now = db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.status.in_(OPEN_CASE_STATUSES))
    )
    assert open_now == sum(caseloads.values())


def test_the_consent_gate_held(app):
    """Every referral that went through triage, the waiting list or casework had valid
    consent (the kind right for the child's age) and none withdrawn."""
    generate()
    gated = db.session.scalars(
        select(Referral).where(
            Referral.id.in_(
                select(ReferralEvent.referral_id).where(ReferralEvent.to_status.in_(NEEDS_CONSENT))
            )
        )
    ).all()
    assert len(gated) > 100
    assert all(has_valid_consent(referral) for referral in gated)


def test_scores_are_the_scoring_codes(app):
    generate()
    definitions = available_measures()
    records = db.session.scalars(select(MeasureRecord).limit(300)).all()
    assert {r.measure_code for r in records} >= {"GBO"}
    for record in records:
        answers = {a.item_number: a.value for a in record.answers}
        expected = score(definitions[record.measure_code], answers)
        assert {s.scale: float(s.score) for s in record.scores} == expected


def test_school_leads_see_their_schools_referrals_only(app):
    generate()
    leads = db.session.scalars(
        select(User).where(User.role == Role.SCHOOL_MENTAL_HEALTH_LEAD)
    ).all()
    seen = Counter()
    for lead in leads:
        schools = db.session.scalars(
            select(Referral.school_id).where(scoping.scope(lead, Referral))
        ).all()
        assert set(schools) <= {lead.school_id}
        seen[lead.id] = len(schools)
    assert sum(seen.values()) > 0


def test_each_printed_sign_in_works(app, client):
    sign_ins = generate().staff.sign_ins()
    assert set(sign_ins) == {role.value for role in Role}
    for email in sign_ins.values():
        auth = AuthActions(client)
        assert auth.sign_in(email, DEMO_PASSWORD).headers["Location"] == "/"
        assert client.get("/").status_code == 200
        auth.sign_out()


def test_refuses_a_database_that_is_not_empty(app, make_area):
    assert refusal(db.session.connection()) is None
    make_area()
    assert "not empty" in refusal(db.session.connection())


def test_refused_where_demo_data_is_not_allowed(app):
    app.config["ALLOW_DEMO_DATA"] = False
    try:
        result = app.test_cli_runner().invoke(args=["synthetic-data", "--scale", "0.0005"])
    finally:
        app.config["ALLOW_DEMO_DATA"] = True
    assert result.exit_code != 0
    assert "not allowed" in result.output


@pytest.mark.parametrize("scale", [0, -1, 3])
def test_refuses_a_scale_out_of_range(app, scale):
    result = app.test_cli_runner().invoke(args=["synthetic-data", "--scale", str(scale)])
    assert result.exit_code != 0
    assert "--scale" in result.output
