"""Several app servers: two gunicorn servers (separate processes) with
production settings, against one PostgreSQL database and one Redis, and a browser that
takes its cookies from one to the other. Nothing a request needs is kept in a process:

(a) signing in on A (password, then an authenticator code) gives a session B accepts,
    and B refuses the code A accepted;
(b) the password on B and a recovery code on A sign in (the half-way marker carries),
    and signing out on B ends the session on A (the old cookie is refused there);
(c) a rate limit counted on A carries to B;
(d) a background job asked for on A is run by the worker (a third process, on the same
    Redis) and shown, then downloaded, on B;
and the access log never holds a query string.

The database is new, built by ``flask db upgrade`` and given its users by ``flask
create-admin``, as an operator would. The servers share one folder for jobs' files
(JOB_FILES_DIR), as several real servers share storage.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
import redis

from tests.app_servers import AppServer, Browser, Deployment
from tests.conftest import database_url_for, in_ci

PASSWORD = "two servers share one session store"
SIGN_IN_LIMIT = 5  # per minute (per address, per email address), for these servers only
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RUN = secrets.token_hex(4)  # this run's addresses and emails: no counts left from the last
ADMIN = f"admin-{RUN}@servers.example"
JOBS_QUEUE = f"mhst-servers-{RUN}"  # this run's queue: no other test's worker takes from it
WORKER = [sys.executable, "-m", "celery", "-A", "mhst.worker", "worker", "--pool", "solo"]
WORKER += ["-Q", JOBS_QUEUE, "--without-gossip", "--without-mingle", "--without-heartbeat"]


def _address(number: int) -> str:
    """A documentation address (TEST-NET-2) for X-Forwarded-For, new each run."""
    return f"198.51.{int(RUN[:2], 16) % 100}.{(int(RUN[2:], 16) + number) % 250 + 1}"


def _redis_or_skip() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if in_ci():
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    finally:
        client.close()


def make_deployment(tmp_path_factory, **extra_env: str) -> Deployment:
    """A new database migrated by the app's own command, and settings for its processes
    (``extra_env`` added: a job queue's settings, say)."""
    _redis_or_skip()
    url = database_url_for("postgresql", tmp_path_factory, name="servers")
    deployment = Deployment(url, REDIS_URL, tmp_path_factory.mktemp("servers"), extra_env)
    deployment.flask("db", "upgrade")
    return deployment


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    deployment = make_deployment(
        tmp_path_factory,
        SIGN_IN_RATE_LIMIT=f"{SIGN_IN_LIMIT} per minute;50 per hour",
        JOBS_QUEUE=JOBS_QUEUE,
    )
    yield deployment
    redis.Redis.from_url(REDIS_URL).delete(JOBS_QUEUE)
    deployment.stop()


@pytest.fixture(scope="module")
def servers(deployment) -> tuple[AppServer, AppServer]:
    """Servers A and B; while they start, ``flask create-admin`` makes the ADMIN."""
    a, b = deployment.start_servers(2, wait=False)
    deployment.start("worker", WORKER)
    deployment.flask(
        "create-admin", "--email", ADMIN, "--name", "Invented Admin", "--password", PASSWORD
    )
    a.wait_until_healthy()
    b.wait_until_healthy()
    return a, b


@dataclass(frozen=True)
class Admin:
    email: str
    key: str  # the authenticator app's key, as the set-up page showed it
    recovery_codes: tuple[str, ...]


@pytest.fixture(scope="module")
def admin(servers) -> Admin:
    """The administrator ``flask create-admin`` made, who signed in once on A, setting up
    an app, and signed out."""
    a, _ = servers
    email = ADMIN
    browser = Browser(_address(0))
    try:
        assert _password(browser, a, email).headers["location"] == "/sign-in/set-up-authenticator"
        page = browser.get(a, "/sign-in/set-up-authenticator")
        key = re.search(r'<code id="authenticator-key">([A-Z2-7 ]+)</code>', page.text)[1]
        key = key.replace(" ", "")
        code = pyotp.TOTP(key).now()
        done = browser.post(a, "/sign-in/set-up-authenticator", {"code": code}, token_from=page)
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
        assert len(codes) == 10
        browser.post(a, "/sign-out", {}, token_from=browser.get(a, "/"))
    finally:
        browser.close()
    return Admin(email, key, tuple(codes))


@pytest.fixture
def browsers() -> Iterator:
    """``browsers(n)``: a browser at this run's n-th address; each closed afterwards."""
    opened: list[Browser] = []

    def make(number: int) -> Browser:
        opened.append(Browser(_address(number)))
        return opened[-1]

    yield make
    for each in opened:
        each.close()


def _password(browser: Browser, server: AppServer, email: str):
    page = browser.get(server, "/sign-in")
    return browser.post(server, "/sign-in", {"email": email, "password": PASSWORD}, token_from=page)


def _signed_in(browser: Browser, server: AppServer) -> bool:
    response = browser.get(server, "/")
    return response.status_code == 200 and "Sign out" in response.text


def test_a_sign_in_on_a_works_on_b(servers, admin, browsers):
    a, b = servers
    browser = browsers(1)
    assert not _signed_in(browser, b)
    assert _password(browser, a, admin.email).headers["location"] == "/sign-in/code"
    code = pyotp.TOTP(admin.key).at(time.time() + 30)  # the next time-step: set-up used this
    page = browser.get(a, "/sign-in/code")
    assert browser.post(a, "/sign-in/code", {"code": code}, token_from=page).status_code == 302
    assert _signed_in(browser, b)
    assert _signed_in(browser, a)

    # The code A accepted is spent on B too (the replay guard is in the database).
    other = browsers(2)
    assert _password(other, b, admin.email).headers["location"] == "/sign-in/code"
    page = other.get(b, "/sign-in/code")
    refused = other.post(b, "/sign-in/code", {"code": code}, token_from=page)
    assert refused.status_code == 400
    assert "Enter a correct code" in refused.text
    assert not _signed_in(other, b)


def test_signing_out_on_b_ends_the_session_on_a(servers, admin, browsers):
    a, b = servers
    browser = browsers(3)
    # The password on B, the second step (a recovery code) on A: the half-way marker
    # is in the signed cookie, the code's use in the database.
    assert _password(browser, b, admin.email).headers["location"] == "/sign-in/code"
    page = browser.get(a, "/sign-in/recovery-code")
    used = {"code": admin.recovery_codes[0]}
    assert browser.post(a, "/sign-in/recovery-code", used, token_from=page).status_code == 302
    assert _signed_in(browser, b)
    cookie = browser.session_cookie()

    page_from_a = browser.get(a, "/")  # its CSRF token is good on B: one SECRET_KEY
    assert browser.post(b, "/sign-out", {}, token_from=page_from_a).status_code == 302
    kept = browsers(3)  # someone who kept a copy of the cookie
    kept.client.cookies.set("__Host-mhst_session", cookie)
    refused = kept.get(a, "/notifications/")
    assert refused.status_code == 302
    assert refused.headers["location"].startswith("/sign-in")
    assert not _signed_in(kept, b)


def test_a_rate_limit_counted_on_a_carries_to_b(servers, browsers):
    a, b = servers
    browser = browsers(4)
    wrong = {"email": f"nobody-{RUN}@servers.example", "password": "not the password at all"}
    statuses = [
        browser.post(a, "/sign-in", wrong, token_from=browser.get(a, "/sign-in")).status_code
        for _ in range(SIGN_IN_LIMIT)
    ]
    assert statuses == [401] * SIGN_IN_LIMIT
    assert (
        browser.post(b, "/sign-in", wrong, token_from=browser.get(b, "/sign-in")).status_code == 429
    )
    # The control: someone else, from elsewhere, is still answered by B.
    other = browsers(5)
    answer = other.post(
        b,
        "/sign-in",
        {**wrong, "email": f"else-{RUN}@servers.example"},
        token_from=other.get(b, "/sign-in"),
    )
    assert answer.status_code == 401


def test_the_access_log_has_paths_never_query_strings(servers, browsers):
    a, _ = servers
    marker = f"Invented-{RUN}"
    browser = browsers(6)
    assert browser.get(a, f"/sign-in?next=/children/search%3Fq%3D{marker}").status_code == 200
    logged = f'{_address(6)} "GET /sign-in HTTP/1.1" 200'
    deadline = time.monotonic() + 5
    while logged not in a.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = a.output()
    assert logged in log
    assert marker not in log


def test_a_job_asked_for_on_a_is_run_by_the_worker_and_fetched_from_b(servers, admin, browsers):
    a, b = servers
    browser = browsers(7)
    assert _password(browser, a, admin.email).headers["location"] == "/sign-in/code"
    page = browser.get(a, "/sign-in/recovery-code")
    used = {"code": admin.recovery_codes[1]}
    assert browser.post(a, "/sign-in/recovery-code", used, token_from=page).status_code == 302

    asked = browser.post(a, "/schools/download", {}, token_from=browser.get(a, "/schools/"))
    assert asked.status_code == 302
    job_page = asked.headers["location"]
    assert re.fullmatch(r"/downloads/\d+", job_page)

    deadline = time.monotonic() + 60
    shown = browser.get(b, job_page)
    while "Ready" not in shown.text and time.monotonic() < deadline:
        time.sleep(0.3)
        shown = browser.get(b, job_page)
    assert shown.status_code == 200
    assert "Ready" in shown.text, shown.text[-2000:]
    download = browser.get(b, job_page + "/file")
    assert download.status_code == 200
    assert download.text.lstrip("\ufeff").startswith("urn,nhs_org_code,name,")
