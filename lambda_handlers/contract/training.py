"""Custom::PersonalizeSolutionVersion (wait link 0) and Custom::PersonalizeTrainingWait properties.

Both describe the same training (trigger, mode, gates): those fields are built by one function
each, so their defaults and docstrings are stated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from lambda_handlers import version_names
from lambda_handlers.constants import (
    LINK_SECONDS,
    SOLUTION_VERSION_TYPE,
    TRAINING_WAIT_TYPE,
)
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import (
    ARN,
    BOOL,
    GATES,
    INT,
    OPTIONAL_TEXT,
    TAGS,
    TEXT,
    Codec,
    ContractError,
    Gate,
    Intrinsic,
)

TrainingMode = Literal["FULL", "UPDATE"]
TRAINING_MODES: Final = ("FULL", "UPDATE")


def _training_mode(text: str) -> TrainingMode:
    mode = text.strip().upper() or "FULL"
    if mode == "FULL":
        return "FULL"
    if mode == "UPDATE":
        return "UPDATE"
    raise ContractError(f"must be one of {', '.join(TRAINING_MODES)}, not {text!r}")


TRAINING_MODE: Codec[TrainingMode] = Codec(str, _training_mode)


def _trigger() -> Any:
    doc = "Any text; changing it trains a new version. Same trigger = no training."
    return prop("Trigger", TEXT, doc, "initial")


def _mode() -> Any:
    doc = "FULL retrains from all data; UPDATE (user-personalization recipes only) adds new items."
    return prop("TrainingMode", TRAINING_MODE, doc, "FULL")


def _gates() -> Any:
    doc = (
        "Per metric: `min` (a plain number means min) and/or `max_drop`, the largest drop below the "
        "version the campaigns serve when training starts; a version failing any never reaches a campaign."
    )
    return prop("Gates", GATES, doc, {})


def _link_seconds() -> Any:
    doc = "How long this link waits before handing over to the next one."
    return prop("LinkSeconds", INT, doc, LINK_SECONDS)


def _solution_name() -> Any:
    doc = "The config's solution name: metric dimension and messages (default: read from the ARN)."
    return prop("SolutionName", OPTIONAL_TEXT, doc, None)


@dataclass(frozen=True, kw_only=True)
class SolutionVersion(Contract):
    RESOURCE_TYPE: ClassVar[str] = SOLUTION_VERSION_TYPE

    solution_arn: str | Intrinsic = prop("SolutionArn", ARN, "The solution to train.")
    trigger: str = _trigger()
    training_mode: TrainingMode = _mode()
    gates: Mapping[str, Gate] = _gates()
    link_seconds: int = _link_seconds()
    solution_name: str | None = _solution_name()
    tags: Mapping[str, str] = prop("Tags", TAGS, "Tags of the version.", {})

    @property
    def version_name(self) -> str:
        """The name of the version this trigger and mode train (`version_names.version_name`): the
        handler creates and finds its version by it, and a change of it is a retrain."""
        return version_names.version_name(self.trigger, self.training_mode)


@dataclass(frozen=True, kw_only=True)
class TrainingWait(Contract):
    RESOURCE_TYPE: ClassVar[str] = TRAINING_WAIT_TYPE

    solution_version_arn: str | Intrinsic = prop(
        "SolutionVersionArn", ARN, "The previous link's SolutionVersionArn."
    )
    trigger: str = _trigger()
    training_mode: TrainingMode = _mode()
    gates: Mapping[str, Gate] = _gates()
    link_seconds: int = _link_seconds()
    link_index: int = prop("LinkIndex", INT, "1-based; the version resource is link 0.")
    is_last: bool = prop("IsLast", BOOL, "The last link fails the deploy at its deadline.", False)
    max_wait_minutes: int = prop(
        "MaxWaitMinutes",
        INT,
        "How long a deploy waits for training (default 240, at most 720).",
        240,
    )
    solution_name: str | None = _solution_name()
