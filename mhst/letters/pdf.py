"""A letter as a PDF in the NHS letter layout, made with WeasyPrint.

The page is HTML (``templates/letters/pdf.html``): the NHS logo top right (drawn from
nhsuk-frontend's own header template, so nothing is fetched), the service's name, address
and phone, the date, the recipient's name and address, the body and the signature. The
PDF loads nothing: :func:`refuse_fetch` refuses every URL, and the fonts are the system's.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template

from mhst.core.formatting import format_date
from mhst.paths import NHSUK_FRONTEND_DIST


class FetchRefused(Exception):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    """What a letter does with any URL: refuse it (it loads nothing from anywhere)."""
    raise FetchRefused(f"a letter loads nothing: {url[:80]} refused")


@functools.cache
def refusing_fetcher():
    """WeasyPrint's url_fetcher for letters: every fetch refused (WeasyPrint then leaves
    the resource out and goes on). Imported here: WeasyPrint takes a second to load."""
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            refuse_fetch(url)

    return RefusingFetcher()


@functools.cache
def nhs_logo_path() -> str:
    """The NHS logo's outline, from nhsuk-frontend's header template."""
    template = NHSUK_FRONTEND_DIST / "components" / "header" / "template.njk"
    found = re.search(r'viewBox="0 0 200 80".*?<path[^>]* d="([^"]+)"', template.read_text(), re.S)
    if found is None:
        raise RuntimeError("the NHS logo was not found in nhsuk-frontend's header template")
    return found.group(1)


@dataclass(frozen=True)
class Letterhead:
    name: str
    address_lines: list[str]
    phone: str

    @classmethod
    def from_config(cls) -> Letterhead:
        config = current_app.config
        address = re.split(r"\s*[,\n]\s*", config["LETTER_SERVICE_ADDRESS"].strip())
        return cls(
            config["LETTER_SERVICE_NAME"], [a for a in address if a], config["LETTER_SERVICE_PHONE"]
        )


@dataclass(frozen=True)
class Signature:
    name: str
    role: str


def letter_html(
    *,
    body: str,
    recipient_name: str,
    recipient_address: str | None,
    dated: date,
    signature: Signature,
    reference: str | None = None,
) -> str:
    return render_template(
        "letters/pdf.html",
        letterhead=Letterhead.from_config(),
        logo_path=nhs_logo_path(),
        paragraphs=[p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()],
        recipient_name=recipient_name,
        recipient_lines=[
            line.strip() for line in (recipient_address or "").splitlines() if line.strip()
        ],
        dated=format_date(dated),
        signature=signature,
        reference=reference,
    )


def make_pdf(html: str) -> bytes:
    """The PDF of a letter's HTML. WeasyPrint is imported here: it takes a second to
    load, and only the letters need it."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=refusing_fetcher()).write_pdf()
