"""Stage configs: `extends` + deep merge, per-file paths, cycles, errors naming file and field;
the pipeline file's own checks. No synth here: everything is the config loader."""

import shutil
from pathlib import Path

import pytest
import yaml

from stacks.config_model import ConfigError, load_config
from stacks.config_model.merge import MergeError, deep_merge
from stacks.config_model.pipeline import load_pipeline
from tests.support import synth

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"


def _write(path: Path, raw: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    """A copy of the default config with its schemas and data beside it (relative paths)."""
    base = tmp_path / "base"
    shutil.copytree(CONFIG / "schemas", base / "schemas")
    shutil.copytree(CONFIG / "data", base / "data")
    shutil.copy(CONFIG / "default.yaml", base / "default.yaml")
    return base


# ---- the shipped stage configs ----------------------------------------------------------------


def test_prod_overrides_scalars_merges_maps_and_named_items():
    # GIVEN prod.yaml extending default.yaml
    # WHEN it is loaded
    cfg = load_config(CONFIG / "stages" / "prod.yaml")
    # THEN scalars are overridden, maps merged, campaigns/solutions merged by name
    assert (cfg.env.account, cfg.env.region) == ("222222222222", "eu-west-1")
    assert cfg.termination_protection is True
    assert cfg.removal_policy == "retain"
    assert cfg.tags == {"team": "recommendations", "stage": "prod"}
    (campaign,) = cfg.campaigns
    assert campaign.min_provisioned_tps == 5
    assert campaign.enable_metadata_with_recommendations is True  # kept from the base item
    up = cfg.solution("user-personalization")
    assert up.training.gates == {"normalized_discounted_cumulative_gain_at_10": 0.1, "coverage": 0.2}
    assert up.training.trigger == "v1"
    assert [s.name for s in cfg.solutions] == ["user-personalization", "personalized-ranking"]


def test_dev_keeps_the_default_values_in_the_dev_account():
    cfg = load_config(CONFIG / "stages" / "dev.yaml")
    default = load_config(CONFIG / "default.yaml")
    assert (cfg.env.account, cfg.env.region) == ("111111111111", "us-east-1")
    assert cfg.resolved_stack_name == default.resolved_stack_name
    assert cfg.campaigns == default.campaigns
    assert cfg.datasets == default.datasets  # the base's relative paths, resolved beside the base


# ---- merge rules --------------------------------------------------------------------------------


def test_lists_replace_but_named_lists_merge_by_name():
    # GIVEN a plain list and a named list in the base
    base = {
        "tags": {"a": "1"},
        "plain": [1, 2, 3],
        "filters": [{"name": "f1", "expression": "x"}, {"name": "f2", "expression": "y"}],
    }
    override = {
        "plain": [9],
        "filters": [{"name": "f2", "expression": "z"}, {"name": "f3", "expression": "w"}],
    }
    # WHEN merged
    merged = deep_merge(base, override)
    # THEN the plain list is replaced; named items merge, new ones are appended in order
    assert merged["plain"] == [9]
    assert merged["filters"] == [
        {"name": "f1", "expression": "x"},
        {"name": "f2", "expression": "z"},
        {"name": "f3", "expression": "w"},
    ]
    assert base["filters"][1]["expression"] == "y"  # inputs untouched


def test_lists_inside_a_named_item_replace():
    base = {"solutions": [{"name": "s", "solution_config": {"l": [1, 2]}, "recipe": "r"}]}
    merged = deep_merge(base, {"solutions": [{"name": "s", "solution_config": {"l": [3]}}]})
    assert merged["solutions"] == [{"name": "s", "solution_config": {"l": [3]}, "recipe": "r"}]


def test_remove_true_deletes_the_named_item(base_dir: Path):
    # GIVEN a stage removing the personalized-ranking solution
    stage = _write(
        base_dir.parent / "stage.yaml",
        {"extends": "base/default.yaml", "solutions": [{"name": "personalized-ranking", "remove": True}]},
    )
    # WHEN loaded THEN it is gone, the other stays
    cfg = load_config(stage)
    assert [s.name for s in cfg.solutions] == ["user-personalization"]


def test_fails_when_removing_an_item_the_base_does_not_have(base_dir: Path):
    stage = _write(
        base_dir.parent / "stage.yaml",
        {"extends": "base/default.yaml", "filters": [{"name": "nope", "remove": True}]},
    )
    with pytest.raises(ConfigError) as err:
        load_config(stage)
    assert err.value.source.endswith("stage.yaml")
    assert "filters[0].remove: no item named 'nope' in the base config to remove" in str(err.value)


def test_fails_when_a_named_item_has_no_name():
    with pytest.raises(MergeError) as err:
        deep_merge({"campaigns": [{"name": "c"}]}, {"campaigns": [{"min_provisioned_tps": 2}]})
    assert str(err.value.problems[0]) == "campaigns[0].name: each item needs a 'name' (items merge by name)"


# ---- paths, chains, cycles, errors ----------------------------------------------------------


def test_paths_resolve_against_the_file_that_names_them(base_dir: Path):
    # GIVEN a stage beside the base's folder overriding only the interactions data with its own
    # file in its own folder (every file a config names lies inside that config's folder)
    stage_dir = base_dir.parent
    (stage_dir / "data").mkdir(parents=True)
    shutil.copy(base_dir / "data" / "interactions.csv", stage_dir / "data" / "stage-interactions.csv")
    stage = _write(
        stage_dir / "stage.yaml",
        {
            "extends": "base/default.yaml",
            "datasets": {"interactions": {"data": "data/stage-interactions.csv"}},
        },
    )
    # WHEN loaded
    cfg = load_config(stage)
    # THEN the stage's path is beside the stage, the base's schema beside the base
    interactions = cfg.datasets.interactions
    assert interactions.data == str((stage_dir / "data" / "stage-interactions.csv").resolve())
    assert interactions.schema_ == (base_dir / "schemas" / "interactions.json").resolve()


def test_chains_of_extends_apply_in_order(base_dir: Path):
    # GIVEN top.yaml extends middle/middle.yaml, which extends the base in middle/base/
    middle_dir = base_dir.parent / "middle"
    shutil.move(base_dir, middle_dir / "base")
    _write(middle_dir / "middle.yaml", {"extends": "base/default.yaml", "tags": {"m": "1"}})
    top = _write(base_dir.parent / "top.yaml", {"extends": "middle/middle.yaml", "tags": {"t": "2"}})
    # WHEN the top is loaded / THEN each file's changes apply over its base, in order
    cfg = load_config(top)
    assert cfg.tags == {"team": "recommendations", "m": "1", "t": "2"}


def test_fails_when_extends_form_a_cycle(tmp_path: Path):
    _write(tmp_path / "a.yaml", {"extends": "b.yaml", "project": "a"})
    _write(tmp_path / "b.yaml", {"extends": "a.yaml", "project": "b"})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "a.yaml")
    (problem,) = err.value.problems
    assert problem.path == "extends"
    assert "extends itself in a cycle" in problem.message
    assert err.value.source.endswith("b.yaml")


