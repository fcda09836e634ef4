"""Read the stacks of a cloud assembly (cdk.out), nested stage assemblies included."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AssemblyError(Exception):
    pass


@dataclass(frozen=True)
class StackTemplate:
    key: str  # artifact display name, e.g. "pipeline/prod/my-stack": unique across stages
    label: str  # stack name and environment, for people
    template: dict[str, Any]


def read_assembly(directory: Path) -> dict[str, StackTemplate]:
    manifest_file = directory / "manifest.json"
    if not manifest_file.is_file():
        raise AssemblyError(f"{directory}: no manifest.json (not a cloud assembly; run cdk synth -o DIR)")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    stacks: dict[str, StackTemplate] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "cdk:cloud-assembly":
            stacks.update(read_assembly(directory / props["directoryName"]))
        elif kind == "aws:cloudformation:stack":
            name = props.get("stackName") or artifact.get("displayName") or artifact_id
            key = artifact.get("displayName") or artifact_id
            env = artifact.get("environment", "")
            label = name if not env or "unknown-" in env else f"{name} ({env.removeprefix('aws://')})"
            template = json.loads((directory / props["templateFile"]).read_text(encoding="utf-8"))
            stacks[key] = StackTemplate(key=key, label=label, template=template)
    return stacks
