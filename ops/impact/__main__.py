"""`python -m ops.impact BASE_DIR HEAD_DIR`: Markdown on stdout; exit 0, 2 (needs approval), 1 (usage)."""

import sys
from pathlib import Path

from ops.assembly import AssemblyError, read_assembly
from ops.cfn_registry import RegistryUnavailableError
from ops.impact.report import compare, exit_code, render

USAGE = "usage: python -m ops.impact BASE_ASSEMBLY_DIR HEAD_ASSEMBLY_DIR  (each a `cdk synth -o DIR` output)"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or any(a in ("-h", "--help") for a in argv):
        print(USAGE, file=sys.stderr)
        return 1
    try:
        base, head = (read_assembly(Path(a)) for a in argv)
    except AssemblyError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        impacts = compare(base, head)
    except RegistryUnavailableError as exc:  # the registry schemas decide what is replaced
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(render(impacts))
    return exit_code(impacts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
