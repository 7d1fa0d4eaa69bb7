"""The page checker used on every response must itself catch what it claims to."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.pages import PageOutline, PageProblem, _text, check_page, check_page_with_soup

GOOD = """<html><head><title>Sign in - MHST</title></head><body>
<h1>Sign in</h1><form action="/x" method="post"><input name="csrf_token" value="t"></form>
</body></html>"""


def test_a_good_page_passes():
    assert check_page_with_soup(GOOD).h1.get_text() == "Sign in"


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (GOOD.replace("<h1>Sign in</h1>", "<h1>Sign in</h1><h1>Again</h1>"), "exactly one h1"),
        (GOOD.replace("<h1>Sign in</h1>", ""), "exactly one h1"),
        (GOOD.replace("<title>Sign in", "<title>Home"), "does not start with the h1"),
        (
            GOOD.replace('<form action="/x"', '<p id="a"></p><p id="a"></p><form action="/x"'),
            "duplicate ids",
        ),
        (GOOD.replace(' action="/x"', ""), "without an action"),
        (GOOD.replace('<input name="csrf_token" value="t">', ""), "without a CSRF token"),
        (GOOD.replace("<title>", "<title>Error: "), "disagree"),
        (GOOD.replace("<h1>", '<div class="nhsuk-error-summary"></div><h1>'), "disagree"),
    ],
)
@pytest.mark.parametrize("check", [check_page, check_page_with_soup])
def test_the_checker_catches(page, problem, check):
    with pytest.raises(PageProblem, match=problem):
        check(page)


def test_a_good_page_outline_names_its_heading():
    assert check_page(GOOD).heading == "Sign in"


def _verdict(check, html: str) -> str:
    """``ok <heading>`` or the problem (a form's quoted markup left out: the soup
    prints it re-serialised, the outline as written)."""
    try:
        result = check(html)
    except PageProblem as problem:
        message = str(problem)
        return message.split(":")[0] if message.startswith("form without") else message
    heading = result.heading if isinstance(result, PageOutline) else _text(result.h1)
    return f"ok {heading}"


FRAGMENTS = [
    "<h1>",
    "</h1>",
    "<title>",
    "</title>",
    "Sign in",
    " in ",
    "Error: ",
    "<div>",
    "</div>",
    "<span>",
    "</span>",
    "</p>",
    '<div class="x nhsuk-error-summary">',
    '<p id="a">',
    '<p id="b">',
    '<p id="">',
    "<p id>",
    '<form action="/x" method="post">',
    '<form method="POST">',
    '<form action="/y">',
    '<form action="">',
    "</form>",
    '<input name="csrf_token" value="t">',
    '<input name="csrf_token"/>',
    '<input name="other">',
    "</input>",
    "<br>",
    "<br/>",
    "&amp;",
    "&lt;x",
    "<!-- a comment -->",
    "<![CDATA[data]]>",
    "\n  ",
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["", "<title>Sign in</title>", "<title>Error: Sign</title>", "<title>"]),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12),
)
def test_the_outline_and_the_whole_tree_find_the_same(title, before, inside):
    """Pages around one h1 (most pass the first checks, so the later ones are compared
    too), with any fragments before it and inside it."""
    html = f"{title}{''.join(before)}<h1>Sign {''.join(inside)}</h1>{''.join(reversed(before))}"
    assert _verdict(check_page, html) == _verdict(check_page_with_soup, html)


@pytest.mark.parametrize(
    "page",
    [
        GOOD,
        GOOD.replace("<h1>Sign in</h1>", "<div><h1>Sign <b>in</b> </div>now</h1>"),
        GOOD.replace("<h1>Sign in</h1>", "<h1>Sign</h1><h1>in</h1>"),
        GOOD.replace(
            '<form action="/x" method="post">', '<form action="/x" method="post"><div>'
        ).replace("</form>", "</div></form><form method='post' action='/z'>"),
    ],
)
def test_the_checkers_agree_on(page):
    assert _verdict(check_page, page) == _verdict(check_page_with_soup, page)


@pytest.mark.parametrize("path", ["/sign-in", "/forgotten-password", "/no-such-page"])
def test_the_checkers_agree_on_the_apps_pages(client, path):
    html = client.get(path).get_data(as_text=True)
    assert _verdict(check_page, html) == _verdict(check_page_with_soup, html)
    assert _verdict(check_page, html).startswith("ok ")
