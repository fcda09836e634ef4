"""Print what a synth produced: stacks, resources by type, outputs (`make synth`'s last lines)."""

import sys
from collections import Counter
from pathlib import Path

from ops.assembly import read_assembly


def summarize(assembly: Path) -> str:
    lines: list[str] = []
    for stack in sorted(read_assembly(assembly).values(), key=lambda s: s.key):
        resources = stack.resources
        types = Counter(r["Type"] for r in resources.values())
        outputs = stack.template.get("Outputs", {})
        file = stack.template_file
        lines.append(
            f"Stack {stack.name}: {len(resources)} resources, {len(outputs)} outputs, "
            f"{file.stat().st_size:,} bytes ({file.relative_to(assembly.parent)})"
        )
        lines += [f"  {count:3d}  {rtype}" for rtype, count in sorted(types.items())]
        if outputs:
            lines.append("  outputs: " + ", ".join(sorted(outputs)))
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")))
