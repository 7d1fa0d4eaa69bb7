"""The benchmark's HTTP side: a keep-alive client on http.client (no dependency), signing
in with the password and an authenticator code, and timing pages."""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyotp

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Hit:
    page: str
    role: str
    ms: float
    status: int
    queries: int | None


@dataclass
class Client:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def copy(self) -> Client:
        """Another client (its own connection) signed in as this one."""
        return Client(self.host, self.port, dict(self.cookies))

    def request(self, method: str, path: str, form: dict | None = None, timeout: float = 600):
        """(status, headers, body, milliseconds), the whole body read. A kept-alive
        connection the server closed meanwhile is opened again once."""
        reused = self.connection is not None
        try:
            return self._request(method, path, form, timeout)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            return self._request(method, path, form, timeout)

    def _request(self, method: str, path: str, form: dict | None, timeout: float):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = None
            raise
        ms = (time.perf_counter() - started) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, data, ms

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, form: dict):
        """POST a page's form with the token its page carries."""
        page = self.get(path)[2]
        token = CSRF.search(page.decode())
        return self.request("POST", path, {**form, "csrf_token": token[1] if token else ""})


def sign_in(client: Client, email: str, password: str, secret: str) -> None:
    """Password, then a code. A code works once per user: when refused (used within this
    30-second step by an earlier run), wait for the next step and try again."""
    status, headers, _, _ = client.post_form("/sign-in", {"email": email, "password": password})
    if status != 302 or headers.get("Location") != "/sign-in/code":
        raise RuntimeError(f"sign-in refused for {email}: {status} {headers.get('Location')}")
    for _ in range(2):
        status, headers, _, _ = client.post_form(
            "/sign-in/code", {"code": pyotp.TOTP(secret).now()}
        )
        if status == 302 and headers.get("Location") == "/":
            return
        time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"the code step refused {email}")


def timed(client: Client, page: str, role: str, path: str) -> Hit:
    status, headers, _, ms = client.get(path)
    count = headers.get("X-Query-Count")
    return Hit(page, role, ms, status, int(count) if count is not None else None)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` from 0 to 1)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]
