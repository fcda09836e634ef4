"""The aws-cdk-lib custom-resources Provider framework, played in virtual time.

Read from aws-cdk-lib 2.275.0, `custom-resources/lib/provider-framework/` (the TypeScript
sources in aws/aws-cdk, `packages/aws-cdk-lib/custom-resources/lib/provider-framework/`):

- `runtime/cfn-response.ts`, `safeHandler`: a Delete whose PhysicalResourceId is
  `CREATE_FAILED_PHYSICAL_ID_MARKER` is answered SUCCESS at once, the user handler never
  called. Any other error fails the operation: when the event has no PhysicalResourceId yet
  (a Create whose onEvent failed) the FAILED response carries that marker, so the rollback's
  Delete of a failed Create never reaches the handler. The reason is the error's `stack`.
- `runtime/framework.ts`, `onEvent` / `invokeUserFunction`: the user onEvent is invoked once,
  synchronously (`outbound.ts`, `defaultInvokeFunction`: `lambda.invoke`, no retry of a
  function error). A user function error (an exception, or the Lambda killed at its timeout:
  `FunctionError` with the runtime's "Task timed out after N seconds" message) becomes
  `Error("<errorMessage>\\n\\nLogs: /aws/lambda/<name>\\n")`. An empty answer is `{}`
  (`createResponseEvent`: `onEventResult || {}`); a missing PhysicalResourceId defaults to
  the RequestId on Create and to the request's id otherwise (`defaultPhysicalResourceId`);
  a Delete answering another id fails ("DELETE: cannot change the physical resource ID ...").
- `runtime/framework.ts`, `isComplete`: `!isCompleteResult.IsComplete` is JavaScript
  truthiness (`[]`, `{}`, `"false"` are complete) and a `null` answer is a TypeError, so a
  failure; not complete with a non-empty Data fails ('"Data" is not allowed ...'); otherwise
  it throws `Retry`. Complete: the response is `{...event, ...isCompleteResult, Data: merged}`,
  so a PhysicalResourceId isComplete returns is the one CloudFormation records.
- `waiter-state-machine.ts`: one Task state, `Retry` on States.ALL with
  `IntervalSeconds=query_interval, MaxAttempts=total_timeout/query_interval, BackoffRate=1`
  (`util.ts`, `calculateRetryPolicy`), `Catch` into the onTimeout task; so isComplete runs
  right after onEvent, then every query_interval: 1 + max_attempts attempts. `onTimeout`
  answers FAILED "Operation timed out" with the event's physical id. Nobody stops the
  execution when CloudFormation cancels the operation: that is the caller's business (the
  simulator keeps driving a cancelled process and ignores its answer).
- `runtime/cfn-response.ts`, `submitResponse`: Status, Reason (default the status),
  PhysicalResourceId (`MISSING_PHYSICAL_ID_MARKER` when empty), Data; CloudFormation refuses a
  body over 4096 bytes ("Response object is too long.").

Step Functions state transitions (the Standard workflow bill). Step Functions counts a
transition each time a state is entered, retries included. The waiter has no Wait state: the
wait between polls is the Task's own Retry interval. So one isComplete attempt costs exactly
one transition (`TRANSITIONS_PER_POLL`), and a timeout adds one for the onTimeout Task.
Framework Lambda invocations are counted separately from the user handler invocations
(`lambda_invocations` = user onEvent + user isComplete).

Time: `run` is a process for `scheduler.Scheduler` (it yields the seconds it waits). An
injected onEvent delay makes the handler start that long after CloudFormation sent the request
(CloudFormation invokes the ServiceToken function asynchronously: the event can wait in
Lambda's queue), while CloudFormation may already have moved on. A user function that raises
`LambdaTimedOut`, or whose body ran past `lambda_timeout` on the virtual clock, ended as a
timed-out Lambda: whatever it did happened, its answer is lost, the framework fails the
operation at invocation start + `lambda_timeout`.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .scheduler import Clock

CREATE_FAILED_MARKER: Final = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER: Final = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
MAX_RESPONSE_BYTES: Final = 4096
RESPONSE_TOO_LONG: Final = "Response object is too long."
TIMED_OUT: Final = "Operation timed out"
DATA_WHILE_INCOMPLETE: Final = 'Error: "Data" is not allowed if "IsComplete" is "False"'
TRANSITIONS_PER_POLL: Final = 1
TRANSITIONS_PER_TIMEOUT: Final = 1
DEFAULT_LAMBDA_TIMEOUT: Final = 120  # stacks/provider.py: the handlers' Duration.minutes(2)

Handler = Callable[[dict[str, Any], Any], Any]

__all__ = [
    "CREATE_FAILED_MARKER",
    "Clock",
    "Handler",
    "LambdaTimedOut",
    "OperationStats",
    "ProviderModel",
    "ProviderOutcome",
]


class LambdaTimedOut(BaseException):
    """Raised inside a user handler: Lambda kills it here (a BaseException: `except Exception` misses it)."""


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
    physical_id: str | None = None  # what onEvent answered, once it did
    is_complete_times: list[float] = field(default_factory=list)
    cancelled_at: float | None = None  # CloudFormation stopped listening (another resource failed)
    ended_at: float | None = None

    @property
    def lambda_invocations(self) -> int:
        """User handler invocations: onEvent plus isComplete."""
        return self.on_event_calls + self.is_complete_calls

    @property
    def polls_after_cancel(self) -> int:
        """isComplete calls of the waiter after CloudFormation cancelled the operation."""
        if self.cancelled_at is None:
            return 0
        return sum(1 for t in self.is_complete_times if t > self.cancelled_at)


@dataclass
class ProviderOutcome:
    """What the framework answered CloudFormation, and what CloudFormation made of it."""

    success: bool
    physical_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # the CloudFormation status reason on failure
    message: str = ""  # the bare error text (the handler's exception message)
    stats: OperationStats | None = None


class _InvocationError(Exception):
    """A user function error as `invokeUserFunction` throws it."""

    def __init__(self, error_message: str, function_name: str | None) -> None:
        super().__init__(error_message)
        self.error_message = error_message
        if function_name is None:  # thrown by the framework itself, not by a user function
            self.reason = f"TypeError: {error_message}"
        else:
            self.reason = f"Error: {error_message}\n\nLogs: /aws/lambda/{function_name}\n"


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: only false, 0, "", null/undefined and NaN are false."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return bool(value) and not math.isnan(value)
    return True


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
        lambda_timeout: int = DEFAULT_LAMBDA_TIMEOUT,
        on_event_delay: Callable[[dict[str, Any]], float] | None = None,
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
        self.lambda_timeout = lambda_timeout
        self._function_names = function_names
        self._on_event_delay = on_event_delay or (lambda _request: 0.0)

    def run(
        self, request: dict[str, Any], stats: OperationStats | None = None
    ) -> Generator[float, None, ProviderOutcome]:
        """Play the request; never raises for handler errors (they become a FAILED outcome)."""
        stats = stats or OperationStats(
            request["LogicalResourceId"], request["RequestType"], self._clock.now()
        )
        outcome = yield from self._run(request, stats)
        stats.ended_at = self._clock.now()
        stats.duration = stats.ended_at - stats.started_at
        outcome.stats = stats
        return self._check_size(request, outcome)

    # ---- the user functions, as Lambda runs them ------------------------------------------------
    def _invoke(
        self, handler: Handler, event: dict[str, Any], function_name: str, *, delay: float = 0.0
    ) -> Generator[float, None, Any]:
        if delay > 0:  # the event waits in Lambda's asynchronous queue before the handler starts
            yield delay
        invoked_at = self._clock.now()
        try:
            answer = handler(copy.deepcopy(event), self._deps_factory())
        except LambdaTimedOut:
            answer = _TIMED_OUT
        except Exception as exc:
            raise _InvocationError(str(exc), function_name) from exc
        if answer is _TIMED_OUT or self._clock.now() - invoked_at > self.lambda_timeout:
            killed_at = invoked_at + self.lambda_timeout
            if killed_at > self._clock.now():
                yield killed_at - self._clock.now()
            stamp = datetime.fromtimestamp(killed_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            message = f"{stamp} {event['RequestId']} Task timed out after {self.lambda_timeout:.2f} seconds"
            raise _InvocationError(message, function_name)
        # The payload crosses Lambda as JSON.
        return json.loads(json.dumps(answer))

    # ---- the framework ----------------------------------------------------------------------
    def _run(self, request: dict[str, Any], stats: OperationStats) -> Generator[float, None, ProviderOutcome]:
        stats.framework_invocations += 1
        request_type = request["RequestType"]
        if request_type == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return ProviderOutcome(True, CREATE_FAILED_MARKER)
        try:
            stats.on_event_calls += 1
            delay = self._on_event_delay(request)
            result = yield from self._invoke(self._on_event, request, self._function_names[0], delay=delay)
            result = result if isinstance(result, dict) else {}  # `onEventResult || {}`; no fields
        except _InvocationError as exc:
            physical_id = request.get("PhysicalResourceId") or (
                CREATE_FAILED_MARKER if request_type == "Create" else None
            )
            return self._failed(physical_id, exc.reason, exc.error_message)
        physical_id = result.get("PhysicalResourceId") or self._default_physical_id(request)
        if request_type == "Delete" and physical_id != request.get("PhysicalResourceId"):
            message = (
                f'DELETE: cannot change the physical resource ID from "{request.get("PhysicalResourceId")}" '
                f'to "{result.get("PhysicalResourceId")}" during deletion'
            )
            return self._failed(request.get("PhysicalResourceId"), f"Error: {message}", message)
        stats.physical_id = physical_id
        event = {**request, **result, "PhysicalResourceId": physical_id}
        attempt = 0
        yield 0.0  # StartExecution: the first isComplete runs right after, in its own step
        while True:
            stats.state_transitions += TRANSITIONS_PER_POLL
            stats.framework_invocations += 1
            stats.is_complete_calls += 1
            stats.is_complete_times.append(self._clock.now())
            try:
                answer = yield from self._invoke(self._is_complete, event, self._function_names[1])
                if answer is None:
                    raise _InvocationError("Cannot read properties of null (reading 'IsComplete')", None)
                if not isinstance(answer, dict):
                    answer = {}  # `[].IsComplete` is undefined: not complete
            except _InvocationError as exc:
                return self._failed(physical_id, exc.reason, exc.error_message, event)
            if js_truthy(answer.get("IsComplete")):
                data = {**(event.get("Data") or {}), **(answer.get("Data") or {})}
                final_id = answer.get("PhysicalResourceId") or physical_id
                return ProviderOutcome(True, str(final_id), data)
            if answer.get("Data"):
                return self._failed(physical_id, DATA_WHILE_INCOMPLETE, DATA_WHILE_INCOMPLETE[7:], event)
            if attempt >= self.max_attempts:
                stats.state_transitions += TRANSITIONS_PER_TIMEOUT
                stats.framework_invocations += 1
                return self._failed(physical_id, TIMED_OUT, TIMED_OUT, event)
            attempt += 1
            yield self.query_interval

    @staticmethod
    def _default_physical_id(request: dict[str, Any]) -> str:
        if request["RequestType"] == "Create":
            return str(request["RequestId"])
        return str(request["PhysicalResourceId"])

    @staticmethod
    def _failed(
        physical_id: str | None,
        framework_reason: str,
        message: str,
        event: dict[str, Any] | None = None,
    ) -> ProviderOutcome:
        data = dict((event or {}).get("Data") or {})
        return ProviderOutcome(False, physical_id, data, reason=framework_reason, message=message)

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


_TIMED_OUT: Final = object()
