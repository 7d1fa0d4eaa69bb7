"""Scoring a measure from its item answers (or checking totals typed from a paper form).

Scores are always computed here, never typed. Each scale (subscale or total) is scored
from its items: reverse-scored items count as ``min + max - answer``; a **sum** scale
with unanswered items is prorated (``sum of answered x items / answered``) and a **mean**
scale is the mean of its answered items, provided no more than the scale's
``max_missing`` items are unanswered; otherwise the whole score is refused with a
:class:`ScoringError` naming the scale. Arithmetic is exact; results are rounded half up
to 2 decimal places, so equal answers always give equal scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from mhst.outcomes.definitions import TOTAL, MeasureDefinition, Method, Scale

PLACES = Decimal("0.01")


class ScoringError(ValueError):
    """The answers cannot be scored; the message says why, in words for the user."""


def score_text(value: Decimal | float | int) -> str:
    """A score as people write it: 3, 6.5, 2.67 (no trailing zeros; 6.50 is 6.5)."""
    text = f"{Decimal(str(value)):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def scale_title(scale_name: str) -> str:
    """``"total"`` -> ``"Total"``, ``"social_phobia"`` -> ``"Social phobia"``."""
    return scale_name.replace("_", " ").capitalize()


def _rounded(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(PLACES, rounding=ROUND_HALF_UP))


def _checked_answers(
    definition: MeasureDefinition, answers: Mapping[int, int | None]
) -> dict[int, int]:
    """The answered items, each checked against the measure and its response scale."""
    low, high = definition.response_scale.minimum, definition.response_scale.maximum
    count = len(definition.items)
    given: dict[int, int] = {}
    for number, answer in answers.items():
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
            raise ScoringError(f"{definition.name} has no item {number} (items are 1 to {count})")
        if answer is None:
            continue
        if isinstance(answer, bool) or not isinstance(answer, int) or not low <= answer <= high:
            raise ScoringError(f"Item {number} must be between {low} and {high}")
        item = definition.items[number - 1]
        given[number] = low + high - answer if item.reverse_scored else answer
    return given


def _score_scale(scale: Scale, given: Mapping[int, int]) -> Fraction:
    answered = [given[number] for number in scale.items if number in given]
    missing = len(scale.items) - len(answered)
    if missing > scale.max_missing:
        if scale.max_missing == 0:
            raise ScoringError(
                f"{scale_title(scale.name)} cannot be scored with unanswered items: "
                f"answer every item"
            )
        item_word = "item" if scale.max_missing == 1 else "items"
        raise ScoringError(
            f"{scale_title(scale.name)} cannot be scored: {missing} of its "
            f"{len(scale.items)} items are unanswered and at most {scale.max_missing} "
            f"{item_word} may be"
        )
    mean = Fraction(sum(answered), len(answered))
    return mean * len(scale.items) if scale.method is Method.SUM else mean


def score(definition: MeasureDefinition, answers: Mapping[int, int | None]) -> dict[str, float]:
    """Each scale's score (subscales in their order, then ``"total"``) from item answers.

    ``answers`` maps item number to the answer; an item left out or ``None`` is unanswered.
    """
    if not isinstance(answers, Mapping):
        raise ScoringError("Answers must map item numbers to answers")
    given = _checked_answers(definition, answers)
    if not given:
        raise ScoringError(f"Answer at least one item of {definition.name}")
    return {scale.name: _rounded(_score_scale(scale, given)) for scale in definition.scales}


def score_from_totals(
    definition: MeasureDefinition, totals: Mapping[str, float | int | None]
) -> dict[str, float]:
    """Scores recorded by scale total only (from a paper form), checked against the range.

    Only the scales given are returned; at least one is needed. A ``None`` is left out.
    """
    if not isinstance(totals, Mapping):
        raise ScoringError("Totals must map scale names to scores")
    names = definition.scale_names
    scores: dict[str, float] = {}
    for name, value in totals.items():
        if name not in names:
            raise ScoringError(f"{definition.name} has no scale called {name!r}")
        if value is None:
            continue
        low, high = definition.possible_range(definition.scale(name))
        title = scale_title(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScoringError(f"{title} must be a number between {low:g} and {high:g}")
        if not low <= value <= high:  # also refuses NaN
            raise ScoringError(f"{title} must be between {low:g} and {high:g}")
        scores[name] = _rounded(Fraction(value))
    if not scores:
        raise ScoringError(f"Enter at least one score for {definition.name}")
    return {name: scores[name] for name in names if name in scores}


__all__ = ["TOTAL", "ScoringError", "scale_title", "score", "score_from_totals", "score_text"]
