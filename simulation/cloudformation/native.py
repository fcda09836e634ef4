"""Native `AWS::Personalize::*` resources, created through a boto3 Personalize client.

Plays what CloudFormation's own resource handlers do: create, wait (describing every
`poll_interval` seconds of virtual time) until ACTIVE, delete and wait until ResourceNotFound.
Each operation is a process for `scheduler.Scheduler`: a generator that yields the seconds it
waits, so native resources keep their modelled durations while others run.
Create-only properties (the CloudFormation registry schemas, read by `ops.cfn_registry`) force a
replacement; the simulator decides that with `CREATE_ONLY` before calling `update`. In-place updates
(Tags of a filter or an event tracker) make no call. The stack imports data through its own
`Custom::PersonalizeDatasetImport`, never a Dataset's `DatasetImportJob` property, so this
model has no import.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ops import cfn_registry

from .provider import Clock

DATASET_GROUP: Final = "AWS::Personalize::DatasetGroup"
SCHEMA: Final = "AWS::Personalize::Schema"
DATASET: Final = "AWS::Personalize::Dataset"
FILTER: Final = "AWS::Personalize::Filter"
EVENT_TRACKER: Final = "AWS::Personalize::EventTracker"

# The types this model implements. What replaces them and what `Ref` returns come from the
# CloudFormation registry schemas (ops/cfn_registry.py), never from a copy here.
NATIVE_TYPES: Final = frozenset({DATASET_GROUP, SCHEMA, DATASET, FILTER, EVENT_TRACKER})
CREATE_ONLY: Final[Mapping[str, frozenset[str]]] = {
    t: frozenset(cfn_registry.create_only(t)) for t in NATIVE_TYPES
}
PRIMARY_ATTR: Final[Mapping[str, str]] = {t: cfn_registry.primary_identifier(t) for t in NATIVE_TYPES}

FAILED_STATES: Final = ("CREATE FAILED", "FAILED")


class NativeError(Exception):
    """A native resource operation failed; the message is CloudFormation's status reason.

    `physical_id` is set when the resource exists although the operation failed (a dataset
    whose import job failed): CloudFormation then deletes it on rollback.
    """

    def __init__(self, reason: str, physical_id: str | None = None) -> None:
        super().__init__(reason)
        self.physical_id = physical_id


@dataclass
class NativeResult:
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, else the exception's class name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def _tags(props: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"tagKey": str(t["Key"]), "tagValue": str(t["Value"])} for t in props.get("Tags") or []]


class NativePersonalize:
    """Create/update/delete of the native Personalize types against a Personalize client."""

    def __init__(
        self,
        client: Any,
        clock: Clock,
        *,
        poll_interval: int = 30,
        max_wait_seconds: int = 36 * 3600,
        in_use_wait_seconds: int = 3600,
    ) -> None:
        self._client = client
        self._clock = clock
        self._poll = poll_interval
        self._max_wait = max_wait_seconds
        self._in_use_wait = in_use_wait_seconds

    # ---- create -------------------------------------------------------------------------------
    def create(
        self, rtype: str, props: Mapping[str, Any], made: list[str] | None = None
    ) -> Generator[float, None, NativeResult]:
        """Create and wait; `made` receives the physical id as soon as the create call answered."""
        made = [] if made is None else made
        try:
            return (yield from self._create(rtype, props, made))
        except NativeError as exc:
            exc.physical_id = exc.physical_id or (made[0] if made else None)
            raise
        except Exception as exc:
            raise NativeError(_reason(exc), made[0] if made else None) from exc

    def _create(
        self, rtype: str, props: Mapping[str, Any], made: list[str]
    ) -> Generator[float, None, NativeResult]:
        c = self._client
        if True:
            if rtype == DATASET_GROUP:
                kwargs = _optional(
                    props, name="Name", roleArn="RoleArn", kmsKeyArn="KmsKeyArn", domain="Domain"
                )
                arn = c.create_dataset_group(**kwargs, **_tag_kw(props))["datasetGroupArn"]
                made.append(arn)
                yield from self._wait_active(
                    lambda: c.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"], arn
                )
                return NativeResult(arn, {"DatasetGroupArn": arn})
            if rtype == SCHEMA:
                kwargs = _optional(props, name="Name", schema="Schema", domain="Domain")
                arn = c.create_schema(**kwargs)["schemaArn"]
                made.append(arn)
                return NativeResult(arn, {"SchemaArn": arn})
            if rtype == DATASET:
                kwargs = _optional(
                    props,
                    name="Name",
                    schemaArn="SchemaArn",
                    datasetGroupArn="DatasetGroupArn",
                    datasetType="DatasetType",
                )
                arn = c.create_dataset(**kwargs, **_tag_kw(props))["datasetArn"]
                made.append(arn)
                yield from self._wait_active(lambda: c.describe_dataset(datasetArn=arn)["dataset"], arn)
                return NativeResult(arn, {"DatasetArn": arn})
            if rtype == FILTER:
                kwargs = _optional(
                    props, name="Name", datasetGroupArn="DatasetGroupArn", filterExpression="FilterExpression"
                )
                arn = c.create_filter(**kwargs, **_tag_kw(props))["filterArn"]
                made.append(arn)
                yield from self._wait_active(lambda: c.describe_filter(filterArn=arn)["filter"], arn)
                return NativeResult(arn, {"FilterArn": arn})
            if rtype == EVENT_TRACKER:
                kwargs = _optional(props, name="Name", datasetGroupArn="DatasetGroupArn")
                answer = c.create_event_tracker(**kwargs, **_tag_kw(props))
                arn = answer["eventTrackerArn"]
                made.append(arn)
                yield from self._wait_active(
                    lambda: c.describe_event_tracker(eventTrackerArn=arn)["eventTracker"], arn
                )
                return NativeResult(arn, {"EventTrackerArn": arn, "TrackingId": answer.get("trackingId", "")})
        raise NativeError(f"Unsupported native type {rtype}")

    # ---- update (no create-only property changed) ---------------------------------------------
    def update(
        self, rtype: str, old: Mapping[str, Any], new: Mapping[str, Any], current: NativeResult
    ) -> Generator[float, None, NativeResult]:
        """Tags of a filter or an event tracker: CloudFormation's handlers change them without a wait."""
        yield from ()
        return NativeResult(current.physical_id, dict(current.attributes))

    # ---- delete -------------------------------------------------------------------------------
    def delete(self, rtype: str, physical_id: str) -> Generator[float, None, None]:
        c = self._client
        calls: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            DATASET_GROUP: (
                lambda: c.delete_dataset_group(datasetGroupArn=physical_id),
                lambda: c.describe_dataset_group(datasetGroupArn=physical_id),
            ),
            SCHEMA: (
                lambda: c.delete_schema(schemaArn=physical_id),
                lambda: c.describe_schema(schemaArn=physical_id),
            ),
            DATASET: (
                lambda: c.delete_dataset(datasetArn=physical_id),
                lambda: c.describe_dataset(datasetArn=physical_id),
            ),
            FILTER: (
                lambda: c.delete_filter(filterArn=physical_id),
                lambda: c.describe_filter(filterArn=physical_id),
            ),
            EVENT_TRACKER: (
                lambda: c.delete_event_tracker(eventTrackerArn=physical_id),
                lambda: c.describe_event_tracker(eventTrackerArn=physical_id),
            ),
        }
        if rtype not in calls:
            raise NativeError(f"Unsupported native type {rtype}")
        delete, describe = calls[rtype]
        waited = 0
        while True:
            try:
                delete()
                break
            except Exception as exc:
                code = error_code(exc)
                if code == "ResourceNotFoundException":
                    return
                if code != "ResourceInUseException" or waited >= self._in_use_wait:
                    raise NativeError(_reason(exc)) from exc
            yield self._poll
            waited += self._poll
        while True:
            try:
                describe()
            except Exception as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return
                raise NativeError(_reason(exc)) from exc
            if waited >= self._max_wait:
                raise NativeError(f"Resource {physical_id} still exists after {waited} s")
            yield self._poll
            waited += self._poll

    # ---- waiting ------------------------------------------------------------------------------
    def _wait_active(
        self, describe: Callable[[], Mapping[str, Any]], arn: str
    ) -> Generator[float, None, None]:
        waited = 0
        while True:
            state = describe()
            status = str(state.get("status", "ACTIVE"))
            if status == "ACTIVE":
                return
            if status in FAILED_STATES:
                raise NativeError(f"{arn} is {status}: {state.get('failureReason', 'no reason given')}")
            if waited >= self._max_wait:
                raise NativeError(f"Exceeded attempts to wait: {arn} is still {status} after {waited} s")
            yield self._poll
            waited += self._poll


def _optional(props: Mapping[str, Any], **mapping: str) -> dict[str, Any]:
    """API keyword arguments from the CloudFormation properties that are present."""
    return {api: props[cfn] for api, cfn in mapping.items() if props.get(cfn) not in (None, "")}


def _tag_kw(props: Mapping[str, Any]) -> dict[str, Any]:
    tags = _tags(props)
    return {"tags": tags} if tags else {}


def _reason(exc: BaseException) -> str:
    return f'Resource handler returned message: "{exc}" (HandlerErrorCode: {error_code(exc)})'
