"""Real app servers for the tests that need more than one process: gunicorn (with the
repository's gunicorn.conf.py) serving the app with production settings, against one
PostgreSQL database and one Redis, and a browser-like HTTP client that carries its
cookies from one server to another.

A :class:`Deployment` is the shared settings (one SECRET_KEY, DATABASE_URL, REDIS_URL)
plus any extra environment; it runs the app's own commands (``flask db upgrade``,
``flask create-admin``) and starts processes: app servers, and any other process
(a background-job worker) given its command.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Variables of the developer's or CI's shell that would change what the servers run.
INHERITED_NOT = ("MHST_", "FLASK_", "GUNICORN_", "RATELIMIT_")
INHERITED_NOT_NAMES = (
    "SECRET_KEY",
    "MFA_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "REDIS_URL",
    "WEB_CONCURRENCY",
    "PORT",
)
STARTUP_SECONDS = 60


def ports(count: int) -> list[int]:
    """``MHST_TEST_SERVER_PORTS`` ("5105,5106") when given, else ports free right now."""
    given = os.environ.get("MHST_TEST_SERVER_PORTS")
    if given:
        chosen = [int(port) for port in given.split(",")][:count]
        assert len(chosen) == count, f"MHST_TEST_SERVER_PORTS names fewer than {count} ports"
        return chosen
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Process:
    """A process this test started, its output in a file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGINT: gunicorn's quick shutdown (TERM waits for idle keep-alive connections)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class AppServer(Process):
    url: str = ""

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} stopped:\n{self.output()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer /healthz:\n{self.output()[-3000:]}")


@dataclass
class Deployment:
    """The settings every process of one deployment shares, and the processes started."""

    database_url: str
    redis_url: str
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    mfa_encryption_keys: str = field(default_factory=lambda: Fernet.generate_key().decode())
    processes: list[Process] = field(default_factory=list)

    def env(self, **more: str) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(INHERITED_NOT) and name not in INHERITED_NOT_NAMES
        }
        env.update(
            MHST_ENV="production",  # the rules a real server runs with
            MHST_INSTANCE_PATH=str(self.folder / "instance"),
            SECRET_KEY=self.secret_key,
            MFA_ENCRYPTION_KEYS=self.mfa_encryption_keys,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            TRUST_PROXY="1",  # each test's client says its own address in X-Forwarded-For
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        env.update(more)
        return env

    def flask(self, *args: str) -> str:
        """Run ``flask --app mhst ARGS`` as an operator would; its output."""
        result = subprocess.run(  # noqa: S603 (our own interpreter and the app's commands)
            [sys.executable, "-m", "flask", "--app", "mhst", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, f"flask {' '.join(args[:2])}: {result.stderr[-3000:]}"
        return result.stdout

    def start(self, name: str, command: list[str], **env: str) -> Process:
        """Start any process of the deployment (e.g. a worker) with its settings."""
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(  # noqa: S603 (our own interpreter and programs)
                command, cwd=ROOT, env=self.env(**env), stdout=output, stderr=subprocess.STDOUT
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_servers(self, count: int = 2, *, wait: bool = True, **env: str) -> list[AppServer]:
        """``count`` gunicorn servers (a worker of 2 threads each), started together;
        with ``wait`` False, call each one's ``wait_until_healthy`` before using it."""
        servers = []
        for number, port in enumerate(ports(count)):
            process = self.start(
                f"server-{'AB'[number] if count <= 2 else number}",
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                GUNICORN_BIND=f"127.0.0.1:{port}",
                WEB_CONCURRENCY="1",  # each server one process: the machine has 2 cores
                GUNICORN_THREADS="2",
                **env,
            )
            servers.append(
                AppServer(process.name, process.popen, process.log, f"http://127.0.0.1:{port}")
            )
        for server in servers if wait else ():
            server.wait_until_healthy()
        return servers

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class Browser:
    """One person's browser: its cookies go with it to whichever server it asks, and it
    says where it is (X-Forwarded-For, as the load balancer would). Production cookies
    are ``Secure``; these servers speak plain HTTP on 127.0.0.1 only (the load balancer
    would speak HTTPS), so each cookie kept is sent over http too."""

    def __init__(self, address: str):
        self.client = httpx.Client(
            follow_redirects=False, timeout=30, headers={"X-Forwarded-For": address}
        )

    def _kept(self, response: httpx.Response) -> httpx.Response:
        for cookie in self.client.cookies.jar:
            cookie.secure = False
        return response

    def get(self, server: AppServer, path: str) -> httpx.Response:
        return self._kept(self.client.get(server.url + path))

    def post(self, server: AppServer, path: str, data: dict, *, token_from: httpx.Response):
        """POST ``data`` with the CSRF token of the page ``token_from`` (any server's)."""
        token = CSRF.search(token_from.text)
        assert token, f"no CSRF token on {token_from.url}"
        data = {"csrf_token": token.group(1), **data}
        return self._kept(self.client.post(server.url + path, data=data))

    def session_cookie(self) -> str:
        return self.client.cookies["__Host-mhst_session"]

    def close(self) -> None:
        self.client.close()
