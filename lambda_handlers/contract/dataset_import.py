"""Custom::PersonalizeDatasetImport's properties: one dataset's import job, and the wait links after it.

Link 0 starts (or finds) the import job; links 1..n only wait for the job the previous link
returns, each up to `link_seconds` from its own start, as training's wait links do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from lambda_handlers.constants import DATASET_IMPORT_TYPE, LINK_SECONDS
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import ARN, BOOL, INT, TAGS, TEXT, Codec, ContractError, Intrinsic

ImportMode = Literal["FULL", "INCREMENTAL"]
# botocore's Personalize model, shape ImportMode (tests/unit/test_dataset_import.py compares).
IMPORT_MODES: Final = ("FULL", "INCREMENTAL")
DEFAULT_IMPORT_WAIT_MINUTES: Final = 180


def _import_mode(text: str) -> ImportMode:
    mode = text.strip().upper() or "FULL"
    if mode == "FULL":
        return "FULL"
    if mode == "INCREMENTAL":
        return "INCREMENTAL"
    raise ContractError(f"must be one of {', '.join(IMPORT_MODES)}, not {text!r}")


IMPORT_MODE: Codec[ImportMode] = Codec(str, _import_mode)


@dataclass(frozen=True, kw_only=True)
class DatasetImport(Contract):
    RESOURCE_TYPE: ClassVar[str] = DATASET_IMPORT_TYPE

    dataset_arn: str | Intrinsic = prop("DatasetArn", ARN, "The dataset to import into.")
    data_location: str | Intrinsic = prop(
        "DataLocation", ARN, "`s3://bucket/key` of the CSV Personalize reads."
    )
    data_version: str = prop("DataVersion", TEXT, "Short content hash of the data: a new one imports again.")
    job_prefix: str = prop("JobPrefix", TEXT, "Start of every job name: `{prefix}-{data version}-{attempt}`.")
    role_arn: str | Intrinsic = prop("RoleArn", ARN, "The role Personalize assumes to read the data.")
    import_mode: ImportMode = prop(
        "ImportMode",
        IMPORT_MODE,
        "FULL replaces the dataset's bulk data with this file; INCREMENTAL adds its records (a record "
        "with the same id replaces the old one). The first import of a dataset is FULL whatever this "
        "says (CreateDatasetImportJob accepts only FULL before a first bulk import), and so is an "
        "import of a file imported before (a rollback, a revert). An INCREMENTAL import cannot be undone.",
        "FULL",
    )
    tags: Mapping[str, str] = prop("Tags", TAGS, "Tags of the import job.", {})
    dataset_import_job_arn: str | Intrinsic = prop(
        "DatasetImportJobArn", ARN, "Links 1..n: the previous link's job.", ""
    )
    link_seconds: int = prop(
        "LinkSeconds", INT, "How long this link waits before handing over.", LINK_SECONDS
    )
    link_index: int = prop("LinkIndex", INT, "0 imports; later links wait.", 0)
    is_last: bool = prop("IsLast", BOOL, "The last link fails the deploy at its deadline.", False)
    publish_attribution_metrics: bool = prop(
        "PublishAttributionMetricsToS3",
        BOOL,
        "CreateDatasetImportJob's publishAttributionMetricsToS3: the metric attribution's S3 report of "
        "this import (metric_attribution.s3_reports).",
        False,
        omit_default=True,
    )
    max_wait_minutes: int = prop(
        "MaxWaitMinutes",
        INT,
        f"How long a deploy waits for one dataset's import (default {DEFAULT_IMPORT_WAIT_MINUTES}, "
        "at most 720).",
        DEFAULT_IMPORT_WAIT_MINUTES,
    )

    def __post_init__(self) -> None:
        if self.link_index < 0:
            raise ContractError("LinkIndex must be 0 (the import) or more (a wait link)")
        if self.link_index > 0 and not self.dataset_import_job_arn:
            raise ContractError("a wait link (LinkIndex > 0) needs the previous link's DatasetImportJobArn")
