"""Section 5: the test loop. `make test` on the warm checkout, timed: one run that fills the
synth cache if the checkout changed (not counted), then WARM_RUNS runs whose median is the
number; then one run with SYNTH_CACHE=0, every assembly synthesized again, as after a change
to stacks/ or lambda_handlers/. pytest's `--durations=15` (through PYTEST_ADDOPTS) of the last
warm run shows what dominates. When `make test` stops before pytest (lint, types), pytest
alone is timed the way the Makefile runs it.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import defaultdict

from bench.report import REPO, Row, bench_env, median, python

SECTION = "5. Test loop"
GOAL_SECONDS = 90
WARM_RUNS = 3
TIMEOUT = 1200
DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+)", re.MULTILINE)
SUMMARY = re.compile(r"^=*\s*(.*(?:passed|failed|error).*) in ([\d.]+)s", re.MULTILINE)


def _run(command: list[str], **env: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=REPO,
        env=bench_env(PYTEST_ADDOPTS="--durations=15", **env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def _what_dominates(output: str) -> list[Row]:
    found = DURATION.findall(output)
    if not found:
        return []
    by_file: dict[str, float] = defaultdict(float)
    for seconds, _phase, test in found:
        by_file[test.split("::")[0]] += float(seconds)
    top = sorted(found, key=lambda f: -float(f[0]))[:5]
    files = sorted(by_file.items(), key=lambda kv: -kv[1])[:4]
    return [
        Row(
            SECTION,
            "slowest tests (pytest --durations=15)",
            "; ".join(f"{float(s):.1f} s {phase} {test.split('::')[-1][:70]}" for s, phase, test in top),
            "",
            "top-15 seconds by file: " + ", ".join(f"{f} {s:.0f} s" for f, s in files),
        )
    ]


def measure() -> list[Row]:
    _run(["make", "-s", "test"])  # fills the synth cache when the checkout changed
    runs = [_run(["make", "-s", "test"]) for _ in range(WARM_RUNS)]
    wall, code, output = runs[-1]
    summary = SUMMARY.findall(output)
    if all(run_code == 0 for _, run_code, _ in runs):
        walls = [run_wall for run_wall, _, _ in runs]
        cold_wall, cold_code, cold_output = _run(["make", "-s", "test"], SYNTH_CACHE="0")
        cold_summary = SUMMARY.findall(cold_output)
        return [
            Row(
                SECTION,
                "`make test` wall time (warm checkout)",
                f"{median(walls):.1f} s ({min(walls):.1f}–{max(walls):.1f}, n={len(walls)})",
                f"≤ {GOAL_SECONDS} s",
                f"green; pytest: {summary[-1][0]} in {summary[-1][1]} s (last run)" if summary else "green",
            ),
            Row(
                SECTION,
                "`make test` with SYNTH_CACHE=0 (every assembly synthesized)",
                f"{cold_wall:.1f} s" + ("" if cold_code == 0 else f" (exit {cold_code}, not green)"),
                "",
                f"{cold_wall / median(walls):.2f}× the warm median; as after a change to stacks/ or "
                "lambda_handlers/" + (f"; pytest {cold_summary[-1][1]} s" if cold_summary else ""),
            ),
            *_what_dominates(output),
        ]
    tail = " ".join(output.strip().splitlines()[-1:])[:200]
    rows = [
        Row(
            SECTION,
            "`make test` wall time (warm checkout)",
            f"{wall:.1f} s (exit {code}, not green)",
            f"≤ {GOAL_SECONDS} s",
            f"last line: {tail}",
        )
    ]
    if summary:  # it got as far as pytest: that run is the measurement
        rows.append(
            Row(
                SECTION,
                "pytest inside `make test`",
                f"{float(summary[-1][1]):.1f} s",
                f"≤ {GOAL_SECONDS} s",
                summary[-1][0],
            )
        )
        return rows + _what_dominates(output)
    wall, code, output = _run([python(), "-m", "pytest", "-n", "2", "--dist", "worksteal", "-q"])
    summary = SUMMARY.findall(output)
    rows.append(
        Row(
            SECTION,
            "`pytest -n 2 --dist worksteal` wall time (make test stopped before pytest)",
            f"{wall:.1f} s",
            f"≤ {GOAL_SECONDS} s",
            (summary[-1][0] if summary else f"exit {code}") + ("" if code == 0 else " (not green)"),
        )
    )
    return rows + _what_dominates(output)


if __name__ == "__main__":
    for row in measure():
        print(row)
