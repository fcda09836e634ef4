"""Differences between a deployed template's custom resources and Personalize, as lines.

Checked: each solution's auto-training (`AutoTrainingSchedule`, "" = off, against
`performAutoTraining` and its schedule); each campaign's version (one the auto-training checker promoted,
its `PROMOTED_TAG`, is reported as promoted, not as drift), min TPS and the `campaignConfig` keys
the template declares; the version each wait link holds (its physical
id, `{SolutionVersionArn}/wait-{N}`, lambda_handlers/training_wait.py) against the version
resource's, and that version still being ACTIVE.
"""

import json
from dataclasses import dataclass
from typing import Any

from lambda_handlers import constants
from lambda_handlers.constants import CampaignProps, SolutionProps, Status
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
        subject = f"solution {short_name(props(body).get(SolutionProps.NAME, lid), project)}"
        found = stack.personalize.solution(res.arn)
        if found is None:
            out.append(Drift(subject, "existence", "present", "deleted"))
            continue
        schedule = str(props(body).get(SolutionProps.AUTO_TRAINING_SCHEDULE) or "")
        auto = bool(found.get("performAutoTraining"))
        found_schedule = str(
            ((found.get("solutionConfig") or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
            or ""
        )
        if auto != bool(schedule):
            declared = f"on ({schedule})" if schedule else "off"
            now = f"on ({found_schedule or 'rate(7 days)'})" if auto else "off"
            out.append(Drift(subject, "auto-training", declared, now))
        elif auto and found_schedule and found_schedule != schedule:
            out.append(Drift(subject, "auto-training schedule", schedule, found_schedule))
    return out


def _chains(
    stack: DeployedStack, resources: dict[str, Any], live: dict[str, StackResource], project: str | None
) -> list[Drift]:
    out: list[Drift] = []
    for solution_lid, chain in chains_by_solution(resources).items():
        version = live.get(chain.version)
        if version is None or not version.physical_id:
            continue
        name = short_name(props(resources.get(solution_lid)).get(SolutionProps.NAME, solution_lid), project)
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
        p = props(body)
        subject = f"campaign {short_name(p.get(CampaignProps.NAME, lid), project)}"
        found = stack.personalize.campaign(res.arn)
        if found is None:
            out.append(Drift(subject, "existence", "present", "deleted"))
            continue
        tps = str(p.get(CampaignProps.MIN_PROVISIONED_TPS, ""))
        if tps and str(found.get("minProvisionedTPS")) != tps:
            out.append(Drift(subject, "min TPS", tps, str(found.get("minProvisionedTPS"))))
        declared = _declared_version(p.get(CampaignProps.SOLUTION_VERSION_ARN), resources, live)
        served = str(found.get("solutionVersionArn"))
        if declared and served != declared:
            promoted = stack.personalize.tags(res.arn).get(constants.PROMOTED_TAG) == served
            out.append(
                Drift(subject, "version", declared.rsplit("/", 1)[-1], served.rsplit("/", 1)[-1], promoted)
            )
        config = json.loads(str(p.get(CampaignProps.CAMPAIGN_CONFIG) or "{}"))
        found_config = found.get("campaignConfig") or {}
        for key, value in sorted(config.items()):
            if found_config.get(key, _DEFAULTS.get(key)) != value:
                out.append(
                    Drift(
                        subject, f"campaignConfig.{key}", json.dumps(value), json.dumps(found_config.get(key))
                    )
                )
    return out


# What DescribeCampaign leaves out when a flag is off (botocore model: optional booleans).
_DEFAULTS: dict[str, Any] = {
    "enableMetadataWithRecommendations": False,
    "syncWithLatestSolutionVersion": False,
}


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
