"""Every name a config item becomes in the template and in the account, to find collisions.

Two config names that differ can still become the same logical id (`user-personalization` and
`user_personalization` → `SolutionUserPersonalization`), or one item's derived id can be
another's (`x-parameter`'s `FilterXParameter` is also filter `x`'s SSM parameter). CDK finds
these late, as a jsii traceback; this module lists what each item becomes so that the rule in
`rules.py` names both fields instead. Keep it in step with the constructs: `PersonalizeStack`
(Solution/Campaign ids), `SolutionTraining` (Training…Version/Wait…), `Exports` (outputs and
`…Parameter` ids, SSM paths), `Filters` (Filter… ids).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from lambda_handlers.constants import LINK_SECONDS
from stacks.config_model.model import AppConfig
from stacks.derived_names import pascal


@dataclass(frozen=True)
class Derived:
    field: str  # config path of the name it comes from, e.g. solutions[1].name
    value: str  # the config value, e.g. user_personalization
    namespace: str  # where it must be unique, e.g. "logical id"
    derived: str  # e.g. SolutionUserPersonalization


def _link_count(max_wait_minutes: int) -> int:
    """Wait links after the version resource (as `stacks.wait_chain.link_budgets`)."""
    return max(2, math.ceil(max_wait_minutes * 60 / LINK_SECONDS)) - 1


def derived_names(cfg: AppConfig) -> Iterator[Derived]:
    project = cfg.project
    for i, s in enumerate(cfg.solutions):
        field, p = f"solutions[{i}].name", pascal(s.name)
        ids = [f"Solution{p}", f"Solution{p}Parameter", f"Training{p}Version"]
        ids += [f"Training{p}Wait{k}" for k in range(1, _link_count(s.training.max_wait_minutes) + 1)]
        yield from (Derived(field, s.name, "logical id", d) for d in ids)
        yield Derived(field, s.name, "output", f"Solution{p}")
        yield Derived(field, s.name, "SSM parameter", f"/{project}/solutions/{s.name}")
        physical_field = f"solutions[{i}].physical_name" if s.physical_name else field
        physical = cfg.physical_name(s.name, s.physical_name)
        yield Derived(physical_field, s.physical_name or s.name, "solution name", physical)
    for i, c in enumerate(cfg.campaigns):
        field = f"campaigns[{i}].name"
        yield from _exported(field, c.name, "Campaign", f"/{project}/campaigns/{c.name}/arn")
        physical_field = f"campaigns[{i}].physical_name" if c.physical_name else field
        physical = cfg.physical_name(c.name, c.physical_name)
        yield Derived(physical_field, c.physical_name or c.name, "campaign name", physical)
    for i, f in enumerate(cfg.filters):
        yield from _exported(f"filters[{i}].name", f.name, "Filter", f"/{project}/filters/{f.name}/arn")


def _exported(field: str, name: str, kind: str, ssm_path: str) -> Iterator[Derived]:
    """A campaign's or filter's resource and `…Parameter` ids, its output and its SSM parameter."""
    p = pascal(name)
    yield from (Derived(field, name, "logical id", d) for d in (f"{kind}{p}", f"{kind}{p}Parameter"))
    yield Derived(field, name, "output", f"{kind}{p}")
    yield Derived(field, name, "SSM parameter", ssm_path)


def collisions(cfg: AppConfig) -> Iterator[tuple[Derived, Derived]]:
    """(earlier, later) for each pair of different fields that become one name (first clash only)."""
    seen: dict[tuple[str, str], Derived] = {}
    reported: set[tuple[str, str]] = set()
    for item in derived_names(cfg):
        key = (item.namespace, item.derived)
        first = seen.setdefault(key, item)
        if first.field == item.field or (first.field, item.field) in reported:
            continue
        reported.add((first.field, item.field))
        yield first, item
