"""Synthesize a config in-process, once per config per test session, and keep it between runs.

The first synth in a process costs seconds (jsii start-up); later ones a fraction of that,
so every test that needs a template shares these results instead of synthesizing again.
Assemblies are kept in `.cache/synth/` under a key of everything a synth reads
(`synth_cache`): a run in which no input changed synthesizes nothing, and
`tests/test_determinism.py` checks the kept default assembly against a fresh CLI synth.
"""

import copy
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk

from app import build_app
from ops.assembly import read_assembly, read_manifest
from tests.support import synth_cache

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "config" / "default.yaml"


_ASSEMBLIES: list[Path] = []


def assemblies() -> list[Path]:
    """Every assembly synthesized in this process (the deploy simulator publishes assets from them)."""
    return list(_ASSEMBLIES)


def remember(assembly: Path) -> None:
    """An assembly synthesized elsewhere (the benchmark's) whose assets deploys may publish."""
    _ASSEMBLIES.append(assembly)


def cdk_json_context() -> dict[str, Any]:
    """The context `cdk synth` passes (cdk.json's), for in-process apps."""
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text())["context"]
    return context


def _synthesize(config_path: str, outdir: Path) -> None:
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    build_app(config_path, app)
    app.synth()


@cache
def synth_dir(config_path: str) -> Path:
    """The assembly directory of `config_path` (read only): kept from an earlier run, or synthesized."""
    outdir = synth_cache.kept(config_path, lambda work: _synthesize(config_path, work))
    _ASSEMBLIES.append(outdir)
    return outdir


def templates(config_path: str | Path = DEFAULT_CONFIG) -> dict[str, dict[str, Any]]:
    """Stack name → template dict of a synthesized config."""
    return {stack.name: stack.template for stack in read_assembly(synth_dir(str(config_path))).values()}


def template(config_path: str | Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """The single Personalize stack's template of a config."""
    (only,) = templates(config_path).values()
    return only


def default_raw_config() -> dict[str, Any]:
    """The default config as a dict, with its paths made absolute (for variants)."""
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for ds in raw.get("datasets", {}).values():
        for key in ("schema", "data"):
            ds[key] = str((DEFAULT_CONFIG.parent / ds[key]).resolve())
    return raw


def write_config(raw: dict[str, Any], directory: Path | None = None) -> Path:
    """Write a config variant to a YAML file (deterministic name by content) and return its path."""
    text = yaml.safe_dump(raw, sort_keys=True)
    directory = directory or Path(tempfile.gettempdir()) / "personalize-cdk-test-configs"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"config-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml"
    path.write_text(text)
    return path


def variant(**changes: Any) -> dict[str, Any]:
    """A deep copy of the default config with top-level keys replaced."""
    raw = copy.deepcopy(default_raw_config())
    raw.update(changes)
    return raw


def manifest(config_path: str | Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """The cloud assembly manifest (manifest.json) of a synthesized config."""
    return read_manifest(synth_dir(str(config_path)))


def template_files(config_path: str | Path = DEFAULT_CONFIG) -> list[Path]:
    """Paths of every stack template a config synthesizes to (for tools that read files)."""
    return sorted(stack.template_file for stack in read_assembly(synth_dir(str(config_path))).values())


EXISTING_DATASET_GROUP_ARN = "arn:aws:personalize:us-east-1:111111111111:dataset-group/existing-news"


def existing_group_config() -> Path:
    """The default config turned into one that trains in an existing dataset group (no datasets)."""
    return write_config(variant(dataset_group={"arn": EXISTING_DATASET_GROUP_ARN}, datasets={}))
