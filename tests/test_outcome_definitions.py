"""Measure definitions: the loader's checks, the shipped measures, RCADS-25 expressed in the
format (with invented labels: its wording is licensed and never shipped) and scoring."""

from __future__ import annotations

import copy
import json

import pytest
from flask import Flask

from mhst.outcomes.definition_loader import available_measures, load_definition, load_file
from mhst.outcomes.definitions import (
    SHIPPED_DIR,
    TOTAL,
    DefinitionError,
    Direction,
    Method,
    Respondent,
)
from mhst.outcomes.scoring import ScoringError, score, score_from_totals

DEPRESSION = [1, 4, 8, 10, 13, 15, 16, 19, 21, 24]
ANXIETY = [n for n in range(1, 26) if n not in DEPRESSION]


def rcads_data() -> dict:
    """RCADS-25 in the format: 25 items scored 0-3, depression and anxiety subscales and a
    total; prorated when at most 2 items of a subscale are missing (so at most 4 of the
    total). Labels and thresholds are invented for the test."""
    return {
        "code": "RCADS-25",
        "name": "Revised Children's Anxiety and Depression Scale (25 items)",
        "completed_by": ["child", "parent_carer"],
        "licence": "Licensed: written permission needed for electronic use.",
        "ships_item_text": False,
        "items": [{"number": n, "label": f"Invented item {n}"} for n in range(1, 26)],
        "response_scale": {
            "min": 0,
            "max": 3,
            "labels": {"0": "Never", "1": "Sometimes", "2": "Often", "3": "Always"},
        },
        "direction": "higher_is_worse",
        "subscales": {"depression": DEPRESSION, "anxiety": ANXIETY},
        "scoring": {"subscales": "sum", "total": "sum"},
        "missing_items": {
            "rule": "prorate",
            "max_missing": {"depression": 2, "anxiety": 2, "total": 4},
        },
        "thresholds": {
            "depression": {"value": 12, "direction": "higher_is_worse"},
            "anxiety": {"value": 18},
            "total": {"value": 30},
        },
        "reliable_change": {"depression": 5, "anxiety": 6, "total": 8},
    }


@pytest.fixture
def rcads():
    return load_definition(rcads_data())


def all_answered(value: int = 1) -> dict[int, int | None]:
    return dict.fromkeys(range(1, 26), value)


# --- RCADS-25 in the format ----------------------------------------------------------


def test_rcads_25_is_expressible(rcads):
    assert rcads.code == "RCADS-25"
    assert rcads.ships_item_text is False
    assert rcads.completed_by == (Respondent.CHILD, Respondent.PARENT_CARER)
    assert rcads.scale_names == ("depression", "anxiety", TOTAL)
    assert rcads.scale("depression").items == tuple(DEPRESSION)
    assert len(rcads.scale("anxiety").items) == 15
    assert rcads.scale(TOTAL).items == tuple(range(1, 26))
    assert rcads.scale("anxiety").threshold.direction is Direction.HIGHER_IS_WORSE
    assert rcads.scale(TOTAL).reliable_change == 8
    assert rcads.possible_range(rcads.scale("depression")) == (0, 30)
    assert rcads.response_scale.label_for(2) == "Often"


def test_rcads_scores_every_scale(rcads):
    answers = all_answered(0)
    for number in DEPRESSION[:4]:
        answers[number] = 3  # depression 12
    for number in ANXIETY[:5]:
        answers[number] = 2  # anxiety 10
    assert score(rcads, answers) == {"depression": 12.0, "anxiety": 10.0, TOTAL: 22.0}


def test_rcads_prorates_at_the_limit_and_refuses_one_beyond(rcads):
    answers = all_answered(1)
    answers[1] = None  # one depression item missing: 9 answered, sum 9 -> 9 x 10 / 9 = 10
    assert score(rcads, answers)["depression"] == 10.0

    answers[4] = None  # two missing: exactly at the limit, 8 x 10 / 8 = 10
    answers[8] = 3  # 7 x 1 + 3 = 10 over 8 answered -> 12.5
    scores = score(rcads, answers)
    assert scores["depression"] == 12.5
    assert scores["anxiety"] == 15.0
    assert scores[TOTAL] == 27.17  # 25 over 23 answered: 25 x 25 / 23 = 27.17391...

    del answers[10]  # left out counts as unanswered: three missing, one beyond the limit
    with pytest.raises(ScoringError) as error:
        score(rcads, answers)
    assert str(error.value) == (
        "Depression cannot be scored: 3 of its 10 items are unanswered and at most 2 items may be"
    )


