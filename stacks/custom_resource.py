"""A Personalize custom resource on the stack's one Provider, with a readable logical id."""

from collections.abc import Sequence

from aws_cdk import CfnResource, CustomResource, Duration
from constructs import Construct, IDependable

from lambda_handlers import constants
from lambda_handlers.contract import Contract
from stacks.provider import personalize_provider


def custom_resource(
    scope: Construct,
    cid: str,
    *,
    spec: Contract,
    logical_id: str,
    depends_on: Sequence[IDependable] = (),
) -> CustomResource:
    """`spec`'s resource type and properties, served by `personalize_provider`; CloudFormation
    allows it the Provider's whole hour."""
    resource = CustomResource(
        scope,
        cid,
        service_token=personalize_provider(scope).service_token,
        resource_type=spec.RESOURCE_TYPE,
        properties=spec.to_properties(),
        service_timeout=Duration.seconds(constants.PROVIDER_TOTAL_TIMEOUT_SECONDS),
    )
    child = resource.node.default_child
    assert isinstance(child, CfnResource)
    child.override_logical_id(logical_id)
    for dependency in depends_on:
        resource.node.add_dependency(dependency)
    return resource
