"""Solution and training constructs: a solution, its version, and the chain of wait links.

CloudFormation gives one custom-resource operation at most an hour, training takes longer.
The version resource starts (or finds) the training and waits one link's budget; each wait
link after it waits another budget from its own start, and the last link fails the deploy
once `max_wait_minutes` is spent. Every link returns `SolutionVersionArn`; consumers read the
last link's, so they move only after the version is ACTIVE and passed its gates.
"""

import json
import math
from collections.abc import Mapping, Sequence

from aws_cdk import CustomResource
from constructs import Construct, IDependable

from lambda_handlers import constants
from lambda_handlers.constants import Attr, SolutionProps, SolutionVersionProps, TrainingWaitProps
from stacks.custom_resource import api_tags, custom_resource
from stacks.naming import pascal


def link_budgets(max_wait_minutes: int, link_seconds: int = constants.LINK_SECONDS) -> list[int]:
    """Seconds each link may wait: full links, then the rest; at least two links (version + 1)."""
    total = max_wait_minutes * 60
    count = max(2, math.ceil(total / link_seconds))
    budgets = [min(link_seconds, total - i * link_seconds) for i in range(count)]
    return [max(0, b) for b in budgets]


class PersonalizeSolution(Construct):
    """A Personalize solution (custom resource: CloudFormation's own cannot turn auto-training off).

    Props (keyword-only, Personalize's terms):
    - name: the solution's physical name (adopted if it already exists with the same recipe).
    - dataset_group_arn, recipe_arn: create-only, as in CreateSolution.
    - event_type: train on this event type only (default None: all events).
    - solution_config: CreateSolution's `solutionConfig` (default {}).
    - perform_hpo: hyperparameter optimisation (default False).
    - auto_training_schedule: `rate(N days)` to let Personalize retrain; None (default) = off.
    - tags: tags of the solution (default {}).
    - depends_on: what must exist first (the datasets and their import jobs).
    - logical_id: template logical id (default from the name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        dataset_group_arn: str,
        recipe_arn: str,
        event_type: str | None = None,
        solution_config: Mapping[str, object] | None = None,
        perform_hpo: bool = False,
        auto_training_schedule: str | None = None,
        tags: Mapping[str, str] | None = None,
        depends_on: Sequence[IDependable] = (),
        logical_id: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.physical_name = name
        self.resource = custom_resource(
            self,
            "Resource",
            resource_type=constants.SOLUTION_TYPE,
            logical_id=logical_id or f"Solution{pascal(name)}",
            properties={
                SolutionProps.NAME: name,
                SolutionProps.DATASET_GROUP_ARN: dataset_group_arn,
                SolutionProps.RECIPE_ARN: recipe_arn,
                SolutionProps.EVENT_TYPE: event_type or "",
                SolutionProps.SOLUTION_CONFIG: json.dumps(dict(solution_config or {}), sort_keys=True),
                SolutionProps.PERFORM_HPO: "true" if perform_hpo else "false",
                SolutionProps.AUTO_TRAINING_SCHEDULE: auto_training_schedule or "",
                SolutionProps.TAGS: api_tags(tags or {}),
            },
            depends_on=depends_on,
        )
        self.solution_arn = self.resource.get_att_string(Attr.SOLUTION_ARN)


class SolutionTraining(Construct):
    """Train (or find) the solution version for a trigger and wait for it, past the one-hour wall.

    Props (keyword-only):
    - solution: the PersonalizeSolution to train.
    - solution_name: config name, used in log metrics and messages.
    - trigger: any text; a new trigger trains a new version, the same one finds the old.
    - training_mode: FULL (default) | UPDATE.
    - gates: minimum metric values (default none).
    - max_wait_minutes: how long the deploy waits for training (default 240).
    - tags: tags of the version (default {}).
    - logical_prefix: start of every logical id (default `Training` + solution name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        solution: PersonalizeSolution,
        solution_name: str,
        trigger: str,
        training_mode: str = "FULL",
        gates: Mapping[str, float] | None = None,
        max_wait_minutes: int = 240,
        tags: Mapping[str, str] | None = None,
        logical_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = logical_prefix or f"Training{pascal(solution_name)}"
        gates_json = json.dumps(dict(gates or {}), sort_keys=True)
        budgets = link_budgets(max_wait_minutes)
        version = custom_resource(
            self,
            "Version",
            resource_type=constants.SOLUTION_VERSION_TYPE,
            logical_id=f"{prefix}Version",
            properties={
                SolutionVersionProps.SOLUTION_ARN: solution.solution_arn,
                SolutionVersionProps.TRIGGER: trigger,
                SolutionVersionProps.TRAINING_MODE: training_mode,
                SolutionVersionProps.GATES: gates_json,
                SolutionVersionProps.LINK_SECONDS: str(budgets[0]),
                SolutionVersionProps.SOLUTION_NAME: solution_name,
                SolutionVersionProps.TAGS: api_tags(tags or {}),
            },
        )
        self.version = version
        self.links: list[CustomResource] = []
        previous = version
        for index, budget in enumerate(budgets[1:], start=1):
            link = custom_resource(
                self,
                f"Wait{index}",
                resource_type=constants.TRAINING_WAIT_TYPE,
                logical_id=f"{prefix}Wait{index}",
                properties={
                    TrainingWaitProps.SOLUTION_VERSION_ARN: previous.get_att_string(
                        Attr.SOLUTION_VERSION_ARN
                    ),
                    TrainingWaitProps.TRIGGER: trigger,
                    TrainingWaitProps.TRAINING_MODE: training_mode,
                    TrainingWaitProps.GATES: gates_json,
                    TrainingWaitProps.LINK_SECONDS: str(budget),
                    TrainingWaitProps.LINK_INDEX: str(index),
                    TrainingWaitProps.IS_LAST: "true" if index == len(budgets) - 1 else "false",
                    TrainingWaitProps.MAX_WAIT_MINUTES: str(max_wait_minutes),
                    TrainingWaitProps.SOLUTION_NAME: solution_name,
                },
            )
            self.links.append(link)
            previous = link
        self.last_link = previous
        self.solution_version_arn = previous.get_att_string(Attr.SOLUTION_VERSION_ARN)
        self.summary = previous.get_att_string(Attr.SUMMARY)
