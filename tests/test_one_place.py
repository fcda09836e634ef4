"""Every custom resource property name is spelled once: on its contract field.

A property name our custom resources alone use must not appear as a string literal in any `.py`
file of the repository outside `lambda_handlers/contract/` (where each is stated once, in
`prop(...)`) and `tests/` (which may write properties by hand): every other reader decodes
through `Contract.from_properties` / `prop_name`.

Which names are "only ours": every contract field's property name (every `Contract` subclass of
`lambda_handlers.contract`), minus

- names that CloudFormation's own resource types also use as properties: those of every
  `AWS::Personalize::*` type, and of every other type our synthesized templates hold (the default
  config and each `config/examples/*.yaml`), taken from the registry schemas cfn-lint ships (every
  nested `properties` map) and from the templates themselves (for types without a schema). Such a
  name (`Name`, `Tags`, `RoleArn`, `DatasetArn`, the Scheduler target's `Input`, an alarm's
  `Metrics`...) legitimately appears where code reads native resources, S3 or EMF;
- the keys of the Data our handlers return (`constants.Attr`, read with GetAtt): a second wire
  vocabulary, stated once in `constants.py`, that happens to share spellings such as `SolutionArn`
  and `JobArn`.

What is left (`TrainingMode`, `Trigger`, `Gates`, `LinkIndex`...) is read or written only through
the contract, so a literal of it elsewhere is a second statement of the wire format.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import os
import pkgutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from lambda_handlers import constants, contract
from lambda_handlers.contract import Contract
from ops import cfn_registry
from tests.support import synth

# Where property names may be spelled: the contract states them, tests write events by hand.
ALLOWED = ("lambda_handlers/contract", "tests")
SKIPPED_DIRS = {"node_modules", "cdk.out", "__pycache__"}


def contract_classes() -> list[type[Any]]:
    for module in pkgutil.iter_modules(contract.__path__):
        importlib.import_module(f"{contract.__name__}.{module.name}")
    found: list[type[Any]] = []
    pending = list(Contract.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in found if dataclasses.is_dataclass(cls)]


def property_names() -> set[str]:
    return {
        str(field.metadata["prop"])
        for cls in contract_classes()
        for field in dataclasses.fields(cls)
        if "prop" in field.metadata
    }


def _nested_properties(value: Any) -> Iterator[str]:
    """Every name in every `properties` map of a registry schema, nested definitions included."""
    if isinstance(value, dict):
        inner = value.get("properties")
        if isinstance(inner, dict):
            yield from inner
        for item in value.values():
            yield from _nested_properties(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nested_properties(item)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


@cache
def native_property_names() -> frozenset[str]:
    """Property names of CloudFormation's own types: every `AWS::Personalize::*` type, and every other
    type our templates hold (registry schema, else the template's own keys)."""
    configs = [synth.DEFAULT_CONFIG, *sorted((synth.REPO / "config" / "examples").glob("*.yaml"))]
    found: set[str] = set()
    types = {t for t in cfn_registry.schema_types() if t.startswith("AWS::Personalize::")}
    for config in configs:
        for template in synth.templates(config).values():
            for resource in template["Resources"].values():
                if resource["Type"] not in constants.RESOURCE_TYPES:
                    types.add(resource["Type"])
                    found.update(_keys(resource.get("Properties", {})))
    for rtype in types:
        if rtype in cfn_registry.schema_types():
            found.update(_nested_properties(cfn_registry.schema(rtype)))
    return frozenset(found)


def attr_names() -> set[str]:
    return {
        value for name, value in vars(constants.Attr).items() if name.isupper() and isinstance(value, str)
    }


def only_ours() -> set[str]:
    return property_names() - native_property_names() - attr_names()


def python_files(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        relative = Path(directory).relative_to(root).as_posix()
        if any(relative == allowed or relative.startswith(f"{allowed}/") for allowed in ALLOWED):
            dirs[:] = []
            continue
        yield from (Path(directory) / name for name in sorted(files) if name.endswith(".py"))


def literals(root: Path, names: set[str]) -> list[str]:
    """`path:line: "Name"` for each string literal among `names` in the files `python_files` yields."""
    out: list[str] = []
    for path in python_files(root):
        tree = ast.parse(path.read_text(), filename=str(path))
        out.extend(
            f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names
        )
    return out


def test_no_custom_resource_property_name_is_spelled_outside_the_contract():
    # GIVEN the property names only our custom resources use (module docstring)
    names = only_ours()
    assert "TrainingMode" in names and "RetainOnStackDelete" in names
    # WHEN every .py file outside lambda_handlers/contract/ and tests/ is read
    found = literals(synth.REPO, names)
    # THEN none of them spells one as a string literal
    assert found == [], "decode through the contract (from_properties / prop_name) instead:\n" + "\n".join(
        found
    )


def test_fails_when_ops_spells_a_property_name(tmp_path: Path):
    # GIVEN a repository whose ops/ reads TrainingMode by its raw name, and a test that may
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "reader.py").write_text('mode = props.get("TrainingMode")\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text('EVENT = {"TrainingMode": "FULL"}\n')
    # WHEN scanned THEN the ops/ literal is found, the test's is not
    assert literals(tmp_path, {"TrainingMode"}) == ["ops/reader.py:1: 'TrainingMode'"]
