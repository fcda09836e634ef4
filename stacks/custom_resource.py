"""A Personalize custom resource on the stack's one Provider, with a readable logical id."""

import json
from collections.abc import Mapping, Sequence

from aws_cdk import CfnResource, CustomResource, Duration
from constructs import Construct, IDependable

from lambda_handlers import constants
from stacks.provider import personalize_provider


def api_tags(tags: Mapping[str, str]) -> str:
    """Config tags in Personalize's shape, as the JSON string a custom resource property carries."""
    return json.dumps([{"tagKey": k, "tagValue": v} for k, v in sorted(tags.items())])


def custom_resource(
    scope: Construct,
    cid: str,
    *,
    resource_type: str,
    logical_id: str,
    properties: Mapping[str, str],
    depends_on: Sequence[IDependable] = (),
) -> CustomResource:
    """Served by `personalize_provider`; CloudFormation allows it the Provider's whole hour."""
    resource = CustomResource(
        scope,
        cid,
        service_token=personalize_provider(scope).service_token,
        resource_type=resource_type,
        properties=dict(properties),
        service_timeout=Duration.seconds(constants.PROVIDER_TOTAL_TIMEOUT_SECONDS),
    )
    child = resource.node.default_child
    assert isinstance(child, CfnResource)
    child.override_logical_id(logical_id)
    for dependency in depends_on:
        resource.node.add_dependency(dependency)
    return resource
