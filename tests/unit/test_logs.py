"""The handlers' log records (`lambda_handlers.logs`): stdlib logging, the request's fields on each."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from lambda_handlers import constants, deps, logs
from tests.unit import World, event, then_complete

TAGS = {
    "ResourceArns": "",
    "Tags": json.dumps([{"tagKey": "team", "tagValue": "recs"}]),
    "RetainOnStackDelete": "false",
}


def fields(record: logging.LogRecord) -> tuple[str, str, str]:
    return (
        getattr(record, logs.LOGICAL_ID),
        getattr(record, logs.REQUEST_TYPE),
        getattr(record, logs.PHYSICAL_ID),
    )


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logs.LOGGER.name]


def test_every_record_of_a_create_carries_logical_id_request_type_and_physical_id(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the handlers logging as in Lambda (through `logging`, not a list)
    w.deps = dataclasses.replace(w.deps, log=logs.info)
    caplog.set_level(logging.INFO, logger=logs.LOGGER.name)
    # WHEN a resource is created: onEvent, then isComplete with onEvent's answer
    raw = event("Create", constants.TAGS_TYPE, TAGS, logical_id="ShopTags")
    answer = w.on_event(raw)
    w.is_complete(then_complete(answer, raw))
    # THEN every record names the resource and the request; onEvent's before its answer has no id yet,
    # its result and isComplete's the id CloudFormation now holds
    records = ours(caplog)
    assert [fields(r) for r in records] == [
        ("ShopTags", "Create", ""),
        ("ShopTags", "Create", "app/ShopTags/tags"),
        ("ShopTags", "Create", "app/ShopTags/tags"),
    ]
    assert [r.getMessage().split(" ")[:2] for r in records] == [
        ["onEvent", "Create"],
        ["onEvent", "result"],
        ["isComplete", "Create"],
    ]


def test_records_of_a_failed_update_carry_its_fields_and_none_leak_past_the_request(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an Update whose properties cannot be decoded, logged as in Lambda
    w.deps = dataclasses.replace(w.deps, log=logs.info, log_failure=logs.error)
    caplog.set_level(logging.INFO, logger=logs.LOGGER.name)
    bad = event(
        "Update", constants.CAMPAIGN_TYPE, {"Name": "c"}, physical_id="arn:c", old_props={"Name": "c"}
    )
    # WHEN onEvent fails
    with pytest.raises(Exception, match="SolutionVersionArn is missing"):
        w.on_event(bad)
    logs.info("after the request")
    # THEN its failure record carries the Update's fields at ERROR (a query finds failures by level),
    # and a record after it none of them
    *served, after = ours(caplog)
    assert [fields(r) for r in served] == [("Resource", "Update", "arn:c")] * 2
    assert [r.levelname for r in served] == ["INFO", "ERROR"]
    assert served[-1].getMessage().startswith("failed: Resource (Custom::PersonalizeCampaign)")
    assert not any(hasattr(after, key) for key in logs.FIELDS)


def test_lambda_logs_records_and_prints_embedded_metric_lines_bare(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the Lambda's own deps
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    deps.default_deps.cache_clear()
    caplog.set_level(logging.INFO, logger=logs.LOGGER.name)
    try:
        built = deps.default_deps()
        # WHEN a line is logged, a failure told and an embedded-metric line emitted
        built.log("a line")
        built.failed("failed: why")
        built.metric('{"_aws": {}}')
    finally:
        deps.default_deps.cache_clear()
    # THEN the lines are log records, the failure at ERROR; the metric line a bare stdout line
    # (CloudWatch extracts it there)
    assert [(r.getMessage(), r.levelname) for r in ours(caplog)] == [
        ("a line", "INFO"),
        ("failed: why", "ERROR"),
    ]
    assert capsys.readouterr().out == '{"_aws": {}}\n'


def test_tests_read_embedded_metric_lines_and_failures_in_their_log(w: World) -> None:
    # GIVEN deps without a metric printer or failure log (tests, the simulator)
    # WHEN a metric line is emitted and a failure told
    w.deps.metric('{"_aws": {}}')
    w.deps.failed("failed: why")
    # THEN both are in their log, where they read them
    assert w.logs == ['{"_aws": {}}', "failed: why"]
