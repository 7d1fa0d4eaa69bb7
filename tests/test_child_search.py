"""Staff find children by name, NHS number or date of birth, within their reach, in a
posted form (an NHS number never goes in a URL); every result shown is an audited read."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.children import queries
from mhst.core.time import service_today
from mhst.extensions import db
from tests.audit_reads import audited_ids

NHS = "9434765919"
BORN = date(service_today().year - 12, 1, 15)  # the conftest child's birthday


@pytest.fixture
def children(world, make_referral):
    """Zoë Ó Briain at school A2 (with an NHS number) and Alex Invented at school B1 (team
    B), besides the world's Alex Invented at school A1."""
    emhp, lead = world.users[Role.EMHP], world.users[Role.CLINICAL_LEAD]
    zoe = make_referral(
        world.school_a2,
        by=emhp,
        child={"given_name": "Zoë", "family_name": "Ó Briain", "nhs_number": NHS},
    ).child
    other_team = make_referral(world.school_b1, by=lead).child
    return {"zoe": zoe, "a1": world.referral_a1.child, "b1": other_team}


def _search(auth, **data):
    fields = {
        "query": "",
        "date_of_birth-day": "",
        "date_of_birth-month": "",
        "date_of_birth-year": "",
    }
    return auth.post("/children/search", {**fields, **data})


