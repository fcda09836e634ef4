"""Numbers about a deploy, measured in a simulated account (virtual time; the benchmark imports this).

Every function takes synthesized template dicts (e.g. `world.templates.default()` and its
variants, or `tests.support.synth.template(path)`) and returns plain numbers. Each run starts
from an empty fake account. Logical ids of the measured solution and campaign are found in the
template: the first `Custom::PersonalizeSolutionVersion` and the first campaign that reads
its chain (override with `solution_version_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_handlers import constants
from ops.chain import chain_of
from simulation.cloudformation import DeployResult
from simulation.personalize import Durations
from tests.scenarios.world import World, open_world

Template = Mapping[str, Any]


def _first_of(template: Template, resource_type: str) -> str:
    for lid, body in template["Resources"].items():
        if body["Type"] == resource_type:
            return str(lid)
    raise ValueError(f"the template has no {resource_type}")


def _chain(template: Template, version_id: str) -> list[str]:
    """The version resource and its wait links, in order (the shared walker, ops/chain.py)."""
    return list(chain_of(dict(template["Resources"]), version_id).members)


def _deploy_ok(world: World, template: Template) -> DeployResult:
    result = world.deploy(template)
    if not result.ok:
        raise RuntimeError(f"deploy failed: {result.status} {result.failure}")
    return result


def mutating_calls(base: Template, tps_changed: Template, trigger_changed: Template) -> dict[str, int]:
    """Personalize writes (Create/Update/Delete/Stop/Tag/Untag, successful) per scenario:
    first deploy, identical redeploy, TPS change, trigger change (each after the previous)."""
    counts: dict[str, int] = {}
    with open_world() as world:
        for name, template in (
            ("first_deploy", base),
            ("identical_redeploy", base),
            ("tps_change", tps_changed),
            ("trigger_change", trigger_changed),
        ):
            mark = world.mark()
            _deploy_ok(world, template)
            counts[name] = len(world.mutations(mark))
    return counts


def training_polling(
    base: Template, training_hours: float = 3.0, solution_version_id: str | None = None
) -> dict[str, float]:
    """isComplete invocations and Step Functions state transitions of one solution's training
    chain in a first deploy whose training takes `training_hours`, per hour of training."""
    version_id = solution_version_id or _first_of(base, constants.SOLUTION_VERSION_TYPE)
    chain = set(_chain(base, version_id))
    with open_world(Durations(training=training_hours * 3600)) as world:
        result = _deploy_ok(world, base)
    ops = [op for op in result.stats.operations if op.logical_id in chain and op.custom]
    is_complete = sum(op.lambda_invocations - 1 for op in ops)  # minus one onEvent each
    transitions = sum(op.state_transitions for op in ops)
    return {
        "training_hours": training_hours,
        "is_complete_invocations": float(is_complete),
        "state_transitions": float(transitions),
        "is_complete_per_training_hour": is_complete / training_hours,
        "state_transitions_per_training_hour": transitions / training_hours,
        "chain_operations": float(len(ops)),
    }


def activation_notice_delay(base: Template, training_seconds: float = 35 * 60 + 7) -> float:
    """Virtual seconds between the first trained version turning ACTIVE and the deploy noticing
    it (its first GetSolutionMetrics, which the handler reads once it sees ACTIVE). The default
    training time is off the 30 s polling grid on purpose (on the grid the delay would be 0)."""
    durations = Durations(training=training_seconds)
    with open_world(durations) as world:
        _deploy_ok(world, base)
        create = world.calls(0, "CreateSolutionVersion")[0]
        active_at = create.time + durations.training
        solution = create.params["solutionArn"]
        noticed = [
            c.time for c in world.calls(0, "GetSolutionMetrics") if solution in c.params["solutionVersionArn"]
        ]
    return min(noticed) - active_at


def campaign_update_seconds(base: Template, tps_changed: Template) -> float:
    """Virtual seconds a deploy that only updates the campaign (a TPS change) takes."""
    with open_world() as world:
        _deploy_ok(world, base)
        return _deploy_ok(world, tps_changed).stats.wall_seconds


def measure_all(base: Template, tps_changed: Template, trigger_changed: Template) -> dict[str, Any]:
    """Every number above for one config and its TPS / trigger variants."""
    return {
        "mutating_calls": mutating_calls(base, tps_changed, trigger_changed),
        "training_polling": training_polling(base),
        "activation_notice_delay_seconds": activation_notice_delay(base),
        "campaign_update_deploy_seconds": campaign_update_seconds(base, tps_changed),
    }
