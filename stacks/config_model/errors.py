"""One error that lists every problem of a config, each by field path and what to do."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "solutions[0].recipe"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """Raised at synth, before any stack is built; `cdk synth` exits non-zero with it."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        lines = [f"{source}: {count} problem{'s' if count != 1 else ''} in the config:"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))
