"""The one reader of cloud assemblies (cdk.out): stacks, nested stage assemblies included.

Used by `ops.summary`, `ops.impact`, the benchmark and the tests' synth helper, so the
manifest format is parsed in one place.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AssemblyError(Exception):
    pass


@dataclass(frozen=True)
class StackTemplate:
    key: str  # artifact display name, e.g. "pipeline/prod/my-stack": unique across stages
    name: str  # the CloudFormation stack name
    label: str  # stack name and environment, for people
    template_file: Path
    template: dict[str, Any]
    region: str | None = None  # None: an environment-agnostic stack

    @property
    def resources(self) -> dict[str, Any]:
        resources = self.template.get("Resources", {})
        return resources if isinstance(resources, dict) else {}


def read_manifest(directory: Path) -> dict[str, Any]:
    manifest_file = directory / "manifest.json"
    if not manifest_file.is_file():
        raise AssemblyError(f"{directory}: no manifest.json (not a cloud assembly; run cdk synth -o DIR)")
    manifest: dict[str, Any] = json.loads(manifest_file.read_text(encoding="utf-8"))
    return manifest


def read_assembly(directory: Path) -> dict[str, StackTemplate]:
    """Artifact display name → stack, for every stack of the assembly and its nested stages."""
    stacks: dict[str, StackTemplate] = {}
    for artifact_id, artifact in read_manifest(directory).get("artifacts", {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "cdk:cloud-assembly":
            stacks.update(read_assembly(directory / props["directoryName"]))
        elif kind == "aws:cloudformation:stack":
            name = props.get("stackName") or artifact.get("displayName") or artifact_id
            key = artifact.get("displayName") or artifact_id
            env = artifact.get("environment", "")
            label = name if not env or "unknown-" in env else f"{name} ({env.removeprefix('aws://')})"
            template_file = directory / props["templateFile"]
            template = json.loads(template_file.read_text(encoding="utf-8"))
            region = env.rsplit("/", 1)[-1] if env and "unknown-" not in env else None
            stacks[key] = StackTemplate(
                key=key, name=name, label=label, template_file=template_file, template=template, region=region
            )
    return stacks
