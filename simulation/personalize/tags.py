"""TagResource, UntagResource and ListTagsForResource, on any resource the fake holds."""

from __future__ import annotations

from typing import Final

from simulation.personalize.store import JSON, Operation, Store


def tag_resource(store: Store, p: JSON) -> JSON:
    res = store.get(p["resourceArn"])
    res.tags.update({t["tagKey"]: t["tagValue"] for t in p["tags"]})
    return {}


def untag_resource(store: Store, p: JSON) -> JSON:
    res = store.get(p["resourceArn"])
    for key in p["tagKeys"]:
        res.tags.pop(key, None)
    return {}


def list_tags_for_resource(store: Store, p: JSON) -> JSON:
    res = store.get(p["resourceArn"])
    return {"tags": [{"tagKey": k, "tagValue": v} for k, v in res.tags.items()]}


OPERATIONS: Final[dict[str, Operation]] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
