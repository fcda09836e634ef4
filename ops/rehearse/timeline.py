"""A rehearsal as plain data: one lane per resource (its operations from the stack events) and the
moments worth a line (trainings, wait links taking over, gate checks, the campaign moving, the
failure and the rollback). Pure functions over what `play.rehearse` kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lambda_handlers import constants, contract
from ops.chain import training_chains
from ops.rehearse.play import Rehearsal
from ops.template import props
from simulation.cloudformation import StackEvent

SHOWN_PREFIXES: Final = ("AWS::Personalize::", "Custom::Personalize")
LONG_SECONDS: Final = 60.0  # any other resource gets a lane when one of its operations takes this long


@dataclass(frozen=True)
class Segment:
    start: float  # seconds since the rehearsed deploy started
    end: float
    action: str  # CREATE | UPDATE | DELETE
    outcome: str  # COMPLETE | FAILED | CANCELLED
    rollback: bool  # run by the rollback


@dataclass
class Lane:
    logical_id: str
    type: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.segments[0].start

    @property
    def end(self) -> float:
        return self.segments[-1].end


@dataclass(frozen=True)
class Mark:
    at: float  # seconds since the rehearsed deploy started
    text: str
    style: str = ""


_RETURNED: Final = re.compile(r"Message returned: (?:Error: )?(.*?)(?:\s*Logs: .*)?$", re.DOTALL)


def cause(reason: str) -> str:
    """A custom resource's failure reason without the framework's wrapping (its log group, request id)."""
    found = _RETURNED.search(reason)
    return " ".join((found.group(1) if found else reason).split())


def _types(rehearsal: Rehearsal) -> dict[str, str]:
    resources: Mapping[str, Any] = rehearsal.template.get("Resources") or {}
    return {lid: str(body.get("Type", "")) for lid, body in resources.items()}


def lanes(rehearsal: Rehearsal) -> tuple[list[Lane], int]:
    """The lanes worth drawing, by start; and how many other resources took no time worth a lane."""
    start, stack = rehearsal.start, rehearsal.stack
    types = _types(rehearsal)
    rollback_at = next(
        (e.time for e in rehearsal.result.events if e.logical_id == stack and "ROLLBACK" in e.status),
        None,
    )
    opened: dict[str, StackEvent] = {}
    by_id: dict[str, Lane] = {}
    for event in rehearsal.result.events:
        if event.logical_id == stack:
            continue
        if event.status.endswith("_IN_PROGRESS"):
            opened.setdefault(event.logical_id, event)
            continue
        began = opened.pop(event.logical_id, event)
        outcome = "CANCELLED" if "cancelled" in event.reason else event.status.rsplit("_", 1)[-1]
        lane = by_id.setdefault(event.logical_id, Lane(event.logical_id, types.get(event.logical_id, "")))
        rolled = rollback_at is not None and began.time >= rollback_at
        lane.segments.append(Segment(began.time - start, event.time - start, began.action, outcome, rolled))
    shown = [
        lane
        for lane in by_id.values()
        if lane.type.startswith(SHOWN_PREFIXES) or any(s.end - s.start >= LONG_SECONDS for s in lane.segments)
    ]
    shown.sort(key=lambda lane: (lane.start, lane.logical_id))
    return shown, len(by_id) - len(shown)


def version_label(rehearsal: Rehearsal, arn: str) -> str:
    """The version's name and the end of its ARN (what the status screen shows)."""
    short = arn.rsplit("/", 1)[-1]
    name = rehearsal.version_names.get(arn)
    return f"{name} ({short})" if name and name != short else short


def _solution_chains(rehearsal: Rehearsal) -> dict[str, tuple[str, ...]]:
    """Solution physical name → the logical ids of its training chain."""
    resources: dict[str, Any] = dict(rehearsal.template.get("Resources") or {})
    out: dict[str, tuple[str, ...]] = {}
    for chain in training_chains(resources):
        if chain.solution in resources:
            out[contract.Solution.from_properties(props(resources[chain.solution])).name] = chain.members
    return out


