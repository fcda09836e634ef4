"""cdk-nag acknowledgments for the pipeline stack (filled in from the findings)."""

from aws_cdk import pipelines


def acknowledge_pipeline(pipeline: pipelines.CodePipeline) -> None:
    return None
