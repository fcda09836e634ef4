"""A discrete-event scheduler on the shared virtual clock.

Every operation CloudFormation runs (a native resource's create-and-wait, a custom resource's
onEvent then isComplete polls) is a *process*: a generator that yields how many virtual seconds
it waits before its next step and returns its result. A process's first step runs when it is
spawned (CloudFormation sends the request, the Lambda starts at once); then the scheduler
always runs the earliest step next, moving the clock forward to it; ties run by key (the
logical id), then in the order they were queued, so a run is repeatable. A step that itself
moves the clock (botocore's backoff on the virtual clock, a fake answer that took time) makes
the steps due meanwhile run late, at the clock's time: the clock never goes back.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

Process = Generator[float, None, Any]


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
