"""The package installs: a built wheel carries the templates, static files, migrations,
nhsuk-frontend and outcome measures, and the app runs from it outside the repository.

The wheel is built from a copy of the working tree (the build leaves nothing behind in the
repository) with the virtualenv's setuptools and no package index, so no network is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from mhst.core.frontend_css import without_font_host

ROOT = Path(__file__).resolve().parents[1]
NHSUK_DIST = Path("node_modules", "nhsuk-frontend", "dist", "nhsuk")
# The wheel's copy of each repository folder (the layout mhst/paths.py reads).
BUNDLED = {
    "templates": "mhst/_bundled/templates",
    "static": "mhst/_bundled/static",
    "migrations": "mhst/_bundled/migrations",
    str(NHSUK_DIST): "mhst/_bundled/nhsuk-frontend",
}
NOT_COPIED = {".git", ".venv", "node_modules", "build", "dist", "instance", "test-results"}


def _ignore(directory: str, names: list[str]) -> list[str]:
    top = Path(directory) == ROOT
    return [
        name
        for name in names
        if name == "__pycache__"
        or name.endswith((".pyc", ".egg-info", "_cache"))
        or (top and name in NOT_COPIED)
    ]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        args, capture_output=True, text=True, timeout=180, check=False, **kwargs
    )
    assert result.returncode == 0, f"{args[:4]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_ignore)
    shutil.copytree(ROOT / NHSUK_DIST, source / NHSUK_DIST)
    pip = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps"]
    _run([*pip, "--no-build-isolation", "--no-index", "-w", str(work / "dist"), "-q"])
    (built,) = (work / "dist").glob("mhst_case_manager-*.whl")
    return built


def _repository_files(folder: str) -> set[str]:
    return {
        path.relative_to(ROOT / folder).as_posix()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_carries_what_the_app_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, copy in BUNDLED.items():
        files = _repository_files(folder)
        assert files, f"nothing in {folder}"
        missing = sorted(f"{copy}/{name}" for name in files if f"{copy}/{name}" not in names)
        assert not missing, f"{folder} files missing from the wheel: {missing[:5]}"
    measures = sorted(path.name for path in (ROOT / "mhst/outcomes/measures").glob("*.json"))
    assert measures
    expected = {
        "mhst/_bundled/alembic.ini",
        "mhst/_bundled/migrations/env.py",
        "mhst/_bundled/migrations/script.py.mako",
        "mhst/_bundled/templates/layout.html",
        "mhst/_bundled/nhsuk-frontend/nhsuk-frontend.min.css",
        "mhst/_bundled/nhsuk-frontend/nhsuk-frontend.min.js",
        "mhst/_bundled/nhsuk-frontend/assets/images/favicon.svg",
        "mhst/settings.py",
        "mhst/paths.py",
        "mhst/accounts/data/common_passwords.txt",
        *(f"mhst/outcomes/measures/{name}" for name in measures),
    }
    assert expected <= names, sorted(expected - names)
    # Only the package and its metadata: no top-level config, tests or stray modules.
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"mhst"}


SCRIPT = textwrap.dedent(
    """
    import json, os, sys

    import mhst
    import mhst.settings
    from mhst import create_app, paths
    from mhst.extensions import db
    from mhst.migrate import alembic_config
    from sqlalchemy import inspect

    app = create_app()  # MHST_ENV=test, DATABASE_URL: a new SQLite file
    upgrade = app.test_cli_runner().invoke(args=["db", "upgrade"])
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        model_tables = set(db.metadata.tables)
    client = app.test_client()
    pages = {
        url: client.get(url)
        for url in (
            "/sign-in",
            "/nhsuk-frontend/nhsuk-frontend.min.css",
            "/assets/images/favicon.svg",
            "/static/css/app.css",
        )
    }
    settings_module = mhst.settings.settings_module().__name__
    os.environ["MHST_SETTINGS"] = sys.argv[1]  # a deployer's settings file
    print(json.dumps({
        "mhst": mhst.__file__,
        "installed": paths.INSTALLED,
        "folders": [str(paths.TEMPLATES), str(paths.STATIC), str(paths.ALEMBIC_INI),
                    str(paths.NHSUK_FRONTEND_DIST), str(app.template_folder),
                    alembic_config().get_main_option("script_location")],
        "settings_module": settings_module,
        "secret_key": app.config["SECRET_KEY"],
        "upgrade": [upgrade.exit_code, upgrade.output],
        "tables_match_models": bool(tables) and tables == model_tables,
        "status": {url: response.status_code for url, response in pages.items()},
        "sign_in_has_form": b'name="password"' in pages["/sign-in"].data,
        "css_bytes": len(pages["/nhsuk-frontend/nhsuk-frontend.min.css"].data),
        "deployer_max_age": mhst.settings.config_from_env().SERVICE_MAX_AGE,
    }))
    """
)


def test_the_app_runs_from_the_unzipped_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    deployer_settings = tmp_path / "deployer_settings.py"
    deployer_settings.write_text(
        "from mhst.settings import TestConfig as _TestConfig\n\n\n"
        "class TestConfig(_TestConfig):\n"
        "    SERVICE_MAX_AGE = 25\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHST_", "FLASK_"))}
    env.update(
        PYTHONPATH=str(site),
        MHST_ENV="test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wheel.sqlite3'}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    result = _run([sys.executable, "-c", SCRIPT, str(deployer_settings)], cwd=run_dir, env=env)
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert Path(report["mhst"]).is_relative_to(site)
    assert report["installed"] is True
    for folder in report["folders"]:
        assert Path(folder).is_relative_to(site / "mhst" / "_bundled"), folder
    assert report["settings_module"] == "mhst.settings"
    assert report["secret_key"] == "test-secret-key"
    assert report["upgrade"][0] == 0, report["upgrade"][1]
    assert report["tables_match_models"] is True
    assert report["status"] == dict.fromkeys(report["status"], 200)
    assert report["sign_in_has_form"] is True
    # The package's CSS as served: without the NHS font host's @font-face rules.
    css = (ROOT / NHSUK_DIST / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    assert report["css_bytes"] == len(without_font_host(css).encode("utf-8"))
    assert report["deployer_max_age"] == 25
