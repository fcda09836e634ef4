"""Our dataset imports (`Custom::PersonalizeDatasetImport`, link 0 of each dataset): what a deploy
imports, and in which mode. An INCREMENTAL import cannot be undone: the report says so."""

from typing import Any, Final

from lambda_handlers import constants, contract
from ops.impact.model import CREATE, UPDATE, Change
from ops.template import of_type, props

DATA_KEYS: Final = (
    contract.DatasetImport.prop_name("dataset_arn"),
    contract.DatasetImport.prop_name("data_location"),
    contract.DatasetImport.prop_name("data_version"),
)
FULL_NOTE: Final = (
    "FULL: the dataset's bulk data becomes this file's; a rollback imports the previous file again"
)
INCREMENTAL_NOTE: Final = (
    "INCREMENTAL: its records are added to the dataset and cannot be undone; a rollback or a later "
    "revert imports the previous file FULL, which replaces the dataset's bulk data with that file alone"
)


def _imports(resources: dict[str, Any]) -> dict[str, contract.DatasetImport]:
    """Logical id → the import (link 0) of every dataset."""
    found = {
        lid: contract.DatasetImport.from_properties(props(resource))
        for lid, resource in of_type(resources, constants.DATASET_IMPORT_TYPE).items()
    }
    return {lid: spec for lid, spec in found.items() if spec.link_index == 0}


def _dataset(lid: str) -> str:
    return f"dataset {lid.removesuffix('Import')}"


def classify(base: dict[str, Any], head: dict[str, Any]) -> list[Change]:
    """Lines for the imports of one stack (base/head: Resources maps); an unchanged import says nothing."""
    old, new = _imports(base), _imports(head)
    changes: list[Change] = []
    for lid in list(dict.fromkeys([*old, *new])):
        if lid not in new:
            text = "no longer imported by the stack; nothing is deleted (import jobs cannot be deleted)"
            changes.append(Change(UPDATE, f"{_dataset(lid)}: {text}"))
        elif lid not in old:
            changes.append(
                Change(CREATE, f"{_dataset(lid)} imports its data file (FULL: a dataset's first import)")
            )
        elif any(props(base[lid]).get(k) != props(head[lid]).get(k) for k in DATA_KEYS):
            note = INCREMENTAL_NOTE if new[lid].import_mode == "INCREMENTAL" else FULL_NOTE
            changes.append(Change(UPDATE, f"{_dataset(lid)} imports new data ({note})"))
        elif props(base[lid]) != props(head[lid]):
            changes.append(Change(UPDATE, f"{_dataset(lid)}: import settings changed, nothing is imported"))
    return changes
