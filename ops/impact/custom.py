"""Our custom resources (lambda_handlers/constants.py): solutions, training, campaigns.

A solution's lines gather its Custom::PersonalizeSolution, its version (training) and its
wait links; a campaign's lines its Custom::PersonalizeCampaign plus the new version it will
move to when its solution retrains.
"""

import json
from typing import Any

from lambda_handlers import constants
from lambda_handlers.constants import CampaignProps, SolutionProps, SolutionVersionProps, TrainingWaitProps
from ops.chain import TrainingChain, chain_holding, chains_by_solution
from ops.impact import prices
from ops.impact.model import CREATE, DELETE, NO_CHANGE, REPLACE, RETRAIN, UPDATE, Change
from ops.impact.template import short_name
from ops.template import of_type, props, refs


def _max_wait(resources: dict[str, Any], chain: TrainingChain) -> str:
    """Minutes the last link may wait ("" when the chain has no link)."""
    if not chain.links:
        return ""
    return str(props(resources.get(chain.last)).get(TrainingWaitProps.MAX_WAIT_MINUTES, ""))


def _trains(version: dict[str, Any], max_wait: str) -> str:
    p = props(version)
    wait = f"; the deploy may wait up to {max_wait} min" if max_wait else ""
    return f"{p.get(SolutionVersionProps.TRAINING_MODE)}{wait}"


def _solution_name(resources: dict[str, Any], lid: str, project: str | None) -> str:
    """The config's name (carried by the training resources), else the physical name unprefixed."""
    training = chains_by_solution(resources).get(lid)
    if training:
        for member in training.members:
            p = props(resources.get(member or ""))
            name = p.get(SolutionVersionProps.SOLUTION_NAME) or p.get(TrainingWaitProps.SOLUTION_NAME)
            if name:
                return str(name)
    return short_name(props(resources.get(lid)).get(SolutionProps.NAME, lid), project)


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
                trigger = props(new_version).get(SolutionVersionProps.TRIGGER)
                text += f": trains trigger {trigger}, {_trains(new_version, _max_wait(head, new_tr))}; "
                text += prices.TRAINING_LINE
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
    po, pn = props(old), props(new)
    out: list[Change] = []
    if po.get(SolutionProps.NAME) != pn.get(SolutionProps.NAME):
        out.append(
            Change(REPLACE, f"solution {name} replaced: name changed; the new solution trains from scratch")
        )
        return out
    for key in SolutionProps.IMMUTABLE:
        if po.get(key) != pn.get(key):
            out.append(
                Change(
                    REPLACE,
                    f"solution {name}: {key} cannot change on an existing solution, so this deploy will "
                    "fail; give the solution a new name to create a new one",
                )
            )
    old_auto = po.get(SolutionProps.AUTO_TRAINING_SCHEDULE) or "off"
    new_auto = pn.get(SolutionProps.AUTO_TRAINING_SCHEDULE) or "off"
    if old_auto != new_auto:
        out.append(Change(UPDATE, f"solution {name}: auto-training {old_auto} → {new_auto} (UpdateSolution)"))
    if po.get(SolutionProps.TAGS) != pn.get(SolutionProps.TAGS):
        out.append(Change(UPDATE, f"solution {name}: tags changed"))
    return out


