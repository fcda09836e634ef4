"""The fake Personalize's package is cut as moto cuts a service: each resource family registers its
operations in an explicit table, and no module grows past the house limit."""

from __future__ import annotations

from pathlib import Path

from simulation.personalize import (
    batch,
    campaigns,
    datasets,
    filters,
    imports,
    metric_attribution,
    recipes,
    tags,
    versions,
)
from simulation.personalize import solutions as solution_ops
from simulation.personalize.operations import OPERATIONS
from simulation.personalize.validation import service_model

PACKAGE = Path(__file__).resolve().parents[1] / "simulation" / "personalize"
FAMILIES = (
    datasets,
    imports,
    solution_ops,
    versions,
    campaigns,
    filters,
    recipes,
    tags,
    batch,
    metric_attribution,
)
MAX_LINES = 400
MAX_FACADE_LINES = 210


def test_every_operation_is_registered_by_exactly_one_resource_family():
    # GIVEN each family's operation table
    names = [name for family in FAMILIES for name in family.OPERATIONS]
    # THEN no operation is registered twice, and the fake answers exactly these
    assert len(names) == len(set(names))
    assert set(names) == set(OPERATIONS)
    # AND each is an operation of botocore's model
    assert set(names) <= set(service_model().operation_names)


def test_fails_when_a_module_of_the_fake_grows_past_the_line_limit():
    # GIVEN every module of the fake's package
    lengths = {path.name: len(path.read_text().splitlines()) for path in PACKAGE.glob("*.py")}
    # THEN none is over the limit, and the facade stays a facade
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
    assert lengths["fake.py"] <= MAX_FACADE_LINES
