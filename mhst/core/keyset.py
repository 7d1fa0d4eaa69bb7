"""Keyset ("seek") pagination for lists that grow with the country.

``OFFSET`` reads and throws away every row before the page, so the last page of a
million referrals costs a million rows; ``COUNT(*)`` reads them all again for "page 3
of 40,000". Here a page starts from a row: its sort values are looked up by id in
scalar subqueries (one-row index look-ups run once) and the page is the next
``per_page`` rows in index order. Nothing is counted: fetching ``per_page + 1`` rows
says whether there is a next page, and the last page is the first ``per_page`` rows of
the reversed order.

The URL carries only a row's id (``after=`` or ``before=``) or ``page=last``: no name
or other personal data. A cursor that is malformed, no longer matches the filters or
is outside the user's scope (its look-up is filtered like the list) shows the first
page instead: never a 500, and nothing revealed about the row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, tuple_
from sqlalchemy.sql.expression import UnaryExpression

from mhst.extensions import db

PER_PAGE = 25
_ID = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # the ids are INTEGER: a larger one would be a database error


@dataclass(frozen=True)
class Key:
    """One sort key: a non-NULL expression and its direction. The last key of an order
    must be the row's unique id (the tie-breaker)."""

    expression: Any
    descending: bool = False

    def ordered(self, reverse: bool) -> UnaryExpression:
        down = self.descending != reverse
        return self.expression.desc() if down else self.expression.asc()


@dataclass
class KeysetPage:
    """A page of rows and where the links go, as ``templates/macros/pagination.html``
    reads it. ``*_args`` are the query arguments of each link (None: no such link)."""

    items: list
    has_prev: bool
    has_next: bool
    first_item_id: Any = None
    last_item_id: Any = None
    fell_back: bool = False  # a bad or stale cursor was asked for: this is the first page
    links: dict[str, dict[str, str] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.links = {
            "first": {} if self.has_prev else None,
            "prev": {"before": str(self.first_item_id)} if self.has_prev else None,
            "next": {"after": str(self.last_item_id)} if self.has_next else None,
            "last": {"page": "last"} if self.has_next else None,
        }

    @property
    def several(self) -> bool:
        return self.has_prev or self.has_next


def requested(args: Mapping[str, str]) -> tuple[str, int | None]:
    """("first" | "after" | "before" | "last", cursor id) from a request's arguments;
    anything malformed is the first page."""
    if args.get("page") == "last":
        return "last", None
    for mode in ("after", "before"):
        raw = (args.get(mode) or "").strip()
        if raw:
            if _ID.fullmatch(raw) and int(raw) <= MAX_ID:
                return mode, int(raw)
            return "first", None
    return "first", None


def _beyond(stmt: Select, keys: Sequence[Key], cursor: int, *, backwards: bool):
    """The condition "sorts after (before, if ``backwards``) the row ``cursor``": its
    sort values come from ``stmt`` itself, so a row the list would not show is no
    cursor (the comparison is with NULL, and no row passes)."""
    values = [
        stmt.with_only_columns(key.expression)
        .where(keys[-1].expression == cursor)
        .order_by(None)
        .limit(1)
        .correlate(None)
        .scalar_subquery()
        for key in keys
    ]
    directions = {key.descending for key in keys}
    if len(directions) == 1:
        later = (directions.pop()) == backwards  # ascending, forwards: greater
        columns = tuple_(*(key.expression for key in keys))
        return columns > tuple_(*values) if later else columns < tuple_(*values)
    clauses: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        later = key.descending == backwards
        step = key.expression > values[i] if later else key.expression < values[i]
        ties = (k.expression == v for k, v in zip(keys[:i], values[:i], strict=True))
        clauses.append(and_(*ties, step))
    return or_(*clauses)


def _fetch(stmt: Select, keys, options, limit: int, *, reverse: bool, where=None) -> list:
    ordered = stmt.order_by(*(key.ordered(reverse) for key in keys)).limit(limit)
    if where is not None:
        ordered = ordered.where(where)
    rows = db.session.scalars(ordered.options(*options)).unique().all()
    return list(rows)


def paginate(
    stmt: Select,
    keys: Sequence[Key],
    args: Mapping[str, str],
    *,
    per_page: int = PER_PAGE,
    options: Sequence = (),
    id_of=lambda row: row.id,
) -> KeysetPage:
    """The page of ``stmt`` (filtered and scoped, not ordered, no loader options: those
    go in ``options``) that ``args`` asks for, in the order ``keys``."""
    mode, cursor = requested(args)
    if mode == "last":
        rows = _fetch(stmt, keys, options, per_page + 1, reverse=True)
        items = list(reversed(rows[:per_page]))
        return _page(items, has_prev=len(rows) > per_page, has_next=False, id_of=id_of)
    if mode in ("after", "before"):
        backwards = mode == "before"
        where = _beyond(stmt, keys, cursor, backwards=backwards)
        rows = _fetch(stmt, keys, options, per_page + 1, reverse=backwards, where=where)
        if rows:
            more = len(rows) > per_page
            rows = rows[:per_page]
            if backwards:
                return _page(rows[::-1], has_prev=more, has_next=True, id_of=id_of)
            return _page(rows, has_prev=True, has_next=more, id_of=id_of)
    rows = _fetch(stmt, keys, options, per_page + 1, reverse=False)
    page = _page(rows[:per_page], has_prev=False, has_next=len(rows) > per_page, id_of=id_of)
    page.fell_back = mode != "first"
    return page


def _page(items: list, *, has_prev: bool, has_next: bool, id_of) -> KeysetPage:
    return KeysetPage(
        items=items,
        has_prev=has_prev,
        has_next=has_next,
        first_item_id=id_of(items[0]) if items else None,
        last_item_id=id_of(items[-1]) if items else None,
    )
