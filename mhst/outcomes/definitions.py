"""Outcome measures as data: the questionnaire definition format (loaded and checked by
:mod:`mhst.outcomes.definition_loader`).

Each measure is one JSON file. The service ships only measures that are free to use
(``mhst/outcomes/measures/``); a service holding a licence for another measure (RCADS-25,
SDQ, ORS/CORS) puts its file in the directory named by ``app.config["MEASURES_DIR"]``.
An example (the keys are all there are; anything else is refused)::

    {
      "code": "GBO",
      "name": "Goal Based Outcomes",
      "completed_by": ["child", "parent_carer"],
      "licence": "CC BY-NC-SA 4.0, CORC",
      "ships_item_text": true,
      "note": "optional free text",
      "items": [{"number": 1, "label": "Goal 1"}, {"number": 2, "label": "Goal 2",
                "reverse_scored": false}],
      "response_scale": {"min": 0, "max": 10, "labels": {"0": "Not at all", "10": "Met"}},
      "direction": "higher_is_better",
      "directions": {"prosocial": "higher_is_better"},
      "subscales": {"depression": [1, 4, 8]},
      "scoring": {"subscales": "sum", "total": "mean"},
      "missing_items": {"rule": "prorate", "max_missing": 2},
      "thresholds": {"total": {"value": 5, "direction": "higher_is_worse"}},
      "risk_thresholds": {"total": {"value": 8}},
      "reliable_change": {"total": 3}
    }

* **Scales** are the subscales plus ``total`` (over every item) when ``scoring.total`` is
  not null. ``scoring.subscales`` is one method for every subscale or a map by name.
* **Direction** is the measure's (``higher_is_worse`` or ``higher_is_better``);
  ``directions`` overrides it for named scales (the SDQ's prosocial scale). A threshold may
  repeat its scale's direction, and must agree with it.
* **Risk thresholds** (optional, per scale, the same shape as ``thresholds``): a score at
  or beyond one, on the worse side, flags the case for a senior clinician's review
  (``mhst.referrals.risk_flags``). A clinical threshold says a child needs help; a risk
  threshold, set by the service's clinical lead, says someone must look at the risk now.
* **Missing items**: ``{"rule": "refuse"}`` (every item must be answered) or
  ``{"rule": "prorate", "max_missing": N}``: each scale is scored from its answered items
  when at most N of its items are missing (N may be a map by scale), else refused.
* ``ships_item_text`` true means the labels are the wording to show the respondent; false
  means they are short reference labels only (licensed measures, or where the service
  uses the official form) and must not be presented as the questionnaire.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

TOTAL = "total"
SHIPPED_DIR = Path(__file__).parent / "measures"


class DefinitionError(ValueError):
    """A measure definition is not valid; the message names the problem."""


class Direction(enum.StrEnum):
    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"


class Respondent(enum.StrEnum):
    CHILD = "child"
    PARENT_CARER = "parent_carer"
    PRACTITIONER = "practitioner"


class Method(enum.StrEnum):
    SUM = "sum"
    MEAN = "mean"


@dataclass(frozen=True)
class Item:
    number: int
    label: str
    reverse_scored: bool = False


@dataclass(frozen=True)
class ResponseScale:
    minimum: int
    maximum: int
    labels: tuple[tuple[int, str], ...] = ()

    def label_for(self, value: int) -> str | None:
        return dict(self.labels).get(value)


@dataclass(frozen=True)
class Threshold:
    """A cut-off: a score on the worse side of it, or exactly at it, reaches it (for the
    clinical threshold: is clinical; for a risk threshold: flags the case)."""

    value: float
    direction: Direction

    def reached_by(self, score: float) -> bool:
        if self.direction is Direction.HIGHER_IS_WORSE:
            return score >= self.value
        return score <= self.value


@dataclass(frozen=True)
class Scale:
    """A subscale or the total: the items it scores, how, and its direction."""

    name: str
    items: tuple[int, ...]
    method: Method
    direction: Direction
    max_missing: int
    threshold: Threshold | None = None
    reliable_change: float | None = None
    risk_threshold: Threshold | None = None


@dataclass(frozen=True)
class MeasureDefinition:
    code: str
    name: str
    completed_by: tuple[Respondent, ...]
    licence: str
    ships_item_text: bool
    items: tuple[Item, ...]
    response_scale: ResponseScale
    direction: Direction
    scales: tuple[Scale, ...]
    note: str = ""

    def scale(self, name: str) -> Scale:
        for scale in self.scales:
            if scale.name == name:
                return scale
        raise KeyError(name)

    @property
    def scale_names(self) -> tuple[str, ...]:
        return tuple(scale.name for scale in self.scales)

    def possible_range(self, scale: Scale) -> tuple[float, float]:
        """The lowest and highest score the scale can take."""
        low, high = self.response_scale.minimum, self.response_scale.maximum
        if scale.method is Method.SUM:
            return low * len(scale.items), high * len(scale.items)
        return float(low), float(high)
