"""Dependency order of a template's resources: Ref, Fn::GetAtt, Fn::Sub variables and DependsOn."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class CycleError(Exception):
    """The template has a circular dependency (CloudFormation refuses it at validation)."""


def _names(value: Any) -> Iterable[str]:
    """Every logical name a value mentions (resources, parameters, pseudo parameters alike)."""
    if isinstance(value, list):
        for item in value:
            yield from _names(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                yield arg
            elif key == "Fn::GetAtt":
                if isinstance(arg, str):
                    yield arg.split(".", 1)[0]
                elif isinstance(arg, list) and arg:
                    yield str(arg[0])
                    yield from _names(arg[1:])
            elif key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                local = set(variables) if isinstance(variables, dict) else set()
                for match in _SUB_VAR.finditer(str(text)):
                    name = match.group(1).split(".", 1)[0]
                    if name not in local:
                        yield name
                yield from _names(variables)
            else:
                yield from _names(arg)


def dependencies(template: Mapping[str, Any], logical_id: str) -> set[str]:
    """Logical ids of the resources `logical_id` needs before it (never itself)."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    body = resources[logical_id]
    depends_on = body.get("DependsOn") or []
    found = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    found.update(_names({k: v for k, v in body.items() if k != "DependsOn"}))
    return {name for name in found if name in resources and name != logical_id}


def topological_order(template: Mapping[str, Any]) -> list[str]:
    """Resources in dependency order; ties keep template order (deterministic)."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    position = {name: i for i, name in enumerate(resources)}
    needs = {name: dependencies(template, name) for name in resources}
    users: dict[str, set[str]] = {name: set() for name in resources}
    for name, deps in needs.items():
        for dep in deps:
            users[dep].add(name)
    remaining = {name: len(deps) for name, deps in needs.items()}
    ready = [(position[name], name) for name, count in remaining.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for user in users[name]:
            remaining[user] -= 1
            if remaining[user] == 0:
                heapq.heappush(ready, (position[user], user))
    if len(order) != len(resources):
        stuck = sorted(set(resources) - set(order))
        raise CycleError(f"Circular dependency between resources: {stuck}")
    return order


def forward_plan(
    template: Mapping[str, Any], included: Callable[[str], bool]
) -> tuple[list[str], dict[str, set[str]]]:
    """The `included` resources in dependency order, each with the included ones it waits for."""
    order = [lid for lid in topological_order(template) if included(lid)]
    return order, {lid: dependencies(template, lid) & set(order) for lid in order}


def reverse_plan(
    template: Mapping[str, Any], targets: Iterable[str]
) -> tuple[list[str], dict[str, set[str]]]:
    """Deletion order of `targets`: each waits for the targets that depend on it.

    Targets the template no longer has (a removed resource's cleanup) come last, by name.
    """
    wanted = set(targets)
    resources = template.get("Resources") or {}
    order = [lid for lid in reversed(topological_order(template)) if lid in wanted]
    order += sorted(lid for lid in wanted if lid not in resources)
    prereqs: dict[str, set[str]] = {lid: set() for lid in order}
    for lid in order:
        if lid in resources:
            for dep in dependencies(template, lid):
                if dep in prereqs:
                    prereqs[dep].add(lid)
    return order, prereqs
