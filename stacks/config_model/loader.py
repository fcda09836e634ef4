"""Read a YAML config, resolve its paths against the file, validate, and report every problem."""

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stacks.config_model import rules
from stacks.config_model.errors import ConfigError, Problem
from stacks.config_model.model import AppConfig


def _path_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Dataset schema and data paths are relative to the YAML file that names them."""
    datasets = raw.get("datasets")
    if isinstance(datasets, dict):
        for ds in datasets.values():
            if not isinstance(ds, dict):
                continue
            for key in ("schema", "data"):
                value = ds.get(key)
                if isinstance(value, str) and not value.startswith("s3://"):
                    ds[key] = str((base / value).resolve())
    return raw


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(str(path), [Problem("", "config file not found")])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [Problem("", f"not valid YAML: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise ConfigError(str(path), [Problem("", "the top level must be a mapping")])
    return _resolve_paths(raw, path.parent)


def validate(raw: dict[str, Any], source: str) -> AppConfig:
    """Parse then check; raise one ConfigError naming every problem by field path."""
    try:
        cfg = AppConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [Problem(_path_of(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        raise ConfigError(source, problems) from None
    problems = rules.check(cfg)
    if problems:
        raise ConfigError(source, problems)
    return cfg


def load_config(path: str | Path) -> AppConfig:
    path = Path(path)
    return validate(read_yaml(path), str(path))
