"""Solution and training constructs: a solution, its version, and the chain of wait links.

CloudFormation gives one custom-resource operation at most an hour, training takes longer.
The version resource starts (or finds) the training and waits one link's budget; each wait
link after it waits another budget from its own start, and the last link fails the deploy
once `max_wait_minutes` is spent. Every link returns `SolutionVersionArn`; consumers read the
last link's, so they move only after the version is ACTIVE and passed its gates.
"""

import dataclasses
import math
from collections.abc import Sequence

from aws_cdk import CustomResource
from constructs import Construct, IDependable

from lambda_handlers import constants, contract
from lambda_handlers.constants import Attr
from stacks.custom_resource import custom_resource
from stacks.naming import pascal

MAX_WAIT_MINUTES = contract.default_of(contract.TrainingWait, "max_wait_minutes")


def link_budgets(max_wait_minutes: int, link_seconds: int = constants.LINK_SECONDS) -> list[int]:
    """Seconds each link may wait: full links, then the rest; at least two links (version + 1)."""
    total = max_wait_minutes * 60
    count = max(2, math.ceil(total / link_seconds))
    budgets = [min(link_seconds, total - i * link_seconds) for i in range(count)]
    return [max(0, b) for b in budgets]


class PersonalizeSolution(Construct):
    """A Personalize solution (custom resource: CloudFormation's own cannot turn auto-training off).

    Props (keyword-only):
    - spec: the solution's properties, in CreateSolution's terms (defaults: `contract.Solution`);
      an existing solution of that name with the same recipe is adopted.
    - depends_on: what must exist first (the datasets and their import jobs).
    - logical_id: template logical id (default from the name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: contract.Solution,
        depends_on: Sequence[IDependable] = (),
        logical_id: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.physical_name = spec.name
        self.resource = custom_resource(
            self,
            "Resource",
            spec=spec,
            logical_id=logical_id or f"Solution{pascal(spec.name)}",
            depends_on=depends_on,
        )
        self.solution_arn = self.resource.get_att_string(Attr.SOLUTION_ARN)


class SolutionTraining(Construct):
    """Train (or find) the solution version for a trigger and wait for it, past the one-hour wall.

    Props (keyword-only):
    - version: what to train (defaults: `contract.SolutionVersion`); its `link_seconds` is set here.
    - max_wait_minutes: how long the deploy waits for training (default: `contract.TrainingWait`).
    - logical_prefix: start of every logical id (default `Training` + the solution name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        version: contract.SolutionVersion,
        max_wait_minutes: int = MAX_WAIT_MINUTES,
        logical_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = logical_prefix or f"Training{pascal(version.solution_name or '')}"
        budgets = link_budgets(max_wait_minutes)
        self.version = custom_resource(
            self,
            "Version",
            spec=dataclasses.replace(version, link_seconds=budgets[0]),
            logical_id=f"{prefix}Version",
        )
        self.links: list[CustomResource] = []
        previous = self.version
        for index, budget in enumerate(budgets[1:], start=1):
            link = contract.TrainingWait(
                solution_version_arn=previous.get_att_string(Attr.SOLUTION_VERSION_ARN),
                trigger=version.trigger,
                training_mode=version.training_mode,
                gates=version.gates,
                link_seconds=budget,
                link_index=index,
                is_last=index == len(budgets) - 1,
                max_wait_minutes=max_wait_minutes,
                solution_name=version.solution_name,
            )
            previous = custom_resource(self, f"Wait{index}", spec=link, logical_id=f"{prefix}Wait{index}")
            self.links.append(previous)
        self.last_link = previous
        self.solution_version_arn = previous.get_att_string(Attr.SOLUTION_VERSION_ARN)
        self.summary = previous.get_att_string(Attr.SUMMARY)
