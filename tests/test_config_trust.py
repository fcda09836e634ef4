"""What a config may reach and trust: files inside the repository or beside the config only, parse
errors without the file's content, a KMS key of the deployment's own account and region, and the
Personalize data role's confused-deputy conditions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml

import app
from stacks.config_model import ConfigError, load_config
from stacks.config_model.paths import REPO_ROOT
from stacks.config_model.pipeline import load_pipeline
from stacks.config_model.rules import warnings
from stacks.stages import personalize_stack
from tests.support.cfn import resources_of_type
from tests.support.synth import DEFAULT_CONFIG, template, write_config

CONFIG = REPO_ROOT / "config"
SECRET = "top-secret-value-42"
KEY_IN_DEV = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _write(path: Path, raw: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _beside(folder: Path, **interactions: str) -> Path:
    """The default config in `folder` with its schemas and data beside it; `interactions` overrides."""
    shutil.copytree(CONFIG / "schemas", folder / "schemas")
    shutil.copytree(CONFIG / "data", folder / "data")
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    raw["datasets"]["interactions"].update(interactions)
    return _write(folder / "deploy.yaml", raw)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file no config may name: outside the repository and outside the config's folder."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return secret


def _problem(err: pytest.ExceptionInfo[ConfigError], field: str) -> str:
    (message,) = [p.message for p in err.value.problems if p.path == field]
    return message


# ---- paths ------------------------------------------------------------------------------------
def test_fails_when_data_climbs_out_of_the_config_folder(tmp_path: Path, outside: Path) -> None:
    # GIVEN a config in tmp/work naming `../secret.txt` as its interactions data
    path = _beside(tmp_path / "work", data="../secret.txt")
    # WHEN it is loaded / THEN it fails naming the field, the path given and where it resolves
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = _problem(err, "datasets.interactions.data")
    assert f"'../secret.txt' resolves to {outside}" in message
    assert "outside the repository" in message


def test_fails_when_data_is_an_absolute_path_elsewhere(tmp_path: Path, outside: Path) -> None:
    path = _beside(tmp_path / "work", data=str(outside))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(outside) in _problem(err, "datasets.interactions.data")


def test_fails_when_data_is_a_symlink_to_a_file_elsewhere(tmp_path: Path, outside: Path) -> None:
    # GIVEN data/link.csv beside the config, a symlink to a file outside both roots
    path = _beside(tmp_path / "work", data="data/link.csv")
    (tmp_path / "work" / "data" / "link.csv").symlink_to(outside)
    # WHEN loaded / THEN the symlink is followed and refused
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"resolves to {outside}" in _problem(err, "datasets.interactions.data")


def test_fails_when_every_bad_path_of_a_file_is_named_at_once(tmp_path: Path, outside: Path) -> None:
    # GIVEN a schema and a data path both outside
    path = _beside(tmp_path / "work", data=str(outside), schema="../../schema.json")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    # THEN one message names both fields
    assert {p.path for p in err.value.problems} == {
        "datasets.interactions.data",
        "datasets.interactions.schema",
    }
    assert str(err.value).startswith(f"{path}: 2 problems in the config:")


def test_fails_when_extends_names_a_file_elsewhere(tmp_path: Path) -> None:
    base = _beside(tmp_path / "base")
    stage = _write(tmp_path / "stages" / "stage.yaml", {"extends": f"../base/{base.name}"})
    with pytest.raises(ConfigError) as err:
        load_config(stage)
    assert f"resolves to {base}" in _problem(err, "extends")


def test_fails_when_a_pipeline_stage_config_is_elsewhere(tmp_path: Path) -> None:
    stage = _write(tmp_path / "elsewhere" / "dev.yaml", {"extends": str(CONFIG / "stages" / "dev.yaml")})
    raw = yaml.safe_load((CONFIG / "pipeline.yaml").read_text())
    raw["stages"] = [{"name": "dev", "config": f"../elsewhere/{stage.name}"}]
    pipeline = _write(tmp_path / "pipeline" / "pipeline.yaml", raw)
    with pytest.raises(ConfigError) as err:
        load_pipeline(pipeline)
    assert f"resolves to {stage}" in _problem(err, "stages[0].config")


def test_files_of_the_repository_and_beside_the_config_load(tmp_path: Path) -> None:
    # GIVEN a config in a temporary folder: its interactions beside it, its items in the repository
    path = _beside(tmp_path / "work")
    raw = yaml.safe_load(path.read_text())
    raw["datasets"]["items"]["data"] = str(CONFIG / "data" / "items.csv")
    _write(path, raw)
    # WHEN loaded / THEN both are accepted
    cfg = load_config(path)
    assert cfg.datasets.interactions is not None and cfg.datasets.items is not None
    assert Path(cfg.datasets.interactions.data) == (tmp_path / "work" / "data" / "interactions.csv").resolve()
    assert cfg.datasets.items.data == str(CONFIG / "data" / "items.csv")
    assert (REPO_ROOT / "app.py").is_file()


def test_a_config_in_a_temporary_folder_with_its_data_beside_it_synthesizes(tmp_path: Path) -> None:
    # GIVEN the default config copied into a temporary folder with its schemas and data
    path = _beside(tmp_path / "work")
    # WHEN it is synthesized / THEN its stack has both imports
    tpl = template(path)
    assert sorted(resources_of_type(tpl, "AWS::Personalize::Dataset")) == [
        "InteractionsDataset",
        "ItemsDataset",
    ]


def test_fails_synth_naming_the_field_when_data_is_elsewhere(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a config naming a file outside both roots
    path = _beside(tmp_path / "work", data="../secret.txt")
    # WHEN the app synthesizes it / THEN it exits 1 with the loader's message, no traceback
    assert app.run(cdk.App(), str(path), None) == 1
    err = capsys.readouterr().err
    assert "datasets.interactions.data: '../secret.txt' resolves to" in err
    assert "Traceback" not in err


# ---- parse errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        f"project: x\nkey: {SECRET}: more\n",  # ScannerError: a mapping value where none may be
        f"project: x\n- {SECRET}\n",  # ParserError: a sequence item inside a mapping
        f"project: x\nsecret: *{SECRET}\n",  # ComposerError: an undefined alias (its name is content)
        f'project: x\nsecret: "{SECRET}\n',  # ScannerError: an unclosed quote
        f"project: x\nsecret: !!python/name:{SECRET} x\n",  # ConstructorError: the tag is content
    ],
)
def test_fails_naming_file_line_and_column_never_the_content(tmp_path: Path, text: str) -> None:
    # GIVEN a broken file that holds a secret (PyYAML's own message quotes it)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(yaml.YAMLError) as raw:
        yaml.safe_load(text)
    assert SECRET in str(raw.value)
    # WHEN it is loaded / THEN the error names file, line and column, and not one byte of the secret
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert re.search(rf"not valid YAML at {re.escape(str(path))}:\d+:\d+: ", message), message
    assert SECRET not in message


def test_fails_without_the_content_when_a_config_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe" + SECRET.encode())
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "not UTF-8 text" in str(err.value) and SECRET not in str(err.value)


# ---- the KMS key ------------------------------------------------------------------------------
def _with_key(key: str, env: dict[str, str] | None) -> dict[str, Any]:
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for ds in raw["datasets"].values():
        ds["schema"] = str(CONFIG / ds["schema"])
        ds["data"] = str(CONFIG / ds["data"])
    raw["dataset_group"]["kms_key_arn"] = key
    if env is not None:
        raw["env"] = env
    return raw


@pytest.mark.parametrize(
    "key",
    [
        "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",  # another account
        "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",  # another region
    ],
)
def test_fails_when_the_kms_key_is_outside_the_env_account_or_region(tmp_path: Path, key: str) -> None:
    path = _write(tmp_path / "kms.yaml", _with_key(key, {"account": "111111111111", "region": "us-east-1"}))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = _problem(err, "dataset_group.kms_key_arn")
    assert "env deploys to account 111111111111, region us-east-1" in message


def test_a_kms_key_of_the_env_account_and_region_is_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "kms.yaml", _with_key(KEY_IN_DEV, {"account": "111111111111", "region": "us-east-1"})
    )
    cfg = load_config(path)
    assert cfg.dataset_group.kms_key_arn == KEY_IN_DEV
    assert warnings(cfg) == []


def test_a_kms_key_without_env_warns_once_at_synth() -> None:
    # GIVEN a config with a key and no env
    cfg = load_config(write_config(_with_key(KEY_IN_DEV, None)))
    # WHEN its stack is built
    stack = personalize_stack(cdk.App(), cfg)
    # THEN synth shows one warning naming the field and what to do
    shown = [
        str(entry.data)
        for entry in stack.node.metadata
        if entry.type == "aws:cdk:warning" and "kms_key_arn" in str(entry.data)
    ]
    assert len(shown) == 1
    assert "dataset_group.kms_key_arn: the key is in account 111111111111, region us-east-1" in shown[0]
    assert "set env" in shown[0]


# ---- the role Personalize assumes -------------------------------------------------------------
def test_the_data_role_trusts_personalize_for_this_account_and_its_personalize_arns() -> None:
    # GIVEN the default template's role that Personalize assumes to read the data
    tpl = template()
    (role,) = [
        r
        for r in resources_of_type(tpl, "AWS::IAM::Role").values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "personalize.amazonaws.com"}
    ]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    # THEN both confused-deputy keys: this account, and any Personalize ARN of its region
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":personalize:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":*",
                    ],
                ]
            }
        },
    }
    # AND the bucket statement keeps the account only (the guide names no SourceArn for S3)
    (policy,) = resources_of_type(tpl, "AWS::S3::BucketPolicy").values()
    (reads,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "PersonalizeReadsTrainingData"
    ]
    assert reads["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
