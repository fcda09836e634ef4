"""cfn-lint and cdk-nag over what the configs synthesize to.

cfn-lint: no error in any template, and no warning but W3005 ("dependency already enforced"):
CDK adds an explicit DependsOn next to a GetAtt (a role before its function, a link before the
campaign), which is redundant but harmless. It is filtered here by id rather than ignored in a
`.cfnlintrc.yaml`, so every other warning still fails.

cdk-nag: app.py adds AwsSolutionsChecks as a synth validation plugin; cdk-nag 3 writes its
findings to `validation-report.json` in the assembly and fails `app.synth()` on any finding
that is not acknowledged. Every acknowledgment must say why, in a sentence (≥ 30 characters).
"""

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file
from cfnlint.formatters import JsonFormatter

from tests.support.synth import DEFAULT_CONFIG, REPO, existing_group_config, synth_dir, template_files

EXPECTED_WARNINGS = {"W3005"}  # redundant DependsOn next to a GetAtt, added by CDK itself
MIN_REASON = 30
METRIC_ATTRIBUTION_CONFIG = DEFAULT_CONFIG.parent / "examples" / "metric-attribution.yaml"


AUTO_TRAINING_EXAMPLE = REPO / "config" / "examples" / "auto-training.yaml"


def configs() -> dict[str, Path]:
    return {
        "default": DEFAULT_CONFIG,
        "existing-dataset-group": existing_group_config(),
        "auto-training": AUTO_TRAINING_EXAMPLE,
        "batch-example": REPO / "config" / "examples" / "batch.yaml",
        "metric-attribution": METRIC_ATTRIBUTION_CONFIG,
    }


@pytest.fixture(
    scope="module",
    params=["default", "existing-dataset-group", "batch-example", "metric-attribution", "auto-training"],
)
def config(request) -> Path:
    return configs()[request.param]


def cfn_lint(paths: list[Path]) -> list[dict[str, Any]]:
    """cfn-lint's findings over the given templates, as `cfn-lint --format json` prints them.

    Run through its Python API in this process: the same rules and defaults as the command
    (no `.cfnlintrc` here), without starting a new interpreter and loading the schemas each time.
    """
    matches = [match for path in paths for match in lint_file(path, ManualArgs())]
    findings: list[dict[str, Any]] = json.loads(JsonFormatter().print_matches(matches, None, None))
    return findings


def describe(finding: dict[str, Any]) -> str:
    location = finding["Location"]
    return f"{finding['Rule']['Id']} {'/'.join(map(str, location['Path']))}: {finding['Message']}"


def validation_report(config_path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((synth_dir(str(config_path)) / "validation-report.json").read_text())
    return report


def acknowledgments(config_path: Path) -> dict[tuple[str, str], str]:
    """(construct path, acknowledged id) → reason, from every stack's metadata file."""
    outdir = synth_dir(str(config_path))
    found: dict[tuple[str, str], str] = {}
    for metadata_file in outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    for ack_id, reason in entry["data"].items():
                        found[(path, ack_id)] = reason
    return found


# ---- cfn-lint ------------------------------------------------------------------------------


def test_cfn_lint_finds_no_error_in_any_template(config):
    # GIVEN every template the config synthesizes to
    paths = template_files(config)
    assert paths
    # WHEN cfn-lint checks them
    findings = cfn_lint(paths)
    # THEN nothing is an error, and the only warnings are the expected redundant DependsOn
    errors = [describe(f) for f in findings if f["Level"] == "Error"]
    assert errors == []
    unexpected = [
        describe(f) for f in findings if f["Level"] == "Warning" and f["Rule"]["Id"] not in EXPECTED_WARNINGS
    ]
    assert unexpected == []


# ---- cdk-nag -------------------------------------------------------------------------------


def test_the_aws_solutions_pack_checked_every_stack(config):
    """A synth that returned had no open finding (cdk-nag 3 fails `app.synth()` otherwise, see
    `test_fails_when_a_finding_is_not_acknowledged`); what can still go wrong is the pack not
    running at all, or not over every stack, and synth passing unchecked."""
    # GIVEN the validation report of the config's synth and the stacks it synthesized
    report = validation_report(config)
    plugins = {p["pluginName"]: p for p in report["pluginReports"]}
    stacks = {path.name.removesuffix(".template.json") for path in template_files(config)}
    # THEN the AwsSolutions pack ran, and its findings (all acknowledged) reach into every stack
    assert "AwsSolutions" in plugins, sorted(plugins)
    checked = {
        c["constructPath"].split("/")[0]
        for s in plugins["AwsSolutions"]["suppressedViolations"]
        for c in s["violatingConstructs"]
    }
    assert stacks <= checked, sorted(stacks - checked)


def test_every_suppressed_finding_says_why(config):
    # GIVEN the findings the report shows as acknowledged
    suppressed = [s for p in validation_report(config)["pluginReports"] for s in p["suppressedViolations"]]
    # THEN each has a reason of at least a sentence
    short = [(s["ruleName"], s["reason"]) for s in suppressed if len(s["reason"].strip()) < MIN_REASON]
    assert short == []


def test_every_acknowledgment_in_the_metadata_says_why(config):
    # GIVEN every acknowledgment recorded in the stacks' metadata
    acks = acknowledgments(config)
    # THEN each names an AwsSolutions rule and gives a reason of at least a sentence
    assert acks
    for (path, ack_id), reason in acks.items():
        assert ack_id.startswith("AwsSolutions::AwsSolutions-"), (path, ack_id)
        assert len(reason.strip()) >= MIN_REASON, (path, ack_id, reason)


def test_fails_when_a_finding_is_not_acknowledged(tmp_path):
    """What the tests above rely on: cdk-nag 3 fails synth and reports an open finding."""
    # GIVEN an app with a bare bucket (no SSL-only policy, no access logs) under the same checks
    app = cdk.App(outdir=str(tmp_path))
    s3.Bucket(cdk.Stack(app, "Bare"), "Bucket")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks())
    # WHEN it is synthesized
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    # THEN the report holds the open findings
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (plugin,) = report["pluginReports"]
    assert plugin["conclusion"] == "failure"
    assert {v["ruleName"] for v in plugin["violations"]} >= {"AwsSolutions-S1", "AwsSolutions-S10"}
