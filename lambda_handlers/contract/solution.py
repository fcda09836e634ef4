"""Custom::PersonalizeSolution's properties: CreateSolution's inputs, auto-training apart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from lambda_handlers.constants import SOLUTION_TYPE
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import ARN, BOOL, OBJECT, OPTIONAL_TEXT, TAGS, TEXT, Intrinsic
from lambda_handlers.contract.retention import retain_on_stack_delete


@dataclass(frozen=True, kw_only=True)
class Solution(Contract):
    RESOURCE_TYPE: ClassVar[str] = SOLUTION_TYPE
    # Everything but auto-training is immutable: a change needs a new name.
    IMMUTABLE: ClassVar[tuple[str, ...]] = (
        "dataset_group_arn",
        "recipe_arn",
        "event_type",
        "solution_config",
        "perform_hpo",
    )

    name: str = prop("Name", TEXT, "The solution's physical name.")
    dataset_group_arn: str | Intrinsic = prop("DatasetGroupArn", ARN, "Its dataset group.")
    recipe_arn: str = prop("RecipeArn", TEXT, "The recipe's ARN.")
    event_type: str | None = prop(
        "EventType",
        OPTIONAL_TEXT,
        "Train only on interactions of this EVENT_TYPE; null = all.",
        None,
    )
    solution_config: Mapping[str, Any] = prop(
        "SolutionConfig",
        OBJECT,
        "CreateSolution's `solutionConfig`, in the API's own shape.",
        {},
    )
    perform_hpo: bool = prop("PerformHPO", BOOL, "Hyperparameter optimisation while training.", False)
    auto_training_schedule: str | None = prop(
        "AutoTrainingSchedule",
        OPTIONAL_TEXT,
        "`rate(N days)` to let Personalize retrain by itself; null = auto-training off.",
        None,
    )
    tags: Mapping[str, str] = prop("Tags", TAGS, "Tags of the solution.", {})
    retain_on_stack_delete: bool = retain_on_stack_delete()


# What the API means when `performAutoTraining` or the schedule is left out: auto-training on, every
# 7 days (botocore's model: CreateSolutionRequest.performAutoTraining "The default is True",
# AutoTrainingConfig.schedulingExpression "The default is every 7 days"; tests/unit/test_api_defaults.py
# reads both there). The config model's `auto_training.schedule` defaults to the same schedule.
API_DEFAULT_AUTO_TRAINING: Final = True
API_DEFAULT_SCHEDULE: Final = "rate(7 days)"
