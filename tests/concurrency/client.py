"""A browser-like HTTP client for the live server (standard library only): it keeps its
cookies, reads each form's CSRF token and does not follow redirects, so a test sees
exactly what each of two simultaneous requests got back."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    location: str | None

    def hidden(self, name: str) -> str:
        """The value of the form's hidden input ``name``."""
        match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', self.text)
        if match is None:
            match = re.search(rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', self.text)
        assert match, f"no hidden input {name!r} on the page"
        return match.group(1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LiveClient:
    def __init__(self, base_url: str):
        assert base_url.startswith("http://127.0.0.1:"), base_url
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def _send(self, request: urllib.request.Request) -> Reply:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Reply(response.status, response.read().decode(), None)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), error.headers.get("Location"))

    def _request(self, path: str, data: bytes | None = None) -> urllib.request.Request:
        return urllib.request.Request(self.base_url + path, data=data)  # noqa: S310 (http://127.0.0.1)

    def get(self, path: str) -> Reply:
        return self._send(self._request(path))

    def post(self, path: str, data: dict[str, str | list[str]], *, token_from: Reply) -> Reply:
        """POST ``data`` with the CSRF token of the page ``token_from``."""
        token = CSRF.search(token_from.text)
        assert token, "the page has no CSRF token"
        fields = {"csrf_token": token.group(1), **data}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._send(self._request(path, body))

    def sign_in(self, email: str, password: str, code: Callable[[], str]) -> LiveClient:
        """The password, then the authenticator code ``code()`` gives."""
        page = self.get("/sign-in")
        reply = self.post("/sign-in", {"email": email, "password": password}, token_from=page)
        assert reply.status == 302, f"sign-in as {email} failed: {reply.status}"
        page = self.get("/sign-in/code")
        reply = self.post("/sign-in/code", {"code": code()}, token_from=page)
        assert reply.status == 302, f"the code for {email} was refused: {reply.status}"
        return self


def simultaneously(*actions: Callable[[], Reply]) -> list[Reply]:
    """Run each action in its own thread, released together by a barrier; their replies
    in the order given."""
    barrier = threading.Barrier(len(actions))
    replies: list[Reply | BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], Reply]) -> None:
        barrier.wait()
        try:
            replies[index] = action()
        except BaseException as error:  # reported below, in the test's thread
            replies[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
    return replies  # type: ignore[return-value]
