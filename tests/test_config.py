"""The config model: every mistake is refused at synth with its field path and what to do.

Pure tests (no synth) through `stacks.config_model.loader.validate(raw, source)` and
`load_config(path)`, plus one subprocess run of `app.py` for the CLI's exit code and stderr.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config_model import AppConfig, ConfigError, load_config
from stacks.config_model.loader import validate
from stacks.config_model.recipes import RECIPES
from tests.support.synth import DEFAULT_CONFIG, REPO, default_raw_config, variant

SOURCE = "test-config.yaml"


def refused(raw: dict[str, Any]) -> str:
    """Validate `raw`, expect a ConfigError, return its message."""
    with pytest.raises(ConfigError) as caught:
        validate(raw, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: "), message
    return message


def with_solution(**changes: Any) -> dict[str, Any]:
    """The default config with its first solution changed."""
    raw = variant()
    raw["solutions"][0].update(changes)
    return raw


def with_campaign(**changes: Any) -> dict[str, Any]:
    """The default config with its first campaign changed."""
    raw = variant()
    raw["campaigns"][0].update(changes)
    return raw


# ---- refused configs -----------------------------------------------------------------------


def test_fails_when_the_recipe_is_unknown():
    # GIVEN a solution with a misspelt recipe
    raw = with_solution(recipe="aws-user-personalisation")
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and lists every known recipe
    assert "solutions[0].recipe: unknown recipe 'aws-user-personalisation'" in message
    for recipe in RECIPES:
        assert recipe in message


@pytest.mark.parametrize(
    ("tps", "expected"),
    [(0, "greater than or equal to 1"), (1.5, "valid integer")],
)
def test_fails_when_min_provisioned_tps_is_not_an_integer_of_at_least_1(tps, expected):
    # GIVEN a campaign whose billing floor is 0 or fractional
    raw = with_campaign(min_provisioned_tps=tps)
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and the rule to follow
    assert "campaigns[0].min_provisioned_tps:" in message
    assert expected in message


def test_fails_when_a_campaign_names_a_missing_solution():
    # GIVEN a campaign serving a solution nobody declared
    raw = with_campaign(solution="user-personalisation")
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and the solutions that do exist
    assert "campaigns[0].solution: no solution named 'user-personalisation'" in message
    assert "(solutions: user-personalization, personalized-ranking)" in message


def test_fails_when_update_training_is_asked_of_a_recipe_without_it():
    # GIVEN aws-personalized-ranking trained in UPDATE mode
    raw = variant()
    raw["solutions"][1]["training"] = {"mode": "UPDATE"}
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and says to use FULL
    assert (
        "solutions[1].training.mode: "
        "recipe aws-personalized-ranking does not support UPDATE training; use FULL"
    ) in message


@pytest.mark.parametrize("name", ["-leading-dash", "has space", "dots.not.allowed", "ünïcode"])
def test_fails_when_a_name_breaks_the_personalize_name_pattern(name):
    # GIVEN a solution name Personalize would refuse
    raw = with_solution(name=name)
    raw["campaigns"][0]["solution"] = name
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and the pattern the name must match
    assert "solutions[0].name:" in message
    assert r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$" in message


def test_fails_when_a_composed_physical_name_exceeds_63_characters():
    # GIVEN a 40-character project and a 30-character solution name (each valid on its own)
    raw = variant(project="p" * 40)
    raw["solutions"][1]["name"] = "r" * 30
    # WHEN the config is validated
    message = refused(raw)
    # THEN the composed `{project}-{name}` is reported with the fix
    full = f"{'p' * 40}-{'r' * 30}"
    assert f"solutions[1].name: physical name '{full}' is longer than Personalize's 63 characters" in message
    assert "shorten 'project' or the name" in message


def test_fails_when_the_schema_file_is_missing(tmp_path):
    # GIVEN an interactions dataset whose schema file does not exist
    raw = variant()
    missing = tmp_path / "nowhere.json"
    raw["datasets"]["interactions"]["schema"] = str(missing)
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and the path it looked for
    assert f"datasets.interactions.schema: file not found: {missing}" in message


def test_fails_when_the_data_file_is_missing(tmp_path):
    # GIVEN an items dataset whose CSV does not exist
    raw = variant()
    missing = tmp_path / "items.csv"
    raw["datasets"]["items"]["data"] = str(missing)
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field, the path, and the accepted forms
    assert f"datasets.items.data: file not found: {missing} (a local CSV or s3://bucket/key)" in message


def test_fails_when_a_gate_names_an_unknown_metric():
    # GIVEN a gate on a metric GetSolutionMetrics never returns
    raw = variant()
    raw["solutions"][0]["training"]["gates"] = {"ndcg_at_10": 0.05}
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and lists the metrics to use
    assert "solutions[0].training.gates: unknown metric ndcg_at_10; use one of: coverage," in message
    assert "normalized_discounted_cumulative_gain_at_10" in message


@pytest.mark.parametrize(
    ("where", "typo", "path"),
    [
        ("top", "event_traker", "event_traker"),
        ("solution", "recpie", "solutions[0].recpie"),
        ("training", "max_wait_minute", "solutions[0].training.max_wait_minute"),
    ],
)
def test_fails_when_a_key_is_unknown(where, typo, path):
    # GIVEN a misspelt key at some depth (it would otherwise be silently ignored)
    raw = variant()
    target = {"top": raw, "solution": raw["solutions"][0], "training": raw["solutions"][0]["training"]}
    target[where][typo] = True
    # WHEN the config is validated
    message = refused(raw)
    # THEN the misspelt key is named by its full path and refused
    assert f"{path}: unknown key; check its spelling" in message


def test_fails_when_sync_with_latest_version_is_combined_with_gates():
    # GIVEN a campaign that would serve every new version while its solution has gates
    raw = with_campaign(sync_with_latest_solution_version=True)
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field, the gated solution and both ways out
    assert "campaigns[0].sync_with_latest_solution_version:" in message
    assert "solution 'user-personalization' has gates" in message
    assert "remove the gates or set it to false" in message


def test_fails_when_item_exploration_is_set_on_a_recipe_without_it():
    # GIVEN a campaign over aws-personalized-ranking with item exploration
    raw = variant()
    raw["campaigns"].append(
        {
            "name": "ranking",
            "solution": "personalized-ranking",
            "item_exploration": {"exploration_weight": 0.5},
        }
    )
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and says to remove it
    assert (
        "campaigns[1].item_exploration: recipe aws-personalized-ranking has no item exploration; "
        "remove item_exploration"
    ) in message


def test_fails_when_metadata_is_asked_without_an_items_dataset():
    # GIVEN a new dataset group with interactions only and a campaign returning metadata
    raw = variant()
    del raw["datasets"]["items"]
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and both fixes
    assert (
        "campaigns[0].enable_metadata_with_recommendations: metadata needs an items dataset; "
        "add datasets.items or set it to false"
    ) in message


def test_fails_when_the_dataset_group_has_both_name_and_arn():
    # GIVEN a dataset group that is both created and referenced
    raw = variant(
        dataset_group={"name": "news", "arn": "arn:aws:personalize:us-east-1:111111111111:dataset-group/x"}
    )
    # WHEN the config is validated
    message = refused(raw)
    # THEN the message names the field and asks for exactly one of them
    assert "dataset_group: set exactly one of 'name' (create a group) or 'arn' (use one)" in message


def test_fails_with_every_problem_reported_together():
    # GIVEN a config with three independent cross-field mistakes
    raw = variant()
    raw["solutions"][1]["training"] = {"mode": "UPDATE"}
    raw["campaigns"][0]["sync_with_latest_solution_version"] = True
    raw["campaigns"].append({"name": "orphan", "solution": "missing"})
    # WHEN the config is validated
    message = refused(raw)
    # THEN one error lists all of them, with their count
    assert message.splitlines()[0] == f"{SOURCE}: 3 problems in the config:"
    assert "solutions[1].training.mode:" in message
    assert "campaigns[0].sync_with_latest_solution_version:" in message
    assert "campaigns[1].solution:" in message


def test_fails_with_every_field_problem_reported_together():
    # GIVEN two mistakes the parser finds (a bad recipe and a zero TPS)
    raw = with_solution(recipe="nope")
    raw["campaigns"][0]["min_provisioned_tps"] = 0
    # WHEN the config is validated
    message = refused(raw)
    # THEN both are in the one message
    assert message.splitlines()[0] == f"{SOURCE}: 2 problems in the config:"
    assert "solutions[0].recipe:" in message
    assert "campaigns[0].min_provisioned_tps:" in message


# ---- accepted configs ----------------------------------------------------------------------


def test_the_default_config_loads():
    # GIVEN the shipped default config / WHEN it is loaded
    cfg = load_config(DEFAULT_CONFIG)
    # THEN it is the news workshop with its stack name derived from the project
    assert isinstance(cfg, AppConfig)
    assert cfg.project == "immersion-day-news"
    assert cfg.resolved_stack_name == "immersion-day-news-personalize"
    assert [s.name for s in cfg.solutions] == ["user-personalization", "personalized-ranking"]
    assert cfg.datasets.interactions is not None
    assert cfg.datasets.interactions.schema_.is_file()


def test_an_existing_dataset_group_config_loads(tmp_path):
    # GIVEN a config that trains in an existing group and declares no datasets
    arn = "arn:aws:personalize:eu-west-1:123456789012:dataset-group/shop"
    path = tmp_path / "existing.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "project": "shop",
                "dataset_group": {"arn": arn},
                "solutions": [{"name": "sims", "recipe": "aws-sims"}],
                "campaigns": [
                    {"name": "sims", "solution": "sims", "enable_metadata_with_recommendations": True}
                ],
            }
        )
    )
    # WHEN it is loaded
    cfg = load_config(path)
    # THEN it refers to the group and creates no dataset
    assert cfg.dataset_group.arn == arn
    assert cfg.dataset_group.name is None
    assert cfg.datasets.declared() == {}


def test_dataset_paths_resolve_relative_to_the_config_file(tmp_path, monkeypatch):
    # GIVEN a config in its own directory naming its files relative to itself
    (tmp_path / "schemas").mkdir()
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "config/schemas/interactions.json", tmp_path / "schemas/interactions.json")
    shutil.copy(REPO / "config/data/interactions.csv", tmp_path / "data/interactions.csv")
    raw = {
        "project": "rel",
        "dataset_group": {"name": "g"},
        "datasets": {
            "interactions": {"schema": "schemas/interactions.json", "data": "data/interactions.csv"}
        },
    }
    path = tmp_path / "deploy.yaml"
    path.write_text(yaml.safe_dump(raw))
    # WHEN it is loaded from another working directory
    monkeypatch.chdir(REPO)
    cfg = load_config(path)
    # THEN the paths point into the config's directory
    interactions = cfg.datasets.interactions
    assert interactions is not None
    assert interactions.schema_ == tmp_path / "schemas/interactions.json"
    assert Path(interactions.data) == tmp_path / "data/interactions.csv"


def test_validate_leaves_the_raw_dict_unchanged():
    # GIVEN the default config as a dict
    raw = default_raw_config()
    before = json.dumps(raw, sort_keys=True)
    # WHEN it is validated
    validate(raw, SOURCE)
    # THEN the caller's dict is as it was
    assert json.dumps(raw, sort_keys=True) == before


# ---- the CLI -------------------------------------------------------------------------------


def test_fails_when_cdk_synth_is_given_a_bad_config(tmp_path):
    """`cdk synth` runs app.py: a bad config must exit 1 with the problems on stderr."""
    # GIVEN a config with an unknown recipe
    raw = with_solution(recipe="aws-unknown")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"config": str(path)}),
        "CDK_OUTDIR": str(tmp_path / "out"),
    }
    # WHEN app.py runs as the CDK CLI would run it
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it exits 1, names the file and the field, and writes no assembly
    assert result.returncode == 1, result.stderr
    assert f"{path}: 1 problem in the config:" in result.stderr
    assert "solutions[0].recipe: unknown recipe 'aws-unknown'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_fails_when_a_tag_value_has_a_character_personalize_refuses():
    # GIVEN a tag value with '|' (Personalize tags allow letters, digits, spaces and _ . : / = + - @)
    raw = variant(tags={"team": "recs|search"})
    # WHEN the config is validated
    message = refused(raw)
    # THEN the tag is named and the allowed characters are listed, before anything is deployed
    assert (
        "tags: tag 'team': value 'recs|search' must be ≤ 256 letters, digits, spaces or _ . : / = + - @"
        in message
    )


def test_fails_when_a_tag_key_is_one_of_the_handlers_own():
    # GIVEN a tag key in the handlers' own namespace (the owner tag, adoption records)
    raw = variant(tags={"personalize-cdk:owner": "me"})
    # WHEN the config is validated THEN it is refused, naming the field
    assert (
        "tags: tag key 'personalize-cdk:owner': keys starting 'personalize-cdk:' are the handlers' own"
        in (refused(raw))
    )


def test_fails_when_a_tag_kept_from_the_stacks_creation_has_a_character_personalize_refuses():
    # GIVEN dataset_group_tags_at_creation with a key Personalize refuses
    raw = variant(dataset_group_tags_at_creation={"aws:team": "recs"})
    # WHEN the config is validated THEN it is refused, naming the field
    assert "dataset_group_tags_at_creation: tag key 'aws:team'" in refused(raw)


# ---- names after their transformation, gates per recipe, quotas -------------------------


def test_fails_when_two_solution_names_become_one_logical_id():
    # GIVEN two solutions whose names differ only by their separator
    raw = variant()
    raw["solutions"].append({**raw["solutions"][1], "name": "user_personalization"})
    # WHEN validated
    message = refused(raw)
    # THEN one error names both fields and the id they share
    assert (
        "solutions[2].name: 'user_personalization' becomes logical id SolutionUserPersonalization, "
        "as solutions[0].name 'user-personalization' does; give one of them another name"
    ) in message
    assert message.count("give one of them another name") == 1


def test_fails_when_a_filter_name_becomes_another_filters_parameter_id():
    # GIVEN filters `x` and `x-parameter` (the second's resource id is the first's SSM parameter id)
    raw = variant(filters=[{"name": "x", "expression": 'EXCLUDE ItemID WHERE Items.GENRE IN ("a")'}])
    raw["filters"].append({"name": "x-parameter", "expression": raw["filters"][0]["expression"]})
    # WHEN validated / THEN the clash is named with both fields
    assert (
        "filters[1].name: 'x-parameter' becomes logical id FilterXParameter, as filters[0].name 'x'"
        in refused(raw)
    )


def test_fails_when_two_solutions_take_one_physical_name():
    # GIVEN a physical_name equal to another solution's derived name
    raw = variant()
    raw["solutions"][1]["physical_name"] = "immersion-day-news-user-personalization"
    # WHEN validated / THEN both fields are named
    assert "solutions[1].physical_name: 'immersion-day-news-user-personalization' becomes solution name" in (
        refused(raw)
    )


def test_fails_when_a_gate_names_a_metric_the_recipe_does_not_report():
    # GIVEN a gate on average_rewards_at_k without an optimization objective
    raw = with_solution(training={"gates": {"average_rewards_at_k": 0.5}})
    # WHEN validated / THEN the gate is refused, naming the recipe and what it reports
    message = refused(raw)
    assert (
        "solutions[0].training.gates.average_rewards_at_k: recipe aws-user-personalization does not"
        in message
    )
    assert "it reports: coverage, mean_reciprocal_rank_at_25" in message


def test_a_gate_on_average_rewards_passes_with_an_optimization_objective():
    # GIVEN the same gate with the solutionConfig key that makes Personalize report it
    raw = with_solution(
        training={"gates": {"average_rewards_at_k": 0.5}},
        solution_config={"optimizationObjective": {"itemAttribute": "PRICE"}},
    )
    # WHEN validated / THEN it loads
    assert validate(raw, SOURCE).solutions[0].training.gates == {"average_rewards_at_k": 0.5}


def test_quota_warnings_name_the_field_and_the_override():
    # GIVEN 6 campaigns where Personalize's default quota is 5
    from stacks.limits import quota_warnings  # noqa: PLC0415 - imports aws_cdk

    raw = variant()
    raw["solutions"] = [{"name": f"s{i}", "recipe": "aws-user-personalization"} for i in range(6)]
    raw["campaigns"] = [{"name": f"c{i}", "solution": f"s{i}"} for i in range(6)]
    cfg = validate(raw, SOURCE)
    # WHEN the quotas are checked / THEN one warning names the quota and how to raise it
    (warning,) = quota_warnings(cfg)
    assert str(warning).startswith("campaigns: 6 campaigns in one dataset group; Personalize's quota is 5")
    assert "set quotas.campaigns: 6 or more" in str(warning)
    # AND an account whose quota was raised says so in the config
    raised = validate({**raw, "quotas": {"campaigns": 6}}, SOURCE)
    assert quota_warnings(raised) == []


def test_fails_when_max_concurrent_trainings_is_below_one():
    assert "max_concurrent_trainings: Input should be greater than or equal to 1" in refused(
        variant(max_concurrent_trainings=0)
    )
