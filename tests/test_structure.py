"""How the code is put together: one way to define and register a blueprint, models
that can be imported without the views, and one place that commits."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC_BLUEPRINTS = {"nhsuk_frontend", "assets"}


def _is_routes_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last in {"views", "blueprint"} or last.endswith("_views")


@pytest.fixture(scope="module")
def blueprints():
    from config import TestConfig
    from mhst import create_app

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return {name: bp for name, bp in app.blueprints.items() if name not in STATIC_BLUEPRINTS}


def test_every_blueprint_is_defined_in_views_or_blueprint_module(blueprints):
    """A blueprint lives in the module with its routes (``views``, ``*_views``), or in its
    package's ``blueprint`` module when its routes are spread over several; never in a
    package's ``__init__``."""
    assert blueprints
    misplaced = {name: bp.import_name for name, bp in blueprints.items()}
    misplaced = {
        name: module for name, module in misplaced.items() if not _is_routes_module(module)
    }
    assert misplaced == {}


def test_importing_the_models_imports_no_views():
    code = (
        "import sys, flask, mhst.models\n"
        "for name, module in list(sys.modules.items()):\n"
        "    if name.startswith('mhst') and any(\n"
        "        isinstance(value, flask.Blueprint) for value in vars(module).values()\n"
        "    ):\n"
        "        print(name)\n"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split() == []


# The one mechanism that commits (commit_unit and commit_operation), and the command-line
# commands and the demo loader, which run outside any request.
COMMITTERS = ("mhst/core/forms.py",)


def _may_commit(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return (
        relative in COMMITTERS
        or path.name in {"cli.py", "migrate.py"}
        or path.name == "demo.py"
        or path.name.startswith("demo_")
        or "/demo/" in relative
    )


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "commit"
    ]


def test_only_the_one_mechanism_commits():
    """Views and helpers commit through mhst.core.forms (commit_unit, commit_operation, or
    mhst.audit.operations.render_audited built on them), never with .commit() of their own."""
    found = {
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in sorted((ROOT / "mhst").rglob("*.py"))
        if not _may_commit(path)
        for line in _commits(path)
    }
    assert found == set()


def test_the_commit_check_finds_a_commit(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("def view():\n    db.session.commit()\n", encoding="utf-8")
    assert _commits(module) == [2]
    assert _commits(ROOT / "mhst" / "core" / "forms.py") != []  # the one place that does
