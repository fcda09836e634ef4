"""Non-Personalize resources a reviewer must see: deleted, or replaced (type or a create-only
property changed; create-only properties from the registry schemas, `ops.cfn_registry`)."""

from collections.abc import Callable
from typing import Any

from lambda_handlers import constants
from ops import cfn_registry
from ops.template import props

CreateOnly = Callable[[str], tuple[str, ...]]


def cfn_lint_create_only(resource_type: str) -> tuple[str, ...]:
    """createOnlyProperties (top-level names) from the registry schemas (`ops.cfn_registry`);
    () for a type the registry does not know (a custom resource)."""
    try:
        return cfn_registry.create_only(resource_type)
    except KeyError:
        return ()


def _is_personalize(resource: dict[str, Any]) -> bool:
    rtype = str(resource.get("Type", ""))
    return rtype.startswith("AWS::Personalize::") or rtype in constants.RESOURCE_TYPES


def notable_resources(
    base: dict[str, Any], head: dict[str, Any], create_only: CreateOnly = cfn_lint_create_only
) -> list[str]:
    lines: list[str] = []
    for lid, old in base.items():
        if _is_personalize(old):
            continue
        new = head.get(lid)
        rtype = str(old.get("Type"))
        if new is None:
            lines.append(f"`{lid}` ({rtype}) deleted")
        elif new.get("Type") != rtype:
            lines.append(f"`{lid}` replaced: type {rtype} → {new.get('Type')}")
        else:
            causes = [k for k in create_only(rtype) if props(old).get(k) != props(new).get(k)]
            if causes:
                lines.append(f"`{lid}` ({rtype}) replaced: {', '.join(causes)} changed")
    return lines
