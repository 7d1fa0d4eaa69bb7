"""Every test file (or directory) with a fixture shared beyond one test is kept on one
pytest-xdist worker, so the fixture is built once (tests/conftest.py, KEPT_TOGETHER)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import KEPT_TOGETHER

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
