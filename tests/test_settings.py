"""Settings: MHST_ENV picks a class from the settings module, which is the file or module
MHST_SETTINGS names, else the repository's config.py (tests run from a checkout)."""

import sys
import uuid

import pytest

import config
import mhst.settings
from mhst import create_app
from mhst.settings import config_from_env, settings_module


def test_a_checkout_reads_the_repositorys_config_py(monkeypatch):
    monkeypatch.delenv("MHST_SETTINGS", raising=False)
    monkeypatch.setenv("MHST_ENV", "production")
    assert settings_module() is config
    assert config_from_env() is config.ProductionConfig


@pytest.fixture
def settings_file(tmp_path):
    """A deployer's settings file outside the repository, overriding one class."""
    name = f"site_settings_{uuid.uuid4().hex}"
    path = tmp_path / f"{name}.py"
    path.write_text(
        "from mhst.settings import *  # noqa: F403\n"
        "from mhst.settings import TestConfig as _TestConfig\n\n\n"
        "class TestConfig(_TestConfig):\n"
        "    SERVICE_MAX_AGE = 25\n",
        encoding="utf-8",
    )
    yield path
    sys.modules.pop(name, None)


def test_mhst_settings_names_a_settings_file(settings_file, monkeypatch, tmp_path):
    monkeypatch.setenv("MHST_SETTINGS", str(settings_file))
    monkeypatch.setenv("MHST_ENV", "test")
    chosen = config_from_env()
    assert chosen.__module__ == settings_file.stem
    assert chosen.SERVICE_MAX_AGE == 25
    assert config_from_env() is chosen  # the file is imported once
    app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}")
    assert app.config["SERVICE_MAX_AGE"] == 25
    assert app.config["TESTING"] is True
    # Classes the file does not override are the package's.
    monkeypatch.setenv("MHST_ENV", "production")
    assert config_from_env() is mhst.settings.ProductionConfig


def test_mhst_settings_names_a_module(monkeypatch):
    monkeypatch.setenv("MHST_SETTINGS", "mhst.settings")
    monkeypatch.setenv("MHST_ENV", "development")
    assert config_from_env() is mhst.settings.DevelopmentConfig


def test_a_settings_module_without_the_class_is_refused(monkeypatch, tmp_path):
    path = tmp_path / f"empty_settings_{uuid.uuid4().hex}.py"
    path.write_text("SERVICE_NAME = 'nothing here'\n", encoding="utf-8")
    monkeypatch.setenv("MHST_SETTINGS", str(path))
    monkeypatch.setenv("MHST_ENV", "production")
    try:
        with pytest.raises(RuntimeError, match="has no class ProductionConfig"):
            config_from_env()
    finally:
        sys.modules.pop(path.stem, None)


def test_a_missing_settings_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("MHST_SETTINGS", str(tmp_path / "nowhere.py"))
    with pytest.raises(RuntimeError, match="not a file"):
        config_from_env()
