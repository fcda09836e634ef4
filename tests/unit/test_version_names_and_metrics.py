import json
import re
from dataclasses import replace

from lambda_handlers import constants, contract, metrics, version_names
from lambda_handlers.contract import Gate

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")


def test_version_name_carries_mode_slug_and_hash():
    # GIVEN a trigger and a mode WHEN the version name is built THEN it reads cdk-mode-slug-hash
    # (sha256("Data 2026-01 import!")[:8] = 49d2d32a): a deployed stack finds its versions by it
    assert (
        version_names.version_name("Data 2026-01 import!", "FULL") == "cdk-full-data-2026-01-import-49d2d32a"
    )


def test_version_name_is_valid_and_short_for_long_triggers():
    # GIVEN a very long trigger WHEN named THEN ≤ 63 chars, slug ≤ 40, valid Personalize name
    name = version_names.version_name("x" * 500 + " y", "UPDATE")
    assert name == "cdk-update-" + "x" * 40 + "-79af2c0c"
    assert len(name) == 60 and NAME_PATTERN.match(name)


def test_version_names_differ_by_trigger_and_mode_even_with_equal_slugs():
    # GIVEN triggers with the same slug WHEN named THEN the hash still tells them apart
    assert version_names.version_name("a b", "FULL") != version_names.version_name("a-b", "FULL")
    assert version_names.version_name("a", "FULL") != version_names.version_name("a", "UPDATE")


def test_version_name_leaves_out_an_empty_slug():
    # GIVEN a trigger without letters or digits WHEN named THEN no empty segment
    assert version_names.version_name("!!!", "FULL") == "cdk-full-e84c538e"


def test_is_ours_recognises_cdk_names_only():
    assert version_names.is_ours("cdk-full-x-12345678")
    assert not version_names.is_ours("notebook-version") and not version_names.is_ours(None)


def test_gates_pass_when_every_metric_meets_its_minimum():
    # GIVEN metrics at or above every minimum WHEN gated THEN no failure
    gates = {"coverage": Gate(minimum=0.5)}
    assert metrics.failed_gates({"coverage": 0.5, "precision_at_10": 0.1}, gates) == []


def test_fails_when_a_metric_is_below_its_gate_and_names_value_and_threshold():
    # GIVEN NDCG@10 below its minimum WHEN gated THEN the message names the value and threshold
    gates = {"normalized_discounted_cumulative_gain_at_10": Gate(minimum=0.05)}
    failures = metrics.failed_gates({"normalized_discounted_cumulative_gain_at_10": 0.0312}, gates)
    message = metrics.gate_message("shop-up", "arn:v1", failures)
    assert message == (
        "gate failed for solution shop-up: "
        "normalized_discounted_cumulative_gain_at_10 = 0.0312 < 0.05 (arn:v1)"
    )


def test_fails_when_a_gated_metric_is_missing():
    # GIVEN empty metrics WHEN a gate exists THEN it fails as missing
    failures = metrics.failed_gates({}, {"coverage": Gate(minimum=0.1)})
    assert [str(f) for f in failures] == ["coverage = missing < 0.1"]


def test_emf_line_is_one_json_line_with_namespace_dimension_and_metrics():
    # GIVEN metrics WHEN the EMF line is built THEN CloudWatch can read each metric under Solution
    line = metrics.emf_line("shop-up", "arn:v1", {"precision_at_10": 0.2, "coverage": 0.4}, 1000.5)
    assert "\n" not in line
    doc = json.loads(line)
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert doc["_aws"]["Timestamp"] == 1000500
    assert directive["Namespace"] == constants.METRICS_NAMESPACE
    assert directive["Dimensions"] == [["Solution"]]
    assert [m["Name"] for m in directive["Metrics"]] == ["coverage", "precision_at_10"]
    assert doc["Solution"] == "shop-up" and doc["coverage"] == 0.4 and doc["precision_at_10"] == 0.2


def test_summary_has_exactly_the_summary_keys():
    text = metrics.summary(
        version_arn="arn:v1", training_mode="FULL", trigger="t", metrics={"b": 1, "a": 0.5}, trained_at="x"
    )
    doc = json.loads(text)
    assert tuple(doc) == constants.SUMMARY_KEYS
    assert doc["metrics"] == {"a": 0.5, "b": 1.0}


def test_a_solution_version_is_named_by_its_trigger_and_mode_and_nothing_else():
    # GIVEN a declared training
    spec = contract.SolutionVersion(
        solution_arn="arn:aws:personalize:us-east-1:111111111111:solution/s", trigger="v1"
    )
    # THEN it is named by the rule; gates, link length and tags leave the name (no retrain)
    assert spec.version_name == version_names.version_name("v1", "FULL")
    same = replace(spec, gates={"coverage": Gate(0.1, None)}, link_seconds=60, tags={"a": "b"})
    assert same.version_name == spec.version_name
    # AND another trigger or another mode is another version (a retrain)
    assert replace(spec, trigger="v2").version_name != spec.version_name
    assert replace(spec, training_mode="UPDATE").version_name != spec.version_name
