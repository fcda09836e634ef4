"""Play a deploy, or a change, in the simulated account and keep what the timeline and summary show.

The account is `simulation.world`'s: the fake Personalize over HTTP, reached by unmodified boto3
clients through `AWS_ENDPOINT_URL_PERSONALIZE` with dummy keys, S3 played by moto, CloudFormation
and the Provider framework played by the deploy simulator, all on a virtual clock. Nothing here
reaches AWS: `open_world` sets the shell's AWS settings aside for the rehearsal.

The rehearsal reads the account too (the status screen, version names, what is left); those
reads go to the same fake, so they are kept out of the call counts (`Ledger.aside`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lambda_handlers import contract, metrics
from ops.chain import training_chains
from ops.reader import StackNotFoundError
from ops.rehearse import faults
from ops.status.collect import Report, collect
from ops.template import props
from simulation.cloudformation import DeployResult
from simulation.personalize import CREATING, Call, Durations
from simulation.stack_reader import SimulatedStack
from simulation.world import Assemblies, World, open_world

AFTERWARDS_SECONDS: Final = 3600  # deletes and stops a rollback started finish within it (fake's table)


@dataclass(frozen=True)
class Moment:
    """The status screen at a virtual minute of the rehearsed deploy."""

    minute: float
    report: Report


@dataclass(frozen=True)
class GateCheck:
    """A version's metrics against its gates, as a wait link checked them (its metric log line)."""

    time: float
    solution: str  # the config's solution name
    version_arn: str
    values: dict[str, float]
    gates: dict[str, contract.Gate]

    @property
    def failures(self) -> list[metrics.GateFailure]:
        return metrics.failed_gates(self.values, self.gates)


@dataclass(frozen=True)
class Campaign:
    """A campaign of the simulated account after the rehearsal: what bills."""

    name: str
    status: str
    min_provisioned_tps: int
    version_arn: str


@dataclass
class Rehearsal:
    stack: str
    template: dict[str, Any]
    start: float  # virtual epoch seconds the rehearsed deploy started
    result: DeployResult
    calls: list[Call]  # the deploy's Personalize calls (handlers and CloudFormation's), own reads left out
    gates: list[GateCheck]
    moments: list[Moment]
    durations: Durations
    fault: str | None = None
    base_status: str | None = None  # the base deploy's status (None: a first deploy)
    version_names: dict[str, str] = field(default_factory=dict)  # version ARN → its name
    campaigns: list[Campaign] = field(default_factory=list)  # an hour after the deploy ended
    training_after: list[str] = field(default_factory=list)  # versions still training then
    left: dict[str, int] = field(default_factory=dict)  # Personalize resource kind → how many then

    @property
    def change(self) -> bool:
        return self.base_status is not None

    @property
    def trainings(self) -> list[Call]:
        return [c for c in self.calls if c.operation == "CreateSolutionVersion" and c.ok]

    @property
    def seconds(self) -> float:
        """Virtual seconds from the deploy's start to the stack's final status."""
        return self.result.stats.wall_seconds


