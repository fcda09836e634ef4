"""IAM statements added or removed, per policy document of every resource (policies, roles'
inline and trust policies, resource policies), compared statement by statement."""

import json
from typing import Any

from ops.template import props, render

DOCUMENT_KEYS = ("PolicyDocument", "AssumeRolePolicyDocument")
LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def _documents(resource: dict[str, Any]) -> dict[str, Any]:
    p = props(resource)
    docs = {key: p[key] for key in DOCUMENT_KEYS if isinstance(p.get(key), dict)}
    for policy in p.get("Policies", []) if isinstance(p.get("Policies"), list) else []:
        if isinstance(policy, dict) and isinstance(policy.get("PolicyDocument"), dict):
            docs[f"Policies/{render(policy.get('PolicyName'))}"] = policy["PolicyDocument"]
    return docs


def _normal(statement: dict[str, Any]) -> str:
    out = dict(statement)
    out.pop("Sid", None)
    for key in LIST_KEYS:
        if key in out:
            values = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = sorted(values, key=lambda v: json.dumps(v, sort_keys=True))
    return json.dumps(out, sort_keys=True)


def _statements(resource: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not resource:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for doc in _documents(resource).values():
        statements = doc.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict):
                found[_normal(statement)] = statement
    return found


def describe(statement: dict[str, Any]) -> str:
    actions = statement.get("Action", statement.get("NotAction", []))
    actions = actions if isinstance(actions, list) else [actions]
    text = f"{statement.get('Effect', 'Allow')} {', '.join(render(a) for a in actions)}"
    if "Principal" in statement:
        text += f" by {render(statement['Principal'])}"
    resources = statement.get("Resource", statement.get("NotResource"))
    if resources is not None:
        resources = resources if isinstance(resources, list) else [resources]
        text += f" on {', '.join(render(r) for r in resources)}"
    if "Condition" in statement:
        text += f" when {json.dumps(statement['Condition'], sort_keys=True)}"
    return text


def _resources_of(statement: dict[str, Any]) -> list[str]:
    value = statement.get("Resource", [])
    return [render(r) for r in (value if isinstance(value, list) else [value])]


def _without_resource(statement: dict[str, Any]) -> str:
    return _normal({k: v for k, v in statement.items() if k != "Resource"})


def _resource_change(lid: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Same effect, actions and conditions; only resources differ: widened / narrowed."""
    before, after = _resources_of(old), _resources_of(new)
    added = [r for r in after if r not in before]
    removed = [r for r in before if r not in after]
    verb = "widened" if added and not removed else "narrowed" if removed and not added else "changed"
    actions = describe({k: v for k, v in new.items() if k != "Resource"})
    parts = [f"+ {r}" for r in added] + [f"− {r}" for r in removed]
    return f"IAM `{lid}`: {verb}: {actions}: {'; '.join(parts)}"


def statement_changes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Per resource, in template order: statements whose resources changed (widened/narrowed),
    then statements added (+) and removed (−)."""
    lines: list[str] = []
    for lid in list(dict.fromkeys([*base, *head])):
        old, new = _statements(base.get(lid)), _statements(head.get(lid))
        added = [new[k] for k in new if k not in old]
        removed = [old[k] for k in old if k not in new]
        for statement in list(added):
            twin = next((r for r in removed if _without_resource(r) == _without_resource(statement)), None)
            if twin is not None:
                lines.append(_resource_change(lid, twin, statement))
                added.remove(statement)
                removed.remove(twin)
        lines += [f"IAM `{lid}`: + {describe(s)}" for s in added]
        lines += [f"IAM `{lid}`: − {describe(s)}" for s in removed]
    return lines
