"""Values a person passes to make (CONFIG, BASE, HEAD, ROLE_ARN, PYTHON) never run as shell code:
each reaches its recipe through the environment, quoted, after a pattern check that names it."""

import re
import subprocess
from pathlib import Path

import pytest

from stacks.config_model.pipeline import SHELL_SAFE_PATH
from tests.support.synth import REPO

MAKEFILE = (REPO / "Makefile").read_text()
VALUES = (
    "CONFIG",
    "BASE",
    "HEAD",
    "ROLE_ARN",
    "PYTHON",
    "BASE_CONFIG",
    "FAIL",
    "TRAINING_MINUTES",
    "STATUS_AT",
)


def make(*args: str) -> subprocess.CompletedProcess[str]:
    """`make` in the repository, its install targets taken as done (no install from a test)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", ".venv/.dev-installed", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("target", "name", "value"),
    [
        ("drift", "CONFIG", "config/default.yaml;touch {marker}"),
        ("drift", "CONFIG", "$(touch {marker})"),
        ("status", "CONFIG", "`touch {marker}`"),
        ("status", "CONFIG", "x' && touch {marker} && echo '"),
        ("drift", "ROLE_ARN", "arn:aws:iam::111111111111:role/r;touch {marker}"),
        ("impact", "BASE", "base.out HEAD=x;touch {marker}"),
        ("impact", "HEAD", "$(touch {marker})"),
        ("rehearse", "BASE_CONFIG", "a.yaml;touch {marker}"),
        ("rehearse", "FAIL", "gate;touch {marker}"),
        ("rehearse", "TRAINING_MINUTES", "1 ; touch {marker}"),
    ],
)
def test_fails_when_a_make_value_could_run_shell_code(tmp_path: Path, target: str, name: str, value: str):
    # GIVEN a value that a shell would run, passed on make's command line
    marker = tmp_path / "ran"
    others = {"impact": ["BASE=base.out", "HEAD=head.out"]}.get(target, [])
    # WHEN the target runs
    result = make(target, *others, f"{name}={value.format(marker=marker)}")
    # THEN make stops before the recipe, naming the variable, and nothing ran
    assert result.returncode != 0
    assert f"make: {name}=" in result.stderr and "must match" in result.stderr
    assert not marker.exists()


def test_a_plain_path_passes_the_check(tmp_path: Path):
    # GIVEN plain paths (absolute, as the pipeline's temporary outputs are)
    result = make("impact", f"BASE={tmp_path}/base.out", f"HEAD={tmp_path}/head.out")
    # THEN the check lets them through to ops.impact (which reports the missing assemblies)
    assert "must match" not in result.stderr
    assert "base.out" in result.stderr + result.stdout


def test_recipes_quote_values_from_the_environment_and_never_paste_them():
    # Pasted, `$(CONFIG)` becomes shell text; only make's own `$(if $(ROLE_ARN),...)` may read one.
    for name in VALUES:
        for match in re.finditer(rf"\$\({name}\)", MAKEFILE):
            assert MAKEFILE[: match.start()].endswith("$(if "), f"$({name}) pasted into a recipe"
        uses = re.findall(rf"\$\${name}\b.?", MAKEFILE)
        assert uses and all(u.endswith('"') for u in uses), f"{name}: {uses}"
    exported = {
        w for line in re.findall(r"^export ([A-Z_ ]+)$", MAKEFILE, flags=re.MULTILINE) for w in line.split()
    }
    assert exported >= set(VALUES)


def test_each_recipe_checks_a_value_before_its_first_use():
    for rule in re.split(r"\n(?=\S)", MAKEFILE):
        header, *body = rule.splitlines()
        lines = [line for line in body if line.startswith("\t")]  # the recipe
        for name in VALUES:
            first_use = next((i for i, line in enumerate(lines) if f'"$${name}"' in line), None)
            if first_use is not None:
                first_check = next(i for i, line in enumerate(lines) if f"$(call check,{name}," in line)
                assert first_check < first_use, f"{header}: {name} used before its check"


def test_the_makefile_checks_paths_with_the_pipeline_s_pattern():
    (pattern,) = re.findall(r"^PATH_PATTERN := (.*)$", MAKEFILE, flags=re.MULTILINE)
    assert pattern.replace("$$", "$") == SHELL_SAFE_PATH.pattern
