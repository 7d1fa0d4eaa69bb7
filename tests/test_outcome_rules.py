"""The outcome rules, on cases built to sit exactly on and either side of each threshold.

Rules (see ``mhst/outcomes/rules.py``): reliable change means a change *strictly greater*
than the reliable-change value; a score exactly at a clinical threshold is clinical, so
recovery needs the last score strictly on the non-clinical side.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from mhst.outcomes.definition_loader import available_measures, load_definition
from mhst.outcomes.definitions import TOTAL
from mhst.outcomes.rules import (
    is_clinical,
    outcome,
    paired,
    recovery,
    reliable_deterioration,
    reliable_improvement,
    scale_outcomes,
)
from mhst.outcomes.scoring import score
from tests.test_outcome_definitions import rcads_data

# RCADS (invented thresholds, higher is worse): depression threshold 12, reliable change 5;
# anxiety threshold 18, reliable change 6; total threshold 30, reliable change 8.


@pytest.fixture
def rcads():
    return load_definition(rcads_data())


@pytest.fixture
def gbo():
    return available_measures()["GBO"]  # higher is better, reliable change 3, no threshold


@pytest.fixture
def better_with_threshold():
    """A higher-is-better measure with a threshold of 5 on its total (invented)."""
    data = rcads_data()
    data.update(
        code="WELL",
        direction="higher_is_better",
        subscales={},
        scoring={"total": "mean"},
        missing_items={"rule": "refuse"},
        thresholds={"total": {"value": 1.5, "direction": "higher_is_better"}},
        reliable_change={"total": 1},
    )
    return load_definition(data)


# --- paired ---------------------------------------------------------------------------


def test_paired_needs_two_scores_and_takes_first_and_last():
    assert paired([]) is None
    assert paired([{TOTAL: 1.0}]) is None
    assert paired(["a", "b"]) == ("a", "b")
    assert paired(["a", "b", "c", "d"]) == ("a", "d")


def test_outcome_is_none_without_a_pair(gbo):
    assert outcome(gbo, [{TOTAL: 4.0}]) is None


# --- reliable change, higher is better (GBO, value 3) --------------------------------


@pytest.mark.parametrize(
    ("first", "last", "improved"),
    [
        (2.0, 4.0, False),  # 1 below the value
        (2.0, 5.0, False),  # exactly the value: not beyond it
        (2.0, 5.01, True),  # just beyond
        (2.0, 6.0, True),  # 1 above
    ],
)
def test_gbo_reliable_improvement_is_strictly_beyond_the_value(gbo, first, last, improved):
    assert reliable_improvement(gbo, {TOTAL: first}, {TOTAL: last}) is improved
    assert reliable_deterioration(gbo, {TOTAL: first}, {TOTAL: last}) is False


@pytest.mark.parametrize(
    ("first", "last", "worse"),
    [(8.0, 6.0, False), (8.0, 5.0, False), (8.0, 4.99, True), (8.0, 4.0, True)],
)
def test_gbo_reliable_deterioration_is_strictly_beyond_the_value(gbo, first, last, worse):
    assert reliable_deterioration(gbo, {TOTAL: first}, {TOTAL: last}) is worse
    assert reliable_improvement(gbo, {TOTAL: first}, {TOTAL: last}) is False


def test_gbo_scored_means_that_differ_by_exactly_the_value_are_not_reliable(gbo):
    first = score(gbo, {1: 2, 2: 3, 3: 3})  # 8 / 3 = 2.67
    last = score(gbo, {1: 5, 2: 6, 3: 6})  # 17 / 3 = 5.67: a change of exactly 3
    assert scale_outcomes(gbo, first, last)[TOTAL].improvement == Decimal("3")
    assert reliable_improvement(gbo, first, last) is False
    assert reliable_improvement(gbo, first, score(gbo, {1: 5, 2: 6, 3: 7})) is True


# --- reliable change, higher is worse (RCADS) ----------------------------------------


@pytest.mark.parametrize(
    ("last", "improved"),
    [(16.0, False), (15.0, False), (14.0, True)],  # depression 20 falls by 4, 5 (=value), 6
)
def test_rcads_improvement_is_a_fall_beyond_the_value(rcads, last, improved):
    first, final = {"depression": 20.0}, {"depression": last}
    assert reliable_improvement(rcads, first, final) is improved
    assert reliable_deterioration(rcads, first, final) is False
    assert scale_outcomes(rcads, first, final)["depression"].improvement == 20 - Decimal(last)


@pytest.mark.parametrize(
    ("last", "worse"),
    [(14.0, False), (15.0, False), (16.0, True)],  # depression 10 rises by 4, 5 (=value), 6
)
def test_rcads_deterioration_is_a_rise_beyond_the_value(rcads, last, worse):
    first, final = {"depression": 10.0}, {"depression": last}
    assert reliable_deterioration(rcads, first, final) is worse
    assert reliable_improvement(rcads, first, final) is False


def test_improvement_needs_nothing_reliably_worse(rcads):
    first = {"depression": 20.0, "anxiety": 20.0, TOTAL: 40.0}
    # Depression reliably better (-6), anxiety worse but only by its value (+6): improved.
    last = {"depression": 14.0, "anxiety": 26.0, TOTAL: 40.0}
    assert reliable_improvement(rcads, first, last) is True
    assert reliable_deterioration(rcads, first, last) is False
    # Anxiety 1 beyond its value (+7): reliably worse, so no improvement, and deterioration.
    last = {"depression": 14.0, "anxiety": 27.0, TOTAL: 41.0}
    outcomes = scale_outcomes(rcads, first, last)
    assert outcomes["depression"].reliably_better is True
    assert outcomes["anxiety"].reliably_worse is True
    assert outcomes[TOTAL].reliably_better is False
    assert outcomes[TOTAL].reliably_worse is False
    assert reliable_improvement(rcads, first, last) is False
    assert reliable_deterioration(rcads, first, last) is True


def test_only_scales_with_scores_at_both_ends_count(rcads):
    # The last score was recorded by total only: the subscales have no pair, so only the
    # total is judged.
    first = {"depression": 5.0, "anxiety": 10.0, TOTAL: 40.0}
    last = {TOTAL: 31.0}  # total falls by 9, beyond its value of 8
    assert set(scale_outcomes(rcads, first, last)) == {TOTAL}
    assert reliable_improvement(rcads, first, last) is True


def test_rules_are_unknown_without_a_reliable_change_value():
    esq = available_measures()["ESQ"]
    first, last = {TOTAL: 3.0}, {TOTAL: 1.0}
    assert reliable_improvement(esq, first, last) is None
    assert reliable_deterioration(esq, first, last) is None
    assert recovery(esq, first, last) == {}
    assert scale_outcomes(esq, first, last)[TOTAL].reliably_better is None


def test_rules_are_unknown_with_no_common_scale(rcads):
    assert reliable_improvement(rcads, {"depression": 20.0}, {"anxiety": 1.0}) is None
    assert reliable_deterioration(rcads, {"depression": 20.0}, {"anxiety": 1.0}) is None


# --- recovery -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (31.0, 29.0, {TOTAL: True}),  # above to below
        (30.0, 29.0, {TOTAL: True}),  # exactly at the threshold is clinical
        (31.0, 30.0, {TOTAL: False}),  # ending exactly at the threshold is still clinical
        (31.0, 31.0, {TOTAL: False}),  # still above
        (31.0, 29.99, {TOTAL: True}),  # just below
        (29.0, 10.0, {}),  # not clinical at the start: recovery does not apply
        (29.99, 31.0, {}),
    ],
)
def test_recovery_higher_is_worse(rcads, first, last, expected):
    assert recovery(rcads, {TOTAL: first}, {TOTAL: last}) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (1.0, 2.0, {TOTAL: True}),  # below to above
        (1.5, 2.0, {TOTAL: True}),  # exactly at the threshold is clinical
        (1.0, 1.5, {TOTAL: False}),  # ending exactly at it is still clinical
        (1.0, 1.51, {TOTAL: True}),
        (1.51, 3.0, {}),  # not clinical at the start
    ],
)
def test_recovery_higher_is_better(better_with_threshold, first, last, expected):
    assert recovery(better_with_threshold, {TOTAL: first}, {TOTAL: last}) == expected


def test_is_clinical_at_and_either_side(rcads, better_with_threshold, gbo):
    depression = rcads.scale("depression")  # threshold 12, higher is worse
    assert [is_clinical(depression, v) for v in (11.0, 12.0, 13.0)] == [False, True, True]
    total = better_with_threshold.scale(TOTAL)  # threshold 1.5, higher is better
    assert [is_clinical(total, v) for v in (1.0, 1.5, 2.0)] == [True, True, False]
    assert is_clinical(gbo.scale(TOTAL), 1.0) is None


def test_recovery_per_subscale(rcads):
    first = {"depression": 15.0, "anxiety": 20.0, TOTAL: 35.0}
    last = {"depression": 11.0, "anxiety": 18.0, TOTAL: 29.0}
    assert recovery(rcads, first, last) == {"depression": True, "anxiety": False, TOTAL: True}


# --- everything together --------------------------------------------------------------


def test_outcome_pairs_first_and_last_and_applies_every_rule(rcads):
    scores = [
        {"depression": 15.0, "anxiety": 20.0, TOTAL: 35.0},
        {"depression": 30.0, "anxiety": 45.0, TOTAL: 75.0},  # the middle is ignored
        {"depression": 9.0, "anxiety": 17.0, TOTAL: 26.0},
    ]
    result = outcome(rcads, scores)
    assert result.first is scores[0]
    assert result.last is scores[-1]
    assert result.reliable_improvement is True  # depression fell by 6 (> 5)
    assert result.reliable_deterioration is False
    assert result.recovery == {"depression": True, "anxiety": True, TOTAL: True}
    assert result.scales["anxiety"].reliably_better is False  # fell by 3, value 6
    assert result.scales[TOTAL].improvement == Decimal("9")
