"""Personalize display names and the project of a template (read from the stack's marker)."""

import re
from typing import Any

from ops.template import render
from stacks.template_marker import read_marker

CONTENT_SUFFIX = re.compile(r"-[0-9a-f]{8}$")


def project_of(template: dict[str, Any]) -> str | None:
    """The config's project, from the Metadata marker the stack writes (None: not our stack)."""
    marker = read_marker(template)
    return marker.project if marker else None


def short_name(physical: Any, project: str | None, *, content_named: bool = False) -> str:
    """`immersion-day-news-exclude-clicked-1a2b3c4d` → `exclude-clicked`."""
    name = render(physical)
    if project and name.startswith(f"{project}-"):
        name = name[len(project) + 1 :]
    if content_named:
        name = CONTENT_SUFFIX.sub("", name)
    return name
