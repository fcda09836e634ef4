"""A role's policy in a synthesized template, intrinsics resolved, and IAM's decision on a `Need`.

The policy documents of a role are its inline `Policies`, the `AWS::IAM::Policy` resources
naming it and the `AWS::IAM::ManagedPolicy` resources attached to it (AWS managed policies grant
nothing this project checks). Values come from `simulation.cloudformation.intrinsics` for the
simulated account and region; a resource's `Ref`/`GetAtt` from `bindings` (what the deploy
simulator had for it when the call was made) or, when it had nothing, a stand-in of the same shape.

Evaluation (IAM user guide, "Policy evaluation logic":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an
explicit Deny wins; else an Allow whose action, resource and conditions all match; else denied.
Conditions: `StringEquals`, `StringLike`, `ArnEquals`, `ArnLike` over the keys the `Need`
carries; a key it does not carry does not match; another operator is refused here (not guessed).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from simulation.cloudformation.intrinsics import ACCOUNT_ID, PARTITION, REGION, Resolver
from simulation.cloudformation.native import NATIVE_TYPES
from simulation.cloudformation.simulator import generic_arn
from tests.support.iam_reference import Need

# CloudFormation type → the reference's resource type path, for stand-in ARNs of native resources.
NATIVE_ARN_TYPES = {
    "AWS::Personalize::DatasetGroup": "dataset-group",
    "AWS::Personalize::Schema": "schema",
    "AWS::Personalize::Dataset": "dataset",
    "AWS::Personalize::Filter": "filter",
    "AWS::Personalize::EventTracker": "event-tracker",
}
Bindings = Mapping[tuple[str, str | None], Any]  # (logical id, attribute or None for Ref) → value
_CONDITIONS = {"StringEquals": False, "StringLike": True, "ArnEquals": False, "ArnLike": True}


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, Any]]

    def allows_action(self, action: str) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions)

    def allows_resource(self, arn: str) -> bool:
        # IAM wildcards: `*` any run of characters, `?` one; case-sensitive for ARNs.
        return any(_wildcard(pattern).fullmatch(arn) for pattern in self.resources)

    def holds(self, context: Mapping[str, str]) -> bool:
        """Every condition of the statement holds for the request's context keys."""
        for operator, keys in self.condition.items():
            if operator not in _CONDITIONS:
                raise AssertionError(f"condition operator {operator} is not evaluated here: {self}")
            for key, wanted in keys.items():
                value = context.get(key)
                values = wanted if isinstance(wanted, list) else [wanted]
                if value is None or not any(_matches(value, str(w), _CONDITIONS[operator]) for w in values):
                    return False
        return True

    def __str__(self) -> str:
        return f"statement {self.sid or '(no Sid)'}: actions {list(self.actions)} on {list(self.resources)}"


def _matches(value: str, wanted: str, like: bool) -> bool:
    return bool(_wildcard(wanted).fullmatch(value)) if like else value == wanted


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _shared(pattern: str, arn: str) -> int:
    """Characters at the start that the two strings share."""
    return next(
        (i for i, (a, b) in enumerate(zip(pattern, arn, strict=False)) if a != b), min(len(pattern), len(arn))
    )


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def role_documents(template: Mapping[str, Any], role: str) -> Iterator[Any]:
    """The unresolved policy documents that apply to the role with logical id `role`."""
    resources = template.get("Resources") or {}
    yield from (p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies") or [])
    attached = {
        json.dumps(m, sort_keys=True) for m in resources[role]["Properties"].get("ManagedPolicyArns") or []
    }
    for lid, res in resources.items():
        props = res.get("Properties") or {}
        if (res["Type"] == "AWS::IAM::Policy" and {"Ref": role} in props.get("Roles", [])) or (
            res["Type"] == "AWS::IAM::ManagedPolicy"
            and (
                {"Ref": role} in props.get("Roles", [])
                or json.dumps({"Ref": lid}, sort_keys=True) in attached
            )
        ):
            yield props["PolicyDocument"]


def references(value: Any) -> set[tuple[str, str | None]]:
    """Every (logical id, attribute) a value reads with `Ref` (attribute None) or `Fn::GetAtt`."""
    found: set[tuple[str, str | None]] = set()
    if isinstance(value, dict):
        if "Ref" in value and not str(value["Ref"]).startswith("AWS::"):
            found.add((str(value["Ref"]), None))
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            lid, attr = att if isinstance(att, list) else str(att).split(".", 1)
            found.add((str(lid), str(attr)))
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def resolver(template: Mapping[str, Any], *, stack_name: str, stack_id: str, bindings: Bindings) -> Resolver:
    resources = template.get("Resources") or {}

    def ref(lid: str) -> Any:
        return bindings.get((lid, None), f"{lid}-phys")

    def get_att(lid: str, attr: str) -> Any:
        if (lid, attr) in bindings:
            return bindings[(lid, attr)]
        rtype = str(resources[lid]["Type"])
        if rtype in NATIVE_TYPES:
            name = resolved.resolve(resources[lid]["Properties"]["Name"])
            return f"arn:{PARTITION}:personalize:{REGION}:{ACCOUNT_ID}:{NATIVE_ARN_TYPES[rtype]}/{name}"
        return generic_arn(rtype, lid, str(ref(lid))) if attr == "Arn" else f"{lid}.{attr}"

    resolved = Resolver(template, stack_name=stack_name, stack_id=stack_id, ref=ref, get_att=get_att)
    return resolved


def statements(documents: list[Any], resolved: Resolver) -> list[Statement]:
    out: list[Statement] = []
    for document in documents:
        for raw in resolved.resolve(document)["Statement"]:
            if "NotAction" in raw or "NotResource" in raw:
                raise AssertionError(f"NotAction/NotResource is not evaluated here: {raw}")
            out.append(
                Statement(
                    sid=str(raw.get("Sid", "")),
                    effect=str(raw["Effect"]),
                    actions=_as_tuple(raw["Action"]),
                    resources=_as_tuple(raw["Resource"]),
                    condition=dict(raw.get("Condition") or {}),
                )
            )
    return out


def denial(need: Need, granted: list[Statement], who: str = "the role") -> str | None:
    """Why IAM would deny `need`, naming the statement that should cover it; None if allowed."""
    matching = [s for s in granted if s.allows_action(need.action) and s.allows_resource(need.arn)]
    if any(s.effect == "Deny" and s.holds(need.context) for s in matching):
        return f"{need}: explicitly denied"
    if any(s.effect == "Allow" and s.holds(need.context) for s in matching):
        return None
    by_action = [s for s in granted if s.effect == "Allow" and s.allows_action(need.action)]
    by_resource = [s for s in granted if s.effect == "Allow" and s.allows_resource(need.arn)]
    # The closest: the statement whose resources share the longest start with the ARN.
    should = sorted(by_action or by_resource, key=lambda s: -max(_shared(r, need.arn) for r in s.resources))
    hint = (
        f"the statement that should cover it: {should[0]}"
        if should
        else "no statement grants the action or the resource"
    )
    return f"{need} ({need.resource_type}) is not granted by {who}; {hint}"
