"""Resolution of CloudFormation intrinsic functions over a template, the way CloudFormation does.

Supported: `Ref` (resources, parameters with their `Default`, pseudo parameters), `Fn::GetAtt`
(list and dotted string forms), `Fn::Join`, `Fn::Sub` (string and `[string, vars]` forms,
`${!Literal}` escapes), `Fn::Select`, `Fn::Split`, `Fn::If` with `Conditions` (`Fn::Equals`,
`Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`), `Fn::FindInMap`, `Fn::Base64`, `Fn::GetAZs`,
`Fn::ToJsonString`, and `AWS::NoValue` (drops the key or list item). `Fn::ImportValue` raises.
Resource values come from two callables so the resolver holds no stack state of its own.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

REGION: Final = "us-east-1"
ACCOUNT_ID: Final = "111111111111"
PARTITION: Final = "aws"
URL_SUFFIX: Final = "amazonaws.com"

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class ResolveError(Exception):
    """A template expression CloudFormation would refuse (unknown name, bad arguments)."""


class _NoValue:
    """`Ref: AWS::NoValue`: removes the property (or list element) holding it."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()


def pseudo_parameters(stack_name: str, stack_id: str) -> dict[str, Any]:
    """Values of the pseudo parameters for a stack in the simulated account and region."""
    return {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": PARTITION,
        "AWS::URLSuffix": URL_SUFFIX,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::NotificationARNs": [],
        "AWS::NoValue": NO_VALUE,
    }


