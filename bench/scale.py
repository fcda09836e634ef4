"""Section 2: how the stack grows with solutions, and the largest config that fits one stack.

Generated configs (the default one with N solutions, each with a campaign, written to a tmp
dir with absolute dataset paths) are synthesized in this process (after one warm-up synth, so
jsii start-up is not counted). A straight line through the measured points per
`max_wait_minutes` gives the largest N under every hard limit of `stacks.limits`:
CloudFormation's resources, outputs and template size, IAM's managed-policy and per-role
inline sizes (resolved with real-length partition, region and account), and the custom
resource response (4,096 bytes, a worst case that does not depend on N). The one that binds
is checked by synthesizing N (passes) and N + 1 (refused by synth, naming that limit).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import REPO, Row, spread
from lambda_handlers.constants import ADOPTED_PREFIX, SUMMARY_KEYS, Attr
from ops.assembly import read_assembly
from ops.chain import training_chains
from stacks import limits
from stacks.config_model.recipes import CONDITIONAL_METRICS, ITEM_METRICS

SECTION = "2. Scale"
COUNTS = (1, 5, 10)
WAITS = (240, 720)
SYNTH_REPEATS = 2
DEFAULT_CONFIG = REPO / "config" / "default.yaml"
NAME_MAX = 63

# Point attribute → the hard limit it is measured against (stacks.limits is the one source).
LIMITS: dict[str, limits.Limit] = {
    "resources": limits.RESOURCES,
    "outputs": limits.OUTPUTS,
    "template_bytes": limits.TEMPLATE_BYTES,
    "iam_managed_max": limits.MANAGED_POLICY_CHARS,
    "iam_inline_max": limits.ROLE_INLINE_CHARS,
}
LIMIT_TEXT = "500 resources, 200 outputs, 1 MB template, IAM 6,144 (managed) / 10,240 (role inline)"


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
    iam_managed_max: int
    iam_inline_max: int


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
    # An account holding N solutions had its adjustable Personalize quotas raised to N.
    raw["quotas"] = {"solutions": max(count, 10), "campaigns": max(count, 5)}
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


ENV = limits.Environment(limits.LONGEST_PARTITION, limits.LONGEST_REGION, limits.ACCOUNT_STAND_IN)


def iam_maxima(template: dict[str, Any]) -> tuple[int, int]:
    """Largest managed policy and largest per-role inline total, resolved with real-length names."""
    sizes = limits.iam_sizes(template, ENV)
    managed = [v for k, v in sizes.items() if k.startswith("managed:")]
    inline = [v for k, v in sizes.items() if k.startswith("role:")]
    return max(managed, default=0), max(inline, default=0)


def worst_response_bytes() -> int:
    """The largest custom resource response a link can send (the framework's JSON body to
    CloudFormation): longest names, a 100-character trigger, every metric a recipe reports with
    17 significant digits. It does not depend on N."""
    name = "n" * 63
    version_arn = f"arn:{ENV.partition}:personalize:{ENV.region}:{ENV.account}:solution/{name}/{'0' * 32}"
    metrics = {m: 0.12345678901234568 for m in (*ITEM_METRICS, *CONDITIONAL_METRICS)}
    summary = dict(
        zip(
            SUMMARY_KEYS,
            (version_arn, "UPDATE", "t" * 100, metrics, "2026-01-01T00:00:00.000000+00:00"),
            strict=True,
        )
    )
    data = {
        Attr.SOLUTION_VERSION_ARN: version_arn,
        Attr.STATUS: "CREATE IN_PROGRESS",
        Attr.STARTED_AT: "1767225600.123456",
        Attr.SUMMARY: json.dumps(summary),
        Attr.SOLUTION_ARN: version_arn,
        Attr.ADOPTED: "false",
    }
    body = {
        "Status": "SUCCESS",
        "Reason": "See the details in CloudWatch Log Stream: " + "l" * 200,
        "PhysicalResourceId": ADOPTED_PREFIX + version_arn + "/wait-14",
        "StackId": f"arn:{ENV.partition}:cloudformation:{ENV.region}:{ENV.account}:stack/"
        + "s" * 128
        + "/"
        + "0" * 36,
        "RequestId": "0" * 36,
        "LogicalResourceId": "Training" + "N" * 63 + "Wait14",
        "NoEcho": False,
        "Data": data,
    }
    return len(json.dumps(body).encode())


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
        iam_managed_max=iam_maxima(template)[0],
        iam_inline_max=iam_maxima(template)[1],
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
        per_limit[limit.name] = int((limit.value - intercept) // slope) if slope > 1e-9 else 10**6
    binding = min(per_limit, key=lambda k: per_limit[k])
    return per_limit[binding], binding, per_limit


def verify(best: int, max_wait: int) -> str:
    """Synthesize N = best and best + 1 through the app's entry point: N passes, N + 1 is refused."""
    import aws_cdk as cdk  # noqa: PLC0415

    import app  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    found: list[str] = []
    try:
        for count in (best, best + 1):
            config_path = work / f"config-{count}.yaml"
            config_path.write_text(yaml.safe_dump(scaled_config(count, max_wait), sort_keys=False))
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = app.run(
                    cdk.App(outdir=str(work / f"out-{count}"), context=context), str(config_path), None
                )
            if code == 0:
                found.append(f"N={count} synthesizes")
            else:
                limit = next((lim.name for lim in limits.HARD_LIMITS if lim.name in err.getvalue()), "?")
                found.append(f"N={count} refused by synth ({limit})")
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
                    f"{p.custom_per_solution:.0f} training links per solution; IAM resolved: largest "
                    f"managed policy {p.iam_managed_max} chars, largest role inline {p.iam_inline_max} chars",
                )
            )
        slopes = {attr: fit(points, attr)[1] for attr in LIMITS}
        best, binding, per_limit = max_count(points)
        rows.append(
            Row(
                SECTION,
                f"growth per solution+campaign, max_wait {max_wait} min",
                f"{slopes['resources']:.1f} resources, {slopes['outputs']:.1f} outputs, "
                f"{slopes['template_bytes'] / 1024:.1f} KiB, {slopes['iam_inline_max']:.0f} IAM inline chars",
                "",
                "least-squares line through N = " + ", ".join(str(c) for c in COUNTS),
            )
        )
        rows.append(
            Row(
                SECTION,
                f"largest N in one stack, max_wait {max_wait} min",
                f"{best} (bound by {binding})",
                LIMIT_TEXT,
                "N per limit: "
                + ", ".join(f"{k} {'unbounded' if v >= 10**6 else v}" for k, v in per_limit.items())
                + f"; {limits.RESPONSE_BYTES.name}: worst case {worst_response_bytes()} of "
                f"{limits.RESPONSE_BYTES.value} bytes at any N" + "; " + verify(best, max_wait),
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