def test_rcads_total_follows_its_own_limit():
    data = rcads_data()
    data["missing_items"]["max_missing"]["total"] = 3
    measure = load_definition(data)
    answers = all_answered(1)
    answers.update({1: None, 4: None, 2: None, 3: None})  # 2 per subscale, 4 in the total
    with pytest.raises(ScoringError, match="Total cannot be scored: 4 of its 25 items"):
        score(measure, answers)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({3: 4}, "Item 3 must be between 0 and 3"),
        ({3: -1}, "Item 3 must be between 0 and 3"),
        ({3: 1.5}, "Item 3 must be between 0 and 3"),
        ({3: "2"}, "Item 3 must be between 0 and 3"),
        ({3: True}, "Item 3 must be between 0 and 3"),
        ({26: 1}, r"has no item 26 \(items are 1 to 25\)"),
        ({0: 1}, r"has no item 0 \(items are 1 to 25\)"),
        ({"3": 1}, "has no item 3"),
    ],
)
def test_scoring_refuses_bad_answers(rcads, answers, message):
    full = all_answered(1)
    full.update(answers)
    with pytest.raises(ScoringError, match=message):
        score(rcads, full)


def test_scoring_refuses_nothing_answered(rcads):
    with pytest.raises(ScoringError, match="Answer at least one item"):
        score(rcads, dict.fromkeys(range(1, 26)))


def test_refuse_rule_needs_every_item():
    data = rcads_data()
    data["missing_items"] = {"rule": "refuse"}
    measure = load_definition(data)
    assert score(measure, all_answered(2))[TOTAL] == 50.0
    answers = all_answered(2)
    answers[25] = None
    with pytest.raises(ScoringError, match="Anxiety cannot be scored with unanswered items"):
        score(measure, answers)


def test_reverse_scored_items_count_the_other_way():
    data = rcads_data()
    data["items"][0]["reverse_scored"] = True
    measure = load_definition(data)
    answers = all_answered(0)
    answers[1] = 0  # reverse scored: counts as 3
    assert score(measure, answers)["depression"] == 3.0
    answers[1] = 3
    assert score(measure, answers)["depression"] == 0.0


def test_score_from_totals_checks_the_range(rcads):
    assert score_from_totals(rcads, {TOTAL: 75, "depression": 0}) == {
        "depression": 0.0,
        TOTAL: 75.0,
    }
    assert score_from_totals(rcads, {"anxiety": 44.5, "depression": None}) == {"anxiety": 44.5}
    with pytest.raises(ScoringError, match=r"^Total must be between 0 and 75$"):
        score_from_totals(rcads, {TOTAL: 76})
    with pytest.raises(ScoringError, match=r"^Depression must be between 0 and 30$"):
        score_from_totals(rcads, {"depression": -1})
    with pytest.raises(ScoringError, match=r"^Depression must be between 0 and 30$"):
        score_from_totals(rcads, {"depression": float("nan")})
    with pytest.raises(ScoringError, match="must be a number between 0 and 75"):
        score_from_totals(rcads, {TOTAL: "12"})
    with pytest.raises(ScoringError, match="has no scale called 'stress'"):
        score_from_totals(rcads, {"stress": 1})
    with pytest.raises(ScoringError, match="Enter at least one score"):
        score_from_totals(rcads, {TOTAL: None})


# --- shipped measures --------------------------------------------------------------


def test_shipped_measures_load():
    measures = available_measures()
    assert set(measures) == {"GBO", "ESQ"}

    gbo = measures["GBO"]
    assert [item.label for item in gbo.items] == ["Goal 1", "Goal 2", "Goal 3"]
    assert (gbo.response_scale.minimum, gbo.response_scale.maximum) == (0, 10)
    assert gbo.scale_names == (TOTAL,)
    total = gbo.scale(TOTAL)
    assert total.method is Method.MEAN
    assert total.direction is Direction.HIGHER_IS_BETTER
    assert total.reliable_change == 3
    assert total.threshold is None
    assert "CC BY-NC-SA" in gbo.licence
    assert "CORC" in gbo.licence
    assert "may configure" in gbo.note

    esq = measures["ESQ"]
    assert len(esq.items) == 12
    assert esq.response_scale.labels == (
        (1, "Certainly true"),
        (2, "Partly true"),
        (3, "Not true"),
    )
    assert all(s.threshold is None and s.reliable_change is None for s in esq.scales)
    assert esq.completed_by == (Respondent.CHILD, Respondent.PARENT_CARER)
    assert "free to use" in esq.licence


