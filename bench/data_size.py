"""Section 6: data size. Synth cost with a local interactions CSV of 1 MB, 100 MB and 1 GB.

Each CSV is generated into a temp dir (deleted after) by repeating the default example's rows,
and a config naming it is synthesized by the CLI (`npx --no-install cdk synth --quiet`), run
under `/usr/bin/time` for the peak RSS of the largest process in the tree (wait4's ru_maxrss is
the largest descendant's, not a sum). The empty app is the floor. The 1 GB file is also hashed
once in Python (sha256, 1 MiB reads): synth at 1 GB should cost the 1 MB synth plus about that.
Template counts compare the committed snapshot before BucketDeployment was replaced with now.
The copy rows are arithmetic, not measurements: the copy client's read timeout from S3's
documented limits and an assumed copy rate (`lambda_handlers/copy_limits.py`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.report import REPO, Row, bench_env, median, python, spread
from lambda_handlers import copy_limits as cl
from lambda_handlers.constants import HANDLER_TIMEOUT_SECONDS

SECTION = "6. Data size"
SIZES = {"1 MB": 10**6, "100 MB": 10**8, "1 GB": 10**9}
RUNS = 2
TIMEOUT = 900
TIME_BIN = Path("/usr/bin/time")
SNAPSHOT = "tests/snapshots/default.template.json"
DEFAULT_CONFIG = REPO / "config" / "default.yaml"


def write_csv(path: Path, size: int) -> None:
    """`size` bytes (to the row) of the example's interaction rows, repeated, streamed to disk."""
    lines = (DEFAULT_CONFIG.parent / "data" / "interactions.csv").read_bytes().splitlines(keepends=True)
    header, rows = lines[0], b"".join(lines[1:])
    with path.open("wb") as out:
        out.write(header)
        written = len(header)
        while written < size:
            remaining = size - written
            chunk = rows if remaining >= len(rows) else rows[: rows.rfind(b"\n", 0, remaining) + 1]
            if not chunk:
                break
            out.write(chunk)
            written += len(chunk)


def write_config(directory: Path, csv: Path) -> Path:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for dataset in raw["datasets"].values():
        for key in ("schema", "data"):
            dataset[key] = str((DEFAULT_CONFIG.parent / dataset[key]).resolve())
    raw["datasets"]["interactions"]["data"] = str(csv)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def synth(outdir: Path, *, config: Path | None = None, app: str | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MB of the largest process) of one CLI synth."""
    command = ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(outdir)]
    if config is not None:
        command += ["-c", f"config={config}"]
    if app is not None:
        command += ["--app", app]
    started = time.perf_counter()
    done = subprocess.run(
        [str(TIME_BIN), "-f", "maxrss_kb=%M", *command],
        cwd=REPO,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cdk synth exited {done.returncode}: {done.stderr.strip()[-300:]}")
    peak = re.search(r"maxrss_kb=(\d+)", done.stderr)
    if peak is None:
        raise RuntimeError("no peak RSS in /usr/bin/time's output")
    return wall, int(peak.group(1)) / 1024


def hash_seconds(path: Path) -> float:
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return time.perf_counter() - started


def _counts(template: dict[str, Any]) -> Counter[str]:
    return Counter(r["Type"] for r in template["Resources"].values())


def _before() -> tuple[str, Counter[str]] | None:
    """The newest committed snapshot that still has BucketDeployment (its commit and counts)."""
    log = subprocess.run(
        ["git", "log", "--format=%h", "--", SNAPSHOT], cwd=REPO, capture_output=True, text=True, check=False
    )
    for rev in log.stdout.split():
        shown = subprocess.run(
            ["git", "show", f"{rev}:{SNAPSHOT}"], cwd=REPO, capture_output=True, text=True, check=False
        )
        if shown.returncode == 0 and "Custom::CDKBucketDeployment" in shown.stdout:
            return rev, _counts(json.loads(shown.stdout))
    return None


def _describe(counts: Counter[str]) -> str:
    return (
        f"{sum(counts.values())} resources, {counts['AWS::Lambda::Function']} Lambda functions, "
        f"{counts['AWS::Lambda::LayerVersion']} layers, "
        f"{counts['Custom::CDKBucketDeployment']} Custom::CDKBucketDeployment"
    )


def copy_rows() -> list[Row]:
    """The data copy's timeout arithmetic (no measurement: S3 copies cannot be timed here)."""
    mib, seconds = cl.CALL_BYTES // cl.MIB, cl.CALL_BYTES / cl.COPY_RATE
    rate = f"{cl.COPY_RATE // cl.MIB} MiB/s (ASSUMED: no AWS page states a copy rate)"
    return [
        Row(
            SECTION,
            "copy: largest bytes in one call (CopyObject ≤ 5 GB; part 5 MiB–5 GiB)",
            f"{mib} MiB",
            "",
            f"single-copy threshold {cl.SINGLE_COPY_MAX // cl.MIB} MiB, part {cl.PART_SIZE // cl.MIB} MiB; "
            f"largest file {cl.MAX_PARTS} parts = {cl.LARGEST_FILE // 2**30} GiB",
        ),
        Row(
            SECTION,
            f"copy: read timeout at {rate}, margin {cl.MARGIN}",
            f"{cl.COPY_READ_TIMEOUT} s",
            f"≥ {mib} MiB / {cl.COPY_RATE // cl.MIB} MiB/s x {cl.MARGIN} = {seconds * cl.MARGIN:.1f} s",
            f"one call at the assumed rate: {seconds:.1f} s",
        ),
        Row(
            SECTION,
            f"copy: worst call, {cl.COPY_ATTEMPTS} attempts all timing out",
            f"{cl.worst_call_seconds()} s",
            f"≤ {HANDLER_TIMEOUT_SECONDS} s handler timeout",
            f"{cl.COPY_ATTEMPTS} x ({cl.CONNECT_TIMEOUT} + {cl.COPY_READ_TIMEOUT}) "
            f"+ {cl.RETRY_BACKOFF_MAX} s backoff",
        ),
    ]


