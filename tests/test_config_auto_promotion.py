"""Config of gated promotion (`solutions[].auto_training.promote`): what is refused, and what
the example synthesizes to (checker, its own role, a schedule with a separate invoke role, an alarm)."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_handlers import constants
from stacks.auto_promotion import CAMPAIGN_ACTIONS, RESOURCELESS_ACTIONS, VERSION_ACTIONS
from stacks.config_model import ConfigError
from stacks.config_model.loader import validate
from tests.support import synth
from tests.support.cfn import as_list, iam_statements, resources_of_type

EXAMPLE = synth.REPO / "config" / "examples" / "auto-training.yaml"


def refused(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        validate(raw, "config.yaml")
    return str(caught.value)


def test_fails_when_promote_gated_has_no_campaign_to_promote():
    # GIVEN personalized-ranking (no campaign serves it) with gated promotion
    raw = synth.variant()
    raw["solutions"][1]["auto_training"] = {"schedule": "rate(7 days)", "promote": "gated"}
    # WHEN validated THEN refused, naming the field and the ways out
    message = refused(raw)
    assert "solutions[1].auto_training.promote:" in message
    assert "no campaign serves solution 'personalized-ranking'" in message
    assert "add a campaign or set promote: off" in message


@pytest.mark.parametrize("value", ["always", ""])
def test_fails_when_promote_is_neither_gated_nor_off(value):
    raw = synth.variant()
    raw["solutions"][0]["auto_training"] = {"promote": value}
    assert "solutions[0].auto_training.promote" in refused(raw)


def test_fails_when_hold_alarm_after_is_below_one():
    raw = synth.variant()
    raw["solutions"][0]["auto_training"] = {"promote": "gated", "hold_alarm_after": 0}
    assert "solutions[0].auto_training.hold_alarm_after" in refused(raw)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synth.template(EXAMPLE)


def _role_actions(template: dict[str, Any], role: str) -> dict[str, list[Any]]:
    """action → the Resource values granting it to `role` (logical id)."""
    found: dict[str, list[Any]] = {}
    policies = resources_of_type(template, "AWS::IAM::Policy")
    for lid, statement in iam_statements(template):
        roles = [r["Ref"] for r in policies.get(lid, {}).get("Properties", {}).get("Roles", [])]
        if role in roles:
            for action in as_list(statement["Action"]):
                found.setdefault(action, []).extend(as_list(statement["Resource"]))
    return found


def test_the_checker_runs_under_its_own_role_with_only_its_reads_and_one_write(template):
    # GIVEN the example's checker function
    (checker,) = [
        f
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == constants.CHECKER_HANDLER
    ]
    role = checker["Properties"]["Role"]["Fn::GetAtt"][0]
    handlers = {
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("lambda_handlers.entry.")
    }
    # THEN its role is not the Provider handlers' and grants exactly the checker's actions
    assert role not in handlers
    personalize = {a for a in _role_actions(template, role) if a.startswith("personalize:")}
    assert personalize == {*VERSION_ACTIONS, *CAMPAIGN_ACTIONS, *RESOURCELESS_ACTIONS}
    assert _role_actions(template, role)["personalize:ListSolutionVersions"] == ["*"]


def test_the_schedule_invokes_the_checker_through_a_role_that_may_do_nothing_else(template):
    # GIVEN the example's schedule
    (schedule,) = resources_of_type(template, "AWS::Scheduler::Schedule").values()
    target = schedule["Properties"]["Target"]
    invoker = target["RoleArn"]["Fn::GetAtt"][0]
    # THEN it fires daily, invoking the checker function, and its role may only invoke that function
    assert schedule["Properties"]["ScheduleExpression"] == constants.CHECKER_SCHEDULE
    assert _role_actions(template, invoker) == {"lambda:InvokeFunction": [target["Arn"]]}
    trust = resources_of_type(template, "AWS::IAM::Role")[invoker]["Properties"]["AssumeRolePolicyDocument"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "scheduler.amazonaws.com"}]


def test_the_hold_alarm_fires_at_the_configured_count(template):
    (alarm,) = resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    props = alarm["Properties"]
    assert (props["Namespace"], props["MetricName"]) == (
        constants.PROMOTION_NAMESPACE,
        constants.CONSECUTIVE_HOLDS_METRIC,
    )
    assert (props["Threshold"], props["ComparisonOperator"]) == (3, "GreaterThanOrEqualToThreshold")


def test_every_function_of_ours_logs_json_records_at_info(template):
    # GIVEN the example's functions running our code: onEvent, isComplete and the checker
    ours = {
        f["Properties"]["Handler"]: f["Properties"]["LoggingConfig"]
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"].startswith("lambda_handlers.")
    }
    assert set(ours) == {
        "lambda_handlers.entry.on_event",
        "lambda_handlers.entry.is_complete",
        constants.CHECKER_HANDLER,
    }
    # THEN each writes JSON records (`lambda_handlers.logs`' fields as keys) at the level they log at
    for handler, config in ours.items():
        assert (config["LogFormat"], config["ApplicationLogLevel"]) == ("JSON", "INFO"), handler
        assert "Ref" in config["LogGroup"], handler  # still its own log group
