"""Build step: a wheel carries copies of the folders the app reads at run time.

The metadata is in pyproject.toml. ``build_py`` also copies the repository's
``templates/``, ``static/``, ``migrations/`` with ``alembic.ini``, and nhsuk-frontend's
``dist/nhsuk`` (from ``node_modules``: run ``npm ci`` first) into ``mhst/_bundled/`` in
the build directory; ``mhst/paths.py`` finds them there. An editable install
(``pip install -e .``) copies nothing: it uses the repository's folders directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

# Where each bundled copy comes from, relative to the repository (see mhst/paths.py).
BUNDLE = {
    "templates": "templates",
    "static": "static",
    "migrations": "migrations",
    "alembic.ini": "alembic.ini",
    "nhsuk-frontend": "node_modules/nhsuk-frontend/dist/nhsuk",
}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "mhst" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        for name, source in BUNDLE.items():
            source_path = HERE / source
            if not source_path.exists():
                raise SystemExit(
                    f"Cannot build: {source} is missing"
                    + (" (run npm ci first)" if source.startswith("node_modules") else "")
                )
            if source_path.is_dir():
                shutil.copytree(source_path, target / name, ignore=IGNORE)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source_path, target / name)


setup(cmdclass={"build_py": BuildPyWithBundle})
