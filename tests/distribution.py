"""How ``make test`` spreads the tests over its pytest-xdist workers (``--dist loadgroup``).

The tests of each ``KEPT_TOGETHER`` entry (tests/conftest.py) run on one worker, which
builds their shared fixture once. The browser tests are the exception: on one worker they
were the longest part of the run, so they are split into ``BROWSER_GROUPS`` groups, each
of whose worker starts its own live server (its own SQLite file, its own port, its own
mailbox) and Chromium. A file is never split: its tests may share a module fixture.

The files are dealt out longest first, each to the group with the fewest seconds so far
(``BROWSER_SECONDS``, measured one process at a time with ``--durations``); a file not in
the table (a new journey) counts as ``NEW_BROWSER_FILE_SECONDS`` and lands in a group
without anyone editing this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

BROWSER = "tests/browser/"
BROWSER_GROUPS = 2
# Seconds per file, one process, on the 2-core machine with other work beside it
# (4 December 2026, issue 16): only the proportions matter.
BROWSER_SECONDS = {
    "test_roles.py": 177,
    "test_referral_journey.py": 60,
    "test_casework_journey.py": 59,
    "test_school_journey.py": 31,
    "test_booking_journey.py": 21,
    "test_session_amendments.py": 18,
    "test_reports_journey.py": 13,
    "test_letters_journey.py": 13,
    "test_child_journey.py": 12,
    "test_diary_journey.py": 11,
    "test_notifications_journey.py": 10,
    "test_mfa_journey.py": 10,
    "test_privacy_journey.py": 9,
    "test_reminders_journey.py": 9,
    "test_password_reset_journey.py": 4,
    # Issue 16's files, estimated from one run of the four together (164 s).
    "test_public_accessibility.py": 70,
    "test_questionnaire_journey.py": 45,
    "test_self_referral_journey.py": 30,
    "test_public_pages_journey.py": 15,
}
NEW_BROWSER_FILE_SECONDS = 15


def browser_groups(names: Iterable[str], groups: int = BROWSER_GROUPS) -> dict[str, int]:
    """The group (0 to ``groups`` - 1) of each browser test file ``names`` holds."""
    seconds = {name: BROWSER_SECONDS.get(name, NEW_BROWSER_FILE_SECONDS) for name in names}
    totals = [0] * groups
    placed: dict[str, int] = {}
    for name in sorted(seconds, key=lambda name: (-seconds[name], name)):
        group = totals.index(min(totals))
        placed[name] = group
        totals[group] += seconds[name]
    return placed


def browser_files(tests: Path) -> list[str]:
    return sorted(path.name for path in (tests / "browser").glob("test_*.py"))


DEMO_DATA_GROUP = "demo-data"


def group_of(
    nodeid: str,
    kept_together: Iterable[str],
    placed: dict[str, int],
    demo_data_tests: Iterable[str] = (),
) -> str | None:
    """The xdist group of a test: ``DEMO_DATA_GROUP`` for one of ``demo_data_tests`` (the
    tests on the demo data's database, which their worker builds once per backend), its
    ``kept_together`` entry (for a browser test, the entry and its file's group), or None
    for a test that may run anywhere."""
    if nodeid.split("[", 1)[0] in demo_data_tests:
        return DEMO_DATA_GROUP
    for prefix in kept_together:
        if not nodeid.startswith(prefix):
            continue
        if prefix == BROWSER:
            name = nodeid.removeprefix(BROWSER).split("::", 1)[0]
            return f"{BROWSER}#{placed.get(name, 0)}"
        return prefix
    return None
