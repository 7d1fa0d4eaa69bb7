"""The extract's referral ids, found without joining the events (``_referral_ids``), are
the ones its rows' query selects (``_referrals_in``, which joins each referral's last
events before the period's start and end), in the same order: for histories with events
just before, at and just after the period's edges, closed statuses and open ones."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from mhst.accounts.models import Role
from mhst.extensions import db
from mhst.extract.files import _referral_ids, _referrals_in
from mhst.extract.period import Period
from mhst.referrals.models import Referral, ReferralEvent, ReferralStatus

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
TICK = timedelta(microseconds=1)
MOMENTS = (
    PERIOD.starts_at - timedelta(days=3),
    PERIOD.starts_at - TICK,
    PERIOD.starts_at,
    PERIOD.starts_at + timedelta(days=10),
    PERIOD.ends_before - TICK,
    PERIOD.ends_before,
)
history = st.lists(
    st.tuples(st.sampled_from(list(ReferralStatus)), st.sampled_from(MOMENTS)), max_size=4
)
referral_state = st.tuples(
    history,
    st.sampled_from([date(2026, 9, 1), date(2026, 10, 20), date(2026, 11, 5)]),
    st.sampled_from([None, date(2026, 9, 20), date(2026, 10, 15)]),
)


def _old_ids() -> list[int]:
    stmt = _referrals_in(PERIOD, Referral.id).with_only_columns(Referral.id)
    return list(db.session.scalars(stmt))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(states=st.lists(referral_state, min_size=3, max_size=3))
def test_the_ids_are_the_rows_querys_in_its_order(
    app, make_school, make_user, make_referral, states
):
    if not db.session.scalar(db.select(db.func.count()).select_from(Referral)):
        school = make_school()
        user = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
        for _ in range(3):
            make_referral(school, by=user)
    referral_ids = list(db.session.scalars(db.select(Referral.id).order_by(Referral.id)))
    savepoint = db.session.begin_nested()
    try:
        for referral_id, (events, received_on, closed_on) in zip(referral_ids, states, strict=True):
            db.session.execute(
                update(Referral)
                .where(Referral.id == referral_id)
                .values(received_on=received_on, closed_on=closed_on)
            )
            for status, moment in events:  # one at a time: ids in the list's order
                db.session.add(
                    ReferralEvent(referral_id=referral_id, to_status=status, occurred_at=moment)
                )
                db.session.flush()
        assert list(db.session.scalars(_referral_ids(PERIOD))) == _old_ids()
    finally:
        savepoint.rollback()
