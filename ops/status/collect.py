"""What the status screen shows, gathered through a `DeployedStack` into plain data (JSON-ready).

Per solution: the version a deploy is waiting for (status, elapsed, time left estimated from
this solution's earlier trainings, which wait link polls, how many remain), the version the
campaigns serve, metrics of both and each gate. Per campaign: status, pending update, TPS,
version served, the auto-training checker's last decision (campaign tags). Filters and the event
tracker; the stack's last failure.
"""

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from lambda_handlers import auto_training, constants, contract, metrics
from lambda_handlers.constants import Status
from lambda_handlers.kernel.status import canonical, update_running
from ops.chain import TrainingChain, chains_by_solution
from ops.reader import DeployedStack, StackResource, epoch
from ops.template import props, refs
from stacks.config_model.recipes import ITEM_METRICS

# The notebook's metrics table, in its order (GetSolutionMetrics names): the item recipes' list.
NOTEBOOK_METRICS = ITEM_METRICS


@dataclass
class Gate:
    metric: str
    minimum: float
    value: float | None  # None: no metric (not trained yet, or Personalize did not return it)

    @property
    def holds(self) -> bool | None:
        return None if self.value is None else self.value >= self.minimum


@dataclass
class Comparison:
    """A version against the champion recorded when its training started (gates' `max_drop`)."""

    challenger: str
    champion: str
    rows: list[metrics.Comparison]  # one per max_drop gate, in metric-name order

    def verdicts(self) -> list[bool | None]:
        """Per row: holds, fails, or None while the challenger has no metrics yet (training)."""
        return [None if row.challenger is None else row.holds for row in self.rows]


@dataclass
class Training:
    version_arn: str
    status: str
    elapsed_seconds: float
    estimate_left_seconds: float | None  # None: no earlier training of this solution to learn from
    polling: str | None  # logical id of the chain member CloudFormation is waiting on
    links_left: int  # chain members after the polling one
    failure_reason: str = ""

    @property
    def in_progress(self) -> bool:
        return canonical(self.status) in Status.CREATING


@dataclass
class SolutionStatus:
    logical_id: str
    arn: str
    auto_training: bool | None
    training: Training | None  # the version a deploy is waiting for (None: no deploy waits)
    served_version: str | None  # the version the campaigns serve (None: no campaign)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # version ARN → metrics
    gates: list[Gate] = field(default_factory=list)  # of the newest version (training or served)
    # The newest version against its champion; None without max_drop gates or champion record.
    comparison: Comparison | None = None


@dataclass
class CampaignStatus:
    logical_id: str
    arn: str
    status: str
    min_provisioned_tps: int | None
    version: str | None
    pending_update: str | None  # latestCampaignUpdate.status when it is not ACTIVE
    pending_version: str | None
    # The auto-training checker's last decision (`{outcome} {version ARN}`) and its count of
    # automatic versions held in a row, from the campaign's tags; None without gated promotion.
    last_decision: str | None = None
    consecutive_holds: int | None = None


@dataclass
class BatchJobStatus:
    """A batch job as its last deploy left it: the job of its current trigger, input and version."""

    logical_id: str
    arn: str
    status: str  # PENDING | IN PROGRESS | ACTIVE | CREATE FAILED, or "not found"
    output: str  # s3:// prefix the job writes to
    elapsed_seconds: float  # from creation to its last status change (or to now, while running)
    failure_reason: str = ""


def _batch_jobs(
    stack: DeployedStack, resources: dict[str, Any], live: dict[str, StackResource]
) -> list[BatchJobStatus]:
    found: list[BatchJobStatus] = []
    for lid, resource in resources.items():
        if resource.get("Type") != constants.BATCH_JOB_TYPE or lid not in live or not live[lid].physical_id:
            continue
        if contract.BatchJob.from_properties(props(resource)).link_index != 0:
            continue
        job = stack.personalize.batch_job(live[lid].physical_id) or {}
        status = str(job.get("status", "not found"))
        end = stack.now() if status in Status.BATCH_RUNNING else epoch(job.get("lastUpdatedDateTime"))
        found.append(
            BatchJobStatus(
                logical_id=lid,
                arn=live[lid].physical_id,
                status=status,
                output=str(job.get("jobOutput", {}).get("s3DataDestination", {}).get("path", "")),
                elapsed_seconds=max(0.0, end - epoch(job.get("creationDateTime"))) if job else 0.0,
                failure_reason=str(job.get("failureReason", "")),
            )
        )
    return found


