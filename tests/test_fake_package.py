"""The fake Personalize's package is cut as moto cuts a service: each resource family registers its
operations in an explicit table, and the facade only joins them."""

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
MAX_FACADE_LINES = 210


def test_every_operation_is_registered_by_exactly_one_resource_family():
    # GIVEN each family's operation table
    names = [name for family in FAMILIES for name in family.OPERATIONS]
    # THEN no operation is registered twice, and the fake answers exactly these
    assert len(names) == len(set(names))
    assert set(names) == set(OPERATIONS)
    # AND each is an operation of botocore's model
    assert set(names) <= set(service_model().operation_names)


def test_the_facade_of_the_fake_stays_a_facade():
    # GIVEN the facade module (every module's own limit is tests/test_module_size.py's)
    lines = len((PACKAGE / "fake.py").read_text().splitlines())
    # THEN it holds no operation's rules, only the entry points
    assert lines <= MAX_FACADE_LINES
