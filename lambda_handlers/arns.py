"""Building and reading Personalize ARNs (`arn:{partition}:personalize:{region}:{account}:...`)."""

from lambda_handlers import constants
from lambda_handlers.errors import DeployError

ARN_FIELDS = 6


def _prefix(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) != ARN_FIELDS or parts[0] != "arn":
        raise DeployError(f"not an ARN: {arn!r}")
    return ":".join(parts[:5])


def is_arn(text: str) -> bool:
    return text.startswith("arn:") and len(text.split(":", 5)) == ARN_FIELDS


def sibling(arn: str, kind: str, name: str) -> str:
    """The ARN of resource `kind/name` in the same partition, region and account as `arn`."""
    return f"{_prefix(arn)}:{kind}/{name}"


def resource_path(arn: str) -> list[str]:
    """`arn:...:solution/name/id` → ["solution", "name", "id"]."""
    _prefix(arn)
    return arn.split(":", 5)[5].split("/")


def solution_name(arn: str) -> str:
    """Name of the solution of a solution or solution version ARN."""
    path = resource_path(arn)
    return path[1] if len(path) > 1 else path[0]


def solution_of_version(version_arn: str) -> str:
    """`arn:...:solution/name/id` → `arn:...:solution/name`."""
    return version_arn.rsplit("/", 1)[0]


def adopted(arn: str) -> str:
    return f"{constants.ADOPTED_PREFIX}{arn}"


def is_adopted(physical_id: str) -> bool:
    return physical_id.startswith(constants.ADOPTED_PREFIX)


def strip_adopted(physical_id: str) -> str:
    return physical_id.removeprefix(constants.ADOPTED_PREFIX)