def _found(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["zoe o briain", "ZOË", "  briain  ", "Ó  Briain", "o bri"])
def test_a_name_is_found_whatever_its_case_accents_or_spacing(query, world, children, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    page = _found(_search(auth, query=query))
    assert children["zoe"].reference in page
    assert children["a1"].reference not in page


@pytest.mark.parametrize("query", [NHS, "943 476 5919", "943-476-5919"])
def test_an_nhs_number_is_found_with_or_without_spaces(query, world, children, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = _found(_search(auth, query=query))
    assert children["zoe"].reference in page
    assert "1 child found" in page


def test_a_date_of_birth_alone_or_with_a_name(world, children, auth):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    parts = {
        "date_of_birth-day": str(BORN.day),
        "date_of_birth-month": str(BORN.month),
        "date_of_birth-year": str(BORN.year),
    }
    page = _found(_search(auth, **parts))
    for child in children.values():  # all three share the birthday
        assert child.reference in page
    page = _found(_search(auth, query="zoe", **parts))
    assert children["zoe"].reference in page
    assert children["a1"].reference not in page


def test_staff_find_only_the_children_in_their_reach(world, children, auth):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = _found(_search(auth, query="alex invented"))
    assert children["a1"].reference in page
    assert children["b1"].reference not in page  # team B's
    auth.sign_out()
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    page = _found(_search(auth, query="alex invented"))
    assert children["a1"].reference in page
    assert children["b1"].reference in page


@pytest.mark.parametrize("role", [Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER])
def test_school_leads_and_commissioners_cannot_search(role, world, auth, client):
    auth.sign_in(world.users[role].email)
    assert client.get("/children/search").status_code == 403
    assert _search(auth, query="alex").status_code == 403


def test_the_search_is_posted_and_never_puts_the_query_in_a_url(world, children, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    form = _found(client.get("/children/search"))
    assert 'action="/children/search" method="post"' in form
    page = _found(_search(auth, query=NHS))
    assert f"?query={NHS}" not in page
    assert NHS not in page.split("<form", 1)[0]


def test_a_search_needs_something_to_search_for_and_a_valid_nhs_number(world, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    empty = _search(auth)
    assert empty.status_code == 400
    assert "Enter a name, an NHS number or a date of birth" in empty.get_data(as_text=True)
    wrong = _search(auth, query="943 476 5918")
    assert wrong.status_code == 400
    assert "Enter a valid NHS number" in wrong.get_data(as_text=True)


def test_every_child_listed_is_an_audited_read(world, children, auth):
    user = world.users[Role.EMHP]
    auth.sign_in(user.email)
    _found(_search(auth, query="invented"))
    read = set(
        db.session.scalars(
            select(AuditEvent.record_id).where(
                AuditEvent.action == AuditAction.READ,
                AuditEvent.record_type == AuditRecordType.CHILD,
                AuditEvent.user_id == user.id,
            )
        )
    )
    assert read == {str(children["a1"].id)}


def test_merged_records_are_not_found(world, children, auth):
    children["a1"].merged_into = children["zoe"]
    db.session.commit()
    auth.sign_in(world.users[Role.EMHP].email)
    assert children["a1"].reference not in _found(_search(auth, query="alex"))


BUTTON = re.compile(r'form="search-form" name="page" value="([^"]+)">([^<]+)</button>')


def _buttons(page: str) -> dict[str, str]:
    """{label: value} of the page buttons of a page of results."""
    return {label: value for value, label in BUTTON.findall(page)}


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/children/\d+">([^<]+)</a>', page)


@pytest.fixture
def pagers(world, make_referral):
    """27 children in team A: Pager00 Invented to Pager26 Invented."""
    emhp = world.users[Role.EMHP]
    for number in range(27):
        make_referral(world.school_a2, by=emhp, child={"given_name": f"Pager{number:02d}"})
    db.session.commit()
    return [f"Pager{number:02d} Invented" for number in range(27)]


def test_results_come_in_keyset_pages_posted_again(world, pagers, auth):
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    first = _found(_search(auth, query="pager"))
    assert "27 children found" in first
    assert _names(first) == pagers[:25]
    buttons = _buttons(first)
    assert set(buttons) == {"Next page", "Last page"}
    assert buttons["Next page"].startswith("after:")  # an id: never a name in the form
    assert buttons["Last page"] == "page:last"
    second = _found(_search(auth, query="pager", page=buttons["Next page"]))
    assert _names(second) == pagers[25:]
    assert set(_buttons(second)) == {"First page", "Previous page"}
    back = _found(_search(auth, query="pager", page=_buttons(second)["Previous page"]))
    assert _names(back) == pagers[:25]
    last = _found(_search(auth, query="pager", page="page:last"))
    assert _names(last) == pagers[2:]
    assert "27 children found" in last
    # Each page of results is one audit entry naming the children shown.
    read = audited_ids(
        AuditEvent.action == AuditAction.READ,
        AuditEvent.record_type == AuditRecordType.CHILD,
        AuditEvent.user_id == emhp.id,
    )
    assert len(read) == 25 + 2 + 25 + 25
    assert len(set(read)) == 27


def test_a_bad_stale_or_foreign_cursor_shows_the_first_page(world, children, pagers, auth):
    auth.sign_in(world.users[Role.EMHP].email)
    foreign = f"after:{children['b1'].id}"  # team B's child: outside the EMHP's reach
    zoe = f"after:{children['zoe'].id}"  # in reach, but not found by this search
    for value in ("after:x", "after:99999999999", "before:-1", "page:9", "2", foreign, zoe):
        page = _found(_search(auth, query="pager", page=value))
        assert _names(page) == pagers[:25], value


def test_a_search_counts_no_further_than_the_cap(world, pagers, auth, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 20)
    auth.sign_in(world.users[Role.EMHP].email)
    page = _found(_search(auth, query="pager"))
    assert "More than 20 children found" in page
    assert "Add more of the name or the date of birth" in page
    assert "27 children" not in page
    exact = _found(_search(auth, query="pager1"))  # Pager10 to Pager19
    assert "10 children found" in exact


def test_a_search_runs_the_same_queries_for_1_and_27_children(
    world, make_referral, auth, count_queries
):
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)

    def queries_for(**data) -> int:
        before = len(count_queries())
        _found(_search(auth, **data))
        return len(count_queries()) - before

    make_referral(world.school_a2, by=emhp, child={"given_name": "Pager"})
    db.session.commit()
    queries_for(query="pager")  # the first request after signing in does more
    small = queries_for(query="pager")
    for number in range(26):
        make_referral(world.school_a2, by=emhp, child={"given_name": f"Pager{number:02d}"})
    db.session.commit()
    assert small > 0
    assert queries_for(query="pager") == small
    next_page = _buttons(_found(_search(auth, query="pager")))["Next page"]
    assert queries_for(query="pager", page=next_page) == small
    assert queries_for(query="pager", page="page:last") == small
