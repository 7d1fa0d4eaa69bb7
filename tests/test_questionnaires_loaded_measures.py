"""A licensed measure a service loads as data (``MEASURES_DIR``) with the wording it may
show (``ships_item_text``) can be sent to a family and answered online, scored by the same
code as the practitioner's form; loaded with reference labels only, it cannot be sent.
The measure here is invented: three items, 0-4, summed."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.outcomes import recording
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires import links
from tests.test_questionnaires import gbo_request

WORDING = ["I felt calm this week", "I slept well this week", "I enjoyed things this week"]


def invented_measure(*, ships_item_text: bool) -> dict:
    return {
        "code": "CALM-3",
        "name": "Invented calm scale",
        "completed_by": ["child", "parent_carer"],
        "licence": "Invented for the tests; a service loads its licensed measure this way.",
        "ships_item_text": ships_item_text,
        "items": [{"number": n, "label": text} for n, text in enumerate(WORDING, start=1)],
        "response_scale": {"min": 0, "max": 4, "labels": {"0": "Not at all", "4": "Always"}},
        "direction": "higher_is_better",
        "scoring": {"total": "sum"},
        "missing_items": {"rule": "refuse"},
    }


@pytest.fixture
def load_measure(app, tmp_path, monkeypatch):
    def load(**kwargs) -> None:
        (tmp_path / "calm3.json").write_text(json.dumps(invented_measure(**kwargs)), "utf-8")
        monkeypatch.setitem(app.config, "MEASURES_DIR", str(tmp_path))

    return load


def test_a_loaded_measure_with_its_wording_is_answered_online_and_scored(
    world, client, load_measure
):
    load_measure(ships_item_text=True)
    assert "CALM-3" in links.sendable(recording.measures())
    link, token, _ = links.create_link(
        world.case_a1, gbo_request(measure_code="CALM-3"), by=world.users[Role.EMHP]
    )
    db.session.commit()
    page = client.get(f"/q/{token}").get_data(as_text=True)
    shown = BeautifulSoup(page, "html.parser").get_text(" ", strip=True)
    assert all(text in shown for text in WORDING)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    answers = {"item_1": "3", "item_2": "1", "item_3": "4"}
    response = client.post(f"/q/{token}", data={**answers, "csrf_token": csrf})
    assert response.status_code == 302
    db.session.refresh(link)
    record = db.session.get(MeasureRecord, link.measure_record_id)
    assert record.measure_code == "CALM-3"
    assert record.online is True
    assert record.score_of("total") == 8


def test_a_loaded_measure_with_reference_labels_only_is_not_sent(world, load_measure):
    load_measure(ships_item_text=False)
    assert "CALM-3" in recording.measures()
    assert "CALM-3" not in links.sendable(recording.measures())
    with pytest.raises(RuleError, match="Choose a questionnaire"):
        links.create_link(
            world.case_a1, gbo_request(measure_code="CALM-3"), by=world.users[Role.EMHP]
        )
