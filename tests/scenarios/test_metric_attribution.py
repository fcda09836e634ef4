"""Custom::PersonalizeMetricAttribution on the deploy simulator: created once, each metric edit one
UpdateMetricAttribution (never a replacement: a dataset group holds one), a cancelled edit rolled
back to the old metrics, deleted with the stack, a Create delivered twice creating once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulation.cloudformation.provider import ProviderOutcome
from simulation.cloudformation.scheduler import Task
from tests.scenarios.world import World, _raw, _synth, arn

LID = "MetricAttribution"
NAME = "immersion-day-news-attribution"
ATTRIBUTION_ARN = arn("metric-attribution", NAME)
CLICKS = {"name": "clicks", "event_type": "click", "expression": "SAMPLECOUNT()"}
VIEWS = {"name": "views", "event_type": "view", "expression": "SAMPLECOUNT()"}
FILTER = "FilterExcludeClicked"
NEW_FILTER = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "view")'
CREATE, UPDATE, DELETE = "CreateMetricAttribution", "UpdateMetricAttribution", "DeleteMetricAttribution"


@cache
def with_metrics(*names: str, s3_reports: bool = False, ranking_campaign: bool = False) -> dict[str, Any]:
    """The default config with a metric attribution of these metrics (and a second campaign)."""
    raw = _raw()
    known = {"clicks": CLICKS, "views": VIEWS}
    raw["metric_attribution"] = {"metrics": [known[n] for n in names], "s3_reports": s3_reports}
    if ranking_campaign:
        raw["campaigns"].append({"name": "ranking", "solution": "personalized-ranking"})
    return _synth(raw)


def held(world: World) -> list[str]:
    listed = world.admin.list_metric_attribution_metrics(metricAttributionArn=ATTRIBUTION_ARN)["metrics"]
    return sorted(str(m["metricName"]) for m in listed)


def attribution_calls(world: World, since: int) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in world.calls(since):
        if "MetricAttribution" in call.operation:
            counted[call.operation] = counted.get(call.operation, 0) + 1
    return counted


def writes(world: World, since: int) -> dict[str, int]:
    return {op: n for op, n in attribution_calls(world, since).items() if op in (CREATE, UPDATE, DELETE)}


def answered(task: Task) -> ProviderOutcome:
    assert task.done and task.error is None, task.error
    assert isinstance(task.result, ProviderOutcome)
    return task.result


def test_a_first_deploy_creates_it_before_the_imports_that_report_to_s3(world: World) -> None:
    # GIVEN a config with one metric and S3 reports
    mark = world.mark()
    # WHEN it is deployed from nothing
    result = world.deploy(with_metrics("clicks", s3_reports=True))
    # THEN one CreateMetricAttribution, with the data role and the attribution/ prefix, and no other write
    assert result.status == "CREATE_COMPLETE", result.failure
    assert writes(world, mark) == {CREATE: 1}
    (create,) = world.calls(mark, CREATE)
    assert create.params["metrics"] == [
        {"eventType": "click", "expression": "SAMPLECOUNT()", "metricName": "clicks"}
    ]
    output = create.params["metricsOutputConfig"]
    assert ":role/" in output["roleArn"]
    assert output["s3DataDestination"]["path"].endswith("/attribution/")
    # AND every bulk import ran after it and asked for its S3 report
    imports = world.calls(mark, "CreateDatasetImportJob")
    assert imports and all(c.params.get("publishAttributionMetricsToS3") is True for c in imports)
    assert all(c.time >= create.time for c in imports)
    # AND it is ACTIVE, holds the metric, and its ARN is in SSM
    described = world.admin.describe_metric_attribution(metricAttributionArn=ATTRIBUTION_ARN)
    assert described["metricAttribution"]["status"] == "ACTIVE"
    assert held(world) == ["clicks"]
    assert result.outputs["MetricAttributionArn"] == ATTRIBUTION_ARN


def test_a_metric_added_then_removed_is_one_update_each_and_nothing_replaced(deployed: World) -> None:
    # GIVEN the default stack given a metric attribution of one metric
    assert deployed.deploy(with_metrics("clicks")).status == "UPDATE_COMPLETE"
    # WHEN a second metric is added to the config
    mark = deployed.mark()
    result = deployed.deploy(with_metrics("clicks", "views"))
    # THEN it is one UpdateMetricAttribution adding it; nothing created or deleted, same physical id
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert writes(deployed, mark) == {UPDATE: 1}
    (update,) = deployed.calls(mark, UPDATE)
    assert [m["metricName"] for m in update.params["addMetrics"]] == ["views"]
    assert "removeMetrics" not in update.params
    assert deployed.sim.resources[LID].physical_id == ATTRIBUTION_ARN
    assert held(deployed) == ["clicks", "views"]
    # WHEN it is removed again
    mark = deployed.mark()
    assert deployed.deploy(with_metrics("clicks")).status == "UPDATE_COMPLETE"
    # THEN one UpdateMetricAttribution removing it
    assert writes(deployed, mark) == {UPDATE: 1}
    (update,) = deployed.calls(mark, UPDATE)
    assert update.params["removeMetrics"] == ["views"]
    assert "addMetrics" not in update.params
    assert held(deployed) == ["clicks"]


def test_fails_when_a_campaign_fails_and_the_metric_edit_is_rolled_back_to_the_old_metrics(
    deployed: World,
) -> None:
    # GIVEN a metric attribution of one metric, and a new campaign that will fail
    assert deployed.deploy(with_metrics("clicks")).status == "UPDATE_COMPLETE"
    deployed.fake.fail_next_campaign_create("Campaign creation failed: injected")
    mark = deployed.mark()
    # WHEN a metric is added in the same deploy as that campaign
    result = deployed.deploy(with_metrics("clicks", "views", ranking_campaign=True))
    # THEN the stack rolls back, and the metric attribution is back on the old metrics: one update
    # adding, one (the rollback's) removing, nothing created or deleted
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert writes(deployed, mark) == {UPDATE: 2}
    forward, back = deployed.calls(mark, UPDATE)
    assert [m["metricName"] for m in forward.params["addMetrics"]] == ["views"]
    assert back.params["removeMetrics"] == ["views"]
    assert held(deployed) == ["clicks"]
    assert deployed.sim.resources[LID].physical_id == ATTRIBUTION_ARN


def test_a_stack_delete_deletes_it_and_waits_until_it_is_gone(deployed: World) -> None:
    # GIVEN a deployed metric attribution
    assert deployed.deploy(with_metrics("clicks")).status == "UPDATE_COMPLETE"
    mark = deployed.mark()
    # WHEN the stack is deleted
    result = deployed.sim.delete()
    # THEN one DeleteMetricAttribution, and it no longer exists
    assert result.status == "DELETE_COMPLETE", result.failure
    assert writes(deployed, mark) == {DELETE: 1}
    assert not deployed.fake.exists(ATTRIBUTION_ARN)


def test_a_create_delivered_twice_creates_once(deployed: World) -> None:
    # GIVEN the Create of the metric attribution will reach the Provider a second time while the
    # first delivery's waiter polls
    again: list[Task] = []

    def duplicate(kind: str, event: dict[str, Any]) -> None:
        if kind == "isComplete" and event["LogicalResourceId"] == LID and not again:
            (request,) = deployed.requests(LID, "Create")
            again.append(deployed.deliver_again(request))

    deployed.hooks.append(duplicate)
    mark = deployed.mark()
    # WHEN a metric attribution is added to the deployed stack
    result = deployed.deploy(with_metrics("clicks"))
    deployed.hooks.remove(duplicate)
    deployed.sim.scheduler.drain()
    # THEN both deliveries succeed with the same ARN, and exactly one CreateMetricAttribution succeeded
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert answered(again[0]).physical_id == ATTRIBUTION_ARN
    assert len(deployed.calls(mark, CREATE)) == 1
    assert UPDATE not in writes(deployed, mark)
    assert held(deployed) == ["clicks"]


def test_a_lost_create_answer_creates_nothing_twice(world: World) -> None:
    # GIVEN CreateMetricAttribution will act, then lose its answer (HTTP 500)
    world.lose_answer(CREATE)
    mark = world.mark()
    # WHEN the config with a metric attribution is deployed from nothing
    result = world.deploy(with_metrics("clicks", s3_reports=True))
    # THEN the handler finds what it made by name: one Create reached Personalize, none failed
    assert result.status == "CREATE_COMPLETE", result.failure
    assert len(world.calls(mark, CREATE, only_ok=False)) == 1
    assert held(world) == ["clicks"]


def test_a_metric_attribution_deleted_by_hand_is_created_again_by_the_next_edit(deployed: World) -> None:
    # GIVEN a deployed metric attribution that someone deleted in the console
    assert deployed.deploy(with_metrics("clicks")).status == "UPDATE_COMPLETE"
    deployed.admin.delete_metric_attribution(metricAttributionArn=ATTRIBUTION_ARN)
    while deployed.fake.exists(ATTRIBUTION_ARN):
        deployed.clock.advance(30)
    mark = deployed.mark()
    # WHEN the next deploy adds a metric
    result = deployed.deploy(with_metrics("clicks", "views"))
    # THEN it is created again with the declared metrics, under the same ARN
    assert result.status == "UPDATE_COMPLETE", result.failure
    assert writes(deployed, mark) == {CREATE: 1}
    assert held(deployed) == ["clicks", "views"]
    assert deployed.sim.resources[LID].physical_id == ATTRIBUTION_ARN


def test_fails_when_on_event_is_killed_after_the_create_and_the_next_deploy_takes_it_over(
    deployed: World,
) -> None:
    # GIVEN the onEvent that creates the metric attribution times out right after Personalize made it
    deployed.kill_on_event_after(CREATE)
    mark = deployed.mark()
    # WHEN the metric attribution is added to the deployed stack
    result = deployed.deploy(with_metrics("clicks"))
    # THEN the deploy fails and rolls back; the Provider framework answers the rollback's Delete of
    # its CREATE_FAILED marker itself (no handler runs), so the metric attribution stays
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert writes(deployed, mark) == {CREATE: 1}
    assert deployed.fake.exists(ATTRIBUTION_ARN)
    # WHEN the same config is deployed again
    again = deployed.mark()
    assert deployed.deploy(with_metrics("clicks", "views")).status == "UPDATE_COMPLETE"
    # THEN the Create finds it under its name in the stack's own group and continues with it
    # (ResourceAlreadyExists, then one update to the declared metrics): still one metric attribution
    assert [c.outcome for c in deployed.calls(again, CREATE, only_ok=False)] == [
        "ResourceAlreadyExistsException"
    ]
    assert writes(deployed, again) == {UPDATE: 1}
    assert held(deployed) == ["clicks", "views"]
    # AND the stack delete deletes it
    assert deployed.sim.delete().status == "DELETE_COMPLETE"
    assert not deployed.fake.exists(ATTRIBUTION_ARN)


@cache
def with_metrics_and_new_filter() -> dict[str, Any]:
    raw = _raw()
    raw["metric_attribution"] = {"metrics": [CLICKS], "s3_reports": False}
    raw["filters"] = [{"name": "exclude-clicked", "expression": NEW_FILTER}]
    return _synth(raw)


def test_fails_when_the_create_is_cancelled_and_the_rollback_deletes_it_by_name(deployed: World) -> None:
    # GIVEN a deploy adding the metric attribution and replacing the filter, whose create fails
    # while the metric attribution is still CREATE PENDING (its waiter polling)
    deployed.fail_during(FILTER, after=10)
    mark = deployed.mark()
    # WHEN it is deployed
    result = deployed.deploy(with_metrics_and_new_filter())
    # THEN the stack rolls back; the cancelled Create's Delete (an id CloudFormation made up) finds
    # the metric attribution under its declared name in the stack's own group and deletes it
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failure is not None and result.failure.logical_id == FILTER
    assert writes(deployed, mark) == {CREATE: 1, DELETE: 1}
    deployed.clock.advance(3600)
    assert not deployed.fake.exists(ATTRIBUTION_ARN)
