"""Section 2: how the stack grows with solutions, and the largest config that fits one stack.

Generated configs (the default one with N solutions, each with a campaign, written to a tmp
dir with absolute dataset paths) are synthesized in this process (after one warm-up synth, so
jsii start-up is not counted). A straight line through the measured points per
`max_wait_minutes` gives the largest N under each CloudFormation limit and under IAM's inline
policy limit of the one handler role (which lists every solution and campaign ARN).
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import REPO, Row, spread
from ops.assembly import read_assembly
from ops.chain import training_chains

SECTION = "2. Scale"
COUNTS = (1, 5, 10)
WAITS = (240, 720)
SYNTH_REPEATS = 2
DEFAULT_CONFIG = REPO / "config" / "default.yaml"
NAME_MAX = 63

# CloudFormation quotas per stack / template (the template counted as the CLI uploads it).
LIMITS: dict[str, float] = {"resources": 500, "outputs": 200, "template_bytes": 1_000_000}
LIMIT_TEXT = "500 resources, 200 outputs, 1 MB template"
# Not a hard stop: past ~10,000 characters CDK moves the handler role's statements into
# `OverflowPolicy` managed policies (one more resource each), so this only feeds a note.
INLINE_POLICY_CHARS = 10_000


@dataclass
class Point:
    count: int
    max_wait: int
    synth_seconds: list[float]
    template_bytes: int
    resources: int
    outputs: int
    functions: int
    custom_per_solution: float
    handler_policy_chars: int


def base_config() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for dataset in raw.get("datasets", {}).values():
        for key in ("schema", "data"):
            dataset[key] = str((DEFAULT_CONFIG.parent / dataset[key]).resolve())
    return raw


def scaled_config(count: int, max_wait: int) -> dict[str, Any]:
    """N solutions (alternating recipes), each with a campaign, all waiting `max_wait` minutes."""
    raw = copy.deepcopy(base_config())
    recipes = ("aws-user-personalization", "aws-personalized-ranking")
    raw["solutions"] = [
        {
            "name": f"solution-{i:02d}",
            "recipe": recipes[i % 2],
            "training": {"mode": "FULL", "trigger": "v1", "max_wait_minutes": max_wait},
        }
        for i in range(1, count + 1)
    ]
    raw["campaigns"] = [
        {"name": f"campaign-{i:02d}", "solution": f"solution-{i:02d}", "min_provisioned_tps": 1}
        for i in range(1, count + 1)
    ]
    for kind in ("solutions", "campaigns"):
        for item in raw[kind]:
            full = f"{raw['project']}-{item['name']}"
            if len(full) > NAME_MAX:
                raise ValueError(f"generated name {full} is over {NAME_MAX} characters")
    return raw


def synth(config_path: Path, outdir: Path) -> dict[str, Any]:
    """Synthesize one config in this process; return the one stack's template and its size."""
    import aws_cdk as cdk  # noqa: PLC0415 - jsii starts only when a section needs it

    from app import build_app  # noqa: PLC0415

    context = json.loads((REPO / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(outdir), context=context)
    build_app(str(config_path), app)
    app.synth()
    (stack,) = read_assembly(outdir).values()
    return {"template": stack.template, "bytes": stack.template_file.stat().st_size}


def handler_policy_chars(template: dict[str, Any]) -> int:
    """Characters (no whitespace) of the inline policies on the Provider's handler role, with
    references resolved to ARN-length stand-ins (what IAM counts against 10,240)."""
    from simulation.cloudformation.intrinsics import Resolver  # noqa: PLC0415

    resources = template["Resources"]
    roles = [lid for lid, r in resources.items() if r["Type"] == "AWS::IAM::Role" and "HandlerRole" in lid]
    if len(roles) != 1:
        raise ValueError(f"expected one handler role, found {roles}")
    role = roles[0]

    def stand_in(lid: str, attr: str = "Arn") -> str:
        return f"arn:aws:service:us-east-1:111111111111:{lid}/{attr}"

    resolver = Resolver(
        template,
        stack_name="immersion-day-news-personalize",
        stack_id="arn:aws:cloudformation:us-east-1:111111111111:stack/s/1",
        ref=lambda lid: stand_in(lid, "Ref"),
        get_att=stand_in,
    )
    docs = list(resources[role].get("Properties", {}).get("Policies", []))
    docs += [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"].get("Roles", [])
    ]
    return sum(len(json.dumps(resolver.resolve(d["PolicyDocument"]), separators=(",", ":"))) for d in docs)


def measure_point(count: int, max_wait: int, work: Path) -> Point:
    config_path = work / f"config-{count}-{max_wait}.yaml"
    config_path.write_text(yaml.safe_dump(scaled_config(count, max_wait), sort_keys=False))
    seconds: list[float] = []
    result: dict[str, Any] = {}
    for repeat in range(SYNTH_REPEATS):
        outdir = work / f"out-{count}-{max_wait}-{repeat}"
        started = time.perf_counter()
        result = synth(config_path, outdir)
        seconds.append(time.perf_counter() - started)
        shutil.rmtree(outdir, ignore_errors=True)
    template = result["template"]
    types = [r["Type"] for r in template["Resources"].values()]
    custom = sum(len(chain.members) for chain in training_chains(template["Resources"]))
    return Point(
        count=count,
        max_wait=max_wait,
        synth_seconds=seconds,
        template_bytes=int(result["bytes"]),
        resources=len(types),
        outputs=len(template.get("Outputs") or {}),
        functions=types.count("AWS::Lambda::Function"),
        custom_per_solution=custom / count,
        handler_policy_chars=handler_policy_chars(template),
    )


def fit(points: list[Point], attr: str) -> tuple[float, float]:
    """Least-squares intercept and slope of `attr` against N."""
    xs = [float(p.count) for p in points]
    ys = [float(getattr(p, attr)) for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return mean_y - slope * mean_x, slope


def max_count(points: list[Point]) -> tuple[int, str, dict[str, int]]:
    """Largest N under every limit, the limit that binds first, and N per limit."""
    per_limit: dict[str, int] = {}
    for attr, limit in LIMITS.items():
        intercept, slope = fit(points, attr)
        per_limit[attr] = int((limit - intercept) // slope) if slope > 0 else 10**6
    binding = min(per_limit, key=lambda k: per_limit[k])
    return per_limit[binding], binding, per_limit


def verify(best: int, max_wait: int) -> str:
    """Synthesize N = best and best + 1: the prediction should hold on both sides."""
    work = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    found: list[str] = []
    try:
        for count in (best, best + 1):
            config_path = work / f"config-{count}.yaml"
            config_path.write_text(yaml.safe_dump(scaled_config(count, max_wait), sort_keys=False))
            try:
                template = synth(config_path, work / f"out-{count}")["template"]
                found.append(f"N={count} synthesizes ({len(template['Resources'])} resources)")
            except Exception as exc:
                found.append(f"N={count} refused by CDK ({str(exc).split(':')[0].strip()[:60]})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "checked: " + ", ".join(found)


def measure() -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows: list[Row] = []
    try:
        warm = work / "warm.yaml"
        warm.write_text(yaml.safe_dump(scaled_config(1, 240), sort_keys=False))
        started = time.perf_counter()
        synth(warm, work / "warm-out")
        rows.append(
            Row(
                SECTION,
                "first synth in a process (jsii start, not counted below)",
                f"{time.perf_counter() - started:.2f} s",
            )
        )
        by_wait: dict[int, list[Point]] = {}
        for max_wait in WAITS:
            for count in COUNTS:
                by_wait.setdefault(max_wait, []).append(measure_point(count, max_wait, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    functions = {p.functions for pts in by_wait.values() for p in pts}
    for max_wait, points in by_wait.items():
        for p in points:
            rows.append(
                Row(
                    SECTION,
                    f"N={p.count}, max_wait {max_wait} min",
                    f"synth {spread(p.synth_seconds)}; {p.template_bytes / 1024:.0f} KiB; "
                    f"{p.resources} resources; {p.outputs} outputs; {p.functions} Lambda functions",
                    LIMIT_TEXT,
                    f"{p.custom_per_solution:.0f} training links per solution; "
                    f"handler role policy ≈ {p.handler_policy_chars} chars",
                )
            )
        slopes = {attr: fit(points, attr)[1] for attr in LIMITS}
        policy_base, policy_slope = fit(points, "handler_policy_chars")
        overflow_at = int((INLINE_POLICY_CHARS - policy_base) // policy_slope)
        best, binding, per_limit = max_count(points)
        rows.append(
            Row(
                SECTION,
                f"growth per solution+campaign, max_wait {max_wait} min",
                f"{slopes['resources']:.1f} resources, {slopes['outputs']:.1f} outputs, "
                f"{slopes['template_bytes'] / 1024:.1f} KiB, {policy_slope:.0f} handler-policy chars",
                "",
                "least-squares line through N = "
                + ", ".join(str(c) for c in COUNTS)
                + f"; from N ≈ {overflow_at} CDK splits the handler role policy into managed "
                "OverflowPolicy resources (+1 resource per ~6 KB)",
            )
        )
        rows.append(
            Row(
                SECTION,
                f"largest N in one stack, max_wait {max_wait} min",
                f"{best} (bound by {binding})",
                LIMIT_TEXT,
                "N per limit: "
                + ", ".join(f"{k} {v}" for k, v in per_limit.items())
                + "; "
                + verify(best, max_wait),
            )
        )
    rows.append(
        Row(
            SECTION,
            "Lambda functions across all N",
            ", ".join(str(f) for f in sorted(functions)),
            "constant",
            "constant" if len(functions) == 1 else "GROWS with N",
        )
    )
    return rows


if __name__ == "__main__":
    for row in measure():
        print(row)
