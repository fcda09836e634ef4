"""Templates of configs for tests: the in-process synth (`ops/synth.py`, kept between runs) and
variants of the default config written to content-named files.
"""

import copy
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ops.assembly import read_assembly, read_manifest
from ops.synth import REPO, assemblies, cdk_json_context, remember, synth_dir, templates

__all__ = ["REPO", "assemblies", "cdk_json_context", "remember", "synth_dir", "templates"]

DEFAULT_CONFIG = REPO / "config" / "default.yaml"


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
