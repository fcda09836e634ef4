"""The machine-readable marker a Personalize stack writes into its template's Metadata.

Operator tools (ops/: impact, status, drift) read the project and the drift reader role from
here instead of parsing the human Description. Plain Python, no CDK import: the tools load it
without starting jsii.
"""

from dataclasses import dataclass
from typing import Any, Final

METADATA_KEY: Final = "PersonalizeCdk"
MARKER_VERSION: Final = 1
ROLE_NAME_MAX: Final = 64  # IAM role names


@dataclass(frozen=True)
class TemplateMarker:
    project: str
    drift_role_name: str | None  # None when the stack creates no drift reader role


def drift_role_name(stack_name: str) -> str:
    """`{stack}-drift-reader`, cut to IAM's 64 characters (stack names are unique per account/region)."""
    suffix = "-drift-reader"
    return stack_name[: ROLE_NAME_MAX - len(suffix)] + suffix


def marker_metadata(marker: TemplateMarker) -> dict[str, Any]:
    """The template Metadata entry (`Stack.template_options.metadata`)."""
    body: dict[str, Any] = {"version": MARKER_VERSION, "project": marker.project}
    if marker.drift_role_name:
        body["driftRoleName"] = marker.drift_role_name
    return {METADATA_KEY: body}


def read_marker(template: dict[str, Any]) -> TemplateMarker | None:
    """The marker of a synthesized or deployed template; None for stacks this app did not write."""
    metadata = template.get("Metadata")
    body = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("project"), str):
        return None
    role = body.get("driftRoleName")
    return TemplateMarker(project=body["project"], drift_role_name=role if isinstance(role, str) else None)
