"""EventBridge Scheduler over the deployed stack: run each schedule's target once, as it would.

A schedule (`AWS::Scheduler::Schedule`) invokes its target Lambda with `Target.Input`, resolved
when CloudFormation deployed it. Here the input is resolved against the simulated stack, the
target function's `Handler` must be the checker's, and the checker runs on its own boto3 client
(what a separate Lambda with its own role would use), so its calls can be told from the
Provider handlers'.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_handlers import constants, scheduled
from lambda_handlers.deps import MAX_ATTEMPTS, Deps
from simulation.clients import env_client

if TYPE_CHECKING:
    from simulation.world import World

SCHEDULE_TYPE = "AWS::Scheduler::Schedule"


@dataclass(frozen=True)
class Run:
    schedule: str  # logical id
    function: str  # logical id of the target function
    payload: Mapping[str, Any]
    result: Mapping[str, Any]


def schedules(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    resources = template.get("Resources") or {}
    return {lid: body for lid, body in sorted(resources.items()) if body["Type"] == SCHEDULE_TYPE}


def target_function(template: Mapping[str, Any], schedule: Mapping[str, Any]) -> str:
    """The logical id of the Lambda a schedule invokes; it must run the checker's entry point."""
    arn = schedule["Properties"]["Target"]["Arn"]
    lid = str(arn["Fn::GetAtt"][0])
    handler = template["Resources"][lid]["Properties"].get("Handler")
    if handler != constants.CHECKER_HANDLER:
        raise AssertionError(f"schedule target {lid} runs {handler!r}, not {constants.CHECKER_HANDLER}")
    return lid


def run_schedules(world: World, *, client: Any = None) -> list[Run]:
    """Every schedule of the deployed stack fires once, now; `client` is the checker's Personalize
    client (default: a new one on the fake, with the Lambda's retries)."""
    template = world.sim.template
    if template is None:
        raise RuntimeError("no stack deployed")
    personalize = client or env_client(world.clock, MAX_ATTEMPTS)
    clock, log = world.clock, world.sim.logs.append
    deps = Deps(personalize=personalize, now=clock.now, log=log, sleep=clock.advance)
    runs = []
    for lid, schedule in schedules(template).items():
        function = target_function(template, schedule)
        payload = json.loads(world.sim.resolved(schedule["Properties"]["Target"]["Input"]))
        runs.append(Run(lid, function, payload, scheduled.handle(payload, deps)))
    return runs
