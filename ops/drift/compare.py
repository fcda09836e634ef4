"""Differences between a deployed template's custom resources and Personalize, as lines.

Checked: each solution's auto-training, declared against the one reading of it
(`lambda_handlers.auto_training`: an update still pending is shown, not counted as in force);
each campaign's version (one the auto-training checker promoted, its `PROMOTED_TAG`, is reported
as promoted, not as drift), min TPS and the `campaignConfig` keys the template declares; the
version each wait link holds (its physical id, `{SolutionVersionArn}/wait-{N}`,
lambda_handlers/training_wait.py) against the version resource's, and that version still being
ACTIVE.
"""

import json
from dataclasses import dataclass
from typing import Any

from lambda_handlers import auto_training, constants, contract
from lambda_handlers.auto_training import AutoTraining
from lambda_handlers.constants import Status
from ops.chain import TrainingChain, chains_by_solution
from ops.impact.template import project_of, short_name
from ops.reader import DeployedStack, StackResource
from ops.template import of_type, props, refs

OUTSIDE = "(changed outside CloudFormation)"


PROMOTED = "(promoted by the auto-training checker: not drift)"


@dataclass(frozen=True)
class Drift:
    subject: str  # "campaign user-personalization"
    what: str  # "min TPS"
    declared: str
    found: str
    promoted: bool = False  # the campaign serves the version the checker promoted (its tag)

    def line(self) -> str:
        return f"{self.subject}: {self.what} declared {self.declared}, found {self.found} " + (
            PROMOTED if self.promoted else OUTSIDE
        )


def _solutions(
    stack: DeployedStack, resources: dict[str, Any], live: dict[str, StackResource], project: str | None
) -> list[Drift]:
    out: list[Drift] = []
    for lid, body in of_type(resources, constants.SOLUTION_TYPE).items():
        res = live.get(lid)
        if res is None or not res.physical_id:
            continue
        spec = contract.Solution.from_properties(props(body))
        subject = f"solution {short_name(spec.name, project)}"
        found = stack.personalize.solution(res.arn)
        if found is None:
            out.append(Drift(subject, "existence", "present", "deleted"))
            continue
        declared = AutoTraining.declared(spec)
        reading = auto_training.read(found)
        now = reading.in_force
        pending = f" (update to {reading.pending.text()} pending)" if reading.pending else ""
        if now.enabled != declared.enabled:
            out.append(Drift(subject, "auto-training", declared.text(), now.text() + pending))
        elif now != declared:
            out.append(Drift(subject, "auto-training schedule", declared.schedule, now.schedule + pending))
        elif reading.pending is not None and reading.pending != declared:
            out.append(Drift(subject, "auto-training", declared.text(), now.text() + pending))
    return out


def _chains(
    stack: DeployedStack, resources: dict[str, Any], live: dict[str, StackResource], project: str | None
) -> list[Drift]:
    out: list[Drift] = []
    for solution_lid, chain in chains_by_solution(resources).items():
        version = live.get(chain.version)
        if version is None or not version.physical_id:
            continue
        name = short_name(contract.Solution.from_properties(props(resources.get(solution_lid))).name, project)
        expected = version.held_version
        for link in chain.links:
            res = live.get(link)
            if res is not None and res.physical_id and res.held_version != expected:
                out.append(Drift(f"solution {name} wait link {link}", "version", expected, res.held_version))
        described = stack.personalize.solution_version(expected)
        status = str(described.get("status")) if described else "deleted"
        if status != Status.ACTIVE:
            out.append(
                Drift(
                    f"solution {name} version {expected.rsplit('/', 1)[-1]}", "status", Status.ACTIVE, status
                )
            )
    return out


def _declared_version(value: Any, resources: dict[str, Any], live: dict[str, StackResource]) -> str | None:
    """The version a campaign's `SolutionVersionArn` names: the chain member it reads (None: follows
    the solution's latest version, `sync_with_latest_solution_version`)."""
    for lid in refs(value):
        chain: TrainingChain | None = next(
            (c for c in chains_by_solution(resources).values() if lid in c.members), None
        )
        if chain is not None and lid in live:
            return live[lid].held_version
    return None


def _campaigns(
    stack: DeployedStack, resources: dict[str, Any], live: dict[str, StackResource], project: str | None
) -> list[Drift]:
    out: list[Drift] = []
    for lid, body in of_type(resources, constants.CAMPAIGN_TYPE).items():
        res = live.get(lid)
        if res is None or not res.physical_id:
            continue
        spec = contract.Campaign.from_properties(props(body))
        subject = f"campaign {short_name(spec.name, project)}"
        found = stack.personalize.campaign(res.arn)
        if found is None:
            out.append(Drift(subject, "existence", "present", "deleted"))
            continue
        tps = str(spec.min_provisioned_tps)
        if str(found.get("minProvisionedTPS")) != tps:
            out.append(Drift(subject, "min TPS", tps, str(found.get("minProvisionedTPS"))))
        declared = _declared_version(spec.solution_version_arn, resources, live)
        served = str(found.get("solutionVersionArn"))
        if declared and served != declared:
            promoted = stack.personalize.tags(res.arn).get(constants.PROMOTED_TAG) == served
            out.append(
                Drift(subject, "version", declared.rsplit("/", 1)[-1], served.rsplit("/", 1)[-1], promoted)
            )
        found_config = found.get("campaignConfig") or {}
        for key, value in sorted(spec.campaign_config.to_api().items()):
            if found_config.get(key, contract.CAMPAIGN_CONFIG_API_DEFAULTS.get(key)) != value:
                out.append(
                    Drift(
                        subject, f"campaignConfig.{key}", json.dumps(value), json.dumps(found_config.get(key))
                    )
                )
    return out


def find_drift(stack: DeployedStack) -> list[Drift]:
    """Every difference, solutions first (raises StackNotFoundError)."""
    stack.stack()
    template = stack.template()
    resources: dict[str, Any] = template.get("Resources", {})
    live = stack.resources()
    project = project_of(template)
    return (
        _solutions(stack, resources, live, project)
        + _chains(stack, resources, live, project)
        + _campaigns(stack, resources, live, project)
    )
