"""Our custom resources (lambda_handlers/contract): solutions, training, campaigns.

A solution's lines gather its Custom::PersonalizeSolution, its version (training) and its
wait links; a campaign's lines its Custom::PersonalizeCampaign plus the new version it will
move to when its solution retrains. Properties are read through each resource's contract
(`from_properties`), as the handlers read them; ARNs may still be intrinsics there.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from lambda_handlers import constants, contract
from ops.chain import TrainingChain, chain_holding, chains_by_solution
from ops.impact import prices
from ops.impact.model import CREATE, DELETE, NO_CHANGE, REPLACE, RETRAIN, UPDATE, Change
from ops.impact.template import short_name
from ops.template import of_type, props, refs

SCHEDULE_TYPE = "AWS::Scheduler::Schedule"  # the checker's schedules (stacks/auto_promotion.py)

C = TypeVar("C", bound=contract.Contract)


def spec(kind: type[C], resource: dict[str, Any]) -> C:
    """A custom resource's properties as its handler reads them (ARNs may still be intrinsics)."""
    return kind.from_properties(props(resource))


def _refs(value: str | contract.Intrinsic) -> Iterator[str]:
    return refs(value.value if isinstance(value, contract.Intrinsic) else value)


def _max_wait(resources: dict[str, Any], chain: TrainingChain) -> str:
    """Minutes the last link may wait ("" when the chain has no link)."""
    if not chain.links:
        return ""
    return str(spec(contract.TrainingWait, resources[chain.last]).max_wait_minutes)


def _trains(version: dict[str, Any], max_wait: str) -> str:
    wait = f"; the deploy may wait up to {max_wait} min" if max_wait else ""
    return f"{spec(contract.SolutionVersion, version).training_mode}{wait}"


def _solution_name(resources: dict[str, Any], lid: str, project: str | None) -> str:
    """The config's name (carried by the training resources), else the physical name unprefixed."""
    training = chains_by_solution(resources).get(lid)
    if training:
        members: list[contract.SolutionVersion | contract.TrainingWait] = [
            spec(contract.SolutionVersion, resources[training.version])
        ]
        members += [spec(contract.TrainingWait, resources[link]) for link in training.links]
        for member in members:
            if member.solution_name:
                return member.solution_name
    solution = resources.get(lid)
    return short_name(spec(contract.Solution, solution).name if solution else lid, project)


def classify_solutions(base: dict[str, Any], head: dict[str, Any], project: str | None) -> list[Change]:
    base_sol = of_type(base, constants.SOLUTION_TYPE)
    head_sol = of_type(head, constants.SOLUTION_TYPE)
    base_tr, head_tr = chains_by_solution(base), chains_by_solution(head)
    changes: list[Change] = []
    for lid in list(dict.fromkeys([*base_sol, *head_sol])):
        if lid not in head_sol:
            changes.append(Change(DELETE, f"solution {_solution_name(base, lid, project)} deleted"))
            continue
        name = _solution_name(head, lid, project)
        new_tr = head_tr.get(lid)
        new_version = head.get(new_tr.version) if new_tr else None
        if lid not in base_sol:
            text = f"solution {name} created"
            if new_version and new_tr:
                trigger = spec(contract.SolutionVersion, new_version).trigger
                text += f": trains trigger {trigger}, {_trains(new_version, _max_wait(head, new_tr))}; "
                text += prices.TRAINING_LINE
            schedule = spec(contract.Solution, head_sol[lid]).auto_training_schedule
            if schedule:
                text += f"; then {prices.auto_training_line(schedule)}"
            changes.append(Change(CREATE, text))
            continue
        found = _solution_changes(name, base_sol[lid], head_sol[lid])
        old_tr = base_tr.get(lid)
        old_version = base.get(old_tr.version) if old_tr else None
        if old_tr and new_tr and old_version and new_version:
            found += _training_changes(
                name, _max_wait(base, old_tr), _max_wait(head, new_tr), old_version, new_version
            )
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
        cost = f"; {prices.auto_training_line(new_auto)}" if pn.auto_training_schedule else ""
        out.append(
            Change(UPDATE, f"solution {name}: auto-training {old_auto} → {new_auto} (UpdateSolution){cost}")
        )
    if po.tags != pn.tags:
        out.append(Change(UPDATE, f"solution {name}: tags changed"))
    return out


