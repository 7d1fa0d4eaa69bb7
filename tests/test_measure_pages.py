"""The outcome measure pages: choosing and recording a measure (by item and by total),
errors shown with what was typed, who may see what, the charts (accessible SVG with a
table), the record page, audited reads and a fixed number of queries."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.outcomes.models import MeasureAnswer, MeasureRecord, MeasureScore
from mhst.referrals.models import ReferralStatus
from tests.audit_reads import audited_ids
from tests.test_measure_recording import open_case, rcads_like, session_on


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    return " ".join(soup_of(response).get_text(" ", strip=True).split())


def date_parts(value: date) -> dict[str, str]:
    return {
        "completed_on-day": str(value.day),
        "completed_on-month": str(value.month),
        "completed_on-year": str(value.year),
    }


def long_day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def new_url(case_id: int, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/casework/cases/{case_id}/measures/new" + (f"?{query}" if query else "")


def measures_url(case_id: int) -> str:
    return f"/casework/cases/{case_id}/measures"


def count_records(case) -> int:
    return db.session.scalar(
        select(func.count(MeasureRecord.id)).where(MeasureRecord.referral_id == case.id)
    )


def add_record(case, by, on: date, total, *, code="GBO", scale="total", goal=None, **scores):
    """A record stored directly (the history the pages read)."""
    record = MeasureRecord(
        referral=case,
        measure_code=code,
        completed_on=on,
        respondent=Respondent.CHILD,
        by_item=goal is not None,
        recorded_by=by,
        answers=[MeasureAnswer(item_number=1, value=int(total), item_text=goal)] if goal else [],
        scores=[
            *(
                MeasureScore(scale=name, position=position, score=Decimal(str(value)))
                for position, (name, value) in enumerate(scores.items(), start=1)
            ),
            MeasureScore(scale=scale, position=len(scores) + 1, score=Decimal(str(total))),
        ],
    )
    db.session.add(record)
    db.session.commit()
    return record


@pytest.fixture
def signed_in(world, auth):
    auth.sign_in("emhp@test.example")
    return auth


@pytest.fixture
def case(world, make_referral):
    return open_case(world, make_referral)


@pytest.fixture
def measures_dir(app, tmp_path, monkeypatch):
    (tmp_path / "rcads.json").write_text(json.dumps(rcads_like()), encoding="utf-8")
    monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))


# ---- choosing -------------------------------------------------------------------------


def test_step_one_lists_every_measure_and_who_completes_it(signed_in, client, case, measures_dir):
    response = client.get(new_url(case.id))
    assert response.status_code == 200
    page = soup_of(response)
    form = page.select_one("main form")
    assert form["method"] == "get"
    assert [r["value"] for r in form.select("input[name=measure]")] == ["ESQ", "GBO", "RCADS-25"]
    assert [r["value"] for r in form.select("input[name=method]")] == ["items", "totals"]
    text = text_of(response)
    assert "Goal Based Outcomes" in text
    assert "Invented anxiety and depression scale" in text
    assert "Completed by the child or young person or a parent or carer" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"measure": "NOPE", "method": "items"}, "There is no measure called \u2018NOPE\u2019"),
        ({"measure": "GBO", "method": "guess"}, "Select how you are recording it from the list"),
        ({"measure": "GBO"}, "Select how you are recording it"),
        ({"method": "items"}, "Select the measure"),
    ],
)
def test_a_wrong_choice_in_the_url_is_a_400_with_a_clear_message(
    signed_in, client, case, args, message
):
    response = client.get(new_url(case.id, **args))
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text


def test_a_post_without_a_choice_is_a_400(signed_in, client, case):
    response = signed_in.post(new_url(case.id))
    assert response.status_code == 400
    assert "There is a problem" in text_of(response)
    assert count_records(case) == 0


# ---- recording by item ----------------------------------------------------------------


def test_record_gbo_by_item(signed_in, client, case):
    url = new_url(case.id, measure="GBO", method="items")
    form_page = client.get(url)
    assert form_page.status_code == 200
    page = soup_of(form_page)
    assert page.select_one("h1").get_text(strip=True) == "Record Goal Based Outcomes"
    assert page.select_one("#completed_on")["value"] == str(service_today().day)
    assert {i["name"] for i in page.select("main form input[type=text]")} >= {
        "item_text_1",
        "item_1",
        "item_text_3",
        "item_3",
    }
    day = service_today() - timedelta(days=1)
    response = signed_in.post(
        url,
        {
            **date_parts(day),
            "respondent": "child",
            "care_contact_id": "",
            "item_text_1": "Go to lunch in the hall",
            "item_1": "4",
            "item_text_2": "Put my hand up in class",
            "item_2": "7",
            "item_text_3": "",
            "item_3": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == measures_url(case.id)
    stored = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    assert stored.completed_on == day
    assert stored.score_of("total") == Decimal("5.5")  # (4 + 7) / 2
    banner = text_of(client.get(measures_url(case.id)))
    assert f"Goal Based Outcomes recorded for {long_day(day)}. Score: total 5.5" in banner


def test_a_session_opened_from_is_chosen_and_its_date_filled_in(signed_in, client, world, case):
    day = service_today() - timedelta(days=4)
    contact = session_on(case, world.users[Role.EMHP], day)
    response = client.get(new_url(case.id, measure="GBO", method="items", contact_id=contact.id))
    page = soup_of(response)
    assert page.select_one("#care_contact_id option[selected]")["value"] == str(contact.id)
    assert page.select_one("#completed_on")["value"] == str(day.day)
    assert f"contact_id={contact.id}" in page.select_one("main form[method=post]")["action"]
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="totals", contact_id=contact.id),
        {
            **date_parts(day),
            "respondent": "parent_carer",
            "care_contact_id": str(contact.id),
            "scale_1": "3",
        },
    )
    assert response.status_code == 302
    stored = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    assert stored.care_contact_id == contact.id


def test_errors_show_what_was_typed_and_save_nothing(signed_in, client, case):
    url = new_url(case.id, measure="GBO", method="items")
    response = signed_in.post(
        url,
        {
            **date_parts(service_today()),
            "respondent": "child",
            "item_text_1": "Sleep through the night",
            "item_1": "11",
            "item_text_2": "Walk to school",
            "item_2": "seven",
        },
    )
    assert response.status_code == 400
    page = soup_of(response)
    assert page.title.get_text().startswith("Error: ")
    summary = [a.get_text(strip=True) for a in page.select(".nhsuk-error-summary a")]
    assert summary == [
        "Goal 1 rating must be a whole number from 0 to 10",
        "Goal 2 rating must be a whole number from 0 to 10",
    ]
    assert page.select_one("#item_1")["value"] == "11"
    assert page.select_one("#item_2")["value"] == "seven"
    assert page.select_one("#item_text_1")["value"] == "Sleep through the night"
    assert page.select_one("input[name=respondent][value=child]").has_attr("checked")
    assert count_records(case) == 0


def test_a_rule_broken_in_the_operation_is_shown_on_its_field(signed_in, client, case):
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="items"),
        {**date_parts(service_today()), "respondent": "child", "item_1": "6", "item_text_1": ""},
    )
    assert response.status_code == 400
    page = soup_of(response)
    link = page.select_one(".nhsuk-error-summary a")
    assert link["href"] == "#item_text_1"
    assert link.get_text(strip=True) == "Enter goal 1 in the family's words"
    assert page.select_one("#item_1")["value"] == "6"
    assert count_records(case) == 0


def test_a_future_date_is_refused_on_the_page(signed_in, client, case):
    tomorrow = service_today() + timedelta(days=1)
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="totals"),
        {**date_parts(tomorrow), "respondent": "child", "scale_1": "4"},
    )
    assert response.status_code == 400
    assert "The date completed must be today or in the past" in text_of(response)
    assert soup_of(response).select_one("#completed_on")["value"] == str(tomorrow.day)


def test_esq_items_are_radios_with_reference_labels(signed_in, client, case):
    response = client.get(new_url(case.id, measure="ESQ", method="items"))
    page = soup_of(response)
    assert [r["value"] for r in page.select("input[name=item_1]")] == ["1", "2", "3"]
    assert "reference labels, not the questionnaire's wording" in text_of(response)
    answers = {f"item_{n}": "1" for n in range(1, 13)}
    answers.update({"item_8": "3", "item_9": "2"})
    response = signed_in.post(
        new_url(case.id, measure="ESQ", method="items"),
        {**date_parts(service_today()), "respondent": "parent_carer", **answers},
    )
    assert response.status_code == 302
    stored = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    # care: all 1 -> 1; environment: (3 + 2 + 1) / 3 = 2; total: (9 + 6) / 12 = 1.25
    assert {s.scale: s.score for s in stored.scores} == {
        "care": Decimal("1"),
        "environment": Decimal("2"),
        "total": Decimal("1.25"),
    }


def test_a_crafted_radio_value_is_refused(signed_in, client, case):
    answers = {f"item_{n}": "1" for n in range(1, 13)}
    answers["item_4"] = "9"
    response = signed_in.post(
        new_url(case.id, measure="ESQ", method="items"),
        {**date_parts(service_today()), "respondent": "practitioner", **answers},
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "Select who completed it from the list" in text
    assert "Choose an answer to item 4 from the list" in text
    assert count_records(case) == 0


# ---- recording by total ---------------------------------------------------------------


def test_record_by_totals_with_subscales(signed_in, client, case, measures_dir):
    url = new_url(case.id, measure="RCADS-25", method="totals")
    page = soup_of(client.get(url))
    hints = " ".join(h.get_text(" ", strip=True) for h in page.select(".nhsuk-hint"))
    for words in ("From 0 to 30", "From 0 to 45", "From 0 to 75"):
        assert words in hints
    response = signed_in.post(
        url,
        {
            **date_parts(service_today()),
            "respondent": "child",
            "scale_1": "12",
            "scale_2": "20.5",
            "scale_3": "",
        },
    )
    assert response.status_code == 302
    stored = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    assert stored.by_item is False
    assert [(s.scale, s.score) for s in stored.scores] == [
        ("depression", Decimal("12")),
        ("anxiety", Decimal("20.5")),
    ]
    banner = text_of(client.get(measures_url(case.id)))
    assert "Scores: depression 12, anxiety 20.5" in banner


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10.5", "Total must be between 0 and 10"),
        ("6.555", "Total score must be a number, with at most 2 decimal places, like 6.5"),
        ("nan", "Total score must be a number, with at most 2 decimal places, like 6.5"),
        ("", "Enter at least one score for Goal Based Outcomes"),
    ],
)
def test_a_wrong_total_is_a_400_with_the_value_kept(signed_in, client, case, typed, message):
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="totals"),
        {**date_parts(service_today()), "respondent": "child", "scale_1": typed},
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert soup_of(response).select_one("#scale_1").get("value", "") == typed
    assert count_records(case) == 0


# ---- who may see what -----------------------------------------------------------------


def test_another_emhps_case_is_not_found(world, auth, client, make_user):
    other = make_user(Role.EMHP, team=world.team_a, email="other.emhp@test.example")
    auth.sign_in(other.email)
    case = world.case_a1
    for url in (
        measures_url(case.id),
        new_url(case.id),
        f"{measures_url(case.id)}/{world.measure_a1.id}",
    ):
        assert client.get(url).status_code == 404
    assert (
        auth.post(new_url(case.id, measure="GBO", method="totals"), {"scale_1": "3"}).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER])
def test_school_leads_and_commissioners_are_refused(world, auth, client, role):
    auth.sign_in(world.users[role].email)
    case = world.case_a1
    assert client.get(measures_url(case.id)).status_code in (403, 404)
    assert client.get(new_url(case.id)).status_code in (403, 404)
    assert client.get(f"{measures_url(case.id)}/{world.measure_a1.id}").status_code in (403, 404)


def test_a_clinical_lead_sees_measures_but_cannot_record(world, auth, client):
    auth.sign_in("lead@test.example")
    response = client.get(measures_url(world.case_a1.id))
    assert response.status_code == 200
    assert "Record a measure" not in text_of(response)
    assert client.get(new_url(world.case_a1.id)).status_code == 403


def test_a_record_of_another_case_is_not_found(signed_in, client, world, case):
    assert client.get(f"{measures_url(case.id)}/{world.measure_a1.id}").status_code == 404


def test_a_discharged_case_shows_why_it_cannot_record(signed_in, client, case):
    case.status = ReferralStatus.DISCHARGED  # a later state, made directly
    db.session.commit()
    page = text_of(client.get(measures_url(case.id)))
    assert "Record a measure" not in page
    assert "discharged: its record is read-only" in page
    response = client.get(new_url(case.id, measure="GBO", method="totals"))
    assert response.status_code == 200
    assert soup_of(response).select_one("main form[method=post]") is None
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="totals"),
        {**date_parts(service_today()), "respondent": "child", "scale_1": "3"},
    )
    assert response.status_code == 400
    assert "discharged" in text_of(response)
    assert count_records(case) == 0


# ---- the measures page: charts, tables, outcome ---------------------------------------


def test_the_chart_is_an_accessible_svg_with_a_table_of_every_score(signed_in, client, world, case):
    emhp = world.users[Role.EMHP]
    today = service_today()
    days = [today - timedelta(days=n) for n in (42, 21, 7)]
    for on, total in zip(days, (3, 4.5, 6.5), strict=True):
        add_record(case, emhp, on, total)
    response = client.get(measures_url(case.id))
    assert response.status_code == 200
    page = soup_of(response)
    svg = page.select_one("main svg[role=img]")
    title, desc = svg.find("title"), svg.find("desc")
    assert svg["aria-labelledby"] == f"{title['id']} {desc['id']}"
    assert title.get_text() == "Goal Based Outcomes: total score over time"
    assert desc.get_text().startswith(
        f"Total score: 3 scores, from 3 on {long_day(days[0])} to 6.5 on {long_day(days[2])}."
    )
    assert len(svg.select("circle")) == 3
    assert svg.select_one("line.app-chart-threshold") is None  # GBO has no threshold
    table = page.select_one(f"#{title['id'].removesuffix('-title')}-table")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")
    ]
    assert [row[1:] for row in rows] == [
        ["3", "The child or young person"],
        ["4.5", "The child or young person"],
        ["6.5", "The child or young person"],
    ]
    assert [row[0].split(":")[0].strip() for row in rows] == [long_day(d) for d in days]
    # The paired outcome: 3 -> 6.5 is better by 3.5, more than GBO's reliable change of 3.
    text = text_of(response)
    assert "Reliable improvement Yes" in text
    assert "Better by 3.5" in text


def test_a_threshold_is_drawn_and_described(signed_in, client, world, case, measures_dir):
    emhp = world.users[Role.EMHP]
    today = service_today()
    add_record(
        case, emhp, today - timedelta(days=30), 40, code="RCADS-25", depression=14, anxiety=26
    )
    add_record(case, emhp, today - timedelta(days=2), 20, code="RCADS-25", depression=8, anxiety=12)
    response = client.get(measures_url(case.id))
    page = soup_of(response)
    charts = {svg.find("title").get_text(): svg for svg in page.select("main svg[role=img]")}
    depression = charts["Invented anxiety and depression scale: depression score over time"]
    line = depression.select_one("line.app-chart-threshold")
    assert line is not None
    assert line["stroke-dasharray"]
    assert "Threshold 12" in depression.get_text()
    assert (
        "threshold 12: a score of 12 or more is in the clinical range"
        in depression.find("desc").get_text()
    )
    total = charts["Invented anxiety and depression scale: total score over time"]
    assert total.select_one("line.app-chart-threshold") is None  # no threshold on the total
    # Depression 14 -> 8: clinical to not, and by more than its reliable change of 5.
    text = text_of(response)
    assert "Recovered: from the clinical range to below it" in text
    assert "Reliable improvement Yes" in text


def test_the_record_page_shows_goals_scores_and_who_recorded_it(signed_in, client, world):
    case, measure = world.case_a1, world.measure_a1
    response = client.get(f"{measures_url(case.id)}/{measure.id}")
    assert response.status_code == 200
    text = text_of(response)
    assert "Go to lunch in the hall" in text
    assert "1. Goal 1" in text
    assert "3. Goal 3 Not answered" in text
    assert "Completed by The child or young person" in text
    assert world.users[Role.EMHP].full_name in text
    assert "Total 3 From 0 to 10" in text
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "measure_record", AuditEvent.action == AuditAction.READ
        )
    ).all()
    assert [e.record_id for e in events] == [str(measure.id)]


def test_the_measures_page_audits_each_record_read(signed_in, client, world, case):
    emhp = world.users[Role.EMHP]
    shown = [add_record(case, emhp, service_today() - timedelta(days=n), 5) for n in (9, 3)]
    client.get(measures_url(case.id))
    read = audited_ids(
        AuditEvent.record_type == "measure_record", AuditEvent.action == AuditAction.READ
    )
    assert sorted(read) == sorted(str(m.id) for m in shown)


def test_no_measures_yet(signed_in, client, case):
    response = client.get(measures_url(case.id))
    assert "No measures have been recorded for Robin Invented yet" in text_of(response)
    assert soup_of(response).select_one(f"a[href='{new_url(case.id)}']") is not None


def test_the_measures_page_runs_a_fixed_number_of_queries(
    signed_in, client, world, case, count_queries
):
    emhp = world.users[Role.EMHP]
    today = service_today()

    def queries_for_page() -> int:
        before = len(count_queries())
        assert client.get(measures_url(case.id)).status_code == 200
        return len(count_queries()) - before

    for n in range(2):
        add_record(case, emhp, today - timedelta(days=40 - n), 3 + n)
    at_two = queries_for_page()
    for n in range(2, 20):
        add_record(case, emhp, today - timedelta(days=40 - n), (3 + n) % 11)
    at_twenty = queries_for_page()
    assert at_twenty == at_two


def test_goal_wording_is_escaped(signed_in, client, case):
    response = signed_in.post(
        new_url(case.id, measure="GBO", method="items"),
        {
            **date_parts(service_today()),
            "respondent": "child",
            "item_1": "5",
            "item_text_1": "<b>Be brave</b>",
        },
    )
    assert response.status_code == 302
    stored = db.session.scalars(
        select(MeasureRecord).where(MeasureRecord.referral_id == case.id)
    ).one()
    page = client.get(f"{measures_url(case.id)}/{stored.id}").get_data(as_text=True)
    assert "&lt;b&gt;Be brave&lt;/b&gt;" in page
    assert "<b>Be brave</b>" not in page


def test_outcome_warns_when_the_respondents_differ(signed_in, client, world, case):
    emhp = world.users[Role.EMHP]
    add_record(case, emhp, service_today() - timedelta(days=20), 4)
    later = add_record(case, emhp, service_today() - timedelta(days=2), 5)
    later.respondent = Respondent.PARENT_CARER
    db.session.commit()
    text = text_of(client.get(measures_url(case.id)))
    # 4 -> 5 is better by 1, within GBO's reliable change of 3.
    assert "Reliable improvement No" in text
    assert "Within measurement error (a change of more than 3)" in text
    assert "the latest by a parent or carer: compare them with care" in text


# ---- the chart model (mhst.outcomes.chart, drawn by mhst.core.charts) -----------------


def _gbo():
    from mhst.outcomes.definition_loader import available_measures

    return available_measures()["GBO"]


def test_y_ticks_are_round_steps_with_the_range_ends():
    from mhst.core.charts import tick_values as y_tick_values

    assert [str(v) for v in y_tick_values(0, 10)] == ["0", "2", "4", "6", "8", "10"]
    assert [str(v) for v in y_tick_values(1, 3)] == ["1", "1.5", "2.0", "2.5", "3"]
    # 40 would sit too close to 45 (less than 0.6 of a step of 10): left out.
    assert [str(v) for v in y_tick_values(0, 45)] == ["0", "10", "20", "30", "45"]


def test_one_score_is_described_and_centred():
    from mhst.outcomes.chart import FRAME, Reading, scale_chart

    chart = scale_chart(
        _gbo(), "total", [Reading(date(2026, 10, 1), Decimal("3.00"), Respondent.CHILD, 7)]
    )
    assert chart.description == (
        "Total score: one score, 3 on 1 October 2026. Scores can be 0 to 10; higher is "
        "better. The table gives every score."
    )
    assert chart.points[0].x == (FRAME.left + FRAME.right) / 2
    assert [t.label for t in chart.x_ticks] == ["1 Oct 2026"]
    assert chart.threshold is None


def test_many_scores_keep_date_labels_apart_and_drop_value_labels():
    from mhst.core.charts import MIN_TICK_GAP
    from mhst.outcomes.chart import Reading, scale_chart

    start = date(2026, 1, 5)
    found = [
        Reading(start + timedelta(days=7 * n), Decimal(n % 11), Respondent.CHILD, n)
        for n in range(20)
    ]
    chart = scale_chart(_gbo(), "total", found)
    assert len(chart.points) == 20
    assert chart.show_values is False
    positions = [t.position for t in chart.x_ticks]
    assert positions[0] == chart.points[0].x
    assert positions[-1] == chart.points[-1].x
    assert all(b - a >= MIN_TICK_GAP for a, b in pairwise(positions))
    # Higher is better: a score of 10 is drawn at the top of the plot, 0 at the bottom.
    assert chart.points[10].y == chart.frame.top
    assert chart.points[0].y == chart.frame.bottom
    assert BeautifulSoup(chart.svg(), "html.parser").polyline["points"].count(",") == 20
