"""`metric_attribution:` in the config and the contract: refused input names its field; the rules
match botocore's Personalize model and the API reference."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from lambda_handlers.contract import Metric, MetricAttribution, resolved
from lambda_handlers.contract.codec import ContractError
from lambda_handlers.contract.metric_attribution import MAX_METRICS
from stacks.config_model import ConfigError
from stacks.config_model.loader import validate
from tests.support.synth import variant

SOURCE = "test-config.yaml"
CLICKS = {"name": "clicks", "event_type": "click", "expression": "SAMPLECOUNT()"}


def model() -> Any:
    return botocore.session.get_session().get_service_model("personalize")


def with_attribution(**attribution: Any) -> dict[str, Any]:
    raw = variant()
    raw["metric_attribution"] = {"metrics": [CLICKS], **attribution}
    return raw


def refused(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    return str(caught.value)


def test_a_metric_attribution_of_sum_and_samplecount_is_accepted() -> None:
    # GIVEN a metric attribution summing an items column and counting clicks, with S3 reports
    revenue = {"name": "revenue", "event_type": "purchase", "expression": "SUM(Items.PRICE)"}
    raw = with_attribution(metrics=[CLICKS, revenue], s3_reports=True)
    # WHEN the config is validated
    config = validate(raw, SOURCE)
    # THEN both metrics are kept, in order
    assert config.metric_attribution is not None
    assert [m.name for m in config.metric_attribution.metrics] == ["clicks", "revenue"]
    assert config.metric_attribution.s3_reports is True


@pytest.mark.parametrize("expression", ["AVG(Items.PRICE)", "SUM(Users.AGE)", "SUM(PRICE)", "SAMPLECOUNT(x)"])
def test_fails_when_an_expression_is_not_sum_or_samplecount(expression: str) -> None:
    # GIVEN a metric whose expression is not of the documented form
    raw = with_attribution(metrics=[{**CLICKS, "expression": expression}])
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and the accepted forms
    assert "metric_attribution.metrics[0].expression" in message
    assert "SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT()" in message


def test_fails_when_there_are_more_metrics_than_the_api_takes() -> None:
    # GIVEN eleven metrics
    metrics = [{**CLICKS, "name": f"m{i}"} for i in range(MAX_METRICS + 1)]
    # WHEN the config is validated
    message = refused(with_attribution(metrics=metrics))
    # THEN it is refused at metric_attribution.metrics
    assert "metric_attribution.metrics" in message and "10" in message


def test_fails_when_two_metrics_share_a_name() -> None:
    message = refused(with_attribution(metrics=[CLICKS, CLICKS]))
    assert "metric_attribution.metrics" in message and "repeated: clicks" in message


def test_fails_when_the_dataset_group_is_not_the_stacks_own() -> None:
    # GIVEN a config that uses an existing dataset group by ARN
    raw = with_attribution()
    raw["dataset_group"] = {"arn": "arn:aws:personalize:us-east-1:111111111111:dataset-group/theirs"}
    # WHEN it is validated
    message = refused(raw)
    # THEN the metric attribution is refused, naming the way out
    assert "metric_attribution: only on a dataset group this stack creates" in message


def test_the_metric_limit_is_botocores() -> None:
    # GIVEN botocore's Personalize model
    shapes = model()
    # THEN a metric attribution and an update's removals take at most MAX_METRICS
    assert shapes.shape_for("MetricAttributes").metadata["max"] == MAX_METRICS
    assert shapes.shape_for("MetricAttributesNamesList").metadata["max"] == MAX_METRICS


def test_the_expression_functions_are_those_botocore_documents() -> None:
    doc = model().shape_for("MetricAttribute").members["expression"].documentation
    assert "SUM()" in doc and "SAMPLECOUNT()" in doc and "Interactions or Items" in doc


def test_the_import_member_and_the_output_config_are_botocores() -> None:
    shapes = model()
    request = shapes.operation_model("CreateDatasetImportJob").input_shape
    assert request.members["publishAttributionMetricsToS3"].type_name == "boolean"
    output = shapes.shape_for("MetricAttributionOutput")
    assert set(output.members) == {"roleArn", "s3DataDestination"}
    assert output.required_members == ["roleArn"]


def test_the_contract_round_trips_and_refuses_a_bad_expression() -> None:
    # GIVEN a metric attribution contract
    spec = MetricAttribution(
        name="p-attribution",
        dataset_group_arn="arn:aws:personalize:us-east-1:111111111111:dataset-group/g",
        metrics=(Metric("views", "view", "SAMPLECOUNT()"), Metric("clicks", "click", "SAMPLECOUNT()")),
        role_arn="arn:aws:iam::111111111111:role/r",
        s3_path="s3://b/attribution/",
    )
    # WHEN it is written to properties and read back
    back = MetricAttribution.from_properties(spec.to_properties())
    # THEN it is the same, metrics sorted, and the output config is the API's shape
    assert [m.name for m in back.metrics] == ["clicks", "views"]
    assert back.output_config() == {
        "roleArn": resolved(spec.role_arn),
        "s3DataDestination": {"path": "s3://b/attribution/"},
    }
    bad = {
        **spec.to_properties(),
        "Metrics": '[{"metricName": "x", "eventType": "e", "expression": "MAX()"}]',
    }
    with pytest.raises(ContractError, match="SAMPLECOUNT"):
        MetricAttribution.from_properties(bad)
