"""Markdown for a pull-request comment, and the exit code, from two assemblies' stacks."""

from dataclasses import dataclass, field
from typing import Any

from ops.assembly import StackTemplate
from ops.impact import batch, custom, iam, imports, native, other, tags
from ops.impact.model import NO_CHANGE, NOTABLE, ORDER, Change
from ops.impact.template import project_of

TITLE = "## What this change does to Amazon Personalize"


@dataclass
class StackImpact:
    label: str
    status: str  # "" | "new stack" | "stack deleted"
    changes: list[Change] = field(default_factory=list)
    notable: list[str] = field(default_factory=list)

    @property
    def needs_approval(self) -> bool:
        return any(c.kind in NOTABLE for c in self.changes)


def _resources(stack: StackTemplate | None) -> dict[str, Any]:
    resources = stack.template.get("Resources", {}) if stack else {}
    return resources if isinstance(resources, dict) else {}


def personalize_changes(
    base: dict[str, Any], head: dict[str, Any], project: str | None, region: str | None = None
) -> list[Change]:
    """Every Personalize line of one stack, ordered by kind (retrain first, no change last)."""
    retrained = custom.retrained_solutions(base, head)
    changes = custom.classify_solutions(base, head, project)
    changes += custom.classify_campaigns(base, head, project, retrained, region)
    changes += batch.classify(base, head, project, retrained)
    changes += custom.classify_promotion(base, head)
    changes += native.classify(base, head, project)
    changes += imports.classify(base, head)
    changes += tags.classify(base, head)
    return sorted(changes, key=lambda c: ORDER.index(c.kind))


def stack_impact(base: StackTemplate | None, head: StackTemplate | None) -> StackImpact:
    shown = head or base
    assert shown is not None
    status = "new stack" if base is None else "stack deleted" if head is None else ""
    old, new = _resources(base), _resources(head)
    project = project_of(shown.template)
    return StackImpact(
        label=shown.label,
        status=status,
        changes=personalize_changes(old, new, project, shown.region),
        notable=iam.statement_changes(old, new) + other.notable_resources(old, new),
    )


def compare(base: dict[str, StackTemplate], head: dict[str, StackTemplate]) -> list[StackImpact]:
    keys = list(dict.fromkeys([*head, *base]))
    return [stack_impact(base.get(k), head.get(k)) for k in keys]


def render(impacts: list[StackImpact]) -> str:
    lines = [TITLE, ""]
    if not impacts:
        lines.append("No stacks in either assembly.")
    for impact in impacts:
        suffix = f" — {impact.status}" if impact.status else ""
        lines += [f"### Stack `{impact.label}`{suffix}", ""]
        changed = [c for c in impact.changes if c.kind != NO_CHANGE]
        unchanged = [c.text for c in impact.changes if c.kind == NO_CHANGE]
        lines += [c.line() for c in changed]
        if unchanged:
            lines.append(f"- **{NO_CHANGE}**: {', '.join(unchanged)}")
        if not impact.changes:
            lines.append("- no Personalize resources")
        if impact.notable:
            lines += ["", "Other notable changes:", ""]
            lines += [f"- {text}" for text in impact.notable]
        lines.append("")
    if any(i.needs_approval for i in impacts):
        lines.append(
            "**Needs an extra approval**: a retrain, or a Personalize resource replaced or deleted. "
            "Check `cdk diff` for the full change."
        )
    else:
        lines.append("Nothing retrains, and no Personalize resource is replaced or deleted.")
    return "\n".join(lines) + "\n"


def exit_code(impacts: list[StackImpact]) -> int:
    return 2 if any(i.needs_approval for i in impacts) else 0
