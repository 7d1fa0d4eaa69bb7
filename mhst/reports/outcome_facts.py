"""The paired outcomes per month, school and measure (``outcome_count``): the pairs read
from ``measure_fact`` and ``measure_score``, judged by :mod:`mhst.outcomes.rules` and
tallied here, both for the summary (rebuilt by :func:`recompute_outcomes`) and for the
outcomes report's own reading of the pairs the summary cannot answer (part months, or
rows judged with a measure definition since changed).

A tally is what the report shows of a set of pairs: how many, how many the measure can
judge and of those how many improved or deteriorated reliably, how many could recover
and did, and the sums of the first and last total scores (in hundredths, exact).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, and_, delete, insert, or_, select

from mhst.outcomes.definition_loader import available_measures
from mhst.outcomes.definitions import TOTAL, MeasureDefinition
from mhst.outcomes.models import MeasureScore
from mhst.outcomes.rules import outcome
from mhst.reports.fact_models import OUTCOME_SUMS, MeasureFact, OutcomeCount
from mhst.reports.sql import month_start, next_month

ONE_DAY = timedelta(days=1)
Pair = tuple[dict[str, float], dict[str, float | None]]


@dataclass
class MeasureTally:
    paired: int = 0
    judged: int = 0
    improved: int = 0
    deteriorated: int = 0
    recovery_applies: int = 0
    recovered: int = 0
    totals: int = 0
    first_total_hundredths: int = 0
    last_total_hundredths: int = 0

    def add(self, other: MeasureTally) -> None:
        for name in OUTCOME_SUMS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add_pair(self, definition: MeasureDefinition | None, first: dict, last: dict) -> None:
        """Count one pair (first and last scores, scale name to score)."""
        self.paired += 1
        if first.get(TOTAL) is not None and last.get(TOTAL) is not None:
            self.totals += 1
            self.first_total_hundredths += _hundredths(first[TOTAL])
            self.last_total_hundredths += _hundredths(last[TOTAL])
        if definition is None:
            return
        result = outcome(definition, [first, last])
        if result.reliable_improvement is not None:
            self.judged += 1
            self.improved += result.reliable_improvement
            self.deteriorated += bool(result.reliable_deterioration)
        if result.recovery:
            self.recovery_applies += 1
            self.recovered += all(result.recovery.values())


def _hundredths(score: float) -> int:
    return int(Decimal(str(score)) * 100)


def definition_key(definition: MeasureDefinition | None) -> str:
    """A short hash of what the rules read of a definition (each scale's direction,
    threshold and reliable-change value); empty for a measure not loaded."""
    if definition is None:
        return ""
    parts = [
        (s.name, s.direction.value, s.threshold and astuple(s.threshold), s.reliable_change)
        for s in definition.scales
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def pair_rows(where):
    """(school, day of the last record, referral, measure, scale, first score, last
    score) for every pair (``measure_fact`` row with two or more records) ``where``
    selects: the scales of the first record, with the last record's score on each."""
    fact = MeasureFact
    first_score, last_score = (
        MeasureScore.__table__.alias("first_score"),
        MeasureScore.__table__.alias("last_score"),
    )
    return (
        select(
            fact.school_id,
            fact.last_completed_on,
            fact.referral_id,
            fact.measure_code,
            first_score.c.scale,
            first_score.c.score.label("first_score"),
            last_score.c.score.label("last_score"),
        )
        .join(first_score, first_score.c.record_id == fact.first_record_id)
        .outerjoin(
            last_score,
            and_(
                last_score.c.record_id == fact.last_record_id,
                last_score.c.scale == first_score.c.scale,
            ),
        )
        .where(fact.records >= 2, where)
    )


