"""Every operation the fake answers: the union of the resource families' explicit tables."""

from __future__ import annotations

from typing import Final

from simulation.personalize import (
    batch,
    campaigns,
    datasets,
    filters,
    imports,
    metric_attribution,
    recipes,
    solutions,
    tags,
    versions,
)
from simulation.personalize.store import Operation


def _merged(*tables: dict[str, Operation]) -> dict[str, Operation]:
    merged: dict[str, Operation] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        assert not twice, f"operations registered twice: {sorted(twice)}"
        merged.update(table)
    return merged


# Every operation the fake answers; one the model has and this lacks answers UnknownOperation.
OPERATIONS: Final = _merged(
    datasets.OPERATIONS,
    imports.OPERATIONS,
    solutions.OPERATIONS,
    versions.OPERATIONS,
    campaigns.OPERATIONS,
    filters.OPERATIONS,
    recipes.OPERATIONS,
    tags.OPERATIONS,
    batch.OPERATIONS,
    metric_attribution.OPERATIONS,
)
