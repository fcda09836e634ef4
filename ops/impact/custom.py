"""Our custom resources (lambda_handlers/constants.py): solutions, training, campaigns.

A solution's lines gather its Custom::PersonalizeSolution, its version (training) and its
wait links; a campaign's lines its Custom::PersonalizeCampaign plus the new version it will
move to when its solution retrains.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from lambda_handlers import constants, contract
from ops.impact.model import CREATE, DELETE, NO_CHANGE, REPLACE, RETRAIN, UPDATE, Change
from ops.impact.template import props, refs, short_name

C = TypeVar("C", bound=contract.Contract)


def spec(kind: type[C], resource: dict[str, Any]) -> C:
    """A custom resource's properties as its handler reads them (ARNs may still be intrinsics)."""
    return kind.from_properties(props(resource))


def _refs(value: str | contract.Intrinsic) -> Iterator[str]:
    return refs(value.value if isinstance(value, contract.Intrinsic) else value)


@dataclass(frozen=True)
class Training:
    version: str | None  # logical id of the version resource
    links: tuple[str, ...]  # logical ids of the wait links, in order
    max_wait: str  # minutes, "" when unknown


def _of_type(resources: dict[str, Any], rtype: str) -> dict[str, Any]:
    return {lid: r for lid, r in resources.items() if r.get("Type") == rtype}


def trainings(resources: dict[str, Any]) -> dict[str, Training]:
    """Solution logical id → its training chain (version, then links each pointing at the previous)."""
    versions = _of_type(resources, constants.SOLUTION_VERSION_TYPE)
    links = _of_type(resources, constants.TRAINING_WAIT_TYPE)
    out: dict[str, Training] = {}
    for vid, version in versions.items():
        solution = next(_refs(spec(contract.SolutionVersion, version).solution_arn), None)
        if solution is None:
            continue
        chain: list[str] = []
        previous = vid
        while True:
            nxt = next(
                (
                    lid
                    for lid, link in links.items()
                    if previous in _refs(spec(contract.TrainingWait, link).solution_version_arn)
                ),
                None,
            )
            if nxt is None or nxt in chain:
                break
            chain.append(nxt)
            previous = nxt
        max_wait = str(spec(contract.TrainingWait, links[chain[-1]]).max_wait_minutes) if chain else ""
        out[solution] = Training(version=vid, links=tuple(chain), max_wait=max_wait)
    return out


def solution_of_chain_member(resources: dict[str, Any], lid: str) -> str | None:
    """The solution whose training chain holds `lid` (version or link)."""
    for solution, training in trainings(resources).items():
        if lid == training.version or lid in training.links:
            return solution
    return None


def _trains(version: dict[str, Any], max_wait: str) -> str:
    wait = f"; the deploy may wait up to {max_wait} min" if max_wait else ""
    return f"{spec(contract.SolutionVersion, version).training_mode}{wait}"


def _solution_name(resources: dict[str, Any], lid: str, project: str | None) -> str:
    """The config's name (carried by the training resources), else the physical name unprefixed."""
    training = trainings(resources).get(lid)
    if training:
        members: list[contract.SolutionVersion | contract.TrainingWait] = []
        if training.version:
            members.append(spec(contract.SolutionVersion, resources[training.version]))
        members += [spec(contract.TrainingWait, resources[link]) for link in training.links]
        for member in members:
            if member.solution_name:
                return member.solution_name
    solution = resources.get(lid)
    return short_name(spec(contract.Solution, solution).name if solution else lid, project)


def classify_solutions(base: dict[str, Any], head: dict[str, Any], project: str | None) -> list[Change]:
    base_sol = _of_type(base, constants.SOLUTION_TYPE)
    head_sol = _of_type(head, constants.SOLUTION_TYPE)
    base_tr, head_tr = trainings(base), trainings(head)
    changes: list[Change] = []
    for lid in list(dict.fromkeys([*base_sol, *head_sol])):
        if lid not in head_sol:
            changes.append(Change(DELETE, f"solution {_solution_name(base, lid, project)} deleted"))
            continue
        name = _solution_name(head, lid, project)
        new_tr = head_tr.get(lid)
        new_version = head.get(new_tr.version) if new_tr and new_tr.version else None
        if lid not in base_sol:
            text = f"solution {name} created"
            if new_version and new_tr:
                trigger = spec(contract.SolutionVersion, new_version).trigger
                text += f": trains trigger {trigger}, {_trains(new_version, new_tr.max_wait)}"
            changes.append(Change(CREATE, text))
            continue
        found = _solution_changes(name, base_sol[lid], head_sol[lid])
        old_tr = base_tr.get(lid)
        old_version = base.get(old_tr.version) if old_tr and old_tr.version else None
        if old_tr and new_tr and old_version and new_version:
            found += _training_changes(name, old_tr, new_tr, old_version, new_version)
        changes += found or [Change(NO_CHANGE, f"solution {name}")]
    return changes


