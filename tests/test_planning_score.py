"""The need score (mhst/planning/score.py): each weight's effect, missing figures, and
over many inputs a score from 0 to 100 that never falls when a school's need rises."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mhst.planning.score import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    Figures,
    Weights,
    components,
    need_score,
)

FULL = Figures(
    fsm_percent=20,
    imd_decile=5,
    low_wellbeing_percent=20,
    belonging_low_percent=20,
    days_waiting=200,
)
# Two schools, each strong in one figure and weak in another.
DEPRIVED = Figures(
    fsm_percent=10,
    imd_decile=1,
    low_wellbeing_percent=10,
    belonging_low_percent=10,
    days_waiting=30,
)
POOR = Figures(
    fsm_percent=50,
    imd_decile=9,
    low_wellbeing_percent=10,
    belonging_low_percent=10,
    days_waiting=30,
)


def test_each_component_on_its_scale():
    parts = components(
        Figures(
            fsm_percent=25,
            imd_decile=1,
            low_wellbeing_percent=40,
            belonging_low_percent=10,
            days_waiting=365,
        )
    )
    assert parts == {
        "deprivation": 1.0,
        "fsm": 0.5,  # full at 50%
        "wellbeing": 0.4,
        "belonging": 0.1,
        "waiting": 0.5,  # full at two years
    }
    assert components(Figures(imd_decile=10, fsm_percent=80, days_waiting=2000)) == {
        "deprivation": 0.0,
        "fsm": 1.0,
        "wellbeing": None,
        "belonging": None,
        "waiting": 1.0,
    }


def test_a_hand_worked_score():
    # deprivation (10-5)/9 = 0.5556 x 3, fsm 0.4 x 3, wellbeing 0.2 x 2, belonging 0.2 x 1,
    # waiting 200/730 = 0.274 x 1: (1.6667 + 1.2 + 0.4 + 0.2 + 0.274) / 10 = 37.4
    score = need_score(FULL)
    assert score.value == pytest.approx(37.406, abs=0.01)
    assert not score.fewer_figures
    assert sum(c.points for c in score.contributions) == pytest.approx(score.value)


def test_raising_a_weight_moves_the_school_strong_in_it_up():
    deprivation_first = Weights(deprivation=10, fsm=1, wellbeing=1, belonging=1, waiting=1)
    fsm_first = Weights(deprivation=1, fsm=10, wellbeing=1, belonging=1, waiting=1)
    assert need_score(DEPRIVED, deprivation_first).value > need_score(POOR, deprivation_first).value
    assert need_score(POOR, fsm_first).value > need_score(DEPRIVED, fsm_first).value


def test_a_weight_of_zero_ignores_its_figure():
    weights = replace(DEFAULT_WEIGHTS, fsm=0)
    low, high = replace(FULL, fsm_percent=0), replace(FULL, fsm_percent=100)
    assert need_score(low, weights).value == need_score(high, weights).value
    assert need_score(low).value < need_score(high).value  # and counts when weighted


def test_a_missing_figure_is_left_out_with_its_weight():
    missing = replace(FULL, low_wellbeing_percent=None)
    score = need_score(missing)
    assert score.fewer_figures
    wellbeing = next(c for c in score.contributions if c.component == "wellbeing")
    assert (wellbeing.value, wellbeing.points) == (None, None)
    # The same as scoring the other figures with the wellbeing weight at 0.
    assert score.value == pytest.approx(
        need_score(FULL, replace(DEFAULT_WEIGHTS, wellbeing=0)).value
    )
    # A missing figure whose weight is 0 does not make the score "fewer figures".
    assert not need_score(missing, replace(DEFAULT_WEIGHTS, wellbeing=0)).fewer_figures
    assert (score.figures_used, need_score(FULL).figures_used) == (4, 5)


def test_no_figures_no_score():
    assert need_score(Figures()).value is None
    assert need_score(FULL, Weights(0, 0, 0, 0, 0)).value is None


percent = st.one_of(st.none(), st.decimals(0, 100, places=1))
figures = st.builds(
    Figures,
    fsm_percent=percent,
    imd_decile=st.one_of(st.none(), st.integers(1, 10)),
    low_wellbeing_percent=percent,
    belonging_low_percent=percent,
    days_waiting=st.one_of(st.none(), st.integers(0, 3000)),
)
weights = st.builds(Weights, *(st.integers(0, 10) for _ in COMPONENTS))


@given(figures, weights)
def test_score_is_from_0_to_100(school, chosen):
    score = need_score(school, chosen)
    if score.value is not None:
        assert -1e-9 <= score.value <= 100 + 1e-9


@given(figures, weights, st.sampled_from(COMPONENTS))
def test_more_need_in_one_figure_never_lowers_the_score(school, chosen, name):
    field = {
        "deprivation": "imd_decile",
        "fsm": "fsm_percent",
        "wellbeing": "low_wellbeing_percent",
        "belonging": "belonging_low_percent",
        "waiting": "days_waiting",
    }[name]
    value = getattr(school, field)
    if value is None:
        return
    more = 1 if name == "deprivation" else 100 if name == "waiting" else 10
    # A lower decile is more deprived; everything else grows with need.
    raised = max(value - more, 1) if name == "deprivation" else min(value + more, 100)
    if name == "waiting":
        raised = value + more
    before = need_score(school, chosen).value
    after = need_score(replace(school, **{field: raised}), chosen).value
    if before is not None:
        assert after >= before - 1e-9
