"""A solution's auto-training: as declared, and as Personalize has it in force.

The one reading of a DescribeSolution answer, used alike by the solution handler, drift
(`ops/drift`) and status (`ops/status`): what is in force is the solution's own
`performAutoTraining` and `solutionConfig.autoTrainingConfig.schedulingExpression`; the
`latestSolutionUpdate` summary is only the last UpdateSolution request and where it stands.
Why: the Solution shape describes the solution itself ("Specifies whether the solution
automatically creates solution versions",
https://docs.aws.amazon.com/personalize/latest/dg/API_Solution.html), while a
SolutionUpdateSummary carries the values an update asked for beside its own status, CREATE
PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED
(https://docs.aws.amazon.com/personalize/latest/dg/API_SolutionUpdateSummary.html, reached from
https://docs.aws.amazon.com/personalize/latest/dg/API_DescribeSolution.html). An update not yet
ACTIVE has changed nothing so far, and a failed one never will: reading its values as in force
would report (or skip writing) a setting Personalize does not apply. So a pending update is
reported apart, as pending, and a failed one is ignored. Absent values take the API's defaults
(`contract.API_DEFAULT_AUTO_TRAINING`, `contract.API_DEFAULT_SCHEDULE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambda_handlers import contract
from lambda_handlers.kernel import status

UPDATE_KEY: Final = "latestSolutionUpdate"


@dataclass(frozen=True)
class AutoTraining:
    enabled: bool
    schedule: str  # "" when disabled

    @classmethod
    def declared(cls, spec: contract.Solution) -> AutoTraining:
        schedule = (spec.auto_training_schedule or "").strip()
        return cls(bool(schedule), schedule)

    @classmethod
    def of(cls, enabled: Any, config: Any) -> AutoTraining:
        if not enabled:
            return cls(False, "")
        schedule = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
        return cls(True, str(schedule or contract.API_DEFAULT_SCHEDULE).strip())

    def record(self) -> dict[str, Any]:
        """As recorded on an adopted solution (`kernel.adoption`)."""
        return {"performAutoTraining": self.enabled, "schedulingExpression": self.schedule}

    @classmethod
    def recorded(cls, state: dict[str, Any]) -> AutoTraining:
        enabled = bool(state.get("performAutoTraining"))
        return cls(enabled, str(state.get("schedulingExpression") or "") if enabled else "")

    def text(self) -> str:
        """`on (rate(N days))` or `off`, as drift and status print it."""
        return f"on ({self.schedule})" if self.enabled else "off"


@dataclass(frozen=True)
class Reading:
    in_force: AutoTraining
    pending: AutoTraining | None  # what an update still in progress asks for (None: no such update)


def requested(update: Mapping[str, Any]) -> AutoTraining:
    """What a `latestSolutionUpdate` asks for."""
    return AutoTraining.of(update.get("performAutoTraining"), update.get("solutionUpdateConfig"))


def read(solution: Mapping[str, Any]) -> Reading:
    """The auto-training in force, and a pending update's request apart (module docstring)."""
    in_force = AutoTraining.of(
        solution.get("performAutoTraining", contract.API_DEFAULT_AUTO_TRAINING),
        solution.get("solutionConfig"),
    )
    update = status.latest_update(solution, UPDATE_KEY)
    pending = requested(update) if status.update_running(solution, UPDATE_KEY) else None
    return Reading(in_force, pending)


def in_force(solution: Mapping[str, Any]) -> AutoTraining:
    """The auto-training Personalize applies now (`read(...).in_force`)."""
    return read(solution).in_force