def _training_changes(
    name: str, old_wait: str, new_wait: str, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    po, pn = props(old), props(new)
    out: list[Change] = []
    trigger_key, mode_key = SolutionVersionProps.TRIGGER, SolutionVersionProps.TRAINING_MODE
    if po.get(trigger_key) != pn.get(trigger_key) or po.get(mode_key) != pn.get(mode_key):
        what = []
        if po.get(trigger_key) != pn.get(trigger_key):
            what.append(f"trigger {po.get(trigger_key)} → {pn.get(trigger_key)}")
        else:
            what.append(f"training mode {po.get(mode_key)} → {pn.get(mode_key)}")
        out.append(
            Change(
                RETRAIN,
                f"solution {name} retrains: {', '.join(what)}, {_trains(new, new_wait)}; "
                + prices.TRAINING_LINE,
            )
        )
    gates_key = SolutionVersionProps.GATES
    if po.get(gates_key) != pn.get(gates_key):
        out.append(
            Change(
                UPDATE,
                f"solution {name}: gates {_gates(po.get(gates_key))} → {_gates(pn.get(gates_key))} "
                "(checked on the trained version)",
            )
        )
    if old_wait != new_wait:
        out.append(Change(UPDATE, f"solution {name}: max wait {old_wait} → {new_wait} min"))
    return out


def _gates(value: Any) -> str:
    try:
        gates = json.loads(str(value or "{}"))
    except ValueError:
        return str(value)
    return ", ".join(f"{k} ≥ {v}" for k, v in sorted(gates.items())) or "none"


def retrained_solutions(base: dict[str, Any], head: dict[str, Any]) -> set[str]:
    """Logical ids of solutions present on both sides whose trigger or training mode changes."""
    out: set[str] = set()
    base_tr, head_tr = chains_by_solution(base), chains_by_solution(head)
    for lid in set(base_tr) & set(head_tr):
        old_v, new_v = base_tr[lid].version, head_tr[lid].version
        po, pn = props(base.get(old_v)), props(head.get(new_v))
        keys = (SolutionVersionProps.TRIGGER, SolutionVersionProps.TRAINING_MODE)
        if any(po.get(k) != pn.get(k) for k in keys):
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
        name = short_name(props(source).get(CampaignProps.NAME, lid), project)
        if lid not in head_c:
            changes.append(Change(DELETE, f"campaign {name} deleted"))
            continue
        if lid not in base_c:
            changes.append(Change(CREATE, f"campaign {name} created"))
            continue
        po, pn = props(base_c[lid]), props(head_c[lid])
        found: list[Change] = []
        if po.get(CampaignProps.NAME) != pn.get(CampaignProps.NAME):
            found.append(
                Change(REPLACE, f"campaign {name} replaced: name changed; the old campaign is deleted")
            )
        tps = CampaignProps.MIN_PROVISIONED_TPS
        if po.get(tps) != pn.get(tps):
            found.append(
                Change(
                    UPDATE,
                    f"campaign {name}: min TPS {po.get(tps)} → {pn.get(tps)}: {_floor(po, pn, region)}",
                )
            )
        found += _config_changes(
            name, po.get(CampaignProps.CAMPAIGN_CONFIG), pn.get(CampaignProps.CAMPAIGN_CONFIG)
        )
        serves = next(iter(refs(pn.get(CampaignProps.SOLUTION_VERSION_ARN))), None)
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
        if po.get(CampaignProps.TAGS) != pn.get(CampaignProps.TAGS):
            found.append(Change(UPDATE, f"campaign {name}: tags changed"))
        changes += found or [Change(NO_CHANGE, f"campaign {name}")]
    return changes


def _floor(old: dict[str, Any], new: dict[str, Any], region: str | None) -> str:
    tps = CampaignProps.MIN_PROVISIONED_TPS
    try:
        return prices.floor_change(region, int(old.get(tps, 0)), int(new.get(tps, 0)))
    except (TypeError, ValueError):  # an intrinsic (a parameter): nothing to compute
        return "billing floor changed"


def _config_changes(name: str, old: Any, new: Any) -> list[Change]:
    try:
        po, pn = json.loads(str(old or "{}")), json.loads(str(new or "{}"))
    except ValueError:
        return [] if old == new else [Change(UPDATE, f"campaign {name}: campaignConfig changed")]
    return [
        Change(UPDATE, f"campaign {name}: {key} {json.dumps(po.get(key))} → {json.dumps(pn.get(key))}")
        for key in sorted({*po, *pn})
        if po.get(key) != pn.get(key)
    ]
