"""A virtual clock: tests move time forward explicitly instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

EPOCH_2026: float = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class VirtualClock:
    """Epoch seconds that only move when a test calls `advance`."""

    def __init__(self, start: float = EPOCH_2026) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError(f"cannot move the clock backwards ({seconds} s)")
        with self._lock:
            self._now += seconds
            return self._now

    def __call__(self) -> float:
        return self.now()
