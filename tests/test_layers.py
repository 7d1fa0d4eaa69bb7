"""The packages form layers: each imports only the layers below it, and no cycle.

Every module under ``mhst/`` is parsed with :mod:`ast`; every import counts, including
those inside functions and ``if TYPE_CHECKING:`` blocks. A lower layer that needs to
tell a higher one what happened sends a signal (``mhst/core/signals.py``) instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "mhst"

# Bottom to top: (name, packages). A package may import its own layer's packages, never
# in a cycle, and any layer below; never one above. Layers 2 and 5 have a fixed order.
LAYERS: list[tuple[str, frozenset[str]]] = [
    # Foundations: settings and paths, extensions, the database, and the pieces every
    # feature uses (forms, time, signals...).
    (
        "1",
        frozenset(
            {
                "mhst.settings",
                "mhst.paths",
                "mhst.extensions",
                "mhst.database",
                "mhst.migrate",
                "mhst.core",
            }
        ),
    ),
    ("2a", frozenset({"mhst.audit"})),  # the audit log (its page is mhst.admin's)
    ("2b", frozenset({"mhst.security"})),  # roles, permissions, scoping (audits its reads)
    ("2c", frozenset({"mhst.accounts"})),  # users, sign-in
    ("2d", frozenset({"mhst.amendments"})),  # clinical text kept as versions
    ("2e", frozenset({"mhst.jobs"})),  # background jobs: the queue, the runner, schedules
    # The register, without cycles: today organisation, then cohorts, then schools, and
    # wholeschool, rollout and admin (the user and audit log pages) above them;
    # directory on its own.
    (
        "3",
        frozenset(
            {
                "mhst.organisation",
                "mhst.cohorts",
                "mhst.schools",
                "mhst.directory",
                "mhst.wholeschool",
                "mhst.rollout",
                "mhst.admin",
                "mhst.need",  # school-level indicators of need (FSM, IMD, a survey)
            }
        ),
    ),
    # The next-cohort planner ranks schools by their need and adds them to cohorts.
    ("3b", frozenset({"mhst.planning"})),
    # Campaigns to schools: above the register and whole-school activities, which name a
    # campaign only by its table (mhst.schools.campaign_names).
    ("3c", frozenset({"mhst.campaigns"})),
    ("4", frozenset({"mhst.referrals"})),  # referrals, consent, triage; the Allocation table
    ("5a", frozenset({"mhst.sessions"})),  # 1:1 sessions and groups
    ("5b", frozenset({"mhst.outcomes"})),
    ("5c", frozenset({"mhst.supervision"})),
    ("5d", frozenset({"mhst.casework"})),  # allocation, caseloads, discharge, timeline
    ("5e", frozenset({"mhst.children"})),  # a child's records: search, page, corrections, merges
    ("5f", frozenset({"mhst.diary"})),  # diary views, today's sessions, calendar feeds
    ("5g", frozenset({"mhst.letters"})),  # letters from templates, as PDFs on the child's record
    ("5h", frozenset({"mhst.selfreferral"})),  # the public online self-referral
    ("5i", frozenset({"mhst.questionnaires"})),  # measures sent to families as links
    # Consumers: reports, the extract, home pages, demo data, the app and its models.
    (
        "6",
        frozenset(
            {
                "mhst.reports",
                "mhst.extract",
                "mhst.privacy",
                "mhst.home",
                "mhst.public",  # the public pages for families and the footer's links
                "mhst.notifications",  # told by signals from every layer below
                "mhst.demo",
                "mhst.synthetic",
                "mhst.models",
                "mhst.worker",  # the Celery worker's entry point: builds the app
                "mhst",
            }
        ),
    ),
]

# Known back-imports waiting for another change, as (importing module, imported module),
# each with the reason. None today.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "mhst.referrals.operations"
    line: int
    target: str  # the imported module, e.g. "mhst.casework.operations"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every ``mhst`` import in ``source``, wherever it is (functions, TYPE_CHECKING)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            # ``from mhst.casework import scope`` imports the module mhst.casework.scope;
            # ``from mhst.casework.scope import x`` imports mhst.casework.scope.
            targets = [
                f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base
                for alias in node.names
            ]
        else:
            continue
        found += [
            Import(module, node.lineno, target)
            for target in targets
            if target == "mhst" or target.startswith("mhst.")
        ]
    return found


def package_of(module: str, packages: Iterable[str]) -> str:
    """The most specific known package containing ``module`` ("mhst" for the app itself)."""
    matches = [p for p in packages if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else module


def layer_index(layers: list[tuple[str, frozenset[str]]]) -> dict[str, tuple[int, str]]:
    """Each package's (position, name) of its layer."""
    return {
        package: (position, name)
        for position, (name, packages) in enumerate(layers)
        for package in packages
    }


