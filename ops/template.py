"""Reading CloudFormation template values: references and a readable rendering."""

import json
import re
from collections.abc import Iterator
from typing import Any

from lambda_handlers.contract import Intrinsic


def refs(value: Any) -> Iterator[str]:
    """Logical ids a value points at (Ref / Fn::GetAtt / Fn::Sub ${X}), pseudo parameters excluded;
    a decoded property (`Intrinsic`) points where its template value does."""
    if isinstance(value, Intrinsic):
        yield from refs(value.value)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                yield inner
            elif key == "Fn::GetAtt" and isinstance(inner, list) and inner:
                yield str(inner[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                for name in re.findall(r"\$\{([^}!.]+)[^}]*\}", str(text)):
                    if not name.startswith("AWS::"):
                        yield name
                yield from refs(inner)
            else:
                yield from refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from refs(inner)


def render(value: Any) -> str:
    """A template value as text: `<X>` for Ref, `<X.Attr>` for GetAtt, joins concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(render(v) for v in value)
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key == "Ref":
            return f"<{inner}>"
        if key == "Fn::GetAtt":
            return f"<{'.'.join(str(p) for p in inner)}>"
        if key == "Fn::Join":
            return str(inner[0]).join(render(p) for p in inner[1])
        if key == "Fn::Sub":
            return str(inner[0] if isinstance(inner, list) else inner)
    return json.dumps(value, sort_keys=True)


def props(resource: dict[str, Any] | None) -> dict[str, Any]:
    if not resource:
        return {}
    value = resource.get("Properties", {})
    return value if isinstance(value, dict) else {}


def of_type(resources: dict[str, Any], rtype: str) -> dict[str, Any]:
    """Logical id → resource, for the resources of one type, in template order."""
    return {lid: r for lid, r in resources.items() if isinstance(r, dict) and r.get("Type") == rtype}
