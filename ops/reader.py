"""The one read-only seam of `ops.status` and `ops.drift`: a deployed stack and its Personalize side.

`DeployedStack` is the interface; `Boto3Stack` reads a real account (CloudFormation, SSM,
Personalize clients injected); tests implement it over the deploy simulator and the fake
Personalize (simulation/stack_reader.py). Personalize reads go through `PersonalizeReads`,
which both implementations share: it only needs a Personalize client (the fake speaks the
real protocol to an unmodified boto3 client).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

ADOPTED_PREFIX = "adopted:"  # lambda_handlers.constants.ADOPTED_PREFIX, as CloudFormation shows it
# A wait link's physical id is `{SolutionVersionArn}/wait-{N}` (lambda_handlers/training_wait.py).
LINK_SUFFIX = re.compile(r"/wait-\d+$")


class StackNotFoundError(Exception):
    """No such stack, or no credentials to look: one line for the operator, exit 1."""


def read_errors() -> tuple[type[Exception], ...]:
    """What a read may raise besides StackNotFoundError (access denied, throttled, no network):
    the CLIs turn these into one line and exit 1 too."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    return (StackNotFoundError, BotoCoreError, ClientError)


@dataclass(frozen=True)
class StackInfo:
    name: str
    status: str  # CloudFormation StackStatus, e.g. UPDATE_ROLLBACK_FAILED
    reason: str  # StackStatusReason ("" when none)
    last_failure: str  # the latest resource *_FAILED reason, "" when none


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str  # "" while CloudFormation has none yet
    status: str  # ResourceStatus, e.g. CREATE_IN_PROGRESS

    @property
    def arn(self) -> str:
        """The Personalize ARN behind the physical id (adopted resources carry a prefix)."""
        return self.physical_id.removeprefix(ADOPTED_PREFIX)

    @property
    def held_version(self) -> str:
        """For a training chain member (version or wait link): the version ARN it holds."""
        return LINK_SUFFIX.sub("", self.arn)

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


class PersonalizeReads:
    """Describe calls, written out (no names built from strings); None where Personalize has nothing."""

    def __init__(self, personalize: Any) -> None:
        self.personalize = personalize

    def _not_found(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return code in ("ResourceNotFoundException", "InvalidInputException")

    def solution(self, arn: str) -> dict[str, Any] | None:
        try:
            return dict(self.personalize.describe_solution(solutionArn=arn)["solution"])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def solution_version(self, arn: str) -> dict[str, Any] | None:
        try:
            return dict(self.personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def solution_versions(self, solution_arn: str) -> list[dict[str, Any]]:
        """Summaries, newest first (status, creationDateTime, lastUpdatedDateTime)."""
        out: list[dict[str, Any]] = []
        paginator = self.personalize.get_paginator("list_solution_versions")
        for page in paginator.paginate(solutionArn=solution_arn):
            out += [dict(v) for v in page.get("solutionVersions", [])]
        return sorted(out, key=lambda v: _epoch(v.get("creationDateTime")), reverse=True)

    def batch_job(self, arn: str) -> dict[str, Any] | None:
        """DescribeBatchInferenceJob or DescribeBatchSegmentJob, by the ARN's resource type."""
        try:
            if ":batch-segment-job/" in arn:
                return dict(
                    self.personalize.describe_batch_segment_job(batchSegmentJobArn=arn)["batchSegmentJob"]
                )
            return dict(
                self.personalize.describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]
            )
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def metrics(self, version_arn: str) -> dict[str, float]:
        try:
            found = self.personalize.get_solution_metrics(solutionVersionArn=version_arn).get("metrics", {})
        except self.personalize.exceptions.ClientError:
            return {}  # not ACTIVE yet, or gone: the table shows nothing rather than guessing
        return {str(k): float(v) for k, v in found.items()}

    def tags(self, arn: str) -> dict[str, str]:
        """The resource's tags (the champion record of a version); none when it is gone."""
        try:
            found = self.personalize.list_tags_for_resource(resourceArn=arn).get("tags", [])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return {}
            raise
        return {str(t["tagKey"]): str(t["tagValue"]) for t in found}

    def campaign(self, arn: str) -> dict[str, Any] | None:
        try:
            return dict(self.personalize.describe_campaign(campaignArn=arn)["campaign"])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def filter(self, arn: str) -> dict[str, Any] | None:
        try:
            return dict(self.personalize.describe_filter(filterArn=arn)["filter"])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise

    def event_tracker(self, arn: str) -> dict[str, Any] | None:
        try:
            return dict(self.personalize.describe_event_tracker(eventTrackerArn=arn)["eventTracker"])
        except self.personalize.exceptions.ClientError as exc:
            if self._not_found(exc):
                return None
            raise


class DeployedStack(Protocol):
    """What status and drift read about one deployed stack."""

    personalize: PersonalizeReads

    def now(self) -> float: ...
    def stack(self) -> StackInfo: ...  # raises StackNotFoundError
    def resources(self) -> dict[str, StackResource]: ...
    def template(self) -> dict[str, Any]: ...
    def parameters(self, names: list[str]) -> dict[str, str]: ...


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value or 0)


def epoch(value: Any) -> float:
    """A Personalize timestamp (datetime from boto3) as epoch seconds; 0 when absent."""
    return _epoch(value)


class Boto3Stack:
    """A stack of a real account, read with injected boto3 clients (read-only calls only)."""

    def __init__(self, stack_name: str, *, cloudformation: Any, ssm: Any, personalize: Any) -> None:
        self.stack_name = stack_name
        self.cloudformation = cloudformation
        self.ssm = ssm
        self.personalize = PersonalizeReads(personalize)

    def now(self) -> float:
        return datetime.now().timestamp()

    def stack(self) -> StackInfo:
        from botocore.exceptions import BotoCoreError  # noqa: PLC0415

        try:
            (found,) = self.cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"]
        except self.cloudformation.exceptions.ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", str(exc))
            raise StackNotFoundError(f"stack {self.stack_name}: {message}") from None
        except BotoCoreError as exc:  # no credentials, no region, no network
            raise StackNotFoundError(f"stack {self.stack_name}: {exc}") from None
        failures = self._failures()
        return StackInfo(
            name=self.stack_name,
            status=str(found["StackStatus"]),
            reason=str(found.get("StackStatusReason", "")),
            last_failure=failures[0] if failures else "",
        )

    def _failures(self) -> list[str]:
        events = self.cloudformation.describe_stack_events(StackName=self.stack_name)["StackEvents"]
        return [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in events
            if str(e.get("ResourceStatus", "")).endswith("_FAILED")
        ]

    def resources(self) -> dict[str, StackResource]:
        found = self.cloudformation.describe_stack_resources(StackName=self.stack_name)["StackResources"]
        return {
            r["LogicalResourceId"]: StackResource(
                logical_id=r["LogicalResourceId"],
                type=r["ResourceType"],
                physical_id=r.get("PhysicalResourceId", ""),
                status=r["ResourceStatus"],
            )
            for r in found
        }

    def template(self) -> dict[str, Any]:
        body = self.cloudformation.get_template(StackName=self.stack_name, TemplateStage="Original")[
            "TemplateBody"
        ]
        if isinstance(body, str):
            loaded: dict[str, Any] = json.loads(body)
            return loaded
        return dict(body)

    def parameters(self, names: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for start in range(0, len(names), 10):  # GetParameters takes at most 10 names
            found = self.ssm.get_parameters(Names=names[start : start + 10])["Parameters"]
            out.update({p["Name"]: p["Value"] for p in found})
        return out
