"""The largest config one stack holds deploys; one more solution is refused at synth by name.

`bench/scale.py` finds the largest N (solutions, each with a campaign, max_wait 240 min) from
measured growth; here that N is synthesized for real: cfn-lint finds no error, every IAM policy
is under its size limit once resolved with real-length names, and N + 1 exits 1 naming the
CloudFormation resource limit, without a traceback.
"""

from __future__ import annotations

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
from tests.support.synth import REPO
from tests.test_lint_and_nag import EXPECTED_WARNINGS, cfn_lint, describe

LARGEST_N = 50  # bench/results.md: bound by CloudFormation's 500 resources at max_wait 240


def _run(raw: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    config = tmp / "config.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    outdir = tmp / "out"
    code = app.run(cdk.App(outdir=str(outdir), context=context), str(config), None)
    return code, capsys.readouterr().err, config


def test_the_largest_supported_n_synthesizes_lints_and_fits_iam(tmp_path, capsys):
    # GIVEN the largest N the bench reports
    raw = scaled_config(LARGEST_N, 240)
    # WHEN it is synthesized through the app's entry point
    code, err, config = _run(raw, tmp_path, capsys)
    # THEN it passes, cfn-lint finds nothing but CDK's redundant DependsOn
    assert code == 0, err
    (template_file,) = (tmp_path / "out").glob("*.template.json")
    unexpected = [describe(f) for f in cfn_lint([template_file]) if f["Rule"]["Id"] not in EXPECTED_WARNINGS]
    assert unexpected == []
    # AND every IAM policy fits its limit resolved with real-length partition, region and account
    template = json.loads(template_file.read_text())
    sizes = limits.iam_sizes(template, limits.Environment.of(load_config(config)))
    for key, chars in sizes.items():
        limit = limits.MANAGED_POLICY_CHARS if key.startswith("managed:") else limits.ROLE_INLINE_CHARS
        assert chars <= limit.value, (key, chars)
    # AND at most max_concurrent_trainings (10) versions start without waiting for another
    versions = {lid: r for lid, r in template["Resources"].items() if lid.endswith("Version")}
    unchained = [lid for lid, r in versions.items() if not any("Wait" in d for d in r.get("DependsOn", []))]
    assert len(unchained) == 10, unchained


def test_fails_when_one_more_solution_passes_the_resource_limit(tmp_path, capsys):
    # GIVEN one solution more than the largest N
    raw = scaled_config(LARGEST_N + 1, 240)
    # WHEN it is synthesized
    code, err, _ = _run(raw, tmp_path, capsys)
    # THEN synth exits 1 with one line naming the limit, and no traceback
    assert code == 1
    assert "solutions: 51 solutions, 51 campaigns" in err
    assert "CloudFormation resources per stack limit (500)" in err
    assert "Traceback" not in err
