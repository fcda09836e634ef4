"""Custom::PersonalizeDataCopy's properties: one dataset's data file, copied within S3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lambda_handlers.constants import DATA_COPY_TYPE
from lambda_handlers.contract.base import Contract, prop
from lambda_handlers.contract.codec import ARN, BOOL, INT, TEXT, ContractError, Intrinsic


@dataclass(frozen=True, kw_only=True)
class DataCopy(Contract):
    RESOURCE_TYPE: ClassVar[str] = DATA_COPY_TYPE

    source_bucket: str | Intrinsic = prop("SourceBucket", ARN, "The CDK file asset bucket.")
    source_key: str | Intrinsic = prop("SourceKey", ARN, "The file asset's object key.")
    bucket: str | Intrinsic = prop("Bucket", ARN, "The stack's data bucket.")
    prefix: str = prop(
        "Prefix",
        TEXT,
        "This resource's own prefix, `datasets/{type}/`: it owns what is under it.",
    )
    key: str = prop("Key", TEXT, "Where the copy goes: `{prefix}{asset hash}/{file name}`.")
    keep: int = prop(
        "Keep",
        INT,
        "Data files kept in the data bucket per dataset, the current one included (default 2: the "
        "current and the previous import, which a rollback of the current deploy needs); older ones "
        "are deleted, every version, by the next deploy that copies a file.",
        2,
    )
    retain_on_delete: bool = prop(
        "RetainOnDelete",
        BOOL,
        "Leave the copies on Delete (the stack's removal_policy is retain).",
        False,
    )

    def __post_init__(self) -> None:
        if not self.prefix.endswith("/") or not self.key.startswith(self.prefix) or self.key == self.prefix:
            raise ContractError(f"Key {self.key!r} must lie under Prefix {self.prefix!r}")
        if self.keep < 2:
            raise ContractError("Keep must be at least 2 (the current file and the previous one)")
