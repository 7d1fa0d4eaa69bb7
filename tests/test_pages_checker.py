"""The page checker used on every response must itself catch what it claims to."""

import pytest

from tests.pages import PageProblem, check_page

GOOD = """<html><head><title>Sign in - MHST</title></head><body>
<h1>Sign in</h1><form action="/x" method="post"><input name="csrf_token" value="t"></form>
</body></html>"""


def test_a_good_page_passes():
    assert check_page(GOOD).h1.get_text() == "Sign in"


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
def test_the_checker_catches(page, problem):
    with pytest.raises(PageProblem, match=problem):
        check_page(page)
