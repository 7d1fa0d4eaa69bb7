"""The HTTP security baseline on every response."""

import re

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role


@pytest.mark.parametrize("path", ["/sign-in", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(path, client):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS


def test_hsts_is_sent_over_https(client):
    headers = client.get("/sign-in", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_behind_a_proxy_that_terminates_https(app, client, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_proto=1))
    headers = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" in headers


def test_pages_have_no_inline_script(world, auth, client):
    for path in ("/sign-in", "/", "/admin/users/"):
        if path == "/":
            auth.sign_in(world.users[Role.ADMINISTRATOR].email)
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        scripts = soup.find_all("script")
        assert scripts, path
        assert all(s.get("src") and not s.get_text(strip=True) for s in scripts), path
        assert not soup.select("[style]"), path
        assert not soup.select("[onclick], [onload], [onsubmit]"), path


def test_static_assets_are_served_and_cacheable(client):
    with client.get("/nhsuk-frontend/nhsuk-frontend.min.css") as css:
        assert css.status_code == 200
        assert "no-store" not in css.headers.get("Cache-Control", "")
        # The CSS refers to its icons by absolute path: they must be served there.
        icons = set(re.findall(rb"url\((/assets/images/[^)]+)\)", css.data))
    assert icons
    for icon in icons:
        with client.get(icon.decode()) as response:
            assert response.status_code == 200, icon
    with client.get("/static/js/app.mjs") as script:
        assert script.status_code == 200
        assert b"initAll" in script.data