def parameter_values(
    template: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Value of every template parameter: the override, else its Default; lists split on commas."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if overrides and name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise ResolveError(f"Parameters: [{name}] must have values")
        ptype = str(spec.get("Type", "String"))
        if isinstance(value, str) and (ptype.startswith("List<") or ptype == "CommaDelimitedList"):
            value = [item.strip() for item in value.split(",")] if value else []
        values[name] = value
    return values


class Resolver:
    """Resolves template values; `ref(logical_id)` and `get_att(logical_id, attr)` give resource values."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        stack_id: str,
        ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self._template = template
        self._ref = ref
        self._get_att = get_att
        self._pseudo = pseudo_parameters(stack_name, stack_id)
        self._params = parameter_values(template, parameters)
        self._resources: Mapping[str, Any] = template.get("Resources") or {}
        self._conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self._condition_cache: dict[str, bool] = {}

    # ---- public -------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic replaced; `AWS::NoValue` entries removed."""
        result = self._resolve(value)
        return None if result is NO_VALUE else result

    def condition(self, name: str) -> bool:
        """Truth of a named condition of the `Conditions` section."""
        if name not in self._condition_cache:
            if name not in self._conditions:
                raise ResolveError(f"Template error: unresolved condition dependency {name} in Fn::If")
            self._condition_cache[name] = self._truth(self._conditions[name])
        return self._condition_cache[name]

    def included(self, section_entry: Mapping[str, Any]) -> bool:
        """False when a resource or output carries a `Condition` that is false."""
        name = section_entry.get("Condition")
        return True if name is None else self.condition(str(name))

    # ---- intrinsics ---------------------------------------------------------------------------
    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg)
            if key.startswith("Fn::"):
                raise ResolveError(f"Template format error: unsupported intrinsic function {key}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            resolved = self._resolve(v)
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def _fn_ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise ResolveError(f"Template format error: Ref needs a string, got {name!r}")
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._params:
            return self._params[name]
        if name in self._resources:
            return self._ref(name)
        raise ResolveError(
            f"Template format error: Unresolved resource dependencies [{name}] in the Resources block"
        )

    def _fn_get_att(self, arg: Any) -> Any:
        if isinstance(arg, str):
            logical_id, _, attr = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical_id, attr = str(arg[0]), str(self._resolve(arg[1]))
        else:
            raise ResolveError(
                f"Template error: every Fn::GetAtt object requires two non-empty parameters: {arg!r}"
            )
        if logical_id not in self._resources:
            raise ResolveError(
                f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}"
            )
        return self._get_att(logical_id, attr)

    def _fn_join(self, arg: Any) -> str:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise ResolveError(f"Template error: Fn::Join needs [delimiter, list]: {arg!r}")
        delimiter = self._resolve(arg[0])
        items = self._resolve(arg[1])
        if not isinstance(items, list):
            raise ResolveError(f"Template error: Fn::Join needs a list, got {items!r}")
        return str(delimiter).join(_scalar_str(v) for v in items)

    def _fn_sub(self, arg: Any) -> str:
        variables: dict[str, Any] = {}
        if isinstance(arg, str):
            text = arg
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            text, variables = arg[0], self._resolve(arg[1]) or {}
        else:
            raise ResolveError(f"Template error: bad Fn::Sub argument {arg!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar_str(variables[name])
            if name in self._pseudo or name in self._params:
                return _scalar_str(self._fn_ref(name))
            logical_id, dot, attr = name.partition(".")
            if logical_id in self._resources:
                return _scalar_str(self._get_att(logical_id, attr) if dot else self._ref(logical_id))
            raise ResolveError(f"Template format error: Unresolved resource dependencies [{name}] in Fn::Sub")

        return _SUB_VAR.sub(replace, text)

    def _fn_select(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise ResolveError(f"Template error: Fn::Select needs [index, list]: {arg!r}")
        index = int(self._resolve(arg[0]))
        items = self._resolve(arg[1])
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise ResolveError(f"Template error: Fn::Select cannot select nonexistent value at index {index}")
        return items[index]

    def _fn_split(self, arg: Any) -> list[str]:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise ResolveError(f"Template error: Fn::Split needs [delimiter, string]: {arg!r}")
        return str(self._resolve(arg[1])).split(str(self._resolve(arg[0])))

    def _fn_if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise ResolveError(f"Template error: Fn::If needs [condition, then, else]: {arg!r}")
        return self._resolve(arg[1] if self.condition(str(arg[0])) else arg[2])

    def _fn_find_in_map(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise ResolveError(f"Template error: Fn::FindInMap needs [map, key, key]: {arg!r}")
        name, top, second = (self._resolve(a) for a in arg[:3])
        try:
            return (self._template.get("Mappings") or {})[name][top][second]
        except (KeyError, TypeError) as exc:
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return self._resolve(arg[3]["DefaultValue"])
            raise ResolveError(f"Template error: Unable to get mapping for {name}::{top}::{second}") from exc

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(str(self._resolve(arg)).encode()).decode()

    def _fn_get_azs(self, arg: Any) -> list[str]:
        region = self._resolve(arg) or REGION
        return [f"{region}{suffix}" for suffix in ("a", "b", "c")]

    def _fn_to_json_string(self, arg: Any) -> str:
        return json.dumps(self._resolve(arg), separators=(",", ":"))

    def _fn_import_value(self, arg: Any) -> Any:
        raise ResolveError(f"No export named {self._resolve(arg)} found (the simulator has no other stacks)")

    def _fn_condition(self, arg: Any) -> bool:
        return self.condition(str(arg))

    _FUNCTIONS: Final[dict[str, Callable[[Resolver, Any], Any]]] = {
        "Ref": _fn_ref,
        "Fn::GetAtt": _fn_get_att,
        "Fn::Join": _fn_join,
        "Fn::Sub": _fn_sub,
        "Fn::Select": _fn_select,
        "Fn::Split": _fn_split,
        "Fn::If": _fn_if,
        "Fn::FindInMap": _fn_find_in_map,
        "Fn::Base64": _fn_base64,
        "Fn::GetAZs": _fn_get_azs,
        "Fn::ToJsonString": _fn_to_json_string,
        "Fn::ImportValue": _fn_import_value,
        "Condition": _fn_condition,
    }

    # ---- conditions ---------------------------------------------------------------------------
    def _truth(self, expr: Any) -> bool:
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, str):
            return expr.lower() == "true"
        if not (isinstance(expr, dict) and len(expr) == 1):
            raise ResolveError(f"Template error: bad condition {expr!r}")
        ((key, arg),) = expr.items()
        if key == "Fn::Equals":
            left, right = (self._resolve(a) for a in arg)
            return _scalar_str(left) == _scalar_str(right)
        if key == "Fn::And":
            return all(self._truth(a) for a in arg)
        if key == "Fn::Or":
            return any(self._truth(a) for a in arg)
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Condition":
            return self.condition(str(arg))
        return self._truth(self._resolve(expr))


def _scalar_str(value: Any) -> str:
    """How CloudFormation renders a scalar inside a string (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise ResolveError(f"Template error: expected a string, got {value!r}")
    return str(value)


def stringify(value: Any) -> Any:
    """Leaf values as CloudFormation hands them to a custom resource: numbers and booleans as strings.

    Lists and maps keep their structure; `None` stays `None` (CloudFormation drops it earlier).
    """
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    return _scalar_str(value)
