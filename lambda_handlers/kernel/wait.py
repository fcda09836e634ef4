"""A bounded wait: a budget of seconds counted from a start CloudFormation's events carry back.

isComplete cannot keep state between polls; onEvent records its start time in Data
(`Attr.STARTED_AT`), which the framework hands to every isComplete of that operation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    started_at: float  # epoch seconds
    seconds: float

    def spent(self, now: float) -> bool:
        return now - self.started_at >= self.seconds
