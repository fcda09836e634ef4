"""The status screen (rich): one table per concern, a progress bar per training in progress."""

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ops.status.collect import NOTEBOOK_METRICS, Comparison, Report, SolutionStatus, Training


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


def progress(training: Training) -> RenderableType:
    """A bar from elapsed and the estimate; without an estimate the bar pulses (no guessed total)."""
    if training.estimate_left_seconds is None:
        return ProgressBar(total=None, width=30)
    total = training.elapsed_seconds + training.estimate_left_seconds
    return ProgressBar(total=max(total, 1.0), completed=training.elapsed_seconds, width=30)


def _training_line(training: Training) -> RenderableType:
    where = (
        f"link {training.polling} polling, {training.links_left} left"
        if training.polling
        else "no link polling"
    )
    text = Text(
        f"training {short(training.version_arn)}: {training.status}, "
        f"elapsed {duration(training.elapsed_seconds)}, "
        f"left ≈ {duration(training.estimate_left_seconds)} ({where})"
    )
    if training.failure_reason:
        text.append(f" — {training.failure_reason}", style="red")
    if not training.in_progress:
        return text
    bar = Table.grid()
    bar.add_row(progress(training))
    return Group(text, bar)


def _metrics(solution: SolutionStatus) -> Table:
    table = Table("metric", *(short(arn) for arn in solution.metrics), "gate", box=None)
    gates = {g.metric: g for g in solution.gates}
    for name in dict.fromkeys([*NOTEBOOK_METRICS, *gates]):
        values = [f"{m[name]:.4f}" if name in m else "-" for m in solution.metrics.values()]
        gate = gates.get(name)
        verdict = ""
        if gate:
            verdict = f"≥ {gate.minimum}: " + VERDICTS[gate.holds]
        table.add_row(name, *values, verdict)
    return table


def value(number: float | None) -> str:
    return "-" if number is None else f"{number:.4f}"


VERDICTS = {True: "holds", False: "FAILS", None: "not measured"}


def comparison_table(comparison: Comparison) -> Table:
    """Each `max_drop` gate: the challenger's value, the champion's, the drop and the verdict."""
    table = Table(
        "gate",
        f"challenger {short(comparison.challenger)}",
        f"champion {short(comparison.champion)}",
        "drop",
        "max_drop",
        "",
        box=None,
        title="against the version served when training started",
    )
    for row, verdict in zip(comparison.rows, comparison.verdicts(), strict=True):
        table.add_row(
            row.metric,
            value(row.challenger),
            value(row.champion),
            value(row.drop),
            f"{row.max_drop:g}",
            VERDICTS[verdict],
        )
    return table


def render(report: Report) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"Stack {report.stack}: {report.stack_status}", style="bold"),
    ]
    if report.stack_reason:
        parts.append(Text(f"  {report.stack_reason}"))
    if report.last_failure:
        parts.append(Text(f"  last failure: {report.last_failure}", style="red"))
    for solution in report.solutions:
        auto = {True: "on", False: "off", None: "unknown"}[solution.auto_training]
        parts.append(Text(f"\nSolution {short(solution.arn)} (auto-training {auto})", style="bold"))
        if solution.training:
            parts.append(_training_line(solution.training))
        parts.append(Text(f"serving: {short(solution.served_version)}"))
        if solution.metrics:
            parts.append(_metrics(solution))
        if solution.comparison:
            parts.append(comparison_table(solution.comparison))
    if report.campaigns:
        table = Table("campaign", "status", "min TPS", "serves", "pending update", title="\nCampaigns")
        for c in report.campaigns:
            pending = f"{c.pending_update} → {short(c.pending_version)}" if c.pending_update else "-"
            table.add_row(short(c.arn), c.status, str(c.min_provisioned_tps), short(c.version), pending)
        parts.append(table)
        decisions = [
            f"{short(c.arn)}: last auto-promotion decision: {outcome} {short(version)} "
            f"({c.consecutive_holds or 0} held in a row)"
            for c in report.campaigns
            if c.last_decision
            for outcome, _, version in [c.last_decision.partition(" ")]
        ]
        if decisions:
            parts.append(Text("\n".join(decisions)))
    if report.batch_jobs:
        table = Table("batch job", "status", "for", "output", title="\nBatch jobs")
        for job in report.batch_jobs:
            status = f"{job.status}: {job.failure_reason}" if job.failure_reason else job.status
            table.add_row(short(job.arn), status, duration(job.elapsed_seconds), job.output or "-")
        parts.append(table)
    if report.filters or report.event_tracker:
        lines = [f"filter {name}: {status}" for name, status in report.filters.items()]
        if report.event_tracker:
            lines.append(f"event tracker: {report.event_tracker}")
        parts.append(Text("\n" + "\n".join(lines)))
    return Group(*parts)
