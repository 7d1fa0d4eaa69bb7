"""Keyset pagination (mhst/core/keyset.py): walking the pages visits every row once, in
order, whatever the ties in the sort key; a bad, stale or out-of-scope cursor is the
first page."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.core import keyset
from mhst.core.keyset import Key
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School

ORDERS = {
    "ascending": (False, False),
    "descending": (True, True),
    "mixed": (True, False),  # name Z-A, then id ascending: the expanded comparison
}


def _order(name: str) -> list[Key]:
    by_name, by_id = ORDERS[name]
    return [Key(School.name, by_name), Key(School.id, by_id)]


def _expected(schools: list[School], order: str) -> list[int]:
    by_name, by_id = ORDERS[order]
    ids = sorted(schools, key=lambda s: s.id, reverse=by_id)
    return [s.id for s in sorted(ids, key=lambda s: s.name, reverse=by_name)]


def _add_schools(names: list[str]) -> tuple[ServiceArea, list[School]]:
    area = ServiceArea(name="Keyset area")
    schools = [
        School(name=name, urn=f"{700000 + i:06d}", area=area) for i, name in enumerate(names)
    ]
    db.session.add_all([area, *schools])
    db.session.flush()
    return area, schools


def _walk(stmt, order, per_page, args, step):
    pages = []
    page = keyset.paginate(stmt, _order(order), args, per_page=per_page)
    pages.append(page)
    while (page.has_next if step == "next" else page.has_prev) and len(pages) < 100:
        page = keyset.paginate(stmt, _order(order), page.links[step], per_page=per_page)
        pages.append(page)
    return pages


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(st.sampled_from(["Ash", "Beech", "Cedar"]), max_size=13),
    per_page=st.integers(min_value=1, max_value=4),
    order=st.sampled_from(sorted(ORDERS)),
)
def test_next_then_previous_visit_every_row_once_in_order(app, names, per_page, order):
    savepoint = db.session.begin_nested()
    try:
        area, schools = _add_schools(names)
        stmt = select(School).where(School.area_id == area.id)
        expected = _expected(schools, order)

        forwards = _walk(stmt, order, per_page, {}, "next")
        assert [s.id for page in forwards for s in page.items] == expected
        assert all(len(page.items) == per_page for page in forwards[:-1])
        assert not forwards[0].has_prev
        assert not forwards[-1].has_next

        # From the page the Next walk ended on, Previous goes back to the first row.
        start = forwards[-2].links["next"] if len(forwards) > 1 else {}
        backwards = _walk(stmt, order, per_page, start, "prev")
        assert backwards[0].items == forwards[-1].items
        assert [s.id for page in reversed(backwards) for s in page.items] == expected
        assert not backwards[-1].has_prev

        last = keyset.paginate(stmt, _order(order), {"page": "last"}, per_page=per_page)
        assert [s.id for s in last.items] == expected[-per_page:]
        assert last.has_prev == (len(expected) > per_page)
        assert not last.has_next
    finally:
        savepoint.rollback()


@pytest.mark.parametrize(
    "args",
    [
        {"after": "abc"},
        {"before": "-1"},
        {"after": "1" * 19},
        {"after": "999999999"},
        {"after": "2147483648"},  # past INTEGER: never sent to the database
        {"before": "99999999999"},
        {"before": "999999999"},
        {"page": "lastish"},
        {"after": "1 OR 1=1"},
    ],
)
def test_a_bad_or_stale_cursor_is_the_first_page(app, args):
    area, _schools = _add_schools(["Ash", "Beech", "Cedar", "Alder"])
    stmt = select(School).where(School.area_id == area.id)
    page = keyset.paginate(stmt, _order("ascending"), args, per_page=2)
    assert [s.name for s in page.items] == ["Alder", "Ash"]
    assert page.has_next
    assert not page.has_prev


def test_a_cursor_outside_the_list_reveals_nothing(app):
    """A row the list does not show (another area's: out of scope) is no cursor: the
    first page, the same as for an id that does not exist."""
    area, _ = _add_schools(["Ash", "Beech", "Cedar"])
    other = School(name="Aardvark", urn="799999", area=ServiceArea(name="Elsewhere"))
    db.session.add(other)
    db.session.flush()
    stmt = select(School).where(School.area_id == area.id)
    for args in ({"after": str(other.id)}, {"before": str(other.id)}):
        page = keyset.paginate(stmt, _order("ascending"), args, per_page=2)
        assert [s.name for s in page.items] == ["Ash", "Beech"]
        assert page.fell_back


def test_an_empty_list_has_no_links(app):
    area, _ = _add_schools([])
    page = keyset.paginate(select(School).where(School.area_id == area.id), _order("mixed"), {})
    assert page.items == []
    assert not page.several
    assert page.links == {"first": None, "prev": None, "next": None, "last": None}
