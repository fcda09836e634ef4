"""CloudFormation's own AWS::Personalize::* resources: created, deleted, replaced (a create-only
property changed, or it points at a replaced resource), updated in place. Imports are ours
(`ops/impact/imports.py`)."""

from typing import Any, Final

from ops import cfn_registry
from ops.impact.model import CREATE, DELETE, NO_CHANGE, REPLACE, UPDATE, Change
from ops.impact.template import short_name
from ops.template import props, refs

# Every AWS::Personalize:: type of the registry is native; what replaces each is its schema's
# `createOnlyProperties` (ops/cfn_registry.py), read on first use.
NAMESPACE: Final = "AWS::Personalize::"


REASONS: Final = {
    "FilterExpression": "expression changed",
    "Schema": "schema changed",
    "SchemaArn": "schema changed",
    "DatasetGroupArn": "dataset group replaced",
    "DatasetType": "dataset type changed",
    "KmsKeyArn": "KMS key changed",
    "RoleArn": "role changed",
    "Domain": "domain changed",
    # A stack made when these types carried the config's tags: keep them, never replace.
    "Tags": (
        "Tags changed (create-only here; CloudFormation refuses to replace a custom-named resource): "
        "set dataset_group_tags_at_creation to the tags the stack was created with (docs/lifecycle.md, Tags)"
    ),
    "RecipeArn": "recipe changed",
    "SolutionConfig": "solution config changed",
    "Name": "name changed",
}
ONE_DATASET_PER_TYPE: Final = (
    " — a dataset group holds one dataset per type, so this deploy will fail; create a new dataset group"
)


def is_native(resource: dict[str, Any]) -> bool:
    return str(resource.get("Type", "")) in cfn_registry.types_in(NAMESPACE)


def subject(resource: dict[str, Any], project: str | None) -> str:
    rtype = str(resource["Type"]).removeprefix("AWS::Personalize::")
    p = props(resource)
    if rtype == "Dataset":
        return f"dataset {p.get('DatasetType', p.get('Name'))}"
    if rtype in ("Schema", "Filter"):
        return f"{rtype.lower()} {short_name(p.get('Name'), project, content_named=True)}"
    words = {"DatasetGroup": "dataset group", "EventTracker": "event tracker"}.get(rtype, rtype.lower())
    return f"{words} {short_name(p.get('Name'), project)}"


def replaced_ids(base: dict[str, Any], head: dict[str, Any]) -> dict[str, list[str]]:
    """Logical id → create-only properties that force its replacement (to a fixed point)."""
    out: dict[str, list[str]] = {}
    changed = True
    while changed:
        changed = False
        for lid, new in head.items():
            old = base.get(lid)
            if lid in out or not old or not is_native(new) or old.get("Type") != new.get("Type"):
                continue
            causes = [
                key
                for key in cfn_registry.create_only(str(new["Type"]))
                if props(old).get(key) != props(new).get(key) or set(refs(props(new).get(key))) & set(out)
            ]
            if causes:
                out[lid] = causes
                changed = True
    return out


def _reason(causes: list[str]) -> str:
    reasons = list(dict.fromkeys(REASONS.get(c, f"{c} changed") for c in causes))
    if len(reasons) > 1 and "name changed" in reasons:
        reasons.remove("name changed")  # names are content-derived: the other cause explains it
    return ", ".join(reasons)


def classify(base: dict[str, Any], head: dict[str, Any], project: str | None) -> list[Change]:
    """Lines for every native Personalize resource of one stack (base/head: Resources maps)."""
    replaced = replaced_ids(base, head)
    changes: list[Change] = []
    for lid in list(dict.fromkeys([*base, *head])):
        old, new = base.get(lid), head.get(lid)
        if not (old and is_native(old)) and not (new and is_native(new)):
            continue
        if new is None or not is_native(new):
            assert old is not None
            changes.append(Change(DELETE, f"{subject(old, project)} deleted"))
        elif old is None or not is_native(old):
            changes.append(Change(CREATE, f"{subject(new, project)} created"))
        elif lid in replaced:
            text = f"{subject(new, project)} replaced: {_reason(replaced[lid])}"
            if new["Type"] == "AWS::Personalize::Dataset":
                text += ONE_DATASET_PER_TYPE
            changes.append(Change(REPLACE, text))
        elif props(old) != props(new):
            changes.append(_in_place(old, new, project))
        else:
            changes.append(Change(NO_CHANGE, subject(new, project)))
    return changes


def _in_place(old: dict[str, Any], new: dict[str, Any], project: str | None) -> Change:
    name = subject(new, project)
    keys = sorted(k for k in {*props(old), *props(new)} if props(old).get(k) != props(new).get(k))
    return Change(UPDATE, f"{name}: {', '.join(keys)} changed")
