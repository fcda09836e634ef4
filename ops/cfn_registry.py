"""What CloudFormation's own resource types promise, read from the registry schemas cfn-lint ships.

The one source of create-only properties (a change means replacement) and primary identifiers
(what `Ref` returns) for native types: the impact report (`ops/impact/native.py`) and the deploy
simulator (`simulation/cloudformation/`) both read them here, so neither keeps a copy.

Source: the CloudFormation resource provider schemas (`createOnlyProperties`,
`primaryIdentifier`) as bundled in the pinned cfn-lint package (requirements-dev.txt): its
`data/schemas/providers/us-east-1.json` names each type's schema file under
`data/schemas/resources/`. The bundled copy is read, never cfn-lint's user cache
(`cfn-lint --update-specs`), so the answer changes only when the pin does. cfn-lint is a
development dependency: reading needs it installed (`make test` installs it).
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any, Final

REGION: Final = "us-east-1"


class RegistryUnavailableError(RuntimeError):
    """cfn-lint, which carries the registry schemas, is not installed."""


def _schemas_dir() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RegistryUnavailableError(
            "cfn-lint carries the CloudFormation registry schemas: install requirements-dev.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@cache
def _providers() -> dict[str, str]:
    """Resource type → the file name (hash) of its schema, for `REGION`."""
    return dict(json.loads((_schemas_dir() / "providers" / f"{REGION}.json").read_text()))


def schema_types() -> frozenset[str]:
    """Every resource type the registry has a schema for (in `REGION`)."""
    return frozenset(_providers())


@cache
def schema(resource_type: str) -> dict[str, Any]:
    """The registry schema of one resource type (KeyError: not in the registry)."""
    digest = _providers()[resource_type]
    return dict(json.loads((_schemas_dir() / "resources" / f"{digest}.json").read_text()))


def _top_level(pointers: list[str]) -> tuple[str, ...]:
    """Top-level property names of JSON pointers such as `/properties/Tags`, in schema order."""
    return tuple(dict.fromkeys(p.split("/")[2] for p in pointers if p.startswith("/properties/")))


def create_only(resource_type: str) -> tuple[str, ...]:
    """Properties whose change replaces the resource (`createOnlyProperties`), in schema order."""
    return _top_level(schema(resource_type).get("createOnlyProperties", []))


def primary_identifier(resource_type: str) -> str:
    """The property `Ref` returns (the one-member `primaryIdentifier` of the types we use)."""
    (name,) = _top_level(schema(resource_type)["primaryIdentifier"])
    return name


@cache
def types_in(namespace: str) -> tuple[str, ...]:
    """Every registry type of a namespace, e.g. `AWS::Personalize::`, sorted."""
    return tuple(sorted(t for t in _providers() if t.startswith(namespace)))
