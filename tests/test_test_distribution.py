"""Every test file (or directory) with a fixture shared beyond one test is kept on one
pytest-xdist worker, so the fixture is built once (tests/conftest.py, KEPT_TOGETHER)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import DEMO_DATA_TESTS, KEPT_TOGETHER
from tests.distribution import (
    BROWSER_GROUPS,
    BROWSER_SECONDS,
    DEMO_DATA_GROUP,
    NEW_BROWSER_FILE_SECONDS,
    browser_files,
    browser_groups,
    group_of,
)

TESTS = Path(__file__).resolve().parent
SHARED_FIXTURE = re.compile(r"""scope\s*=\s*["'](module|package|session)["']""")


def _kept_together(relative: str) -> bool:
    return any(relative.startswith(prefix) for prefix in KEPT_TOGETHER)


def test_every_file_with_a_shared_fixture_is_kept_on_one_worker():
    for path in TESTS.rglob("*.py"):
        if path == TESTS / "conftest.py" or not SHARED_FIXTURE.search(path.read_text()):
            continue  # the top conftest's session fixtures are per worker by design
        relative = path.relative_to(TESTS.parent).as_posix()
        if path.name == "conftest.py":
            relative = relative.removesuffix("conftest.py")
        assert _kept_together(relative), f"{relative} shares a fixture: add it to KEPT_TOGETHER"


def test_each_kept_together_entry_names_tests_that_exist():
    for prefix in KEPT_TOGETHER:
        assert (TESTS.parent / prefix).exists(), prefix


def test_every_browser_file_has_a_group_and_the_groups_are_balanced():
    names = browser_files(TESTS)
    placed = browser_groups(names)
    assert sorted(placed) == names
    assert set(placed.values()) == set(range(BROWSER_GROUPS))
    totals = [0] * BROWSER_GROUPS
    for name, group in placed.items():
        totals[group] += BROWSER_SECONDS.get(name, NEW_BROWSER_FILE_SECONDS)
    longest_file = max(BROWSER_SECONDS.get(name, NEW_BROWSER_FILE_SECONDS) for name in names)
    assert max(totals) - min(totals) <= longest_file


def test_a_new_browser_file_lands_in_a_group_without_editing_the_table():
    names = [*browser_files(TESTS), "test_a_journey_not_yet_written.py"]
    placed = browser_groups(names)
    assert placed["test_a_journey_not_yet_written.py"] in range(BROWSER_GROUPS)
    nodeid = "tests/browser/test_a_journey_not_yet_written.py::test_it[x]"
    group = placed["test_a_journey_not_yet_written.py"]
    assert group_of(nodeid, KEPT_TOGETHER, placed) == f"tests/browser/#{group}"


def test_the_tests_of_one_file_stay_in_one_group():
    placed = browser_groups(browser_files(TESTS))
    roles = {
        group_of(f"tests/browser/test_roles.py::test_each_role[{role}]", KEPT_TOGETHER, placed)
        for role in ("emhp", "administrator", "commissioner")
    }
    assert len(roles) == 1
    assert group_of("tests/test_backup.py::test_x", KEPT_TOGETHER, placed) == "tests/test_backup.py"
    assert group_of("tests/test_triage.py::test_x", KEPT_TOGETHER, placed) is None


def test_the_tests_on_the_demo_data_are_one_group_of_tests_that_exist():
    for nodeid in DEMO_DATA_TESTS:
        path, name = nodeid.split("::")
        assert f"def {name}(" in (TESTS.parent / path).read_text(), nodeid
        assert group_of(f"{nodeid}[sqlite]", KEPT_TOGETHER, {}, DEMO_DATA_TESTS) == (
            DEMO_DATA_GROUP
        )
    other = "tests/test_demo_data.py::test_every_demo_referral_reads_in_order_and_loading_again"
    assert group_of(f"{other}_changes_nothing[sqlite]", KEPT_TOGETHER, {}, DEMO_DATA_TESTS) is None
