"""The rehearsal on screen (rich): header, lanes, what happened, the status screens, the summary."""

from __future__ import annotations

from collections import Counter
from typing import Final

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Column, Table
from rich.text import Text

from ops.rehearse.faults import FAULTS
from ops.rehearse.play import Rehearsal
from ops.rehearse.timeline import Lane, Segment, cause, lanes, marks, version_label
from ops.status.screen import render as status_screen
from simulation.personalize import ACCOUNT, MUTATING_PREFIXES, REGION

BAR_WIDTH: Final = 60  # columns of the lanes at most
MIN_BAR: Final = 30
NOTE_WIDTH: Final = 30
STYLES: Final = {"COMPLETE": "green", "FAILED": "red", "CANCELLED": "yellow"}
NOT_A_FORECAST: Final = (
    "Simulated durations, not a forecast: the fake's illustrative table "
    "(no AWS source gives training time by data size or recipe)."
)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f}"


def header(rehearsal: Rehearsal, config: str, base: str | None) -> RenderableType:
    d = rehearsal.durations
    what = f"the change {base} → {config}" if base else f"a first deploy of {config}"
    lines = [
        Text(f"Rehearsal of {what} (stack {rehearsal.stack})", style="bold"),
        Text(
            f"SIMULATED account {ACCOUNT} ({REGION}): a fake Personalize and CloudFormation on a virtual "
            "clock. Nothing here reached AWS; every ARN below is simulated."
        ),
        Text(
            f"Durations (virtual minutes): training {minutes(d.training)}, import {minutes(d.import_job)}, "
            f"campaign create {minutes(d.campaign_create)}, update {minutes(d.campaign_update)}; "
            "TRAINING_MINUTES= changes training."
        ),
    ]
    if base:
        lines.append(Text(f"{base} was deployed first ({rehearsal.base_status}); below: the change only."))
    if rehearsal.fault:
        lines.append(Text(f"Rehearsed failure: FAIL={rehearsal.fault} ({FAULTS[rehearsal.fault].sequence})"))
    return Panel(Group(*lines), title="make rehearse", expand=False)


def _bar(lane: Lane, span: float, width: int) -> Text:
    text = Text()
    cells = [(" ", "")] * width
    for segment in lane.segments:
        first = min(width - 1, int(segment.start / span * width))
        last = max(first, min(width - 1, int(segment.end / span * width - 1e-9)))
        glyph = "░" if segment.rollback or segment.action == "DELETE" else "█"
        for i in range(first, last + 1):
            cells[i] = (glyph, STYLES.get(segment.outcome, ""))
    for glyph, style in cells:
        text.append(glyph, style=style)
    return text


def _outcomes(lane: Lane) -> Text:
    """Empty for a lane that did one thing and completed; else each operation and how it ended."""
    text = Text()
    if len(lane.segments) == 1 and lane.segments[0].outcome == "COMPLETE":
        return text
    for i, segment in enumerate(lane.segments):
        text.append(", " if i else "")
        text.append(_outcome(segment), STYLES.get(segment.outcome, ""))
    return text


def _outcome(segment: Segment) -> str:
    if segment.outcome == "COMPLETE":
        done = {"CREATE": "created", "UPDATE": "updated", "DELETE": "deleted"}[segment.action]
        return "rolled back" if segment.rollback and segment.action == "UPDATE" else done
    return f"{segment.action.lower()} {segment.outcome.lower()}"


def timeline(rehearsal: Rehearsal, width: int) -> RenderableType:
    """Lanes sized to `width` columns, then what happened, minute by minute."""
    drawn, others = lanes(rehearsal)
    span = max(rehearsal.seconds, 60.0)
    notes = [_outcomes(lane) for lane in drawn]
    name_width = max((len(lane.logical_id) for lane in drawn), default=8)
    note_width = min(NOTE_WIDTH, max((len(note) for note in notes), default=0))
    bar_width = max(MIN_BAR, min(BAR_WIDTH, width - name_width - note_width - 20))
    end = minutes(span)
    table = Table(
        Column("resource", no_wrap=True),
        Column("start", justify="right"),
        Column("end", justify="right"),
        Column(f"0{'virtual minutes':^{bar_width - 1 - len(end)}}{end}", no_wrap=True),
        Column("", max_width=NOTE_WIDTH),
        title="Timeline (virtual minutes since the deploy started)",
        box=None,
        title_justify="left",
    )
    for lane, note in zip(drawn, notes, strict=True):
        table.add_row(
            lane.logical_id, minutes(lane.start), minutes(lane.end), _bar(lane, span, bar_width), note
        )
    legend = Text(
        "█ forward  ░ rollback or delete  green complete, red failed, yellow cancelled; "
        f"{others} other resources (roles, functions, parameters, ...) took under a minute each."
    )
    happened = Table(
        Column("min", justify="right"),
        Column("what happened", overflow="fold"),
        box=None,
        title="What happened",
        title_justify="left",
    )
    for mark in marks(rehearsal, drawn):
        happened.add_row(minutes(mark.at), Text(mark.text, style=mark.style))
    return Group(table, legend, Text(""), happened)


