"""`python -m ops.status --config FILE [--watch] [--json] [--role-arn ARN]` (`make status`).

Exit 0 after the screen (or when `--watch` sees nothing in progress any more); 1 with one
line when the stack cannot be read (no credentials, no such stack).
"""

import argparse
import json
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.live import Live

from ops.reader import DeployedStack, StackNotFoundError, read_errors
from ops.status.collect import Report, collect
from ops.status.screen import render

REDRAW_SECONDS = 30


def watch(
    stack: DeployedStack,
    console: Console,
    *,
    sleep: Callable[[float], object] = time.sleep,
    on_frame: Callable[[Report], None] | None = None,
) -> Report:
    """Redraw every 30 s until nothing is in progress; returns the last report."""
    with Live(console=console, auto_refresh=False) as live:
        while True:
            report = collect(stack)
            live.update(render(report), refresh=True)
            if on_frame:
                on_frame(report)
            if not report.in_progress:
                return report
            sleep(REDRAW_SECONDS)


def run(stack: DeployedStack, *, as_json: bool, watching: bool, console: Console) -> int:
    try:
        if watching:
            watch(stack, console)
        elif as_json:
            console.print_json(json.dumps(collect(stack).to_json()))
        else:
            console.print(render(collect(stack)))
    except read_errors() as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.status", description=__doc__)
    parser.add_argument("--config", default="config/default.yaml")
    parser.add_argument("--watch", action="store_true", help="redraw every 30 s until nothing is in progress")
    parser.add_argument("--json", action="store_true", help="print the data as JSON (for pipelines)")
    parser.add_argument("--role-arn", help="assume this role first (the stage's drift reader role)")
    args = parser.parse_args(argv)
    from ops.account import open_stack  # noqa: PLC0415

    try:
        stack = open_stack(args.config, role_arn=args.role_arn)
    except StackNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    return run(stack, as_json=args.json, watching=args.watch, console=Console())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
