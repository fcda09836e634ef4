"""Modules stay small enough to read in one sitting: none of the app's, the ops tools' or the
simulation's modules is over 400 lines (split by job, as the fake and the simulator are)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("lambda_handlers", "stacks", "ops", "simulation")
MAX_LINES = 400


def test_no_module_of_the_app_the_tools_or_the_simulation_is_over_the_line_limit():
    # GIVEN every Python module under the four folders
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
    }
    # THEN there are modules to check, and none is over the limit
    assert len(lengths) > 100
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
