"""A discrete-event scheduler on the shared virtual clock.

Every operation CloudFormation runs (a native resource's create-and-wait, a custom resource's
onEvent then isComplete polls) is a *process*: a generator that yields how many virtual seconds
it waits before its next step and returns its result. A process's first step runs when it is
spawned (CloudFormation sends the request, the Lambda starts at once); then the scheduler
always runs the earliest step next, moving the clock forward to it; ties run by key (the
logical id), then in the order they were queued, so a run is repeatable. A step that itself
moves the clock (botocore's backoff on the virtual clock, a fake answer that took time) makes
the steps due meanwhile run late, at the clock's time: the clock never goes back.

On top of it, `run_graph` plays one phase of a stack operation as CloudFormation schedules it:
each resource operation (an `Op`) starts once the resources it waits for are done, so
independent ones run at the same time. A failure either cancels every operation still
running and starts nothing more (create, update) or lets the others go on (rollback, delete).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .model import Resource
    from .provider import OperationStats

Process = Generator[float, None, Any]
_T = TypeVar("_T")


class Clock(Protocol):
    def now(self) -> float: ...

    def advance(self, seconds: float) -> object: ...


@dataclass(eq=False)
class Task:
    """One running process; `result` / `error` once `done`."""

    key: str
    process: Process
    started_at: float
    done: bool = False
    result: Any = None
    error: BaseException | None = None
    ended_at: float | None = None
    on_done: list[Callable[[Task], None]] = field(default_factory=list)

    def stop(self) -> None:
        """End the process where it is (a waiter nobody drives any more)."""
        if not self.done:
            self.process.close()
            self.done = True


class Scheduler:
    """Runs processes in virtual time; see the module docstring."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._queue: list[tuple[float, str, int, Task]] = []
        self._seq = itertools.count()

    def spawn(self, key: str, process: Process) -> Task:
        """Start a process: its first step runs now, before `spawn` returns (it may end the task)."""
        task = Task(key, process, self.clock.now())
        self._advance(task)
        return task

    def _push(self, task: Task, at: float) -> None:
        heapq.heappush(self._queue, (at, task.key, next(self._seq), task))

    @property
    def idle(self) -> bool:
        return not any(not task.done for *_, task in self._queue)

    def step(self) -> Task | None:
        """Run the earliest step; return its task when that step ended it."""
        while self._queue:
            at, _, _, task = heapq.heappop(self._queue)
            if task.done:
                continue
            now = self.clock.now()
            if at > now:
                self.clock.advance(at - now)
            self._advance(task)
            return task if task.done else None
        return None

    def _advance(self, task: Task) -> None:
        try:
            wait = task.process.send(None)
        except StopIteration as stop:
            self._finish(task, result=stop.value)
            return
        except Exception as exc:  # the task carries it to whoever waits on it
            self._finish(task, error=exc)
            return
        self._push(task, self.clock.now() + max(0.0, float(wait)))

    def _finish(self, task: Task, *, result: Any = None, error: BaseException | None = None) -> None:
        task.done, task.result, task.error, task.ended_at = True, result, error, self.clock.now()
        for callback in task.on_done:
            callback(task)

    def run_until(self, finished: Callable[[], bool]) -> None:
        """Step until `finished()` holds or nothing is left to run."""
        while not finished() and not self.idle:
            self.step()

    def drain(self) -> None:
        """Run every process to its end (cancelled waiters keep polling until they stop)."""
        self.run_until(lambda: False)


def sleep(seconds: float) -> Process:
    """`yield from sleep(n)` inside a process."""
    if seconds > 0:
        yield seconds


def returning(value: _T) -> Generator[float, None, _T]:
    """A process that takes no time and returns `value`."""
    return value
    yield  # pragma: no cover - makes this a generator


class OpFailedError(Exception):
    """A resource operation failed as CloudFormation sees it (anything else is a bug and propagates)."""

    def __init__(
        self, reason: str, message: str = "", physical_id: str | None = None, *, touched: bool = True
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or reason
        self.physical_id = physical_id
        self.touched = touched  # False: refused before any handler or API call (nothing to roll back)


@dataclass(eq=False)
class Op:
    """One resource operation of a phase, as CloudFormation tracks it."""

    logical_id: str
    kind: str  # create | update | replace | delete | rollback | none
    old: Resource | None = None
    shell: Resource | None = None  # the resource with its new properties, once resolved
    result: Resource | None = None
    error: OpFailedError | None = None
    status: str = "running"  # running | done | failed | cancelled
    task: Task | None = None
    stats: OperationStats | None = None  # custom resources
    made: list[str] = field(default_factory=list)  # native: the id the create call answered


OpStarter = Callable[[str], Op | None]  # starts a node's operation; None: nothing to run


def run_graph(
    scheduler: Scheduler,
    order: list[str],
    prereqs: Mapping[str, set[str]],
    start: OpStarter,
    *,
    on_failure: str,  # "cancel": cancel what runs, start nothing more | "continue"
) -> dict[str, Op]:
    """Start each node once its prerequisites are done; run until nothing can progress."""
    ops: dict[str, Op] = {}
    pending = list(order)
    ok: set[str] = set()
    by_task: dict[int, Op] = {}
    stopped = False

    def settle(op: Op, task: Task) -> None:
        nonlocal stopped
        if task.error is None:
            op.status, op.result = "done", task.result
            ok.add(op.logical_id)
            return
        if not isinstance(task.error, OpFailedError):
            raise task.error
        op.status, op.error = "failed", task.error
        if on_failure == "cancel":
            stopped = True
            for other in ops.values():
                if other.status == "running" and other is not op:
                    _cancel(other, scheduler.clock.now())

    while True:
        started = True
        while started and not stopped:
            started = False
            for lid in list(pending):
                if stopped or not prereqs.get(lid, set()) <= ok:
                    continue
                pending.remove(lid)
                started = True
                op = start(lid)
                if op is None:
                    ok.add(lid)
                    continue
                ops[lid] = op
                assert op.task is not None
                by_task[id(op.task)] = op
                if op.task.done:
                    settle(op, op.task)
        if not any(op.status == "running" for op in ops.values()):
            return ops
        task = scheduler.step()
        op_done = by_task.get(id(task)) if task is not None else None
        if task is not None and op_done is not None and op_done.status == "running":
            settle(op_done, task)


def _cancel(op: Op, now: float) -> None:
    op.status = "cancelled"
    if op.stats is not None:  # a custom resource: its onEvent/waiter runs on, nobody listens
        op.stats.cancelled_at = now
    elif op.task is not None:  # a native resource handler stops waiting
        op.task.stop()
