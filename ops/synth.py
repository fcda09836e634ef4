"""Synthesize a config in-process, once per config per process, and keep it between runs.

The first synth in a process costs seconds (jsii start-up); later ones a fraction of that.
Assemblies are kept in `.cache/synth/` under a key of everything a synth reads
(`ops/synth_cache.py`): a run in which no input changed synthesizes nothing, and
`tests/test_determinism.py` checks the kept default assembly against a fresh CLI synth.
Tests (`tests/support/synth.py`) and `make rehearse` share it.
"""

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from ops import synth_cache
from ops.assembly import read_assembly

REPO = Path(__file__).resolve().parents[1]

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
    # jsii starts its Node process on import (seconds): only a synth pays for it, not a kept assembly.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk  # noqa: PLC0415

    from app import build_app  # noqa: PLC0415

    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    build_app(config_path, app)
    app.synth()


@cache
def synth_dir(config_path: str) -> Path:
    """The assembly directory of `config_path` (read only): kept from an earlier run, or synthesized."""
    outdir = synth_cache.kept(config_path, lambda work: _synthesize(config_path, work))
    _ASSEMBLIES.append(outdir)
    return outdir


def templates(config_path: str | Path) -> dict[str, dict[str, Any]]:
    """Stack name → template dict of a synthesized config."""
    return {stack.name: stack.template for stack in read_assembly(synth_dir(str(config_path))).values()}
