"""The public pages (mhst.public): the landing page for families at / signed out, the
privacy notice, the accessibility statement and the cookies page, the footer linking
them from every page, and fonts and styles served by the app itself (nothing from the
NHS font host, whose fonts stall pages on locked-down networks)."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from mhst.accounts.models import Role
from mhst.core.frontend_css import without_font_host
from mhst.public.footer import FOOTER_NAVIGATION
from mhst.referrals.signposting import URGENT_ROUTES
from mhst.security.http import CONTENT_SECURITY_POLICY

PUBLIC_PAGES = ["/", "/privacy-notice", "/accessibility-statement", "/cookies", "/status"]
URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""")
IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""")


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    return soup_of(response).get_text(" ", strip=True)


def is_own(address: str) -> bool:
    """An address the browser fetches from the app's own host (or needs no fetch)."""
    return (
        address.startswith("data:")
        or (address.startswith("/") and not address.startswith("//"))
        or not re.match(r"^[a-z][a-z0-9+.-]*:|^//", address, re.IGNORECASE)
    )


def fetch(client, address: str, **kwargs) -> tuple[int, str, dict]:
    """Status, text and headers of a file served from disk, its file closed."""
    with client.get(address, **kwargs) as response:
        return response.status_code, response.get_data(as_text=True), response.headers


def stylesheets(client, page: str) -> list[str]:
    links = soup_of(client.get(page)).select('link[rel="stylesheet"]')
    assert links, f"{page} links no stylesheet"
    return [link["href"] for link in links]


def test_every_stylesheet_served_references_only_the_apps_own_host(client):
    """Every url(...) and @import of every stylesheet a page links to (nhsuk-frontend's
    CSS as served, and the app's own) stays on the app's host: no font host."""
    seen = set()
    for href in stylesheets(client, "/status") + stylesheets(client, "/"):
        assert is_own(href), href
        if href in seen:
            continue
        seen.add(href)
        status, css, _ = fetch(client, href)
        assert status == 200, href
        addresses = [m.group(2) for m in URL.finditer(css)] + IMPORT.findall(css)
        outside = [address for address in addresses if not is_own(address)]
        assert outside == [], f"{href} loads from other hosts: {outside}"
        assert "@font-face" not in css
        assert "assets.nhs.uk" not in css
    assert any("nhsuk-frontend" in href for href in seen)


def test_the_nhs_css_uses_the_nhs_fallback_fonts_and_keeps_its_images(client):
    css = fetch(client, "/nhsuk-frontend/nhsuk-frontend.min.css")[1]
    assert "Frutiger" not in css
    assert "font-family:arial,sans-serif" in css
    assert "url(/assets/images/nhsuk-icon-cross.svg)" in css  # the rest is untouched
    assert fetch(client, "/assets/images/nhsuk-icon-cross.svg")[0] == 200


