"""The outcomes report (1 query): paired measures, and the rules of
:mod:`mhst.outcomes.rules` applied to each pair.

The measure facts (``measure_fact``) hold each referral's first and last record of each
measure; SQL joins their scale scores; the rules stay in their one tested module,
applied here per pair with the measure's current definition, and the results are
counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, select

from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import TOTAL, MeasureDefinition
from mhst.outcomes.models import MeasureScore
from mhst.outcomes.rules import outcome
from mhst.reports.cells import Count, Rate, Score, Section
from mhst.reports.clauses import period, school_clause
from mhst.reports.fact_models import MeasureFact
from mhst.reports.filters import ReportAccess, ReportFilters


def paired_scores(filters: ReportFilters, access: ReportAccess):
    """Rows of (referral id, measure code, scale, first score, last score) for every
    referral at the report's schools with at least two records of the measure, the last
    completed in the report's dates. Records are ordered by completion date, then by
    when they were recorded (id): ``measure_fact`` holds each pair's first and last."""
    fact = MeasureFact
    first_score, last_score = (
        MeasureScore.__table__.alias("first_score"),
        MeasureScore.__table__.alias("last_score"),
    )
    return (
        select(
            fact.referral_id,
            fact.measure_code,
            first_score.c.scale,
            first_score.c.score,
            last_score.c.score,
        )
        .join(first_score, first_score.c.record_id == fact.first_record_id)
        .outerjoin(
            last_score,
            and_(
                last_score.c.record_id == fact.last_record_id,
                last_score.c.scale == first_score.c.scale,
            ),
        )
        .where(
            fact.records >= 2,
            fact.last_completed_on.between(filters.date_from, filters.date_to),
            school_clause(fact.school_id, filters, access),
        )
        .order_by(fact.measure_code, fact.referral_id, first_score.c.scale)
    )


@dataclass
class MeasureTally:
    paired: int = 0
    judged: int = 0
    improved: int = 0
    deteriorated: int = 0
    recovery_applies: int = 0
    recovered: int = 0
    first_totals: list[Decimal] = field(default_factory=list)
    last_totals: list[Decimal] = field(default_factory=list)


def _mean(values: list[Decimal]) -> Score:
    if not values:
        return Score(None, 0)
    return Score(sum(values, Decimal(0)) / len(values), len(values))


def _tally(
    pairs: dict[tuple[str, int], tuple[dict, dict]], definitions: dict[str, MeasureDefinition]
) -> dict[str, MeasureTally]:
    tallies: dict[str, MeasureTally] = defaultdict(MeasureTally)
    for (code, _referral), (first, last) in pairs.items():
        tally = tallies[code]
        tally.paired += 1
        if first.get(TOTAL) is not None and last.get(TOTAL) is not None:
            tally.first_totals.append(Decimal(str(first[TOTAL])))
            tally.last_totals.append(Decimal(str(last[TOTAL])))
        definition = definitions.get(code)
        if definition is None:
            continue
        result = outcome(definition, [first, last])
        if result.reliable_improvement is not None:
            tally.judged += 1
            tally.improved += result.reliable_improvement
            tally.deteriorated += bool(result.reliable_deterioration)
        if result.recovery:
            tally.recovery_applies += 1
            tally.recovered += all(result.recovery.values())
    return tallies


def outcome_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    pairs: dict[tuple[str, int], tuple[dict, dict]] = {}
    for referral_id, code, scale, first_score, last_score in db.session.execute(
        paired_scores(filters, access)
    ):
        first, last = pairs.setdefault((code, referral_id), ({}, {}))
        first[scale] = float(first_score)
        last[scale] = None if last_score is None else float(last_score)
    definitions = available_measures(current_app.config.get("MEASURES_DIR"))
    rows = []
    for code, tally in sorted(_tally(pairs, definitions).items()):
        definition = definitions.get(code)
        if definition is None:
            rows.append(
                (
                    f"{code} (definition not loaded)",
                    Count(tally.paired),
                    Rate(0, 0),
                    Rate(0, 0),
                    Rate(0, 0),
                    Score(None, 0),
                    Score(None, 0),
                )
            )
            continue
        rows.append(
            (
                f"{definition.name} ({code})",
                Count(tally.paired),
                Rate(tally.improved, tally.judged),
                Rate(tally.deteriorated, tally.judged),
                Rate(tally.recovered, tally.recovery_applies),
                _mean(tally.first_totals),
                _mean(tally.last_totals),
            )
        )
    return (
        Section(
            "Paired outcomes by measure",
            (
                "Measure",
                "Paired",
                "Reliable improvement",
                "Reliable deterioration",
                "Recovery",
                "Mean first total score",
                "Mean last total score",
            ),
            tuple(rows),
            note=(
                "Paired: referrals at the schools the filters select with at least two "
                f"records of the measure, the last of them completed {period(filters)}; the "
                "first and last records are compared (by date completed, then by when "
                "recorded). Reliable improvement: a change on at least one scale greater "
                "than its reliable-change value in the better direction, and none as large "
                "in the worse; reliable deterioration: such a change in the worse direction "
                "on at least one scale. Both are shares of the paired cases the measure can "
                "judge (it has a reliable-change value). Recovery: clinical (at or beyond "
                "the threshold) at the first score and not at the last, on every scale "
                "that was clinical at first, as a share of the paired cases clinical at "
                "first; only measures with thresholds. A measure whose definition is no "
                "longer loaded shows its paired count only."
            ),
        ),
    )
