"""Section 4: what the Lambda handlers cost: cold import time and peak memory of one isComplete.

Import: `python -X importtime -c "import <module>"` in fresh interpreters (modules interleaved
per round), median of the module's cumulative time, and how much of it is boto3 (which the
Lambda runtime ships but still imports on a cold start).

Memory: the deploy simulator deploys the default config against the fake Personalize (kept
serving); a child process (`python -m bench.handlers child ...`, run under `/usr/bin/time -v`
when present) imports the handlers, builds a boto3 client at the fake and makes one cold
isComplete call on the trained version (DescribeSolutionVersion + GetSolutionMetrics + EMF
line, the heaviest poll). It reports RSS before/after import, the peak RSS, and the
tracemalloc peak of a second (warm) call.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.report import REPO, Row, bench_env, median, python, spread

SECTION = "4. Handlers"
MODULES = (
    "lambda_handlers.entry",
    "lambda_handlers.solution",
    "lambda_handlers.solution_version",
    "lambda_handlers.training_wait",
    "lambda_handlers.campaign",
)
RUNS = 10
CURRENT_MEMORY_MB = 256
TIME_BIN = Path("/usr/bin/time")


def _import_times(module: str) -> tuple[float, float]:
    """(cumulative µs of `module`, cumulative µs of boto3 within it) in a fresh interpreter."""
    done = subprocess.run(
        [python(), "-X", "importtime", "-c", f"import {module}"],
        cwd=REPO,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and match.group(4) in (module, "boto3") and match.group(4) not in found:
            found[match.group(4)] = float(match.group(2))
    if module not in found:
        raise RuntimeError(f"no importtime line for {module}")
    return found[module], found.get("boto3", 0.0)


def import_rows() -> list[Row]:
    totals: dict[str, list[float]] = {m: [] for m in MODULES}
    boto: dict[str, list[float]] = {m: [] for m in MODULES}
    for i in range(RUNS):
        for module in MODULES if i % 2 == 0 else tuple(reversed(MODULES)):
            total, boto3_part = _import_times(module)
            totals[module].append(total / 1000)
            boto[module].append(boto3_part / 1000)
    return [
        Row(
            SECTION,
            f"cold import `{module}`",
            spread(totals[module], "ms", 0),
            "",
            f"of which boto3 {median(boto[module]):.0f} ms; ours ≈ "
            f"{median([t - b for t, b in zip(totals[module], boto[module], strict=True)]):.0f} ms "
            "(python -X importtime, fresh interpreter each)",
        )
        for module in MODULES
    ]


def memory_rows() -> list[Row]:
    from bench.deploy_work import ASSEMBLIES, simulated  # noqa: PLC0415
    from bench.scale import synth  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="bench-handlers-"))
    try:
        template = synth(REPO / "config" / "default.yaml", work / "out")["template"]
        ASSEMBLIES.append(work / "out")
        with simulated() as (sim, fake, _client):
            result = sim.deploy(template)
            if not result.ok:
                raise RuntimeError(f"deploy {result.status}")
            lid = next(
                lid
                for lid, r in template["Resources"].items()
                if r["Type"] == "Custom::PersonalizeSolutionVersion"
            )
            request = [r for r in sim.requests if r["LogicalResourceId"] == lid][-1]
            res = sim.resources[lid]
            data = dict(res.attributes)
            event = {**request, "PhysicalResourceId": res.physical_id, "Data": data}
            now = float(data.get("StartedAt") or sim.clock.now()) + 60
            event_file = work / "event.json"
            event_file.write_text(json.dumps(event))
            command = [
                python(),
                "-m",
                "bench.handlers",
                "child",
                str(fake.endpoint_url),
                str(event_file),
                str(now),
            ]
            if TIME_BIN.exists():
                command = [str(TIME_BIN), "-v", *command]
            done = subprocess.run(
                command, cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=120, check=False
            )
        if done.returncode != 0:
            raise RuntimeError(f"child exited {done.returncode}: {done.stderr.strip()[-300:]}")
        child = json.loads(done.stdout.strip().splitlines()[-1])
        time_v = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peak_mb = int(time_v.group(1)) / 1024 if time_v else child["maxrss_mb"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [
        Row(
            SECTION,
            "one cold isComplete (ACTIVE version: describe + metrics), peak RSS",
            f"{peak_mb:.0f} MB",
            f"Lambda memory now {CURRENT_MEMORY_MB} MB",
            f"RSS: interpreter {child['rss_start_mb']:.0f} MB → after handler import "
            f"{child['rss_imported_mb']:.0f} MB → after the call {child['rss_after_mb']:.0f} MB; "
            f"call {child['cold_call_ms']:.0f} ms cold (client + model load), "
            f"{child['warm_call_ms']:.0f} ms warm; "
            f"tracemalloc peak of a warm call {child['warm_peak_kb']:.0f} KiB; "
            f"complete={child['complete']}",
        )
    ]


def measure() -> list[Row]:
    return import_rows() + memory_rows()


# ---- the child (a fresh interpreter, like a Lambda cold start) --------------------------------
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(endpoint: str, event_file: str, now: float) -> dict[str, Any]:
    rss_start = _rss_mb()
    import boto3  # noqa: PLC0415 - what a cold start imports is what is measured
    from botocore.config import Config  # noqa: PLC0415

    from lambda_handlers import entry  # noqa: PLC0415
    from lambda_handlers.deps import Deps  # noqa: PLC0415

    rss_imported = _rss_mb()
    event = json.loads(Path(event_file).read_text())
    lines: list[str] = []
    started = time.perf_counter()
    client = boto3.client(
        "personalize",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"mode": "standard"}),
    )
    deps = Deps(personalize=client, now=lambda: now, log=lines.append, stack_id=event["StackId"])
    answer = entry.handle_is_complete(event, deps)
    cold_ms = (time.perf_counter() - started) * 1000
    rss_after = _rss_mb()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    started = time.perf_counter()
    entry.handle_is_complete(event, deps)
    warm_ms = (time.perf_counter() - started) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rss_start_mb": rss_start,
        "rss_imported_mb": rss_imported,
        "rss_after_mb": rss_after,
        "maxrss_mb": maxrss_mb,
        "cold_call_ms": cold_ms,
        "warm_call_ms": warm_ms,
        "warm_peak_kb": peak / 1024,
        "complete": bool(answer.get("IsComplete")),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        print(json.dumps(_child(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
    else:
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        for row in measure():
            print(row)
