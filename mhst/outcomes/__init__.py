"""Outcome measures: definitions as data, scoring, and the outcome rules.

A pure domain package (no database): see :mod:`.definitions` for the file format,
:mod:`.scoring` for scores and :mod:`.rules` for paired outcomes.
"""

from mhst.outcomes.definition_loader import available_measures, load_definition
from mhst.outcomes.definitions import DefinitionError, MeasureDefinition
from mhst.outcomes.scoring import ScoringError, score, score_from_totals

__all__ = [
    "DefinitionError",
    "MeasureDefinition",
    "ScoringError",
    "available_measures",
    "load_definition",
    "score",
    "score_from_totals",
]
