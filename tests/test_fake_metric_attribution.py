"""The fake's metric attributions, through an unmodified boto3 client (answers checked against
botocore's model by the fake itself): statuses over virtual time, one per dataset group, edits."""

# ruff: noqa: F811
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.fixtures import (  # noqa: F401
    clock,
    fake_personalize,
    personalize_client,
)

ROLE = "arn:aws:iam::111111111111:role/data"
CLICKS = {"metricName": "clicks", "eventType": "click", "expression": "SAMPLECOUNT()"}
VIEWS = {"metricName": "views", "eventType": "view", "expression": "SAMPLECOUNT()"}


def create(client, group: str, name: str = "attr", metrics=(CLICKS,)) -> str:
    return str(
        client.create_metric_attribution(
            name=name, datasetGroupArn=group, metrics=list(metrics), metricsOutputConfig={"roleArn": ROLE}
        )["metricAttributionArn"]
    )


def status(client, arn: str) -> str:
    return str(client.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]["status"])


def test_a_metric_attribution_becomes_active_then_is_deleted(fake_personalize, personalize_client, clock):
    # GIVEN a dataset group and a new metric attribution
    group = fake_personalize.seed_dataset_group("g")
    arn = create(personalize_client, group)
    # THEN it is CREATE PENDING, then ACTIVE with its metrics
    assert status(personalize_client, arn) == "CREATE PENDING"
    clock.advance(600)
    assert status(personalize_client, arn) == "ACTIVE"
    listed = personalize_client.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]
    assert listed == [CLICKS]
    # WHEN it is deleted, it passes DELETE PENDING and is gone
    personalize_client.delete_metric_attribution(metricAttributionArn=arn)
    assert status(personalize_client, arn).startswith("DELETE")
    clock.advance(3600)
    with pytest.raises(ClientError) as caught:
        status(personalize_client, arn)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_fails_when_a_dataset_group_gets_a_second_metric_attribution(fake_personalize, personalize_client):
    # GIVEN a dataset group with a metric attribution
    group = fake_personalize.seed_dataset_group("g")
    first = create(personalize_client, group)
    # WHEN another one of another name is created in it
    with pytest.raises(ClientError) as caught:
        create(personalize_client, group, name="other")
    # THEN ResourceAlreadyExists names the one it holds
    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert first in caught.value.response["Error"]["Message"]


def test_fails_when_an_expression_is_not_sum_or_samplecount(fake_personalize, personalize_client):
    group = fake_personalize.seed_dataset_group("g")
    with pytest.raises(ClientError) as caught:
        create(personalize_client, group, metrics=[{**CLICKS, "expression": "AVG(Items.PRICE)"}])
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"


def test_an_update_adds_and_removes_metrics_and_is_refused_while_creating(
    fake_personalize, personalize_client, clock
):
    # GIVEN a metric attribution still being created
    group = fake_personalize.seed_dataset_group("g")
    arn = create(personalize_client, group)
    # THEN an update is refused as in use
    with pytest.raises(ClientError) as caught:
        personalize_client.update_metric_attribution(metricAttributionArn=arn, addMetrics=[VIEWS])
    assert caught.value.response["Error"]["Code"] == "ResourceInUseException"
    # WHEN it is ACTIVE, a metric is added, then the first removed
    clock.advance(600)
    personalize_client.update_metric_attribution(metricAttributionArn=arn, addMetrics=[VIEWS])
    personalize_client.update_metric_attribution(metricAttributionArn=arn, removeMetrics=["clicks"])
    # THEN it holds only the added one, and is listed in its group
    listed = personalize_client.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]
    assert listed == [VIEWS]
    summaries = personalize_client.list_metric_attributions(datasetGroupArn=group)["metricAttributions"]
    assert [s["metricAttributionArn"] for s in summaries] == [arn]
