"""Custom::PersonalizeBatchJob's properties: one batch inference or batch segment job and its wait.

Link 0 runs the job; links 1.. (same type, `link_index` > 0) wait for the job the link before
them names, as training's links do, past CloudFormation's hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from lambda_handlers.constants import BATCH_JOB_TYPE, LINK_SECONDS
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import (
    ARN,
    BOOL,
    INT,
    TAGS,
    TEXT,
    Codec,
    ContractError,
    Intrinsic,
)

BatchKind = Literal["recommendations", "segments"]
BATCH_KINDS: Final = ("recommendations", "segments")


def _kind(text: str) -> BatchKind:
    if text == "recommendations":
        return "recommendations"
    if text == "segments":
        return "segments"
    raise ContractError(f"must be one of {', '.join(BATCH_KINDS)}, not {text!r}")


KIND: Codec[BatchKind] = Codec(str, _kind)
OPTIONAL_INT: Codec[int | None] = Codec(
    lambda v: "" if v is None else str(v), lambda s: int(s) if s else None
)


@dataclass(frozen=True, kw_only=True)
class BatchJob(Contract):
    RESOURCE_TYPE: ClassVar[str] = BATCH_JOB_TYPE

    kind: BatchKind = prop(
        "Kind",
        KIND,
        "recommendations: a batch inference job (items per user, or related items per item); "
        "segments: a batch segment job (users per item or item attribute; affinity recipes only).",
        "recommendations",
    )
    job_prefix: str = prop("JobPrefix", TEXT, "Job names start with it: `{project}-{name}`.")
    solution_version_arn: str | Intrinsic = prop(
        "SolutionVersionArn", ARN, "The version the training chain ends on (gated).", ""
    )
    input: str | Intrinsic = prop(
        "Input",
        ARN,
        "s3://bucket/key of the input file (JSON lines, one userId or itemId per line).",
        "",
    )
    input_version: str = prop(
        "InputVersion", TEXT, "Content hash of a staged input file, or of its s3:// URI.", ""
    )
    bucket: str | Intrinsic = prop("Bucket", ARN, "The stack's data bucket (output).", "")
    output_root: str = prop(
        "OutputRoot",
        TEXT,
        "`batch/{name}/`: output goes under `{root}{trigger}/{solution version id}/`.",
        "",
    )
    trigger: str = prop(
        "Trigger",
        TEXT,
        "Any text of letters, digits, `.`, `_`, `-`; changing it runs the job again, to a new prefix.",
        "initial",
    )
    num_results: int | None = prop(
        "NumResults",
        OPTIONAL_INT,
        "Items per user (recommendations) or users per item (segments); default: the API's (25).",
        None,
    )
    filter_arn: str | Intrinsic = prop("FilterArn", ARN, 'A filter\'s ARN, or "" for none.', "")
    role_arn: str | Intrinsic = prop(
        "RoleArn", ARN, "The role Personalize assumes to read the input, write the output.", ""
    )
    tags: Mapping[str, str] = prop("Tags", TAGS, "Tags of the job.", {})
    link_seconds: int = prop(
        "LinkSeconds", INT, "How long this link waits before handing over.", LINK_SECONDS
    )
    link_index: int = prop("LinkIndex", INT, "0 runs the job; 1.. wait for it.", 0)
    is_last: bool = prop("IsLast", BOOL, "The last link fails the deploy at its deadline.", False)
    max_wait_minutes: int = prop(
        "MaxWaitMinutes",
        INT,
        "How long a deploy waits for the job (default 120, at most 720).",
        120,
    )
    job_arn: str | Intrinsic = prop("JobArn", ARN, "Links 1..: the previous link's JobArn.", "")

    def __post_init__(self) -> None:
        if self.link_index == 0 and not self.output_root.endswith("/"):
            raise ContractError(f"OutputRoot {self.output_root!r} must end with '/'")
