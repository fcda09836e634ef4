"""cdk-nag (AwsSolutions) acknowledgments of the pipeline stack: each names one finding on one
construct of aws-cdk-lib's CDK Pipelines and why it stands. Ids are computed from the
constructs (cdk-nag 3 ids embed logical ids), so a rename moves both sides together.
"""

from aws_cdk import CfnResource, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from stacks.acknowledgment import acknowledge as _ack

ARTIFACT_READ = ("s3:GetObject*", "s3:GetBucket*", "s3:List*")
ARTIFACT_WRITE = (*ARTIFACT_READ, "s3:Abort*", "s3:DeleteObject*")
ARTIFACT_KEY = ("kms:GenerateDataKey*", "kms:ReEncrypt*")
ASSET_FENCE_ID = "FileRoleBuildFence"  # the Deny policy of stacks/pipeline_stack.fence_asset_builds


def _logical(construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, CfnResource)
    return Stack.of(construct).get_logical_id(child)


def _artifacts(role: iam.IRole, bucket_ref: str, actions: tuple[str, ...], *, key: bool = True) -> None:
    for action in actions:
        _ack(
            role,
            f"AwsSolutions-IAM5[Action::{action}]",
            "CDK Pipelines' grant on the pipeline's own artifact bucket (and its KMS key) only",
        )
    if key:
        for action in ARTIFACT_KEY:
            _ack(
                role, f"AwsSolutions-IAM5[Action::{action}]", "use of the artifact bucket's own KMS key only"
            )
    _ack(role, f"AwsSolutions-IAM5[Resource::{bucket_ref}]", "objects of the pipeline's artifact bucket")


def _project(project: codebuild.IProject, bucket_ref: str, actions: tuple[str, ...]) -> iam.IRole:
    role = project.role
    assert role is not None
    stack = Stack.of(project)
    name = f"<{_logical(project)}>"
    _ack(
        role,
        f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
        f"log-group:/aws/codebuild/{name}:*]",
        "log streams of this CodeBuild project's own log group",
    )
    _ack(
        role,
        f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:"
        f"report-group/{name}-*]",
        "test report groups of this CodeBuild project only",
    )
    _artifacts(role, bucket_ref, actions)
    return role


def acknowledge_pipeline(pipeline: pipelines.CodePipeline) -> None:
    cp = pipeline.pipeline
    stack = Stack.of(cp)
    bucket_ref = f"<{_logical(cp.artifact_bucket)}.Arn>/*"
    _ack(
        cp.artifact_bucket,
        "AwsSolutions-S1",
        "pipeline artifacts only, KMS-encrypted, TLS-only; CodePipeline's and CloudTrail's logs record "
        "every access, and an access-log bucket would need its own log bucket",
    )
    _artifacts(cp.role, bucket_ref, ARTIFACT_WRITE)
    for region, support in sorted(cp.cross_region_support.items()):
        replication = support.replication_bucket
        _ack(
            replication,
            "AwsSolutions-S1",
            f"CodePipeline's artifact replica for the {region} stage; same contents as the artifact bucket",
        )
        bucket_name = stack.resolve(replication.bucket_name)
        _ack(
            cp.role,
            f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:s3:::{bucket_name}/*]",
            f"objects of CodePipeline's replication bucket in {region}",
        )
    if cp.cross_region_support:
        _ack(
            cp.role,
            "AwsSolutions-IAM5[Resource::*]",
            "the replication buckets' KMS keys live in support stacks of other regions and are referenced "
            "by alias: CodePipeline grants encrypt/decrypt on them as '*'",
        )
    for step in cp.node.find_all():
        if isinstance(step, iam.Role) and "/Source/" in step.node.path:
            _artifacts(step, bucket_ref, ARTIFACT_WRITE)
    _project(pipeline.synth_project, bucket_ref, ARTIFACT_WRITE)
    for project in cp.node.find_all():
        if isinstance(project, codebuild.Project) and project.node.id.startswith(("Report-", "Drift-")):
            _project(project, bucket_ref, ARTIFACT_READ)
    mutation = _project(pipeline.self_mutation_project, bucket_ref, ARTIFACT_READ)
    _ack(
        mutation,
        f"AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
        "self-mutation assumes the CDK bootstrap roles (deploy, file publishing) of this account",
    )
    _ack(
        mutation,
        "AwsSolutions-IAM5[Resource::*]",
        "self-mutation's cloudformation:DescribeStacks and s3:ListBucket take the stack/bucket at run time",
    )
    assets = pipeline.node.try_find_child("Assets")
    file_role = assets.node.try_find_child("FileRole") if assets else None
    if isinstance(file_role, iam.Role):
        _artifacts(file_role, bucket_ref, ARTIFACT_READ, key=False)
        _ack(
            file_role,
            f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
            "log-group:/aws/codebuild/*]",
            "CDK Pipelines' asset publishing projects share this role; their names are generated",
        )
        _ack(
            file_role,
            f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:codebuild:{stack.region}:{stack.account}:"
            "report-group/*]",
            "report groups of the asset publishing projects sharing this role",
        )
    # Without the fence the finding stands unacknowledged.
    fence = assets.node.try_find_child(ASSET_FENCE_ID) if assets else None
    if isinstance(file_role, iam.Role) and isinstance(fence, iam.Policy):
        _ack(
            file_role,
            "AwsSolutions-IAM5[Resource::*]",
            "codebuild:StartBuild/StopBuild/BatchGetBuilds on '*' from CDK Pipelines, which the "
            "FileRoleBuildFence Deny limits to the asset projects: no other project's builds",
        )