def test_fails_when_the_base_file_is_missing(tmp_path: Path):
    _write(tmp_path / "a.yaml", {"extends": "missing.yaml"})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "a.yaml")
    assert err.value.source.endswith("a.yaml")
    assert str(err.value.problems[0]).startswith("extends: base config not found:")


def test_fails_when_the_merged_config_is_invalid_naming_file_and_field(base_dir: Path):
    stage = _write(
        base_dir.parent / "stage.yaml",
        {
            "extends": "base/default.yaml",
            "campaigns": [{"name": "user-personalization", "min_provisioned_tps": 0}],
        },
    )
    with pytest.raises(ConfigError) as err:
        load_config(stage)
    message = str(err.value)
    assert "stage.yaml (extends base/default.yaml)" in message.replace(str(base_dir.parent) + "/", "")
    assert "campaigns[0].min_provisioned_tps:" in message


# ---- pipeline file --------------------------------------------------------------------------


def _pipeline(tmp_path: Path, stages: list[dict], **changes) -> Path:
    raw = yaml.safe_load((CONFIG / "pipeline.yaml").read_text())
    raw["stages"] = stages
    raw.update(changes)
    return _write(tmp_path / "pipeline.yaml", raw)


def _stage_file(tmp_path: Path, name: str, account: str, region: str, **extra) -> str:
    path = tmp_path / f"{name}.yaml"
    _write(
        path,
        {"extends": str(CONFIG / "default.yaml"), "env": {"account": account, "region": region}, **extra},
    )
    return path.name


def test_the_shipped_pipeline_file_is_valid():
    pipeline = load_pipeline(CONFIG / "pipeline.yaml")
    assert [s.ref.name for s in pipeline.stages] == ["dev", "prod"]
    assert [s.ref.approval for s in pipeline.stages] == [False, True]
    assert pipeline.file.account == "333333333333"


def test_fails_when_two_stages_share_account_region_and_project(tmp_path: Path):
    one = _stage_file(tmp_path, "one", "111111111111", "us-east-1")
    two = _stage_file(tmp_path, "two", "111111111111", "us-east-1", tags={"x": "y"})
    path = _pipeline(tmp_path, [{"name": "one", "config": one}, {"name": "two", "config": two}])
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert err.value.source == str(path)
    (problem,) = err.value.problems
    assert problem.path == "stages[1].config"
    assert "like stage 'one'" in problem.message


def test_same_project_in_two_accounts_is_fine(tmp_path: Path):
    one = _stage_file(tmp_path, "one", "111111111111", "us-east-1")
    two = _stage_file(tmp_path, "two", "222222222222", "us-east-1")
    path = _pipeline(tmp_path, [{"name": "one", "config": one}, {"name": "two", "config": two}])
    assert len(load_pipeline(path).stages) == 2


def test_fails_when_a_stage_config_has_no_env(tmp_path: Path):
    path = _pipeline(tmp_path, [{"name": "one", "config": str(CONFIG / "default.yaml")}])
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert err.value.problems[0].path == "stages[0].config"
    assert "has no env" in err.value.problems[0].message


def test_fails_when_pipeline_fields_are_invalid(tmp_path: Path):
    path = _pipeline(
        tmp_path,
        [{"name": "dev", "config": str(CONFIG / "stages" / "dev.yaml"), "aproval": True}],
        source={"connection_arn": "nope", "repository": "no-slash"},
    )
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    paths = {p.path for p in err.value.problems}
    assert {"source.connection_arn", "source.repository", "stages[0].aproval"} <= paths
    assert err.value.source == str(path)


def test_a_direct_deploy_creates_no_drift_role():
    # GIVEN the default config deployed from a laptop (no pipeline account to trust)
    template = synth.template()
    # THEN no drift reader role, and the marker names none (drift uses the caller's credentials)
    assert "DriftReaderRole" not in template["Resources"]
    assert template["Metadata"] == {"PersonalizeCdk": {"version": 1, "project": "immersion-day-news"}}