def collect_pairs(rows: Iterable) -> dict[tuple[int, date, str, int], Pair]:
    """The rows of :func:`pair_rows` as pairs keyed by (school, day, measure, referral)."""
    pairs: dict[tuple[int, date, str, int], Pair] = {}
    for school, day, referral, code, scale, first_score, last_score in rows:
        first, last = pairs.setdefault((school, day, code, referral), ({}, {}))
        first[scale] = float(first_score)
        last[scale] = None if last_score is None else float(last_score)
    return pairs


def _as_date(day) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


def tally_by_month(
    pairs: Mapping[tuple[int, date, str, int], Pair], definitions: Mapping[str, MeasureDefinition]
) -> dict[tuple[date, int, str], MeasureTally]:
    tallies: dict[tuple[date, int, str], MeasureTally] = defaultdict(MeasureTally)
    for (school, day, code, _referral), (first, last) in pairs.items():
        month = _as_date(day).replace(day=1)
        tallies[month, school, code].add_pair(definitions.get(code), first, last)
    return tallies


# Pairs are tallied in Python: a rebuild reads them a batch of schools at a time, and a
# change's recomputation a batch of (school, month) at a time, to bound the memory and
# the statements' size.
SCHOOLS_PER_BATCH, KEYS_PER_BATCH = 200, 50


def _chunks(values: list, size: int):
    return (values[start : start + size] for start in range(0, len(values), size))


def _insert_tallies(connection: Connection, where, definitions) -> None:
    pairs = collect_pairs(connection.execute(pair_rows(where)))
    rows = [
        {
            "month": month,
            "school_id": school,
            "measure_code": code,
            "definition": definition_key(definitions.get(code)),
            **{name: getattr(tally, name) for name in OUTCOME_SUMS},
        }
        for (month, school, code), tally in tally_by_month(pairs, definitions).items()
    ]
    if rows:
        connection.execute(insert(OutcomeCount.__table__), rows)


def recompute_outcomes(
    connection: Connection, keys: Iterable[tuple[int, date]] | None = None
) -> None:
    """Replace the ``outcome_count`` rows of each (school, month's first day) in ``keys``
    (every row for None) with a tally of their pairs, judged with the definitions loaded
    now."""
    table = OutcomeCount.__table__
    if keys is None:
        definitions = available_measures()
        connection.execute(delete(table))
        schools = connection.scalars(
            select(MeasureFact.school_id).distinct().order_by(MeasureFact.school_id)
        ).all()
        for chunk in _chunks(schools, SCHOOLS_PER_BATCH):
            _insert_tallies(connection, MeasureFact.school_id.in_(chunk), definitions)
        return
    keys = sorted(set(keys))
    if not keys:
        return
    definitions = available_measures()
    for chunk in _chunks(keys, KEYS_PER_BATCH):
        connection.execute(
            delete(table).where(
                or_(*(and_(table.c.school_id == s, table.c.month == m) for s, m in chunk))
            )
        )
        where = or_(
            *(
                and_(
                    MeasureFact.school_id == school,
                    MeasureFact.last_completed_on.between(first, next_month(first) - ONE_DAY),
                )
                for school, first in chunk
            )
        )
        _insert_tallies(connection, where, definitions)


def recompute_school_outcomes(connection: Connection, schools: list[int]) -> None:
    """Replace every ``outcome_count`` row of ``schools`` (the batched rebuild's step)."""
    table = OutcomeCount.__table__
    connection.execute(delete(table).where(table.c.school_id.in_(schools)))
    _insert_tallies(connection, MeasureFact.school_id.in_(schools), available_measures())


def outcome_keys(connection: Connection, referral_ids: list[int]) -> set[tuple[int, date]]:
    """The (school, month) of the pairs of ``referral_ids`` in ``measure_fact`` now."""
    month = month_start(MeasureFact.last_completed_on)
    found = connection.execute(
        select(MeasureFact.school_id, month)
        .where(MeasureFact.referral_id.in_(referral_ids), MeasureFact.records >= 2)
        .distinct()
    )
    return {(school, _as_date(first)) for school, first in found}