def test_gbo_scores_the_mean_of_the_goals_rated():
    gbo = available_measures()["GBO"]
    assert score(gbo, {1: 4}) == {TOTAL: 4.0}
    assert score(gbo, {1: 4, 2: 7, 3: None}) == {TOTAL: 5.5}
    assert score(gbo, {1: 1, 2: 2, 3: 2}) == {TOTAL: 1.67}
    with pytest.raises(ScoringError, match="Item 2 must be between 0 and 10"):
        score(gbo, {1: 4, 2: 11})
    with pytest.raises(ScoringError, match="has no item 4"):
        score(gbo, {4: 4})


def test_esq_scores_subscales_and_total():
    esq = available_measures()["ESQ"]
    answers = dict.fromkeys(range(1, 13), 1)
    answers.update({8: 3, 9: 2, 10: None})  # environment: mean of 3 and 2
    assert score(esq, answers) == {"care": 1.0, "environment": 2.5, TOTAL: 1.27}  # 14 / 11
    answers[9] = None  # two of environment's three items: beyond its limit of one
    with pytest.raises(ScoringError, match="Environment cannot be scored"):
        score(esq, answers)


def test_service_directory_adds_and_replaces_measures(tmp_path):
    (tmp_path / "rcads.json").write_text(json.dumps(rcads_data()), encoding="utf-8")
    gbo = json.loads((SHIPPED_DIR / "gbo.json").read_text(encoding="utf-8"))
    gbo["reliable_change"]["total"] = 2.45
    (tmp_path / "gbo-local.json").write_text(json.dumps(gbo), encoding="utf-8")

    app = Flask(__name__)
    app.config["MEASURES_DIR"] = str(tmp_path)
    with app.app_context():
        measures = available_measures()
    assert set(measures) == {"GBO", "ESQ", "RCADS-25"}
    assert measures["GBO"].scale(TOTAL).reliable_change == 2.45
    assert available_measures()["GBO"].scale(TOTAL).reliable_change == 3  # no app context

    (tmp_path / "rcads-copy.json").write_text(json.dumps(rcads_data()), encoding="utf-8")
    with pytest.raises(DefinitionError, match="measure code 'RCADS-25' is used by another"):
        available_measures(tmp_path)


def test_service_directory_problems_are_named(tmp_path):
    with pytest.raises(DefinitionError, match="is not a directory"):
        available_measures(tmp_path / "absent")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^broken\.json: cannot be read as JSON"):
        available_measures(tmp_path)
    bad = rcads_data()
    bad["scale"] = 1
    (tmp_path / "broken.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(
        DefinitionError, match=r"^broken\.json: Unknown key 'scale' in the measure$"
    ):
        load_file(tmp_path / "broken.json")


# --- the loader's checks --------------------------------------------------------------


def changed(change) -> dict:
    data = copy.deepcopy(rcads_data())
    change(data)
    return data


def setter(*path_and_value):
    *path, key, value = path_and_value

    def change(data):
        target = data
        for part in path:
            target = target[part]
        target[key] = value

    return change


def remover(*path):
    *path, key = path

    def change(data):
        target = data
        for part in path:
            target = target[part]
        del target[key]

    return change


