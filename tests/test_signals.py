"""The signals of ``mhst.core.signals``: each connected, once, to the receivers that act
on it, and the page values merged the way the pages rely on."""

from __future__ import annotations

import pytest
from blinker import NamedSignal

from config import TestConfig
from mhst import create_app
from mhst.core import signals

EXPECTED_RECEIVERS = {
    "referral_closed": {
        "mhst.casework.receivers._end_allocation",
        "mhst.sessions.receivers._cancel_sessions_of_closed_case",
    },
    "consent_withdrawn": {"mhst.sessions.receivers._cancel_planned_sessions"},
    "referral_page": {
        "mhst.casework.receivers._referral_page",
        "mhst.letters.receivers._referral_page",
        "mhst.sessions.receivers._referral_page",
    },
    "timeline_entries": {"mhst.letters.receivers._letter_entries"},
    "referral_received": {"mhst.notifications.receivers._referral_received"},
    "referral_status_changed": {"mhst.notifications.receivers._referral_status_changed"},
    "case_allocated": {"mhst.notifications.receivers._case_allocated"},
    "case_risk_raised": {"mhst.notifications.receivers._case_risk_raised"},
    "school_visit_booked": {"mhst.notifications.receivers._school_visit_booked"},
    "interest_registered": {"mhst.notifications.receivers._interest_registered"},
    "cohort_list_page": {"mhst.schools.receivers._cohort_totals"},
    "cohort_page": {
        "mhst.schools.receivers._cohort_schools",
        "mhst.planning.receivers._cohort_decisions",
    },
    "school_page": {"mhst.need.receivers._need_card"},
}


def _receivers(signal: NamedSignal) -> list[str]:
    found = [ref() for ref in signal.receivers.values()]
    return [f"{receiver.__module__}.{receiver.__qualname__}" for receiver in found]


def test_every_signal_is_listed_here_and_documented():
    declared = {name for name, value in vars(signals).items() if isinstance(value, NamedSignal)}
    assert declared == set(EXPECTED_RECEIVERS)
    for name in declared:
        assert "Sent by" in getattr(signals, name).__doc__


def test_each_receiver_is_connected_once_however_many_apps_are_built():
    for _ in range(2):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    for name, expected in EXPECTED_RECEIVERS.items():
        receivers = _receivers(getattr(signals, name))
        assert sorted(receivers) == sorted(expected), name


def _answer(**values):
    def receiver(sender, **_):
        return values

    return receiver


def test_page_values_are_the_defaults_updated_by_each_receiver():
    responses = [(_answer(timeline=["x"]), {"timeline": ["x"]}), (_answer(), None)]
    assert signals.values_from_signal(responses, {"timeline": [], "can_reopen": False}) == {
        "timeline": ["x"],
        "can_reopen": False,
    }


def test_a_receiver_may_not_supply_a_value_the_page_does_not_declare():
    with pytest.raises(KeyError, match="'notes'"):
        signals.values_from_signal([(_answer(), {"notes": "..."})], {"timeline": []})


def test_two_receivers_may_not_supply_the_same_value():
    responses = [(_answer(), {"timeline": [1]}), (_answer(), {"timeline": [2]})]
    with pytest.raises(KeyError, match="'timeline'"):
        signals.values_from_signal(responses, {"timeline": []})
