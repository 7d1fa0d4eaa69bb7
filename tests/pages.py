"""Checks every HTML page the test client sees: the structure NHS pages must have."""

from __future__ import annotations

import re
from collections import Counter

from bs4 import BeautifulSoup


class PageProblem(AssertionError):
    pass


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ", strip=True)).strip()


def check_page(html: str) -> BeautifulSoup:
    """Fail unless the page has exactly one h1, a title starting with it, unique ids,
    an action on every form, a CSRF token in every POST form, and ``Error: `` in the
    title exactly when an error summary is shown."""
    soup = BeautifulSoup(html, "html.parser")
    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        raise PageProblem(f"expected exactly one h1, found {len(h1s)}: {[_text(h) for h in h1s]}")
    heading = _text(h1s[0])
    if soup.title is None:
        raise PageProblem("page has no <title>")
    title = _text(soup.title)
    has_error_summary = soup.select_one(".nhsuk-error-summary") is not None
    if has_error_summary != title.startswith("Error: "):
        raise PageProblem(
            f"title {title!r} and error summary (shown: {has_error_summary}) disagree"
        )
    if not title.removeprefix("Error: ").startswith(heading):
        raise PageProblem(f"title {title!r} does not start with the h1 {heading!r}")
    duplicates = [i for i, n in Counter(e["id"] for e in soup.find_all(id=True)).items() if n > 1]
    if duplicates:
        raise PageProblem(f"duplicate ids: {duplicates}")
    for form in soup.find_all("form"):
        if not form.get("action"):
            raise PageProblem(f"form without an action: {str(form)[:200]}")
        if form.get("method", "get").lower() == "post" and not form.find(
            "input", attrs={"name": "csrf_token"}
        ):
            raise PageProblem(f"POST form without a CSRF token: {form['action']}")
    return soup