def measure() -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-data-"))
    walls: dict[str, list[float]] = {}
    peaks: dict[str, list[float]] = {}
    hashed = 0.0
    try:
        configs: dict[str, Path | None] = {"empty app": None}
        for label, size in SIZES.items():
            directory = work / label.replace(" ", "")
            directory.mkdir()
            csv = directory / "interactions.csv"
            write_csv(csv, size)
            if label == "1 GB":
                hashed = hash_seconds(csv)
            configs[label] = write_config(directory, csv)
        empty_app = f'"{python()}" bench/empty_app.py'
        for i in range(RUNS):
            order = list(configs) if i % 2 == 0 else list(reversed(configs))
            for label in order:
                out = work / f"out-{i}"
                config = configs[label]
                wall, peak = synth(out, config=config, app=None if config else empty_app)
                walls.setdefault(label, []).append(wall)
                peaks.setdefault(label, []).append(peak)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base_wall, base_peak = median(walls["1 MB"]), median(peaks["1 MB"])
    rows = []
    for label in ("empty app", *SIZES):
        wall, peak = median(walls[label]), median(peaks[label])
        goal, note = "", "floor: one empty stack, same CLI and context"
        if label in SIZES:
            delta = f"{wall - base_wall:+.2f} s, {peak - base_peak:+.0f} MB"
            note = f"default config, interactions CSV of {label}; vs 1 MB: {delta}"
        if label == "1 GB":
            goal = f"≤ {base_wall + hashed:.2f} s (1 MB + one hash of 1 GB); ≤ {base_peak + 100:.0f} MB"
        rows.append(
            Row(
                SECTION,
                f"`cdk synth` with {label}" if label in SIZES else "`cdk synth` empty app",
                f"{spread(walls[label])}; peak RSS {peak:.0f} MB "
                f"({min(peaks[label]):.0f}–{max(peaks[label]):.0f})",
                goal,
                note,
            )
        )
    rows.append(Row(SECTION, "sha256 of the 1 GB file once (python, 1 MiB reads)", f"{hashed:.2f} s"))
    after = _counts(json.loads((REPO / SNAPSHOT).read_text(encoding="utf-8")))
    before = _before()
    if before is not None:
        rev, counts = before
        rows.append(
            Row(SECTION, f"default template before (BucketDeployment, snapshot at {rev})", _describe(counts))
        )
    rows.append(Row(SECTION, "default template now (asset + Custom::PersonalizeDataCopy)", _describe(after)))
    return rows + copy_rows()


if __name__ == "__main__":
    for row in measure():
        print(row)
