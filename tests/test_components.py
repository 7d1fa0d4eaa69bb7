"""NHS.UK components rendered through the cache (``mhst.core.components``) are exactly
the macros' HTML, for new and repeated options alike; markup and text are not confused;
and the cache stays within its size."""

from __future__ import annotations

from flask import render_template_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from mhst.accounts.models import Role
from mhst.core.components import MACROS, ComponentCache, component
from tests.conftest import csrf_token_from

TEXT = st.text(alphabet="ab<&>\"' 1", max_size=8)


def direct(name: str, params: dict) -> str:
    """The macro's HTML, rendered as a template importing it would."""
    return render_template_string(
        f'{{% from "{MACROS[name]}" import {name} %}}{{{{ {name}(params) }}}}', params=params
    )


def date_params(day, error, hint) -> dict:
    return {
        "id": "when-date",
        "fieldset": {"legend": {"text": "When", "size": "s"}},
        "hint": {"text": hint} if hint else None,
        "errorMessage": {"text": error} if error else None,
        "items": [
            {"id": "when", "name": "when-day", "label": "Day", "value": day, "width": 2},
            {"id": "when-month", "name": "when-month", "label": "Month", "value": "4", "width": 2},
            {"id": "when-year", "name": "when-year", "label": "Year", "value": "2026", "width": 4},
        ],
    }


def select_params(chosen, labels) -> dict:
    return {
        "id": "team",
        "name": "team",
        "label": {"text": "Team"},
        "items": [
            {"value": str(i), "text": label, "selected": str(i) == chosen}
            for i, label in enumerate(labels)
        ],
    }


def checkbox_params(checked, hint) -> dict:
    return {
        "idPrefix": "shared",
        "name": "shared",
        "items": [
            {"value": "1", "text": "Share", "hint": {"text": hint}, "checked": checked},
        ],
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.one_of(st.none(), TEXT, st.integers(1, 31)),
    error=st.one_of(st.none(), TEXT),
    hint=st.one_of(st.none(), TEXT),
    chosen=st.sampled_from(["0", "1", "9"]),
    labels=st.lists(TEXT, max_size=4),
)
def test_cached_components_are_the_macros_html(app, day, error, hint, chosen, labels):
    with app.test_request_context():
        for name, params in (
            ("dateInput", date_params(day, error, hint)),
            ("select", select_params(chosen, labels)),
            ("checkboxes", checkbox_params(chosen == "1", hint)),
            ("button", {"text": day or "Go", "type": "submit", "classes": hint}),
        ):
            expected = direct(name, params)
            assert str(component(name, params)) == expected  # rendered, or from the cache
            assert str(component(name, params)) == expected  # from the cache


def test_markup_and_text_are_different_options(app):
    with app.test_request_context():
        as_text = component("dateInput", date_params(None, "<b>Wrong</b>", None))
        as_markup = component("dateInput", date_params(None, Markup("<b>Wrong</b>"), None))
    assert "&lt;b&gt;Wrong" in as_text
    assert "<b>Wrong</b>" not in as_text
    assert "<b>Wrong</b>" in as_markup


def test_the_cache_keeps_at_most_its_size(app):
    cache = ComponentCache(size=3)
    with app.test_request_context():
        for day in range(1, 6):
            cache.render(app.jinja_env, "dateInput", date_params(str(day), None, None))
        assert len(cache.rendered) == 3
        html = cache.render(app.jinja_env, "dateInput", date_params("5", None, None))
        assert html == direct("dateInput", date_params("5", None, None))


def test_the_cached_header_carries_each_page_s_own_sign_out_form(world, auth, client, app):
    """The header comes from the cache after the first page; the sign-out form, put in
    afterwards, is on every page with a token that signs out. Another user's header is
    their own."""
    lead, emhp = world.users[Role.CLINICAL_LEAD], world.users[Role.EMHP]
    auth.sign_in(lead.email)
    for _ in range(2):
        html = client.get("/").get_data(as_text=True)
        header = html[html.index("<header") : html.index("</header>")]
        assert "APP-SIGN-OUT-FORM" not in html
        assert header.count('action="/sign-out"') == 1
        assert lead.full_name in header
    assert emhp.full_name not in header
    token = csrf_token_from(header)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/notifications/").status_code == 302  # signed out
    auth.sign_in(emhp.email)
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert emhp.full_name in header
    assert lead.full_name not in header