def _solution_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    po, pn = spec(contract.Solution, old), spec(contract.Solution, new)
    out: list[Change] = []
    if po.name != pn.name:
        out.append(
            Change(REPLACE, f"solution {name} replaced: name changed; the new solution trains from scratch")
        )
        return out
    for field in contract.Solution.IMMUTABLE:
        if getattr(po, field) != getattr(pn, field):
            out.append(
                Change(
                    REPLACE,
                    f"solution {name}: {contract.Solution.prop_name(field)} cannot change on an existing "
                    "solution, so this deploy will fail; give the solution a new name to create a new one",
                )
            )
    old_auto = po.auto_training_schedule or "off"
    new_auto = pn.auto_training_schedule or "off"
    if old_auto != new_auto:
        out.append(Change(UPDATE, f"solution {name}: auto-training {old_auto} → {new_auto} (UpdateSolution)"))
    if po.tags != pn.tags:
        out.append(Change(UPDATE, f"solution {name}: tags changed"))
    return out


def _training_changes(
    name: str, old_tr: Training, new_tr: Training, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    po, pn = spec(contract.SolutionVersion, old), spec(contract.SolutionVersion, new)
    out: list[Change] = []
    if po.trigger != pn.trigger or po.training_mode != pn.training_mode:
        what = []
        if po.trigger != pn.trigger:
            what.append(f"trigger {po.trigger} → {pn.trigger}")
        else:
            what.append(f"training mode {po.training_mode} → {pn.training_mode}")
        out.append(
            Change(RETRAIN, f"solution {name} retrains: {', '.join(what)}, {_trains(new, new_tr.max_wait)}")
        )
    if po.gates != pn.gates:
        out.append(
            Change(
                UPDATE,
                f"solution {name}: gates {_gates(po.gates)} → {_gates(pn.gates)} "
                "(checked on the trained version)",
            )
        )
    if old_tr.max_wait != new_tr.max_wait:
        out.append(Change(UPDATE, f"solution {name}: max wait {old_tr.max_wait} → {new_tr.max_wait} min"))
    return out


def _gates(gates: Mapping[str, float]) -> str:
    return ", ".join(f"{k} ≥ {v}" for k, v in sorted(gates.items())) or "none"


def retrained_solutions(base: dict[str, Any], head: dict[str, Any]) -> set[str]:
    """Logical ids of solutions present on both sides whose trigger or training mode changes."""
    out: set[str] = set()
    base_tr, head_tr = trainings(base), trainings(head)
    for lid in set(base_tr) & set(head_tr):
        old_v, new_v = base_tr[lid].version, head_tr[lid].version
        if old_v is None or new_v is None:
            continue
        po, pn = spec(contract.SolutionVersion, base[old_v]), spec(contract.SolutionVersion, head[new_v])
        if (po.trigger, po.training_mode) != (pn.trigger, pn.training_mode):
            out.add(lid)
    return out


def classify_campaigns(
    base: dict[str, Any], head: dict[str, Any], project: str | None, retrained: set[str]
) -> list[Change]:
    """`retrained`: logical ids of solutions that retrain in this change."""
    base_c = _of_type(base, constants.CAMPAIGN_TYPE)
    head_c = _of_type(head, constants.CAMPAIGN_TYPE)
    changes: list[Change] = []
    for lid in list(dict.fromkeys([*base_c, *head_c])):
        source = head_c.get(lid) or base_c[lid]
        name = short_name(spec(contract.Campaign, source).name, project)
        if lid not in head_c:
            changes.append(Change(DELETE, f"campaign {name} deleted"))
            continue
        if lid not in base_c:
            changes.append(Change(CREATE, f"campaign {name} created"))
            continue
        po, pn = spec(contract.Campaign, base_c[lid]), spec(contract.Campaign, head_c[lid])
        found: list[Change] = []
        if po.name != pn.name:
            found.append(
                Change(REPLACE, f"campaign {name} replaced: name changed; the old campaign is deleted")
            )
        if po.min_provisioned_tps != pn.min_provisioned_tps:
            found.append(
                Change(
                    UPDATE,
                    f"campaign {name}: min TPS {po.min_provisioned_tps} → {pn.min_provisioned_tps} "
                    "(billing floor)",
                )
            )
        found += _config_changes(name, po.campaign_config.to_api(), pn.campaign_config.to_api())
        serves = next(_refs(pn.solution_version_arn), None)
        solution = solution_of_chain_member(head, serves) if serves else None
        if solution in retrained:
            solution_name = _solution_name(head, solution, project) if solution else ""
            found.append(
                Change(
                    UPDATE,
                    f"campaign {name}: moves to the new version of solution {solution_name} once it is "
                    "trained and passes its gates (UpdateCampaign)",
                )
            )
        if po.tags != pn.tags:
            found.append(Change(UPDATE, f"campaign {name}: tags changed"))
        changes += found or [Change(NO_CHANGE, f"campaign {name}")]
    return changes


def _config_changes(name: str, po: Mapping[str, Any], pn: Mapping[str, Any]) -> list[Change]:
    return [
        Change(UPDATE, f"campaign {name}: {key} {json.dumps(po.get(key))} → {json.dumps(pn.get(key))}")
        for key in sorted({*po, *pn})
        if po.get(key) != pn.get(key)
    ]