def _training_changes(
    name: str, old_wait: str, new_wait: str, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    po, pn = spec(contract.SolutionVersion, old), spec(contract.SolutionVersion, new)
    out: list[Change] = []
    if po.version_name != pn.version_name:
        what = []
        if po.trigger != pn.trigger:
            what.append(f"trigger {po.trigger} → {pn.trigger}")
        else:
            what.append(f"training mode {po.training_mode} → {pn.training_mode}")
        out.append(
            Change(
                RETRAIN,
                f"solution {name} retrains: {', '.join(what)}, {_trains(new, new_wait)}; "
                + prices.TRAINING_LINE,
            )
        )
    if po.gates != pn.gates:
        out.append(
            Change(
                UPDATE,
                f"solution {name}: gates {_gates(po.gates)} → {_gates(pn.gates)} "
                "(checked on the trained version)",
            )
        )
    if old_wait != new_wait:
        out.append(Change(UPDATE, f"solution {name}: max wait {old_wait} → {new_wait} min"))
    return out


def _gates(gates: Mapping[str, contract.Gate]) -> str:
    return ", ".join(_gate(k, v) for k, v in sorted(gates.items())) or "none"


def _gate(metric: str, gate: contract.Gate) -> str:
    """`ndcg ≥ 0.05 and max_drop 0.01 below the serving version`: both checks a gate makes."""
    checks = [] if gate.minimum is None else [f"≥ {gate.minimum:g}"]
    if gate.max_drop is not None:
        checks.append(f"max_drop {gate.max_drop:g} below the serving version")
    return f"{metric} {' and '.join(checks)}"


def retrained_solutions(base: dict[str, Any], head: dict[str, Any]) -> set[str]:
    """Logical ids of solutions present on both sides whose version name (trigger, mode) changes."""
    out: set[str] = set()
    base_tr, head_tr = chains_by_solution(base), chains_by_solution(head)
    for lid in set(base_tr) & set(head_tr):
        old_v, new_v = base_tr[lid].version, head_tr[lid].version
        po, pn = spec(contract.SolutionVersion, base[old_v]), spec(contract.SolutionVersion, head[new_v])
        if po.version_name != pn.version_name:
            out.add(lid)
    return out


def classify_campaigns(
    base: dict[str, Any],
    head: dict[str, Any],
    project: str | None,
    retrained: set[str],
    region: str | None = None,
) -> list[Change]:
    """`retrained`: logical ids of solutions that retrain in this change; `region`: for prices."""
    base_c = of_type(base, constants.CAMPAIGN_TYPE)
    head_c = of_type(head, constants.CAMPAIGN_TYPE)
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
                    f"campaign {name}: min TPS {po.min_provisioned_tps} → {pn.min_provisioned_tps}: "
                    + prices.floor_change(region, po.min_provisioned_tps, pn.min_provisioned_tps),
                )
            )
        found += _config_changes(name, po.campaign_config.to_api(), pn.campaign_config.to_api())
        serves = next(_refs(pn.solution_version_arn), None)
        chain = chain_holding(head, serves) if serves else None
        solution = chain.solution if chain else None
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


def classify_promotion(base: dict[str, Any], head: dict[str, Any]) -> list[Change]:
    """The auto-promotion checker's schedules added or removed (`stacks/auto_promotion.py`)."""
    old, new = of_type(base, SCHEDULE_TYPE), of_type(head, SCHEDULE_TYPE)
    changes = []
    for lid in sorted(set(new) - set(old)):
        text = (
            f"gated promotion of {_target(new[lid])}: checked {constants.CHECKER_SCHEDULE} (one Lambda run), "
            "the campaign moves without a deploy when an automatic version passes its gates"
        )
        changes.append(Change(CREATE, text))
    for lid in sorted(set(old) - set(new)):
        text = f"gated promotion of {_target(old[lid])} stops: only a deploy moves the campaign"
        changes.append(Change(UPDATE, text))
    return changes


def _target(schedule: dict[str, Any]) -> str:
    return str(props(schedule).get("Description") or "a campaign").removeprefix("Gated promotion of ")
