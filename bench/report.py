"""Table rows, sample summaries and the Markdown rendering of `make bench`."""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    section: str
    metric: str
    value: str
    goal: str = ""  # the floor, goal or limit the value is read against
    note: str = ""


def median(samples: Sequence[float]) -> float:
    return float(statistics.median(samples))


def spread(samples: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    """`median unit (min–max, n=N)`; a single sample is shown bare."""
    if not samples:
        return "no samples"
    med = f"{median(samples):.{digits}f}"
    if len(samples) == 1:
        return f"{med} {unit}".strip()
    low, high = f"{min(samples):.{digits}f}", f"{max(samples):.{digits}f}"
    return f"{med} {unit} ({low}–{high}, n={len(samples)})".replace("  ", " ")


def failed(section: str, metric: str, exc: BaseException) -> Row:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return Row(section, metric, f"failed: {text[:300]}")


def guarded(section: str, metric: str, produce: Callable[[], Iterable[Row]]) -> list[Row]:
    """Rows of `produce()`, or one "failed: <reason>" row if it raises (never aborts the run)."""
    try:
        return list(produce())
    except Exception as exc:
        return [failed(section, metric, exc)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: Iterable[Row]) -> str:
    lines = ["| Section | Metric | Measured | Floor / goal / limit | Note |", "|---|---|---|---|---|"]
    lines += [
        f"| {_cell(r.section)} | {_cell(r.metric)} | {_cell(r.value)} | {_cell(r.goal)} | {_cell(r.note)} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


# ---- shared by the sections -------------------------------------------------------------------
REPO = Path(__file__).resolve().parent.parent
VENV_PY = REPO / ".venv" / "bin" / "python"


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of every subprocess: quiet jsii, no CLI version check, offline-safe."""
    env = dict(os.environ)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.update(extra)
    return env


def python() -> str:
    """The venv's interpreter (falls back to this one when the venv is elsewhere)."""
    return str(VENV_PY) if VENV_PY.exists() else sys.executable