def layer_violations(
    imports: Iterable[Import],
    layers: list[tuple[str, frozenset[str]]] = LAYERS,
    allowed: frozenset[tuple[str, str]] = ALLOWED,
) -> list[str]:
    """Imports of a higher layer, and cycles between packages of one layer."""
    level = layer_index(layers)
    problems = []
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        source = package_of(imp.module, level)
        target = package_of(imp.target, level)
        if source == target or (imp.module, imp.target) in allowed:
            continue
        unplaced = [package for package in (source, target) if package not in level]
        if unplaced:
            problems += [f"{package} is in no layer: add it to LAYERS" for package in unplaced]
        elif level[target] > level[source]:
            problems.append(
                f"{imp.module} line {imp.line} imports {imp.target}: {source} "
                f"(layer {level[source][1]}) may not import {target} (layer {level[target][1]})"
            )
        elif level[target] == level[source]:
            edges.setdefault(source, {}).setdefault(target, imp)
    problems += [_describe_cycle(cycle, edges) for cycle in _cycles(edges)]
    return sorted(set(problems))


def _cycles(edges: Mapping[str, Mapping[str, Import]]) -> list[list[str]]:
    """One cycle through each package that can reach itself (packages are few)."""
    cycles, seen = [], set()
    for start in sorted(edges):
        path = _path(edges, start, start)
        if path and frozenset(path) not in seen:
            seen.add(frozenset(path))
            cycles.append(path)
    return cycles


def _path(edges, start: str, goal: str) -> list[str] | None:
    queue, came_from = [start], {}
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, {})):
            if nxt == goal:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def _describe_cycle(cycle: list[str], edges) -> str:
    steps = []
    for source, target in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        imp = edges[source][target]
        steps.append(f"{imp.module} line {imp.line} imports {imp.target}")
    return "import cycle " + " -> ".join([*cycle, cycle[0]]) + ": " + "; ".join(steps)


def project_imports() -> list[Import]:
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        found += imports_in(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    return found


def test_packages_import_only_lower_layers_and_no_cycles():
    problems = layer_violations(project_imports())
    assert not problems, "\n".join(problems)


def test_every_allowance_is_still_needed():
    used = {(imp.module, imp.target) for imp in project_imports()}
    assert not ALLOWED - used, f"remove these from ALLOWED: {sorted(ALLOWED - used)}"


def test_every_package_is_in_a_layer():
    packages = {
        module_name(path)
        for path in PACKAGE_DIR.iterdir()
        if path.suffix == ".py" or (path / "__init__.py").is_file()
    }
    assert packages - set(layer_index(LAYERS)) == set()


def test_checker_reports_a_back_import_even_inside_a_function():
    source = (
        "from mhst.referrals.models import Referral\n"
        "def close(referral):\n"
        "    from mhst.casework.models import Discharge\n"
    )
    problems = layer_violations(imports_in(source, "mhst.referrals.x"), allowed=frozenset())
    assert problems == [
        "mhst.referrals.x line 3 imports mhst.casework.models: mhst.referrals (layer 4) "
        "may not import mhst.casework (layer 5d)"
    ]


def test_checker_reports_type_checking_and_relative_back_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from mhst.schools.models import School\n"
        "from ..security import permissions\n"
    )
    problems = layer_violations(imports_in(source, "mhst.core.x"), allowed=frozenset())
    assert [problem.split(":")[0] for problem in problems] == [
        "mhst.core.x line 3 imports mhst.schools.models",
        "mhst.core.x line 4 imports mhst.security.permissions",
    ]


def test_checker_reports_a_cycle_within_a_layer():
    imports = [
        *imports_in("from mhst.cohorts.models import Cohort\n", "mhst.schools.models"),
        *imports_in("import mhst.schools.models\n", "mhst.cohorts.views"),
    ]
    assert layer_violations(imports, allowed=frozenset()) == [
        "import cycle mhst.cohorts -> mhst.schools -> mhst.cohorts: "
        "mhst.cohorts.views line 1 imports mhst.schools.models; "
        "mhst.schools.models line 1 imports mhst.cohorts.models"
    ]
