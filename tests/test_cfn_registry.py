"""The create-only table both the impact report and the deploy simulator read is the registry's."""

# Fixtures are imported by name and then requested as parameters: F811 is expected here.
# ruff: noqa: F811

from __future__ import annotations

import copy
import importlib.util
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from ops import cfn_registry
from ops.impact import native as impact_native
from simulation.cloudformation import native as sim_native
from simulation.cloudformation.simulator import CUSTOM_NAMED_REPLACEMENT, REPLACEMENT_REASON, DeploySimulator
from tests.test_simulator import EXPR, clock, handlers, native_stack, server  # noqa: F401 (fixtures)

LOGICAL_IDS = {
    sim_native.DATASET_GROUP: "Group",
    sim_native.SCHEMA: "Schema",
    sim_native.DATASET: "Data",
    sim_native.FILTER: "Filter",
    sim_native.EVENT_TRACKER: "Tracker",
}


def _cfn_lint_schema(rtype: str) -> dict[str, Any]:
    """The schema as cfn-lint itself serves it (its own reader, its patches applied)."""
    return dict(PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema)


@pytest.mark.parametrize("rtype", cfn_registry.types_in("AWS::Personalize::"))
def test_the_loader_reads_what_cfn_lint_serves(rtype):
    # GIVEN cfn-lint's own schema manager for the same type
    schema = _cfn_lint_schema(rtype)
    # WHEN our loader reads the bundled registry files
    # THEN both give the same create-only properties and primary identifier
    assert set(cfn_registry.create_only(rtype)) == {p.split("/")[2] for p in schema["createOnlyProperties"]}
    assert [cfn_registry.primary_identifier(rtype)] == [p.split("/")[2] for p in schema["primaryIdentifier"]]


def test_the_impact_report_and_the_simulator_share_one_table():
    # GIVEN every native type the simulator plays
    for rtype in sim_native.NATIVE_TYPES:
        # THEN the impact report treats it as native and both replace on the same properties
        assert impact_native.is_native({"Type": rtype})
        assert sim_native.CREATE_ONLY[rtype] == frozenset(cfn_registry.create_only(rtype))
        assert sim_native.PRIMARY_ATTR[rtype] == cfn_registry.primary_identifier(rtype)


def _writable(rtype: str) -> list[str]:
    schema = cfn_registry.schema(rtype)
    read_only = {p.split("/")[2] for p in schema.get("readOnlyProperties", [])}
    return sorted(p for p in schema["properties"] if p not in read_only)


def _changed(prop: str, old: Any) -> Any:
    if prop == "Tags":
        return [{"Key": "team", "Value": "search"}]
    if prop == "DatasetImportJob":
        return {**(old or {}), "JobName": "job-2", "DataSource": {"DataLocation": "s3://bucket/job-2.csv"}}
    return f"{old}-changed" if isinstance(old, str) else "arn:aws:personalize:us-east-1:111111111111:x/y"


REFUSED = CUSTOM_NAMED_REPLACEMENT.split("{name}")[0]
CASES = [(rtype, prop) for rtype in sorted(sim_native.NATIVE_TYPES) for prop in _writable(rtype)]


@pytest.mark.parametrize(("rtype", "prop"), CASES, ids=[f"{t.split('::')[-1]}.{p}" for t, p in CASES])
def test_the_simulator_replaces_exactly_when_the_schema_says_create_only(
    rtype, prop, clock, server, handlers
):
    # GIVEN native resources deployed with fixed names
    sim = DeploySimulator(clock, server.client(), handlers=(handlers.on_event, handlers.is_complete))
    base = native_stack("job-1", "f1", EXPR)
    assert sim.deploy(base).status == "CREATE_COMPLETE"
    lid = LOGICAL_IDS[rtype]
    before = sim.resources[lid].physical_id
    # WHEN one writable property of one resource changes
    head = copy.deepcopy(base)
    props = head["Resources"][lid]["Properties"]
    props[prop] = _changed(prop, props.get(prop))
    result = sim.deploy(head)
    # THEN a create-only property asks for a replacement (refused outright while the name is kept)
    replacement = any(e.logical_id == lid and e.reason == REPLACEMENT_REASON for e in result.events) or (
        result.failure is not None and result.failure.reason.startswith(REFUSED)
    )
    assert replacement == (prop in cfn_registry.create_only(rtype))
    # AND any other property updates the same resource in place
    if not replacement:
        assert result.status == "UPDATE_COMPLETE", result.failure
        assert sim.resources[lid].physical_id == before


@pytest.fixture
def without_cfn_lint(monkeypatch):
    """cfn-lint not installed (a `make impact` venv without requirements-dev.txt)."""
    caches = (cfn_registry._providers, cfn_registry.schema, cfn_registry.types_in)
    for cached in caches:
        cached.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    yield
    monkeypatch.undo()
    for cached in caches:
        cached.cache_clear()


def test_fails_when_cfn_lint_is_missing_saying_what_to_install(without_cfn_lint):
    # GIVEN no cfn-lint WHEN the impact report asks what a Personalize type is
    # THEN one line says where the registry schemas come from, no silent guess
    with pytest.raises(cfn_registry.RegistryUnavailableError, match=r"install requirements-dev\.txt"):
        impact_native.is_native({"Type": sim_native.DATASET})
