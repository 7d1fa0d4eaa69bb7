"""Loading measure definitions from JSON (the format is described in
:mod:`mhst.outcomes.definitions`): every key checked, every problem named."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from mhst.outcomes.definitions import (
    SHIPPED_DIR,
    TOTAL,
    DefinitionError,
    Direction,
    Item,
    MeasureDefinition,
    Method,
    Respondent,
    ResponseScale,
    Scale,
    Threshold,
)

_TOP_KEYS = {
    "code": True,
    "name": True,
    "completed_by": True,
    "licence": True,
    "ships_item_text": True,
    "items": True,
    "response_scale": True,
    "direction": True,
    "scoring": True,
    "missing_items": True,
    "note": False,
    "directions": False,
    "subscales": False,
    "thresholds": False,
    "risk_thresholds": False,
    "reliable_change": False,
}


def _keys(data: Any, where: str, allowed: Mapping[str, bool]) -> dict[str, Any]:
    """Check ``data`` is an object with only ``allowed`` keys and every required one."""
    if not isinstance(data, dict):
        raise DefinitionError(f"{where} must be an object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise DefinitionError(f"Unknown key {unknown[0]!r} in {where}")
    for key, required in allowed.items():
        if required and key not in data:
            raise DefinitionError(f"{where} is missing {key!r}")
    return data


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{where} must be non-empty text")
    return value.strip()


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(f"{where} must be a whole number")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DefinitionError(f"{where} must be a number")
    return float(value)


def _choice(enum_type: type[enum.StrEnum], value: Any, where: str):
    try:
        return enum_type(value)
    except ValueError:
        options = ", ".join(repr(member.value) for member in enum_type)
        raise DefinitionError(f"{where} must be one of {options}, not {value!r}") from None


def _items(data: Any) -> tuple[Item, ...]:
    if not isinstance(data, list) or not data:
        raise DefinitionError("items must be a non-empty list")
    items = []
    for position, raw in enumerate(data, start=1):
        where = f"item {position}"
        _keys(raw, where, {"number": True, "label": True, "reverse_scored": False})
        number = _whole(raw["number"], f"{where} number")
        if number != position:
            raise DefinitionError(
                f"Item numbers must run 1 to {len(data)} in order: "
                f"item {position} is numbered {number}"
            )
        reverse = raw.get("reverse_scored", False)
        if not isinstance(reverse, bool):
            raise DefinitionError(f"{where} reverse_scored must be true or false")
        items.append(Item(number, _text(raw["label"], f"{where} label"), reverse))
    return tuple(items)


def _response_scale(data: Any) -> ResponseScale:
    _keys(data, "response_scale", {"min": True, "max": True, "labels": False})
    low = _whole(data["min"], "response_scale min")
    high = _whole(data["max"], "response_scale max")
    if low >= high:
        raise DefinitionError(f"response_scale min ({low}) must be less than max ({high})")
    raw_labels = data.get("labels", {})
    if not isinstance(raw_labels, dict):
        raise DefinitionError("response_scale labels must be an object")
    labels = []
    for key, label in raw_labels.items():
        try:
            value = int(key)
        except ValueError:
            raise DefinitionError(f"response_scale label key {key!r} is not a number") from None
        if not low <= value <= high:
            raise DefinitionError(
                f"response_scale has a label for {value}, outside the scale {low} to {high}"
            )
        labels.append((value, _text(label, f"response_scale label for {value}")))
    return ResponseScale(low, high, tuple(sorted(labels)))


def _per_scale(data: Any, where: str, names: tuple[str, ...], parse) -> dict[str, Any]:
    """A value for every scale, or a map naming only known scales (``parse`` checks each)."""
    if isinstance(data, dict):
        for name in data:
            if name not in names:
                raise DefinitionError(f"{where} names an unknown scale {name!r}")
        return {name: parse(value, f"{where} for {name}") for name, value in data.items()}
    return {name: parse(data, where) for name in names}


def _threshold(
    raw: dict[str, Any] | None, scale: Scale, low: float, high: float, what: str
) -> Threshold | None:
    """A scale's threshold (clinical or risk) from its parsed entry, checked against the
    scale's possible scores and direction."""
    if raw is None:
        return None
    value = _number(raw["value"], f"{what} for {scale.name!r}")
    if not low <= value <= high:
        raise DefinitionError(
            f"The {what} for {scale.name!r} ({value:g}) is outside the possible "
            f"scores {low:g} to {high:g}"
        )
    stated = raw.get("direction", scale.direction.value)
    threshold_direction = _choice(Direction, stated, f"{what} for {scale.name!r}")
    if threshold_direction is not scale.direction:
        raise DefinitionError(
            f"The {what} for {scale.name!r} says {threshold_direction.value} but "
            f"the scale is {scale.direction.value}"
        )
    return Threshold(value, threshold_direction)


