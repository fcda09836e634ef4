"""Cloud assemblies kept between runs under `.cache/synth/`, keyed by everything a synth reads.

Tests and `make rehearse` synthesize through it (`ops/synth.py`).

A synth costs seconds (the first in a process, jsii's start, several); the suite synthesizes
about forty configs. When nothing a synth reads has changed since the last run, the assembly
it would write is the one already on disk, byte for byte: `tests/test_determinism.py`
checks exactly that, every run, by comparing a fresh `cdk synth` through the CLI with the
assembly this cache hands out for the default config.

The key (`assembly_key`) is the SHA-256 of:
- the app's code and settings: app.py, cdk.json, package.json (the pipeline installs the
  versions it pins), every file under stacks/, lambda_handlers/
  (the handler asset) and config/, and this module and `synth.py` (the in-process synth);
- the config file's text and every file it names (schemas, data files, `extends` bases,
  stage configs), found by walking its YAML for strings naming an existing file, relative
  to the config or absolute;
- the versions of Python, aws-cdk-lib, constructs, cdk-nag and jsii, and Node's;
- the CDK environment variables a synth may read.

`make clean` removes the cache; `SYNTH_CACHE=0` turns it off for a run. Entries unused for
7 days are pruned when a new one is written.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / ".cache" / "synth"
FORMAT = "1"  # bump when what an entry holds changes
APP_FILES = ("app.py", "cdk.json", "package.json")
APP_TREES = ("stacks", "lambda_handlers", "config")
OWN_FILES = (Path(__file__), Path(__file__).with_name("synth.py"))
PACKAGES = ("aws-cdk-lib", "constructs", "cdk-nag", "jsii")
ENV_VARS = (
    "CDK_DEFAULT_ACCOUNT",
    "CDK_DEFAULT_REGION",
    "CDK_CONTEXT_JSON",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)
UNUSED_DAYS = 7


def enabled() -> bool:
    return os.environ.get("SYNTH_CACHE", "1") != "0"


def _files(tree: Path) -> Iterator[Path]:
    for path in sorted(tree.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "no node"


def app_digest(repo: Path, own_files: tuple[Path, ...] = ()) -> str:
    """Code, settings and tool versions of a checkout: what every config's synth reads."""
    h = hashlib.sha256(FORMAT.encode())
    paths = [repo / name for name in APP_FILES] + [p for tree in APP_TREES for p in _files(repo / tree)]
    for path in paths:
        h.update(f"{path.relative_to(repo)}\0{_digest(path)}\n".encode())
    for path in own_files:
        h.update(f"{path.name}\0{_digest(path)}\n".encode())
    h.update(sys.version.encode())
    for package in PACKAGES:
        h.update(f"{package}=={version(package)}\n".encode())
    h.update(_node_version().encode())
    return h.hexdigest()


@cache
def _app_part() -> str:
    """This checkout's `app_digest`, with how the in-process synth works: hashed once per process."""
    return app_digest(REPO, OWN_FILES)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _named_files(config: Path, seen: set[Path]) -> Iterator[Path]:
    """The config and every file it names, recursively (an `extends` base names files too)."""
    config = config.resolve()
    if config in seen or not config.is_file():
        return
    seen.add(config)
    yield config
    if config.suffix not in (".yaml", ".yml"):
        return
    try:
        loaded = yaml.safe_load(config.read_text())
    except yaml.YAMLError:
        return
    for text in _strings(loaded):
        if "\n" in text or len(text) > 1024:
            continue
        candidate = Path(text) if Path(text).is_absolute() else config.parent / text
        if candidate.is_file():
            yield from _named_files(candidate, seen)


def assembly_key(config_path: str | Path, kind: str = "app") -> str:
    """Everything a synth of this config reads, hashed (see the module docstring)."""
    config = Path(config_path).resolve()
    h = hashlib.sha256(f"{_app_part()}\0{kind}\n".encode())
    for path in sorted(_named_files(config, set())):
        h.update(f"{path}\0{_digest(path)}\n".encode())
    for name in ENV_VARS:
        h.update(f"{name}={os.environ.get(name, '')}\n".encode())
    return h.hexdigest()


def kept(config_path: str | Path, synthesize: Callable[[Path], None], *, kind: str = "app") -> Path:
    """The assembly `synthesize` writes for this config: the kept one, or with SYNTH_CACHE=0 a
    fresh one in a temporary directory removed when the process ends. Read only."""
    if not enabled():
        outdir = Path(tempfile.mkdtemp(prefix=f"cdk-{kind}-test-"))
        atexit.register(shutil.rmtree, outdir, ignore_errors=True)
        synthesize(outdir)
        return outdir
    return assembly(assembly_key(config_path, kind), synthesize)


def assembly(key: str, synthesize: Callable[[Path], None], root: Path = ROOT) -> Path:
    """The assembly stored under `key`, synthesizing it into a new entry when there is none.

    Entries are written to a temporary directory and renamed into place, so two test workers
    synthesizing the same config never see half an entry. Callers read it and never write.
    """
    entry = root / key
    if (entry / "manifest.json").is_file():
        os.utime(entry)
        return entry
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=root))
    try:
        synthesize(work)
        work.rename(entry)
    except OSError:
        if not (entry / "manifest.json").is_file():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _prune(root)
    return entry


def _prune(root: Path) -> None:
    cutoff = time.time() - UNUSED_DAYS * 86400
    for old in root.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
