"""`python -m ops.drift --config FILE [--role-arn ARN]` (`make drift`): exit 0 in sync (a version the
auto-training checker promoted is listed, and is in sync), 3 drifted,
1 when the stack cannot be read (one line, no traceback)."""

import argparse
import sys

from ops.drift.compare import find_drift
from ops.reader import DeployedStack, StackNotFoundError, read_errors

IN_SYNC, CANNOT_READ, DRIFTED = 0, 1, 3


def run(stack: DeployedStack) -> int:
    try:
        drifts = find_drift(stack)
    except read_errors() as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return CANNOT_READ
    for drift in drifts:
        print(drift.line())
    drifted = [d for d in drifts if not d.promoted]
    if not drifted:
        print("in sync: every custom resource matches what Personalize reports")
    return DRIFTED if drifted else IN_SYNC


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.drift", description=__doc__)
    parser.add_argument("--config", default="config/default.yaml")
    parser.add_argument("--role-arn", help="assume this role first (the stage stack's drift reader role)")
    args = parser.parse_args(argv)
    from ops.account import open_stack  # noqa: PLC0415

    try:
        stack = open_stack(args.config, role_arn=args.role_arn)
    except StackNotFoundError as exc:
        print(exc, file=sys.stderr)
        return CANNOT_READ
    return run(stack)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
