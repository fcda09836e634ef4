"""The one walker of training wait chains: a solution version resource → its wait links, in order.

Each `Custom::PersonalizeTrainingWait` reads the previous member's `SolutionVersionArn`
(GetAtt), so the chain is found by following those references from the version resource.
Used by impact, status, drift, the benchmark and the tests.
"""

from dataclasses import dataclass
from typing import Any

from lambda_handlers import constants, contract
from ops.template import of_type, props, refs


@dataclass(frozen=True)
class TrainingChain:
    solution: str | None  # logical id of the solution the version trains (None: not a resource here)
    version: str  # logical id of the Custom::PersonalizeSolutionVersion
    links: tuple[str, ...]  # logical ids of the wait links, in order

    @property
    def members(self) -> tuple[str, ...]:
        """The version resource, then every link: the order CloudFormation creates them."""
        return (self.version, *self.links)

    @property
    def last(self) -> str:
        return self.members[-1]


def chain_of(resources: dict[str, Any], version: str) -> TrainingChain:
    """The chain that starts at the version resource `version`."""
    reads = {
        lid: set(refs(contract.TrainingWait.from_properties(props(link)).solution_version_arn))
        for lid, link in of_type(resources, constants.TRAINING_WAIT_TYPE).items()
    }
    chain: list[str] = []
    previous = version
    while True:
        nxt = next((lid for lid, read in reads.items() if previous in read), None)
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
        previous = nxt
    solution_arn = contract.SolutionVersion.from_properties(props(resources.get(version))).solution_arn
    solution = next(iter(refs(solution_arn)), None)
    return TrainingChain(solution=solution, version=version, links=tuple(chain))


def training_chains(resources: dict[str, Any]) -> list[TrainingChain]:
    """Every chain of a template's Resources, in template order of their version resources."""
    return [chain_of(resources, vid) for vid in of_type(resources, constants.SOLUTION_VERSION_TYPE)]


def chains_by_solution(resources: dict[str, Any]) -> dict[str, TrainingChain]:
    """Solution logical id → its chain (chains whose solution is not a resource are left out)."""
    return {c.solution: c for c in training_chains(resources) if c.solution is not None}


def chain_holding(resources: dict[str, Any], lid: str) -> TrainingChain | None:
    """The chain `lid` (a version or a link) belongs to."""
    return next((c for c in training_chains(resources) if lid in c.members), None)
