"""The largest config one stack holds deploys; one more solution is refused at synth by name.

`bench/scale.py` finds the largest N (solutions, each with a campaign, max_wait 240 min) from
measured growth; here that N is synthesized for real (`tests.support.synth`, kept between runs
like every test's assembly): the app's post-synth checks and cfn-lint find no error, every IAM
policy is under its size limit once resolved with real-length names, and N + 1 exits 1 through
the app's entry point (`app.run`) naming the CloudFormation resource limit, without a traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml

import app
from bench.scale import scaled_config
from stacks import limits
from stacks.config_model import load_config
from tests.support import synth
from tests.test_lint_and_nag import EXPECTED_WARNINGS, cfn_lint, describe


def _scaled(n: int) -> Path:
    """The config of N solutions, each with a campaign, at max_wait 240."""
    return synth.write_config(scaled_config(n, 240))


def _template(config: Path) -> tuple[Path, dict[str, Any]]:
    """(template file, template) of a config synthesized as every test synthesizes (kept between runs)."""
    (template_file,) = synth.synth_dir(str(config)).glob("*.template.json")
    return template_file, json.loads(template_file.read_text())


@functools.cache
def largest_n() -> int:
    """The largest N under CloudFormation's 500 resources at max_wait 240, from the resources of
    N = 1 and N = 2 (each solution with its campaign adds the same resources), as bench/scale.py
    predicts it."""
    counts = [len(_template(_scaled(n))[1]["Resources"]) for n in (1, 2)]
    per_solution = counts[1] - counts[0]
    return (limits.RESOURCES.value - (counts[0] - per_solution)) // per_solution


def _run(raw: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and stderr of the app's entry point (`app.run`, as `cdk synth` runs it) on a config."""
    config = tmp / "config.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    code = app.run(cdk.App(outdir=str(tmp / "out"), context=synth.cdk_json_context()), str(config), None)
    return code, capsys.readouterr().err


def test_the_largest_supported_n_synthesizes_lints_and_fits_iam():
    # GIVEN the largest N the bench reports
    config = _scaled(largest_n())
    # WHEN it is synthesized
    template_file, template = _template(config)
    # THEN the checks `cdk synth` runs after synthesis (app.check_assembly) find nothing
    env = limits.Environment.of(load_config(config))
    assert limits.template_problems(template, template_file.stat().st_size, env) == []
    # AND cfn-lint finds nothing but CDK's redundant DependsOn
    unexpected = [describe(f) for f in cfn_lint([template_file]) if f["Rule"]["Id"] not in EXPECTED_WARNINGS]
    assert unexpected == []
    # AND every IAM policy fits its limit resolved with real-length partition, region and account
    sizes = limits.iam_sizes(template, env)
    for key, chars in sizes.items():
        limit = limits.MANAGED_POLICY_CHARS if key.startswith("managed:") else limits.ROLE_INLINE_CHARS
        assert chars <= limit.value, (key, chars)
    # AND at most max_concurrent_trainings (10) versions start without waiting for another
    versions = {lid: r for lid, r in template["Resources"].items() if lid.endswith("Version")}
    unchained = [lid for lid, r in versions.items() if not any("Wait" in d for d in r.get("DependsOn", []))]
    assert len(unchained) == 10, unchained


def test_fails_when_one_more_solution_passes_the_resource_limit(tmp_path, capsys):
    # GIVEN one solution more than the largest N
    n = largest_n() + 1
    raw = scaled_config(n, 240)
    # WHEN it is synthesized
    code, err = _run(raw, tmp_path, capsys)
    # THEN synth exits 1 with one line naming the limit, and no traceback
    assert code == 1
    assert f"solutions: {n} solutions, {n} campaigns" in err
    assert "CloudFormation resources per stack limit (500)" in err
    assert "Traceback" not in err
