"""URL converters. Every ``<int:...>`` in a route is a record's id: a number beyond the
database's integer columns (PostgreSQL's ``integer`` stops at 2,147,483,647; SQLite's at
2**63 - 1) is no record, so the route does not match (404) instead of the database
refusing the query (a 500)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column


class RecordIdConverter(IntegerConverter):
    """``int`` in the URL map: a whole number from 0 to :data:`LARGEST_ID`."""

    def __init__(self, map, *args, max=LARGEST_ID, **kwargs):  # werkzeug names them so
        super().__init__(map, *args, max=max, **kwargs)
