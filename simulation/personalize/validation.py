"""botocore's Personalize model, as the fake uses it: requests and answers are checked against it.

Requests: botocore's `ParamValidator` (required members, types, minimums) plus the checks AWS does
at its edge that botocore's client-side validator leaves out (`constraint_errors`: maximums,
enums, patterns). Answers: cut down to the operation's output shape (`project`), then checked
for required members, types and enums (`answer_problems`), so the fake can never answer what
the real service could not (a missing required member, a wrong type, a value outside an enum).
`checked_request` and `shaped_answer` are what the fake's `call` runs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from simulation.personalize.errors import PersonalizeError, invalid

_VALIDATOR = ParamValidator()


@cache
def service_model() -> ServiceModel:
    """botocore's Personalize model (loaded once per process)."""
    return botocore.session.get_session().get_service_model("personalize")


@cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # \p{...} classes: Python's re has none; skip those checks
        return None


def constraint_errors(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    """The checks AWS does at its edge that botocore's client-side validator leaves out."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key in members:
                constraint_errors(members[key], item, f"{path}.{key}" if path else key, errors)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: Member must have "
                f"length less than or equal to {meta['max']}"
            )
        for i, item in enumerate(value):
            constraint_errors(shape.member, item, f"{path}.{i + 1}", errors)  # type: ignore[attr-defined]
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            constraint_errors(shape.value, item, f"{path}.{key}", errors)  # type: ignore[attr-defined]
    elif kind == "string" and isinstance(value, str):
        shown = "***" if meta.get("sensitive") else value
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"have length less than or equal to {meta['max']}"
            )
        enum: list[str] = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy enum value set: [{', '.join(enum)}]"
            )
        compiled = _pattern(meta["pattern"]) if "pattern" in meta else None
        if compiled is not None and not compiled.fullmatch(value):
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy regular expression pattern: {meta['pattern']}"
            )
    elif kind in ("integer", "long") and isinstance(value, int) and value > meta.get("max", value):
        errors.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
            f"have value less than or equal to {meta['max']}"
        )


def timestamps_in(shape: Shape | None, value: Any) -> Any:
    """JSON carries timestamps as epoch numbers; botocore's validator wants datetimes."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if kind == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {k: timestamps_in(members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [timestamps_in(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if kind == "map" and isinstance(value, dict):
        return {k: timestamps_in(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    return value


def project(shape: Shape | None, value: Any) -> Any:
    """Keep only what the output shape declares; datetimes become epoch float seconds."""
    if shape is None or value is None:
        return {} if shape is None else None
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        out = {}
        for key, item in value.items():
            if key in members and item is not None:
                out[key] = project(members[key], item)
        return out
    if kind == "list":
        return [project(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {k: project(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind == "timestamp" and isinstance(value, datetime):
        return value.timestamp()
    return value


def enum_errors(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    """Strings outside their shape's enum, anywhere in `value`."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key in members:
                enum_errors(members[key], item, f"{path}.{key}" if path else key, errors)
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            enum_errors(shape.member, item, f"{path}.{i + 1}", errors)  # type: ignore[attr-defined]
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            enum_errors(shape.value, item, f"{path}.{key}", errors)  # type: ignore[attr-defined]
    elif kind == "string" and isinstance(value, str):
        enum: list[str] = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            errors.append(f"'{value}' at '{path}' is not one of [{', '.join(enum)}]")


def answer_problems(operation: OperationModel, answer: Any) -> list[str]:
    """What is wrong with an answer (already projected) to `operation`: required members, types
    and enums of the output shape. Not its patterns and lengths: the model reuses input shapes
    for output members, and real answers break them (an IAM role ARN in `roleArn`, whose `Arn`
    shape's pattern says `personalize`)."""
    shape = operation.output_shape
    if shape is None:
        return []
    report = _VALIDATOR.validate(timestamps_in(shape, answer), shape)
    found = [report.generate_report()] if report.has_errors() else []
    enum_errors(shape, answer, "", found)
    return found


def checked_request(operation: str, params: dict[str, Any]) -> OperationModel:
    """The operation's model, once `params` passed what the real endpoint checks; else the
    error it answers (UnknownOperation, botocore's ValidationException, AWS's constraint
    InvalidInputException)."""
    model = service_model()
    if operation not in model.operation_names:
        raise PersonalizeError("UnknownOperationException", f"Unknown operation {operation}")
    op = model.operation_model(operation)
    if op.input_shape is not None:
        report = _VALIDATOR.validate(timestamps_in(op.input_shape, params), op.input_shape)
        if report.has_errors():
            raise PersonalizeError("ValidationException", report.generate_report())
        errors: list[str] = []
        constraint_errors(op.input_shape, params, "", errors)
        if errors:
            n = len(errors)
            raise invalid(f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(errors))
    return op


def shaped_answer(op: OperationModel, answer: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answer cut to the output shape, and what is wrong with it (empty when nothing)."""
    result: dict[str, Any] = project(op.output_shape, answer)
    return result, answer_problems(op, result)