def load_definition(data: Any) -> MeasureDefinition:
    """Build a measure from parsed JSON, or raise :class:`DefinitionError` naming the problem."""
    _keys(data, "the measure", _TOP_KEYS)
    code = _text(data["code"], "code")
    name = _text(data["name"], "name")
    licence = _text(data["licence"], "licence")
    note = _text(data["note"], "note") if "note" in data else ""
    if not isinstance(data["ships_item_text"], bool):
        raise DefinitionError("ships_item_text must be true or false")
    respondents = _respondents(data["completed_by"])
    items = _items(data["items"])
    response_scale = _response_scale(data["response_scale"])
    direction = _choice(Direction, data["direction"], "direction")
    scale_items, methods = _scale_items_and_methods(data, {item.number for item in items})
    names = tuple(scale_items)
    max_missing = _max_missing(data["missing_items"], names, scale_items)
    directions = _directions(data, names, direction)
    limits = _limits(data, names)
    draft = MeasureDefinition(
        code, name, respondents, licence, data["ships_item_text"], items, response_scale,
        direction, (), note,
    )  # fmt: skip
    scales = tuple(
        _scale_with_limits(
            draft,
            Scale(name, scale_items[name], methods[name], directions[name], max_missing[name]),
            limits,
        )
        for name in names
    )
    return MeasureDefinition(
        code, name, respondents, licence, data["ships_item_text"], items, response_scale,
        direction, scales, note,
    )  # fmt: skip


def _respondents(completed_by: Any) -> tuple[Respondent, ...]:
    if not isinstance(completed_by, list) or not completed_by:
        raise DefinitionError("completed_by must be a non-empty list")
    respondents = tuple(_choice(Respondent, value, "completed_by") for value in completed_by)
    if len(set(respondents)) != len(respondents):
        raise DefinitionError("completed_by names a respondent twice")
    return respondents


def _subscales(data: Any, numbers: set[int]) -> dict[str, tuple[int, ...]]:
    raw_subscales = data.get("subscales", {})
    if not isinstance(raw_subscales, dict):
        raise DefinitionError("subscales must be an object")
    subscale_items: dict[str, tuple[int, ...]] = {}
    for sub_name, members in raw_subscales.items():
        if sub_name == TOTAL:
            raise DefinitionError("'total' is reserved: it cannot name a subscale")
        if not isinstance(members, list) or not members:
            raise DefinitionError(f"Subscale {sub_name!r} must list at least one item")
        members = tuple(_whole(number, f"subscale {sub_name!r} item") for number in members)
        for number in members:
            if number not in numbers:
                raise DefinitionError(f"Subscale {sub_name!r} names an unknown item {number}")
        if len(set(members)) != len(members):
            raise DefinitionError(f"Subscale {sub_name!r} lists an item twice")
        subscale_items[sub_name] = members
    return subscale_items


def _scale_items_and_methods(
    data: Any, numbers: set[int]
) -> tuple[dict[str, tuple[int, ...]], dict[str, Method]]:
    """Each scale's items and scoring method: the subscales, then the total."""
    subscale_items = _subscales(data, numbers)
    scoring = _keys(data["scoring"], "scoring", {"subscales": False, "total": True})
    scale_items = dict(subscale_items)
    if scoring["total"] is not None:
        scale_items[TOTAL] = tuple(sorted(numbers))
    if not scale_items:
        raise DefinitionError("The measure has no scales: add a subscale or a total")
    if subscale_items and "subscales" not in scoring:
        raise DefinitionError("scoring is missing 'subscales'")
    methods = _per_scale(
        scoring.get("subscales", "sum"),
        "scoring subscales",
        tuple(subscale_items),
        lambda value, where: _choice(Method, value, where),
    )
    if subscale_items and set(methods) != set(subscale_items):
        missing = sorted(set(subscale_items) - set(methods))
        raise DefinitionError(f"scoring subscales has no method for {missing[0]!r}")
    if scoring["total"] is not None:
        methods[TOTAL] = _choice(Method, scoring["total"], "scoring total")
    return scale_items, methods


