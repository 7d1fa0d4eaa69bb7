"""Safe defaults: without MHST_ENV the app has production's rules and will not start
without a strong SECRET_KEY, nor without a rate-limit store every app server shares
(REDIS_URL) unless one process is said explicitly; the production session cookie carries
the __Host- prefix; request bodies are limited (more only for the CSV import)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from config import DevelopmentConfig, ProductionConfig, TestConfig
from mhst import create_app
from mhst.accounts.models import Role
from tests.conftest import PRODUCTION_MFA_KEYS

ROOT = Path(__file__).resolve().parent.parent
START = (
    "from mhst import create_app; app = create_app(); "
    "print(app.config['RATELIMIT_STORAGE_URI'], app.config['SESSION_COOKIE_NAME'])"
)
ONE_PROCESS = {"RATELIMIT_STORAGE_URI": "memory://"}


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    """Build the app in a new Python process whose environment has nothing of ours."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MHST_", "FLASK_"))}
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "RATELIMIT_STORAGE_URI",
        "MFA_ENCRYPTION_KEYS",
    ):
        clean.pop(name, None)
    clean.update(MHST_INSTANCE_PATH=str(tmp_path / "instance"), **env)
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", START],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean,
        timeout=120,
        check=False,
    )


def test_without_settings_the_app_refuses_to_start(tmp_path):
    result = _start(tmp_path)
    assert result.returncode != 0
    assert "ConfigurationError: SECRET_KEY must be set" in result.stderr


def test_without_mhst_env_a_strong_secret_key_runs_with_production_rules(tmp_path):
    result = _start(
        tmp_path, SECRET_KEY="s" * 64, MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS, **ONE_PROCESS
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "__Host-mhst_session"


def test_production_refuses_to_count_rate_limits_in_one_process_unless_told(tmp_path):
    """Several servers each counting in memory would each allow the full limit."""
    result = _start(tmp_path, SECRET_KEY="s" * 64)
    assert result.returncode != 0
    assert "ConfigurationError: Rate limits need a store every app server shares" in (result.stderr)
    assert "set REDIS_URL" in result.stderr


@pytest.mark.parametrize(
    ("env", "storage"),
    [
        ({"REDIS_URL": "redis://redis-host:6379/0"}, "redis://redis-host:6379/0"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "memory://"),
        (
            {"REDIS_URL": "redis://a:6379/0", "RATELIMIT_STORAGE_URI": "redis://b:6379/1"},
            "redis://b:6379/1",
        ),
    ],
)
def test_production_starts_with_a_shared_store_or_one_process_said(tmp_path, env, storage):
    result = _start(tmp_path, SECRET_KEY="s" * 64, MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [storage, "__Host-mhst_session"]


def test_development_must_be_asked_for_and_then_starts(tmp_path):
    """(Counting rate limits in memory, without Redis.)"""
    result = _start(tmp_path, MHST_ENV="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["memory://", "mhst_session"]


def test_the_production_cookie_is_host_prefixed_secure_and_for_the_whole_site(tmp_path):
    app = create_app(
        ProductionConfig,
        SECRET_KEY="p" * 64,
        MFA_ENCRYPTION_KEYS=PRODUCTION_MFA_KEYS,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db",
        RATELIMIT_STORAGE_URI="memory://",
    )
    response = app.test_client().get("/sign-in", base_url="https://mhst.example")
    cookie = response.headers["Set-Cookie"]
    parts = [part.strip() for part in cookie.split(";")]
    assert parts[0].startswith("__Host-mhst_session=")
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(parts)
    assert not any(part.lower().startswith("domain=") for part in parts)


@pytest.mark.parametrize("config", [DevelopmentConfig, TestConfig])
def test_development_and_test_keep_a_plain_cookie_name(config):
    assert config.SESSION_COOKIE_NAME == "mhst_session"
    assert config.SESSION_COOKIE_SECURE is False  # served over http on a laptop


def test_a_body_over_the_limit_gets_a_clear_413_page(world, auth, client, app):
    auth.sign_in(world.users[Role.EMHP].email)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    response = auth.post(
        "/account/password", {"current_password": "x" * (limit + 1), "new_password": "y"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "What you sent is too large" in page
    assert "1 MB for a form" in page
    just_under = auth.post("/account/password", {"current_password": "x", "new_password": "y"})
    assert just_under.status_code == 400  # a small body reaches the form (and its rules)


def _import(auth, client, world, size: int):
    boundary, body = encode_multipart(
        {
            "csrf_token": auth.csrf_token("/"),
            "file": FileStorage(io.BytesIO(b"URN,Name,Phase\n" + b"x" * size), "schools.csv"),
            "area_id": str(world.area_a.id),
        }
    )
    return client.post(
        "/schools/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_the_csv_import_takes_a_file_larger_than_the_form_limit(world, auth, client, app):
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    response = _import(auth, client, world, int(1.5 * 1024 * 1024))
    assert response.status_code == 400  # read, and refused for what is in it
    assert "There is a problem" in response.get_data(as_text=True)
    too_big = _import(auth, client, world, app.config["MAX_UPLOAD_LENGTH"] + 1)
    assert too_big.status_code == 413
    assert "10 MB for a CSV file" in too_big.get_data(as_text=True)
