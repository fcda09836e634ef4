"""One cdk-nag 3 acknowledgment: an AwsSolutions finding id on a construct, and why it stands."""

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge `AwsSolutions::{finding}` on `scope` (its id embeds logical ids: compute it)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason))
