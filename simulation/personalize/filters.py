"""Filters and event trackers: resources of a dataset group, created and deleted whole."""

from __future__ import annotations

import hashlib
from typing import Final

from simulation.personalize.errors import already_exists, limit_exceeded
from simulation.personalize.store import JSON, Operation, Store


def create_filter(store: Store, p: JSON) -> JSON:
    group = store.dataset_group(p["datasetGroupArn"])
    arn = store.arn("filter", p["name"])
    store.ensure_new(arn)
    if len(store.of("filter", group.arn)) >= store.limits.filters_per_dataset_group:
        raise limit_exceeded(
            f"Limit of {store.limits.filters_per_dataset_group} filters per dataset group reached."
        )
    now = store.now()
    store.add(
        "filter",
        arn,
        p["name"],
        now,
        now + store.durations.resource_create,
        {"datasetGroupArn": group.arn, "filterExpression": p["filterExpression"]},
        parent=group.arn,
        tags=p.get("tags"),
    )
    return {"filterArn": arn}


def describe_filter(store: Store, p: JSON) -> JSON:
    return {"filter": store.view(store.get(p["filterArn"], "filter"))}


def list_filters(store: Store, p: JSON) -> JSON:
    return store.listing("filter", p, "Filters", "datasetGroupArn")


def delete_filter(store: Store, p: JSON) -> JSON:
    store.start_delete(store.get(p["filterArn"], "filter"), "filter")
    return {}


def create_event_tracker(store: Store, p: JSON) -> JSON:
    group = store.dataset_group(p["datasetGroupArn"])
    existing = store.of("event-tracker", group.arn)
    if existing:
        raise already_exists(
            f"The dataset group {group.arn} already has an event tracker: {existing[0].arn}."
        )
    arn = store.arn("event-tracker", p["name"])
    store.ensure_new(arn)
    digest = hashlib.sha256(arn.encode()).hexdigest()
    tracking = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    now = store.now()
    store.add(
        "event-tracker",
        arn,
        p["name"],
        now,
        now + store.durations.resource_create,
        {"datasetGroupArn": group.arn, "trackingId": tracking, "accountId": store.account},
        parent=group.arn,
        tags=p.get("tags"),
    )
    return {"eventTrackerArn": arn, "trackingId": tracking}


def describe_event_tracker(store: Store, p: JSON) -> JSON:
    return {"eventTracker": store.view(store.get(p["eventTrackerArn"], "event-tracker"))}


def list_event_trackers(store: Store, p: JSON) -> JSON:
    return store.listing("event-tracker", p, "eventTrackers", "datasetGroupArn")


def delete_event_tracker(store: Store, p: JSON) -> JSON:
    store.start_delete(store.get(p["eventTrackerArn"], "event-tracker"), "event tracker")
    return {}


OPERATIONS: Final[dict[str, Operation]] = {
    "CreateFilter": create_filter,
    "DescribeFilter": describe_filter,
    "ListFilters": list_filters,
    "DeleteFilter": delete_filter,
    "CreateEventTracker": create_event_tracker,
    "DescribeEventTracker": describe_event_tracker,
    "ListEventTrackers": list_event_trackers,
    "DeleteEventTracker": delete_event_tracker,
}