def _max_missing(
    raw: Any, names: tuple[str, ...], scale_items: Mapping[str, tuple[int, ...]]
) -> dict[str, int]:
    """How many items each scale may miss and still be scored (prorated)."""
    missing_rule = _keys(raw, "missing_items", {"rule": True, "max_missing": False})
    rule = missing_rule["rule"]
    if rule == "refuse":
        if "max_missing" in missing_rule:
            raise DefinitionError("missing_items rule 'refuse' takes no max_missing")
        return dict.fromkeys(names, 0)
    if rule != "prorate":
        raise DefinitionError(f"missing_items rule must be 'refuse' or 'prorate', not {rule!r}")
    if "max_missing" not in missing_rule:
        raise DefinitionError("missing_items rule 'prorate' needs max_missing")
    max_missing = _per_scale(missing_rule["max_missing"], "max_missing", names, _whole)
    for scale_name in names:
        if scale_name not in max_missing:
            raise DefinitionError(f"max_missing has no value for {scale_name!r}")
        allowed = max_missing[scale_name]
        if not 0 <= allowed < len(scale_items[scale_name]):
            raise DefinitionError(
                f"max_missing for {scale_name!r} must be from 0 to "
                f"{len(scale_items[scale_name]) - 1} (at least one item must be answered)"
            )
    return max_missing


def _directions(data: Any, names: tuple[str, ...], direction: Direction) -> dict[str, Direction]:
    if not isinstance(data.get("directions", {}), dict):
        raise DefinitionError("directions must be an object")
    directions = dict.fromkeys(names, direction)
    directions.update(
        _per_scale(
            data.get("directions", {}),
            "directions",
            names,
            lambda value, where: _choice(Direction, value, where),
        )
    )
    return directions


@dataclass(frozen=True)
class _Limits:
    """The raw thresholds, risk thresholds and reliable change values, by scale."""

    thresholds: dict[str, Any]
    risk_thresholds: dict[str, Any]
    reliable: dict[str, float]


def _limits(data: Any, names: tuple[str, ...]) -> _Limits:
    def parse_threshold(value: Any, where: str) -> dict[str, Any]:
        return _keys(value, where, {"value": True, "direction": False})

    raw = {key: data.get(key, {}) for key in ("thresholds", "risk_thresholds", "reliable_change")}
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise DefinitionError(f"{key} must be an object")
    return _Limits(
        _per_scale(raw["thresholds"], "thresholds", names, parse_threshold),
        _per_scale(raw["risk_thresholds"], "risk_thresholds", names, parse_threshold),
        _per_scale(raw["reliable_change"], "reliable_change", names, _number),
    )


def _scale_with_limits(draft: MeasureDefinition, scale: Scale, limits: _Limits) -> Scale:
    """``scale`` with its threshold, risk threshold and reliable change, each checked
    against the scale's possible range."""
    low, high = draft.possible_range(scale)
    name = scale.name
    threshold = _threshold(limits.thresholds.get(name), scale, low, high, "threshold")
    risk = _threshold(limits.risk_thresholds.get(name), scale, low, high, "risk threshold")
    change = limits.reliable.get(name)
    if change is not None and not 0 < change <= high - low:
        raise DefinitionError(
            f"The reliable change for {name!r} ({change:g}) must be more than 0 "
            f"and at most {high - low:g}"
        )
    return Scale(
        name, scale.items, scale.method, scale.direction, scale.max_missing, threshold, change, risk
    )


def load_file(path: Path) -> MeasureDefinition:
    """Load one measure's JSON file; errors name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefinitionError(f"{path.name}: cannot be read as JSON ({error})") from None
    try:
        return load_definition(data)
    except DefinitionError as error:
        raise DefinitionError(f"{path.name}: {error}") from None


@lru_cache(maxsize=256)
def _parsed(path: str, modified_ns: int, size: int) -> MeasureDefinition:
    """A file's definition, parsed once while it is unchanged (the report summaries ask
    for every definition on each change to a measure: a hot path)."""
    return load_file(Path(path))


def _load_unchanged(path: Path) -> MeasureDefinition:
    try:
        stat = path.stat()
    except OSError:
        return load_file(path)  # its own message names the file
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


def available_measures(extra_dir: Path | str | None = None) -> dict[str, MeasureDefinition]:
    """The shipped measures, plus any in ``extra_dir`` or ``app.config["MEASURES_DIR"]``.

    Keyed by code. A service file with a shipped measure's code replaces it (that is how
    a service configures, say, GBO's reliable-change value); a code defined twice in one
    directory is an error.
    """
    directories = [SHIPPED_DIR]
    if extra_dir is None and has_app_context():
        extra_dir = current_app.config.get("MEASURES_DIR")
    if extra_dir:
        extra = Path(extra_dir)
        if not extra.is_dir():
            raise DefinitionError(f"MEASURES_DIR {str(extra)!r} is not a directory")
        directories.append(extra)
    measures: dict[str, MeasureDefinition] = {}
    for directory in directories:
        found: dict[str, MeasureDefinition] = {}
        for path in sorted(directory.glob("*.json")):
            measure = _load_unchanged(path)
            if measure.code in found:
                raise DefinitionError(
                    f"{path.name}: the measure code {measure.code!r} is used by another file"
                )
            found[measure.code] = measure
        measures.update(found)
    return measures
