"""The config's tags on the types whose CloudFormation `Tags` is create-only (Custom::PersonalizeTags).

A tag edit changes no native resource's properties (stacks/tagging.py leaves them out of
`Tags.of`), so without this line the report would show the dataset group and datasets as
unchanged while the deploy retags them (schemas are not tagged: stacks/tagging.py UNTAGGED).
"""

from typing import Any

from lambda_handlers import constants, contract
from ops.impact.model import UPDATE, Change
from ops.template import of_type, props


def _tags(resources: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for resource in of_type(resources, constants.TAGS_TYPE).values():
        found.update(contract.ResourceTags.from_properties(props(resource)).tags)
    return found


def classify(base: dict[str, Any], head: dict[str, Any]) -> list[Change]:
    """One line when the tags change: which keys are set and which removed, in place."""
    old, new = _tags(base), _tags(head)
    if old == new:
        return []
    changed = sorted(k for k, v in new.items() if old.get(k) != v)
    removed = sorted(set(old) - set(new))
    parts = [
        f"{', '.join(changed)} set" if changed else "",
        f"{', '.join(removed)} removed" if removed else "",
    ]
    what = "; ".join(p for p in parts if p)
    return [
        Change(
            UPDATE,
            f"tags of the dataset group and datasets: {what} (TagResource / UntagResource, nothing replaced)",
        )
    ]
