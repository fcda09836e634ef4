"""The one place custom resource property values are encoded and decoded.

CloudFormation hands every custom resource property to the handler as a string, so the
constructs encode typed values into strings here and the handlers (and `ops/impact`, reading a
template) decode them here. A template value that is still an intrinsic (`{"Fn::GetAtt": ...}`)
decodes to `Intrinsic`: only a deployed event carries the resolved string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ContractError(ValueError):
    """A property value that cannot be decoded; the message names the property."""


@dataclass(frozen=True)
class Intrinsic:
    """A template value CloudFormation resolves at deploy time (`Ref`, `Fn::GetAtt`, `Fn::Join`, ...)."""

    value: Mapping[str, Any]

    def __str__(self) -> str:
        return json.dumps(self.value, sort_keys=True)


def resolved(value: str | Intrinsic) -> str:
    """The string an event carries; an intrinsic here means the value never went through CloudFormation."""
    if isinstance(value, Intrinsic):
        raise ContractError(f"unresolved intrinsic {value}")
    return value


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one property type travels: `encode` for the template, `decode` for the event."""

    encode: Callable[[T], str]
    decode: Callable[[str], T]
    may_be_intrinsic: bool = False  # an ARN another resource's attribute supplies


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise ContractError(f"must be an integer, not {text!r}") from exc


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"is not valid JSON: {exc}") from exc


def _object(text: str) -> dict[str, Any]:
    value = _json(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ContractError("must be a JSON object")
    return value


@dataclass(frozen=True)
class Gate:
    """One metric's gate: a floor (`minimum`) and/or the largest drop below the champion (`max_drop`,
    an absolute difference in the metric's own units). None = that check is off."""

    minimum: float | None = None
    max_drop: float | None = None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ContractError(f"{what} must be a number, not {value!r}")
    try:
        return float(value)
    except ValueError as exc:
        raise ContractError(f"{what} must be a number, not {value!r}") from exc


def _gate(name: str, value: Any) -> Gate:
    """A plain number is a minimum (every template written before `max_drop` existed); an object
    carries `min` and/or `max_drop`."""
    if not isinstance(value, dict):
        return Gate(minimum=_number(value, f"gate {name}"))
    unknown = sorted(set(value) - {"min", "max_drop"})
    if unknown:
        raise ContractError(f"gate {name} has unknown keys {unknown}: only min and max_drop")
    minimum = value.get("min")
    max_drop = value.get("max_drop")
    return Gate(
        minimum=None if minimum is None else _number(minimum, f"gate {name} min"),
        max_drop=None if max_drop is None else _number(max_drop, f"gate {name} max_drop"),
    )


def _encode_gate(gate: Gate) -> float | dict[str, float]:
    """The one encoding: a gate with only a minimum stays a plain number, so templates of configs
    without `max_drop` are byte-identical to those written before it existed (no Update event)."""
    if gate.max_drop is None and gate.minimum is not None:
        return gate.minimum
    encoded = {"min": gate.minimum, "max_drop": gate.max_drop}
    return {key: value for key, value in encoded.items() if value is not None}


def _gates(text: str) -> dict[str, Gate]:
    try:
        gates = _object(text)
    except ContractError as exc:
        raise ContractError(
            f"must be a JSON object of metric name to minimum number or {{min, max_drop}}: {exc}"
        ) from exc
    return {str(name): _gate(str(name), value) for name, value in gates.items()}


def _tags(text: str) -> dict[str, str]:
    value = _json(text) if text.strip() else []
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ContractError("must be a JSON list of tagKey/tagValue")
    return {str(t["tagKey"]): str(t["tagValue"]) for t in value}


TEXT: Codec[str] = Codec(str, str)
ARN: Codec[str | Intrinsic] = Codec(resolved, str, may_be_intrinsic=True)
OPTIONAL_TEXT: Codec[str | None] = Codec(lambda v: v or "", lambda s: s.strip() or None)
BOOL: Codec[bool] = Codec(lambda v: "true" if v else "false", _bool)
INT: Codec[int] = Codec(str, _int)
OBJECT: Codec[Mapping[str, Any]] = Codec(lambda v: json.dumps(dict(v), sort_keys=True), _object)
# Metric name → a number (the minimum) or {"min": ..., "max_drop": ...}; see `_encode_gate`.
GATES: Codec[Mapping[str, Gate]] = Codec(
    lambda v: json.dumps({name: _encode_gate(gate) for name, gate in v.items()}, sort_keys=True), _gates
)


def json_object(
    to_api: Callable[[T], Mapping[str, Any]], from_api: Callable[[Mapping[str, Any]], T]
) -> Codec[T]:
    """A typed value that travels as a JSON object in the API's own shape."""
    return Codec(lambda v: json.dumps(to_api(v), sort_keys=True), lambda s: from_api(_object(s)))


# Personalize's shape, `[{"tagKey", "tagValue"}]`, sorted by key.
TAGS: Codec[Mapping[str, str]] = Codec(
    lambda v: json.dumps([{"tagKey": k, "tagValue": val} for k, val in sorted(v.items())]), _tags
)
