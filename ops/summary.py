"""Print what a synth produced: stacks, resources by type, outputs (`make synth`'s last lines)."""

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(assembly: Path) -> str:
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    lines: list[str] = []
    for artifact in sorted(manifest.get("artifacts", {}).values(), key=lambda a: str(a.get("displayName"))):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = assembly / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text(encoding="utf-8"))
        resources = template.get("Resources", {})
        types = Counter(r["Type"] for r in resources.values())
        outputs = template.get("Outputs", {})
        name = artifact["properties"].get("stackName", artifact.get("displayName"))
        lines.append(
            f"Stack {name}: {len(resources)} resources, {len(outputs)} outputs, "
            f"{template_file.stat().st_size:,} bytes ({template_file.relative_to(assembly.parent)})"
        )
        lines += [f"  {count:3d}  {rtype}" for rtype, count in sorted(types.items())]
        if outputs:
            lines.append("  outputs: " + ", ".join(sorted(outputs)))
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")))