def test_the_css_is_cached_by_the_browser_and_nothing_outside_the_package_is_served(client):
    address = "/nhsuk-frontend/nhsuk-frontend.min.css"
    _, _, headers = fetch(client, address)
    assert headers["Content-Type"].startswith("text/css")
    assert fetch(client, address, headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(client, "/nhsuk-frontend/no-such-file.css")[0] == 404
    assert fetch(client, "/nhsuk-frontend/../../../package.json")[0] == 404


def test_the_content_security_policy_allows_fonts_from_the_app_only(client):
    policy = client.get("/status").headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "font-src 'self';" in policy
    assert "http" not in policy


RULE = st.from_regex(r"\.[a-z]{1,8}\{color:#[0-9a-f]{3}\}", fullmatch=True)


def font_face(weight: int, host: str) -> str:
    return (
        f"@font-face{{font-family:Frutiger W01;font-weight:{weight};"
        f'src:url(https://{host}/f.woff2) format("woff2")}}'
    )


FONT_FACE = st.builds(
    font_face, st.sampled_from([400, 600]), st.sampled_from(["assets.nhs.uk", "example.org"])
)


@given(parts=st.lists(st.one_of(RULE, FONT_FACE), max_size=8))
def test_font_faces_are_removed_and_every_other_rule_kept(parts):
    css = without_font_host("".join(parts))
    assert "@font-face" not in css
    assert "url(" not in css
    assert css == "".join(part for part in parts if not part.startswith("@font-face"))


def test_frutiger_is_taken_out_of_font_stacks_only():
    css = 'a{font-family:Frutiger W01,arial,sans-serif}b{font-family:"Frutiger W01", arial}'
    assert without_font_host(css) == "a{font-family:arial,sans-serif}b{font-family:arial}"


def footer_links(response) -> dict[str, str]:
    footer = soup_of(response).find("footer")
    assert footer is not None, (response.status_code, response.headers.get("Location"))
    return {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}


EXPECTED_FOOTER = {
    "Privacy notice": "/privacy-notice",
    "Accessibility statement": "/accessibility-statement",
    "Cookies": "/cookies",
    "Find a school in the programme": "/schools-list",
    "Local support": "/local-support",
    "Refer yourself": "/self-referral",
}


def test_every_page_has_the_footer_links_signed_out_and_in(world, auth, client):
    for page in [*PUBLIC_PAGES, "/sign-in", "/join", "/forgotten-password"]:
        assert footer_links(client.get(page)) == EXPECTED_FOOTER, page
    auth.sign_in(world.users[Role.EMHP].email)
    for page in ["/", "/notifications/", "/referrals/"]:
        assert footer_links(client.get(page)) == EXPECTED_FOOTER, page
    listed = [item["href"] for column in FOOTER_NAVIGATION for item in column["items"]]
    assert sorted(listed) == sorted(EXPECTED_FOOTER.values())


@pytest.mark.parametrize("path", sorted(EXPECTED_FOOTER.values()))
def test_every_footer_link_opens_a_public_page_signed_out(client, path):
    """The footer's paths are literal (see mhst.public.footer): each must be a page
    anyone can open, not a 404 or a redirect to sign in."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert len(soup_of(response).find_all("h1")) == 1


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_site_open_signed_out_with_no_query(page, client, count_queries):
    response = client.get(page)
    assert response.status_code == 200
    assert len(soup_of(response).find_all("h1")) == 1
    assert "&lt;" not in response.get_data(as_text=True)  # no markup shown as text
    assert count_queries() == []


def test_the_landing_page_puts_urgent_help_first_and_shows_every_way_in(client):
    response = client.get("/")
    main = soup_of(response).find("main")
    text = main.get_text(" ", strip=True)
    assert text.index("Get help now if it is urgent") < text.index("How to get help")
    for route in URGENT_ROUTES:
        assert route.name in text
    hrefs = {a["href"] for a in main.find_all("a")}
    assert {"/self-referral", "/schools-list", "/local-support", "/join", "/sign-in"} <= hrefs
    assert "Sign in" in soup_of(response).find("header").get_text()


def test_signed_in_staff_still_get_their_home_page_at_the_root(world, auth, client):
    user = world.users[Role.SENIOR_CLINICIAN]
    auth.sign_in(user.email)
    text = text_of(client.get("/"))
    assert user.full_name in text
    assert "Get help now if it is urgent" not in text


def test_the_privacy_notice_names_the_configured_controller(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SERVICE_CONTROLLER_NAME", "Riverside NHS Trust")
    monkeypatch.setitem(app.config, "SERVICE_DPO_EMAIL", "privacy@riverside.example")
    monkeypatch.setitem(app.config, "RETENTION_AGE", 27)
    text = text_of(client.get("/privacy-notice"))
    assert "Riverside NHS Trust runs the Mental Health Support Team" in text
    assert "privacy@riverside.example" in text
    assert "until their 27th birthday" in text
    for phrase in ("Article 6(1)(e)", "Article 9(2)(h)", "Information Commissioner's Office"):
        assert phrase in text


def test_the_accessibility_statement_has_the_model_sections(client):
    page = soup_of(client.get("/accessibility-statement"))
    headings = [h.get_text(strip=True) for h in page("h2")]
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Enforcement procedure",
        "Preparation of this accessibility statement",
    ):
        assert heading in headings


def cookie_names(response) -> set[str]:
    names = set()
    for header in response.headers.getlist("Set-Cookie"):
        names |= set(SimpleCookie(header))
    return names


def test_the_cookies_page_names_the_only_cookie_the_service_sets(app, world, auth, client):
    """What the page says is true: signed out and signed in, every response sets the
    session cookie and no other."""
    name = app.config["SESSION_COOKIE_NAME"]
    assert name in text_of(client.get("/cookies"))
    set_cookies = set()
    for page in [*PUBLIC_PAGES, "/sign-in", "/join"]:
        set_cookies |= cookie_names(client.get(page))
    set_cookies |= cookie_names(auth.sign_in(world.users[Role.EMHP].email))
    for page in ["/", "/notifications/", "/cookies"]:
        set_cookies |= cookie_names(client.get(page))
    assert set_cookies == {name}
