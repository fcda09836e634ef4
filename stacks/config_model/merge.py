"""Deep merge of a stage config over the config it `extends`.

Rules (also in docs/config.md, 'Stage configs: a base plus overrides'):
- Maps merge key by key, recursively: a stage file names only what differs.
- A scalar, a null or a list in the stage file replaces the base value (lists REPLACE as a
  whole, e.g. `training.gates` is a map and merges, but a list of tags would be replaced).
- Except the lists of named items, `solutions`, `campaigns`, `filters` and `batch_jobs` at the top level:
  they merge item by item on `name`. An item whose name is in the base merges into that
  item (the same rules, recursively); a new name is appended in the stage file's order;
  an item with `remove: true` deletes the base item of that name (and must name one).
- `extends` itself is never part of the merged result.

Each file's own relative paths are resolved against that file before merging (the loader
does it), so a base file's `schemas/x.json` still means the file beside the base.
"""

import copy
from typing import Any

from stacks.config_model.errors import Problem

NAMED_LISTS = ("solutions", "campaigns", "filters", "batch_jobs")
REMOVE_KEY = "remove"


class MergeError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base` (neither is modified); raise MergeError naming every bad field."""
    problems: list[Problem] = []
    merged = _merge_maps(base, override, "", problems, top=True)
    if problems:
        raise MergeError(problems)
    return merged


def _merge_maps(
    base: dict[str, Any], override: dict[str, Any], path: str, problems: list[Problem], *, top: bool = False
) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        field = f"{path}.{key}" if path else str(key)
        old = out.get(key)
        if top and key in NAMED_LISTS and isinstance(value, list) and isinstance(old, list):
            out[key] = _merge_named(old, value, field, problems)
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge_maps(old, value, field, problems)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_named(
    base: list[Any], override: list[Any], path: str, problems: list[Problem]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [copy.deepcopy(item) for item in base if isinstance(item, dict)]
    index = {item.get("name"): i for i, item in enumerate(out)}
    removed: set[int] = set()
    for i, item in enumerate(override):
        field = f"{path}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append(Problem(f"{field}.name", "each item needs a 'name' (items merge by name)"))
            continue
        name = item["name"]
        remove = item.get(REMOVE_KEY, False)
        if not isinstance(remove, bool):
            problems.append(Problem(f"{field}.{REMOVE_KEY}", "must be true or false"))
            continue
        rest = {k: v for k, v in item.items() if k != REMOVE_KEY}
        if remove:
            if name not in index:
                problems.append(
                    Problem(f"{field}.{REMOVE_KEY}", f"no item named '{name}' in the base config to remove")
                )
            else:
                removed.add(index[name])
            continue
        if name in index:
            out[index[name]] = _merge_maps(out[index[name]], rest, field, problems)
        else:
            index[name] = len(out)
            out.append(copy.deepcopy(rest))
    return [item for i, item in enumerate(out) if i not in removed]
