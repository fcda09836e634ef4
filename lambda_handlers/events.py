"""The CloudFormation custom-resource event as the Provider framework hands it over, typed.

Create, Update and Delete are types of their own (`parse`), so a handler `match`es on them and
the type checker proves the previous declaration (`Update.old_props`) is read on an Update only.
isComplete receives onEvent's event plus onEvent's result (`PhysicalResourceId`, `Data`).
Property values arrive as strings; anything else is turned into a string (JSON for containers).
What the properties mean is the resource's contract (`contract/`): `spec()` decodes them.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Required, TypeAlias, TypedDict, TypeVar

from lambda_handlers.contract import Contract, ContractError
from lambda_handlers.errors import DeployError

CREATE: Final = "Create"
UPDATE: Final = "Update"
DELETE: Final = "Delete"
REQUEST_TYPES: Final = (CREATE, UPDATE, DELETE)

C = TypeVar("C", bound=Contract)


class OnEventResponse(TypedDict):
    PhysicalResourceId: str
    Data: dict[str, str]


class IsCompleteResponse(TypedDict, total=False):
    IsComplete: Required[bool]
    Data: dict[str, str]


def _as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _str_map(raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(key): _as_str(value) for key, value in raw.items()}


@dataclass(frozen=True, kw_only=True)
class _Request:
    """What every request carries. `request_type` is the class's: match on the class instead."""

    REQUEST_TYPE: ClassVar[str]
    resource_type: str
    logical_id: str
    physical_id: str  # "" in onEvent of a Create: CloudFormation has none to send yet
    props: dict[str, str]
    data: dict[str, str] = field(default_factory=dict)  # onEvent's Data, in isComplete events
    stack_id: str = ""  # the stack's ARN (CloudFormation always sends it)
    request_id: str = ""  # one per CloudFormation request; a repeated delivery carries the same

    @property
    def request_type(self) -> str:
        return self.REQUEST_TYPE

    @property
    def stack_name(self) -> str:
        """The stack name in StackId (`arn:...:cloudformation:{region}:{account}:stack/{name}/{id}`)."""
        path = self.stack_id.split(":", 5)[-1] if self.stack_id.startswith("arn:") else ""
        parts = path.split("/")
        return parts[1] if len(parts) >= 2 and parts[0] == "stack" else ""

    def spec(self, contract: type[C]) -> C:
        """ResourceProperties decoded by the resource's contract; a bad value fails naming it."""
        return self._decode(contract, self.props)

    def _decode(self, contract: type[C], props: Mapping[str, str]) -> C:
        try:
            return contract.from_properties(props)
        except ContractError as exc:
            raise DeployError(f"{self.logical_id} ({self.resource_type}): {exc}") from exc


@dataclass(frozen=True, kw_only=True)
class Create(_Request):
    REQUEST_TYPE: ClassVar[str] = CREATE


@dataclass(frozen=True, kw_only=True)
class Update(_Request):
    """The only request with a previous declaration: a change, or a rollback back to it."""

    REQUEST_TYPE: ClassVar[str] = UPDATE
    old_props: dict[str, str]

    def old_spec(self, contract: type[C]) -> C:
        """OldResourceProperties (the previous declaration) decoded as `spec` decodes the new one."""
        return self._decode(contract, self.old_props)


@dataclass(frozen=True, kw_only=True)
class Delete(_Request):
    REQUEST_TYPE: ClassVar[str] = DELETE


Event: TypeAlias = Create | Update | Delete


class _Common(TypedDict):
    resource_type: str
    logical_id: str
    physical_id: str
    props: dict[str, str]
    data: dict[str, str]
    stack_id: str
    request_id: str


def parse(raw: Mapping[str, Any]) -> Event:
    """The request as its own type: only an Update carries OldResourceProperties."""
    request_type = _as_str(raw.get("RequestType"))
    common: _Common = {
        "resource_type": _as_str(raw.get("ResourceType")),
        "logical_id": _as_str(raw.get("LogicalResourceId")),
        "physical_id": _as_str(raw.get("PhysicalResourceId")),
        "props": _str_map(raw.get("ResourceProperties")),
        "data": _str_map(raw.get("Data")),
        "stack_id": _as_str(raw.get("StackId")),
        "request_id": _as_str(raw.get("RequestId")),
    }
    if request_type == CREATE:
        return Create(**common)
    if request_type == UPDATE:
        return Update(**common, old_props=_str_map(raw.get("OldResourceProperties")))
    if request_type == DELETE:
        return Delete(**common)
    raise DeployError(f"unknown RequestType {request_type!r}; expected one of {REQUEST_TYPES}")


def respond(physical_id: str, data: Mapping[str, str] | None = None) -> OnEventResponse:
    return {"PhysicalResourceId": physical_id, "Data": dict(data or {})}


def complete(data: Mapping[str, str] | None = None) -> IsCompleteResponse:
    response: IsCompleteResponse = {"IsComplete": True}
    if data:
        response["Data"] = dict(data)
    return response


def not_complete() -> IsCompleteResponse:
    return {"IsComplete": False}
