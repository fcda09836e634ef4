"""Section 1: the synth floor. The default config against an app with one empty stack.

Both go through the same CLI (`npx --no-install cdk synth --quiet -o <tmp>`, run from the repo
root so cdk.json's context applies to both), interleaved, alternating which goes first. The
in-process probe (`python -m bench.synth_bench probe default|empty OUTDIR`) splits one synth
into import (Python modules + jsii kernel start), build (constructs) and synth (assembly).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import REPO, Row, bench_env, median, python, spread

SECTION = "1. Synth floor"
RUNS = 5
PROBE_RUNS = 3
GOAL_RATIO = 1.3
TIMEOUT = 180


def _cli(app: str | None, outdir: Path) -> float:
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(outdir)]
    if app is not None:
        command += ["--app", app]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cdk synth exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return elapsed


def _probe(kind: str, outdir: Path) -> tuple[float, dict[str, float]]:
    """Process wall time and the phases the probe reports."""
    command = [python(), "-m", "bench.synth_bench", "probe", kind, str(outdir)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"probe {kind} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    phases: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, phases


def measure() -> list[Row]:
    empty_app = f'"{python()}" bench/empty_app.py'
    cli: dict[str, list[float]] = {"default": [], "empty": []}
    work = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        for i in range(RUNS):
            order = ["default", "empty"] if i % 2 == 0 else ["empty", "default"]
            for kind in order:
                out = work / f"cli-{kind}-{i}"
                cli[kind].append(_cli(None if kind == "default" else empty_app, out))
                shutil.rmtree(out, ignore_errors=True)
        kinds = ("default", "default-nonag", "empty")
        probe: dict[str, list[float]] = {k: [] for k in kinds}
        phases: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
        for i in range(PROBE_RUNS):
            for kind in kinds if i % 2 == 0 else tuple(reversed(kinds)):
                out = work / f"probe-{kind}-{i}"
                wall, parts = _probe(kind, out)
                probe[kind].append(wall)
                for name, seconds in parts.items():
                    phases[kind].setdefault(name, []).append(seconds)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = median(cli["default"]) / median(cli["empty"])
    per_run = [d / e for d, e in zip(cli["default"], cli["empty"], strict=True)]
    rows = [
        Row(SECTION, "`cdk synth` default config (CLI)", spread(cli["default"])),
        Row(SECTION, "`cdk synth` empty app (CLI)", spread(cli["empty"])),
        Row(
            SECTION,
            "ratio default / empty (CLI, medians)",
            f"{ratio:.2f}× (per-pair {min(per_run):.2f}–{max(per_run):.2f})",
            f"≤ {GOAL_RATIO}",
            f"difference of medians {median(cli['default']) - median(cli['empty']):.2f} s; "
            "interleaved pairs, alternating order",
        ),
    ]
    notes = {"default-nonag": "same stack without the cdk-nag plugin (its cost)"}
    for kind in kinds:
        split = ", ".join(f"{name} {median(v):.2f}" for name, v in phases[kind].items())
        rows.append(
            Row(
                SECTION,
                f"in-process python, {kind}",
                spread(probe[kind]),
                "",
                f"phases (median s): {split}. {notes.get(kind, '')}".strip(),
            )
        )
    cli_overhead = median(cli["empty"]) - median(probe["empty"])
    inproc_ratio = median(probe["default"]) / median(probe["empty"])
    rows.append(
        Row(
            SECTION,
            "ratio default / empty (in-process python)",
            f"{inproc_ratio:.2f}×",
            "",
            f"the CLI adds ≈ {cli_overhead:.2f} s to the empty app's python process (node start, "
            "context, assembly read): a fixed cost that pulls the CLI ratio towards 1",
        )
    )
    return rows


# ---- the probe (runs in a fresh interpreter) --------------------------------------------------
def _run_probe(kind: str, outdir: str) -> dict[str, float]:
    t0 = time.perf_counter()
    import aws_cdk as cdk  # noqa: PLC0415 - the import is what is timed

    if kind == "default":
        from app import build_app  # noqa: PLC0415
    if kind == "default-nonag":
        from stacks.config_model import load_config  # noqa: PLC0415
        from stacks.stages import personalize_stack  # noqa: PLC0415

    t1 = time.perf_counter()
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=outdir, context=context)
    if kind == "default":
        build_app(str(REPO / "config" / "default.yaml"), app)
    elif kind == "default-nonag":
        personalize_stack(app, load_config(str(REPO / "config" / "default.yaml")))
    else:
        cdk.CfnWaitConditionHandle(cdk.Stack(app, "BenchEmpty"), "Nothing")
    t2 = time.perf_counter()
    app.synth()
    t3 = time.perf_counter()
    return {"import": t1 - t0, "build": t2 - t1, "synth": t3 - t2}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "probe":
        print(json.dumps(_run_probe(sys.argv[2], sys.argv[3])))
    else:
        for row in measure():
            print(row)
