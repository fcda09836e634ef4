"""Read CloudFormation values in tests: intrinsics rendered as text, IAM statements collected."""

from collections.abc import Iterator
from typing import Any


def as_text(value: Any) -> str:
    """A template value as one string: `Fn::Join` joined, `Ref`/`Fn::GetAtt` as `${Name}`.

    Enough to read ARNs and JSON bodies the stack builds; not a CloudFormation evaluator.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Join":
            separator, parts = arg
            return str(separator).join(as_text(p) for p in parts)
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            return f"${{{'.'.join(arg)}}}"
    raise AssertionError(f"cannot render {value!r} as text")


def as_list(value: Any) -> list[Any]:
    """IAM allows a single value or a list for Action and Resource."""
    return value if isinstance(value, list) else [value]


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, statement) of every identity-based policy statement in the template."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy":
            for statement in props["PolicyDocument"]["Statement"]:
                yield logical_id, statement
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield logical_id, statement


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_name}