INVALID = [
    (setter("colour", "blue"), "Unknown key 'colour' in the measure"),
    (setter("items", 0, "weight", 2), "Unknown key 'weight' in item 1"),
    (setter("response_scale", "step", 1), "Unknown key 'step' in response_scale"),
    (setter("missing_items", "limit", 1), "Unknown key 'limit' in missing_items"),
    (setter("thresholds", "total", "colour", "red"), "Unknown key 'colour' in threshold"),
    (remover("code"), "the measure is missing 'code'"),
    (remover("scoring", "total"), "scoring is missing 'total'"),
    (setter("code", "  "), "code must be non-empty text"),
    (setter("ships_item_text", "no"), "ships_item_text must be true or false"),
    (setter("completed_by", []), "completed_by must be a non-empty list"),
    (setter("completed_by", ["teacher"]), "completed_by must be one of 'child', 'parent_carer'"),
    (setter("completed_by", ["child", "child"]), "completed_by names a respondent twice"),
    (setter("items", []), "items must be a non-empty list"),
    (
        setter("items", 2, "number", 4),
        "Item numbers must run 1 to 25 in order: item 3 is numbered 4",
    ),
    (setter("items", 0, "number", 0), "item 1 is numbered 0"),
    (setter("items", 0, "number", "1"), "item 1 number must be a whole number"),
    (setter("items", 0, "label", ""), "item 1 label must be non-empty text"),
    (setter("items", 0, "reverse_scored", "yes"), "item 1 reverse_scored must be true or false"),
    (setter("response_scale", "min", 4), "response_scale min (4) must be less than max (3)"),
    (setter("response_scale", "min", 3), "response_scale min (3) must be less than max (3)"),
    (setter("response_scale", "max", 2.5), "response_scale max must be a whole number"),
    (
        setter("response_scale", "labels", "4", "Constantly"),
        "response_scale has a label for 4, outside the scale 0 to 3",
    ),
    (setter("response_scale", "labels", "x", "X"), "response_scale label key 'x' is not a number"),
    (setter("direction", "up"), "direction must be one of 'higher_is_worse', 'higher_is_better'"),
    (setter("subscales", "stress", [1, 26]), "Subscale 'stress' names an unknown item 26"),
    (setter("subscales", "stress", []), "Subscale 'stress' must list at least one item"),
    (setter("subscales", "stress", [1, 1]), "Subscale 'stress' lists an item twice"),
    (setter("subscales", "total", [1]), "'total' is reserved"),
    (setter("scoring", "subscales", "median"), "scoring subscales must be one of 'sum', 'mean'"),
    (setter("scoring", "total", "max"), "scoring total must be one of 'sum', 'mean'"),
    (
        setter("scoring", "subscales", {"depression": "sum"}),
        "scoring subscales has no method for 'anxiety'",
    ),
    (remover("scoring", "subscales"), "scoring is missing 'subscales'"),
    (setter("missing_items", "rule", "ignore"), "missing_items rule must be 'refuse' or"),
    (
        setter("missing_items", {"rule": "prorate"}),
        "missing_items rule 'prorate' needs max_missing",
    ),
    (
        setter("missing_items", {"rule": "refuse", "max_missing": 1}),
        "missing_items rule 'refuse' takes no max_missing",
    ),
    (
        setter("missing_items", "max_missing", {"depression": 2, "anxiety": 2}),
        "max_missing has no value for 'total'",
    ),
    (
        setter("missing_items", "max_missing", "depression", 10),
        "max_missing for 'depression' must be from 0 to 9",
    ),
    (
        setter("missing_items", "max_missing", "stress", 1),
        "max_missing names an unknown scale 'stress'",
    ),
    (setter("thresholds", "stress", {"value": 1}), "thresholds names an unknown scale 'stress'"),
    (
        setter("thresholds", "depression", "value", 31),
        "The threshold for 'depression' (31) is outside the possible scores 0 to 30",
    ),
    (
        setter("thresholds", "total", "value", -0.5),
        "The threshold for 'total' (-0.5) is outside the possible scores 0 to 75",
    ),
    (
        setter("thresholds", "total", "direction", "higher_is_better"),
        "The threshold for 'total' says higher_is_better but the scale is higher_is_worse",
    ),
    (setter("thresholds", "total", "value", "30"), "threshold for 'total' must be a number"),
    (
        setter("reliable_change", "total", 0),
        "The reliable change for 'total' (0) must be more than 0 and at most 75",
    ),
    (
        setter("reliable_change", "depression", 31),
        "The reliable change for 'depression' (31) must be more than 0 and at most 30",
    ),
    (setter("reliable_change", "x", 1), "reliable_change names an unknown scale 'x'"),
    (setter("directions", {"anxiety": "sideways"}), "directions for anxiety must be one of"),
    (setter("directions", "higher_is_better"), "directions must be an object"),
    (setter("thresholds", []), "thresholds must be an object"),
    (setter("subscales", []), "subscales must be an object"),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_loader_names_the_problem(change, message):
    with pytest.raises(DefinitionError) as error:
        load_definition(changed(change))
    assert message in str(error.value)


def test_loader_refuses_a_measure_with_no_scales():
    data = rcads_data()
    del data["subscales"]
    data["scoring"] = {"total": None}
    del data["thresholds"]
    del data["reliable_change"]
    data["missing_items"] = {"rule": "refuse"}
    with pytest.raises(DefinitionError, match="The measure has no scales"):
        load_definition(data)


@pytest.mark.parametrize("data", [None, [], "RCADS"])
def test_loader_refuses_a_non_object(data):
    with pytest.raises(DefinitionError, match="the measure must be an object"):
        load_definition(data)


def test_directions_override_the_measure_direction():
    data = rcads_data()
    data["directions"] = {"anxiety": "higher_is_better"}
    data["thresholds"]["anxiety"] = {"value": 18, "direction": "higher_is_better"}
    measure = load_definition(data)
    assert measure.scale("anxiety").direction is Direction.HIGHER_IS_BETTER
    assert measure.scale("depression").direction is Direction.HIGHER_IS_WORSE


def test_definitions_are_frozen(rcads):
    with pytest.raises(AttributeError):
        rcads.code = "X"  # type: ignore[misc]
