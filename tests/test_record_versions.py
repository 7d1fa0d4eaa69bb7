"""The shared mechanisms that keep the record from being silently changed: versions that
refuse stale saves, row locks that reload, and form tokens that make one record."""

import re
import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from mhst.core.forms import failed
from mhst.core.locking import lock_row
from mhst.core.submissions import FormSubmission, OnceForm, submit_once
from mhst.core.versions import Change, StaleEdit, describe, ensure_current
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School, SchoolPhase


def _school_form(school: School, **changes) -> dict[str, str]:
    return {
        "version": str(school.version),
        "name": school.name,
        "urn": school.urn,
        "phase": "primary",
        "area_id": str(school.area_id),
        "local_authority": "",
        "pupils_on_roll": "",
        "team_id": str(school.team_id or ""),
        **changes,
    }


def test_a_save_on_a_stale_version_is_refused_showing_what_was_saved(world, auth):
    auth.sign_in("admin@test.example")
    school = world.school_a1
    read = _school_form(school, name="Mine")
    school.name = "Theirs"  # someone else saves first
    db.session.flush()
    assert school.version == int(read["version"]) + 1

    response = auth.post(f"/schools/{school.id}/edit", read)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Someone else changed this record while you were editing it" in page
    assert "It was saved as “Theirs”" in page
    assert 'value="Mine"' in page  # what the user typed is kept
    # The form now carries the saved version, so saving again replaces it on purpose.
    assert re.search(rf'name="version" type="hidden" value="{school.version}"', page)
    db.session.expire_all()
    assert db.session.get(School, school.id).name == "Theirs"


def test_saving_again_after_seeing_the_change_replaces_it_on_purpose(world, auth):
    auth.sign_in("admin@test.example")
    school = world.school_a1
    school.name = "Theirs"
    db.session.flush()
    again = _school_form(school, name="Mine after all")

    response = auth.post(f"/schools/{school.id}/edit", again)

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(School, school.id).name == "Mine after all"


def test_a_missing_version_is_never_current(world, auth):
    auth.sign_in("admin@test.example")
    school = world.school_a1
    form = _school_form(school, name="No version")
    del form["version"]
    assert auth.post(f"/schools/{school.id}/edit", form).status_code == 400
    db.session.expire_all()
    assert db.session.get(School, school.id).name == "School A1"


def test_ensure_current_lists_only_the_fields_saved_differently(world):
    school = world.school_a1
    with pytest.raises(StaleEdit) as raised:
        ensure_current(
            school,
            school.version - 1,
            {"name": (school.name, "Another"), "urn": (school.urn, school.urn)},
        )
    assert raised.value.changes == [Change("name", "School A1")]
    assert raised.value.current_version == school.version
    ensure_current(school, school.version, {"name": (school.name, "Another")})  # no error


@given(st.one_of(st.none(), st.just(""), st.text(min_size=1), st.booleans(), st.integers()))
def test_describe_always_gives_readable_text(value):
    text = describe(value)
    assert isinstance(text, str)
    assert text
    if value in (None, ""):
        assert text == "blank"


def test_describe_reads_enums_dates_and_named_records():
    assert describe(SchoolPhase.SECONDARY) == SchoolPhase.SECONDARY.label
    assert describe(date(2026, 3, 29)) == "29 March 2026"
    assert describe(ServiceArea(name="Rutland")) == "Rutland"


def test_lock_row_reloads_what_another_transaction_saved(world):
    school = world.school_a1
    db.session.execute(
        update(School).where(School.id == school.id).values(name="Changed underneath"),
        execution_options={"synchronize_session": False},
    )
    assert school.name == "School A1"  # the session's copy is stale
    assert lock_row(School, school.id).name == "Changed underneath"
    assert lock_row(School, -1) is None


def _submit(app, token: str, name: str):
    with app.test_request_context(method="POST", data={"submission_token": token}):
        form = OnceForm()
        return submit_once(
            form,
            lambda: _add_area(name),
            result_url=lambda area: f"/areas/{area.id}",
        )


def _add_area(name: str) -> ServiceArea:
    area = ServiceArea(name=name)
    db.session.add(area)
    db.session.flush()
    return area


def _areas_named(prefix: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ServiceArea).where(ServiceArea.name.startswith(prefix))
    )


def test_a_form_sent_twice_makes_one_record(app, world):
    token = str(uuid.uuid4())
    first = _submit(app, token, "Twice area")
    second = _submit(app, token, "Twice area again")
    assert not first.repeated
    assert second.repeated
    assert second.url == first.url == f"/areas/{first.record.id}"
    assert second.record is None
    assert _areas_named("Twice area") == 1
    assert db.session.get(FormSubmission, token).result_url == first.url


def test_each_showing_of_a_form_has_its_own_token_and_a_bad_token_is_replaced(app, world):
    with app.test_request_context():
        assert OnceForm().submission_token.data != OnceForm().submission_token.data
    first = _submit(app, "not-a-token", "Untokened area")
    second = _submit(app, "not-a-token", "Untokened area 2")
    assert not first.repeated
    assert not second.repeated
    assert _areas_named("Untokened area") == 2


def test_a_submission_that_breaks_a_rule_can_be_sent_again(app, world):
    from mhst.core.rules import RuleError

    token = str(uuid.uuid4())

    def refuse():
        raise RuleError("submission_token", "Not today")

    with app.test_request_context(method="POST", data={"submission_token": token}):
        result = submit_once(OnceForm(), refuse, result_url=str)
    assert failed(result)
    assert db.session.get(FormSubmission, token) is None
    assert not _submit(app, token, "Second try area").repeated
