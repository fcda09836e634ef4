"""What an integration run may leave behind: every Personalize resource named by its project.

Personalize names are `{project}-...` (the config's physical names, the dataset group's
included); after `cdk destroy` none may remain. Dataset groups are listed first
and their contents from them, so the same reads work on a real account and on the fake.
"""

from collections.abc import Callable
from typing import Any


def _named(items: list[dict[str, Any]], prefix: str, arn_key: str) -> list[str]:
    return [str(i[arn_key]) for i in items if str(i.get("name", "")).startswith(prefix)]


def leftovers(personalize: Any, project: str) -> list[str]:
    """ARNs of resources of this project still present (an empty list: nothing left, nothing billed)."""
    prefix = f"{project}-"
    found: list[str] = []
    groups = [
        g
        for g in personalize.list_dataset_groups(maxResults=100).get("datasetGroups", [])
        if str(g.get("name", "")).startswith(prefix)
    ]
    for group in groups:
        arn = group["datasetGroupArn"]
        found.append(arn)
        found += [
            s["solutionArn"]
            for s in personalize.list_solutions(datasetGroupArn=arn, maxResults=100).get("solutions", [])
        ]
        found += [
            f["filterArn"]
            for f in personalize.list_filters(datasetGroupArn=arn, maxResults=100).get("Filters", [])
        ]
        found += [
            t["eventTrackerArn"]
            for t in personalize.list_event_trackers(datasetGroupArn=arn, maxResults=100).get(
                "eventTrackers", []
            )
        ]
    found += _named(personalize.list_solutions(maxResults=100).get("solutions", []), prefix, "solutionArn")
    found += _named(personalize.list_campaigns(maxResults=100).get("campaigns", []), prefix, "campaignArn")
    return sorted(set(found))


def tagged(tagging: Any, key: str, value: str) -> list[str]:
    """ARNs the Resource Groups Tagging API still lists with the run's tag (buckets, functions, roles...)."""
    found: list[str] = []
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": key, "Values": [value]}]):
        found += [str(r["ResourceARN"]) for r in page.get("ResourceTagMappingList", [])]
    return sorted(found)


def wait_until_gone(
    look: Callable[[], list[str]], *, timeout: float, interval: float, sleep: Callable[[float], object]
) -> list[str]:
    """Deletes finish after `cdk destroy` returns (DELETE IN_PROGRESS): look again until nothing
    is found or `timeout` seconds were spent; returns what is still there."""
    waited = 0.0
    found = look()
    while found and waited < timeout:
        sleep(interval)
        waited += interval
        found = look()
    return found
