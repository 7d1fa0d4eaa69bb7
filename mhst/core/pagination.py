"""Pagination that never fails on a bad ``page`` value in the URL."""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination

from mhst.extensions import db

PER_PAGE = 25


def requested_page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def paginate(stmt, per_page: int = PER_PAGE) -> Pagination:
    page = db.paginate(stmt, page=requested_page(), per_page=per_page, error_out=False)
    if not page.items and page.page > 1:
        # Past the last page (e.g. a stale link): show the last page instead of nothing.
        page = db.paginate(stmt, page=max(page.pages, 1), per_page=per_page, error_out=False)
    return page