def moments(rehearsal: Rehearsal) -> RenderableType:
    parts: list[RenderableType] = []
    last = len(rehearsal.moments) - 1
    for i, moment in enumerate(rehearsal.moments):
        when = (
            "the end" if i == last and moment.minute * 60 >= rehearsal.seconds else f"{moment.minute:.0f} min"
        )
        title = f"`make status` at {when} (virtual minute {moment.minute:.0f}; simulated account)"
        parts.append(Panel(status_screen(moment.report), title=title, title_align="left"))
    return Group(*parts)


def summary(rehearsal: Rehearsal) -> RenderableType:
    table = Table(box=None, show_header=False, title="Summary", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("virtual duration", f"{minutes(rehearsal.seconds)} min, stack {rehearsal.result.status}")
    trained = [str(c.params["solutionArn"]).rsplit("/", 1)[-1] for c in rehearsal.trainings]
    table.add_row("trainings started", f"{len(trained)}" + (f": {', '.join(trained)}" if trained else ""))
    table.add_row("Personalize calls", calls(rehearsal))
    bills = [
        f"campaign {c.name}: min {c.min_provisioned_tps} TPS ({c.status}), serving "
        f"{version_label(rehearsal, c.version_arn)}"
        for c in rehearsal.campaigns
    ]
    bills += [f"version {version_label(rehearsal, v)} still training" for v in rehearsal.training_after]
    table.add_row("bills afterwards", "\n".join(bills) or "nothing (no campaign, no training)")
    left = ", ".join(f"{kind}: {n}" for kind, n in rehearsal.left.items())
    table.add_row("left afterwards", left or "no Personalize resource")
    return Group(table, Text(NOT_A_FORECAST, style="italic"))


def call_counts(rehearsal: Rehearsal) -> Counter[str]:
    return Counter(c.operation for c in rehearsal.calls)


def writes(rehearsal: Rehearsal) -> int:
    """Successful Create/Update/Delete/Stop/Tag/Untag calls (what `World.mutations` counts)."""
    return sum(1 for c in rehearsal.calls if c.ok and c.operation.startswith(MUTATING_PREFIXES))


def calls(rehearsal: Rehearsal) -> Text:
    """The total, then writes and reads by kind, most frequent first (errors counted apart)."""
    counts = call_counts(rehearsal)
    failed = Counter(c.operation for c in rehearsal.calls if not c.ok)
    text = Text(f"{sum(counts.values())}, of which {writes(rehearsal)} writes that succeeded")
    for label, mutating in (("writes", True), ("reads", False)):
        kinds = sorted(
            ((op, n) for op, n in counts.items() if op.startswith(MUTATING_PREFIXES) == mutating),
            key=lambda item: (-item[1], item[0]),
        )
        shown = [f"{n} {op}" + (f" ({failed[op]} errors)" if failed[op] else "") for op, n in kinds]
        if shown:
            text.append(f"\n{label}: " + ", ".join(shown))
    return text


def failure(rehearsal: Rehearsal) -> RenderableType:
    fault = FAULTS[rehearsal.fault or ""]
    expected = fault.ends(change=rehearsal.change)
    got = rehearsal.result.status
    lines = [
        Text(f"FAIL={fault.key}: {fault.sequence}", style="bold"),
        Text(f"README says: ends {expected}; what is left: {fault.left}"),
        Text(f"this rehearsal: ends {got}", style="green" if got == expected else "red"),
    ]
    if rehearsal.result.failure is not None:
        lines.append(
            Text(f"cause: {rehearsal.result.failure.logical_id}: {cause(rehearsal.result.failure.reason)}")
        )
    else:
        lines.append(
            Text(f"the failure was armed but this deploy never met it (FAIL={fault.key})", style="red")
        )
    return Panel(Group(*lines), title="When a deploy fails", title_align="left", expand=False)


def rehearsal_screen(rehearsal: Rehearsal, config: str, base: str | None, width: int) -> RenderableType:
    parts = [header(rehearsal, config, base), timeline(rehearsal, width), Text(""), moments(rehearsal)]
    if rehearsal.fault:
        parts.append(failure(rehearsal))
    parts.append(summary(rehearsal))
    return Group(*parts)
