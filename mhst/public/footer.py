"""The links in the footer of every page (templates/layout.html), as NHS services have.

Literal paths, kept here in one place: the footer is rendered once per process, outside
any request (``component("footer")``). tests/test_public_site.py checks that each path is
a public page.
"""

from __future__ import annotations

FOOTER_NAVIGATION = [
    {
        "heading": "For families",
        "items": [
            {"href": "/self-referral", "text": "Refer yourself"},
            {"href": "/schools-list", "text": "Find a school in the programme"},
            {"href": "/local-support", "text": "Local support"},
        ],
    },
    {
        "heading": "About this service",
        "items": [
            {"href": "/privacy-notice", "text": "Privacy notice"},
            {"href": "/accessibility-statement", "text": "Accessibility statement"},
            {"href": "/cookies", "text": "Cookies"},
        ],
    },
]