@dataclass
class Report:
    stack: str
    stack_status: str
    stack_reason: str
    last_failure: str
    at: float
    solutions: list[SolutionStatus]
    campaigns: list[CampaignStatus]
    filters: dict[str, str]  # name → status
    event_tracker: str | None
    parameters: dict[str, str]
    batch_jobs: list[BatchJobStatus] = field(default_factory=list)

    @property
    def in_progress(self) -> bool:
        """Something still moves: the stack, a training, or a campaign update."""
        return (
            self.stack_status.endswith("_IN_PROGRESS")
            or any(s.training is not None and s.training.in_progress for s in self.solutions)
            or any(c.pending_update is not None or c.status in Status.CREATING for c in self.campaigns)
            or any(j.status in Status.BATCH_RUNNING for j in self.batch_jobs)
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["in_progress"] = self.in_progress
        for solution, original in zip(data["solutions"], self.solutions, strict=True):
            for gate, gate_obj in zip(solution["gates"], original.gates, strict=True):
                gate["holds"] = gate_obj.holds
            if original.comparison is not None:
                rows = zip(solution["comparison"]["rows"], original.comparison.rows, strict=True)
                for (row, row_obj), verdict in zip(rows, original.comparison.verdicts(), strict=True):
                    row["drop"] = row_obj.drop
                    row["holds"] = verdict
        return data


def training_seconds(versions: list[dict[str, Any]]) -> list[float]:
    """How long each earlier ACTIVE version of the solution trained (creation → last update)."""
    return [
        epoch(v.get("lastUpdatedDateTime")) - epoch(v.get("creationDateTime"))
        for v in versions
        if v.get("status") == Status.ACTIVE and v.get("lastUpdatedDateTime") and v.get("creationDateTime")
    ]


def _declared_gates(template_resources: dict[str, Any], chain: TrainingChain) -> dict[str, contract.Gate]:
    """The gates the deployed template gives the chain (decoded as the handlers decode them)."""
    try:
        spec = contract.SolutionVersion.from_properties(props(template_resources.get(chain.version)))
    except (contract.ContractError, KeyError, TypeError):
        return {}
    return dict(spec.gates)


def _gates(declared: dict[str, contract.Gate], values: dict[str, float]) -> list[Gate]:
    return [
        Gate(metric=name, minimum=gate.minimum, value=values.get(name))
        for name, gate in sorted(declared.items())
        if gate.minimum is not None
    ]


def _comparison(
    stack: DeployedStack, version: str | None, declared: dict[str, contract.Gate], values: dict[str, float]
) -> Comparison | None:
    """The version's `max_drop` gates against the champion its training recorded (its tag)."""
    if version is None or not any(gate.max_drop is not None for gate in declared.values()):
        return None
    champion = stack.personalize.tags(version).get(constants.CHAMPION_TAG)
    if not champion:
        return None
    rows = metrics.comparisons(values, stack.personalize.metrics(champion), declared)
    return Comparison(challenger=version, champion=champion, rows=rows)


def _training(
    stack: DeployedStack, chain: TrainingChain, solution_arn: str, live: dict[str, StackResource]
) -> Training | None:
    polling = next((lid for lid in chain.members if lid in live and live[lid].in_progress), None)
    if polling is None:
        return None
    versions = stack.personalize.solution_versions(solution_arn)
    newest = versions[0] if versions else None
    if newest is None:
        return None
    described = stack.personalize.solution_version(str(newest["solutionVersionArn"])) or newest
    started = epoch(described.get("creationDateTime"))
    status = str(described.get("status", ""))
    elapsed = (
        stack.now() if status in Status.CREATING else epoch(described.get("lastUpdatedDateTime"))
    ) - started
    earlier = training_seconds(versions[1:])
    left = max(statistics.median(earlier) - elapsed, 0.0) if earlier and status in Status.CREATING else None
    return Training(
        version_arn=str(described["solutionVersionArn"]),
        status=status,
        elapsed_seconds=max(elapsed, 0.0),
        estimate_left_seconds=left,
        polling=polling,
        links_left=len(chain.members) - chain.members.index(polling) - 1,
        failure_reason=str(described.get("failureReason", "")),
    )


def collect(stack: DeployedStack) -> Report:
    """Everything on the screen, read once (raises StackNotFoundError)."""
    info = stack.stack()
    template = stack.template()
    resources: dict[str, Any] = template.get("Resources", {})
    live = stack.resources()
    campaigns = [
        _campaign(stack, lid, live[lid])
        for lid, r in resources.items()
        if r.get("Type") == constants.CAMPAIGN_TYPE and lid in live and live[lid].physical_id
    ]
    solutions: list[SolutionStatus] = []
    for solution_lid, chain in chains_by_solution(resources).items():
        res = live.get(solution_lid)
        if res is None or not res.physical_id:
            continue
        described = stack.personalize.solution(res.arn) or {}
        training = _training(stack, chain, res.arn, live)
        served = _served(resources, chain, campaigns)
        deployed = live[chain.version].held_version if chain.version in live and not training else None
        newest = training.version_arn if training else deployed or served
        shown = dict.fromkeys(a for a in (newest, served) if a)
        values = {arn: stack.personalize.metrics(arn) for arn in shown}
        declared = _declared_gates(resources, chain)
        solutions.append(
            SolutionStatus(
                logical_id=solution_lid,
                arn=res.arn,
                auto_training=auto_training.in_force(described).enabled if described else None,
                training=training,
                served_version=served,
                metrics=values,
                gates=_gates(declared, values.get(newest or "", {})),
                comparison=_comparison(stack, newest, declared, values.get(newest or "", {})),
            )
        )
    filters = {
        lid: str((stack.personalize.filter(live[lid].physical_id) or {}).get("status", "not found"))
        for lid, r in resources.items()
        if r.get("Type") == "AWS::Personalize::Filter" and lid in live and live[lid].physical_id
    }
    tracker = next(
        (
            str((stack.personalize.event_tracker(live[lid].physical_id) or {}).get("status", "not found"))
            for lid, r in resources.items()
            if r.get("Type") == "AWS::Personalize::EventTracker" and lid in live and live[lid].physical_id
        ),
        None,
    )
    names = [str(props(r).get("Name")) for r in resources.values() if r.get("Type") == "AWS::SSM::Parameter"]
    return Report(
        stack=info.name,
        stack_status=info.status,
        stack_reason=info.reason,
        last_failure=info.last_failure,
        at=stack.now(),
        solutions=solutions,
        campaigns=campaigns,
        filters=filters,
        event_tracker=tracker,
        parameters=stack.parameters([n for n in names if n and n != "None"]),
        batch_jobs=_batch_jobs(stack, resources, live),
    )


def _served(resources: dict[str, Any], chain: TrainingChain, campaigns: list[CampaignStatus]) -> str | None:
    """The version the solution's campaigns serve (the first campaign reading this chain or solution)."""
    mine = {*chain.members, chain.solution}
    for campaign in campaigns:
        spec = contract.Campaign.from_properties(props(resources.get(campaign.logical_id)))
        if mine & set(refs(spec.solution_version_arn)):
            return campaign.version
    return None


def _campaign(stack: DeployedStack, lid: str, res: StackResource) -> CampaignStatus:
    described = stack.personalize.campaign(res.arn) or {}
    update = described.get("latestCampaignUpdate") or {}
    pending = update.get("status") if update_running(described, "latestCampaignUpdate") else None
    tps = described.get("minProvisionedTPS")
    tags = stack.personalize.tags(res.arn) if described else {}
    holds = tags.get(constants.HOLDS_TAG)
    return CampaignStatus(
        logical_id=lid,
        arn=res.arn,
        status=str(described.get("status", "not found")),
        min_provisioned_tps=int(tps) if tps is not None else None,
        version=described.get("solutionVersionArn"),
        pending_update=str(pending) if pending else None,
        pending_version=update.get("solutionVersionArn") if pending else None,
        last_decision=tags.get(constants.DECISION_TAG),
        consecutive_holds=int(holds) if holds and holds.isdigit() else None,
    )
