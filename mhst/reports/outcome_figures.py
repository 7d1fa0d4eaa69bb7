"""The outcomes report (1 query; 2 while a measure definition has changed since the
summary was kept): paired measures, and the rules of :mod:`mhst.outcomes.rules`
applied to each pair.

The whole calendar months in the report's dates are read from ``outcome_count`` (a row
per school, month and measure, whatever the number of pairs: the pairs judged and
tallied when they changed, by :mod:`mhst.reports.outcome_facts`). The pairs of the part
months either side are read from the measure facts (``measure_fact``, each referral's
first and last record of each measure, joined to their scale scores) and judged here,
with the measure's current definition, by the same tally; so are, in a second query,
the pairs of a measure whose summary rows were judged with a definition that has since
changed (until the nightly rebuild, or the next change at that school and month).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import (
    Integer,
    Numeric,
    String,
    and_,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from mhst.extensions import db
from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import MeasureDefinition
from mhst.reports.cells import Count, Rate, Score, Section
from mhst.reports.clauses import period, school_clause
from mhst.reports.fact_models import OUTCOME_SUMS, MeasureFact, OutcomeCount
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.outcome_facts import MeasureTally, definition_key, pair_rows
from mhst.reports.sql import next_month, whole_months

ONE_DAY = timedelta(days=1)


def _no_sums():
    return [null().cast(Integer).label(name) for name in OUTCOME_SUMS]


def _pairs(where):
    """The pair rows ``where`` selects, shaped like the summary rows (no sums)."""
    pairs = pair_rows(where).subquery("pairs")
    return select(
        pairs.c.measure_code,
        *_no_sums(),
        pairs.c.referral_id,
        pairs.c.scale,
        pairs.c.first_score,
        pairs.c.last_score,
    )


def _current_key(code_column, definitions: dict[str, MeasureDefinition]):
    if not definitions:
        return literal("")
    keys = {code: definition_key(definition) for code, definition in definitions.items()}
    return case(keys, value=code_column, else_="")


def _summary_rows(where, *sums):
    """Summary rows shaped like the pair rows (no pair)."""
    return (
        select(
            OutcomeCount.measure_code,
            *sums,
            null().cast(Integer).label("referral_id"),
            null().cast(String(40)).label("scale"),
            null().cast(Numeric(8, 2)).label("first_score"),
            null().cast(Numeric(8, 2)).label("last_score"),
        )
        .where(where)
        .group_by(OutcomeCount.measure_code)
    )


def outcome_rows(
    filters: ReportFilters, access: ReportAccess, definitions: dict[str, MeasureDefinition]
):
    """One query, three kinds of row: the ``outcome_count`` sums per measure over the
    whole calendar months in the report's dates (rows judged with the definitions loaded
    now); the codes of measures with rows judged with another (a definition changed
    since: no sums); and the pairs (a row per pair and scale) whose last record falls in
    the part months either side, which the summary cannot answer."""
    fact, summary = MeasureFact, OutcomeCount
    in_schools = school_clause(fact.school_id, filters, access)
    months = whole_months(filters.date_from, filters.date_to)
    if months is None:
        return _pairs(
            and_(fact.last_completed_on.between(filters.date_from, filters.date_to), in_schools)
        )
    first, last = months
    edges = or_(
        false(),
        fact.last_completed_on.between(filters.date_from, first - ONE_DAY),
        fact.last_completed_on.between(next_month(last), filters.date_to),
    )
    in_months = and_(
        summary.month.between(first, last), school_clause(summary.school_id, filters, access)
    )
    current = _current_key(summary.measure_code, definitions)
    sums = _summary_rows(
        and_(in_months, summary.definition == current),
        *(func.sum(summary.__table__.c[name]).label(name) for name in OUTCOME_SUMS),
    )
    changed = _summary_rows(and_(in_months, summary.definition != current), *_no_sums())
    return union_all(sums, changed, _pairs(and_(in_schools, edges)))


def restated_pairs(filters: ReportFilters, access: ReportAccess, codes: list[str]):
    """The pairs of ``codes`` over the whole months of the report's dates (a second
    query, only while some summary rows were judged with a definition since changed:
    until the nightly rebuild, or the next change at their school and month)."""
    first, last = whole_months(filters.date_from, filters.date_to)
    return _pairs(
        and_(
            MeasureFact.measure_code.in_(codes),
            MeasureFact.last_completed_on.between(first, next_month(last) - ONE_DAY),
            school_clause(MeasureFact.school_id, filters, access),
        )
    )


def _read(rows, definitions: dict[str, MeasureDefinition]):
    """The rows of :func:`outcome_rows` (or pairs only): the summary's sums per measure,
    the pairs' tallies per measure, and the codes whose summary rows cannot be used."""
    summed: dict[str, MeasureTally] = defaultdict(MeasureTally)
    tallies: dict[str, MeasureTally] = defaultdict(MeasureTally)
    pairs: dict[tuple[str, int], tuple[dict, dict]] = {}
    changed: set[str] = set()
    for code, *values in rows:
        sums, (referral_id, scale, first_score, last_score) = values[:-4], values[-4:]
        if referral_id is None and sums[0] is None:
            changed.add(code)
        elif referral_id is None:
            summed[code].add(MeasureTally(*(int(value) for value in sums)))
        else:
            first, last = pairs.setdefault((code, referral_id), ({}, {}))
            first[scale] = float(first_score)
            last[scale] = None if last_score is None else float(last_score)
    for (code, _referral), (first, last) in pairs.items():
        tallies[code].add_pair(definitions.get(code), first, last)
    return summed, tallies, changed


def outcome_tallies(
    filters: ReportFilters, access: ReportAccess, definitions: dict[str, MeasureDefinition]
) -> dict[str, MeasureTally]:
    """Each measure's tally over the report's pairs: one query, or two while some
    summary rows were judged with a definition since changed (that measure's pairs in
    the whole months are then read and judged one by one, and its sums left out)."""
    summed, tallies, changed = _read(
        db.session.execute(outcome_rows(filters, access, definitions)), definitions
    )
    if changed:
        found = db.session.execute(restated_pairs(filters, access, sorted(changed)))
        for code, tally in _read(found, definitions)[1].items():
            tallies[code].add(tally)
    for code, tally in summed.items():
        if code not in changed:
            tallies[code].add(tally)
    return tallies


def _mean(hundredths: int, cases: int) -> Score:
    if not cases:
        return Score(None, 0)
    return Score(Decimal(hundredths) / 100 / cases, cases)


def outcome_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    definitions = available_measures(current_app.config.get("MEASURES_DIR"))
    rows = []
    for code, tally in sorted(outcome_tallies(filters, access, definitions).items()):
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
                _mean(tally.first_total_hundredths, tally.totals),
                _mean(tally.last_total_hundredths, tally.totals),
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
