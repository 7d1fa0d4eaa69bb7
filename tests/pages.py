"""Checks every HTML page the test client sees: the structure NHS pages must have.

:func:`check_page` reads the page with the standard library's HTML tokenizer (the one
Beautiful Soup's "html.parser" uses) and builds only what the checks need: the text of
each ``h1`` and of the first ``title``, the ids, the classes and each form. Elements nest
as Beautiful Soup nests them (an end tag closes every element opened since its start tag;
void elements close at once), so it finds what :func:`check_page_with_soup`, the whole
tree, finds - at about a sixth of the cost on every response of the suite.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bs4 import BeautifulSoup
from bs4.builder import HTMLTreeBuilder

# The void elements, as Beautiful Soup's tree has them.
VOID = frozenset(HTMLTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS)


class PageProblem(AssertionError):
    pass


def _collapse(strings: list[str]) -> str:
    """``get_text(" ", strip=True)`` with runs of whitespace made one space."""
    return re.sub(r"\s+", " ", " ".join(s.strip() for s in strings if s.strip())).strip()


@dataclass
class _Element:
    tag: str
    strings: list[str] | None = None  # kept for h1 and title only
    form: dict | None = None


@dataclass
class PageOutline:
    """What the checks read from a page."""

    h1s: list[list[str]] = field(default_factory=list)
    title: list[str] | None = None
    error_summary: bool = False
    ids: list[str] = field(default_factory=list)
    forms: list[dict] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return _collapse(self.h1s[0])


class _Outliner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = PageOutline()
        self.open: list[_Element] = []
        self.text: list[str] = []

    def _end_text(self) -> None:
        """One string for each run of text between tags, as Beautiful Soup makes."""
        if self.text:
            string = "".join(self.text)
            self.text = []
            for element in self.open:
                if element.strings is not None:
                    element.strings.append(string)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self._end_text()

    def handle_decl(self, decl: str) -> None:
        self._end_text()

    def handle_pi(self, data: str) -> None:
        self._end_text()

    def unknown_decl(self, data: str) -> None:
        """A CDATA section is a string of its own (in an h1, part of its text)."""
        self._end_text()
        if data.upper().startswith("CDATA["):
            self.text = [data[len("CDATA[") :]]
            self._end_text()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs)
        if tag in VOID:
            self._close(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs)
        self._close(tag)

    def handle_endtag(self, tag: str) -> None:
        self._end_text()
        if tag not in VOID:
            self._close(tag)

    def _start(self, tag: str, attrs: list) -> None:
        self._end_text()
        values = {name: "" if value is None else value for name, value in attrs}
        element = _Element(tag)
        outline = self.outline
        if tag == "h1":
            element.strings = []
            outline.h1s.append(element.strings)
        elif tag == "title" and outline.title is None:
            element.strings = outline.title = []
        if "id" in values:
            outline.ids.append(values["id"])
        if "nhsuk-error-summary" in values.get("class", "").split():
            outline.error_summary = True
        if tag == "form":
            element.form = {"attrs": values, "csrf": False, "start": self.get_starttag_text()}
            outline.forms.append(element.form)
        if tag == "input" and values.get("name") == "csrf_token":
            for form in (e.form for e in self.open if e.form is not None):
                form["csrf"] = True
        self.open.append(element)

    def _close(self, tag: str) -> None:
        """Close the most recent open ``tag`` and everything opened inside it."""
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return


def outline_of(html: str) -> PageOutline:
    outliner = _Outliner()
    outliner.feed(html)
    outliner.close()
    outliner._end_text()
    return outliner.outline


def check_page(html: str) -> PageOutline:
    """Fail unless the page has exactly one h1, a title starting with it, unique ids,
    an action on every form, a CSRF token in every POST form, and ``Error: `` in the
    title exactly when an error summary is shown."""
    page = outline_of(html)
    if len(page.h1s) != 1:
        found = [_collapse(h1) for h1 in page.h1s]
        raise PageProblem(f"expected exactly one h1, found {len(page.h1s)}: {found}")
    if page.title is None:
        raise PageProblem("page has no <title>")
    _check_title(_collapse(page.title), page.heading, page.error_summary)
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    if duplicates:
        raise PageProblem(f"duplicate ids: {duplicates}")
    for form in page.forms:
        attrs = form["attrs"]
        if not attrs.get("action"):
            raise PageProblem(f"form without an action: {form['start'][:200]}")
        if attrs.get("method", "get").lower() == "post" and not form["csrf"]:
            raise PageProblem(f"POST form without a CSRF token: {attrs['action']}")
    return page


def _check_title(title: str, heading: str, has_error_summary: bool) -> None:
    if has_error_summary != title.startswith("Error: "):
        raise PageProblem(
            f"title {title!r} and error summary (shown: {has_error_summary}) disagree"
        )
    if not title.removeprefix("Error: ").startswith(heading):
        raise PageProblem(f"title {title!r} does not start with the h1 {heading!r}")


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ", strip=True)).strip()


def check_page_with_soup(html: str) -> BeautifulSoup:
    """The same checks on Beautiful Soup's whole tree: what :func:`check_page` must agree
    with (tests/test_pages_checker.py compares them)."""
    soup = BeautifulSoup(html, "html.parser")
    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        raise PageProblem(f"expected exactly one h1, found {len(h1s)}: {[_text(h) for h in h1s]}")
    if soup.title is None:
        raise PageProblem("page has no <title>")
    has_error_summary = soup.select_one(".nhsuk-error-summary") is not None
    _check_title(_text(soup.title), _text(h1s[0]), has_error_summary)
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
