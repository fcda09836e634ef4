"""Synthesis is deterministic: same inputs, same bytes, whoever synthesizes.

The default config is synthesized twice into separate directories: once in a test process
(`tests.support.synth`, as every other test sees it: this run's synth, or the one an earlier
run kept in `.cache/synth/` when nothing it reads changed) and once by the real CLI in a fresh
process (`npx --no-install cdk synth`, as `make synth` does). Templates, asset manifests and
asset directory names must be byte-identical, with nothing normalised: the same check proves
the synth cache hands out what a synth writes today.

The snapshot, tests/snapshots/default.template.json, is the default template as committed,
with every asset hash (64 hex digits: the handler code's, the data files') masked: a change to it
is a change to what deploys, reviewed in the diff, while an edit inside lambda_handlers/ or a data
file changes only hashes, whose determinism the double synth above checks. After an intended
change, rewrite it:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_determinism.py
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.synth import REPO, synth_dir

SNAPSHOT = Path(__file__).parent / "snapshots" / "default.template.json"
STACK = "immersion-day-news-personalize"
ASSET_HASH = re.compile(rb"\b[0-9a-f]{64}\b")


def masked(template: bytes) -> bytes:
    """The template with asset hashes replaced by a fixed marker."""
    return ASSET_HASH.sub(b"<asset-hash>", template)


@pytest.fixture(scope="module")
def in_process() -> Path:
    return Path(synth_dir(str(REPO / "config" / "default.yaml")))


@pytest.fixture(scope="module")
def by_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cli-synth") / "cdk.out"
    env = {
        **os.environ,
        "CDK_DISABLE_VERSION_CHECK": "1",
    }
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(outdir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return outdir


def asset_names(outdir: Path) -> list[str]:
    return sorted(p.name for p in outdir.iterdir() if p.name.startswith("asset."))


def handler_asset(outdir: Path) -> Path:
    (asset,) = [p for p in outdir.glob("asset.*") if (p / "lambda_handlers" / "entry.py").is_file()]
    return asset


def differing_resources(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Logical ids (and top-level sections) that differ: a readable summary of a snapshot diff."""
    ids = sorted(set(expected.get("Resources", {})) | set(actual.get("Resources", {})))
    changed = [i for i in ids if expected.get("Resources", {}).get(i) != actual.get("Resources", {}).get(i)]
    sections = [
        k
        for k in sorted(set(expected) | set(actual))
        if k != "Resources" and expected.get(k) != actual.get(k)
    ]
    return changed + sections


def test_two_synths_produce_identical_templates_and_assets(in_process, by_cli):
    # GIVEN the default config synthesized in this process and by the CLI in another
    # WHEN their assemblies are compared
    # THEN the asset directories have the same (content-hash) names
    assert asset_names(by_cli) == asset_names(in_process)
    # AND every template and asset manifest is byte-identical
    files = sorted(
        p.name for p in in_process.glob("*.json") if p.name.endswith((".template.json", ".assets.json"))
    )
    assert f"{STACK}.template.json" in files
    for name in files:
        assert (by_cli / name).read_bytes() == (in_process / name).read_bytes(), name


def test_the_handler_asset_holds_only_the_handler_package(in_process):
    # GIVEN the asset the Provider's functions run
    asset = handler_asset(in_process)
    # THEN it holds the lambda_handlers package and nothing of the checkout around it
    assert sorted(p.name for p in asset.iterdir()) == ["lambda_handlers"]
    files = [p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()]
    assert files
    assert all(f.startswith("lambda_handlers/") and f.endswith(".py") for f in files), files


def test_the_default_template_matches_the_snapshot(in_process):
    """Set UPDATE_SNAPSHOTS=1 to rewrite the snapshot after an intended change (see module doc)."""
    # GIVEN the default template as synthesized now
    actual = masked((in_process / f"{STACK}.template.json").read_bytes())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_bytes(actual)
    # WHEN compared with the committed snapshot
    assert SNAPSHOT.is_file(), f"no snapshot yet: run UPDATE_SNAPSHOTS=1 pytest {Path(__file__).name}"
    expected = SNAPSHOT.read_bytes()
    # THEN they are byte-identical once asset hashes are masked
    if actual != expected:
        changed = differing_resources(json.loads(expected), json.loads(actual))
        where = ", ".join(changed) or "formatting"
        rerun = f"UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest {Path(__file__).relative_to(REPO)}"
        pytest.fail(f"the default template differs from the snapshot in {where}; if intended, run: {rerun}")


def test_masking_hides_asset_hashes_and_nothing_else():
    # GIVEN two templates that differ only in an asset hash
    one = b'{"S3Key": "' + b"a" * 64 + b'.zip"}'
    two = b'{"S3Key": "' + b"b" * 64 + b'.zip"}'
    # THEN they mask to the same bytes, and a real property change still shows
    assert masked(one) == masked(two) == b'{"S3Key": "<asset-hash>.zip"}'
    assert masked(b'{"Trigger": "v1"}') != masked(b'{"Trigger": "v2"}')


def test_the_handler_asset_imports_on_its_own_as_in_lambda(in_process):
    # GIVEN only the asset directory on the path, as in the Lambda runtime (boto3 from site-packages)
    asset = handler_asset(in_process)
    probe = (
        "import sys; import lambda_handlers.entry as e; "
        "assert callable(e.on_event) and callable(e.is_complete); "
        "leaked = sorted({m.split('.')[0] for m in sys.modules} & {'stacks', 'aws_cdk', 'pydantic', 'yaml', 'tests'}); "
        "print(','.join(leaked))"
    )
    # WHEN the entry module is imported in a fresh isolated interpreter from the asset alone
    # (-B: no __pycache__ written into the assembly, which later runs read as it was synthesized)
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(asset)!r}); {probe}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=asset,
    )
    # THEN it imports, and pulls in nothing the Lambda runtime lacks
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
