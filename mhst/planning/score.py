"""The need score of a waiting school: pure arithmetic, no database.

Each figure becomes a component on a 0 to 1 scale (1 = the greatest need):

* free school meals: the percentage eligible, full at ``FSM_FULL_AT`` (50%) or more. A
  fixed scale, not one stretched to the schools on the register, so a school's score does
  not move when another school's figures are imported;
* deprivation: ``(10 - IMD decile) / 9``: decile 1 (the most deprived tenth of areas)
  scores 1, decile 10 scores 0;
* low wellbeing and low belonging: the survey's percentage / 100;
* waiting: the whole days since the school registered interest, full at two years
  (``WAITING_FULL_AT_DAYS``). A school that has not registered interest has waited 0
  days: a known figure, not a missing one.

Each component is multiplied by its weight (0 to 10); the score is the weighted sum
divided by the sum of the weights, times 100 (0 to 100). A missing figure is left out:
its component and its weight are both dropped for that school (so a missing figure
neither helps nor harms it), and the school is marked "based on fewer figures". A school
with no usable figure at all (or every weight 0) has no score and is ranked last.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

FSM_FULL_AT = 50  # percent
WAITING_FULL_AT_DAYS = 730  # two years
MAX_WEIGHT = 10


@dataclass(frozen=True)
class Weights:
    """How much each component counts, 0 (ignored) to 10."""

    deprivation: int = 3
    fsm: int = 3
    wellbeing: int = 2
    belonging: int = 1
    waiting: int = 1


DEFAULT_WEIGHTS = Weights()
COMPONENTS = tuple(field.name for field in fields(Weights))

LABELS = {
    "deprivation": "Deprivation of the school's area (IMD decile)",
    "fsm": "Pupils eligible for free school meals",
    "wellbeing": "Pupils reporting low wellbeing (survey)",
    "belonging": "Pupils reporting low belonging (survey)",
    "waiting": "Time waiting since interest was registered",
}

SHORT_LABELS = {
    "deprivation": "deprivation",
    "fsm": "free school meals",
    "wellbeing": "low wellbeing",
    "belonging": "low belonging",
    "waiting": "time waiting",
}

EXPLANATIONS = {
    "deprivation": "Decile 1 (the most deprived tenth of areas in England) counts in full; "
    "decile 10 counts nothing; each decile between is a ninth less.",
    "fsm": f"The percentage of pupils eligible for free school meals: {FSM_FULL_AT}% or more "
    "counts in full, 25% counts half, 0% counts nothing.",
    "wellbeing": "The percentage of pupils reporting low wellbeing in a local survey: "
    "100% would count in full.",
    "belonging": "The percentage of pupils reporting a low sense of belonging in a local "
    "survey: 100% would count in full.",
    "waiting": "How long since the school registered interest: two years or more counts "
    "in full, one year counts half. A school that has not asked counts nothing here.",
}


@dataclass(frozen=True)
class Figures:
    """One school's figures; None where not known."""

    fsm_percent: Decimal | float | None = None
    imd_decile: int | None = None
    low_wellbeing_percent: Decimal | float | None = None
    belonging_low_percent: Decimal | float | None = None
    days_waiting: int | None = None


@dataclass(frozen=True)
class Contribution:
    component: str
    value: float | None  # the component, 0 to 1 (None: figure missing)
    weight: int
    points: float | None  # what it adds to the score, 0 to 100 (None: left out)


@dataclass(frozen=True)
class Score:
    value: float | None  # 0 to 100; None when nothing could be scored
    contributions: tuple[Contribution, ...]
    fewer_figures: bool  # a weighted figure was missing

    @property
    def figures_used(self) -> int:
        """How many weighted figures (weight above 0) the score is made from."""
        return sum(1 for c in self.contributions if c.points is not None and c.weight > 0)


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def components(figures: Figures) -> dict[str, float | None]:
    """Each component on its 0 to 1 scale, None where its figure is missing."""

    def scaled(value, full_at) -> float | None:
        return None if value is None else _clamp(float(value) / full_at)

    return {
        "deprivation": None
        if figures.imd_decile is None
        else _clamp((10 - figures.imd_decile) / 9),
        "fsm": scaled(figures.fsm_percent, FSM_FULL_AT),
        "wellbeing": scaled(figures.low_wellbeing_percent, 100),
        "belonging": scaled(figures.belonging_low_percent, 100),
        "waiting": scaled(figures.days_waiting, WAITING_FULL_AT_DAYS),
    }


def need_score(figures: Figures, weights: Weights = DEFAULT_WEIGHTS) -> Score:
    """The school's score with each weight's contribution (see the module's docstring)."""
    values = components(figures)
    divisor = sum(getattr(weights, name) for name, value in values.items() if value is not None)
    contributions = []
    for name in COMPONENTS:
        value, weight = values[name], getattr(weights, name)
        points = None if value is None or divisor == 0 else 100 * weight * value / divisor
        contributions.append(Contribution(name, value, weight, points))
    missing = any(values[name] is None and getattr(weights, name) > 0 for name in COMPONENTS)
    total = None if divisor == 0 else sum(c.points or 0.0 for c in contributions)
    return Score(total, tuple(contributions), fewer_figures=missing)


def check_weight(value: int) -> bool:
    return 0 <= value <= MAX_WEIGHT
