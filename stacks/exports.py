"""Hand-off to the inference layer: SSM parameters and stack outputs (the notebook's %store).

One output and one parameter per thing, never one per metric: a stack has 200 outputs at
most, and Personalize may not return a given metric.
"""

from aws_cdk import CfnOutput
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.derived_names import pascal


class Exports(Construct):
    """Props (keyword-only): project — the SSM path prefix `/{project}/...`."""

    def __init__(self, scope: Construct, construct_id: str, *, project: str) -> None:
        super().__init__(scope, construct_id)
        self.project = project

    def _export(self, kind: str, name: str, path: str, value: str, description: str) -> None:
        logical = f"{kind}{pascal(name)}"
        param = ssm.StringParameter(
            self, f"{logical}Parameter", parameter_name=path, string_value=value, description=description
        )
        child = param.node.default_child
        assert isinstance(child, ssm.CfnParameter)
        child.override_logical_id(f"{logical}Parameter")
        CfnOutput(self, logical, value=value, description=f"{description} (SSM {path})").override_logical_id(
            logical
        )

    def solution(self, name: str, summary: str) -> None:
        self._export(
            "Solution",
            name,
            f"/{self.project}/solutions/{name}",
            summary,
            f"Trained version of solution {name}: JSON with solutionVersionArn, trainingMode, "
            "trigger, metrics, trainedAt",
        )

    def campaign(self, name: str, arn: str) -> None:
        self._export("Campaign", name, f"/{self.project}/campaigns/{name}/arn", arn, f"Campaign {name} ARN")

    def filter(self, name: str, arn: str) -> None:
        self._export("Filter", name, f"/{self.project}/filters/{name}/arn", arn, f"Filter {name} ARN")

    def event_tracker(self, tracking_id: str) -> None:
        self._export(
            "EventTracker",
            "tracking-id",
            f"/{self.project}/event-tracker/tracking-id",
            tracking_id,
            "Event tracker tracking id (PutEvents trackingId)",
        )

    def batch_job(self, name: str, location: str) -> None:
        self._export(
            "BatchJob",
            name,
            f"/{self.project}/batch/{name}/output",
            location,
            f"Output of batch job {name}: s3:// prefix of its latest run",
        )

    def metric_attribution(self, arn: str) -> None:
        self._export(
            "MetricAttribution",
            "arn",
            f"/{self.project}/metric-attribution/arn",
            arn,
            "Metric attribution ARN (what recommendations earn, in CloudWatch)",
        )