class Ledger:
    """The fake's call log from a mark on, without the calls the rehearsal made to look."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.mark = world.mark()
        self._skipped: list[range] = []

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        start = len(self.world.fake.calls)
        try:
            yield
        finally:
            self._skipped.append(range(start, len(self.world.fake.calls)))

    def calls(self) -> list[Call]:
        log = self.world.fake.calls
        return [
            log[i] for i in range(self.mark, len(log)) if not any(i in skipped for skipped in self._skipped)
        ]


def gate_checks(template: Mapping[str, Any], logs: Sequence[str]) -> list[GateCheck]:
    """The first check of each version, from the metric log line a link writes before its gates."""
    resources = dict(template.get("Resources") or {})
    gates: dict[str, dict[str, contract.Gate]] = {}
    for chain in training_chains(resources):
        spec = contract.SolutionVersion.from_properties(props(resources[chain.version]))
        gates[spec.solution_name or chain.version] = dict(spec.gates)
    checks: dict[str, GateCheck] = {}
    for line in logs:
        if not line.startswith("{"):
            continue
        document = json.loads(line)
        if "_aws" not in document or document.get("SolutionVersionArn") in checks:
            continue
        names = [m["Name"] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        solution = str(document["Solution"])
        checks[document["SolutionVersionArn"]] = GateCheck(
            time=document["_aws"]["Timestamp"] / 1000,
            solution=solution,
            version_arn=str(document["SolutionVersionArn"]),
            values={name: float(document[name]) for name in names},
            gates=gates.get(solution, {}),
        )
    return sorted(checks.values(), key=lambda check: check.time)


def _watch(world: World, ledger: Ledger, template: dict[str, Any], minutes: Sequence[float]) -> list[Moment]:
    """Draw the status screen the first time a handler runs at or past each minute (a hook)."""
    start, pending, moments = world.clock.now(), sorted(minutes), []
    reader = SimulatedStack(world.sim, world.admin, template=template)

    def hook(_kind: str, _event: dict[str, Any]) -> None:
        elapsed = (world.clock.now() - start) / 60
        if not pending or elapsed < pending[0] or not world.sim.live_status.endswith("_IN_PROGRESS"):
            return
        while pending and pending[0] <= elapsed:
            pending.pop(0)
        with ledger.aside():
            moments.append(Moment(elapsed, collect(reader)))

    world.hooks.append(hook)
    return moments


def _names(world: World) -> dict[str, str]:
    names: dict[str, str] = {}
    for solution in world.admin.list_solutions(maxResults=100)["solutions"]:
        for summary in world.versions(solution["solutionArn"]):
            arn = str(summary["solutionVersionArn"])
            names[arn] = str(world.version(arn).get("name") or arn.rsplit("/", 1)[-1])
    return names


def _afterwards(world: World, rehearsal: Rehearsal) -> None:
    """What is left an hour after the deploy ended (deletes and stops the rollback started are done)."""
    rehearsal.version_names = _names(world)
    world.clock.advance(AFTERWARDS_SECONDS)
    admin = world.admin
    for summary in admin.list_campaigns(maxResults=100)["campaigns"]:
        described = world.campaign(summary["campaignArn"])
        rehearsal.campaigns.append(
            Campaign(
                name=str(described["name"]),
                status=str(described.get("status", "")),
                min_provisioned_tps=int(described.get("minProvisionedTPS", 0)),
                version_arn=str(described.get("solutionVersionArn", "")),
            )
        )
    versions = admin.list_solution_versions(maxResults=100)["solutionVersions"]
    rehearsal.training_after = [str(v["solutionVersionArn"]) for v in versions if v["status"] in CREATING]
    groups = admin.list_dataset_groups(maxResults=100)["datasetGroups"]
    solutions = admin.list_solutions(maxResults=100)["solutions"]
    left = {
        "dataset group": len(groups),
        "solution": len(solutions),
        "solution version": len(versions),
        "campaign": len(rehearsal.campaigns),
        "filter": sum(
            len(admin.list_filters(datasetGroupArn=g["datasetGroupArn"], maxResults=100)["Filters"])
            for g in groups
        ),
        "event tracker": len(admin.list_event_trackers(maxResults=100)["eventTrackers"]),
    }
    rehearsal.left = {kind: count for kind, count in left.items() if count}


def rehearse(
    template: dict[str, Any],
    *,
    stack: str,
    base: dict[str, Any] | None = None,
    fault: str | None = None,
    training_minutes: float | None = None,
    status_minutes: Sequence[float] = (30, 60),
    assemblies: Assemblies | None = None,
) -> Rehearsal:
    """Deploy `base` (when given), then rehearse `template` over it, with `fault` armed first."""
    durations = Durations() if training_minutes is None else Durations(training=training_minutes * 60)
    with open_world(durations, assemblies=assemblies, stack_name=stack) as world:
        base_status = None
        if base is not None:
            first = world.deploy(base)
            base_status = first.status
            if not first.ok:
                raise RuntimeError(f"the base config's deploy failed: {first.status} {first.failure}")
        if fault is not None:
            faults.inject(world, fault, template)
        ledger = Ledger(world)
        logs, start = len(world.sim.logs), world.clock.now()
        moments = _watch(world, ledger, template, status_minutes)
        result = world.deploy(template)
        world.hooks.clear()
        calls = ledger.calls()
        rehearsal = Rehearsal(
            stack=stack,
            template=template,
            start=start,
            result=result,
            calls=calls,
            gates=gate_checks(template, world.sim.logs[logs:]),
            moments=moments,
            durations=durations,
            fault=fault,
            base_status=base_status,
        )
        with contextlib.suppress(StackNotFoundError):  # a first deploy rolled back: no stack to show
            moments.append(Moment(rehearsal.seconds / 60, collect(SimulatedStack(world.sim, world.admin))))
        _afterwards(world, rehearsal)
        return rehearsal
