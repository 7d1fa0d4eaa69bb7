"""The signals of ``mhst.core.signals``: each connected, once, to the receivers that act
on it."""

from __future__ import annotations

from blinker import NamedSignal

from config import TestConfig
from mhst import create_app
from mhst.core import signals

EXPECTED_RECEIVERS = {
    "referral_closed": {"mhst.casework.receivers._end_allocation"},
    "consent_withdrawn": {"mhst.sessions.receivers._cancel_planned_sessions"},
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
