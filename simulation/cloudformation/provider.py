"""The aws-cdk-lib custom-resources Provider framework, played in virtual time.

Read from aws-cdk-lib 2.275.0 (`custom-resources/lib/provider-framework/runtime/framework.js`,
`cfn-response.js`, `waiter-state-machine.js`, `util.js`):

- framework onEvent invokes the user onEvent once with the CloudFormation request. An
  exception fails the operation at once; on Create the failure carries the marker physical id
  `AWSCDK::CustomResourceProviderFramework::CREATE_FAILED`, whose later Delete the framework
  answers itself without calling the user. Missing `PhysicalResourceId` defaults to the
  RequestId on Create and to the request's id on Update/Delete; a Delete returning another id
  fails ("DELETE: cannot change the physical resource ID ...").
- isComplete's event is `{**request, **onEvent_result, "PhysicalResourceId": id}`.
- The waiter state machine has one Task state (`framework-isComplete-task`) with
  `Retry: IntervalSeconds=query_interval, MaxAttempts=total_timeout/query_interval,
  BackoffRate=1` and a `Catch` into the `framework-onTimeout-task`. So isComplete runs right
  after onEvent and then every query_interval: attempts at 0, 30, ..., 3600 s (121 in all
  with the defaults). `IsComplete: false` with a non-empty Data fails ("Data" is not allowed
  ...); otherwise it is a retry. When the retries run out, onTimeout answers FAILED with
  "Operation timed out".
- Success: Data = onEvent Data merged with isComplete Data (isComplete wins).
- CloudFormation refuses a response body (Status, Reason, ids, Data) over 4096 bytes:
  "Response object is too long.".

Step Functions state transitions (the Standard workflow bill). Step Functions counts a
transition each time a state is entered, retries included. The waiter has no Wait state: the
wait between polls is the Task's own Retry interval. So one isComplete attempt costs exactly
one transition (`TRANSITIONS_PER_POLL`), and a timeout adds one for the onTimeout Task.
An operation polled n times costs n transitions (n + 1 when it times out); a provider with
no isComplete handler would cost none. Framework Lambda invocations are counted separately
from the user handler invocations (`lambda_invocations` = user onEvent + user isComplete).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

CREATE_FAILED_MARKER: Final = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER: Final = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
MAX_RESPONSE_BYTES: Final = 4096
RESPONSE_TOO_LONG: Final = "Response object is too long."
TIMED_OUT: Final = "Operation timed out"
DATA_WHILE_INCOMPLETE: Final = 'Error: "Data" is not allowed if "IsComplete" is "False"'
TRANSITIONS_PER_POLL: Final = 1
TRANSITIONS_PER_TIMEOUT: Final = 1

Handler = Callable[[dict[str, Any], Any], Any]


class Clock(Protocol):
    def now(self) -> float: ...

    def advance(self, seconds: float) -> object: ...


@dataclass
class OperationStats:
    """Accounting of one custom resource operation (one CloudFormation request)."""

    logical_id: str
    request_type: str
    started_at: float
    duration: float = 0.0
    on_event_calls: int = 0
    is_complete_calls: int = 0
    state_transitions: int = 0
    framework_invocations: int = 0

    @property
    def lambda_invocations(self) -> int:
        """User handler invocations: onEvent plus isComplete."""
        return self.on_event_calls + self.is_complete_calls


@dataclass
class ProviderOutcome:
    """What the framework answered CloudFormation, and what CloudFormation made of it."""

    success: bool
    physical_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # the CloudFormation status reason on failure
    message: str = ""  # the bare error text (the handler's exception message)
    stats: OperationStats | None = None


class ProviderModel:
    """Runs one CloudFormation request through onEvent and the isComplete waiter."""

    def __init__(
        self,
        clock: Clock,
        on_event: Handler,
        is_complete: Handler,
        deps_factory: Callable[[], Any],
        *,
        query_interval: int = 30,
        total_timeout: int = 3600,
        function_names: tuple[str, str] = ("OnEvent", "IsComplete"),
    ) -> None:
        if total_timeout % query_interval:
            raise ValueError(
                f"Cannot determine retry count since totalTimeout={total_timeout}s is not integrally "
                f"dividable by queryInterval={query_interval}s"
            )
        self._clock = clock
        self._on_event = on_event
        self._is_complete = is_complete
        self._deps_factory = deps_factory
        self.query_interval = query_interval
        self.total_timeout = total_timeout
        self.max_attempts = total_timeout // query_interval
        self._function_names = function_names

    def run(self, request: dict[str, Any]) -> ProviderOutcome:
        """Play the request; never raises for handler errors (they become a FAILED outcome)."""
        stats = OperationStats(request["LogicalResourceId"], request["RequestType"], self._clock.now())
        outcome = self._run(request, stats)
        stats.duration = self._clock.now() - stats.started_at
        outcome.stats = stats
        return self._check_size(request, outcome)

    # ---- the framework ----------------------------------------------------------------------
    def _run(self, request: dict[str, Any], stats: OperationStats) -> ProviderOutcome:
        stats.framework_invocations += 1
        request_type = request["RequestType"]
        if request_type == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return ProviderOutcome(True, CREATE_FAILED_MARKER)
        try:
            stats.on_event_calls += 1
            result = self._on_event(copy.deepcopy(request), self._deps_factory()) or {}
            if not isinstance(result, dict):
                raise TypeError(f"onEvent returned {type(result).__name__}, not an object")
        except Exception as exc:
            physical_id = request.get("PhysicalResourceId") or (
                CREATE_FAILED_MARKER if request_type == "Create" else None
            )
            return self._failed(physical_id, self._user_error(exc, self._function_names[0]), exc)
        physical_id = result.get("PhysicalResourceId") or self._default_physical_id(request)
        if request_type == "Delete" and physical_id != request.get("PhysicalResourceId"):
            message = (
                f'DELETE: cannot change the physical resource ID from "{request.get("PhysicalResourceId")}" '
                f'to "{result.get("PhysicalResourceId")}" during deletion'
            )
            return self._failed(request.get("PhysicalResourceId"), f"Error: {message}", message)
        event = {**request, **result, "PhysicalResourceId": physical_id}
        attempt = 0
        while True:
            stats.state_transitions += TRANSITIONS_PER_POLL
            stats.framework_invocations += 1
            try:
                stats.is_complete_calls += 1
                answer = self._is_complete(copy.deepcopy(event), self._deps_factory()) or {}
                if not isinstance(answer, dict):
                    raise TypeError(f"isComplete returned {type(answer).__name__}, not an object")
            except Exception as exc:
                return self._failed(physical_id, self._user_error(exc, self._function_names[1]), exc, event)
            if answer.get("IsComplete"):
                data = {**(event.get("Data") or {}), **(answer.get("Data") or {})}
                return ProviderOutcome(True, physical_id, data)
            if answer.get("Data"):
                return self._failed(physical_id, DATA_WHILE_INCOMPLETE, DATA_WHILE_INCOMPLETE[7:], event)
            if attempt >= self.max_attempts:
                stats.state_transitions += TRANSITIONS_PER_TIMEOUT
                stats.framework_invocations += 1
                return self._failed(physical_id, TIMED_OUT, TIMED_OUT, event)
            attempt += 1
            self._clock.advance(self.query_interval)

    @staticmethod
    def _default_physical_id(request: dict[str, Any]) -> str:
        if request["RequestType"] == "Create":
            return str(request["RequestId"])
        return str(request["PhysicalResourceId"])

    @staticmethod
    def _user_error(exc: Exception, function_name: str) -> str:
        """The text the framework reports for a user function error (its Error.stack, no frames)."""
        return f"Error: {exc}\n\nLogs: /aws/lambda/{function_name}\n"

    @staticmethod
    def _failed(
        physical_id: str | None,
        framework_reason: str,
        message: str | Exception,
        event: dict[str, Any] | None = None,
    ) -> ProviderOutcome:
        data = dict((event or {}).get("Data") or {})
        return ProviderOutcome(False, physical_id, data, reason=framework_reason, message=str(message))

    # ---- CloudFormation's side ----------------------------------------------------------------
    @staticmethod
    def _check_size(request: dict[str, Any], outcome: ProviderOutcome) -> ProviderOutcome:
        """Apply the 4096-byte response limit and turn the framework reason into CloudFormation's."""
        body: dict[str, Any] = {
            "Status": "SUCCESS" if outcome.success else "FAILED",
            "Reason": outcome.reason or ("SUCCESS" if outcome.success else "FAILED"),
            "StackId": request["StackId"],
            "RequestId": request["RequestId"],
            "PhysicalResourceId": outcome.physical_id or MISSING_PHYSICAL_ID_MARKER,
            "LogicalResourceId": request["LogicalResourceId"],
        }
        if outcome.data:
            body["Data"] = outcome.data
        size = len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
        if size > MAX_RESPONSE_BYTES:
            outcome.success = False
            outcome.reason = RESPONSE_TOO_LONG
            outcome.message = outcome.message or RESPONSE_TOO_LONG
            if request["RequestType"] == "Create" and outcome.physical_id is None:
                outcome.physical_id = MISSING_PHYSICAL_ID_MARKER
            return outcome
        if not outcome.success:
            outcome.reason = (
                "Received response status [FAILED] from custom resource. Message returned: "
                f"{outcome.reason} (RequestId: {request['RequestId']})"
            )
        return outcome
