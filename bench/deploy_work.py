"""Section 3: deploy work, from the deploy simulator over the fake Personalize (virtual time).

Scenarios on the default config: first deploy, identical redeploy, a TPS change, a trigger
change. For each, the mutating Personalize calls (Create/Update/Delete/Stop/Tag/Untag) next
to the floor (what the change needs at least). Then trainings of several lengths give
isComplete (Lambda) invocations and Step Functions transitions per hour of training and the
delay between the version turning ACTIVE and the deploy moving on, at the Provider's query
interval and at longer ones (same run, same templates).

This module measures from `DeploySimulator` stats and the fake's call log itself (it also
compares query intervals and lists the calls); `tests/scenarios/measure.py`, the scenario
tests' measurement, is run on the same templates as a cross-check and any disagreement shows.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml
from moto import mock_aws

from bench.report import Row, spread
from bench.scale import base_config, synth
from lambda_handlers import contract
from lambda_handlers.constants import DATASET_IMPORT_TYPE, TAGS_TYPE
from ops.chain import training_chains

SECTION = "3. Deploy work"
# Training lengths (seconds): off the 30 s poll grid so the noticing delay is not 0 by accident.
TRAININGS = (35 * 60 + 7, 2 * 3600 + 13, 3 * 3600 + 30 * 60 + 19)
INTERVALS = (30, 60, 120)
NATIVE_CREATES = {
    "AWS::Personalize::DatasetGroup": 1,
    "AWS::Personalize::Schema": 1,
    "AWS::Personalize::Dataset": 1,
    "AWS::Personalize::Filter": 1,
    "AWS::Personalize::EventTracker": 1,
    "Custom::PersonalizeSolution": 1,
    "Custom::PersonalizeSolutionVersion": 1,
    "Custom::PersonalizeCampaign": 1,
}


@dataclass
class Templates:
    default: dict[str, Any]
    tps: dict[str, Any]  # campaign min_provisioned_tps 1 → 2
    trigger: dict[str, Any]  # and then the first solution's trigger v1 → v2


# Assemblies this process synthesized: a deploy publishes its file assets (the data files) from
# them to S3 first, as `cdk deploy` does. Removed when the process ends.
ASSEMBLIES: list[Path] = []


def templates() -> Templates:
    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    raw = base_config()
    tps = copy.deepcopy(raw)
    tps["campaigns"][0]["min_provisioned_tps"] = tps["campaigns"][0].get("min_provisioned_tps", 1) + 1
    trigger = copy.deepcopy(tps)
    trigger["solutions"][0]["training"]["trigger"] = "v2"
    out = {}
    for name, config in (("default", raw), ("tps", tps), ("trigger", trigger)):
        path = work / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        out[name] = synth(path, work / f"out-{name}")["template"]
        ASSEMBLIES.append(work / f"out-{name}")
    return Templates(out["default"], out["tps"], out["trigger"])


def creation_floor(template: dict[str, Any]) -> int:
    """One Create per Personalize object the template declares (import jobs count: one per
    dataset import chain, made by its link 0; the wait links make nothing), and one TagResource
    per resource whose CloudFormation Tags is create-only (stacks/tagging.py)."""
    resources = list(template["Resources"].values())
    imports = [
        r
        for r in resources
        if r["Type"] == DATASET_IMPORT_TYPE
        and contract.DatasetImport.from_properties(r["Properties"]).link_index == 0
    ]
    creates = sum(NATIVE_CREATES.get(r["Type"], 0) for r in resources) + len(imports)
    return creates + sum(_tag_targets(r) for r in resources if r["Type"] == TAGS_TYPE)


def _tag_targets(resource: dict[str, Any]) -> int:
    """The ARNs a Custom::PersonalizeTags tags (`Fn::GetAtt`s joined into ResourceArns)."""
    return str(contract.ResourceTags.from_properties(resource["Properties"]).resource_arns).count(
        "Fn::GetAtt"
    )


@contextmanager
def simulated(training_seconds: float | None = None, query_interval: int = 30) -> Iterator[Any]:
    """(simulator, fake, client) over a fresh fake Personalize on a fresh virtual clock."""
    from simulation.clock import VirtualClock  # noqa: PLC0415 - test harness, imported on use
    from simulation.cloudformation import DeploySimulator  # noqa: PLC0415
    from simulation.personalize_server import Durations, FakePersonalize, FakePersonalizeServer  # noqa: PLC0415

    clock = VirtualClock()
    durations = Durations() if training_seconds is None else Durations(training=training_seconds)
    with FakePersonalizeServer(FakePersonalize(clock, durations=durations)) as server, mock_aws():
        client = server.client()
        sim = DeploySimulator(
            clock,
            client,
            query_interval=query_interval,
            stack_name="immersion-day-news-personalize",
            s3_client=boto3.client("s3", region_name="us-east-1"),  # played by moto
            assemblies=lambda: list(ASSEMBLIES),
        )
        yield sim, server.fake, client


def _ops(calls: list[Any]) -> str:
    counts = Counter(c.operation for c in calls)
    return ", ".join(f"{op}×{n}" if n > 1 else op for op, n in sorted(counts.items())) or "none"


def change_scenarios(tpl: Templates) -> list[Row]:
    rows: list[Row] = []
    with simulated() as (sim, fake, _client):
        steps = (
            (
                "first deploy",
                tpl.default,
                creation_floor(tpl.default),
                "one Create per Personalize object, one TagResource per create-only-tagged one",
            ),
            ("identical redeploy", tpl.default, 0, ""),
            ("TPS change (campaign minProvisionedTPS 1→2)", tpl.tps, 1, "UpdateCampaign"),
            (
                "trigger change (solution 1 trigger v1→v2)",
                tpl.trigger,
                2,
                "CreateSolutionVersion + UpdateCampaign",
            ),
        )
        for name, template, floor, floor_note in steps:
            mark = len(fake.mutating_calls())
            result = sim.deploy(template)
            if not result.ok:
                failure = result.failure
                raise RuntimeError(f"{name}: {result.status}: {failure.reason if failure else ''}"[:300])
            calls = fake.mutating_calls()[mark:]
            stats = result.stats
            rows.append(
                Row(
                    SECTION,
                    f"{name}: mutating Personalize calls",
                    str(len(calls)),
                    f"floor {floor}" + (f" ({floor_note})" if floor_note else ""),
                    f"{_ops(calls)}; {stats.lambda_invocations} handler invocations, "
                    f"{stats.state_transitions} state transitions, "
                    f"virtual deploy time {stats.wall_seconds / 60:.1f} min ({result.status})",
                )
            )
            if name.startswith("TPS"):
                floor_s = fake.durations.campaign_update
                rows.append(
                    Row(
                        SECTION,
                        "campaign update deploy time (TPS change, virtual)",
                        f"{stats.wall_seconds:.0f} s",
                        f"floor {floor_s:.0f} s (the fake's UpdateCampaign)",
                        f"longest custom resource operation {stats.max_operation_seconds:.0f} s",
                    )
                )
    return rows


@dataclass
class TrainingRun:
    training_seconds: float
    query_interval: int
    is_complete_calls: int  # on the training resources (version + wait links), all solutions
    transitions: int
    delays: list[float]  # per solution: ACTIVE → last link CREATE_COMPLETE
    training_hours: float  # summed over solutions


def training_run(template: dict[str, Any], training_seconds: float, query_interval: int) -> TrainingRun:
    with simulated(training_seconds, query_interval) as (sim, _fake, client):
        result = sim.deploy(template)
        if not result.ok:
            failure = result.failure
            raise RuntimeError(
                f"training {training_seconds:.0f} s: {result.status}: {failure and failure.reason}"
            )
        chains = training_chains(template["Resources"])
        members = {lid for chain in chains for lid in chain.members}
        ops = [op for op in result.stats.operations if op.custom and op.logical_id in members]
        completed = {e.logical_id: e.time for e in result.events if e.status == "CREATE_COMPLETE"}
        delays: list[float] = []
        hours = 0.0
        for chain in chains:
            last = max(chain.members, key=lambda lid: completed[lid])
            arn = sim.resources[chain.version].physical_id.removeprefix("adopted:")
            described = client.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
            active_at = described["lastUpdatedDateTime"].timestamp()
            hours += (active_at - described["creationDateTime"].timestamp()) / 3600
            delays.append(completed[last] - active_at)
        return TrainingRun(
            training_seconds,
            query_interval,
            is_complete_calls=sum(op.lambda_invocations - 1 for op in ops),
            transitions=sum(op.state_transitions for op in ops),
            delays=delays,
            training_hours=hours,
        )


def training_rows(template: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for interval in INTERVALS:
        runs = [training_run(template, seconds, interval) for seconds in TRAININGS]
        per_hour = [r.is_complete_calls / r.training_hours for r in runs]
        transitions = [r.transitions / r.training_hours for r in runs]
        delays = [d for r in runs for d in r.delays]
        lengths = ", ".join(f"{s / 3600:.2f}" for s in TRAININGS)
        current = " (current)" if interval == 30 else ""
        rows.append(
            Row(
                SECTION,
                f"query interval {interval} s{current}: isComplete invocations / hour of training",
                spread(per_hour, "", 1),
                f"{3600 / interval:.0f} (one poll per interval)",
                f"Step Functions transitions / hour: {spread(transitions, '', 1)}; trainings of {lengths} h",
            )
        )
        rows.append(
            Row(
                SECTION,
                f"query interval {interval} s{current}: ACTIVE → deploy moves on (virtual)",
                spread(delays, "s", 0),
                f"floor 0 s; bound {interval} s",
                "per solution, version ACTIVE to its last wait link CREATE_COMPLETE",
            )
        )
    return rows


def cross_check(tpl: Templates, own: list[Row]) -> Row:
    """The same numbers from tests/scenarios/measure.py, and whether they agree with ours."""
    from tests.scenarios import measure as shared  # noqa: PLC0415 - optional: the scenario suite's
    from tests.support import synth as test_synth  # noqa: PLC0415

    for assembly in ASSEMBLIES:
        test_synth.remember(assembly)
    numbers = shared.measure_all(tpl.default, tpl.tps, tpl.trigger)
    calls = numbers["mutating_calls"]
    ours = {r.metric.split(":")[0]: r.value for r in own if r.metric.endswith("mutating Personalize calls")}
    theirs = dict(zip(ours, calls.values(), strict=False))
    disagree = [k for k, v in theirs.items() if str(v) != ours[k]]
    polling = numbers["training_polling"]
    return Row(
        SECTION,
        "cross-check: tests/scenarios/measure.py",
        "agrees on mutating calls" if not disagree else f"DISAGREES on {', '.join(disagree)}",
        "",
        f"mutating {calls}; isComplete/h {polling['is_complete_per_training_hour']:.1f}, "
        f"transitions/h {polling['state_transitions_per_training_hour']:.1f} "
        f"({polling['training_hours']:g} h training); ACTIVE→noticed "
        f"{numbers['activation_notice_delay_seconds']:.0f} s; campaign update deploy "
        f"{numbers['campaign_update_deploy_seconds']:.0f} s",
    )


def measure() -> list[Row]:
    from bench.report import guarded  # noqa: PLC0415

    tpl = templates()
    own = change_scenarios(tpl) + training_rows(tpl.default)
    return own + guarded(SECTION, "cross-check: tests/scenarios/measure.py", lambda: [cross_check(tpl, own)])


if __name__ == "__main__":
    import os

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    for row in measure():
        print(row)
