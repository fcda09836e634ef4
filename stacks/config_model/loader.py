"""Read a YAML config, resolve its paths against the file, validate, and report every problem.

A config may name a base config with `extends: ../default.yaml` (relative to the file); the
base is read first (its own paths resolved against itself, its own `extends` followed), then
this file is deep-merged over it (rules in `merge.py`), then the result is validated once.

Every file a config names (a dataset's schema and data, the `extends` base) must lie inside the
repository or the naming config's folder once symlinks are followed (`paths.py`); a parse error
names file, line and column only, never the text it read.
"""

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stacks.config_model import paths, rules
from stacks.config_model.errors import ConfigError, Problem
from stacks.config_model.merge import MergeError, deep_merge
from stacks.config_model.model import AppConfig


def field_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as the config's field path: `solutions[0].training.gates`."""
    out = ""
    for part in loc:
        if isinstance(part, str) and part.startswith("("):
            continue  # a tagged union's branch (model.GateValue), not a field
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _resolve_paths(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """Dataset schema and data paths, and batch job inputs, are relative to the YAML file that
    names them, and must stay inside the repository or that file's folder (`paths.confined`)."""
    problems: list[Problem] = []
    datasets = raw.get("datasets")
    if isinstance(datasets, dict):
        for kind, ds in datasets.items():
            if not isinstance(ds, dict):
                continue
            for key in ("schema", "data"):
                value = ds.get(key)
                if isinstance(value, str) and not value.startswith("s3://"):
                    ds[key] = str(paths.confined(f"datasets.{kind}.{key}", value, path, problems))
    for i, job in enumerate(raw.get("batch_jobs") or []):
        value = job.get("input") if isinstance(job, dict) else None
        if isinstance(value, str) and not value.startswith("s3://"):
            job["input"] = str(paths.confined(f"batch_jobs[{i}].input", value, path, problems))
    if problems:
        raise ConfigError(_shown(path), problems)
    return raw


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(str(path), [Problem("", "config file not found")])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise paths.yaml_error(path, exc) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), [Problem("", "not UTF-8 text; a config is a YAML file")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), [Problem("", "the top level must be a mapping")])
    return _resolve_paths(raw, path)


EXTENDS_KEY = "extends"


def _shown(path: Path) -> str:
    """A path as a person reads it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.path.normpath(str(path))


def read_merged(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """The raw config of `path` with its `extends` chain merged in, and the files read (head first)."""
    raw = read_yaml(path)
    base_name = raw.pop(EXTENDS_KEY, None)
    if base_name is None:
        return raw, [_shown(path)]
    chain = (*_chain, path.resolve())
    if not isinstance(base_name, str) or not base_name:
        raise ConfigError(_shown(path), [Problem(EXTENDS_KEY, "must be the path of a base config file")])
    base_path = path.parent / base_name
    problems: list[Problem] = []
    paths.confined(EXTENDS_KEY, base_name, path, problems)
    if problems:
        raise ConfigError(_shown(path), problems)
    if base_path.resolve() in chain:
        cycle = " -> ".join([*(_shown(p) for p in chain), _shown(base_path)])
        raise ConfigError(_shown(path), [Problem(EXTENDS_KEY, f"extends itself in a cycle: {cycle}")])
    if not base_path.is_file():
        raise ConfigError(_shown(path), [Problem(EXTENDS_KEY, f"base config not found: {_shown(base_path)}")])
    base, files = read_merged(base_path, chain)
    try:
        merged = deep_merge(base, raw)
    except MergeError as exc:
        raise ConfigError(_shown(path), exc.problems) from None
    return merged, [_shown(path), *files]


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key; check its spelling against config/config.schema.json or remove it"
    return str(error["msg"]).removeprefix("Value error, ")


def validate(raw: dict[str, Any], source: str) -> AppConfig:
    """Parse then check; raise one ConfigError naming every problem by field path."""
    try:
        cfg = AppConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [Problem(field_path(e["loc"]), _message(e)) for e in exc.errors()]
        raise ConfigError(source, problems) from None
    problems = rules.check(cfg)
    if problems:
        raise ConfigError(source, problems)
    return cfg


def load_config(path: str | Path) -> AppConfig:
    path = Path(path)
    raw, files = read_merged(path)
    source = str(path) if len(files) == 1 else f"{path} (extends {' -> '.join(files[1:])})"
    return validate(raw, source)
