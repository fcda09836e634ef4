"""The synth cache (ops/synth_cache.py) hands out an assembly only for the same inputs.

Its correctness against a real synth is checked by tests/test_determinism.py (a fresh CLI synth
against the kept default assembly); here: what changes the key, and how entries are written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ops import synth_cache
from tests.support.synth import DEFAULT_CONFIG


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the default config and the files it names, in a directory of its own."""
    shutil.copytree(DEFAULT_CONFIG.parent / "data", tmp_path / "data")
    shutil.copytree(DEFAULT_CONFIG.parent / "schemas", tmp_path / "schemas")
    path = tmp_path / "config.yaml"
    shutil.copy(DEFAULT_CONFIG, path)
    return path


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The files of a checkout the app digest reads, one of each kind."""
    repo = tmp_path / "repo"
    for name in (
        "app.py",
        "cdk.json",
        "package.json",
        "stacks/stack.py",
        "lambda_handlers/entry.py",
        "config/default.yaml",
    ):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(f"# {name}\n")
    return repo


def test_the_key_is_the_same_for_the_same_inputs(config: Path) -> None:
    # GIVEN a config / WHEN its key is computed twice / THEN it is the same
    assert synth_cache.assembly_key(config) == synth_cache.assembly_key(config)


def test_the_key_changes_with_a_data_file_the_config_names(config: Path) -> None:
    # GIVEN the key of a config
    before = synth_cache.assembly_key(config)
    # WHEN one row is added to the interactions file it names
    data = config.parent / "data" / "interactions.csv"
    data.write_text(data.read_text() + "U001,A0001,1767225600,click\n")
    # THEN the key changes (the data asset's hash is in the template)
    assert synth_cache.assembly_key(config) != before


def test_the_key_changes_with_the_config_text_and_the_kind(config: Path) -> None:
    # GIVEN the key of a config
    before = synth_cache.assembly_key(config)
    # WHEN a value changes
    raw = yaml.safe_load(config.read_text())
    raw["campaigns"][0]["min_provisioned_tps"] = 7
    config.write_text(yaml.safe_dump(raw))
    # THEN the key changes; AND the same file read as a pipeline file has another key
    assert synth_cache.assembly_key(config) != before
    assert synth_cache.assembly_key(config, kind="pipeline") != synth_cache.assembly_key(config)


def test_the_key_changes_with_the_cdk_environment(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the key of a config / WHEN CDK_DEFAULT_ACCOUNT is set / THEN the key changes
    before = synth_cache.assembly_key(config)
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    assert synth_cache.assembly_key(config) != before


def test_the_app_digest_changes_with_handler_code_but_not_with_bytecode(checkout: Path) -> None:
    # GIVEN the digest of a checkout
    before = synth_cache.app_digest(checkout)
    # WHEN Python writes bytecode next to a handler
    (checkout / "lambda_handlers" / "__pycache__").mkdir()
    (checkout / "lambda_handlers" / "__pycache__" / "entry.cpython-311.pyc").write_bytes(b"\0")
    # THEN nothing changes (the handler asset excludes it)
    assert synth_cache.app_digest(checkout) == before
    # WHEN a handler changes / THEN the digest changes
    (checkout / "lambda_handlers" / "entry.py").write_text("# changed\n")
    assert synth_cache.app_digest(checkout) != before


def test_the_app_digest_changes_with_the_npm_pins(checkout: Path) -> None:
    # GIVEN the digest of a checkout WHEN package.json pins another cdk-assets (the pipeline installs it)
    before = synth_cache.app_digest(checkout)
    (checkout / "package.json").write_text('{"devDependencies": {"cdk-assets": "9.9.9"}}\n')
    # THEN the digest changes: a kept pipeline assembly is not handed out
    assert synth_cache.app_digest(checkout) != before


def test_a_kept_entry_is_handed_out_without_synthesizing(tmp_path: Path) -> None:
    # GIVEN an entry written by a first synth
    synths: list[Path] = []

    def synthesize(outdir: Path) -> None:
        synths.append(outdir)
        (outdir / "manifest.json").write_text("{}")

    first = synth_cache.assembly("k" * 64, synthesize, root=tmp_path)
    # WHEN the same key is asked for again
    second = synth_cache.assembly("k" * 64, synthesize, root=tmp_path)
    # THEN the same entry comes back and the synth ran once, into a directory now gone
    assert first == second == tmp_path / ("k" * 64)
    assert len(synths) == 1 and not synths[0].exists()
    assert (second / "manifest.json").read_text() == "{}"


def test_fails_when_the_synth_fails_and_leaves_no_entry(tmp_path: Path) -> None:
    # GIVEN a synth that raises (a config error) half-way through writing
    def synthesize(outdir: Path) -> None:
        (outdir / "half.json").write_text("{")
        raise ValueError("bad config")

    # WHEN its key is asked for / THEN the error reaches the test, and nothing is kept
    with pytest.raises(ValueError, match="bad config"):
        synth_cache.assembly("e" * 64, synthesize, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_entry_another_worker_wrote_meanwhile_wins(tmp_path: Path) -> None:
    # GIVEN another test worker that stores the same key while this one synthesizes
    key = "w" * 64

    def synthesize(outdir: Path) -> None:
        (outdir / "manifest.json").write_text('{"mine": true}')
        (tmp_path / key).mkdir()
        (tmp_path / key / "manifest.json").write_text('{"theirs": true}')

    # WHEN this worker's rename finds the entry there / THEN it uses that one, without an error
    entry = synth_cache.assembly(key, synthesize, root=tmp_path)
    assert (entry / "manifest.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [key]
