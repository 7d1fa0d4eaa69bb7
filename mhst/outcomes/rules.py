"""Outcome rules: paired scores, reliable improvement and deterioration, and recovery.

The rules decided here (each tested on and either side of its threshold):

* **Paired outcome**: the first and the last of a time-ordered list of scores; none with
  fewer than two.
* **Reliable change** on a scale: the change in the scale's better direction is
  *strictly greater* than its reliable-change value. A change exactly equal to the value
  is within measurement error, so it is not reliable.
* **Reliable improvement** (measure level): at least one scale reliably better and none
  reliably worse. **Reliable deterioration**: at least one scale reliably worse. Only
  scales with a reliable-change value and a score at both ends count; with none, the
  answer is ``None`` (not known), not ``False``.
* **Clinical side** of a threshold: at or beyond the cut-off on the worse side (for a
  higher-is-worse scale ``score >= threshold``; for higher-is-better ``score <= threshold``).
  **Recovery** on a scale: clinical at the first score and not clinical at the last; a
  last score exactly at the threshold is still clinical, so not recovered. Recovery is
  ``None`` (does not apply) when the first score was not clinical.

Scores are the dictionaries :func:`mhst.outcomes.scoring.score` returns (scale name to
score). Differences are worked in decimals, so ``5.67 - 2.67`` is exactly 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from mhst.outcomes.definitions import Direction, MeasureDefinition, Scale

T = TypeVar("T")
Scores = Mapping[str, float]


def paired(scores: Sequence[T]) -> tuple[T, T] | None:
    """The first and last of time-ordered scores, or ``None`` with fewer than two."""
    if len(scores) < 2:
        return None
    return scores[0], scores[-1]


def _exact(value: float) -> Decimal:
    return Decimal(str(value))


def improvement(scale: Scale, first: float, last: float) -> Decimal:
    """The change from first to last, positive when the scale got better."""
    change = _exact(last) - _exact(first)
    return change if scale.direction is Direction.HIGHER_IS_BETTER else -change


def is_clinical(scale: Scale, value: float) -> bool | None:
    """Whether a score is on the clinical side of the scale's threshold (``None``: none)."""
    if scale.threshold is None:
        return None
    cut_off = _exact(scale.threshold.value)
    if scale.direction is Direction.HIGHER_IS_WORSE:
        return _exact(value) >= cut_off
    return _exact(value) <= cut_off


@dataclass(frozen=True)
class ScaleOutcome:
    """One scale's paired outcome. ``None`` flags mean the rule does not apply."""

    scale: str
    first: float
    last: float
    improvement: Decimal
    reliably_better: bool | None
    reliably_worse: bool | None
    recovered: bool | None


def scale_outcomes(
    definition: MeasureDefinition, first: Scores, last: Scores
) -> dict[str, ScaleOutcome]:
    """The outcome on each scale that has a score at both ends."""
    outcomes = {}
    for scale in definition.scales:
        if first.get(scale.name) is None or last.get(scale.name) is None:
            continue
        before, after = first[scale.name], last[scale.name]
        better = improvement(scale, before, after)
        if scale.reliable_change is None:
            reliably_better = reliably_worse = None
        else:
            limit = _exact(scale.reliable_change)
            reliably_better = better > limit
            reliably_worse = -better > limit
        recovered = None
        if is_clinical(scale, before):
            recovered = not is_clinical(scale, after)
        outcomes[scale.name] = ScaleOutcome(
            scale.name, before, after, better, reliably_better, reliably_worse, recovered
        )
    return outcomes


def _judged(definition: MeasureDefinition, first: Scores, last: Scores) -> list[ScaleOutcome]:
    return [
        outcome
        for outcome in scale_outcomes(definition, first, last).values()
        if outcome.reliably_better is not None
    ]


def reliable_improvement(definition: MeasureDefinition, first: Scores, last: Scores) -> bool | None:
    """At least one scale reliably better and none reliably worse (``None``: cannot tell)."""
    judged = _judged(definition, first, last)
    if not judged:
        return None
    return any(o.reliably_better for o in judged) and not any(o.reliably_worse for o in judged)


def reliable_deterioration(
    definition: MeasureDefinition, first: Scores, last: Scores
) -> bool | None:
    """At least one scale reliably worse (``None``: cannot tell)."""
    judged = _judged(definition, first, last)
    if not judged:
        return None
    return any(outcome.reliably_worse for outcome in judged)


def recovery(definition: MeasureDefinition, first: Scores, last: Scores) -> dict[str, bool]:
    """For each scale with a threshold, scores at both ends and a clinical first score:
    whether the last score is on the non-clinical side."""
    return {
        name: outcome.recovered
        for name, outcome in scale_outcomes(definition, first, last).items()
        if outcome.recovered is not None
    }


@dataclass(frozen=True)
class PairedOutcome:
    first: Scores
    last: Scores
    scales: dict[str, ScaleOutcome]
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    recovery: dict[str, bool]


def outcome(definition: MeasureDefinition, scores: Sequence[Scores]) -> PairedOutcome | None:
    """Every rule applied to the first and last of time-ordered scores (``None``: unpaired)."""
    pair = paired(scores)
    if pair is None:
        return None
    first, last = pair
    return PairedOutcome(
        first,
        last,
        scale_outcomes(definition, first, last),
        reliable_improvement(definition, first, last),
        reliable_deterioration(definition, first, last),
        recovery(definition, first, last),
    )
