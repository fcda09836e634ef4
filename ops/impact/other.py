"""Non-Personalize resources a reviewer must see: deleted, or replaced (type or a create-only
property changed; create-only properties from cfn-lint's schemas when it is installed)."""

from collections.abc import Callable
from functools import cache
from typing import Any

from lambda_handlers import constants
from ops.template import props

CreateOnly = Callable[[str], tuple[str, ...]]


@cache
def cfn_lint_create_only(resource_type: str) -> tuple[str, ...]:
    """createOnlyProperties (top-level names) from cfn-lint's registry schemas; () if unknown."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # noqa: PLC0415

        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # not installed, or a custom type: nothing is known to be create-only
        return ()
    paths = schema.get("createOnlyProperties", [])
    return tuple(dict.fromkeys(p.split("/")[2] for p in paths if p.startswith("/properties/")))


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
