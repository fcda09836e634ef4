"""The failures `make rehearse FAIL=...` plays, each through the fake's own fault injection, and
what README's "When a deploy fails" table says of each (one row per failure, kept here once:
`tests/test_rehearse.py` checks README carries these words and that a rehearsal ends as they say).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_handlers import contract
from ops.chain import training_chains
from ops.template import props
from simulation.personalize import DEFAULT_METRICS
from simulation.world import World

INJECTED: Final = "simulated by make rehearse FAIL={key}"


@dataclass(frozen=True)
class Fault:
    key: str  # the FAIL= value
    sequence: str  # README's "sequence" column
    ends_first: str  # the stack's final status when the first deploy fails so
    ends_change: str  # ... when a change (BASE_CONFIG → CONFIG) fails so
    left: str  # README's "what is left" column

    def row(self) -> str:
        """This fault's row of README's "When a deploy fails" table."""
        ends = f"`{self.ends_change}` (first deploy: `{self.ends_first}`)"
        return f"| {self.sequence} (`make rehearse FAIL={self.key}`) | {ends} | {self.left} |"

    def ends(self, *, change: bool) -> str:
        return self.ends_change if change else self.ends_first


FAULTS: Final = {
    fault.key: fault
    for fault in (
        Fault(
            "training",
            "a new version ends CREATE FAILED",
            "ROLLBACK_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
            "the campaign on its old version; the failed version, never served; "
            "first deploy: nothing billable",
        ),
        Fault(
            "gate",
            "a new version's metrics below its gates",
            "ROLLBACK_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
            "the campaign on its old version; the new version ACTIVE, never served; "
            "first deploy: nothing billable",
        ),
        Fault(
            "campaign",
            "a campaign create fails, in a change its update",
            "ROLLBACK_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
            "the campaign on its old version; the new version ACTIVE, never served; "
            "first deploy: nothing billable",
        ),
    )
}


class FaultError(Exception):
    """A failure the config cannot show (e.g. FAIL=gate without a gate): one line, exit 2."""


def below_gates(template: Mapping[str, Any]) -> dict[str, float]:
    """Metrics every declared gate refuses: half of each `min` above 0, and 0 where a `max_drop` is
    set (below any champion that scored more than the drop allows)."""
    resources = dict(template.get("Resources") or {})
    lowered: dict[str, float] = {}
    for chain in training_chains(resources):
        spec = contract.SolutionVersion.from_properties(props(resources[chain.version]))
        for name, gate in spec.gates.items():
            if gate.minimum is not None and gate.minimum > 0:
                value = round(gate.minimum / 2, 4)
            elif gate.max_drop is not None:
                value = 0.0
            else:
                continue
            lowered[name] = min(lowered.get(name, value), value)
    if not lowered:
        raise FaultError(
            "FAIL=gate needs a gate in the config: set solutions[].training.gates "
            "(e.g. {normalized_discounted_cumulative_gain_at_10: 0.05})"
        )
    return lowered


def inject(world: World, key: str, template: Mapping[str, Any]) -> None:
    """Arm the fault `key` in the world's fake Personalize, for the deploy of `template` to meet."""
    reason = INJECTED.format(key=key)
    if key == "training":
        world.fake.fail_next_training(f"Training failed ({reason})")
    elif key == "gate":
        world.fake.metrics_for_next_versions = {**DEFAULT_METRICS, **below_gates(template)}
    elif key == "campaign":
        world.fake.fail_next_campaign_create(f"Campaign creation failed ({reason})")
        world.fake.fail_next_campaign_update(f"Campaign update failed ({reason})")
    else:
        raise FaultError(f"FAIL={key}: use one of {', '.join(FAULTS)}")
