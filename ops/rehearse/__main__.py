"""`python -m ops.rehearse --config FILE [--base-config FILE] [--fail training|gate|campaign]
[--training-minutes N] [--status-at 30,60]` (`make rehearse`).

Exit 0 after the rehearsal (a rehearsed failure included: it is what was asked for); 1 with one
line when the config cannot be synthesized or the base config's deploy fails; 2 when the
failure asked for cannot happen with this config.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from ops.rehearse.faults import FAULTS, FaultError


def _template(config: str) -> tuple[str, dict[str, Any]]:
    from ops.synth import templates  # noqa: PLC0415 - jsii starts on import: after argument checks

    stacks = templates(config)
    if len(stacks) != 1:
        raise ValueError(f"{config}: rehearse needs a config of one stack, it has {len(stacks)}")
    ((name, template),) = stacks.items()
    return name, template


def _minutes(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.rehearse", description=__doc__)
    parser.add_argument("--config", default="config/default.yaml")
    parser.add_argument(
        "--base-config", help="deploy this config first, then rehearse the change to --config"
    )
    parser.add_argument("--fail", choices=sorted(FAULTS), help="rehearse this failure")
    parser.add_argument("--training-minutes", type=float, help="training time (virtual; default: the fake's)")
    parser.add_argument("--status-at", type=_minutes, default=[30.0, 60.0], help="minutes, e.g. 30,60")
    parser.add_argument("--width", type=int, help="columns to print (default: the terminal's)")
    args = parser.parse_args(argv)
    from ops.rehearse.play import rehearse  # noqa: PLC0415
    from ops.rehearse.render import rehearsal_screen  # noqa: PLC0415
    from ops.synth import assemblies  # noqa: PLC0415
    from stacks.config_model import ConfigError  # noqa: PLC0415

    for path in filter(None, (args.config, args.base_config)):
        if not Path(path).is_file():
            print(f"{path}: no such config file", file=sys.stderr)
            return 1
    try:
        stack, template = _template(args.config)
        base_stack, base = _template(args.base_config) if args.base_config else (stack, None)
        if base_stack != stack:
            raise ValueError(
                f"{args.base_config} deploys stack {base_stack}, {args.config} stack {stack}: "
                "a renamed stack is a new stack; rehearse CONFIG alone"
            )
    except (ConfigError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        rehearsal = rehearse(
            template,
            stack=stack,
            base=base,
            fault=args.fail,
            training_minutes=args.training_minutes,
            status_minutes=args.status_at,
            assemblies=assemblies,
        )
    except FaultError as exc:
        print(exc, file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 1
    console = Console(width=args.width)
    console.print(rehearsal_screen(rehearsal, args.config, args.base_config, console.width))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
