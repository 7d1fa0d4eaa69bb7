"""The clinical safety file's hazard log names the tests that prove each control: this
fails when one of them does not exist, when a hazard has none, or when a hazard the
service must consider is missing from the log."""

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAFETY = ROOT / "docs" / "clinical-safety"
HAZARD_LOG = SAFETY / "hazard-log.md"
NODE_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
RISK = re.compile(
    r"\*\*Initial risk:\*\* S(\d) L(\d) R(\d)\. \*\*Residual risk:\*\* S(\d) L(\d) R(\d)\."
)
PARTS = ("**Effect:**", "**Causes:**", "**Controls:**", "**Tests:**")

# The hazards issue 12 names; each must have an entry (matched on its heading).
REQUIRED_HAZARDS = (
    "A referral is lost",
    "A high-risk referral is not seen the same day",
    "Consent is bypassed",
    "A wrong child's record is opened, or two children's records are merged",
    "Clinical notes are lost or altered",
    "Data is seen by the wrong school or team",
    "A wrong contact is sent in the national extract",
)


def hazards(text: str) -> dict[str, str]:
    """Heading -> body, for each ``## HAZ-nn: heading`` section."""
    sections = re.split(r"^## (HAZ-\d+: .+)$", text, flags=re.MULTILINE)
    return dict(zip(sections[1::2], sections[2::2], strict=True))


@cache
def defined_tests(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def problems(text: str, root: Path = ROOT) -> list[str]:
    found = []
    for heading, body in hazards(text).items():
        for part in PARTS:
            if part not in body:
                found.append(f"{heading}: no {part.strip('*:')} part")
        if not RISK.search(body):
            found.append(f"{heading}: no initial and residual risk")
        names = NODE_ID.findall(body)
        if not names:
            found.append(f"{heading}: names no test")
        for file, name in names:
            path = root / file
            if not path.is_file():
                found.append(f"{heading}: {file} does not exist")
            elif name not in defined_tests(path):
                found.append(f"{heading}: {file} has no test {name}")
    return found


def test_every_test_the_hazard_log_names_exists():
    assert problems(HAZARD_LOG.read_text(encoding="utf-8")) == []


def test_the_log_covers_every_hazard_the_service_must_consider():
    headings = [heading.split(": ", 1)[1] for heading in hazards(HAZARD_LOG.read_text())]
    missing = [hazard for hazard in REQUIRED_HAZARDS if hazard not in headings]
    assert missing == []


def test_no_residual_risk_is_above_what_the_file_allows():
    for heading, body in hazards(HAZARD_LOG.read_text(encoding="utf-8")).items():
        s1, l1, r1, s2, l2, r2 = (int(n) for n in RISK.search(body).groups())
        assert r2 <= 2, heading  # the README: above 2 needs the CSO's written justification
        assert r2 <= r1, heading
        assert s2 <= s1, heading  # controls lower likelihood; they never make harm worse
        assert l2 <= l1, heading


def test_the_check_reports_a_missing_test_a_missing_file_and_a_hazard_without_tests():
    log = """
## HAZ-01: Something

- **Effect:** e
- **Causes:** c
- **Controls:** k
- **Initial risk:** S3 L3 R3. **Residual risk:** S3 L1 R1.
- **Tests:**
  - `tests/test_clinical_safety_file.py::test_that_was_renamed`
  - `tests/test_nowhere.py::test_anything`

## HAZ-02: Nothing proved

- **Effect:** e
- **Causes:** c
- **Controls:** k
- **Tests:** none yet
"""
    assert problems(log) == [
        "HAZ-01: Something: tests/test_clinical_safety_file.py has no test test_that_was_renamed",
        "HAZ-01: Something: tests/test_nowhere.py does not exist",
        "HAZ-02: Nothing proved: no initial and residual risk",
        "HAZ-02: Nothing proved: names no test",
    ]


def test_the_safety_file_has_its_readme_and_dpia():
    for name in ("README.md", "hazard-log.md", "dpia.md"):
        assert (SAFETY / name).is_file(), name
    dpia = (SAFETY / "dpia.md").read_text(encoding="utf-8")
    for heading in ("Lawful basis", "Retention", "Rights of the child and family", "Risks"):
        assert f"## {heading}" in dpia, heading