def _takeovers(rehearsal: Rehearsal, by_id: Mapping[str, Lane]) -> Iterable[Mark]:
    """Links CloudFormation started while their version still trained: each takes the wait over."""
    chains = _solution_chains(rehearsal)
    for call in rehearsal.trainings:
        solution_arn = str(call.params["solutionArn"])
        name = solution_arn.rsplit("/", 1)[-1]
        trained_at = call.time - rehearsal.start
        done = min(  # the first check of this solution's metrics after the training started: ACTIVE
            (
                check.time - rehearsal.start
                for check in rehearsal.gates
                if check.version_arn.startswith(f"{solution_arn}/") and check.time >= call.time
            ),
            default=float("inf"),
        )
        at_once: list[Lane] = []
        for lid in chains.get(name, ())[1:]:
            lane = by_id.get(lid)
            if lane is None or lane.segments[0].rollback:
                continue
            first = lane.segments[0]
            if trained_at < first.start < done:
                minutes = int((first.start - trained_at) // 60)
                yield Mark(first.start, f"{lid} takes over the wait ({minutes} min into training)", "cyan")
            elif first.start >= done:
                at_once.append(lane)
        if at_once:
            yield Mark(
                at_once[0].start,
                f"{len(at_once)} wait links of {name} complete at once: their version is ACTIVE",
                "cyan",
            )


def _gate_marks(rehearsal: Rehearsal) -> Iterable[Mark]:
    for check in rehearsal.gates:
        version = version_label(rehearsal, check.version_arn)
        at = check.time - rehearsal.start
        if not check.gates:
            yield Mark(at, f"metrics of {check.solution} {version} read (no gates)")
            continue
        failed = {failure.metric for failure in check.failures}
        shown = []
        for metric, gate in sorted(check.gates.items()):
            if gate.minimum is None:
                continue
            value = check.values.get(metric)
            shown_value = "missing" if value is None else f"{value:.4f}"
            verdict = "< {:g} FAILS" if metric in failed else "≥ {:g} holds"
            shown.append(f"{metric} = {shown_value} {verdict.format(gate.minimum)}")
        style = "red" if failed else "green"
        yield Mark(
            at, f"gate check {check.solution} {version}: " + "; ".join(shown or ["max_drop only"]), style
        )


def _call_marks(rehearsal: Rehearsal) -> Iterable[Mark]:
    for call in rehearsal.calls:
        at, p = call.time - rehearsal.start, call.params
        if not call.ok:
            continue
        if call.operation == "CreateSolutionVersion":
            solution = str(p["solutionArn"]).rsplit("/", 1)[-1]
            yield Mark(
                at,
                f"training starts: {solution} → {p.get('name', 'unnamed')} ({p.get('trainingMode', 'FULL')})",
            )
        elif call.operation == "StopSolutionVersionCreation":
            yield Mark(
                at, f"training stopped: {version_label(rehearsal, str(p['solutionVersionArn']))}", "yellow"
            )
        elif call.operation == "CreateCampaign":
            version = version_label(rehearsal, str(p["solutionVersionArn"]))
            tps = p.get("minProvisionedTPS", 1)
            yield Mark(at, f"campaign {p['name']} created on {version}, min {tps} TPS", "magenta")
        elif call.operation == "UpdateCampaign":
            name = str(p["campaignArn"]).rsplit("/", 1)[-1]
            moved = (
                [f"to {version_label(rehearsal, str(p['solutionVersionArn']))}"]
                if "solutionVersionArn" in p
                else []
            )
            moved += [f"min {p['minProvisionedTPS']} TPS"] if "minProvisionedTPS" in p else []
            yield Mark(at, f"campaign {name} updates {', '.join(moved) or 'its config'}", "magenta")
        elif call.operation == "DeleteCampaign":
            yield Mark(at, f"campaign {str(p['campaignArn']).rsplit('/', 1)[-1]} deleted", "yellow")


def _event_marks(rehearsal: Rehearsal, types: Mapping[str, str]) -> Iterable[Mark]:
    for event in rehearsal.result.events:
        at = event.time - rehearsal.start
        if event.logical_id == rehearsal.stack:
            style = "red" if "ROLLBACK" in event.status or "FAILED" in event.status else "bold"
            yield Mark(at, f"stack {event.status}", style)
        elif event.status.endswith("_FAILED") and "cancelled" not in event.reason:
            yield Mark(at, f"{event.logical_id} {event.status}: {cause(event.reason)}", "red")
        elif types.get(event.logical_id) == constants.CAMPAIGN_TYPE and event.status.endswith("_COMPLETE"):
            yield Mark(at, f"{event.logical_id} {event.status}", "magenta")


def marks(rehearsal: Rehearsal, drawn: list[Lane]) -> list[Mark]:
    """Everything worth a line, in time order (ties: the order they were found)."""
    by_id = {lane.logical_id: lane for lane in drawn}
    found = [  # at the same second: the gate check, the links it ends, what it allows; the stack last
        *_gate_marks(rehearsal),
        *_takeovers(rehearsal, by_id),
        *_call_marks(rehearsal),
        *_event_marks(rehearsal, _types(rehearsal)),
    ]
    return sorted(found, key=lambda mark: mark.at)
