"""The pipeline app (`-c pipeline=config/pipeline.yaml`): one in-process synth shared by all tests."""

import json
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfnlint.api import ManualArgs, lint_file

from app import build_pipeline_app
from ops import synth_cache
from stacks.config_model import load_config
from stacks.pipeline_stack import pseudo_join_as_sub
from tests.support.synth import REPO, cdk_json_context

PIPELINE_FILE = "config/pipeline.yaml"


def _synthesize(outdir: Path) -> None:
    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    build_pipeline_app(str(REPO / PIPELINE_FILE), app)
    app.synth()  # cdk-nag findings would raise here


@cache
def assembly() -> Path:
    """The pipeline app's assembly (read only), kept between runs as `synth_dir` keeps apps'."""
    return synth_cache.kept(REPO / PIPELINE_FILE, _synthesize, kind="pipeline")


def _manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text())


def _stack_artifacts(directory: Path) -> dict[str, dict[str, Any]]:
    return {
        aid: a
        for aid, a in _manifest(directory)["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }


def _pipeline_template() -> dict[str, Any]:
    return json.loads((assembly() / "immersion-day-news-pipeline.template.json").read_text())


def _stages() -> list[dict[str, Any]]:
    (pipeline,) = [
        r for r in _pipeline_template()["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    return pipeline["Properties"]["Stages"]


def _stage(name: str) -> dict[str, Any]:
    return next(s for s in _stages() if s["Name"] == name)


def _nested(stage: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(manifest artifact, template) of the Personalize stack of a pipeline stage."""
    directory = assembly() / f"assembly-immersion-day-news-pipeline-{stage}"
    ((_, artifact),) = _stack_artifacts(directory).items()
    template = json.loads((directory / artifact["properties"]["templateFile"]).read_text())
    return artifact, template


def test_pipeline_stack_lives_in_the_pipeline_account():
    artifact = _stack_artifacts(assembly())["immersion-day-news-pipeline"]
    assert artifact["environment"] == "aws://333333333333/us-east-1"


def test_stages_run_in_file_order_after_source_build_and_self_mutation():
    assert [s["Name"] for s in _stages()] == ["Source", "Build", "UpdatePipeline", "Assets", "dev", "prod"]
    (mutate,) = _stage("UpdatePipeline")["Actions"]
    assert mutate["Name"] == "SelfMutate"


def test_manual_approval_only_where_configured():
    def approvals(stage: str) -> list[int]:
        return [
            a["RunOrder"] for a in _stage(stage)["Actions"] if a["ActionTypeId"]["Category"] == "Approval"
        ]

    assert approvals("dev") == []
    (approval_order,) = approvals("prod")
    deploys = [a["RunOrder"] for a in _stage("prod")["Actions"] if a["ActionTypeId"]["Category"] == "Deploy"]
    assert approval_order < min(deploys)


@pytest.mark.parametrize(
    ("stage", "account", "region"),
    [("dev", "111111111111", "us-east-1"), ("prod", "222222222222", "eu-west-1")],
)
def test_each_stage_deploys_the_direct_deploy_stack_name_in_its_account(stage, account, region):
    config = load_config(REPO / "config" / "stages" / f"{stage}.yaml")
    artifact, _ = _nested(stage)
    assert artifact["environment"] == f"aws://{account}/{region}"
    assert (
        artifact["properties"]["stackName"] == config.resolved_stack_name == "immersion-day-news-personalize"
    )
    deploys = [a for a in _stage(stage)["Actions"] if a["ActionTypeId"]["Category"] == "Deploy"]
    assert {a["Configuration"]["StackName"] for a in deploys} == {config.resolved_stack_name}
    assert {a.get("Region", "us-east-1") for a in deploys} == {region}  # absent = the pipeline's region
    role = deploys[0]["Configuration"]["RoleArn"]["Fn::Sub"]
    assert f":iam::{account}:role/cdk-hnb659fds-cfn-exec-role-{account}-{region}" in role


def test_each_stage_template_carries_its_own_config_values():
    prod_artifact, prod = _nested("prod")
    _, dev = _nested("dev")

    def tps(template: dict[str, Any]) -> str:
        return template["Resources"]["CampaignUserPersonalization"]["Properties"]["MinProvisionedTPS"]

    assert (tps(dev), tps(prod)) == ("1", "5")
    assert prod_artifact["properties"]["terminationProtection"] is True
    assert (
        prod["Resources"]["DatasetGroup"]["DeletionPolicy"] == "RetainExceptOnCreate"
    )  # removal_policy retain, yet a failed first deploy leaves nothing
    assert dev["Resources"]["DatasetGroup"]["DeletionPolicy"] == "Delete"
    gates = json.loads(prod["Resources"]["TrainingUserPersonalizationVersion"]["Properties"]["Gates"])
    assert gates == {"coverage": 0.2, "normalized_discounted_cumulative_gain_at_10": 0.1}


def _build_spec(project_logical_prefix: str) -> str:
    resources = _pipeline_template()["Resources"]
    (project,) = [
        r
        for lid, r in resources.items()
        if r["Type"] == "AWS::CodeBuild::Project" and lid.startswith(project_logical_prefix)
    ]
    return project["Properties"]["Source"]["BuildSpec"]


def test_synth_step_installs_from_the_repo_and_runs_the_pipeline_synth():
    spec = json.loads(_build_spec("PipelineBuildSynthCdkBuildProject"))
    assert spec["phases"]["install"]["commands"] == ["make .venv/.installed node_modules/.installed"]
    assert spec["phases"]["install"]["runtime-versions"] == {"nodejs": "22", "python": "3.12"}
    assert spec["phases"]["build"]["commands"] == [
        f"npx --no-install cdk synth -c pipeline='{PIPELINE_FILE}'"
    ]


def test_report_step_reads_the_stage_outputs():
    (report,) = [a for a in _stage("prod")["Actions"] if a["Name"] == "Report-prod"]
    variables = {v["name"]: v["value"] for v in json.loads(report["Configuration"]["EnvironmentVariables"])}
    assert set(variables) >= {"SOLUTION_USER_PERSONALIZATION", "CAMPAIGN_USER_PERSONALIZATION"}
    assert variables["SOLUTION_USER_PERSONALIZATION"].endswith(".SolutionUserPersonalization}")
    spec = json.loads(_build_spec("PipelineprodReportprod"))
    assert (
        "printf '%s = %s\\n' SOLUTION_USER_PERSONALIZATION \"$SOLUTION_USER_PERSONALIZATION\""
        in (spec["phases"]["build"]["commands"])
    )


def test_cdk_nag_reports_success():
    report = json.loads((assembly() / "validation-report.json").read_text())
    assert [p["conclusion"] for p in report["pluginReports"]] == ["success"]


def test_cfn_lint_finds_no_errors_in_the_pipeline_templates():
    templates = [
        assembly() / a["properties"]["templateFile"] for aid, a in _stack_artifacts(assembly()).items()
    ]
    assert len(templates) == 2  # the pipeline and CodePipeline's support stack for eu-west-1
    for template in templates:
        errors = [
            m for m in lint_file(template, ManualArgs(regions=["us-east-1"])) if m.rule.id.startswith("E")
        ]
        assert errors == [], template.name


def test_pseudo_joins_become_subs_and_nothing_else():
    join = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::1:role/x"]]}
    assert pseudo_join_as_sub(join) == {"Fn::Sub": "arn:${AWS::Partition}:iam::1:role/x"}
    assert pseudo_join_as_sub({"Fn::Join": ["", ["a", {"Ref": "Bucket"}]]}) is None
    assert pseudo_join_as_sub({"Fn::Join": [",", ["a", "b"]]}) is None


# ---- drift check: the stage's read-only role and the pipeline step that assumes it ------------
DRIFT_ROLE = "immersion-day-news-personalize-drift-reader"
READ_ONLY = {
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResources",
    "cloudformation:GetTemplate",
    "personalize:DescribeSolution",
    "personalize:DescribeSolutionVersion",
    "personalize:DescribeCampaign",
    "personalize:ListTagsForResource",  # the auto-promotion checker's tags on the campaigns
}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_drift_role_is_trusted_by_the_drift_step_role_only(stage):
    # GIVEN the stage stack WHEN its drift role is read
    _, template = _nested(stage)
    role = template["Resources"]["DriftReaderRole"]["Properties"]
    # THEN its fixed name is in the marker, and only the stage's drift step role, by its fixed
    # name in the pipeline account, may assume it
    assert role["RoleName"] == DRIFT_ROLE
    assert template["Metadata"]["PersonalizeCdk"]["driftRoleName"] == DRIFT_ROLE
    step_role = f"arn:aws:iam::333333333333:role/immersion-day-news-pipeline-{stage}-drift"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": step_role}},
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
        }
    ]
    # AND that is the name the pipeline gives the drift step's CodeBuild role
    (project,) = [
        r["Properties"]
        for lid, r in _pipeline_template()["Resources"].items()
        if r["Type"] == "AWS::CodeBuild::Project" and lid.startswith(f"Pipeline{stage}Drift{stage}")
    ]
    role_lid = project["ServiceRole"]["Fn::GetAtt"][0]
    assert (
        _pipeline_template()["Resources"][role_lid]["Properties"]["RoleName"] == step_role.rsplit("/", 1)[1]
    )


def test_drift_role_reads_only_this_stack_and_its_personalize_resources():
    # GIVEN the prod stage stack (eu-west-1, account 222222222222)
    _, template = _nested("prod")
    policies = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": "DriftReaderRole"} in r["Properties"]["Roles"]
    ]
    (policy,) = policies
    statements = policy["PolicyDocument"]["Statement"]
    # THEN every action is a read, and every resource names this stack or its own Personalize names
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == READ_ONLY
    prefix = "arn:aws:personalize:eu-west-1:222222222222"
    resources = {
        r for s in statements for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    assert resources == {
        "arn:aws:cloudformation:eu-west-1:222222222222:stack/immersion-day-news-personalize/*",
        f"{prefix}:solution/immersion-day-news-user-personalization",
        f"{prefix}:solution/immersion-day-news-user-personalization/*",
        f"{prefix}:solution/immersion-day-news-personalized-ranking",
        f"{prefix}:solution/immersion-day-news-personalized-ranking/*",
        f"{prefix}:campaign/immersion-day-news-user-personalization",
    }


def test_drift_step_runs_after_the_report_and_may_assume_only_the_stage_role():
    # GIVEN the prod stage of the pipeline
    actions = {a["Name"]: a for a in _stage("prod")["Actions"]}
    # THEN the drift step follows the report step
    assert actions["Drift-prod"]["RunOrder"] > actions["Report-prod"]["RunOrder"]
    spec = json.loads(_build_spec("PipelineprodDriftprod"))
    assert spec["phases"]["build"]["commands"] == [
        "make drift CONFIG='config/stages/prod.yaml' ROLE_ARN=\"$DRIFT_ROLE_ARN\""
    ]
    # AND its CodeBuild role may assume exactly the prod stage's drift role
    resources = _pipeline_template()["Resources"]
    (policy,) = [
        r["Properties"]
        for lid, r in resources.items()
        if r["Type"] == "AWS::IAM::Policy" and lid.startswith("DriftprodRoleDefaultPolicy")
    ]
    assume = [s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "sts:AssumeRole"]
    role_arn = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::222222222222:role/{DRIFT_ROLE}"]]
    }
    assert [s["Resource"] for s in assume] == [role_arn]


def test_cfn_lint_finds_no_errors_in_the_stage_templates():
    for stage in ("dev", "prod"):
        directory = assembly() / f"assembly-immersion-day-news-pipeline-{stage}"
        for artifact in _stack_artifacts(directory).values():
            template = directory / artifact["properties"]["templateFile"]
            errors = [
                m
                for m in lint_file(template, ManualArgs(regions=["us-east-1", "eu-west-1"]))
                if m.rule.id.startswith("E")
            ]
            assert errors == [], f"{stage}: {errors}"
